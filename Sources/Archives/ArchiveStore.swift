import Dispatch
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A content-addressed folder of archives as received (the ledger's `archives/`, SPEC 10.1):
/// each file is kept under its SHA-256, `ab/ab12…`.
///
/// A file is copied while it is read for decoding (`ArchiveReader.read(_:into:copy:)`), so the
/// bytes kept are the bytes decoded and hashed, read once. The copy is written under
/// `incoming/`, flushed, then renamed under its checksum; `finishCopies()` waits for that and
/// flushes the folders the renames changed. Until then nothing refers to it.
public final class ArchiveStore: Sendable {
    /// The folder.
    public let directory: String
    /// Folders where a copy was renamed and not yet flushed.
    private let touched = Mutex<Set<String>>([])
    /// Flushes and renames copies, one at a time, while readers go on.
    private let flushing = DispatchQueue(label: "h2fleet.archive-store.flush")
    private let flushed = DispatchGroup()
    private let pending = DispatchSemaphore(value: 64)

    /// The store in `directory` (made when missing, with `incoming/`).
    public init(directory: String) {
        self.directory = directory
        mkdir(directory, 0o755)
        mkdir(directory + "/incoming", 0o755)
    }

    /// Where the archive with `sha256` is kept.
    public func path(_ sha256: String) -> String {
        "\(directory)/\(sha256.prefix(2))/\(sha256)"
    }

    /// Starts a copy under `incoming/`, named after this process so that another can tell a
    /// leftover from a copy in progress; fails with the reason when it cannot be made.
    public func begin() -> Result<ArchiveCopy, ArchiveError> {
        var template = Array("\(directory)/incoming/\(getpid())-XXXXXX".utf8CString)
        let (descriptor, name) = template.withUnsafeMutableBufferPointer {
            (mkstemp($0.baseAddress!), String(cString: $0.baseAddress!))
        }
        guard descriptor >= 0 else {
            return .failure(ArchiveError(.unreadable, "cannot be stored in the ledger: \(systemError(errno))"))
        }
        fchmod(descriptor, 0o644)  // readable like the rest of the ledger (mkstemp makes 0600)
        return .success(ArchiveCopy(descriptor: descriptor, temporary: name))
    }

    /// Flushes `copy` to disk and renames it under `sha256` (replacing a leftover of the same
    /// name, whose bytes are the same or damaged), on a thread of the store's own so that the
    /// reader goes on decoding meanwhile; `finishCopies()` waits for them, and then each copy's
    /// `failure` says why it could not be kept, if it could not.
    public func keep(_ copy: ArchiveCopy, sha256: String) {
        if copy.failure != nil {
            discard(copy)
            return
        }
        // A bounded number of copies wait to be flushed, each holding a descriptor.
        pending.wait()
        flushing.async(group: flushed) {
            defer { self.pending.signal() }
            // `finishCopies` flushes the folders (and the store's, for new shards) once.
            if let folder = self.flushAndRename(copy, sha256: sha256)?.folder {
                self.touched.withLock { _ = $0.insert(folder) }
            }
        }
    }

    /// Flushes `copy`, renames it under `sha256` and flushes its folder, on the calling thread
    /// (one upload at a time, not waiting for others); returns why it could not, if it could not.
    public func keepNow(_ copy: ArchiveCopy, sha256: String) -> String? {
        if copy.failure != nil {
            discard(copy)
            return copy.failure
        }
        guard let kept = flushAndRename(copy, sha256: sha256) else { return copy.failure }
        ArchiveStore.flush(folder: kept.folder)
        // A new shard folder is itself an entry of the store's folder.
        if kept.newFolder { ArchiveStore.flush(folder: directory) }
        return nil
    }

    /// Flushes a folder's entries to disk.
    static func flush(folder: String) {
        let descriptor = open(folder, O_RDONLY)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        Glibc.close(descriptor)
    }

    /// Waits until every copy given to `keep` is flushed and renamed (or failed), then flushes
    /// the folders the renames changed, so that every kept archive is found under its name
    /// after a crash. It waits for every caller's copies: one batch (one `ingest`) at a time
    /// per store; uploads use `keepNow`.
    public func finishCopies() {
        flushed.wait()
        let folders = touched.withLock { touched in
            defer { touched.removeAll() }
            return touched
        }
        for folder in folders.sorted() + [directory] { ArchiveStore.flush(folder: folder) }
    }

    /// Flushes `copy` and renames it under `sha256`: the folder it is now in, and whether that
    /// folder was made for it (neither folder flushed yet); `nil`, with `copy.failure` set, when
    /// it could not be kept.
    private func flushAndRename(_ copy: ArchiveCopy, sha256: String) -> (folder: String, newFolder: Bool)? {
        defer { copy.close() }
        let target = path(sha256)
        let folder = String(target.dropLast(sha256.count + 1))
        var newFolder = false
        if fsync(copy.descriptor) != 0 {
            copy.failure = "cannot be flushed to disk: \(systemError(errno))"
        } else {
            newFolder = mkdir(folder, 0o755) == 0
            if rename(copy.temporary, target) != 0 {
                copy.failure = "cannot be stored in the ledger: \(systemError(errno))"
            }
        }
        guard copy.failure == nil else {
            unlink(copy.temporary)
            return nil
        }
        return (folder, newFolder)
    }

    /// Drops a copy that is not to be kept (again: nothing; after it was kept: nothing).
    public func discard(_ copy: ArchiveCopy) {
        copy.close()
        unlink(copy.temporary)
    }

    /// Removes copies left in `incoming/` by processes that are gone (killed mid-ingest).
    public func removeLeftovers() {
        let incoming = directory + "/incoming"
        for name in ArchiveStore.names(in: incoming) where !ArchiveStore.isAlive(name.prefix { $0 != "-" }) {
            unlink(incoming + "/" + name)
        }
    }

    /// Removes the `ab/<sha256>.tmp-PID` copies that h2fleet made before `incoming/` existed
    /// (reads every shard folder).
    public func removeOldCopies() {
        for shard in ArchiveStore.names(in: directory) where shard.utf8.count == 2 {
            for name in ArchiveStore.names(in: directory + "/" + shard) {
                guard let dash = name.lastIndex(of: "-"), name[..<dash].hasSuffix(".tmp"),
                    !ArchiveStore.isAlive(name[name.index(after: dash)...])
                else { continue }
                unlink(directory + "/" + shard + "/" + name)
            }
        }
    }

    /// The names in a folder (none when it cannot be read).
    static func names(in folder: String) -> [String] {
        guard let handle = opendir(folder) else { return [] }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Whether the process whose id `text` is may still be running (a copy of its is in progress).
    static func isAlive(_ text: Substring) -> Bool {
        let pid = Int32(text) ?? 0
        return pid > 0 && (kill(pid, 0) == 0 || errno == EPERM)
    }
}

/// A file being copied into an `ArchiveStore`: the bytes the reader reads are written to it as
/// they come. One per file being read: written by one worker, then flushed by the store.
public final class ArchiveCopy: Sendable {
    let descriptor: Int32
    /// Where the bytes are written until the store keeps them.
    public let temporary: String
    /// Why the copy could not be kept, and whether its descriptor is closed: used by the worker
    /// or handler writing it, then by whoever flushes or discards it.
    private let state = Mutex<(failure: String?, closed: Bool)>((nil, false))

    init(descriptor: Int32, temporary: String) {
        self.descriptor = descriptor
        self.temporary = temporary
    }

    /// Why the copy could not be kept (a write, the flush or the rename failed), once known.
    public internal(set) var failure: String? {
        get { state.withLock { $0.failure } }
        set { state.withLock { $0.failure = newValue } }
    }

    /// Appends `bytes`; remembers the first failure (disk full, I/O error).
    public func write(_ bytes: UnsafeRawBufferPointer) {
        guard failure == nil, var base = bytes.baseAddress else { return }
        var left = bytes.count
        while left > 0 {
            let written = Glibc.write(descriptor, base, left)
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else {
                failure = "cannot be stored in the ledger: \(systemError(errno))"
                return
            }
            base += written
            left -= written
        }
    }

    /// Closes the descriptor, once.
    func close() {
        let wasClosed = state.withLock { state in
            defer { state.closed = true }
            return state.closed
        }
        if !wasClosed { Glibc.close(descriptor) }
    }

    deinit { close() }
}
