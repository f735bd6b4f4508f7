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

    /// A request for the built-in policy and the test registry, written into `folder`.
    func request(_ inputs: [String], in folder: TemporaryFolder) -> SubsidyRequest {
        SubsidyRequest(
            policyPath: nil, registryPath: folder.write("registry.csv", registryText), year: 2025, inputs: inputs,
            threads: 2)
    }

    // SPEC 2.2, 7.1: every other file found in a directory is listed in `inputs.skipped`, right
    // after `files`, and the summary says how many.
    @Test("skipped files reach report.json after the files, and the summary table")
    func skippedInReport() throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        let rows = fleetRows(seed: 3).prefix(200).joined(separator: "\n")
        folder.write("in/DAY.CSV.ZST", bytes: try zstdCompress(Array((Self.header + rows).utf8)))
        folder.write("in/x.Csv", Self.header)
        for name in ["x.csv.xz", "y.tar.gz", "notes.txt", "d.zip", "e.7z", ".hidden", ".hidden.zip"] {
            folder.write("in/" + name, "not read")
        }
        let dir = folder.path("in")
        let report = try SubsidyRun.run(request([dir], in: folder))
        #expect(report.files.map(\.path) == [dir + "/DAY.CSV.ZST", dir + "/x.Csv"])
        #expect(report.files.allSatisfy { $0.error == nil })
        #expect(report.frames > 0)
        #expect(
            report.skipped == [
                SkippedFile(path: dir + "/d.zip", reason: .unsupportedCompression),
                SkippedFile(path: dir + "/e.7z", reason: .unsupportedCompression),
                SkippedFile(path: dir + "/notes.txt", reason: .notTelemetry),
                SkippedFile(path: dir + "/x.csv.xz", reason: .unsupportedCompression),
                SkippedFile(path: dir + "/y.tar.gz", reason: .unsupportedCompression),
            ])
        #expect(!report.hasFailedInputs)

        let json = report.json()
        let files = try #require(json.range(of: "\"files\": ["))
        let skipped = try #require(json.range(of: "\"skipped\": ["))
        let frames = try #require(json.range(of: "\"frames\": ", range: skipped.upperBound..<json.endIndex))
        #expect(files.lowerBound < skipped.lowerBound)
        // Nothing but the files array between "files" and "skipped"; "frames" (of inputs) follows.
        #expect(!json[files.upperBound..<skipped.lowerBound].contains("\"inputs\""))
        #expect(!json[skipped.upperBound..<frames.lowerBound].contains("\"files\""))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let entries = try #require((object["inputs"] as? [String: Any])?["skipped"] as? [[String: String]])
        #expect(entries.first == ["path": dir + "/d.zip", "reason": "unsupported_compression"])
        #expect(entries.map { $0["reason"] } == report.skipped.map(\.reason.rawValue))

        let table = report.table()
        #expect(
            table.contains(
                "  skipped 5 files, not read (4 unsupported compression, 1 not telemetry): \(dir)/d.zip, "
                    + "\(dir)/e.7z, \(dir)/notes.txt and 2 more\n"))
    }

    @Test("without skipped files, inputs.skipped is an empty array and the summary has no skipped line")
    func nothingSkipped() throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        folder.write("in/a.csv", Self.header)
        let report = try SubsidyRun.run(request([folder.path("in")], in: folder))
        #expect(report.skipped.isEmpty)
        #expect(report.json().contains("\"skipped\": []"))
        #expect(!report.table().contains("skipped"))
    }

    // SPEC 7.1 `empty_directory`: a directory argument with no telemetry file.
    @Test("directory arguments with nothing to read are known before any telemetry is read")
    func emptyDirectories() throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        folder.write("zips/a.zip", "")
        folder.write("good/a.CSV.GZ", bytes: try gzipCompress(Array(Self.header.utf8)))
        try FileManager.default.createDirectory(atPath: folder.path("none"), withIntermediateDirectories: true)
        let inputs = ["zips", "good", "none"].map { folder.path($0) }
        let prepared = try SubsidyRun.prepare(request(inputs, in: folder))
        #expect(prepared.inputs.emptyDirectories == [folder.path("none"), folder.path("zips")])
        #expect(prepared.files.map(\.path) == [folder.path("good/a.CSV.GZ")])
        #expect(prepared.inputs.skipped.map(\.path) == [folder.path("zips/a.zip")])
    }
}
