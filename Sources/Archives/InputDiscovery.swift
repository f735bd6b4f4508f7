#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Turns command-line input arguments into the list of files to read (SPEC 2.2).
public enum InputDiscovery {
    /// Lists the files named by `arguments`, sorted by reported path (UTF-8 bytes).
    ///
    /// Directories are searched recursively in lexicographic order; inside them only telemetry
    /// names are read, dot-names are skipped, links to files are read and links to directories
    /// are not followed. A file named directly is read whatever its name. A path met twice is
    /// read once.
    /// - Throws: `ArchiveError` with code `.notFound` when an argument does not exist.
    public static func files(for arguments: [String]) throws(ArchiveError) -> [InputFile] {
        var found: [String: InputFile] = [:]
        for argument in arguments {
            var info = stat()
            guard stat(argument, &info) == 0 else {
                // A dangling link named directly exists as a link: read it and let it fail.
                var linkInfo = stat()
                if lstat(argument, &linkInfo) == 0 {
                    found[argument] = InputFile(path: argument, fileSystemPath: argument)
                    continue
                }
                throw ArchiveError(.notFound, "input does not exist: \(argument)", path: argument)
            }
            if (info.st_mode & S_IFMT) == S_IFDIR {
                var base = argument
                while base.count > 1 && base.hasSuffix("/") { base.removeLast() }
                walk(directory: base, reportedAs: base, into: &found)
            } else {
                found[argument] = InputFile(path: argument, fileSystemPath: argument)
            }
        }
        return found.values.sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
    }

    private static func walk(directory: String, reportedAs reported: String, into found: inout [String: InputFile]) {
        guard let names = entries(of: directory) else {
            // Not a silent skip: the folder is reported as a failed input.
            var unreadable = InputFile(path: reported, fileSystemPath: directory)
            unreadable.problem = "cannot list directory: \(systemError(errno))"
            found[reported] = unreadable
            return
        }
        for name in names where !name.hasPrefix(".") {
            let fsPath = directory == "/" ? "/" + name : directory + "/" + name
            let shownPath = reported == "/" ? "/" + name : reported + "/" + name
            var linkInfo = stat()
            guard lstat(fsPath, &linkInfo) == 0 else { continue }
            let type = linkInfo.st_mode & S_IFMT
            if type == S_IFDIR {
                walk(directory: fsPath, reportedAs: shownPath, into: &found)
            } else if type == S_IFLNK {
                // Links to directories are not followed; links to files (or broken links) are read.
                var target = stat()
                if stat(fsPath, &target) == 0 && (target.st_mode & S_IFMT) == S_IFDIR { continue }
                if InputFile.isTelemetryName(name) {
                    found[shownPath] = InputFile(path: shownPath, fileSystemPath: fsPath)
                }
            } else if InputFile.isTelemetryName(name) {
                found[shownPath] = InputFile(path: shownPath, fileSystemPath: fsPath)
            }
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
