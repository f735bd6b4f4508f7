/// A decoder of one telemetry file's bytes into frames: CSV (SPEC 2.1) or GB/T 32960 captures
/// (SPEC 9). Fed the file's content in pieces, then finished.
public protocol TelemetryDecoder {
    /// Decodes the next piece of the file.
    mutating func consume<Sink: FrameSink>(_ bytes: UnsafeRawBufferPointer, into sink: inout Sink)
    /// Ends the file.
    mutating func finish<Sink: FrameSink>(into sink: inout Sink)
    /// Why the file cannot be decoded; `nil` while it can. A file with a failure counts not at all.
    var failure: String? { get }
    /// Valid frames so far.
    var frames: Int { get }
    /// Rejected rows (or captured frames) so far.
    var rejections: RejectionTally { get }
    /// Valid frames that are not telemetry, by command (captures only; empty for CSV).
    var skippedByCommand: [UInt8: Int] { get }
    /// Valid frames by command, telemetry or not (captures only; empty for CSV).
    var validByCommand: [UInt8: Int] { get }
    /// Valid frames by protocol revision, 2016 or 2025 (captures only; empty for CSV).
    var revisions: [Int: Int] { get }
}

extension CSVDecoder: TelemetryDecoder {
    /// CSV has no non-telemetry frames.
    public var skippedByCommand: [UInt8: Int] { [:] }
    /// CSV has no frame commands.
    public var validByCommand: [UInt8: Int] { [:] }
    /// CSV has no protocol revisions.
    public var revisions: [Int: Int] { [:] }
}
