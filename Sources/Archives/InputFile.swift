/// The telemetry format of an input file, picked by its name (SPEC 2.2).
public enum InputFormat: String, Sendable, Hashable {
    /// CSV telemetry (SPEC 2.1).
    case csv
    /// GB/T 32960 binary frame capture (SPEC 9).
    case gbt32960
    /// GB/T 32960 capture written as hexadecimal text (SPEC 9.1).
    case gbt32960Hex

    /// The value written in `report.json` (`csv` or `gbt32960`).
    public var reportName: String { self == .csv ? "csv" : "gbt32960" }
}

/// How the bytes of a file are stored, picked by its name (SPEC 2.2).
public enum Compression: Sendable, Hashable {
    /// The bytes are read as they are.
    case none
    /// A zstd stream of one or more frames (`.zst`).
    case zstd
    /// A gzip stream of one or more members (`.gz`).
    case gzip
}

/// One file to read: where it is on disk, how it is named in reports, how to decode it.
public struct InputFile: Sendable, Hashable {
    /// The path as reported: the argument as given, joined with `/` to the path below it.
    public var path: String
    /// The path to open.
    public var fileSystemPath: String
    /// How the bytes are compressed (the name ends in `.zst` or `.gz`).
    public var compression: Compression
    /// Whether the bytes are compressed at all.
    public var isCompressed: Bool { compression != .none }
    /// The format of the (decompressed) bytes.
    public var format: InputFormat
    /// Why the file cannot be read, when that is known before opening it (e.g. a directory
    /// that cannot be listed); such a file is a failed input.
    public var problem: String?

    /// Describes a file named `path`, classifying it by name (SPEC 2.2).
    public init(path: String, fileSystemPath: String) {
        self.path = path
        self.fileSystemPath = fileSystemPath
        var name = Substring(fileSystemPath.split(separator: "/").last ?? "")
        if name.hasSuffix(".zst") {
            compression = .zstd
            name = name.dropLast(4)
        } else if name.hasSuffix(".gz") {
            compression = .gzip
            name = name.dropLast(3)
        } else {
            compression = .none
        }
        if name.hasSuffix(".gbt32960.hex") {
            format = .gbt32960Hex
        } else if name.hasSuffix(".gbt32960") {
            format = .gbt32960
        } else {
            format = .csv
        }
    }

    /// Whether a file found inside a directory is read, by its name (SPEC 2.2).
    public static func isTelemetryName(_ name: String) -> Bool {
        if name.hasPrefix(".") { return false }
        var base = Substring(name)
        if base.hasSuffix(".zst") {
            base = base.dropLast(4)
        } else if base.hasSuffix(".gz") {
            base = base.dropLast(3)
        }
        return base.hasSuffix(".csv") || base.hasSuffix(".gbt32960") || base.hasSuffix(".gbt32960.hex")
    }
}
