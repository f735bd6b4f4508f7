import FuzzDriver
import Frames

/// Records frames and their lines.
struct Recorded: FrameSink {
    var frames: [Frame] = []
    var positions: [Int64] = []
    mutating func accept(_ frame: Frame) { frames.append(frame) }
    mutating func accept(_ frame: Frame, at position: Int64) {
        frames.append(frame)
        positions.append(position)
    }
}

func parse(_ text: [UInt8], offset: Int) -> Int64? {
    text.withUnsafeBytes { FieldParsers.timestamp($0, localOffset: offset) }
}

func isDigit(_ byte: UInt8) -> Bool { byte &- 48 < 10 }

/// `YYYY/M/D H:MM[:SS]` rewritten as `YYYY-MM-DD HH:MM:SS`, when `text` has that shape.
func rfc3339(fromSpreadsheet text: [UInt8]) -> [UInt8]? {
    var parts: [[UInt8]] = [[]]
    var separators: [UInt8] = []
    for byte in text {
        if isDigit(byte) {
            parts[parts.count - 1].append(byte)
        } else {
            separators.append(byte)
            parts.append([])
        }
    }
    let expected: [UInt8] = Array("// :".utf8)
    guard separators == expected || separators == expected + [UInt8(ascii: ":")] else { return nil }
    let widths = [4...4, 1...2, 1...2, 1...2, 2...2, 2...2]
    guard zip(parts, widths).allSatisfy({ $1.contains($0.count) }) else { return nil }
    func padded(_ part: [UInt8]) -> [UInt8] { part.count == 1 ? [UInt8(ascii: "0")] + part : part }
    let seconds = parts.count == 6 ? parts[5] : Array("00".utf8)
    return parts[0] + Array("-".utf8) + padded(parts[1]) + Array("-".utf8) + padded(parts[2])
        + Array(" ".utf8) + padded(parts[3]) + Array(":".utf8) + parts[4] + Array(":".utf8) + seconds
}

/// Any bytes: the first picks the policy's zone (−14:00 … +14:00 in quarter hours), the rest are
/// timestamp texts, one a line. For each, the plain parser and the date-remembering one agree;
/// a result is valid in the zone and formats back to the same second; epoch milliseconds equal
/// their first ten digits as seconds; the spreadsheet form equals the same time written as
/// RFC 3339 without an offset; and a CSV row holding it gives that frame (or bad_ts) whether
/// the row is decoded in place (fast path) or a byte at a time.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTimestamp(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    guard count > 0 else { return 0 }
    let bytes = Array(UnsafeRawBufferPointer(start: start, count: count))
    let offset = (Int(bytes[0]) % 113 - 56) * 15 * 60
    var parser = TimestampParser(localOffset: offset)
    let texts = bytes.dropFirst().split(separator: 0x0A, omittingEmptySubsequences: false).map { Array($0) }
    for text in texts {
        let plain = parse(text, offset: offset)
        let cached = text.withUnsafeBytes { parser.parse($0) }
        precondition(plain == cached, "the date-remembering parser differs")
        if let ts = plain {
            precondition(FieldParsers.isValid(ts, localOffset: offset), "an invalid time was accepted")
            let again = Array(CivilTime.rfc3339(ts, offset: offset).utf8)
            precondition(parse(again, offset: offset) == ts, "a time does not format back to itself")
        }
        if text.count == 13, text.allSatisfy(isDigit) {
            precondition(plain == parse(Array(text.prefix(10)), offset: offset), "milliseconds are not floored")
        }
        if let rewritten = rfc3339(fromSpreadsheet: text) {
            precondition(plain == parse(rewritten, offset: offset), "the spreadsheet form differs from RFC 3339")
        } else if text.count > 4, text[4] == UInt8(ascii: "/") {
            precondition(plain == nil, "a slash date of another shape was accepted")
        }
        // Through the CSV decoder, in the usual layout, with rows after it for the fast path.
        guard !text.contains(UInt8(ascii: ",")), !text.contains(0x0D) else { continue }
        var trimmed = text[...]
        while let first = trimmed.first, first == 0x20 || first == 0x09 { trimmed = trimmed.dropFirst() }
        while let last = trimmed.last, last == 0x20 || last == 0x09 { trimmed = trimmed.dropLast() }
        let expected = parse(Array(trimmed), offset: offset)
        let csv =
            Array("vin,ts,odometer_km,fc_current_a\nLZYTEST0000000001,".utf8) + text + Array(",1.0,2.0\n".utf8)
            + Array(String(repeating: "LZYTEST0000000002,1740787200,1.0,1.0\n", count: 2).utf8)
        var results: [(Recorded, RejectionTally)] = []
        for pieceSize in [csv.count, 1] {
            var decoder = CSVDecoder(localOffset: offset)
            var sink = Recorded()
            csv.withUnsafeBytes { buffer in
                var index = 0
                while index < buffer.count {
                    let end = min(buffer.count, index + pieceSize)
                    decoder.consume(UnsafeRawBufferPointer(rebasing: buffer[index..<end]), into: &sink)
                    index = end
                }
            }
            decoder.finish(into: &sink)
            results.append((sink, decoder.rejections))
        }
        precondition(
            results[0].0.frames == results[1].0.frames && results[0].0.positions == results[1].0.positions
                && results[0].1 == results[1].1, "the fast path and the general path differ")
        let first = results[0].0.frames.first { $0.vin == Vin("LZYTEST0000000001") }
        precondition(first?.ts == expected, "the CSV decoder reads the time otherwise")
    }
    return 0
}

/// SwiftPM links an executable target's entry point as `FuzzTimestamp_main`; hand over to libFuzzer.
@_cdecl("FuzzTimestamp_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv) { start, length in fuzzTimestamp(start, length) }
}
