import Archives
@testable import Engine
import Foundation
import Reports
import TestSupport
import Testing

/// What a run makes of its input files: gzip beside zstd, names in any case, files skipped.
@Suite("Input files in a run (SPEC 2.2)")
struct InputFilesTests {
    static let header = "vin,ts,odometer_km,fc_current_a\n"

    // SPEC 2.2: a file counts whole or not at all; a corrupt gzip file is a failed input whose
    // frames (all decoded before its CRC is checked) are not used.
    @Test("failed gzip files count no frames; good ones count like plain CSV", arguments: [1, 8])
    func failedGzip(_ threads: Int) throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        let rows = fleetRows(seed: 5)
        let half = rows.count / 2
        let first = Array((Self.header + rows[..<half].joined(separator: "\n") + "\n").utf8)
        let second = Array((Self.header + rows[half...].joined(separator: "\n") + "\n").utf8)
        folder.write("plain/a.csv", bytes: first)
        folder.write("plain/b.csv", bytes: second)
        folder.write("gz/a.csv.gz", bytes: try gzipCompress(first))
        folder.write(
            "gz/b.csv.gz", bytes: try gzipCompress(Array(second[..<100])) + gzipCompress(Array(second[100...])))
        let other = Array((Self.header + fleetRows(seed: 6).joined(separator: "\n")).utf8)
        var badCRC = try gzipCompress(other)
        badCRC[badCRC.count - 6] ^= 0x40
        folder.write("gz/crc.csv.gz", bytes: badCRC)
        let whole = try gzipCompress(other)
        folder.write("gz/cut.csv.gz", bytes: Array(whole[..<(whole.count - 4)]))

        let settings = RunSettings(threads: threads)
        let plain = try runReport([folder.path("plain")], settings: settings)
        let gzip = try runReport([folder.path("gz")], settings: settings)
        let byName = Dictionary(
            uniqueKeysWithValues: gzip.files.map { (URL(fileURLWithPath: $0.path).lastPathComponent, $0) })
        #expect(byName["crc.csv.gz"]?.error == "not a valid gzip stream (incorrect data check)")
        #expect(byName["cut.csv.gz"]?.error == "gzip stream is truncated (ends inside a member)")
        for name in ["crc.csv.gz", "cut.csv.gz"] {
            #expect(byName[name]?.frames == 0)
            #expect(byName[name]?.rejections.total == 0)
        }
        #expect(gzip.hasFailedInputs)
        #expect(gzip.frames == plain.frames)
        #expect(byName["a.csv.gz"]?.frames == plain.files[0].frames)
        #expect(byName["b.csv.gz"]?.frames == plain.files[1].frames)
        #expect(try figuresPart(gzip.json()) == figuresPart(plain.json()))
    }
}
