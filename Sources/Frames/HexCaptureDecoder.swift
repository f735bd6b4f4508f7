/// Decodes GB/T 32960 captures written as hexadecimal text (`.gbt32960.hex`, SPEC 9.1): digits of
/// either case; ASCII white space anywhere is ignored, and so are a leading byte-order mark and
/// lines whose first non-blank character is `#`. Any other character, or an odd number of digits,
/// makes the file a failed input. The decoded bytes go to a `CaptureDecoder`, so positions are
/// byte offsets in the decoded bytes.
public struct HexCaptureDecoder: TelemetryDecoder {
    private var capture = CaptureDecoder()
    private var decoded: [UInt8] = []
    private var highNibble: UInt8?
    private var atLineStart = true
    private var inComment = false
    /// Bytes of text seen, for messages and the byte-order mark.
    private var textOffset: Int64 = 0
    /// Line of text, for messages.
    private var line = 1
    /// Bytes of a leading byte-order mark seen.
    private var bomMatched = 0

    /// Why the text is not a hex capture; `nil` while it is.
    public private(set) var failure: String?
    /// Valid telemetry frames so far.
    public var frames: Int { capture.frames }
    /// Rejected candidate frames so far.
    public var rejections: RejectionTally { capture.rejections }
    /// Valid non-telemetry frames by command.
    public var skippedByCommand: [UInt8: Int] { capture.skippedByCommand }
    /// Valid frames by command.
    public var validByCommand: [UInt8: Int] { capture.validByCommand }
    /// Valid frames by revision.
    public var revisions: [Int: Int] { capture.revisions }

    /// A decoder at the start of a hex capture.
    public init() {}

    private static let bom: [UInt8] = [0xEF, 0xBB, 0xBF]

    /// What each byte of the text is: a digit's value (0–15), or one of the kinds below.
    private static let kinds: [UInt8] = (0...255).map { byte in
        if let value = nibble(UInt8(byte)) { return value }
        switch UInt8(byte) {
        case 0x0A: return newline
        case 0x20, 0x09, 0x0D, 0x0B, 0x0C: return blank
        case UInt8(ascii: "#"): return hash
        default: return other
        }
    }
    private static let newline: UInt8 = 16
    private static let blank: UInt8 = 17
    private static let hash: UInt8 = 18
    private static let other: UInt8 = 19

    /// Where a scan of the text stands between pieces.
    private struct Scan {
        /// The first digit of a byte whose second is still to come, or -1.
        var high: Int
        var atLineStart: Bool
        var inComment: Bool
        var line: Int
        /// The first character that is not allowed, and its line.
        var bad: (byte: UInt8, line: Int)?
    }

    /// Turns `count` bytes of text at `input` into bytes at `output` (room for `count / 2 + 1`),
    /// one table look-up a character, the state in registers; returns the bytes written, and
    /// stops at the first character that is not allowed (`state.bad`).
    private static func scan(
        _ input: UnsafePointer<UInt8>, _ count: Int, into output: UnsafeMutablePointer<UInt8>, state: inout Scan
    ) -> Int {
        var high = state.high
        var atLineStart = state.atLineStart
        var inComment = state.inComment
        var line = state.line
        var written = 0
        defer {
            state.high = high
            state.atLineStart = atLineStart
            state.inComment = inComment
            state.line = line
        }
        return kinds.withUnsafeBufferPointer { table in
            let kinds = table.baseAddress!
            var index = 0
            while index < count {
                // The usual text: a byte's two digits together, then a blank.
                if high < 0 && !inComment && index &+ 1 < count {
                    let first = kinds[Int(input[index])]
                    let second = kinds[Int(input[index &+ 1])]
                    if first | second < 16 {
                        output[written] = first << 4 | second
                        written &+= 1
                        index &+= 2
                        atLineStart = false
                        if index < count && kinds[Int(input[index])] == blank { index &+= 1 }
                        continue
                    }
                }
                let byte = input[index]
                index &+= 1
                let kind = kinds[Int(byte)]
                if inComment {
                    if kind == newline { inComment = false; atLineStart = true; line &+= 1 }
                    continue
                }
                if kind < 16 {
                    atLineStart = false
                    if high >= 0 {
                        output[written] = UInt8(truncatingIfNeeded: high) << 4 | kind
                        written &+= 1
                        high = -1
                    } else {
                        high = Int(kind)
                    }
                } else if kind == newline {
                    atLineStart = true
                    line &+= 1
                } else if kind == hash && atLineStart {
                    inComment = true
                } else if kind != blank {
                    state.bad = (byte, line)
                    return written
                }
            }
            return written
        }
    }

    /// Decodes the next piece of the text: one table look-up a byte, the state in locals.
    public mutating func consume<Sink: FrameSink>(_ bytes: UnsafeRawBufferPointer, into sink: inout Sink) {
        guard failure == nil, bytes.count > 0 else { return }
        var start = 0
        // A leading byte-order mark is ignored (its bytes are not hex digits otherwise).
        while textOffset < 3, start < bytes.count, bomMatched == Int(textOffset),
            bytes[start] == HexCaptureDecoder.bom[Int(textOffset)]
        {
            bomMatched += 1
            textOffset += 1
            start += 1
        }
        if decoded.count < bytes.count / 2 + 1 { decoded = [UInt8](repeating: 0, count: bytes.count / 2 + 1) }
        var state = Scan(high: highNibble.map(Int.init) ?? -1, atLineStart: atLineStart, inComment: inComment, line: line)
        let written = decoded.withUnsafeMutableBufferPointer { out in
            HexCaptureDecoder.scan(
                bytes.baseAddress!.assumingMemoryBound(to: UInt8.self) + start, bytes.count - start, into: out.baseAddress!,
                state: &state)
        }
        let bad = state.bad
        let high = state.high
        atLineStart = state.atLineStart
        inComment = state.inComment
        line = state.line
        textOffset += Int64(bytes.count - start)
        highNibble = high >= 0 ? UInt8(high) : nil
        if let bad {
            failure =
                "line \(bad.line): character \(HexCaptureDecoder.describe(bad.byte)) is not a hex digit, "
                + "white space or a '#' comment line"
            return
        }
        decoded.withUnsafeBytes { capture.consume(UnsafeRawBufferPointer(rebasing: $0[..<written]), into: &sink) }
    }

    /// Ends the text.
    public mutating func finish<Sink: FrameSink>(into sink: inout Sink) {
        guard failure == nil else { return }
        if highNibble != nil {
            failure = "odd number of hex digits: the last byte is incomplete"
            return
        }
        capture.finish(into: &sink)
    }

    static func nibble(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - 48
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - 87
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - 55
        default: nil
        }
    }

    static func describe(_ byte: UInt8) -> String {
        (0x21...0x7E).contains(byte)
            ? "'\(Character(Unicode.Scalar(byte)))'" : "0x" + String(byte, radix: 16, uppercase: true)
    }
}
