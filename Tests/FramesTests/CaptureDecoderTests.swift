import Frames
import TestSupport
import Testing

/// The frame builder of TestSupport, with a decoding helper.
typealias Capture = CaptureBytes

extension CaptureBytes {
    /// Decodes `bytes` (fed in pieces of `piece` bytes).
    static func decode(_ bytes: [UInt8], piece: Int = 1 << 20) -> (CaptureDecoder, [Frame]) {
        decodeInPieces(CaptureDecoder(), bytes, pieceSize: piece)
    }
}

@Suite("GB/T 32960 captures (SPEC 9)")
struct CaptureDecoderTests {
    @Test("a 2016 realtime frame: odometer, time in UTC+08:00, fuel-cell current")
    func realtime2016() {
        let (decoder, frames) = Capture.decode(
            Capture.frame(data: Capture.time(5) + Capture.vehicle(12345) + Capture.fuelCell2016(current: 523)))
        #expect(frames == [Frame(vin: Vin("LZYTEST0000000001")!, ts: 1_740_787_205, odometer: 12345, current: 523)])
        #expect(decoder.rejections.total == 0)
    }

    @Test("2016 fuel cell: current 0xFFFE/0xFFFF is not reported (0 A); probe count 0xFFFF means none follow")
    func fuelCellSentinels() {
        for current: UInt16 in [0xFFFE, 0xFFFF] {
            let (_, frames) = Capture.decode(
                Capture.frame(data: Capture.time() + Capture.fuelCell2016(current: current) + Capture.vehicle(7)))
            #expect(frames.map(\.current) == [0])
        }
        // With the sentinel probe count the block is 18 bytes; the vehicle block after it is read.
        let (_, frames) = Capture.decode(
            Capture.frame(data: Capture.time() + Capture.fuelCell2016(current: 40, probes: 0xFFFF) + Capture.vehicle(9))
        )
        #expect(frames.map(\.odometer) == [9])
        #expect(frames.map(\.current) == [40])
    }

    @Test("2025 stacks: the highest current of the stacks that report one; a count of 0xFF means no stacks")
    func stacks2025() {
        let data =
            Capture.time() + Capture.vehicle(100, revision2025: true) + Capture.stacks2025([120, 0xFFFF, 455, 300])
        let (_, frames) = Capture.decode(Capture.frame(revision2025: true, data: data))
        #expect(frames.map(\.current) == [455])
        let none = Capture.time() + [0x30, 0xFF] + Capture.vehicle(100, revision2025: true)
        let (_, noStacks) = Capture.decode(Capture.frame(revision2025: true, data: none))
        #expect(noStacks.map(\.current) == [0])
        #expect(noStacks.map(\.odometer) == [100])
    }

    // The decoder remembers the last date: a run of frames of one day, another day in between, and
    // a bad hour or date on a remembered or a new day must read as each frame alone reads.
    @Test("frame times across days, with bad times among them, read as each frame alone (SPEC 9.2)")
    func timesAcrossDays() {
        let times: [[UInt8]] = [
            [25, 3, 1, 8, 0, 1], [25, 3, 1, 23, 59, 59], [25, 3, 1, 24, 0, 0], [25, 3, 1, 9, 60, 0],
            [25, 3, 2, 0, 0, 0], [25, 3, 2, 0, 0, 60], [25, 2, 29, 8, 0, 0], [25, 3, 1, 9, 0, 0],
            [24, 2, 29, 12, 0, 0], [100, 1, 1, 0, 0, 0], [25, 3, 2, 1, 0, 0],
        ]
        var capture: [UInt8] = []
        var alone: [Frame] = []
        for time in times {
            let frame = Capture.frame(data: time + Capture.vehicle(5))
            capture += frame
            alone += Capture.decode(frame).1
        }
        let (decoder, frames) = Capture.decode(capture)
        #expect(frames == alone)
        #expect(frames.count == 6)
        #expect(decoder.rejections.counts[RejectionReason.badTs.rawValue] == 5)
    }

    @Test(
        "odometer above 9,999,999 (the abnormal/invalid markers) is no odometer",
        arguments: [
            UInt32(10_000_000), 0xFFFF_FFFE, 0xFFFF_FFFF,
        ])
    func odometerSentinels(_ raw: UInt32) {
        let (decoder, frames) = Capture.decode(Capture.frame(data: Capture.time() + Capture.vehicle(raw)))
        #expect(frames.isEmpty)
        #expect(decoder.rejections.counts[RejectionReason.noOdometer.rawValue] == 1)
    }

    @Test("block walk: counts with the invalid marker, user-defined blocks, repeated and unknown types (SPEC 9.3)")
    func blockWalk() {
        let motors: [UInt8] = [0x02, 0xFF]  // count 0xFF: zero motors follow
        let custom: [UInt8] = [0x80, 0x00, 0x03, 0xAA, 0xBB, 0xCC]  // user-defined, 3 bytes
        let alarm: [UInt8] = [0x07, 1, 0, 0, 0, 0, 1, 9, 9, 9, 9, 0xFE, 0, 0]  // 5 + 4 lists
        let temperatures: [UInt8] = [0x09, 1, 1, 0x00, 0x02, 0x40, 0x41]  // 1 subsystem, 2 probes
        let voltages: [UInt8] = [0x08, 1] + [UInt8](repeating: 0, count: 9) + [2, 0, 1, 0, 2]  // m = 2
        let data =
            Capture.time() + motors + custom + alarm + temperatures + voltages + Capture.vehicle(4242)
            + Capture.vehicle(1)  // a second vehicle block: only the first counts
        let (_, frames) = Capture.decode(Capture.frame(data: data))
        #expect(frames.map(\.odometer) == [4242])
        // An unknown type (2025's 0x31) ends the walk; what came before is kept.
        let stop = Capture.time() + Capture.vehicle(77, revision2025: true) + [0x31, 1, 2, 3] + [0xFF]
        #expect(Capture.decode(Capture.frame(revision2025: true, data: stop)).1.map(\.odometer) == [77])
        let stopBefore = Capture.time() + [0x31, 1, 2, 3] + Capture.vehicle(77, revision2025: true)
        #expect(
            Capture.decode(Capture.frame(revision2025: true, data: stopBefore)).0.rejections.counts[
                RejectionReason.noOdometer.rawValue] == 1)
    }

    @Test(
        "2025 block layouts: alarm with its fifth list, pack voltages, temperatures, supercapacitor, engine, location")
    func layouts2025() {
        let motors: [UInt8] = [0x02, 1] + [UInt8](repeating: 0, count: 10)  // 1 motor of 10 bytes
        let system: [UInt8] = [0x03] + [UInt8](repeating: 0, count: 12)  // no current here
        let engine: [UInt8] = [0x04, 0, 0]
        let location: [UInt8] = [0x05] + [UInt8](repeating: 0, count: 10)
        // Alarm: 5 fixed bytes, then 5 lists (counts 0, 0, 1, 0, 2), the last of 2-byte codes.
        let alarm: [UInt8] = [0x06, 1, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4, 0, 2, 7, 7, 8, 8]
        let packs: [UInt8] = [0x07, 1, 0, 0, 0, 0, 0, 0, 2, 1, 1, 2, 2]  // N = 2 at offset 5: 7 + 4 bytes
        let temperatures: [UInt8] = [0x08, 2, 1, 0xFF, 0xFF, 2, 0, 1, 0x40]  // sentinel N, then N = 1
        let supercapacitor: [UInt8] = [0x32] + [UInt8](repeating: 0, count: 18)
        let data =
            Capture.time() + motors + system + engine + location + alarm + packs + temperatures + supercapacitor
            + Capture.stacks2025([88]) + Capture.vehicle(5150, revision2025: true)
        let (decoder, frames) = Capture.decode(Capture.frame(revision2025: true, data: data))
        #expect(decoder.rejections.total == 0)
        #expect(frames.map(\.odometer) == [5150])
        #expect(frames.map(\.current) == [88])
    }

    @Test("2016 layouts: engine, location, extreme values, alarm; a block cut short is malformed_frame")
    func layouts2016() {
        let blocks: [UInt8] =
            [0x04, 0, 0, 0, 0, 0] + [0x05] + [UInt8](repeating: 0, count: 9)
            + [0x06] + [UInt8](repeating: 0, count: 14)
        let (_, frames) = Capture.decode(Capture.frame(data: Capture.time() + blocks + Capture.vehicle(61)))
        #expect(frames.map(\.odometer) == [61])
        // The vehicle block needs 20 bytes; 19 remain.
        let short = Capture.time() + Array(Capture.vehicle(61).dropLast())
        #expect(
            Capture.decode(Capture.frame(data: short)).0.rejections.counts[RejectionReason.malformedFrame.rawValue] == 1
        )
    }

    /// A valid frame (52 bytes) put before each rejected one, so positions are not 0.
    static let leading = Capture.frame(data: Capture.time(9) + Capture.vehicle(1))

    // SPEC 9.2: a valid frame is judged in a fixed order; each frame below has one fault, or two
    // (the earlier step names the frame), and comes after a good frame, at byte 52.
    @Test(
        "rejection reasons in SPEC 9.2's order, at the frame's byte offset",
        arguments: [
            (Capture.frame(encryption: 0x03, data: Capture.time() + Capture.vehicle(1)), RejectionReason.encrypted),
            (Capture.frame(vin: Array("LZYTEST000000000O".utf8), data: Capture.time() + Capture.vehicle(1)), .badVin),
            (Capture.frame(data: [25, 3, 1]), .malformedFrame),
            (Capture.frame(data: [25, 13, 1, 8, 0, 0] + Capture.vehicle(1)), .badTs),
            (Capture.frame(data: [25, 2, 29, 8, 0, 0] + Capture.vehicle(1)), .badTs),
            (Capture.frame(data: Capture.time() + [0x02, 3] + [UInt8](repeating: 0, count: 5)), .malformedFrame),
            (Capture.frame(data: Capture.time() + [0x05] + [UInt8](repeating: 0, count: 9)), .noOdometer),
            // Two faults each.
            (  // step 2 before 3: encrypted, and a bad VIN
                Capture.frame(
                    vin: Array("LZYTEST000000000O".utf8), encryption: 0x03, data: Capture.time() + Capture.vehicle(1)),
                .encrypted
            ),
            (Capture.frame(encryption: 0xFE, data: [25, 3]), .encrypted),  // 2 before 4: encrypted, too short
            (Capture.frame(vin: Array("LZYTEST000000000I".utf8), data: [25, 3, 1]), .badVin),  // 3 before 4
            (  // 3 before 5: a bad VIN, and 30 February
                Capture.frame(vin: Array("lzytest00000000!1".utf8), data: [25, 2, 30, 8, 0, 0] + Capture.vehicle(1)),
                .badVin
            ),
            (Capture.frame(data: [25, 4, 31, 8, 0, 0] + [0x02, 3]), .badTs),  // 5 before 6: 31 April, block cut short
            // 6 before 7: a block cut short, no odometer
            (Capture.frame(data: Capture.time() + [0x05, 0, 0]), .malformedFrame),
        ])
    func rejections(_ bytes: [UInt8], _ reason: RejectionReason) {
        let (decoder, frames) = Capture.decode(Self.leading + bytes)
        #expect(frames.map(\.odometer) == [1], "only the leading frame is valid")
        #expect(decoder.rejections.counts[reason.rawValue] == 1)
        #expect(decoder.rejections.total == 1)
        #expect(decoder.rejections.samples[reason.rawValue].map(\.position) == [52])
        #expect(decoder.rejections.samples[reason.rawValue].map(\.text) == [""])
    }

    // Step 1 before 2: a frame that is not a realtime or reissue report is skipped, whatever else
    // is wrong with it.
    @Test("a login that is also encrypted, with a bad VIN and no time, is skipped, not rejected")
    func skippedBeforeRejected() {
        let login = Capture.frame(command: 0x01, vin: Array("LZYTEST000000000O".utf8), encryption: 0x03, data: [25])
        let (decoder, frames) = Capture.decode(login)
        #expect(frames.isEmpty)
        #expect(decoder.rejections.total == 0)
        #expect(decoder.skippedByCommand == [0x01: 1])
    }

    // SPEC 9.2 by hand, byte by byte (167 bytes):
    //   0    0x00 0x23                  noise
    //   2    "$$" 0x01 + good frame     a candidate whose length (the VIN's "01" = 12337) runs
    //                                   past the end: truncated_frame at 2; resume at 3
    //   5    good frame (52 bytes)      valid: odometer 10; resume at its end, 57
    //   57   "##junk" + corrupt         length from the VIN's "00" = 12336: truncated_frame at 57
    //   63   corrupt frame              fits, check byte wrong: bad_checksum at 63; resume at 64,
    //                                   no start marker inside it
    //   115  later frame                valid: odometer 30
    @Test("noise and a corrupt frame never swallow the good frames after them: exact reasons and offsets")
    func resynchronisation() {
        let good = Capture.frame(data: Capture.time(1) + Capture.vehicle(10))
        var corrupt = Capture.frame(data: Capture.time(2) + Capture.vehicle(20))
        corrupt[30] ^= 0x55
        let later = Capture.frame(data: Capture.time(3) + Capture.vehicle(30))
        let bytes: [UInt8] = [0x00, 0x23, 0x24, 0x24, 0x01] + good + Array("##junk".utf8) + corrupt + later
        #expect(bytes.count == 167 && good.count == 52 && corrupt.count == 52)
        let (decoder, frames) = Capture.decode(bytes)
        #expect(frames.map(\.odometer) == [10, 30])
        #expect(decoder.rejections.counts[RejectionReason.truncatedFrame.rawValue] == 2)
        #expect(decoder.rejections.counts[RejectionReason.badChecksum.rawValue] == 1)
        #expect(decoder.rejections.total == 3)
        #expect(decoder.rejections.samples[RejectionReason.truncatedFrame.rawValue].map(\.position) == [2, 57])
        #expect(decoder.rejections.samples[RejectionReason.badChecksum.rawValue].map(\.position) == [63])
        #expect(decoder.rejections.samples[RejectionReason.badChecksum.rawValue].map(\.text) == [""])
    }

    @Test("logins, heartbeats and unacknowledged reports are skipped and counted per command, not rejected")
    func skipped() {
        let login = Capture.frame(command: 0x01, data: Capture.time())
        let heartbeat = Capture.frame(command: 0x07, data: [])
        let notAcked = Capture.frame(command: 0x02, ack: 0x01, data: Capture.time() + Capture.vehicle(5))
        let reissue = Capture.frame(command: 0x03, data: Capture.time(9) + Capture.vehicle(5))
        let (decoder, frames) = Capture.decode(login + heartbeat + heartbeat + notAcked + reissue)
        #expect(decoder.skippedByCommand == [0x01: 1, 0x07: 2, 0x02: 1])
        #expect(frames.count == 1)
        #expect(decoder.rejections.total == 0)
    }

    @Test("a frame cut off by the end of the file is truncated_frame, at its byte offset")
    func truncated() {
        let good = Capture.frame(data: Capture.time() + Capture.vehicle(10))
        let cut = Array(Capture.frame(data: Capture.time(1) + Capture.vehicle(11)).prefix(30))
        let (decoder, frames) = Capture.decode(good + cut)
        #expect(frames.count == 1)
        // Resumed one byte after the cut frame's start, nothing else looks like a frame.
        #expect(decoder.rejections.total == 1)
        #expect(decoder.rejections.counts[RejectionReason.truncatedFrame.rawValue] == 1)
        #expect(decoder.rejections.samples[RejectionReason.truncatedFrame.rawValue].map(\.position) == [52])
    }

    // Property: frames may straddle the pieces a capture arrives in.
    @Test("piece boundaries do not change the result", arguments: [1, 2, 3, 7, 25, 64])
    func pieces(_ piece: Int) {
        var bytes: [UInt8] = []
        for second in 0..<20 {
            bytes += Capture.frame(
                data: Capture.time(UInt8(second)) + Capture.vehicle(UInt32(100 + second))
                    + Capture.fuelCell2016(current: 99))
            if second % 5 == 0 { bytes += [0x23, 0x00, 0x24] }
        }
        let (whole, wholeFrames) = Capture.decode(bytes)
        let (split, splitFrames) = Capture.decode(bytes, piece: piece)
        #expect(wholeFrames.count == 20)
        #expect(whole.rejections.total == 0, "the noise holds no start marker")
        #expect(splitFrames == wholeFrames)
        #expect(split.rejections == whole.rejections)
    }

    @Test("hex text: white space anywhere, either case, '#' comment lines, a BOM; anything else fails the file")
    func hex() {
        let frame = Capture.frame(data: Capture.time() + Capture.vehicle(321))
        let hexDigits = frame.map { byte in
            let text = String(byte, radix: 16)
            return byte < 16 ? "0" + text : text
        }.joined()
        let spaced =
            "\u{FEFF}# capture of 2025-03-01\n  # another comment\n"
            + hexDigits.prefix(7).uppercased() + " \n\t" + hexDigits.dropFirst(7) + "\r\n"
        var decoder = HexCaptureDecoder()
        var sink = Frames()
        Array(spaced.utf8).withUnsafeBytes { decoder.consume($0, into: &sink) }
        decoder.finish(into: &sink)
        #expect(decoder.failure == nil)
        #expect(sink.all.map(\.odometer) == [321])
        // The text cut anywhere (in the BOM, inside a comment, between a byte's two digits), and
        // fed a byte at a time, decodes the same: two digits are read together only within a piece.
        let text = Array((spaced + hexDigits.lowercased() + "\n# end\n" + hexDigits).utf8)
        for cut in 0...text.count {
            var pieces = HexCaptureDecoder()
            var cutSink = Frames()
            text[..<cut].withUnsafeBytes { pieces.consume($0, into: &cutSink) }
            text[cut...].withUnsafeBytes { pieces.consume($0, into: &cutSink) }
            pieces.finish(into: &cutSink)
            #expect(pieces.failure == nil && cutSink.all.map(\.odometer) == [321, 321, 321], "cut at \(cut)")
        }
        var bytewise = HexCaptureDecoder()
        var bytewiseSink = Frames()
        for byte in text { [byte].withUnsafeBytes { bytewise.consume($0, into: &bytewiseSink) } }
        bytewise.finish(into: &bytewiseSink)
        #expect(bytewise.failure == nil && bytewiseSink.all.map(\.odometer) == [321, 321, 321])
        for bad in [hexDigits + "0", hexDigits + " zz", "23 # not at line start"] {
            var failing = HexCaptureDecoder()
            var ignored = Frames()
            Array(bad.utf8).withUnsafeBytes { failing.consume($0, into: &ignored) }
            failing.finish(into: &ignored)
            #expect(failing.failure != nil, "\(bad.suffix(20))")
        }
    }
}
