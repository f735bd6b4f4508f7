import Foundation
import Frames
import TestSupport
import Testing

/// Collects decoded frames.
struct Frames: FrameSink {
    var all: [Frame] = []
    mutating func accept(_ frame: Frame) { all.append(frame) }
}

/// Decodes `text` fed in pieces of `pieceSize` bytes.
func decode(_ text: String, pieceSize: Int = 1 << 20) -> (CSVDecoder, [Frame]) {
    decode(bytes: Array(text.utf8), pieceSize: pieceSize)
}

func decode(bytes: [UInt8], pieceSize: Int = 1 << 20) -> (CSVDecoder, [Frame]) {
    decodeInPieces(CSVDecoder(localOffset: 8 * 3600), bytes, pieceSize: pieceSize)
}

/// Feeds `bytes` to `decoder` in pieces of `pieceSize` bytes, then finishes it.
func decodeInPieces<Decoder: TelemetryDecoder>(_ decoder: Decoder, _ bytes: [UInt8], pieceSize: Int) -> (
    Decoder, [Frame]
) {
    var decoder = decoder
    var sink = Frames()
    feed(&decoder, bytes, pieceSize: pieceSize, into: &sink)
    return (decoder, sink.all)
}

/// Feeds `bytes` to `decoder` in pieces of `pieceSize` bytes, then finishes it, into `sink`.
func feed(_ decoder: inout some TelemetryDecoder, _ bytes: [UInt8], pieceSize: Int, into sink: inout some FrameSink) {
    bytes.withUnsafeBytes { buffer in
        var start = 0
        while start < buffer.count {
            let end = min(buffer.count, start + pieceSize)
            decoder.consume(UnsafeRawBufferPointer(rebasing: buffer[start..<end]), into: &sink)
            start = end
        }
    }
    decoder.finish(into: &sink)
}

let header = "vin,ts,odometer_km,fc_current_a\n"
let good = "LZYTEST0000000001,2025-03-01T08:00:00+08:00,100.0,50.0"

@Suite("CSV telemetry decoder (SPEC 2.1)")
struct CSVDecoderTests {
    @Test("a row becomes a frame in integer units")
    func decodesRow() {
        let (decoder, frames) = decode(header + good + "\n")
        #expect(decoder.failure == nil)
        #expect(frames == [Frame(vin: Vin("LZYTEST0000000001")!, ts: 1_740_787_200, odometer: 1000, current: 500)])
        #expect(decoder.frames == 1)
    }

    // SPEC 2.1: the first failing reason in the order line_too_long, wrong_field_count, bad_vin,
    // bad_ts, bad_odometer, bad_current.
    @Test(
        "rejection reasons, first failing one wins",
        arguments: [
            ("LZYTEST0000000001,2025-03-01T08:00:00+08:00,100.0", RejectionReason.wrongFieldCount),
            ("LZYTEST0000000001,2025-03-01T08:00:00+08:00,100.0,1,extra", .wrongFieldCount),
            ("BAD,yesterday,-1,x", .badVin),
            ("LZYTEST0000000001,yesterday,-1,x", .badTs),
            ("LZYTEST0000000001,2025-03-01T08:00:00+08:00,-1,x", .badOdometer),
            ("LZYTEST0000000001,2025-03-01T08:00:00+08:00,1e3,1", .badOdometer),
            ("LZYTEST0000000001,2025-03-01T08:00:00+08:00,100.0,x", .badCurrent),
            ("LZYTEST0000000001,2025-03-01T08:00:00+08:00,100.0,10000.0", .badCurrent),
            ("LZYTEST0000000001,2025-03-01T08:00:00+08:00,100.0," + String(repeating: "9", count: 4100), .lineTooLong),
        ])
    func rejection(_ row: String, _ reason: RejectionReason) {
        let (decoder, frames) = decode(header + good + "\n" + row + "\n")
        #expect(frames.count == 1)
        #expect(decoder.rejections.total == 1)
        #expect(decoder.rejections.counts[reason.rawValue] == 1)
        #expect(decoder.rejections.samples[reason.rawValue].first?.position == 3)
        #expect(decoder.rejections.samples[reason.rawValue].first?.text.utf8.count ?? 0 <= 200)
    }

    @Test("an empty current is 0 A; spaces and tabs around fields are trimmed")
    func emptyCurrentAndTrimming() {
        let (_, frames) = decode(header + " \tlzytest0000000001 , 2025-03-01 08:00:00 ,\t1.25 , \n")
        #expect(frames.map(\.current) == [0])
        #expect(frames.map(\.odometer) == [13])
        #expect(frames.first?.vin.description == "LZYTEST0000000001")
    }

    @Test("BOM, CRLF, blank lines, columns by name in any order, last line without line end")
    func textRules() {
        let text =
            "\u{FEFF}\r\n  \t\r\nnote,fc_current_a,odometer_km,ts,vin\r\nx,1,2.0,1740787200,LZYTEST0000000001\r\n\r\ny,2,3.0,1740787210,LZYTEST0000000001"
        let (decoder, frames) = decode(text)
        #expect(decoder.failure == nil)
        #expect(frames.map(\.odometer) == [20, 30])
        #expect(frames.map(\.current) == [10, 20])
        #expect(decoder.rejections.total == 0)
    }

    @Test("line numbers are physical, header and blank lines included")
    func lineNumbers() {
        let (decoder, _) = decode("\n" + header + "\n" + "bad\n")
        #expect(decoder.rejections.samples[RejectionReason.wrongFieldCount.rawValue].map(\.position) == [4])
    }

    @Test(
        "header problems fail the file, naming the column",
        arguments: [
            ("vin,ts,odometer_km\n", "fc_current_a"),
            ("vin,ts,odometer_km,fc_current_a,vin\n", "vin"),
            ("VIN,ts,odometer_km,fc_current_a,vin\n", "'vin' more than once"),
            ("vin,TS,odometer_km,fc_current_a,Ts\n", "'ts' more than once"),
            ("Vin,Ts,Odometer_Km\n", "'fc_current_a'"),
            ("vín,ts,odometer_km,fc_current_a\n", "'vin'"),  // only ASCII letters fold
            (String(repeating: "x", count: 4097) + "\n", "longer than 4096"),
        ])
    func headerFailures(_ headerLine: String, _ named: String) {
        let (decoder, frames) = decode(headerLine + good + "\n")
        #expect(frames.isEmpty)
        #expect(decoder.failure?.contains(named) == true, "\(decoder.failure ?? "no failure")")
    }

    // SPEC 2.1 (h2-mileage/2): header names are compared ignoring ASCII case.
    @Test(
        "header names in any ASCII case",
        arguments: [
            "VIN,TS,ODOMETER_KM,FC_CURRENT_A", "Vin,Ts,Odometer_Km,Fc_Current_A", " vIN ,\tts,odometer_KM,FC_current_a",
            "NOTE,FC_Current_A,Odometer_km,TS,VIN",
        ])
    func headerCase(_ headerLine: String) {
        let names = headerLine.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        let values = ["vin": "LZYTEST0000000001", "ts": "1740787200", "odometer_km": "100.0", "fc_current_a": "50.0"]
        let row = names.map { values[$0] ?? "x" }.joined(separator: ",")
        let rows = String(repeating: row + "\n", count: 4)  // enough bytes for the fast path
        for pieceSize in [1 << 20, 1] {
            let (decoder, frames) = decode(headerLine + "\n" + rows, pieceSize: pieceSize)
            #expect(decoder.failure == nil)
            #expect(frames.count == 4)
            #expect(
                frames.first == Frame(vin: Vin("LZYTEST0000000001")!, ts: 1_740_787_200, odometer: 1000, current: 500))
        }
    }

    // SPEC 2.1 (h2-mileage/2): 13 digits are milliseconds, on the fast path as on the general
    // one; the spreadsheet form is read in the policy's zone.
    @Test("new time forms in the usual layout: milliseconds are never taken as seconds")
    func newFormsInUsualRows() {
        let padding = String(repeating: "LZYTEST0000000002,1740787300,1.0,1.0\n", count: 3)
        let rows = [
            ("LZYTEST0000000001,1740787200123,1.0,1.0\n", 1_740_787_200 as Int64?),
            ("LZYTEST0000000001,0000000000999,1.0,1.0\n", 0),
            ("LZYTEST0000000001,9999999999999,1.0,1.0\n", 9_999_999_999),
            ("LZYTEST0000000001,17407872001230,1.0,1.0\n", nil),
            ("LZYTEST0000000001,174078720012,1.0,1.0\n", 174_078_720_012),
            ("LZYTEST0000000001,2025/3/1 8:00:10,1.0,1.0\n", 1_740_787_210),
            ("LZYTEST0000000001,2025/03/01 08:00,1.0,1.0\n", 1_740_787_200),
            ("LZYTEST0000000001,2025/3/1 8:0,1.0,1.0\n", nil),
            ("LZYTEST0000000001,253402271999,1.0,1.0\n", 253_402_271_999),
            ("LZYTEST0000000001,253402272000,1.0,1.0\n", nil),
            ("LZYTEST0000000001,9999-12-31T23:59:59Z,1.0,1.0\n", nil),
            ("LZYTEST0000000001,1970-01-01T07:59:59+08:00,1.0,1.0\n", nil),
            ("LZYTEST0000000001,1969-12-31T23:00:00-05:00,1.0,1.0\n", 14_400),
        ]
        for (row, expected) in rows {
            for pieceSize in [1 << 20, 1] {
                let (decoder, frames) = decode(header + row + padding, pieceSize: pieceSize)
                #expect(frames.count == (expected == nil ? 3 : 4), "\(row)")
                if let expected {
                    #expect(frames.first?.ts == expected, "\(row)")
                } else {
                    #expect(decoder.rejections.counts[RejectionReason.badTs.rawValue] == 1, "\(row)")
                }
            }
        }
    }

    @Test("a file with no non-empty line holds no frames and is fine")
    func emptyFiles() {
        for text in ["", "\n\n  \n", "\u{FEFF}"] {
            let (decoder, frames) = decode(text)
            #expect(decoder.failure == nil)
            #expect(frames.isEmpty)
        }
    }

    @Test("only the first 20 rows per reason are kept as samples; all are counted")
    func sampleLimit() {
        let (decoder, _) = decode(header + String(repeating: "bad\n", count: 50))
        #expect(decoder.rejections.counts[RejectionReason.wrongFieldCount.rawValue] == 50)
        #expect(decoder.rejections.samples[RejectionReason.wrongFieldCount.rawValue].map(\.position) == Array(2...21))
    }

    @Test("bytes outside the required columns pass through; NUL in a VIN is bad_vin")
    func otherBytes() {
        var bytes = Array((header.dropLast() + ",note\n").utf8)
        bytes += Array((good + ",").utf8) + [0x00, 0xFF, 0xFE, 0x0A]
        bytes += Array("LZYTEST00000000".utf8) + [0x00] + Array("1,2025-03-01T08:00:10+08:00,1,1,x\n".utf8)
        let (decoder, frames) = decode(bytes: bytes)
        #expect(frames.count == 1)
        #expect(decoder.rejections.counts[RejectionReason.badVin.rawValue] == 1)
    }

    @Test("VINs are read right when many alternate (the decoder remembers recent ones)")
    func manyVins() {
        let alphabet = Array("0123456789ABCDEFGHJKLMNPRSTUVWXYZabcdefghIOQ")
        var text = header
        var expected: [Vin?] = []
        for index in 0..<3000 {
            var characters = Array("LZYTEST0000000000")
            characters[16] = alphabet[index % alphabet.count]
            characters[15] = alphabet[(index / alphabet.count) % alphabet.count]
            characters[14] = alphabet[(index * 7) % alphabet.count]
            let vin = String(characters)
            text += "\(vin),\(1_740_787_200 + index),1.0,1.0\n"
            expected.append(Vin(vin))
        }
        let (decoder, frames) = decode(text)
        #expect(frames.map(\.vin) == expected.compactMap { $0 })
        #expect(decoder.rejections.counts[RejectionReason.badVin.rawValue] == expected.filter { $0 == nil }.count)
    }

    static func row(_ index: Int) -> String {
        let vin = "LZYTEST00000000\(index % 10)1"
        return "\(vin),\(1_740_787_200 + index),\(index).\(index % 10),\(index % 3)\r\n"
    }

    /// Records each frame with its line number.
    struct PlacedFrames: FrameSink {
        var all: [Frame] = []
        var lines: [Int64] = []
        mutating func accept(_ frame: Frame) { all.append(frame) }
        mutating func accept(_ frame: Frame, at position: Int64) {
            all.append(frame)
            lines.append(position)
        }
    }

    /// A row whose fields are drawn from usual and unusual forms, valid and not.
    static func mixedRow(_ random: inout SplitMix) -> String {
        func pick(_ choices: [String]) -> String { choices[Int(random.next() % UInt64(choices.count))] }
        let usual = random.next() % 3 != 0
        let vin =
            usual
            ? pick(["LZYTEST0000000001", "LZYTEST0000000002"])
            : pick([
                "lzytest0000000003", "LZYTEST000000001", " LZYTEST0000000001", "LZYTEST000000000I", "",
                "LZYTEST0000000001\t",
            ])
        let ts =
            usual
            ? pick([
                "2025-03-01T08:00:0\(random.next() % 10)+08:00", "2025-03-01T09:59:59+08:00",
                "1740787\(random.next() % 10)0\(random.next() % 1000 + 1000)",  // epoch milliseconds
                "2025/3/1 8:0\(random.next() % 10)", "2025/03/01 08:00:\(random.next() % 50 + 10)",
            ])
            : pick([
                // h2-mileage/2 forms and their near misses (SPEC 2.1).
                "1740787200000", "1740787200999", "0000000000000", "17407872000000", "174078720000",
                "9999999999999", "253402271999", "253402272000", "2025/3/1 8:00", "2025/3/1 8:0", "2025/2/29 1:00",
                "2025/3/1  8:00", "2025/3/1 8:00:00.5", "2025/3/1 8:00+08:00", "2025/3/1T8:00", "2025/13/1 8:00",
                "2025/3/1 24:00", "2025/3/01 8:00:60", "9999-12-31T23:59:59+08:00", "9999-12-31T23:59:59Z",
                "1970-01-01T07:59:59+08:00", "1970-01-01T08:00:00+08:00", "1969-12-31T23:00:00-05:00",
                "1970-01-01T07:59:59",
                "2025-03-01T08:00:00Z", "2025-03-01 08:00:00", "2025-03-01T08:00:00.25-05:30", "2025-03-01T08:00:00.",
                "1740787200", "17407872000000", "2025-03-01T24:00:00+08:00", "2025-03-01T08:60:00+08:00",
                "2025-03-01T08:00:60+08:00",
                "2025-02-30T08:00:00+08:00", "1969-12-31T23:59:59Z", "2025-03-01T08:00:00+08:60",
                "2025-03-01T08:00:00+8:00",
                "2025-03-01T08:00:00+08:00 ", "2025-03-01t08:00:00+08:00", "2025-03-01T08:00:00+08:00:00",
                "2025-03-01T08:00:00.123456789+08:00", "2025-03-01T08:00:00.1234567890+08:00",
            ])
        let odometer =
            usual
            ? "\(random.next() % 1_000_000).\(random.next() % 10)"
            : pick([
                "123", "123.45", "123.449", "123.", ".5", "-1", "1e3", "1234567890123", "9999999.9", "10000000.0",
                " 7.5", "0", "0000000000000123.4", "5.", "5.x",
            ])
        let current =
            usual ? pick(["50.0", "0", "120.3"]) : pick(["", "50.05", "9999.9", "10000.0", "abc", " 5", "5 "])
        var line = "\(vin),\(ts),\(odometer),\(current)"
        if !usual && random.next() % 4 == 0 {
            line = pick([line + ",x", "\(vin),\(ts),\(odometer)", "", "  ", String(repeating: "9", count: 5000)])
        }
        return line + (random.next() % 5 == 0 ? pick(["\r\n", "\r\r\n"]) : "\n")
    }

    // Property: rows decoded in place (a large piece) give exactly what the line splitter gives
    // (pieces of one byte, where no line is ever whole in a piece).
    @Test("rows in the usual layout are read as the general path reads them", arguments: [1 as UInt64, 2, 3])
    func usualRowsAgree(_ seed: UInt64) {
        var random = SplitMix(seed: seed)
        let text = header + (0..<4000).map { _ in Self.mixedRow(&random) }.joined()
        var results: [(CSVDecoder, PlacedFrames)] = []
        for pieceSize in [1 << 20, 1, 4097] {
            var decoder = CSVDecoder(localOffset: 8 * 3600)
            var sink = PlacedFrames()
            feed(&decoder, Array(text.utf8), pieceSize: pieceSize, into: &sink)
            results.append((decoder, sink))
        }
        let (whole, wholeFrames) = results[0]
        #expect(wholeFrames.all.count > 2000)
        #expect(whole.rejections.total > 500)
        for (split, splitFrames) in results.dropFirst() {
            #expect(splitFrames.all == wholeFrames.all)
            #expect(splitFrames.lines == wholeFrames.lines)
            #expect(split.rejections == whole.rejections)
        }
    }

    /// Records each frame's VIN with the decoder's number for it.
    struct NumberedVins: FrameSink {
        var pairs: [(Vin, Int)] = []
        mutating func accept(_ frame: Frame) { Issue.record("the decoder must give each VIN's number") }
        mutating func accept(_ frame: Frame, at position: Int64, vehicle: Int) { pairs.append((frame.vin, vehicle)) }
    }

    @Test("each VIN keeps one number in a file, in order of first appearance, case and rejected rows included")
    func vehicleNumbers() {
        var text = header
        text += "LZYTEST0000000001,1740787200,1.0,1.0\n"
        text += "LZYTEST0000000002,not a time,1.0,1.0\n"  // rejected, but its VIN is met first here
        text += "lzytest0000000001,1740787210,1.0,1.0\n"
        text += (0..<300).map { "LZYTEST000000000\($0 % 3 + 1),\(1_740_787_220 + $0),1.0,1.0\n" }.joined()
        text += " LZYTEST0000000003 ,1740797200,1.0,1.0\n"
        for pieceSize in [1 << 20, 1, 7] {
            var decoder = CSVDecoder(localOffset: 0)
            var sink = NumberedVins()
            feed(&decoder, Array(text.utf8), pieceSize: pieceSize, into: &sink)
            let expected = ["LZYTEST0000000001": 0, "LZYTEST0000000002": 1, "LZYTEST0000000003": 2]
            #expect(sink.pairs.count == 303)
            #expect(sink.pairs.allSatisfy { expected[$0.0.description] == $0.1 }, "pieces of \(pieceSize)")
        }
    }

    // Property: however the bytes are split into pieces, the result is the same.
    @Test("piece boundaries do not change the result", arguments: [1, 2, 3, 5, 7, 64, 4097])
    func pieceSizes(_ pieceSize: Int) {
        var text = "\u{FEFF}" + header.replacingOccurrences(of: "\n", with: "\r\n")
        text += (0..<40).map(Self.row).joined()
        text += "bad\r\n" + String(repeating: "y", count: 5000)
        text += "\r\n" + good
        let (whole, wholeFrames) = decode(text)
        let (split, splitFrames) = decode(text, pieceSize: pieceSize)
        #expect(wholeFrames.count == 41)
        #expect(splitFrames == wholeFrames)
        #expect(split.rejections == whole.rejections)
        #expect(whole.rejections.counts[RejectionReason.lineTooLong.rawValue] == 1)
    }
}
