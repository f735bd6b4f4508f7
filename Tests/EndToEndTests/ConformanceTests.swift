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

    /// Runs a case as its README says, writing the reports into `output`.
    static func run(_ folder: URL, into output: TemporaryFolder) throws -> ProcessResult {
        let year = try String(contentsOf: folder.appendingPathComponent("args"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        return try runH2fleet(
            [
                "subsidy", "--policy", "policy.toml", "--registry", "registry.csv", "--year", year,
                "--out", output.url.path, "telemetry",
            ],
            in: folder)
    }

    @Test("case conforms", arguments: cases)
    func conforms(_ folder: URL) throws {
        let name = folder.lastPathComponent
        let expectedData = try Data(contentsOf: folder.appendingPathComponent("expected.json"))
        let expected = try #require(try JSONSerialization.jsonObject(with: expectedData) as? [String: Any])
        let output = TemporaryFolder()
        defer { output.remove() }
        let result = try Self.run(folder, into: output)
        let expectedExit = (expected["exit"] as? NSNumber)?.int32Value ?? 0
        #expect(result.status == expectedExit, "exit status; stderr: \(result.stderr)")
        let reportData = try Data(contentsOf: output.url.appendingPathComponent("report.json"))
        let report = try JSONSerialization.jsonObject(with: reportData)
        let differences = ReportComparison.differences(expected: expected, actual: report)
        #expect(differences.isEmpty, "\(name): \(differences.joined(separator: "\n"))")
    }

    // The README's comparison reads numbers as decimals and matches array entries by key, so
    // `4.5` passes for `4.50` and any order passes; SPEC 1 and 7.1 fix both. These checks read
    // the produced files as text.
    @Test(
        "report.json, vehicles.csv, operators.csv: numbers as SPEC 1 writes them, entries in byte order",
        arguments: cases)
    func reportText(_ folder: URL) throws {
        let name = folder.lastPathComponent
        let output = TemporaryFolder()
        defer { output.remove() }
        let result = try Self.run(folder, into: output)
        // 18's registry as Excel saves it (SPEC 4, h2-mileage/2) is being implemented elsewhere;
        // until then the run stops with status 2 and writes nothing to read. Once it writes its
        // reports, this known issue no longer occurs and Swift Testing says so: remove it then.
        guard name != "18_registry_text" || result.status != 2 else {
            withKnownIssue("18_registry_text: the registry rules of h2-mileage/2 are not in yet") {
                Issue.record("no report.json: \(result.stderr)")
            }
            return
        }
        let json = try String(contentsOf: output.url.appendingPathComponent("report.json"), encoding: .utf8)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let vehicles = (report["vehicles"] as? [Any])?.count ?? 0
        let operators = (report["operators"] as? [Any])?.count ?? 0
        let (checked, problems) = ReportText.numberProblems(json: json)
        // A vehicle has 5 distances and 2 amounts, an operator 2 and 1, the totals 1 and 1.
        #expect(checked == 7 * vehicles + 3 * operators + 2, "\(name): money and distance fields found")
        #expect(problems.isEmpty, "\(name): \(problems.joined(separator: "\n"))")
        // hydrogen_km_by_month (an added field, SPEC 7.1): twelve months that add up to the
        // vehicle's hydrogen_km (SPEC 3.4: each interval in the month of its end).
        for case let vehicle as [String: Any] in report["vehicles"] as? [Any] ?? [] {
            let months = vehicle["hydrogen_km_by_month"] as? [NSNumber] ?? []
            let total = months.reduce(Decimal(0)) { $0 + (Decimal(string: $1.stringValue) ?? .nan) }
            let hydrogen = Decimal(string: (vehicle["hydrogen_km"] as? NSNumber)?.stringValue ?? "") ?? .nan
            #expect(months.count == 12 && total == hydrogen, "\(name): \(vehicle["vin"] ?? "?") months \(months)")
        }
        let order = ReportText.orderProblems(report)
        #expect(order.isEmpty, "\(name): \(order.joined(separator: "\n"))")
        for (file, fields) in [("vehicles.csv", 7 * vehicles), ("operators.csv", 3 * operators)] {
            let text = try String(contentsOf: output.url.appendingPathComponent(file), encoding: .utf8)
            let (csvChecked, csvProblems) = ReportText.csvProblems(text)
            #expect(csvChecked == fields, "\(name)/\(file): money and distance fields found")
            #expect(csvProblems.isEmpty, "\(name)/\(file): \(csvProblems.joined(separator: "\n"))")
        }
    }

    // SPEC 7.2, written out by hand for three cases from their telemetry (see
    // Tests/Fixtures/handwritten/README.md): the CSV outputs must match byte for byte.
    @Test(
        "vehicles.csv, operators.csv and rejections.csv equal the ones written by hand",
        arguments: ["15_outliers", "11_rejections", "13_bytes"])
    func handwrittenCSV(_ name: String) throws {
        let folder = TestPaths.conformance.appendingPathComponent(name)
        let expected = TestPaths.fixtures.appendingPathComponent("handwritten/\(name)")
        let output = TemporaryFolder()
        defer { output.remove() }
        let result = try Self.run(folder, into: output)
        #expect(result.status == 0, "\(result.stderr)")
        for file in ["vehicles.csv", "operators.csv", "rejections.csv"] {
            let wanted = try Data(contentsOf: expected.appendingPathComponent(file))
            let produced = try Data(contentsOf: output.url.appendingPathComponent(file))
            let producedText = String(decoding: produced, as: UTF8.self)
            let wantedText = String(decoding: wanted, as: UTF8.self)
            #expect(produced == wanted, "\(name)/\(file):\n\(producedText)\nwanted:\n\(wantedText)")
        }
    }
}
