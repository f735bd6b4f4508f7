/// Decodes CSV telemetry (SPEC 2.1, format `csv` version 1) from a stream of bytes.
///
/// Feed it the file's bytes in pieces with `consume`, then call `finish`. Valid frames go to a
/// `FrameSink`; rejected rows are counted with samples in `rejections`; a header problem sets
/// `failure`, after which the rest of the file is ignored (the file is a failed input).
/// Works on bytes throughout and allocates nothing per row.
public struct CSVDecoder {
    /// The required columns, in the order their indices are kept.
    public static let requiredColumns = ["vin", "ts", "odometer_km", "fc_current_a"]
    /// The largest odometer reading accepted, in tenths of a km.
    public static let maxOdometer: Int64 = 99_999_999
    /// The largest stack current accepted, in tenths of an ampere.
    public static let maxCurrent: Int64 = 99_999

    private var splitter = LineSplitter()
    private let localOffset: Int
    /// Number of fields in the header; 0 until the header is read.
    private var fieldCount = 0
    /// For each column of the header, the required column it is (index into
    /// `requiredColumns`), or -1.
    private var slotOfField: [Int8] = []
    /// Parses timestamps, remembering the last date.
    private var timestamps: TimestampParser

    /// Why the file cannot be decoded (header problems); `nil` while it can.
    public private(set) var failure: String?
    /// Valid frames decoded so far.
    public private(set) var frames = 0
    /// Rejected rows so far.
    public private(set) var rejections = RejectionTally()

    /// Creates a decoder; times without an offset are read in a zone `localOffset` seconds east
    /// of UTC (the policy's zone).
    public init(localOffset: Int) {
        self.localOffset = localOffset
        timestamps = TimestampParser(localOffset: localOffset)
    }

    /// Decodes the next piece of the file.
    public mutating func consume(_ bytes: UnsafeRawBufferPointer, into sink: inout some FrameSink) {
        if failure != nil { return }
        var splitter = LineSplitter()
        swap(&splitter, &self.splitter)
        splitter.consume(bytes) { number, line, tooLong in
            self.handle(number, line, tooLong, into: &sink)
        }
        swap(&splitter, &self.splitter)
    }

    /// Ends the file: decodes a last line without a line end.
    public mutating func finish(into sink: inout some FrameSink) {
        if failure != nil { return }
        var splitter = LineSplitter()
        swap(&splitter, &self.splitter)
        splitter.finish { number, line, tooLong in
            self.handle(number, line, tooLong, into: &sink)
        }
        swap(&splitter, &self.splitter)
    }

    private mutating func handle(
        _ number: Int64, _ line: UnsafeRawBufferPointer, _ tooLong: Bool, into sink: inout some FrameSink
    ) {
        if failure != nil { return }
        if fieldCount == 0 {
            readHeader(number, line, tooLong)
            return
        }
        if tooLong {
            rejections.record(.lineTooLong, position: number, line: line)
            return
        }
        if TextBytes.isBlank(line) { return }
        if let reason = decodeRow(line, into: &sink) {
            rejections.record(reason, position: number, line: line)
        } else {
            frames += 1
        }
    }

    private mutating func readHeader(_ number: Int64, _ line: UnsafeRawBufferPointer, _ tooLong: Bool) {
        if !tooLong && TextBytes.isBlank(line) { return }
        if tooLong {
            failure = "header (line \(number)) is longer than \(LineSplitter.maxLineBytes) bytes"
            return
        }
        let names = TextBytes.fields(line)
        var found = [Int](repeating: -1, count: CSVDecoder.requiredColumns.count)
        for (index, name) in names.enumerated() {
            guard let which = CSVDecoder.requiredColumns.firstIndex(of: name) else { continue }
            if found[which] >= 0 {
                failure = "header (line \(number)) names column '\(name)' more than once"
                return
            }
            found[which] = index
        }
        if let missing = found.firstIndex(of: -1) {
            failure =
                "header (line \(number)) has no '\(CSVDecoder.requiredColumns[missing])' column "
                + "(required: \(CSVDecoder.requiredColumns.joined(separator: ", ")))"
            return
        }
        fieldCount = names.count
        slotOfField = [Int8](repeating: -1, count: names.count)
        for (slot, column) in found.enumerated() { slotOfField[column] = Int8(slot) }
    }

    /// Decodes one data row; returns the first failing reason, or `nil` after emitting a frame.
    private mutating func decodeRow(_ line: UnsafeRawBufferPointer, into sink: inout some FrameSink) -> RejectionReason? {
        guard let base = line.baseAddress else { return .wrongFieldCount }
        let count = line.count
        // Start and end of the four required fields, found in one pass over the bytes.
        var bounds: (Int, Int, Int, Int, Int, Int, Int, Int) = (0, 0, 0, 0, 0, 0, 0, 0)
        var field = 0
        var fieldStart = 0
        var index = 0
        while true {
            let atEnd = index == count
            if atEnd || base.load(fromByteOffset: index, as: UInt8.self) == UInt8(ascii: ",") {
                if field >= fieldCount { return .wrongFieldCount }
                switch slotOfField[field] {
                case 0: bounds.0 = fieldStart; bounds.1 = index
                case 1: bounds.2 = fieldStart; bounds.3 = index
                case 2: bounds.4 = fieldStart; bounds.5 = index
                case 3: bounds.6 = fieldStart; bounds.7 = index
                default: break
                }
                field += 1
                if atEnd { break }
                fieldStart = index + 1
            }
            index += 1
        }
        guard field == fieldCount else { return .wrongFieldCount }
        guard let vin = Vin(bytes: CSVDecoder.trimmed(base, bounds.0, bounds.1)) else { return .badVin }
        guard let ts = timestamps.parse(CSVDecoder.trimmed(base, bounds.2, bounds.3)) else { return .badTs }
        guard let odometer = FieldParsers.tenths(CSVDecoder.trimmed(base, bounds.4, bounds.5), maxTenths: CSVDecoder.maxOdometer)
        else { return .badOdometer }
        let currentBytes = CSVDecoder.trimmed(base, bounds.6, bounds.7)
        var current: Int64 = 0
        if currentBytes.count > 0 {
            guard let value = FieldParsers.tenths(currentBytes, maxTenths: CSVDecoder.maxCurrent) else { return .badCurrent }
            current = value
        }
        sink.accept(Frame(vin: vin, ts: ts, odometer: Int32(odometer), current: Int32(current)))
        return nil
    }

    /// The bytes from `start` to `end` without spaces and tabs around them.
    @inline(__always)
    private static func trimmed(_ base: UnsafeRawPointer, _ start: Int, _ end: Int) -> UnsafeRawBufferPointer {
        var start = start
        var end = end
        while start < end {
            let byte = base.load(fromByteOffset: start, as: UInt8.self)
            if byte != 0x20 && byte != 0x09 { break }
            start += 1
        }
        while end > start {
            let byte = base.load(fromByteOffset: end - 1, as: UInt8.self)
            if byte != 0x20 && byte != 0x09 { break }
            end -= 1
        }
        return UnsafeRawBufferPointer(start: base + start, count: end - start)
    }
}
