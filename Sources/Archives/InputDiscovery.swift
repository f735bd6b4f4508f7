#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why a file found inside a directory is not read (SPEC 2.2, 7.1 `inputs.skipped`).
public enum SkipReason: String, Sendable, Hashable {
    /// An archive or compressor h2fleet does not read (`.zip`, `.7z`, `.rar`, `.xz`, `.bz2`,
    /// `.lz4`, `.lzma`, `.br`, `.tar`, `.tgz`, also before a final `.zst` or `.gz`).
    case unsupportedCompression = "unsupported_compression"
    /// Any other name that is not a telemetry name.
    case notTelemetry = "not_telemetry"
}

/// A file found inside a directory argument and not read (SPEC 7.1 `inputs.skipped`).
public struct SkippedFile: Sendable, Hashable {
    /// The path as reported: the directory argument joined with `/` to the path below it.
    public var path: String
    /// Why it is not read.
    public var reason: SkipReason

    /// Creates an entry.
    public init(path: String, reason: SkipReason) {
        self.path = path
        self.reason = reason
    }
}

/// What the input arguments of a run yield (SPEC 2.2).
public struct DiscoveredInputs: Sendable {
    /// The files to read, sorted by reported path (UTF-8 bytes); each path once.
    public var files: [InputFile]
    /// The other files found inside directories, sorted by path (UTF-8 bytes); each path once,
    /// and never one of `files`. Dot-names and links to directories are not listed.
    public var skipped: [SkippedFile]
    /// The directory arguments, as given, in which no file to read was found (not even in
    /// their subdirectories), sorted by UTF-8 bytes; a directory that cannot be listed is a
    /// failed input instead.
    public var emptyDirectories: [String]

    /// Creates a result.
    public init(files: [InputFile], skipped: [SkippedFile] = [], emptyDirectories: [String] = []) {
        self.files = files
        self.skipped = skipped
        self.emptyDirectories = emptyDirectories
    }
}

/// Turns command-line input arguments into the list of files to read (SPEC 2.2).
public enum InputDiscovery {
    /// Lists the files named by `arguments`, the files skipped inside directories, and the
    /// directories that hold nothing to read.
    ///
    /// Directories are searched recursively in lexicographic order; inside them only telemetry
    /// names (`InputFile.isTelemetryName`, in any letter case) are read, every other file is
    /// skipped with its reason, dot-names are passed over silently, links to files are read (or
    /// skipped) and links to directories are not followed. A file named directly is read
    /// whatever its name, except an archive of a kind h2fleet does not read
    /// (`InputFile.unsupportedCompression`), which is a failed input. A path met twice is read
    /// once.
    /// - Throws: `ArchiveError` with code `.notFound` when an argument does not exist.
    public static func discover(_ arguments: [String]) throws(ArchiveError) -> DiscoveredInputs {
        var walk = Walk()
        var empty: Set<String> = []
        for argument in arguments {
            var info = stat()
            guard stat(argument, &info) == 0 else {
                // A dangling link named directly exists as a link: read it and let it fail.
                var linkInfo = stat()
                if lstat(argument, &linkInfo) == 0 {
                    walk.found[argument] = namedFile(argument)
                    continue
                }
                throw ArchiveError(.notFound, "input does not exist: \(argument)", path: argument)
            }
            if (info.st_mode & S_IFMT) == S_IFDIR {
                var base = argument
                while base.count > 1 && base.hasSuffix("/") { base.removeLast() }
                walk.yielded = 0
                walk.directory(base, reportedAs: base)
                if walk.yielded == 0 { empty.insert(argument) }
            } else {
                walk.found[argument] = namedFile(argument)
            }
        }
        let found = walk.found
        return DiscoveredInputs(
            files: found.values.sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) },
            skipped: walk.skipped.filter { found[$0.key] == nil }.map { SkippedFile(path: $0.key, reason: $0.value) }
                .sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) },
            emptyDirectories: empty.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
    }

    /// The files to read of `discover(arguments)`, sorted by reported path.
    /// - Throws: `ArchiveError` with code `.notFound` when an argument does not exist.
    public static func files(for arguments: [String]) throws(ArchiveError) -> [InputFile] {
        try discover(arguments).files
    }

    /// A file named on the command line: read whatever its name, unless it names an archive
    /// kind that is not read.
    private static func namedFile(_ path: String) -> InputFile {
        var file = InputFile(path: path, fileSystemPath: path)
        if let ending = InputFile.unsupportedCompression(of: path) {
            // Archives hold files to extract; the others compress one file.
            let isArchive = [".zip", ".7z", ".rar", ".tar", ".tgz"].contains { ending.hasPrefix($0) }
            let advice =
                isArchive
                ? "\(ending) archives are not read; extract the files first"
                : "\(ending) files are not read; decompress them first, or compress them with zstd or gzip"
            file.problem = ArchiveError(.unsupportedCompression, "unsupported compression: " + advice, path: path)
        }
        return file
    }

    /// What the directory walk has found so far, by reported path.
    private struct Walk {
        var found: [String: InputFile] = [:]
        var skipped: [String: SkipReason] = [:]
        /// Files (read or failed) found since it was last set to 0.
        var yielded = 0

        mutating func directory(_ directory: String, reportedAs reported: String) {
            guard let names = entries(of: directory) else {
                // Not a silent skip: the folder is reported as a failed input.
                var unreadable = InputFile(path: reported, fileSystemPath: directory)
                unreadable.problem = ArchiveError(.unreadable, "cannot list directory: \(systemError(errno))")
                add(unreadable)
                return
            }
            for name in names where !name.hasPrefix(".") {
                let fsPath = directory == "/" ? "/" + name : directory + "/" + name
                let shownPath = reported == "/" ? "/" + name : reported + "/" + name
                var linkInfo = stat()
                guard lstat(fsPath, &linkInfo) == 0 else { continue }
                let type = linkInfo.st_mode & S_IFMT
                if type == S_IFDIR {
                    self.directory(fsPath, reportedAs: shownPath)
                    continue
                }
                if type == S_IFLNK {
                    // Links to directories are not followed; links to files (or broken links)
                    // are taken as files.
                    var target = stat()
                    if stat(fsPath, &target) == 0 && (target.st_mode & S_IFMT) == S_IFDIR { continue }
                }
                if InputFile.isTelemetryName(name) {
                    add(InputFile(path: shownPath, fileSystemPath: fsPath))
                } else {
                    skipped[shownPath] =
                        InputFile.unsupportedCompression(of: name) == nil ? .notTelemetry : .unsupportedCompression
                }
            }
        }

        private mutating func add(_ file: InputFile) {
            found[file.path] = file
            yielded += 1
        }
    }

    /// The names in a directory, sorted by UTF-8 bytes; `nil` when it cannot be read.
    private static func entries(of directory: String) -> [String]? {
        guard let handle = opendir(directory) else { return nil }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafePointer(to: entry.pointee.d_name) { pointer in
                pointer.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }
}
