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

    @Test(
        "broken archives fail whole and are named; the good file still counts",
        arguments: [
            "truncated", "checksum", "random-zst", "random-csv", "empty-zst-frame", "header-only", "nul-bytes",
            "long-header",
        ])
    func brokenArchives(_ kind: String) throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        let good = try goodTelemetry()
        folder.write("in/good.csv", good)
        var random = SystemRandomNumberGenerator()
        let noise = (0..<5000).map { _ in UInt8.random(in: 0...255, using: &random) }
        var expectFailure = true
        switch kind {
        case "truncated":
            let whole = try zstdCompress(Array(String(repeating: good, count: 200).utf8))
            folder.write("in/x.csv.zst", bytes: Array(whole.prefix(whole.count * 2 / 3)))
        case "checksum":
            var whole = try zstdCompress(Array(good.utf8), extraArguments: ["--check"])
            whole[whole.count - 2] ^= 0xFF  // inside the content checksum
            folder.write("in/x.csv.zst", bytes: whole)
        case "random-zst":
            folder.write("in/x.csv.zst", bytes: noise)
        case "random-csv":
            // Random bytes as CSV: the first line is not a header with the required columns.
            folder.write("in/x.csv", bytes: noise)
        case "empty-zst-frame":
            folder.write("in/x.csv.zst", bytes: try zstdCompress([]))
            expectFailure = false
        case "header-only":
            folder.write("in/x.csv", "vin,ts,odometer_km,fc_current_a\r\n")
            expectFailure = false
        case "nul-bytes":
            folder.write(
                "in/x.csv", bytes: Array("vin,ts,odometer_km,fc_current_a\n".utf8) + [0, 0, 0xFF, 10, 0xC3, 0x28, 10])
            expectFailure = false
        default:
            folder.write("in/x.csv", String(repeating: "v", count: 5000) + "\n" + good)
        }
        let (result, report) = try run(folder)
        #expect(result.status == (expectFailure ? 3 : 0), "\(kind): \(result.stderr)")
        if expectFailure {
            #expect(result.stderr.contains("/x.csv"), "the failed file is named on stderr")
            #expect(report.contains("\"status\": \"failed\""))
        }
        #expect(report.contains("\"hydrogen_km\": 1.8"), "\(kind): the good file's result is unchanged")
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
