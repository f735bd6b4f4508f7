/// Decodes GB/T 32960.3 frame captures (SPEC 9): the 2016 (`##`) and 2025 (`$$`) revisions, as
/// concatenated binary frames.
///
/// Frames may straddle the pieces the file arrives in; at most one frame (≤ 65,560 bytes) is
/// held back, so memory is bounded whatever the size of the capture. Positions are byte offsets.
public struct CaptureDecoder: TelemetryDecoder {
    /// Bytes not yet decoded (the start of a frame whose end has not arrived).
    private var pending: [UInt8] = []
    /// File offset of `pending[0]`.
    private var pendingOffset: Int64 = 0
    /// Valid telemetry frames so far.
    public private(set) var frames = 0
    /// Rejected candidate frames so far (SPEC 9.2).
    public private(set) var rejections = RejectionTally()
    private var skipped = [Int](repeating: 0, count: 256)
    private var valid = [Int](repeating: 0, count: 256)
    private var valid2025 = 0
    /// Parses VINs, remembering the raw bytes of each one seen, and numbers them.
    private var vins = VinCache()
    /// The bytes of the last date seen (year, month, day) and its first second.
    private var lastDate: (key: Int, start: Int64) = (-1, 0)

    /// Binary captures never fail as a whole: damage is rejected frame by frame.
    public var failure: String? { nil }

    /// Valid non-telemetry frames (logins, heartbeats, …) by command (SPEC 9.4).
    public var skippedByCommand: [UInt8: Int] {
        var counts: [UInt8: Int] = [:]
        for (command, count) in skipped.enumerated() where count > 0 { counts[UInt8(command)] = count }
        return counts
    }

    /// Valid frames by command, telemetry or not.
    public var validByCommand: [UInt8: Int] {
        var counts: [UInt8: Int] = [:]
        for (command, count) in valid.enumerated() where count > 0 { counts[UInt8(command)] = count }
        return counts
    }

    /// Valid frames by revision (2016: `##`, 2025: `$$`).
    public var revisions: [Int: Int] {
        let all = valid.reduce(0, +)
        return [2016: all - valid2025, 2025: valid2025].filter { $0.value > 0 }
    }

    /// A decoder at the start of a capture.
    public init() {}

    /// The smallest frame: header and check byte around an empty data unit.
    static let overhead = 25

    /// Decodes the next piece of the capture.
    public mutating func consume<Sink: FrameSink>(_ bytes: UnsafeRawBufferPointer, into sink: inout Sink) {
        guard pending.isEmpty else {
            pending.append(contentsOf: bytes)
            decodePending(final: false, into: &sink)
            return
        }
        // Nothing held back: decode in place and keep only an unfinished frame.
        let consumed = decode(bytes, final: false, into: &sink)
        pendingOffset += Int64(consumed)
        pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[consumed...]))
    }

    /// Ends the capture: a frame cut off by the end of the file is `truncated_frame`.
    public mutating func finish<Sink: FrameSink>(into sink: inout Sink) {
        decodePending(final: true, into: &sink)
    }

    private mutating func decodePending<Sink: FrameSink>(final: Bool, into sink: inout Sink) {
        var buffer: [UInt8] = []
        swap(&buffer, &pending)
        let consumed = buffer.withUnsafeBytes { bytes in decode(bytes, final: final, into: &sink) }
        buffer.removeFirst(consumed)
        pendingOffset += Int64(consumed)
        swap(&buffer, &pending)
    }

    /// Decodes what it can of `bytes`; returns how many leading bytes are done with.
    private mutating func decode<Sink: FrameSink>(_ bytes: UnsafeRawBufferPointer, final: Bool, into sink: inout Sink)
        -> Int
    {
        let count = bytes.count
        var position = 0
        while true {
            // The nearest start marker: "##" (2016) or "$$" (2025).
            var start = position
            while start + 1 < count {
                let byte = bytes[start]
                if (byte == 0x23 || byte == 0x24) && bytes[start + 1] == byte { break }
                start += 1
            }
            if start + 1 >= count {
                // No marker; keep a last '#' or '$' that may begin one.
                if !final && start < count && (bytes[start] == 0x23 || bytes[start] == 0x24) { return start }
                return count
            }
            let offset = pendingOffset + Int64(start)
            guard count - start >= 24 else {
                if !final { return start }
                rejections.record(.truncatedFrame, position: offset, line: UnsafeRawBufferPointer(start: nil, count: 0))
                position = start + 1
                continue
            }
            let length = Int(bytes[start + 22]) << 8 | Int(bytes[start + 23])
            let total = length + CaptureDecoder.overhead
            guard count - start >= total else {
                if !final { return start }
                rejections.record(.truncatedFrame, position: offset, line: UnsafeRawBufferPointer(start: nil, count: 0))
                position = start + 1
                continue
            }
            let frame = UnsafeRawBufferPointer(rebasing: bytes[start..<(start + total)])
            guard CaptureDecoder.isValid(frame, length: length) else {
                rejections.record(.badChecksum, position: offset, line: UnsafeRawBufferPointer(start: nil, count: 0))
                position = start + 1
                continue
            }
            valid[Int(frame[2])] += 1
            if frame[0] == 0x24 { valid2025 += 1 }
            judge(frame, length: length, offset: offset, into: &sink)
            position = start + total
        }
    }

    /// Check byte and command (SPEC 9.2).
    static func isValid(_ frame: UnsafeRawBufferPointer, length: Int) -> Bool {
        let command = frame[2]
        guard (0x01...0x0B).contains(command) || (0x80...0x82).contains(command) || (0xC0...0xFE).contains(command)
        else { return false }
        var check: UInt8 = 0
        for index in 2..<(24 + length) { check ^= frame[index] }
        return check == frame[24 + length]
    }

    /// Judges a valid frame in SPEC 9.2's order.
    private mutating func judge<Sink: FrameSink>(
        _ frame: UnsafeRawBufferPointer, length: Int, offset: Int64, into sink: inout Sink
    ) {
        let none = UnsafeRawBufferPointer(start: nil, count: 0)
        let command = frame[2]
        guard (command == 0x02 || command == 0x03) && frame[3] == 0xFE else {
            skipped[Int(command)] += 1
            return
        }
        guard frame[21] == 0x01 else {
            rejections.record(.encrypted, position: offset, line: none)
            return
        }
        guard let (vin, vehicle) = vins.parse(UnsafeRawBufferPointer(rebasing: frame[4..<21])) else {
            rejections.record(.badVin, position: offset, line: none)
            return
        }
        guard length >= 6 else {
            rejections.record(.malformedFrame, position: offset, line: none)
            return
        }
        let data = UnsafeRawBufferPointer(rebasing: frame[24..<(24 + length)])
        guard let ts = time(data) else {
            rejections.record(.badTs, position: offset, line: none)
            return
        }
        let blocks = InformationBlocks(UnsafeRawBufferPointer(rebasing: data[6...]), revision2025: frame[0] == 0x24)
        guard !blocks.malformed else {
            rejections.record(.malformedFrame, position: offset, line: none)
            return
        }
        guard let odometer = blocks.odometer else {
            rejections.record(.noOdometer, position: offset, line: none)
            return
        }
        frames += 1
        sink.accept(
            Frame(vin: vin, ts: ts, odometer: Int32(odometer), current: Int32(blocks.current)), at: offset,
            vehicle: vehicle)
    }

    /// The frame time: year − 2000, month, day, hour, minute, second in UTC+08:00 (SPEC 9.2). The
    /// start of the last date is remembered: frames come in runs of the same day.
    @inline(__always)
    private mutating func time(_ data: UnsafeRawBufferPointer) -> Int64? {
        let hour = Int(data[3])
        let minute = Int(data[4])
        let second = Int(data[5])
        guard hour <= 23, minute <= 59, second <= 59 else { return nil }
        let key = Int(data[0]) << 16 | Int(data[1]) << 8 | Int(data[2])
        if key != lastDate.key {
            guard let start = CaptureDecoder.startOfDay(data) else { return nil }
            lastDate = (key, start)
        }
        return lastDate.start + Int64(hour * 3600 + minute * 60 + second)
    }

    /// The first second of a frame time's date (year 2000 to 2099), or `nil` when it does not exist.
    static func startOfDay(_ data: UnsafeRawBufferPointer) -> Int64? {
        let year = 2000 + Int(data[0])
        let month = Int(data[1])
        let day = Int(data[2])
        guard data[0] <= 99, CivilTime.isValid(year: year, month: month, day: day) else { return nil }
        return Int64(CivilTime.days(year: year, month: month, day: day)) * 86_400 - 8 * 3600
    }
}

/// The information blocks after a frame's time (SPEC 9.3), walked with bounds checks.
struct InformationBlocks {
    /// Odometer in tenths of a km; `nil` without a vehicle block or with an absent value.
    private(set) var odometer: Int64?
    /// Fuel-cell current in tenths of an ampere; 0 when not reported.
    private(set) var current: Int64 = 0
    /// A block runs past the data unit.
    private(set) var malformed = false

    /// The largest odometer reading the standard allows (999,999.9 km).
    static let maxOdometer: Int64 = 9_999_999

    init(_ data: UnsafeRawBufferPointer, revision2025: Bool) {
        let count = data.count
        var seen = BlockTypes()
        var position = 0
        var stacksCurrent: Int64?
        func byte(_ at: Int) -> Int? { at < count ? Int(data[at]) : nil }
        func word(_ at: Int) -> Int? { at + 1 < count ? Int(data[at]) << 8 | Int(data[at + 1]) : nil }
        func byteCount(_ at: Int) -> Int? { byte(at).map { $0 >= 0xFE ? 0 : $0 } }
        func wordCount(_ at: Int) -> Int? { word(at).map { $0 >= 0xFFFE ? 0 : $0 } }
        /// A count byte, then that many records of `fixed + itemSize × n` bytes, `n` read by
        /// `items` at each record's start; `nil` when a count lies past the data.
        func records(_ body: Int, fixed: Int, itemSize: Int, items: (Int) -> Int?) -> Int? {
            guard let recordCount = byteCount(body) else { return nil }
            var record = body + 1
            for _ in 0..<recordCount {
                guard let itemCount = items(record) else { return nil }
                record += fixed + itemSize * itemCount
            }
            return record - body
        }
        walk: while position < count {
            let type = Int(data[position])
            let body = position + 1
            var size: Int?
            switch (type, revision2025) {
            case (0x01, _): size = revision2025 ? 18 : 20
            case (0x02, _): size = byteCount(body).map { 1 + (revision2025 ? 10 : 12) * $0 }
            case (0x03, false): size = wordCount(body + 6).map { 18 + $0 }
            case (0x03, true): size = 12
            case (0x30, true):
                // Fuel-cell stacks: count, then per stack 12 + Nᵢ bytes, Nᵢ a WORD at offset 10.
                size = records(body, fixed: 12, itemSize: 1) { wordCount($0 + 10) }
            case (0x32, true): size = 18
            case (0x04, _): size = revision2025 ? 2 : 5
            case (0x05, _): size = revision2025 ? 10 : 9
            case (0x06, false): size = 14
            case (0x07, false), (0x06, true):
                // Alarm: 5 fixed bytes, four lists of 4-byte codes, and in 2025 a list of 2-byte codes.
                var cursor = body + 5
                var complete = true
                for list in 0..<(revision2025 ? 5 : 4) {
                    guard let items = byteCount(cursor) else { complete = false; break }
                    cursor += 1 + (list < 4 ? 4 : 2) * items
                }
                size = complete ? cursor - body : nil
            case (0x08, false):
                // Storage voltages: count, then per subsystem 10 + 2 × mᵢ, mᵢ a byte at offset 9.
                size = records(body, fixed: 10, itemSize: 2) { byteCount($0 + 9) }
            case (0x07, true):
                // Pack voltages: count, then per pack 7 + 2 × Nᵢ, Nᵢ a WORD at offset 5.
                size = records(body, fixed: 7, itemSize: 2) { wordCount($0 + 5) }
            case (0x09, false), (0x08, true):
                // Storage temperatures: count, then per subsystem 3 + Nᵢ, Nᵢ a WORD at offset 1.
                size = records(body, fixed: 3, itemSize: 1) { wordCount($0 + 1) }
            case (0x80...0xFE, _): size = wordCount(body).map { 2 + $0 }
            default:
                break walk  // no layout: the walk ends, what was decoded is kept
            }
            guard let size, body + size <= count else {
                malformed = true
                return
            }
            if seen.insert(type) {
                if type == 0x01, let raw = word(body + 5).flatMap({ high in word(body + 7).map { high << 16 | $0 } }) {
                    odometer = Int64(raw) <= InformationBlocks.maxOdometer ? Int64(raw) : nil
                }
                if type == 0x03 && !revision2025, let raw = word(body + 2), raw < 0xFFFE {
                    current = Int64(raw)
                }
                if type == 0x30 && revision2025, let stacks = byteCount(body) {
                    var record = body + 1
                    for _ in 0..<stacks {
                        if let raw = word(record + 3), raw < 0xFFFE {
                            stacksCurrent = max(stacksCurrent ?? 0, Int64(raw))
                        }
                        record += 12 + (wordCount(record + 10) ?? 0)
                    }
                }
            }
            position = body + size
        }
        if let stacksCurrent { current = stacksCurrent }
    }
}

/// A set of block types (0…255) without heap storage.
private struct BlockTypes {
    private var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    /// Adds `type`; returns whether it was new.
    mutating func insert(_ type: Int) -> Bool {
        let bit = UInt64(1) << UInt64(type & 63)
        switch type >> 6 {
        case 0: defer { words.0 |= bit }; return words.0 & bit == 0
        case 1: defer { words.1 |= bit }; return words.1 & bit == 0
        case 2: defer { words.2 |= bit }; return words.2 & bit == 0
        default: defer { words.3 |= bit }; return words.3 & bit == 0
        }
    }
}
