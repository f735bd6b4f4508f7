import Foundation
import TestSupport
import Testing

/// Warnings a person cannot miss (SPEC 7.1 `warnings`) and text from inputs made inert (SPEC 7.2),
/// through the built binary: in report.json, under the summary table and on standard error.
@Suite("Warnings and inert text (SPEC 7.1, 7.2)")
struct WarningsTests {
    static let basic = TestPaths.conformance.appendingPathComponent("01_basic")
    static let header = "vin,ts,odometer_km,fc_current_a\n"

    /// Runs `subsidy` in the 01_basic case with `extra` arguments; returns the result and the
    /// parsed report's warnings as (code, path).
    func subsidy(_ extra: [String], year: String = "2025") throws -> (ProcessResult, [(String, String?)], String) {
        let out = TemporaryFolder()
        defer { out.remove() }
        let result = try runH2fleet(
            ["subsidy", "--registry", "registry.csv", "--year", year, "--out", out.url.path] + extra,
            in: Self.basic)
        let text = try String(contentsOf: out.url.appendingPathComponent("report.json"), encoding: .utf8)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let warnings = try #require(report["warnings"] as? [[String: Any]])
        return (result, warnings.map { ($0["code"] as! String, $0["path"] as? String) }, text)
    }

    @Test("the built-in policy's placeholder rate and a partial year are warned of, everywhere")
    func placeholderAndPartialYear() throws {
        let (result, warnings, _) = try subsidy(["telemetry"])
        #expect(result.status == 0)
        #expect(warnings.map(\.0) == ["partial_year", "placeholder_rate"])
        #expect(warnings.allSatisfy { $0.1 == nil })
        // Under the summary table and on standard error, each once.
        let table = try #require(result.stdout.components(separatedBy: "\nWarnings:\n").last)
        #expect(table.contains("placeholder_rate: ") && table.contains("partial_year: the frames cover 2025-03-01"))
        #expect(result.stderr.contains("warning: placeholder_rate: "))
        #expect(result.stderr.contains("warning: partial_year: "))
    }

    @Test("a policy of one's own over a whole year raises no warning")
    func noWarnings() throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        // 2025-01-01T00:00:00+08:00 and 2025-12-31T23:59:50+08:00.
        folder.write(
            "t/year.csv",
            Self.header + "LZYTEST0000000001,1735660800,10.0,50\nLZYTEST0000000001,1767196790,10.0,50\n")
        let (result, warnings, text) = try subsidy(["--policy", "policy.toml", folder.path("t")])
        #expect(result.status == 0)
        #expect(warnings.isEmpty)
        #expect(text.contains("\"warnings\": []"))
        #expect(!result.stdout.contains("Warnings:") && !result.stderr.contains("warning"))
    }

    @Test("frames of other years only: no_frames_in_year names the years they hold")
    func noFramesInYear() throws {
        let (_, warnings, text) = try subsidy(["--policy", "policy.toml", "telemetry"], year: "2024")
        #expect(warnings.map(\.0) == ["no_frames_in_year"])
        #expect(text.contains("the inputs hold frames of 2025, none of 2024"))
    }

    @Test("a file whose every row is rejected is named, with the first reason")
    func everyRowRejected() throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        let bad = folder.write("bad.csv", Self.header + "LZYTEST0000000001,2025/13/01 00:00,1.0,1\nX,1,1,1\n")
        let (result, warnings, text) = try subsidy(["--policy", "policy.toml", "telemetry", bad])
        #expect(result.status == 0)
        #expect(warnings.map(\.0) == ["every_row_rejected", "partial_year"])
        #expect(warnings.first?.1 == bad)
        #expect(text.contains("every one of its 2 rows was rejected (the first, at 2: bad_ts)"))
    }

    @Test("files skipped in a directory and a directory with no telemetry file are warned of")
    func skippedAndEmpty() throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        folder.write("t/notes.txt", "not telemetry")
        folder.write("t/old.zip", "PK")
        folder.write("none/readme.md", "nothing here")
        let (result, warnings, text) = try subsidy(["--policy", "policy.toml", "telemetry", folder.path("t"), folder.path("none")])
        #expect(result.status == 0)
        #expect(warnings.map(\.0) == ["empty_directory", "empty_directory", "files_skipped", "partial_year"])
        #expect(Set(warnings.compactMap(\.1)) == [folder.path("t"), folder.path("none")])
        #expect(text.contains("3 files were not read"))
        #expect(result.stderr.contains("warning: empty_directory \(folder.path("none")): "))
    }

    @Test("control characters and backslashes from inputs are \\xNN and \\\\ in CSV and terminal text")
    func inertText() throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        let name = "evil\u{1B}]0;owned\u{07}.csv"
        let path = folder.write(name, Self.header + "LZYTEST0000000001,1740787200,1.0,1\\\u{1B}[2J\u{85}\n")
        let out = TemporaryFolder()
        defer { out.remove() }
        let result = try runH2fleet(
            ["subsidy", "--policy", "policy.toml", "--registry", "registry.csv", "--year", "2025", "--out",
             out.url.path, path], in: Self.basic)
        #expect(result.status == 0)
        let rejections = try String(contentsOf: out.url.appendingPathComponent("rejections.csv"), encoding: .utf8)
        let escapedPath = path.replacingOccurrences(of: name, with: "evil\\x1B]0;owned\\x07.csv")
        // The line holds commas, so it is quoted; ESC, U+0085 and the backslash are escaped.
        #expect(
            rejections == "path,position,reason,text\n" + escapedPath
                + #",2,bad_current,"LZYTEST0000000001,1740787200,1.0,1\\\x1B[2J\x85""# + "\n")
        for output in [result.stdout, result.stderr] {
            #expect(!output.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 || $0.value == 0x85 })
        }
        #expect(result.stdout.contains("every_row_rejected \(escapedPath)"))
        // JSON escapes U+007F–U+009F as \u00XX (SPEC 7.2).
        let json = try String(contentsOf: out.url.appendingPathComponent("report.json"), encoding: .utf8)
        #expect(json.contains("\\u001b]0;owned\\u0007.csv"))
    }

    @Test("check names byte-identical files under two names and files whose every row is rejected")
    func checkWarnings() throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        let rows = Self.header + "LZYTEST0000000001,1740787200,10.0,50\nLZYTEST0000000001,1740787210,10.1,50\n"
        folder.write("t/day.csv", rows)
        folder.write("t/day - 副本.csv", rows)
        folder.write("t/empty-ish.csv", Self.header + "nope,1,1,1\n")
        let result = try runH2fleet(["check", "t"], in: folder.url)
        #expect(result.status == 0)
        #expect(result.stdout.contains("duplicate_file t/day.csv: has the same bytes as t/day - 副本.csv"))
        #expect(result.stdout.contains("every_row_rejected t/empty-ish.csv: its only row was rejected (at 2: bad_vin)"))
        let json = try runH2fleet(["check", "--format", "json", "t"], in: folder.url)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let warnings = try #require(object["warnings"] as? [[String: Any]])
        #expect(warnings.map { $0["code"] as? String } == ["duplicate_file", "every_row_rejected"])
    }

    @Test("check --registry flags unregistered and foreign VINs and gives the fleet average (SPEC 4, 6.1)")
    func checkAgainstRegistry() throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        folder.write(
            "registry.csv",
            "vin,operator,class,operator_name\nLZYTEST0000000001,OP1,heavy_truck,氢链\nLZYTEST0000000002,OP1,bus,氢链\n"
                + "LZYTEST0000000003,OP2,bus,\n")
        // Vehicle 1: 10.0 km on hydrogen, 0.1 km every 10 s.
        var rows = Self.header
        for step in 0...100 { rows += "LZYTEST0000000001,\(1_740_787_200 + step * 10),\(100 + step / 10).\(step % 10),50\n" }
        rows += "LZYTEST0000000003,1740787200,1.0,50\nLZYTEST0000000009,1740787200,1.0,50\n"
        folder.write("t/day.csv", rows)
        let mine = try runH2fleet(["check", "--registry", "registry.csv", "--operator", "OP1", "t"], in: folder.url)
        #expect(mine.status == 0)
        #expect(mine.stdout.contains("unregistered_vehicles: 1 VIN is not in the registry"))
        #expect(mine.stdout.contains("LZYTEST0000000009"))
        #expect(mine.stdout.contains("other_operator_vehicles: 1 VIN is registered to another operator than OP1 (LZYTEST0000000003)"))
        // 10.0 km over the fleet's 2 registered vehicles: average 5.0 km, below the built-in 7500 km.
        #expect(
            mine.stdout.contains(
                "fleet_average: operator OP1 (氢链): 2 registered vehicles, 1 with frames in these files; "
                    + "10.0 hydrogen km in all, average 5.0 km against the policy's 7500 km: not reached"))
        let unsure = try runH2fleet(["check", "--registry", "registry.csv", "t"], in: folder.url)
        #expect(unsure.stdout.contains("the files hold registered vehicles of 2 operators (OP1: 1, OP2: 1); give --operator"))
        #expect(!unsure.stdout.contains("fleet_average"))
        let bad = try runH2fleet(["check", "--registry", "t/day.csv", "t"], in: folder.url)
        #expect(bad.status == 2)
    }
}
