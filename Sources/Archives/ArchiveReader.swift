#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Receives the decompressed bytes of one file, piece by piece, in order.
public protocol ByteSink {
    /// Takes the next piece of the file's content. The buffer is valid only during the call.
    mutating func consume(_ bytes: UnsafeRawBufferPointer)

    /// Where the reader may decompress the next bytes to, or `nil` (the default) for its own
    /// buffer. When the reader uses it, it then passes `consume` the bytes it wrote there, from
    /// its start: a sink that keeps the bytes anyway saves copying them.
    mutating func room() -> UnsafeMutableRawBufferPointer?
}

extension ByteSink {
    /// No room of its own: the reader decompresses into its buffer.
    public mutating func room() -> UnsafeMutableRawBufferPointer? { nil }
}

/// What is known of a file as stored: its size and SHA-256 (for the audit trail, SPEC 7.1).
public struct StoredFile: Sendable, Equatable {
    /// Size in bytes, as stored (before decompression).
    public var bytes: Int64
    /// Lower-case hex SHA-256 of the bytes as stored.
    public var sha256: String

    /// Describes a stored file.
    public init(bytes: Int64, sha256: String) {
        self.bytes = bytes
        self.sha256 = sha256
    }
}

/// Streams files from disk through zstd or gzip (by name, SPEC 2.2) into a `ByteSink`, never
/// holding a whole file.
///
/// One reader per worker thread; it owns its decompression contexts and buffers and is not
/// `Sendable`.
public struct ArchiveReader: ~Copyable {
    private var zstd = ZstdDecompressor()
    private var gzip = GzipDecompressor()
    private let inputBuffer: UnsafeMutableRawBufferPointer
    private let outputBuffer: UnsafeMutableRawBufferPointer
    /// A whole small archive, and its whole content (see `read`); they grow to the largest seen.
    private var wholeInput: UnsafeMutableRawBufferPointer
    private var wholeOutput: UnsafeMutableRawBufferPointer

    /// Archives up to this size are read whole.
    private let wholeFileLimit: Int
    /// The largest content decompressed in one call. Each worker keeps a buffer this large once
    /// it has read such a file: 8 MiB holds a usual daily file of an operator (about 6 MB) and
    /// keeps a worker's memory near 12 MiB (32 MiB cost about 40 MiB a worker on daily files of
    /// 200 vehicles, which then stream instead).
    public static let wholeContentLimit = 8 << 20

    /// Creates a reader with `blockSize`-byte read and decompression buffers that reads
    /// archives of up to `wholeFileLimit` bytes whole (0: stream every file).
    public init(blockSize: Int = 1 << 20, wholeFileLimit: Int = 2 << 20) {
        self.wholeFileLimit = wholeFileLimit
        inputBuffer = .allocate(byteCount: blockSize, alignment: 16)
        outputBuffer = .allocate(byteCount: max(blockSize, ZstdDecompressor.recommendedOutputSize), alignment: 16)
        wholeInput = .allocate(byteCount: 1, alignment: 16)
        wholeOutput = .allocate(byteCount: 1, alignment: 16)
    }

    deinit {
        inputBuffer.deallocate()
        outputBuffer.deallocate()
        wholeInput.deallocate()
        wholeOutput.deallocate()
    }

    /// Reads `file`, handing its content to `sink`, and returns its size and checksum.
    ///
    /// When the content turns out to be corrupt or truncated, the rest of the file is still read
    /// (not decoded) so that its size and checksum are those of the whole file as stored.
    ///
    /// A zstd archive of at most `wholeFileLimit` bytes (2 MiB by default) whose content states its size (up to
    /// `wholeContentLimit`) is read whole and decompressed in one call, then handed over in one
    /// piece; anything else streams through fixed buffers, so memory stays bounded.
    /// - Parameter copy: where to write every byte read as stored (a ledger keeping the file),
    ///   so that the bytes kept are the bytes hashed and decoded.
    /// - Returns: what is known of the file as stored (`nil` when it could not be read to the
    ///   end) and the failure, if any. After a failure the bytes already handed to `sink` must
    ///   be discarded: a file counts whole or not at all (SPEC 2.2).
    public mutating func read(_ file: InputFile, into sink: inout some ByteSink, copy: ArchiveCopy? = nil) -> (
        stored: StoredFile?, error: ArchiveError?
    ) {
        if var problem = file.problem {
            problem.path = file.path
            return (nil, problem)
        }
        let descriptor = open(file.fileSystemPath, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            return (nil, ArchiveError(.unreadable, "cannot open: \(systemError(errno))", path: file.path))
        }
        defer { close(descriptor) }
        var hasher = SHA256Hasher()
        var total: Int64 = 0
        var failure: ArchiveError?
        switch file.compression {
        case .none: break
        case .zstd: zstd.reset()
        case .gzip: gzip.reset()
        }
        var status = stat()
        if file.compression == .zstd, fstat(descriptor, &status) == 0, status.st_size > 0,
            status.st_size <= wholeFileLimit
        {
            // Read one byte more than the size, to see the end even if the file grew.
            let capacity = Int(status.st_size) + 1
            if wholeInput.count < capacity {
                wholeInput.deallocate()
                wholeInput = .allocate(byteCount: capacity, alignment: 16)
            }
            var count = 0
            while count < capacity {
                guard
                    let read = readRetrying(
                        descriptor, into: UnsafeMutableRawBufferPointer(rebasing: wholeInput[count..<capacity]))
                else { return (nil, ArchiveError(.unreadable, "cannot read: \(systemError(errno))", path: file.path)) }
                if read == 0 { break }
                count += read
            }
            let bytes = UnsafeRawBufferPointer(rebasing: wholeInput[0..<count])
            if count < capacity,
                let size = zstd.decompressWhole(
                    bytes, into: &wholeOutput, limit: ArchiveReader.wholeContentLimit)
            {
                hasher.update(bytes)
                copy?.write(bytes)
                if size > 0 { sink.consume(UnsafeRawBufferPointer(rebasing: wholeOutput[0..<size])) }
                return (StoredFile(bytes: Int64(count), sha256: hasher.finalizeHex()), nil)
            }
            take(bytes, of: file, hasher: &hasher, total: &total, failure: &failure, into: &sink, copy: copy)
        }
        while true {
            guard let count = readRetrying(descriptor, into: inputBuffer) else {
                return (nil, ArchiveError(.unreadable, "cannot read: \(systemError(errno))", path: file.path))
            }
            if count == 0 { break }
            let chunk = UnsafeRawBufferPointer(rebasing: inputBuffer[0..<count])
            take(chunk, of: file, hasher: &hasher, total: &total, failure: &failure, into: &sink, copy: copy)
        }
        if failure == nil {
            switch file.compression {
            case .none:
                break
            case .zstd:
                if !zstd.atFrameBoundary {
                    failure = ArchiveError(
                        .truncated, "zstd stream is truncated (ends inside a frame)", path: file.path)
                }
            case .gzip:
                if !gzip.atMemberBoundary {
                    failure = ArchiveError(
                        .truncated, "gzip stream is truncated (ends inside a member)", path: file.path)
                }
            }
        }
        return (StoredFile(bytes: total, sha256: hasher.finalizeHex()), failure)
    }

    /// Decompresses the zstd frames that start at `range.lowerBound` of `file` (a part of a
    /// `ZstdFrameParts`, or on from one) into `sink`, up to the end of `range` or until `done`
    /// says the sink has what it needs, whichever comes first. Nothing is checksummed: see
    /// `checksum`.
    /// - Returns: the failure, if any: unreadable, not valid zstd, or a range that does not end
    ///   at a frame boundary. After one, the bytes handed to `sink` must be discarded.
    public mutating func decompress<Sink: ByteSink>(
        _ file: InputFile, range: Range<Int64>, into sink: inout Sink,
        until done: (borrowing Sink) -> Bool = { _ in false }
    ) -> ArchiveError? {
        let descriptor = open(file.fileSystemPath, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            return ArchiveError(.unreadable, "cannot open: \(systemError(errno))", path: file.path)
        }
        defer { close(descriptor) }
        zstd.reset()
        var offset = range.lowerBound
        while offset < range.upperBound {
            let wanted = Int(min(Int64(inputBuffer.count), range.upperBound - offset))
            let count = pread(descriptor, inputBuffer.baseAddress, wanted, off_t(offset))
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                let reason = count < 0 ? systemError(errno) : "the file ended early"
                return ArchiveError(.unreadable, "cannot read: \(reason)", path: file.path)
            }
            offset += Int64(count)
            let chunk = UnsafeRawBufferPointer(rebasing: inputBuffer[0..<count])
            var position = 0
            do {
                while true {
                    let output = sink.room() ?? outputBuffer
                    let written = try zstd.decompress(chunk, from: &position, into: output)
                    if written > 0 {
                        sink.consume(UnsafeRawBufferPointer(rebasing: output[0..<written]))
                        if done(sink) { return nil }
                    }
                    if position == chunk.count && written < output.count { break }
                }
            } catch {
                return ArchiveError(error.code, error.message, path: file.path)
            }
        }
        guard zstd.atFrameBoundary else {
            return ArchiveError(.truncated, "zstd stream is truncated (ends inside a frame)", path: file.path)
        }
        return nil
    }

    /// The size and SHA-256 of `file` as stored, read through without decompressing (for a file
    /// whose parts are decompressed apart).
    public mutating func checksum(_ file: InputFile) -> (stored: StoredFile?, error: ArchiveError?) {
        let descriptor = open(file.fileSystemPath, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            return (nil, ArchiveError(.unreadable, "cannot open: \(systemError(errno))", path: file.path))
        }
        defer { close(descriptor) }
        var hasher = SHA256Hasher()
        var total: Int64 = 0
        while true {
            guard let count = readRetrying(descriptor, into: inputBuffer) else {
                return (nil, ArchiveError(.unreadable, "cannot read: \(systemError(errno))", path: file.path))
            }
            if count == 0 { break }
            hasher.update(UnsafeRawBufferPointer(rebasing: inputBuffer[0..<count]))
            total += Int64(count)
        }
        return (StoredFile(bytes: total, sha256: hasher.finalizeHex()), nil)
    }

    /// Takes the next bytes of `file` as stored: checksums and counts them and, until something
    /// fails, hands their content to `sink`.
    private mutating func take(
        _ chunk: UnsafeRawBufferPointer, of file: InputFile, hasher: inout SHA256Hasher, total: inout Int64,
        failure: inout ArchiveError?, into sink: inout some ByteSink, copy: ArchiveCopy?
    ) {
        hasher.update(chunk)
        copy?.write(chunk)
        total += Int64(chunk.count)
        if failure != nil { return }
        if file.compression == .none {
            sink.consume(chunk)
            return
        }
        var position = 0
        do {
            while true {
                let output = sink.room() ?? outputBuffer
                let written =
                    file.compression == .zstd
                    ? try zstd.decompress(chunk, from: &position, into: output)
                    : try gzip.decompress(chunk, from: &position, into: output)
                if written > 0 { sink.consume(UnsafeRawBufferPointer(rebasing: output[0..<written])) }
                // Done with this input once it is consumed and the output was not filled (a full
                // output may mean the library holds more).
                if position == chunk.count && written < output.count { break }
            }
        } catch {
            failure = ArchiveError(error.code, error.message, path: file.path)
        }
    }
}

/// Reads what is there, up to the size of `buffer`, again when interrupted; `nil` on an error
/// (`errno` says which), 0 at the end of the file.
private func readRetrying(_ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer) -> Int? {
    while true {
        let count = Glibc.read(descriptor, buffer.baseAddress, buffer.count)
        if count >= 0 { return count }
        if errno != EINTR { return nil }
    }
}

func systemError(_ code: Int32) -> String {
    String(cString: strerror(code))
}
