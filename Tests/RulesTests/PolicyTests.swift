import Foundation
import Rules
import TestSupport
import Testing

let validPolicy = """
    id = "test"
    timezone = "+08:00"
    years = [2025]

    [telemetry]
    max_gap_s = 300
    max_speed_kmh = 120
    fc_on_min_current_a = 1.0

    [eligibility]
    operator_min_average_km = 7500

    [classes.bus]
    name = "中大型客车"
    rate_yuan_per_km = 0.75
    annual_cap_yuan = 20000

    """

/// `validPolicy` with the line starting with `key` replaced by `line` (or removed when empty).
func policyText(replacing key: String, with line: String) -> String {
    validPolicy.split(separator: "\n", omittingEmptySubsequences: false).map { current in
        current.hasPrefix(key + " ") ? line : String(current)
    }.joined(separator: "\n")
}

@Suite("Policy (SPEC 5)")
struct PolicyTests {
    @Test("the built-in Daxing 2022 policy has the SPEC's defaults")
    func builtIn() {
        let policy = Policy.builtIn
        #expect(policy.id == "daxing-2022")
        #expect(policy.timezoneOffset == 8 * 3600)
        #expect(policy.years == [2022, 2023, 2024, 2025])
        #expect(policy.limits.maxGapSeconds == 300 && policy.limits.maxSpeedKmh == 120)
        #expect(policy.limits.fuelCellOnCurrent == 10)
        #expect(policy.operatorMinAverageKm == 7500)
        let caps = Dictionary(uniqueKeysWithValues: policy.classes.map { ($0.id, $0.annualCapYuan) })
        #expect(
            caps == [
                "heavy_truck": 50000, "light_truck": 30000, "cold_chain": 30000, "bus": 20000, "sanitation": 30000,
            ])
        #expect(policy.classes.allSatisfy { $0.rateFenPerKm == 100 })
    }

    @Test("samples/policies/daxing-2022.toml is the built-in policy, byte for byte")
    func sampleFileIsBuiltIn() throws {
        let file = TestPaths.packageRoot.appendingPathComponent("samples/policies/daxing-2022.toml")
        let text = try String(contentsOf: file, encoding: .utf8)
        #expect(text == builtInPolicyText)
    }

    @Test("a valid policy converts numbers to tenths and fen")
    func valid() throws {
        let policy = try Policy(toml: validPolicy, file: "p.toml")
        #expect(policy.classes.map(\.rateFenPerKm) == [75])
        #expect(policy.classes.first?.name == "中大型客车")
        let integerRate = try Policy(
            toml: policyText(replacing: "rate_yuan_per_km", with: "rate_yuan_per_km = 2"), file: "p.toml")
        #expect(integerRate.classes.first?.rateFenPerKm == 200)
        let zoneText = policyText(replacing: "timezone", with: "timezone = \"-05:30\"")
        let negativeZone = try Policy(toml: zoneText, file: "p.toml")
        let expectedOffset = -(5 * 3600 + 30 * 60)
        #expect(negativeZone.timezoneOffset == expectedOffset)
    }

    // SPEC 5: an invalid policy stops the run with a message naming the field.
    @Test(
        "invalid policies name the field",
        arguments: [
            ("max_gap_s", "max_gap_s = 0", "telemetry.max_gap_s"),
            ("max_gap_s", "max_gap_s = 2678401", "telemetry.max_gap_s"),
            ("max_gap_s", "max_gap_s = \"300\"", "telemetry.max_gap_s"),
            ("max_gap_s", "", "telemetry.max_gap_s"),
            ("max_speed_kmh", "max_speed_kmh = 1001", "telemetry.max_speed_kmh"),
            ("fc_on_min_current_a", "fc_on_min_current_a = 1.05", "telemetry.fc_on_min_current_a"),
            ("fc_on_min_current_a", "fc_on_min_current_a = -1.0", "telemetry.fc_on_min_current_a"),
            ("fc_on_min_current_a", "fc_on_min_current_a = 10000.0", "telemetry.fc_on_min_current_a"),
            ("operator_min_average_km", "operator_min_average_km = -1", "eligibility.operator_min_average_km"),
            ("rate_yuan_per_km", "rate_yuan_per_km = 0.125", "classes.bus.rate_yuan_per_km"),
            ("rate_yuan_per_km", "rate_yuan_per_km = 10000.01", "classes.bus.rate_yuan_per_km"),
            ("annual_cap_yuan", "annual_cap_yuan = 1.5", "classes.bus.annual_cap_yuan"),
            ("annual_cap_yuan", "annual_cap_yuan = 100000001", "classes.bus.annual_cap_yuan"),
            ("timezone", "timezone = \"+15:00\"", "timezone"),
            ("timezone", "timezone = \"Asia/Shanghai\"", "timezone"),
            ("years", "years = []", "years"),
            ("years", "years = [\"2025\"]", "years"),
            ("id", "", "id"),
            ("id", "id = \"test\"\nunexpected = 1", "unexpected"),
            ("max_gap_s", "max_gap_s = 300\nmax_gapp_s = 3", "telemetry.max_gapp_s"),
        ])
    func invalid(_ key: String, _ line: String, _ field: String) {
        #expect {
            try Policy(toml: policyText(replacing: key, with: line), file: "p.toml")
        } throws: { error in
            guard let error = error as? RulesError else { return false }
            return error.field == field && error.description.hasPrefix("p.toml: \(field): ")
        }
    }

    @Test("TOML syntax errors name the line")
    func syntax() {
        #expect {
            try Policy(toml: "id = \"x\"\ntimezone = \n", file: "p.toml")
        } throws: { error in
            (error as? RulesError)?.line == 2
        }
    }

    @Test("at least one class; class ids of a-z, 0-9 and _")
    func classes() {
        let noClasses = validPolicy.components(separatedBy: "[classes.bus]")[0] + "[classes]\n"
        #expect(throws: RulesError.self) { try Policy(toml: noClasses, file: "p.toml") }
        let badId = validPolicy.replacingOccurrences(of: "[classes.bus]", with: "[classes.Bus]")
        #expect(throws: RulesError.self) { try Policy(toml: badId, file: "p.toml") }
    }
}
