/// Why an input could not be found, read or decompressed.
///
/// The `message` says what failed in words a regulator can act on; `path` names the input.
public struct ArchiveError: Error, CustomStringConvertible, Sendable, Hashable {
    /// A kind of archive failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        /// The code's name, e.g. `corrupt`.
        public var description: String { name }
        /// The input argument does not exist (bad usage, not a failed input).
        public static let notFound = Code(name: "not_found")
        /// The file could not be opened or read (permission, I/O error, broken link).
        public static let unreadable = Code(name: "unreadable")
        /// The bytes are not a valid zstd or gzip stream (corrupt, bad checksum, not that format).
        public static let corrupt = Code(name: "corrupt")
        /// The zstd or gzip stream ends in the middle of a frame or member.
        public static let truncated = Code(name: "truncated")
        /// The file is an archive of a kind h2fleet does not read (`.zip`, `.xz`, …; SPEC 2.2).
        public static let unsupportedCompression = Code(name: "unsupported_compression")
        /// The content cannot be decoded as its format requires (e.g. CSV header problems).
        public static let badContent = Code(name: "bad_content")
    }

    /// What kind of failure this is.
    public var code: Code
    /// What failed, for a person.
    public var message: String
    /// The input's path as reported, when known.
    public var path: String?

    /// Creates an error with a code and a message.
    public init(_ code: Code, _ message: String, path: String? = nil) {
        self.code = code
        self.message = message
        self.path = path
    }

    /// `path: message`, as the command line prints it.
    public var description: String {
        if let path { return "\(path): \(message)" }
        return message
    }
}
