import Foundation
import TestSupport
import Testing

/// Every conformance case through a ledger (SPEC 10.3): `ingest` of its telemetry, then `report`,
/// gives the four files `subsidy` writes for the same files, byte for byte, and its exit status.
@Suite("Conformance cases through a ledger (SPEC 10)")
struct LedgerConformanceTests {
    @Test("report from a ledger equals subsidy on the same files", arguments: ConformanceTests.cases)
    func sameAsSubsidy(_ folder: URL) throws {
        let work = TemporaryFolder()
        defer { work.remove() }
        let year = try String(contentsOf: folder.appendingPathComponent("args"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let ledger = work.path("ledger")
        let ingest = try runH2fleet(["ingest", "--ledger", ledger, "--policy", "policy.toml", "telemetry"], in: folder)
        #expect(ingest.status == 0 || ingest.status == 3, "\(folder.lastPathComponent): \(ingest.stderr)")
        // The files the ledger recorded, by the paths it gave them (a file that cannot be read at
        // all has no checksum and is not recorded, SPEC 10.2).
        let recorded = ingest.stdout.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("new ") || line.hasPrefix("failed: ") else { return nil }
            return line.split(separator: " ").last.map(String.init)
        }
        let unreadable = ingest.stdout.contains("failed: ") && recorded.isEmpty
        guard !recorded.isEmpty, !unreadable else { return }
        let common = ["--policy", "policy.toml", "--registry", "registry.csv", "--year", year]
        let subsidy = try runH2fleet(["subsidy"] + common + ["--out", work.path("s")] + recorded, in: folder)
        let report = try runH2fleet(["report", "--ledger", ledger] + common + ["--out", work.path("r")], in: folder)
        #expect(report.status == subsidy.status, "\(folder.lastPathComponent): \(report.stderr)")
        // The reports for people too: they are made from the same report.
        for name in ["report.json", "vehicles.csv", "operators.csv", "rejections.csv", "report.html", "report.xlsx"] {
            let expected = try? Data(contentsOf: URL(fileURLWithPath: work.path("s/\(name)")))
            let actual = try? Data(contentsOf: URL(fileURLWithPath: work.path("r/\(name)")))
            #expect(expected != nil && actual == expected, "\(folder.lastPathComponent): \(name)")
        }
    }
}
