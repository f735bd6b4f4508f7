import Foundation
import TestSupport
import Testing

/// Inputs that are broken, huge or crafted: no crash, the failure named, the other files'
/// results unchanged (SPEC 2.2, 7).
@Suite("Hostile inputs")
struct HostileInputTests {
    static let basic = TestPaths.conformance.appendingPathComponent("01_basic")

    /// Runs the basic case's policy and registry over `folder/in`; returns the result and the
    /// report as text.
    func run(_ folder: TemporaryFolder, extra: [String] = []) throws -> (ProcessResult, String) {
        let out = folder.path("out")
        let result = try runH2fleet(
            ["subsidy", "--policy", "policy.toml", "--registry", "registry.csv", "--year", "2025", "--out", out]
                + extra + [folder.path("in")],
            in: Self.basic)
        let report = (try? String(contentsOf: URL(fileURLWithPath: out + "/report.json"), encoding: .utf8)) ?? ""
        return (result, report)
    }

    func goodTelemetry() throws -> String {
        try String(contentsOf: Self.basic.appendingPathComponent("telemetry/day1.csv"), encoding: .utf8)
    }

    @Test("a zstd bomb (one endless line) is one line_too_long row; memory stays bounded")
    func bomb() throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        folder.write("in/good.csv", try goodTelemetry())
        // 512 MiB of 'A' with no line end, a few tens of KB compressed.
        let header = Array("vin,ts,odometer_km,fc_current_a\n".utf8)
        let bomb = try zstdCompress(header + [UInt8](repeating: 65, count: 512 << 20), extraArguments: ["-19"])
        #expect(bomb.count < 200_000)
        folder.write("in/bomb.csv.zst", bytes: bomb)
        // Run under /usr/bin/time to read h2fleet's own peak resident size.
        let out = folder.path("out")
        let stats = folder.path("rss")
        let result = try runProcess(
            URL(fileURLWithPath: "/usr/bin/time"),
            [
                "-f", "%M", "-o", stats, TestPaths.binary.path, "subsidy", "--policy", "policy.toml",
                "--registry", "registry.csv", "--year", "2025", "--out", out, folder.path("in"),
            ],
            in: Self.basic)
        let report = try String(contentsOf: URL(fileURLWithPath: out + "/report.json"), encoding: .utf8)
        #expect(result.status == 0)
        #expect(report.contains("\"line_too_long\": 1"))
        #expect(report.contains("\"hydrogen_km\": 1.8"))
        // Far below the 512 MiB the bomb decompresses to.
        let peakKiB =
            Int(
                try String(contentsOf: URL(fileURLWithPath: stats), encoding: .utf8)
                    .trimmingCharacters(in: .whitespacesAndNewlines)) ?? .max
        #expect(peakKiB < 128 * 1024, "peak RSS \(peakKiB) KiB")
    }

    /// Frames the good file does not hold: the registered vehicle on the next day, going on
    /// from where the good file ends, and an unregistered vehicle. Counting any of them changes
    /// the exact figures the broken-archive test expects.
    static func otherFrames(rows: Int) -> String {
        var text = "vin,ts,odometer_km,fc_current_a\n"
        let nextDay = 1_740_873_600  // 2025-03-02T08:00:00+08:00
        for row in 0..<rows {
            let vin = row % 2 == 0 ? "LZYTEST0000000001" : "LZYTEST0000000002"
            let step = row / 2
            let odometer = 2000 + step  // tenths: 200.0 km on, 0.1 km a frame
            text += "\(vin),\(nextDay + step * 10),\(odometer / 10).\(odometer % 10),50.0\n"
        }
        return text
    }

    /// What `zstd -dc` recovers from a broken archive before it fails.
    func recoverablePrefix(_ bytes: [UInt8], extraArguments: [String] = []) throws -> String {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        let path = folder.write("x.csv.zst", bytes: bytes)
        return try runProcess(URL(fileURLWithPath: "/usr/bin/env"), ["zstd", "-dcq"] + extraArguments + [path]).stdout
    }

    /// The report's parts that a failed file must not change (SPEC 2.2): the good file's one
    /// vehicle exactly as `01_basic` gives it, and nothing else.
    static func expectedReport(good: String, broken: String, brokenFails: Bool, brokenRejected: Int) -> [String: Any] {
        let vehicle: [String: Any] = [
            "vin": "LZYTEST0000000001", "operator": "OP1", "class": "heavy_truck", "status": "paid",
            "frames": 10, "days_with_data": 1, "first_ts": "2025-03-01T08:00:00+08:00",
            "last_ts": "2025-03-01T08:01:30+08:00", "hydrogen_km": 1.8, "battery_km": 0, "gap_km": 0,
            "overspeed_km": 0, "suspect_km": 0, "odometer_rollbacks": 0, "exact_duplicates": 0,
            "conflicting_duplicates": 0, "uncapped_yuan": 4.5, "subsidy_yuan": 4.5, "odometer_outliers": 0,
        ]
        return [
            "inputs": [
                "files": [
                    ["path": good, "status": "ok", "frames": 10, "rejected_rows": 0],
                    [
                        "path": broken, "status": brokenFails ? "failed" : "ok", "frames": 0,
                        "rejected_rows": brokenRejected,
                    ],
                ],
                "frames": 10, "rejected_rows": brokenRejected, "exact_duplicates": 0, "conflicting_duplicates": 0,
            ],
            "vehicles": [vehicle],
            "operators": [["operator": "OP1", "vehicles": 1, "hydrogen_km": 1.8, "subsidy_yuan": 4.5]],
            "totals": ["vehicles": 1, "hydrogen_km": 1.8, "subsidy_yuan": 4.5],
        ]
    }

    // SPEC 2.2: "a file counts whole or not at all". The broken archives hold other frames than
    // the good file, and their decodable prefix is checked to hold some, so a run that kept what
    // it decoded before the failure would change the exact figures below.
    @Test(
        "broken archives fail whole and are named; the good file still counts, exactly",
        arguments: [
            "truncated", "checksum", "random-zst", "random-csv", "empty-zst-frame", "header-only", "nul-bytes",
            "long-header",
        ], ["1", "8"])  // 8 threads for 2 files: each file is read ahead on a helper thread
    func brokenArchives(_ kind: String, _ threads: String) throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        let good = folder.write("in/good.csv", try goodTelemetry())
        // Seeded noise, the seed printed with every failure.
        let seed = 0x5EED_0000 + UInt64(kind.utf8.reduce(0) { $0 &* 31 &+ Int($1) } & 0xFFFF)
        var random = SplitMix(seed: seed)
        let noise = (0..<5000).map { _ in UInt8.random(in: 0...255, using: &random) }
        var expectFailure = true
        var rejected = 0
        var broken = folder.path("in/x.csv.zst")
        switch kind {
        case "truncated":
            // Big enough for many zstd blocks: the first two thirds decode to whole rows.
            let whole = try zstdCompress(Array(Self.otherFrames(rows: 40_000).utf8))
            let truncated = Array(whole.prefix(whole.count * 2 / 3))
            #expect(try recoverablePrefix(truncated).contains("\nLZYTEST0000000002,"), "seed \(seed)")
            folder.write("in/x.csv.zst", bytes: truncated)
        case "checksum":
            var whole = try zstdCompress(Array(Self.otherFrames(rows: 40_000).utf8), extraArguments: ["--check"])
            // Inside the content checksum, checked last: the rows (more than one output buffer
            // of them) are decoded first.
            whole[whole.count - 2] ^= 0xFF
            // (zstd itself writes nothing before it checks the sum: ask it not to check.)
            #expect(
                try recoverablePrefix(whole, extraArguments: ["--no-check"]).contains("\nLZYTEST0000000002,"),
                "seed \(seed)")
            folder.write("in/x.csv.zst", bytes: whole)
        case "random-zst":
            folder.write("in/x.csv.zst", bytes: noise)
        case "random-csv":
            // Random bytes as CSV: the first line is not a header with the required columns.
            broken = folder.write("in/x.csv", bytes: noise)
        case "empty-zst-frame":
            folder.write("in/x.csv.zst", bytes: try zstdCompress([]))
            expectFailure = false
        case "header-only":
            broken = folder.write("in/x.csv", "vin,ts,odometer_km,fc_current_a\r\n")
            expectFailure = false
        case "nul-bytes":
            broken = folder.write(
                "in/x.csv", bytes: Array("vin,ts,odometer_km,fc_current_a\n".utf8) + [0, 0, 0xFF, 10, 0xC3, 0x28, 10])
            expectFailure = false
            rejected = 2  // two lines of one field each: wrong_field_count
        default:
            broken = folder.write("in/x.csv", String(repeating: "v", count: 5000) + "\n" + Self.otherFrames(rows: 20))
        }
        let (result, report) = try run(folder, extra: ["--threads", threads])
        #expect(result.status == (expectFailure ? 3 : 0), "\(kind), seed \(seed): \(result.stderr)")
        if expectFailure {
            #expect(result.stderr.contains(broken), "the failed file is named on stderr; seed \(seed)")
        }
        let actual = try #require(try JSONSerialization.jsonObject(with: Data(report.utf8)) as? [String: Any])
        // Through JSON text, so that expected values are typed as `expected.json`'s are.
        let expected = try JSONSerialization.jsonObject(
            with: try JSONSerialization.data(
                withJSONObject: Self.expectedReport(
                    good: good, broken: broken, brokenFails: expectFailure, brokenRejected: rejected)))
        let differences = ReportComparison.differences(expected: expected, actual: actual)
        #expect(differences.isEmpty, "\(kind), seed \(seed): \(differences.joined(separator: "\n"))")
        // A failed file carries its reason; a good one has none (SPEC 7.1).
        let files = (actual["inputs"] as? [String: Any])?["files"] as? [[String: Any]] ?? []
        let brokenEntry = files.first { $0["path"] as? String == broken }
        #expect(((brokenEntry?["error"] as? String)?.isEmpty == false) == expectFailure, "\(kind), seed \(seed)")
        #expect(files.first { $0["path"] as? String == good }?["error"] == nil)
    }

    @Test("a link back to the parent folder is not followed; a vanished file is a failed input")
    func linksAndVanishedFiles() throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        folder.write("in/good.csv", try goodTelemetry())
        try FileManager.default.createSymbolicLink(
            atPath: folder.path("in/loop"), withDestinationPath: folder.path("in"))
        try FileManager.default.createSymbolicLink(
            atPath: folder.path("in/gone.csv"), withDestinationPath: folder.path("nowhere.csv"))
        let (result, report) = try run(folder)
        #expect(result.status == 3)
        #expect(report.contains("gone.csv"))
        #expect(!report.contains("loop/"))
        #expect(report.contains("\"hydrogen_km\": 1.8"))
    }

    @Test("a hundred thousand distinct VINs are measured, each once")
    func manyVins() throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        let alphabet = Array("0123456789ABCDEFGHJKLMNPRSTUVWXYZ")
        var text = "vin,ts,odometer_km,fc_current_a\n"
        for index in 0..<100_000 {
            var tail = ""
            var value = index
            for _ in 0..<5 {
                tail.append(alphabet[value % alphabet.count])
                value /= alphabet.count
            }
            let vin = "LZYMANY00000" + tail
            text += "\(vin),1740787200,1.0,1.0\n\(vin),1740787210,1.1,1.0\n"
        }
        folder.write("in/many.csv", text)
        let (result, report) = try run(folder, extra: ["--format", "csv"])
        #expect(result.status == 0)
        #expect(result.stdout.split(separator: "\n").count == 1 + 100_000 + 1)  // header, VINs, registered silent one
        #expect(report.contains("\"frames\": 200000"))
    }
}
