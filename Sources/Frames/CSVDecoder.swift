#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

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
    /// Parses VINs, remembering recent ones.
    private var vins = VinCache()
    /// Whether the header is exactly the required columns in their usual order, so that rows
    /// can go through `usualRows`.
    private var usualLayout = false
    private var usualRows: UsualRowDecoder

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
        usualRows = UsualRowDecoder(localOffset: localOffset)
    }

    /// The columns the header names, once it has been read: what a decoder of a later stretch
    /// of the same file needs (`init(localOffset:after:)`).
    public var layout: CSVLayout? {
        fieldCount == 0 ? nil : CSVLayout(fieldCount: fieldCount, slotOfField: slotOfField)
    }

    /// The number the next line will have: lines counted so far, plus the first number.
    public var nextLine: Int64 { splitter.lineNumber }

    /// The line number a decoder of a later stretch gives its first line.
    public static let continuationFirstLine: Int64 = 2

    /// A decoder for a later stretch of a file whose header has `layout`, starting at a line
    /// start. Its lines are numbered from `continuationFirstLine` (no data row can be line 1,
    /// so no byte-order mark is dropped from its first line); the caller adds where the
    /// stretch starts.
    public init(localOffset: Int, after layout: CSVLayout) {
        self.init(localOffset: localOffset)
        fieldCount = layout.fieldCount
        slotOfField = layout.slotOfField
        usualLayout = slotOfField == [0, 1, 2, 3]
        splitter = LineSplitter(firstLine: CSVDecoder.continuationFirstLine)
    }

    /// Decodes the next piece of the file.
    ///
    /// The header and a line begun in an earlier piece go through the line splitter; the
    /// complete lines after them are decoded in place, in the usual layout without finding
    /// their line ends first; what follows the last line end waits for the next piece.
    public mutating func consume(_ bytes: UnsafeRawBufferPointer, into sink: inout some FrameSink) {
        guard failure == nil, let base = bytes.baseAddress else { return }
        let count = bytes.count
        var start = 0
        while fieldCount == 0 || splitter.hasCarry, start < count {
            guard let found = memchr(base + start, 0x0A, count - start) else { break }
            let end = base.distance(to: UnsafeRawPointer(found)) + 1
            split(UnsafeRawBufferPointer(start: base + start, count: end - start), into: &sink)
            if failure != nil { return }
            start = end
        }
        if fieldCount != 0, !splitter.hasCarry {
            // After the last line end (usually a few dozen bytes from the end of the piece).
            var end = count
            while end > start && base.load(fromByteOffset: end - 1, as: UInt8.self) != 0x0A { end -= 1 }
            if end > start {
                decodeLines(base + start, count: end - start, into: &sink)
                start = end
            }
        }
        if start < count {
            split(UnsafeRawBufferPointer(start: base + start, count: count - start), into: &sink)
        }
    }

    /// Decodes complete lines (the last byte is a line end) that follow the lines the splitter
    /// has numbered.
    private mutating func decodeLines(_ base: UnsafeRawPointer, count: Int, into sink: inout some FrameSink) {
        let end = base + count
        let usualLimit = usualLayout ? count - UsualRowDecoder.reach : -1
        var offset = 0
        var number = splitter.lineNumber
        while offset < count {
            if offset <= usualLimit, let (frame, vehicle, next) = usualRows.decode(base + offset, end: end, vins: &vins)
            {
                sink.accept(frame, at: number, vehicle: vehicle)
                frames += 1
                offset = base.distance(to: next)
            } else {
                // memchr finds a line end: the last byte is one.
                let lineEnd = base.distance(to: UnsafeRawPointer(memchr(base + offset, 0x0A, count - offset)!))
                let raw = UnsafeRawBufferPointer(start: base + offset, count: lineEnd - offset)
                let (line, tooLong) = LineSplitter.content(of: raw, lineNumber: number)
                handle(number, line, tooLong, into: &sink)
                offset = lineEnd + 1
            }
            number += 1
        }
        splitter.skip(lines: number - splitter.lineNumber)
    }

    /// Hands `bytes` to the line splitter, which decodes each line it completes.
    private mutating func split(_ bytes: UnsafeRawBufferPointer, into sink: inout some FrameSink) {
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
        if let reason = decodeRow(line, number: number, into: &sink) {
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
            // Names in any ASCII case (SPEC 2.1, h2-mileage/2): `VIN` is `vin`.
            let folded = TextBytes.asciiLowercased(name)
            guard let which = CSVDecoder.requiredColumns.firstIndex(where: { $0.utf8.elementsEqual(folded.utf8) })
            else { continue }
            if found[which] >= 0 {
                let column = CSVDecoder.requiredColumns[which]
                failure =
                    "header (line \(number)) names column '\(column)' more than once "
                    + "(as '\(names[found[which]])' and '\(name)'; names are compared ignoring case)"
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
        usualLayout = slotOfField == [0, 1, 2, 3]
    }

    /// Decodes one data row; returns the first failing reason, or `nil` after emitting a frame.
    private mutating func decodeRow(
        _ line: UnsafeRawBufferPointer, number: Int64, into sink: inout some FrameSink
    ) -> RejectionReason? {
        guard let base = line.baseAddress else { return .wrongFieldCount }
        let count = line.count
        // Start and end of the four required fields, found in one pass over the bytes.
        var bounds = FieldBounds()
        var field = 0
        var fieldStart = 0
        // Commas found eight bytes at a time (SWAR); candidates are checked, since the zero-byte
        // trick can also flag a byte just after a comma.
        var index = 0
        while index + 8 <= count {
            let word = base.loadUnaligned(fromByteOffset: index, as: UInt64.self) ^ 0x2C2C_2C2C_2C2C_2C2C
            var candidates = (word &- 0x0101_0101_0101_0101) & ~word & 0x8080_8080_8080_8080
            while candidates != 0 {
                let comma = index + candidates.trailingZeroBitCount >> 3
                candidates &= candidates &- 1
                guard base.load(fromByteOffset: comma, as: UInt8.self) == UInt8(ascii: ",") else { continue }
                if field >= fieldCount { return .wrongFieldCount }
                bounds.set(slotOfField[field], fieldStart, comma)
                field += 1
                fieldStart = comma + 1
            }
            index += 8
        }
        while index < count {
            if base.load(fromByteOffset: index, as: UInt8.self) == UInt8(ascii: ",") {
                if field >= fieldCount { return .wrongFieldCount }
                bounds.set(slotOfField[field], fieldStart, index)
                field += 1
                fieldStart = index + 1
            }
            index += 1
        }
        if field >= fieldCount { return .wrongFieldCount }
        bounds.set(slotOfField[field], fieldStart, count)
        field += 1
        guard field == fieldCount else { return .wrongFieldCount }
        guard let (vin, vehicle) = vins.parse(CSVDecoder.trimmed(base, bounds.vin)) else { return .badVin }
        guard let ts = timestamps.parse(CSVDecoder.trimmed(base, bounds.ts)) else { return .badTs }
        guard
            let odometer = FieldParsers.tenths(
                CSVDecoder.trimmed(base, bounds.odometer), maxTenths: CSVDecoder.maxOdometer)
        else { return .badOdometer }
        let currentBytes = CSVDecoder.trimmed(base, bounds.current)
        var current: Int64 = 0
        if currentBytes.count > 0 {
            guard let value = FieldParsers.tenths(currentBytes, maxTenths: CSVDecoder.maxCurrent) else {
                return .badCurrent
            }
            current = value
        }
        sink.accept(
            Frame(vin: vin, ts: ts, odometer: Int32(odometer), current: Int32(current)), at: number, vehicle: vehicle)
        return nil
    }

    /// The bytes from `start` to `end` without spaces and tabs around them.
    @inline(__always)
    private static func trimmed(_ base: UnsafeRawPointer, _ range: (start: Int, end: Int)) -> UnsafeRawBufferPointer {
        var start = range.start
        var end = range.end
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

/// The columns of a CSV file's header: how many, and which required column each is.
public struct CSVLayout: Sendable, Equatable {
    /// Number of fields in the header.
    let fieldCount: Int
    /// For each column, the required column it is (index into `requiredColumns`), or -1.
    let slotOfField: [Int8]
}

/// Where the four required fields of a row are.
private struct FieldBounds {
    var vin = (start: 0, end: 0)
    var ts = (start: 0, end: 0)
    var odometer = (start: 0, end: 0)
    var current = (start: 0, end: 0)

    @inline(__always)
    mutating func set(_ slot: Int8, _ start: Int, _ end: Int) {
        switch slot {
        case 0: vin = (start, end)
        case 1: ts = (start, end)
        case 2: odometer = (start, end)
        case 3: current = (start, end)
        default: break
        }
    }
}
