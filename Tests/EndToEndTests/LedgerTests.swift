import Foundation
import TestSupport
import Testing

/// The ledger (SPEC 10) through the built binary: whatever the batches, their order, repeated
/// ingests, late and re-sent data, a report equals `subsidy` on the same files byte for byte.
@Suite("Ledger: ingest once, report any time (SPEC 10)")
struct LedgerTests {
    static let header = "vin,ts,odometer_km,fc_current_a\n"
    static let registry = """
        vin,operator,class,plate,operator_name
        LZYTEST0000000001,OP1,heavy_truck,京A·H0001,氢链
        LZYTEST0000000002,OP1,bus,,氢链
        LZYTEST0000000003,OP2,sanitation,,
        LZYTEST0000000004,OP2,cold_chain,,

        """
    static let policy = """
        id = "ledger-test"
        timezone = "+08:00"
        years = [2024, 2025]
        [telemetry]
        max_gap_s = 300
        max_speed_kmh = 120
        fc_on_min_current_a = 1.0
        [eligibility]
        operator_min_average_km = 1
        [classes.heavy_truck]
        rate_yuan_per_km = 2.50
        annual_cap_yuan = 50000
        [classes.bus]
        rate_yuan_per_km = 1.00
        annual_cap_yuan = 20000
        [classes.sanitation]
        rate_yuan_per_km = 1.00
        annual_cap_yuan = 30000
        [classes.cold_chain]
        rate_yuan_per_km = 1.00
        annual_cap_yuan = 30000

        """

    /// Daily files (local days in +08:00) of five vehicles from 2024-12-30 to 2025-01-04, each
    /// vehicle reporting every 10 s around midnight too, with gaps, glitches, rollbacks,
    /// duplicates and a malformed row; returns file name → rows.
    static func days(_ random: inout SplitMix) -> [(name: String, rows: [String])] {
        let start = 1_735_488_000  // 2024-12-30T00:00:00+08:00
        var byDay: [Int: [String]] = [:]
        for vehicle in 1...5 {
            var odometer = 10_000 * vehicle
            var ts = start + vehicle * 7
            while ts < start + 6 * 86_400 {
                ts += 10 + Int(random.next() % 5) + (random.next() % 300 == 0 ? 4000 : 0)
                odometer += Int(random.next() % 3)
                var shown = odometer
                switch random.next() % 400 {
                case 0: shown = 0
                case 1: shown = odometer + 9000
                case 2: odometer -= 50
                default: break
                }
                let current = random.next() % 7 == 0 ? "0.4" : "88.\(random.next() % 10)"
                let row = "LZYTEST000000000\(vehicle),\(ts),\(shown / 10).\(shown % 10),\(current)"
                let day = (ts - start) / 86_400
                byDay[day, default: []].append(row)
                if random.next() % 150 == 0 { byDay[day, default: []].append(row) }
                if random.next() % 200 == 0 {
                    byDay[day, default: []].append("LZYTEST000000000\(vehicle),\(ts),\(shown / 10 + 1).0,\(current)")
                }
            }
        }
        var files = byDay.keys.sorted().map { (name: "day\($0).csv", rows: byDay[$0]!) }
        files[2].rows.append("LZYTEST0000000001,not-a-time,1.0,1.0")
        // Late data: an hour of day 3 sent again with changes, under another name (overlaps).
        let late = files[3].rows.filter { $0.hasPrefix("LZYTEST0000000002") }.prefix(360).map {
            $0.replacingOccurrences(of: ",88.", with: ",77.")
        }
        files.append((name: "late-day3.csv", rows: Array(late)))
        return files
    }

    /// Writes the case folder: registry, policy and `telemetry/` with the files.
    static func folder(_ files: [(name: String, rows: [String])]) -> TemporaryFolder {
        let folder = TemporaryFolder()
        folder.write("registry.csv", registry)
        folder.write("policy.toml", policy)
        for file in files { folder.write("telemetry/\(file.name)", header + file.rows.joined(separator: "\n") + "\n") }
        return folder
    }

    /// The four report files of `arguments` (subsidy or report) written to `out` in `folder`.
    func outputs(_ arguments: [String], in folder: TemporaryFolder, out: String) throws -> [String: String] {
        let result = try runH2fleet(arguments + ["--out", out], in: folder.url)
        #expect(result.status == 0, "\(arguments): \(result.stderr)")
        var texts: [String: String] = [:]
        for name in ["report.json", "vehicles.csv", "operators.csv", "rejections.csv"] {
            texts[name] = try String(contentsOfFile: folder.path("\(out)/\(name)"), encoding: .utf8)
        }
        return texts
    }

    func subsidy(_ year: Int, files: [String], in folder: TemporaryFolder, out: String) throws -> [String: String] {
        try outputs(
            ["subsidy", "--policy", "policy.toml", "--registry", "registry.csv", "--year", String(year)] + files,
            in: folder, out: out)
    }

    func report(_ year: Int, through: String? = nil, in folder: TemporaryFolder, out: String) throws -> [String: String] {
        try outputs(
            ["report", "--ledger", "ledger", "--policy", "policy.toml", "--registry", "registry.csv", "--year", String(year)]
                + (through.map { ["--through", $0] } ?? []), in: folder, out: out)
    }

    @Test("any batches, any order, repeated ingests: the report equals subsidy byte for byte", arguments: [1, 2, 3])
    func batches(_ seed: UInt64) throws {
        var random = SplitMix(seed: seed)
        let files = Self.days(&random)
        let folder = Self.folder(files)
        defer { folder.remove() }
        let paths = files.map { "telemetry/\($0.name)" }
        var order = paths.shuffled(using: &random)
        order += order.prefix(3)  // some ingested twice
        var index = 0
        while index < order.count {
            let batch = order[index..<min(order.count, index + 1 + Int(random.next() % 3))]
            let result = try runH2fleet(["ingest", "--ledger", "ledger", "--policy", "policy.toml"] + batch, in: folder.url)
            #expect(result.status == 0, "seed \(seed): \(result.stderr)")
            index += batch.count
        }
        for year in [2024, 2025] {
            let expected = try subsidy(year, files: paths, in: folder, out: "s\(year)")
            let actual = try report(year, in: folder, out: "r\(year)")
            for name in expected.keys.sorted() {
                #expect(actual[name] == expected[name], "seed \(seed), year \(year), \(name)")
            }
        }
        // The generator makes what the rules handle, and the late file's overlap: its rows
        // conflict with day 3's, which only an exact merge of both sources' frames can count.
        let report = try #require(
            try JSONSerialization.jsonObject(with: Data(try String(contentsOfFile: folder.path("r2025/report.json"), encoding: .utf8).utf8))
                as? [String: Any])
        let inputs = try #require(report["inputs"] as? [String: Any])
        #expect((inputs["conflicting_duplicates"] as? Int ?? 0) >= 300, "seed \(seed)")
        let vehicles = try #require(report["vehicles"] as? [[String: Any]])
        #expect(vehicles.reduce(0) { $0 + ($1["odometer_outliers"] as? Int ?? 0) } > 0, "seed \(seed)")
        #expect(vehicles.reduce(0) { $0 + ($1["odometer_rollbacks"] as? Int ?? 0) } > 0, "seed \(seed)")
        // explain from the ledger shows what explain on the files shows.
        let explainArguments = ["explain", "--policy", "policy.toml", "--registry", "registry.csv", "--year", "2025",
            "--vin", "LZYTEST0000000002"]
        let fromLedger = try runH2fleet(explainArguments + ["--ledger", "ledger"], in: folder.url)
        let fromFiles = try runH2fleet(explainArguments + paths, in: folder.url)
        #expect(fromLedger.status == 0 && fromLedger.stdout == fromFiles.stdout, "seed \(seed): \(fromLedger.stderr)")
        // The late file overlaps day 3: the report read archives again and still agrees.
        let again = try runH2fleet(["ingest", "--ledger", "ledger", "--policy", "policy.toml", "telemetry"], in: folder.url)
        #expect(again.stdout.contains("0 new, \(files.count) already ingested"))
    }

    @Test("--through DATE equals subsidy on the same files without the frames after DATE (SPEC 10.3)")
    func through() throws {
        var random = SplitMix(seed: 9)
        let files = Self.days(&random)
        let folder = Self.folder(files)
        defer { folder.remove() }
        let ingest = try runH2fleet(["ingest", "--ledger", "ledger", "--policy", "policy.toml", "telemetry"], in: folder.url)
        #expect(ingest.status == 0)
        // Through 2025-01-02: frames from 2025-01-03T00:00:00+08:00 (1735833600) on are left out.
        let cut = 1_735_833_600
        for file in files {
            let kept = file.rows.filter { row in
                let fields = row.split(separator: ",")
                return Int(fields[1]).map { $0 < cut } ?? true
            }
            folder.write("cut/\(file.name)", Self.header + kept.joined(separator: "\n") + "\n")
        }
        let expected = try subsidy(2025, files: ["cut"], in: folder, out: "s")
        let actual = try report(2025, through: "2025-01-02", in: folder, out: "r")
        let parse = { (text: String) in try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]) }
        let expectedReport = try parse(expected["report.json"]!)
        let actualReport = try parse(actual["report.json"]!)
        for key in ["vehicles", "operators", "totals"] {
            let left = try JSONSerialization.data(withJSONObject: expectedReport[key]!, options: [.sortedKeys])
            let right = try JSONSerialization.data(withJSONObject: actualReport[key]!, options: [.sortedKeys])
            #expect(left == right, "\(key)")
        }
        #expect(actual["vehicles.csv"] == expected["vehicles.csv"])
        #expect(actual["operators.csv"] == expected["operators.csv"])
        let period = try #require(actualReport["period"] as? [String: String])
        #expect(period == ["from": "2025-01-01", "through": "2025-01-02"])
        #expect(actual["report.json"]!.contains("\"year\": 2025,\n  \"period\": {"))
        // inputs are those of the full report.
        let full = try report(2025, in: folder, out: "full")
        #expect(try parse(full["report.json"]!)["inputs"] as? NSDictionary == actualReport["inputs"] as? NSDictionary)
        let table = try runH2fleet(
            ["report", "--ledger", "ledger", "--policy", "policy.toml", "--registry", "registry.csv", "--year", "2025",
             "--through", "2025-01-02"], in: folder.url)
        #expect(table.stdout.contains("year to date through 2025-01-02"))
        let outside = try runH2fleet(
            ["report", "--ledger", "ledger", "--policy", "policy.toml", "--registry", "registry.csv", "--year", "2025",
             "--through", "2024-12-31"], in: folder.url)
        #expect(outside.status == 2)
    }

    @Test("another telemetry policy is refused naming the field; a withdrawn source stops counting; damage is named")
    func refusalsAndWithdrawal() throws {
        var random = SplitMix(seed: 4)
        let files = Array(Self.days(&random).prefix(3))
        let folder = Self.folder(files)
        defer { folder.remove() }
        #expect(try runH2fleet(["ingest", "--ledger", "ledger", "--policy", "policy.toml", "telemetry"], in: folder.url).status == 0)
        folder.write("other.toml", Self.policy.replacingOccurrences(of: "max_speed_kmh = 120", with: "max_speed_kmh = 130"))
        let refused = try runH2fleet(["ingest", "--ledger", "ledger", "--policy", "other.toml", "telemetry"], in: folder.url)
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("telemetry.max_speed_kmh is 130, but the ledger ledger was made with 120"))
        // 1 equals 1.0: a policy that writes the same values differently is the same.
        folder.write("same.toml", Self.policy.replacingOccurrences(of: "fc_on_min_current_a = 1.0", with: "fc_on_min_current_a = 1"))
        #expect(try runH2fleet(["ingest", "--ledger", "ledger", "--policy", "same.toml", "telemetry"], in: folder.url).status == 0)

        // Withdrawing day 1's file: the report equals subsidy on the other two.
        let sha = try #require(
            try runProcess(URL(fileURLWithPath: "/usr/bin/sha256sum"), [folder.path("telemetry/day1.csv")]).stdout
                .split(separator: " ").first.map(String.init))
        // Withdrawing needs no policy (it judges no frame), and takes the SHA-256 in either case.
        let withdraw = try runH2fleet(["ingest", "--ledger", "ledger", "--withdraw", sha.uppercased()], in: folder.url)
        #expect(withdraw.status == 0, "\(withdraw.stderr)")
        let expected = try subsidy(2025, files: ["telemetry/day0.csv", "telemetry/day2.csv"], in: folder, out: "s")
        #expect(try report(2025, in: folder, out: "r") == expected)
        #expect(try runH2fleet(["ingest", "--ledger", "ledger", "--withdraw", sha], in: folder.url).status == 2)

        // An archive missing from archives/ is named, never wrong figures.
        let archive = folder.path("ledger/archives/\(sha.prefix(2))/\(sha)")
        #expect(FileManager.default.fileExists(atPath: archive))
        let other = try #require(
            try runProcess(URL(fileURLWithPath: "/usr/bin/sha256sum"), [folder.path("telemetry/day0.csv")]).stdout
                .split(separator: " ").first.map(String.init))
        try FileManager.default.removeItem(atPath: folder.path("ledger/archives/\(other.prefix(2))/\(other)"))
        let missing = try runH2fleet(
            ["report", "--ledger", "ledger", "--policy", "policy.toml", "--registry", "registry.csv", "--year", "2025"],
            in: folder.url)
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("the archive of telemetry/day0.csv is missing from the ledger"))
        // A failed file is recorded as failed and its bytes kept as evidence (SPEC 10.1, 10.2).
        folder.write("broken/cut.csv.zst", "not zstd at all")
        let failed = try runH2fleet(["ingest", "--ledger", "ledger", "--policy", "policy.toml", "broken"], in: folder.url)
        #expect(failed.status == 3 && failed.stdout.contains("failed: "))
        let brokenSHA = try #require(
            try runProcess(URL(fileURLWithPath: "/usr/bin/sha256sum"), [folder.path("broken/cut.csv.zst")]).stdout
                .split(separator: " ").first.map(String.init))
        #expect(FileManager.default.fileExists(atPath: folder.path("ledger/archives/\(brokenSHA.prefix(2))/\(brokenSHA)")))
        // A damaged database is named, never read as something else.
        let database = folder.path("ledger/ledger.sqlite")
        try? FileManager.default.removeItem(atPath: database + "-wal")
        try? FileManager.default.removeItem(atPath: database + "-shm")
        try Data(repeating: 0x41, count: 4096).write(to: URL(fileURLWithPath: database))
        let damaged = try runH2fleet(
            ["report", "--ledger", "ledger", "--policy", "policy.toml", "--registry", "registry.csv", "--year", "2025"],
            in: folder.url)
        #expect(damaged.status == 2)
        #expect(damaged.stderr.contains("cannot open the ledger database ledger/ledger.sqlite"))
        // Not a ledger at all.
        let none = try runH2fleet(
            ["report", "--ledger", "nowhere", "--registry", "registry.csv", "--policy", "policy.toml", "--year", "2025"],
            in: folder.url)
        #expect(none.status == 2 && none.stderr.contains("nowhere is not a ledger"))
    }

    @Test("an ingest killed at any moment leaves the ledger as if the files not committed were never given")
    func killed() throws {
        var random = SplitMix(seed: 77)
        let files = Self.days(&random)
        let folder = Self.folder(files)
        defer { folder.remove() }
        for trial in 0..<12 {
            let process = Process()
            process.executableURL = TestPaths.binary
            process.arguments = ["ingest", "--ledger", "ledger", "--policy", "policy.toml", "--threads", "1", "telemetry"]
            process.currentDirectoryURL = folder.url
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            usleep(UInt32(20_000 + Int(random.next() % 400_000)))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            // Whatever was committed reports consistently: a report runs (or there is no ledger yet).
            if FileManager.default.fileExists(atPath: folder.path("ledger/ledger.sqlite")) {
                let report = try runH2fleet(
                    ["report", "--ledger", "ledger", "--policy", "policy.toml", "--registry", "registry.csv", "--year", "2025",
                     "--format", "json"], in: folder.url)
                #expect(report.status == 0, "trial \(trial): \(report.stderr)")
            }
        }
        // A copy left the old way (before archives/incoming/) by a process that is gone.
        folder.write("ledger/archives/ab/abcdef.tmp-2147483646", "partial bytes")
        let finish = try runH2fleet(["ingest", "--ledger", "ledger", "--policy", "policy.toml", "telemetry"], in: folder.url)
        #expect(!FileManager.default.fileExists(atPath: folder.path("ledger/archives/ab/abcdef.tmp-2147483646")))
        #expect(finish.status == 0)
        let expected = try subsidy(2025, files: ["telemetry"], in: folder, out: "s")
        #expect(try report(2025, in: folder, out: "r") == expected)
        // No copy is left behind once a later command has run, and only whole archives are kept.
        let kept = FileManager.default.enumerator(atPath: folder.path("ledger/archives"))?.allObjects
            .compactMap { $0 as? String } ?? []
        #expect(!kept.isEmpty && kept.allSatisfy { !$0.hasPrefix("incoming/") })
        for name in kept where name.count == 67 {  // ab/<64 hex digits>: an archive under its SHA-256
            let digest = try runProcess(URL(fileURLWithPath: "/usr/bin/sha256sum"), [folder.path("ledger/archives/" + name)])
            #expect(digest.stdout.hasPrefix(String(name.dropFirst(3))), "\(name) is not whole")
        }
    }
}
