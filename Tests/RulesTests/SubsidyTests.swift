import Figures
import Frames
import Reports
import Rules
import Subsidy
import Testing

func figures(hydrogen: Int64, frames: Int = 10) -> VehicleYear {
    var figures = VehicleYear()
    figures.hydrogen = hydrogen
    figures.frames = frames
    return figures
}

func vin(_ number: Int) -> Vin { Vin("LZYTEST\(String(repeating: "0", count: 10 - String(number).count))\(number)")! }

@Suite("Subsidy (SPEC 6)")
struct SubsidyTests {
    let policy: Policy = {
        var policy = Policy.builtIn
        policy.operatorMinAverageKm = 100
        return policy
    }()

    func registry(_ rows: [(Int, String, String)]) throws -> Registry {
        let text = "vin,operator,class\n" + rows.map { "\(vin($0.0)),\($0.1),\($0.2)" }.joined(separator: "\n")
        return try Registry(bytes: Array(text.utf8), file: "r.csv", classes: Set(policy.classes.map(\.id)))
    }

    @Test("eligibility compares the exact average in integers, silent vehicles count")
    func eligibility() throws {
        // OP1: 2000 + 0 tenths over 2 vehicles = exactly 100.0 km: eligible.
        // OP2: 1999 + 0 tenths over 2 vehicles = 99.95 km: not eligible, though it shows 99.9.
        let registry = try registry([(1, "OP1", "bus"), (2, "OP1", "bus"), (3, "OP2", "bus"), (4, "OP2", "bus")])
        let outcome = SubsidyOutcome(
            figures: [vin(1): figures(hydrogen: 2000), vin(3): figures(hydrogen: 1999)],
            registry: registry, policy: policy)
        #expect(outcome.operators.map(\.eligible) == [true, false])
        #expect(outcome.operators.map(\.averageTenths) == [1000, 999])
        #expect(outcome.vehicles.map(\.status) == [.paid, .paid, .operatorIneligible, .operatorIneligible])
        #expect(outcome.vehicles.map(\.subsidyFen) == [20_000, 0, 0, 0])  // 200.0 km × 1.00 yuan
    }

    @Test("amounts: floor of tenths × rate / 10, then the cap; status capped only above it")
    func amounts() throws {
        var policy = self.policy
        policy.operatorMinAverageKm = 0
        policy.classes = policy.classes.map {
            var c = $0; c.rateFenPerKm = 333; return c
        }
        let registry = try registry([(1, "OP", "bus"), (2, "OP", "bus"), (3, "OP", "heavy_truck")])
        // 12.3 km × 3.33 = 40.959 → 40.95 yuan; bus cap 20000 yuan = 2,000,000 fen.
        let outcome = SubsidyOutcome(
            figures: [
                vin(1): figures(hydrogen: 123), vin(2): figures(hydrogen: 6_006_006),
                vin(3): figures(hydrogen: 1_501_502),
            ],
            registry: registry, policy: policy)
        #expect(outcome.vehicles[0].uncappedFen == 4095 && outcome.vehicles[0].status == .paid)
        #expect(outcome.vehicles[1].uncappedFen == 199_999_999 && outcome.vehicles[1].subsidyFen == 2_000_000)
        #expect(outcome.vehicles[1].status == .capped)
        #expect(outcome.vehicles[2].uncappedFen == 50_000_016 && outcome.vehicles[2].subsidyFen == 5_000_000)
        #expect(outcome.operators.map(\.subsidyFen) == [4095 + 2_000_000 + 5_000_000])
    }

    // SPEC 6.2-6.3: `capped` only when uncapped_fen > cap. At 0.01 yuan a km the amount moves
    // one fen at a time, so the boundary is exact; the floor comes before the comparison.
    @Test("the cap: uncapped equal to it is paid, one fen more is capped")
    func capBoundary() throws {
        var policy = self.policy
        policy.operatorMinAverageKm = 0
        policy.classes = policy.classes.map {
            var c = $0; c.rateFenPerKm = 1; return c
        }
        let cap = try #require(policy.vehicleClass("bus")).annualCapYuan * 100
        #expect(cap > 0)
        let registry = try registry([(1, "OP", "bus"), (2, "OP", "bus"), (3, "OP", "bus"), (4, "OP", "bus")])
        // Tenths × 1 fen/km / 10: cap × 10 tenths earn exactly the cap.
        let outcome = SubsidyOutcome(
            figures: [
                vin(1): figures(hydrogen: cap * 10 - 1), vin(2): figures(hydrogen: cap * 10),
                vin(3): figures(hydrogen: cap * 10 + 9), vin(4): figures(hydrogen: cap * 10 + 10),
            ],
            registry: registry, policy: policy)
        #expect(outcome.vehicles.map(\.uncappedFen) == [cap - 1, cap, cap, cap + 1])
        #expect(outcome.vehicles.map(\.subsidyFen) == [cap - 1, cap, cap, cap])
        #expect(outcome.vehicles.map(\.status) == [.paid, .paid, .paid, .capped])
        #expect(outcome.operators.map(\.subsidyFen) == [4 * cap - 1])
    }

    @Test("unregistered VINs are listed when they have frames in the year, and earn nothing")
    func unregistered() throws {
        let registry = try registry([(1, "OP", "bus")])
        let outcome = SubsidyOutcome(
            figures: [vin(9): figures(hydrogen: 50_000), vin(8): figures(hydrogen: 0, frames: 0)],
            registry: registry, policy: policy)
        #expect(outcome.vehicles.map(\.vin) == [vin(1), vin(9)])
        #expect(outcome.vehicles[1].status == .unregistered && outcome.vehicles[1].subsidyFen == 0)
        #expect(outcome.operators.map(\.vehicles) == [1])
    }
}

@Suite("Report text (SPEC 1, 7.1, 7.2)")
struct ReportTextTests {
    @Test("distances with one decimal, money with two, from integers")
    func units() {
        #expect(Units.km(12345) == "1234.5")
        #expect(Units.km(0) == "0.0")
        #expect(Units.km(7) == "0.7")
        #expect(Units.yuan(123_456) == "1234.56")
        #expect(Units.yuan(5) == "0.05")
        #expect(Units.yuan(0) == "0.00")
    }

    @Test("terminal text shows control characters instead of acting on them")
    func terminal() {
        // SPEC 7.2: U+0000–U+001F, U+007F–U+009F as \xNN, a backslash as \\.
        #expect(TerminalText.escaped("a\u{1B}[31mb\n") == #"a\x1B[31mb\x0A"#)
        #expect(TerminalText.escaped("\u{7F}\u{85}\u{9F}\u{A0}") == #"\x7F\x85\x9F"# + "\u{A0}")
        #expect(TerminalText.escaped(#"C:\logs"#) == #"C:\\logs"#)
        #expect(TerminalText.escaped("京A") == "京A")
    }
}
