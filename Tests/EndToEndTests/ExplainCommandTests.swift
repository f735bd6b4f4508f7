import Foundation
import TestSupport
import Testing

/// `h2fleet explain`: the evidence a regulator shows an operator who disputes a figure.
@Suite("explain command")
struct ExplainCommandTests {
    func explain(_ caseName: String, _ vin: String) throws -> ProcessResult {
        try runH2fleet(
            [
                "explain", "--policy", "policy.toml", "--registry", "registry.csv", "--year", "2025", "--vin", vin,
                "telemetry",
            ],
            in: TestPaths.conformance.appendingPathComponent(caseName))
    }

    @Test("subsidy arithmetic step by step: average, eligibility, rate, floor, cap (SPEC 6)")
    func arithmetic() throws {
        let capped = try explain("10_eligibility", "LZYTEST0000000001")
        #expect(capped.status == 0)
        #expect(capped.stdout.contains("operator OP1: 2 registered vehicles, 32.0 hydrogen km in all, average 16.0 km"))
        #expect(capped.stdout.contains("30.0 hydrogen km × 2.50 yuan/km = 75.00 yuan"))
        #expect(capped.stdout.contains("cap for heavy_truck: 50.00 yuan → paid 50.00 yuan, status capped"))
        let ineligible = try explain("10_eligibility", "LZYTEST0000000003")
        #expect(ineligible.stdout.contains("→ not eligible"))
        #expect(ineligible.stdout.contains("status operator_ineligible"))
        let unregistered = try explain("10_eligibility", "LZYTEST0000000099")
        #expect(unregistered.stdout.contains("Not in the registry"))
    }

    @Test("excluded intervals name both ends' times, odometers, files and lines")
    func sources() throws {
        // A reset to zero that lasts: a rollback with a suspect interval on each side (SPEC 3.3).
        let result = try explain("05_rollback", "LZYTEST0000000001")
        #expect(result.status == 0)
        #expect(result.stdout.contains("rollback -100.2 km in 10 s"))
        #expect(result.stdout.contains("from 2025-03-01T10:00:10+08:00  odometer 100.2  telemetry/day1.csv:3"))
        #expect(result.stdout.contains("to   2025-03-01T10:00:20+08:00  odometer 0.0  telemetry/day1.csv:4"))
        #expect(result.stdout.contains("suspect 0.2 km"))
        #expect(result.stdout.contains("2025-03       0.2      0.0  0.0        0.0      0.4          1"))
    }

    @Test("odometer outliers are listed with their source, and cost nothing (SPEC 3.3)")
    func outliers() throws {
        // A one-frame spike to 5000.0 km between 200.0 and 200.2.
        let result = try explain("05_rollback", "LZYTEST0000000002")
        #expect(result.status == 0)
        #expect(result.stdout.contains("Odometer outliers dropped before measuring (SPEC 3.3): 1"))
        #expect(result.stdout.contains("  2025-03-01T10:00:10+08:00  odometer 5000.0  telemetry/day1.csv:8"))
        #expect(result.stdout.contains("2025-03       0.5      0.0  0.0        0.0      0.0          0"))
        #expect(result.stdout.contains("Largest excluded intervals (0 of 0)"))
    }

    @Test("a rollback, its suspect neighbour and an overspeed jump are named with their sources")
    func rollbackAndJump() throws {
        // 05_rollback's spike is an outlier since h2-mileage/2 (SPEC 3.3), so this uses
        // 15_outliers' vehicle 2: rollback at line 14, suspect 14→15, overspeed 15→16.
        let result = try explain("15_outliers", "LZYTEST0000000002")
        #expect(result.status == 0)
        #expect(result.stdout.contains("Largest excluded intervals (3 of 3)"))
        #expect(result.stdout.contains("overspeed 500.3 km in 10 s"))
        #expect(result.stdout.contains("from 2025-03-01T10:00:20+08:00  odometer 0.1  telemetry/day1.csv:15"))
        #expect(result.stdout.contains("to   2025-03-01T10:00:30+08:00  odometer 500.4  telemetry/day1.csv:16"))
        #expect(result.stdout.contains("rollback -500.0 km in 10 s"))
        #expect(result.stdout.contains("suspect 0.1 km in 10 s"))
        #expect(result.stdout.contains("2025-03       0.1      0.0  0.0      500.3      0.1          1"))
    }

    @Test("a VIN with no data, or not a VIN, is bad usage (status 2)")
    func unknownVin() throws {
        #expect(try explain("01_basic", "LZYTEST0000000077").status == 2)
        #expect(try explain("01_basic", "not-a-vin").status == 2)
    }
}
