import Foundation
import TestSupport
import Testing

/// Input names as a regulator and an operator meet them on the command line (SPEC 2.2, 7.1).
@Suite("Input names on the command line (SPEC 2.2)")
struct InputNamesCommandTests {
    static let basic = TestPaths.conformance.appendingPathComponent("01_basic")

    @Test("a .zip named on the command line is a failed input: exit 3, the reason in report.json and the table")
    func namedZip() throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        let zip = folder.write("upload.zip", bytes: [0x50, 0x4B, 0x03, 0x04, 0, 0])
        let out = folder.path("out")
        let result = try runH2fleet(
            [
                "subsidy", "--policy", "policy.toml", "--registry", "registry.csv", "--year", "2025",
                "--out", out, "telemetry", zip,
            ], in: Self.basic)
        #expect(result.status == 3, "\(result.stderr)")
        let message = "unsupported compression: .zip archives are not read; extract the files first"
        #expect(result.stdout.contains("FAILED \(zip): \(message)"))
        #expect(result.stderr.contains("upload.zip"))
        let data = try Data(contentsOf: URL(fileURLWithPath: out + "/report.json"))
        let report = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let inputs = try #require(report["inputs"] as? [String: Any])
        let files = try #require(inputs["files"] as? [[String: Any]])
        let entry = try #require(files.first { $0["path"] as? String == zip })
        #expect(entry["status"] as? String == "failed")
        #expect(entry["error"] as? String == message)
        #expect(entry["frames"] as? Int == 0)
        // Named directly, it is a (failed) input, not a skipped file.
        #expect((inputs["skipped"] as? [Any])?.isEmpty == true)
        #expect((report["totals"] as? [String: Any])?["hydrogen_km"] as? Double == 1.8)
    }

    @Test("a folder of names in any case, gzip and zstd: read, the rest listed as skipped, exit 0")
    func folderOfNames() throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        let day = try [UInt8](Data(contentsOf: Self.basic.appendingPathComponent("telemetry/day1.csv")))
        folder.write("up/DAY1.CSV.GZ", bytes: try gzipCompress(day))
        folder.write("up/notes.txt", "hello")
        folder.write("up/old.tar.gz", "")
        let result = try runH2fleet(
            [
                "subsidy", "--policy", "policy.toml", "--registry", "registry.csv", "--year", "2025",
                "--format", "json", folder.path("up"),
            ], in: Self.basic)
        #expect(result.status == 0, "\(result.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let inputs = try #require(report["inputs"] as? [String: Any])
        #expect((inputs["files"] as? [[String: Any]])?.map { $0["path"] as? String } == [folder.path("up/DAY1.CSV.GZ")])
        #expect(
            inputs["skipped"] as? [[String: String]] == [
                ["path": folder.path("up/notes.txt"), "reason": "not_telemetry"],
                ["path": folder.path("up/old.tar.gz"), "reason": "unsupported_compression"],
            ])
        #expect((report["totals"] as? [String: Any])?["hydrogen_km"] as? Double == 1.8)
    }

    @Test("check lists the skipped files in its text and JSON")
    func checkListsSkipped() throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        let day = try [UInt8](Data(contentsOf: Self.basic.appendingPathComponent("telemetry/day1.csv")))
        folder.write("up/day1.Csv", bytes: day)
        folder.write("up/week.csv.xz", "")
        folder.write("up/readme.md", "")
        let text = try runH2fleet(["check", folder.path("up")])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("Files: 1 (0 cannot be read)"))
        #expect(text.stdout.contains("Skipped: 2 files not read\n"))
        #expect(text.stdout.contains("  skipped \(folder.path("up/readme.md")): not a telemetry name"))
        #expect(text.stdout.contains("  skipped \(folder.path("up/week.csv.xz")): compressed in a way"))
        let json = try runH2fleet(["check", "--format", "json", folder.path("up")])
        #expect(json.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(
            object["skipped"] as? [[String: String]] == [
                ["path": folder.path("up/readme.md"), "reason": "not_telemetry"],
                ["path": folder.path("up/week.csv.xz"), "reason": "unsupported_compression"],
            ])
    }
}
