import Foundation
import TestSupport
import Testing

/// The command line as a regulator meets it (SPEC 7): exit statuses, messages, outputs.
@Suite("Command line (SPEC 7)")
struct CommandLineTests {
    static let basic = TestPaths.conformance.appendingPathComponent("01_basic")

    func run(_ arguments: [String]) throws -> ProcessResult {
        try runH2fleet(arguments, in: Self.basic)
    }

    @Test("a bad registry stops with status 2, naming file and line")
    func badRegistry() throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        let registry = folder.write("registry.csv", "vin,operator,class\nLZYTEST0000000001,OP1,tram\n")
        let result = try run([
            "subsidy", "--policy", "policy.toml", "--registry", registry, "--year", "2025", "telemetry",
        ])
        #expect(result.status == 2)
        #expect(result.stderr.contains("\(registry):2:"))
        #expect(result.stderr.contains("unknown class 'tram'"))
        #expect(result.stdout.isEmpty)
    }

    @Test("a bad policy stops with status 2, naming the field")
    func badPolicy() throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        let text = try String(contentsOf: Self.basic.appendingPathComponent("policy.toml"), encoding: .utf8)
            .replacingOccurrences(of: "max_speed_kmh = 120", with: "max_speed_kmh = -5")
        let policy = folder.write("policy.toml", text)
        let result = try run([
            "subsidy", "--policy", policy, "--registry", "registry.csv", "--year", "2025", "telemetry",
        ])
        #expect(result.status == 2)
        #expect(result.stderr.contains("telemetry.max_speed_kmh"))
    }

    // SPEC 5: "a report year outside its `years` stops the run with status 2 and a message
    // naming the field", as a bad field's message names it: file, then field.
    @Test("a year outside the policy's years stops with status 2, naming the field `years`")
    func yearOutsidePolicy() throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        let result = try run([
            "subsidy", "--policy", "policy.toml", "--registry", "registry.csv", "--year", "2019",
            "--out", folder.path("out"), "telemetry",
        ])
        #expect(result.status == 2)
        #expect(result.stderr.contains("policy.toml: years: "), "\(result.stderr)")
        #expect(result.stderr.contains("2019") && result.stderr.contains("2024, 2025"), "\(result.stderr)")
        #expect(result.stdout.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: folder.path("out")), "nothing is written")
    }

    // SPEC 7: outputs that cannot be written are status 2, with a message saying which.
    @Test("an --out that cannot be written stops with status 2, naming it", arguments: ["file/out", "file"])
    func unwritableOut(_ below: String) throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        folder.write("file", "a regular file, not a folder\n")
        let out = folder.path(below)
        let result = try run([
            "subsidy", "--policy", "policy.toml", "--registry", "registry.csv", "--year", "2025", "--out", out,
            "telemetry",
        ])
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stderr.contains(out), "\(result.stderr)")
        #expect(try String(contentsOfFile: folder.path("file"), encoding: .utf8) == "a regular file, not a folder\n")
    }

    @Test("bad usage is status 2: missing input, no input, --threads 0, unknown format")
    func badUsage() throws {
        let cases: [([String], String)] = [
            (["telemetry/nope.csv"], "nope.csv"),
            ([], "INPUT"),
            (["--threads", "0", "telemetry"], "threads"),
            (["--format", "xml", "telemetry"], "format"),
        ]
        for (extra, fragment) in cases {
            let result = try run(
                ["subsidy", "--policy", "policy.toml", "--registry", "registry.csv", "--year", "2025"] + extra)
            #expect(result.status == 2, "\(extra)")
            #expect(result.stderr.contains(fragment), "\(extra): \(result.stderr)")
        }
    }

    @Test("a corrupt archive is reported, the rest processed, status 3")
    func corruptArchive() throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        let telemetry = try String(contentsOf: Self.basic.appendingPathComponent("telemetry/day1.csv"), encoding: .utf8)
        folder.write("in/good.csv", telemetry)
        folder.write("in/bad.csv.zst", bytes: Array("this is not zstd".utf8))
        let out = folder.path("out")
        let result = try run([
            "subsidy", "--policy", "policy.toml", "--registry", "registry.csv", "--year", "2025",
            "--out", out, folder.path("in"),
        ])
        #expect(result.status == 3)
        #expect(result.stderr.contains("bad.csv.zst"))
        #expect(result.stdout.contains("FAILED"))
        let report = try String(contentsOf: URL(fileURLWithPath: out + "/report.json"), encoding: .utf8)
        #expect(report.contains("\"status\": \"failed\""))
        #expect(report.contains("\"hydrogen_km\": 1.8"))
    }

    @Test("outputs: the four reports, HTML, workbook and statements, byte-identical across thread counts and argument order; json and csv formats")
    func outputs() throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        let base = ["subsidy", "--policy", "policy.toml", "--registry", "registry.csv", "--year", "2025"]
        let first = try run(base + ["--threads", "1", "--out", folder.path("a"), "telemetry/day1.csv", "telemetry"])
        let second = try run(base + ["--threads", "3", "--out", folder.path("b"), "telemetry", "telemetry/day1.csv"])
        #expect(first.status == 0 && second.status == 0)
        // No progress bar when standard error is not a terminal: only the warnings (SPEC 7.1).
        #expect(
            first.stderr.split(separator: "\n").allSatisfy { $0.hasPrefix("h2fleet: warning: ") }
                && !first.stderr.contains("\r"), "\(first.stderr)")
        // Exactly the reports: nothing half-written is left under a temporary name.
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: folder.path("a")).sorted()
                == ["operators.csv", "rejections.csv", "report.html", "report.json", "report.xlsx", "statements", "vehicles.csv"])
        let statements = try FileManager.default.contentsOfDirectory(atPath: folder.path("a/statements")).sorted()
        #expect(!statements.isEmpty && statements.allSatisfy { $0.hasSuffix(".html") && !$0.hasPrefix(".") }, "\(statements)")
        let names = ["report.json", "vehicles.csv", "operators.csv", "rejections.csv", "report.html", "report.xlsx"]
        for name in names + statements.map({ "statements/\($0)" }) {
            let a = try Data(contentsOf: URL(fileURLWithPath: folder.path("a/\(name)")))
            let b = try Data(contentsOf: URL(fileURLWithPath: folder.path("b/\(name)")))
            #expect(a == b, "\(name) differs")
        }
        let json = try run(base + ["--format", "json", "telemetry"])
        #expect(json.stdout.hasPrefix("{\n  \"schema\": \"h2fleet.report/1\""))
        let csv = try run(base + ["--format", "csv", "telemetry"])
        #expect(csv.stdout.hasPrefix("vin,operator,class,status,"))
        #expect(csv.stdout.contains("LZYTEST0000000001,OP1,heavy_truck,paid,10,1,"))
    }

    @Test("rejections.csv lists sampled rows with file, line and reason; input text is made inert")
    func rejections() throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        folder.write(
            "in/x.csv",
            "vin,ts,odometer_km,fc_current_a\n=HYPERLINK(\"x\"),1,2,3\nLZYTEST0000000001,1740787200,1.0,\"1\"\n")
        let out = folder.path("out")
        let result = try run([
            "subsidy", "--policy", "policy.toml", "--registry", "registry.csv", "--year", "2025",
            "--out", out, folder.path("in"),
        ])
        #expect(result.status == 0)
        let text = try String(contentsOf: URL(fileURLWithPath: out + "/rejections.csv"), encoding: .utf8)
        let lines = text.split(separator: "\n")
        #expect(lines.first == "path,position,reason,text")
        #expect(lines.count == 3)
        #expect(lines[1].hasSuffix(",2,bad_vin,\"'=HYPERLINK(\"\"x\"\"),1,2,3\""))
        #expect(lines[2].hasSuffix(",3,bad_current,\"LZYTEST0000000001,1740787200,1.0,\"\"1\"\"\""))
    }

    @Test("audit trail: each input's size and SHA-256, the policy's SHA-256, engine and rules versions (SPEC 7.1)")
    func auditTrail() throws {
        let result = try run([
            "subsidy", "--policy", "policy.toml", "--registry", "registry.csv", "--year", "2025",
            "--format", "json", "telemetry",
        ])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let telemetry = try [UInt8](Data(contentsOf: Self.basic.appendingPathComponent("telemetry/day1.csv")))
        let policy = try [UInt8](Data(contentsOf: Self.basic.appendingPathComponent("policy.toml")))
        let files = try #require((report["inputs"] as? [String: Any])?["files"] as? [[String: Any]])
        let telemetrySHA = try sha256Text(telemetry)
        let policySHA = try sha256Text(policy)
        #expect(files.first?["sha256"] as? String == telemetrySHA)
        #expect((files.first?["bytes"] as? NSNumber)?.intValue == telemetry.count)
        #expect((report["policy"] as? [String: Any])?["sha256"] as? String == policySHA)
        #expect((report["engine"] as? [String: Any])?["rules"] as? String == "h2-mileage/2")
    }

    /// SHA-256 by the system's `sha256sum`, independent of the code under test.
    func sha256Text(_ bytes: [UInt8]) throws -> String {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        let path = folder.write("f", bytes: bytes)
        let result = try runProcess(URL(fileURLWithPath: "/usr/bin/env"), ["sha256sum", path])
        return String(result.stdout.prefix(64))
    }

    @Test("failed inputs read ahead (fewer files than threads) give the same report as one thread")
    func readAheadWithFailures() throws {
        let folder = TestPaths.conformance.appendingPathComponent("12_failed_inputs")
        let out = TemporaryFolder()
        defer { out.remove() }
        var reports: [String] = []
        for threads in ["1", "8"] {
            let result = try runH2fleet(
                [
                    "subsidy", "--policy", "policy.toml", "--registry", "registry.csv", "--year", "2025",
                    "--threads", threads, "--out", out.path(threads), "telemetry",
                ],
                in: folder)
            #expect(result.status == 3)
            reports.append(
                try String(contentsOf: URL(fileURLWithPath: out.path(threads) + "/report.json"), encoding: .utf8))
        }
        #expect(reports[0] == reports[1])
        #expect(reports[0].contains("\"status\": \"failed\""))
    }

    @Test("help explains the subsidy command")
    func help() throws {
        let result = try runH2fleet(["subsidy", "--help"])
        #expect(result.status == 0)
        for word in ["--registry", "--year", "--policy", "--out", "--format", "--threads", "Exit status"] {
            #expect(result.stdout.contains(word), "help lacks \(word)")
        }
    }
}
