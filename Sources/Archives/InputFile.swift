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
    /// Why the file cannot be read, when that is known before opening it (a directory that
    /// cannot be listed, an archive kind that is not read); such a file is a failed input.
    public var problem: ArchiveError?

    /// Describes a file named `path`, classifying it by name, in any letter case (SPEC 2.2).
    public init(path: String, fileSystemPath: String) {
        self.path = path
        self.fileSystemPath = fileSystemPath
        let name = FileName(fileSystemPath)
        compression = name.compression
        if name.base.hasSuffix(".gbt32960.hex") {
            format = .gbt32960Hex
        } else if name.base.hasSuffix(".gbt32960") {
            format = .gbt32960
        } else {
            format = .csv
        }
    }

    /// What decides how the file's bytes are read, as a name ending: the format (`csv`,
    /// `gbt32960`, `gbt32960.hex`) and the compression (`.zst`, `.gz`): `csv.zst`. The same bytes
    /// under a name of another kind are another source (SPEC 10.1).
    public var kind: String {
        let base = format == .csv ? "csv" : format == .gbt32960 ? "gbt32960" : "gbt32960.hex"
        switch compression {
        case .none: return base
        case .zstd: return base + ".zst"
        case .gzip: return base + ".gz"
        }
    }

    /// A file at `fileSystemPath`, reported as `path`, read as `kind` (see `kind`) says, whatever
    /// its names: an archive a ledger stores under its SHA-256.
    public init(path: String, fileSystemPath: String, kind: String) {
        self.init(path: path, fileSystemPath: "source." + kind)
        self.fileSystemPath = fileSystemPath
    }

    /// Whether a file found inside a directory is read, by its name: it ends in `.csv`,
    /// `.gbt32960` or `.gbt32960.hex`, optionally followed by `.zst` or `.gz`, in any letter case,
    /// and does not start with `.` (SPEC 2.2).
    public static func isTelemetryName(_ name: String) -> Bool {
        if name.hasPrefix(".") { return false }
        let base = FileName(name).base
        return base.hasSuffix(".csv") || base.hasSuffix(".gbt32960") || base.hasSuffix(".gbt32960.hex")
    }

    /// The archive kind h2fleet does not read that the name says, in lower case (`.zip`,
    /// `.tar.gz`, `.xz`), or `nil`: the name, or the name less a final `.zst` or `.gz`, ends in
    /// `.zip`, `.7z`, `.rar`, `.xz`, `.bz2`, `.lz4`, `.lzma`, `.br`, `.tar` or `.tgz`, in any
    /// letter case (SPEC 2.2).
    public static func unsupportedCompression(of name: String) -> String? {
        let name = FileName(name)
        for ending in FileName.unsupportedEndings {
            if name.lowered.hasSuffix(ending) { return ending }
            if name.compression != .none && name.base.hasSuffix(ending) {
                return ending + name.lowered[name.base.endIndex...]
            }
        }
        return nil
    }
}

/// The last component of a path, in ASCII lower case, and its compression ending.
struct FileName {
    /// Endings of archives and compressors h2fleet does not read (SPEC 2.2).
    static let unsupportedEndings = [".zip", ".7z", ".rar", ".xz", ".bz2", ".lz4", ".lzma", ".br", ".tar", ".tgz"]

    /// The name with `A`–`Z` lowered (other characters as they are).
    let lowered: String
    /// `.zst` → zstd, `.gz` → gzip, else none.
    let compression: Compression
    /// The lowered name less its compression ending.
    let base: Substring

    init(_ path: String) {
        let bytes = Array(path.utf8)
        let name = bytes[(bytes.lastIndex(of: UInt8(ascii: "/")).map { $0 + 1 } ?? 0)...]
        lowered = String(decoding: name.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }, as: UTF8.self)
        if lowered.hasSuffix(".zst") {
            compression = .zstd
            base = lowered.dropLast(4)
        } else if lowered.hasSuffix(".gz") {
            compression = .gzip
            base = lowered.dropLast(3)
        } else {
            compression = .none
            base = lowered[...]
        }
    }
}
