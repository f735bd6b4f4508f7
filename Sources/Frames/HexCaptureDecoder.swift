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

    /// Decodes the next piece of the text.
    public mutating func consume<Sink: FrameSink>(_ bytes: UnsafeRawBufferPointer, into sink: inout Sink) {
        guard failure == nil else { return }
        decoded.removeAll(keepingCapacity: true)
        for byte in bytes {
            defer { textOffset += 1 }
            // A leading byte-order mark is ignored (its bytes are not hex digits otherwise).
            if textOffset < 3 && bomMatched == Int(textOffset) && byte == HexCaptureDecoder.bom[Int(textOffset)] {
                bomMatched += 1
                continue
            }
            if inComment {
                if byte == 0x0A { inComment = false; atLineStart = true; line += 1 }
                continue
            }
            switch byte {
            case 0x0A:
                atLineStart = true
                line += 1
            case 0x20, 0x09, 0x0D, 0x0B, 0x0C:
                break
            case UInt8(ascii: "#") where atLineStart:
                inComment = true
            default:
                guard let value = HexCaptureDecoder.nibble(byte) else {
                    failure =
                        "line \(line): character \(HexCaptureDecoder.describe(byte)) is not a hex digit, "
                        + "white space or a '#' comment line"
                    return
                }
                atLineStart = false
                if let high = highNibble {
                    decoded.append(high << 4 | value)
                    highNibble = nil
                } else {
                    highNibble = value
                }
            }
        }
        decoded.withUnsafeBytes { capture.consume($0, into: &sink) }
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
