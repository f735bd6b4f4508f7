import Archives
@testable import Engine
import Foundation
import Frames
import Reports
import Synchronization
import TestSupport
import Testing

/// A large CSV archive of several zstd frames is read in parts by several workers; lines do not
/// respect frames, so the parts are aligned on lines (see `SplitArchive`).
@Suite("One archive of many frames read by several workers (SPEC 2.1, 2.2)")
struct ArchivePartsTests {
    /// CSV content with what lines across frame boundaries can break: a byte-order mark and a
    /// header in capitals, CRLF line ends, blank lines, a line longer than 4,096 bytes, more bad
    /// rows of one reason than samples are kept, and no line end at the end.
    static func content(seed: UInt64) -> [UInt8] {
        var random = SplitMix(seed: seed)
        var text = "\u{FEFF}VIN,TS,Odometer_km,fc_current_a\r\n"
        for (index, row) in fleetRows(seed: seed).enumerated() {
            text += row + (random.next() % 3 == 0 ? "\r\n" : "\n")
            if index % 97 == 5 { text += "   \n" }
            if index % 61 == 7 { text += "LZYTEST0000000002,\(index),12.5,bad-current\n" }
            if index == 900 { text += "LZYTEST0000000003," + String(repeating: "9", count: 5000) + ",1.0,1.0\n" }
        }
        text += "LZYTEST0000000004,1740800000,999.0,40.0"
        return Array(text.utf8)
    }

    /// `content` cut at `cuts` (sorted byte positions), each piece compressed as a frame of its
    /// own, with a skippable frame before every third, as `pzstd` writes them.
    static func frames(_ content: [UInt8], cuts: [Int]) throws -> [UInt8] {
        var archive: [UInt8] = []
        for (index, (start, end)) in zip([0] + cuts, cuts + [content.count]).enumerated() where end > start {
            if index % 3 == 0 { archive += [0x50, 0x2A, 0x4D, 0x18, 4, 0, 0, 0, 1, 2, 3, 4] }
            archive += try zstdCompress(Array(content[start..<end]))
        }
        return archive
    }

    /// Cuts that put frame ends where lines are fragile: right after a line end, between `\r`
    /// and `\n`, twice inside one line (a frame with no line end), inside the long line, and at
    /// random places; never inside the header (which must be in the first part to split).
    static func cuts(in content: [UInt8], seed: UInt64) -> [Int] {
        var random = SplitMix(seed: seed)
        let headerEnd = content.firstIndex(of: 0x0A)! + 1
        var cuts: Set<Int> = []
        let lineEnds = content.indices.filter { content[$0] == 0x0A }
        cuts.insert(lineEnds[10] + 1)
        if let crlf = content.indices.dropFirst(headerEnd).first(where: { content[$0] == 0x0D }) {
            cuts.insert(crlf + 1)
        }
        cuts.insert(lineEnds[40] + 5)
        cuts.insert(lineEnds[40] + 9)
        if let long = content.indices.first(where: { index in
            index > headerEnd && content[index...].prefix(100).allSatisfy { $0 == UInt8(ascii: "9") }
        }) {
            cuts.insert(long + 1000)
            cuts.insert(long + 3000)
        }
        while cuts.count < 24 { cuts.insert(headerEnd + Int(random.next() % UInt64(content.count - headerEnd))) }
        return cuts.sorted()
    }

    /// The report of `inputs` and how many pieces of work reading them took.
    static func run(_ inputs: [String], threads: Int) throws -> (json: String, rejections: String, pieces: Int) {
        let pieces = Atomic<Int>(0)
        var settings = RunSettings(threads: threads) { progress in
            if progress.stage == .reading { pieces.add(1, ordering: .relaxed) }
        }
        settings.minimumPartBytes = 1
        let report = try runReport(inputs, settings: settings)
        return (report.json(), report.rejectionsCSV(), pieces.load(ordering: .relaxed))
    }

    // SPEC 2.1: lines are numbered physically; a line longer than 4,096 bytes is rejected; a
    // last line without a line end counts. SPEC 3.1: the result does not depend on how frames
    // are split or on the number of threads.
    @Test("read in parts, an archive gives the report of reading it in one piece", arguments: [1, 2] as [UInt64])
    func sameReport(_ seed: UInt64) throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        let content = Self.content(seed: seed)
        let path = folder.write(
            "all.csv.zst", bytes: try Self.frames(content, cuts: Self.cuts(in: content, seed: seed)))
        let file = InputFile(path: path, fileSystemPath: path)
        var reader = ArchiveReader()
        let split = try #require(SplitArchive.plan(file, partBytes: 1, localOffset: 8 * 3600, reader: &reader))
        #expect(split.parts.parts.count > 20)

        let whole = try Self.run([path], threads: 1)
        #expect(whole.pieces == 1)
        // The reference holds what the property is about.
        #expect(whole.json.contains("\"line_too_long\": 1"))
        #expect(whole.rejections.components(separatedBy: "bad_current").count - 1 == RejectionTally.samplesPerReason)
        for threads in [2, 3] {
            let parts = try Self.run([path], threads: threads)
            #expect(parts.pieces > 2, "read in parts with \(threads) threads")
            #expect(parts.json == whole.json)
            #expect(parts.rejections == whole.rejections)
        }
        // The same content as a plain file: the same frames, rejections and line numbers.
        let plain = folder.write("plain/all.csv", bytes: content)
        let plainReport = try runReport([plain], settings: RunSettings(threads: 1))
        #expect(try figuresPart(plainReport.json()) == figuresPart(whole.json))
        #expect(
            plainReport.rejectionsCSV().replacingOccurrences(of: plain, with: path) == whole.rejections)
    }

    // SPEC 2.2: a file counts whole or not at all. A corrupt frame fails the file after other
    // parts' segments were stored; the run is made again without it.
    @Test("a corrupt frame in the middle fails the whole file; the other files' figures are those without it")
    func corruptFrame() throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        let content = Self.content(seed: 3)
        let cuts = Self.cuts(in: content, seed: 3)
        var archive = try Self.frames(content, cuts: cuts)
        // Damage the middle of the archive: inside a frame's compressed blocks.
        let middle = archive.count / 2
        for offset in 0..<8 { archive[middle + offset] ^= 0x5A }
        let bad = folder.write("in/bad.csv.zst", bytes: archive)
        let good = folder.write(
            "in/good.csv",
            bytes: Array(("vin,ts,odometer_km,fc_current_a\n" + fleetRows(seed: 9).joined(separator: "\n")).utf8))
        let reference = try Self.run([bad, good], threads: 1)
        #expect(reference.json.contains("\"status\": \"failed\""))
        let withoutBad = try runReport([good], settings: RunSettings(threads: 1))
        #expect(try figuresPart(reference.json) == figuresPart(withoutBad.json()))
        for threads in [3, 4] {
            let parts = try Self.run([bad, good], threads: threads)
            #expect(parts.pieces > 3, "read in parts")
            #expect(parts.json == reference.json)
        }
    }
}
