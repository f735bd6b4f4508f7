import Foundation
import TestSupport
import Testing

/// Every case of both conformance suites (`Tests/Fixtures/conformance` and
/// `Tests/Fixtures/conformance-gbt32960`, copies of `../shared`), run through the built CLI
/// exactly as their READMEs say.
@Suite("Conformance suites (SPEC 2–7, 9)")
struct ConformanceTests {
    /// Every case folder of both suites.
    static let cases: [URL] = [TestPaths.conformance, TestPaths.captureConformance].flatMap { suite in
        let names = (try? FileManager.default.contentsOfDirectory(atPath: suite.path)) ?? []
        return names.sorted().map { suite.appendingPathComponent($0) }.filter { folder in
            FileManager.default.fileExists(atPath: folder.appendingPathComponent("expected.json").path)
        }
    }

    @Test("the suites are present")
    func suitesArePresent() {
        #expect(Self.cases.filter { $0.path.contains("/conformance/") }.count >= 14)
        #expect(Self.cases.filter { $0.path.contains("/conformance-gbt32960/") }.count >= 3)
    }

    @Test("case conforms", arguments: cases)
    func conforms(_ folder: URL) throws {
        let name = folder.lastPathComponent
        let expectedData = try Data(contentsOf: folder.appendingPathComponent("expected.json"))
        let expected = try #require(try JSONSerialization.jsonObject(with: expectedData) as? [String: Any])
        let year = try String(contentsOf: folder.appendingPathComponent("args"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let output = TemporaryFolder()
        defer { output.remove() }
        let result = try runH2fleet(
            [
                "subsidy", "--policy", "policy.toml", "--registry", "registry.csv", "--year", year,
                "--out", output.url.path, "telemetry",
            ],
            in: folder)
        let expectedExit = (expected["exit"] as? NSNumber)?.int32Value ?? 0
        #expect(result.status == expectedExit, "exit status; stderr: \(result.stderr)")
        let reportData = try Data(contentsOf: output.url.appendingPathComponent("report.json"))
        let report = try JSONSerialization.jsonObject(with: reportData)
        let differences = ReportComparison.differences(expected: expected, actual: report)
        #expect(differences.isEmpty, "\(name): \(differences.joined(separator: "\n"))")
    }
}
