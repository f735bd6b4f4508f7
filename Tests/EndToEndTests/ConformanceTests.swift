import Foundation
import TestSupport
import Testing

/// Every case of the conformance suite (`Tests/Fixtures/conformance`, a copy of
/// `../shared/conformance`), run through the built CLI exactly as its README says.
@Suite("Conformance suite (SPEC 2–7)")
struct ConformanceTests {
    static let cases: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: TestPaths.conformance.path)) ?? []
        return names.filter { name in
            FileManager.default.fileExists(
                atPath: TestPaths.conformance.appendingPathComponent("\(name)/expected.json").path)
        }.sorted()
    }()

    @Test("the suite is present")
    func suiteIsPresent() {
        #expect(Self.cases.count >= 14, "expected the conformance cases under \(TestPaths.conformance.path)")
    }

    @Test("case conforms", arguments: cases)
    func conforms(_ name: String) throws {
        let folder = TestPaths.conformance.appendingPathComponent(name)
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
