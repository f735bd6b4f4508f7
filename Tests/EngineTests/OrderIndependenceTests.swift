import Archives
@testable import Engine
import Foundation
import Reports
import Rules
import Synchronization
import TestSupport
import Testing

/// Telemetry rows for a few vehicles with the faults SPEC 3 handles: gaps, spikes, rollbacks,
/// duplicates (exact and conflicting), fuel cell off, malformed rows.
func fleetRows(seed: UInt64) -> [String] {
    var random = SplitMix(seed: seed)
    var rows: [String] = []
    let start = 1_740_787_200  // 2025-03-01T08:00:00+08:00
    for vehicle in 1...6 {
        let vin = "LZYTEST000000000\(vehicle)"
        var odometer = 1000 * vehicle * 10
        var ts = start
        for _ in 0..<300 {
            ts += 10 + Int(random.next() % 5)
            if random.next() % 50 == 0 { ts += 400 }  // gap
            odometer += Int(random.next() % 4)
            let current = random.next() % 8 == 0 ? "0.5" : "\(20 + random.next() % 100).\(random.next() % 10)"
            var shownOdometer = odometer
            if random.next() % 97 == 0 { shownOdometer += 5000 }  // spike
            if random.next() % 131 == 0 { shownOdometer = 0 }  // reset
            let row = "\(vin),\(ts),\(shownOdometer / 10).\(shownOdometer % 10),\(current)"
            rows.append(row)
            if random.next() % 40 == 0 { rows.append(row) }  // exact duplicate
            if random.next() % 60 == 0 { rows.append("\(vin),\(ts),\(shownOdometer / 10 + 1).0,\(current)") }
        }
    }
    rows.append("LZYTEST0000000001,not-a-time,1.0,1.0")
    rows.append("LZYTEST000000000O,1740787300,1.0,1.0")
    return rows
}

/// The civil date and time of `epoch` in a zone `offset` seconds east of UTC (the test's own
/// arithmetic, days from civil inverted, so that no product code writes the inputs).
func civil(_ epoch: Int, offset: Int) -> (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) {
    let local = epoch + offset
    let secondOfDay = ((local % 86400) + 86400) % 86400
    let z = (local - secondOfDay) / 86400 + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let doe = z - era * 146_097
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let day = doy - (153 * mp + 2) / 5 + 1
    let month = mp < 10 ? mp + 3 : mp - 9
    let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
    return (year, month, day, secondOfDay / 3600, secondOfDay / 60 % 60, secondOfDay % 60)
}

/// Telemetry rows with every fault SPEC 2 and 3 handle, and what was made, by kind.
struct HostileFleet {
    var rows: [String] = []
    var made: [String: Int] = [:]
}

/// Seeded rows for six vehicles around the report year's edges in the policy's zone (+08:00):
/// one crossing into 2025 and one out of it, one crossing a day that differs from UTC's, one
/// wholly in 2024 and two inside the year (one unregistered). Every timestamp form the decoder
/// takes (epoch seconds and milliseconds, RFC 3339 with `Z` or an offset, local without one,
/// space for `T`, fractions, the spreadsheet form), odometer and current texts that round (SPEC 1); gaps, overspeed, lasting
/// rollbacks, one-frame glitches (outliers), fuel cell off or not reported; exact duplicates
/// (often in another text form), conflicting ones by odometer and by current only across the
/// fuel-cell threshold; rejected rows.
func hostileFleet(seed: UInt64) -> HostileFleet {
    var random = SplitMix(seed: seed)
    var fleet = HostileFleet()
    func roll(_ sides: UInt64) -> Int { Int(random.next() % sides) }
    func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }

    func timeText(_ ts: Int) -> String {
        if roll(6) == 0 {
            fleet.made["ts epoch", default: 0] += 1
            return String(ts)
        }
        if roll(8) == 0 {
            // Epoch milliseconds: exactly 13 digits, the milliseconds dropped (SPEC 2.1).
            fleet.made["ts epoch milliseconds", default: 0] += 1
            return String(ts) + String(100 + roll(900))
        }
        if roll(7) == 0 {
            // The spreadsheet form, local time in the policy's zone: `Y/M/D H:MM[:SS]`, month,
            // day and hour in one or two digits, seconds absent when they are 00 (SPEC 2.1).
            fleet.made["ts spreadsheet", default: 0] += 1
            let t = civil(ts, offset: 8 * 3600)
            let short = { (value: Int) in roll(2) == 0 ? String(value) : two(value) }
            let seconds = t.second == 0 && roll(2) == 0 ? "" : ":\(two(t.second))"
            return "\(t.year)/\(short(t.month))/\(short(t.day)) \(short(t.hour)):\(two(t.minute))\(seconds)"
        }
        let zones: [(String, Int)] = [
            ("Z", 0), ("+08:00", 8 * 3600), ("", 8 * 3600), ("-05:30", -19800), ("+05:45", 20700),
            ("+13:00", 46800), ("-11:00", -39600), ("+00:00", 0),
        ]
        let (zone, offset) = zones[roll(UInt64(zones.count))]
        fleet.made["ts zone '\(zone)'", default: 0] += 1
        let t = civil(ts, offset: offset)
        let separator = roll(3) == 0 ? " " : "T"
        fleet.made["ts separator '\(separator)'", default: 0] += 1
        var fraction = ""
        if roll(3) == 0 {
            fraction = "." + (0..<(1 + roll(9))).map { _ in String(roll(10)) }.joined()
            fleet.made["ts fraction", default: 0] += 1
        }
        return "\(t.year)-\(two(t.month))-\(two(t.day))\(separator)\(two(t.hour)):\(two(t.minute)):\(two(t.second))"
            + fraction + zone
    }
    // Tenths as `digits[.digits]`, sometimes with a second decimal that rounds back (SPEC 1).
    func tenthsText(_ tenths: Int) -> String {
        switch roll(5) {
        case 0 where tenths > 0:
            fleet.made["decimal rounds up", default: 0] += 1
            return "\((tenths - 1) / 10).\((tenths - 1) % 10)5"
        case 1:
            fleet.made["decimal rounds down", default: 0] += 1
            return "\(tenths / 10).\(tenths % 10)4"
        case 2 where tenths % 10 == 0: return "\(tenths / 10)"
        default: return "\(tenths / 10).\(tenths % 10)"
        }
    }
    func row(_ vin: String, _ ts: Int, _ odometer: Int, _ current: Int) -> String {
        let currentText = current == 0 && roll(2) == 0 ? "" : tenthsText(current)
        return "\(vin),\(timeText(ts)),\(tenthsText(odometer)),\(currentText)"
    }

    let newYear2025 = 1_735_660_800  // 2025-01-01T00:00:00+08:00
    let newYear2026 = 1_767_196_800  // 2026-01-01T00:00:00+08:00
    let july = 1_751_299_200  // 2025-07-01T00:00:00+08:00, 2025-06-30T16:00:00Z
    let starts = [
        newYear2025 - 1200, newYear2026 - 1500, july - 900, 1_719_763_200 /* 2024-07-01 */, 1_740_787_200,
        1_760_457_600 - 600, 1_741_000_000,
    ]
    for (index, start) in starts.enumerated() {
        let vin = "LZYTEST000000000\(index + 1)"
        var odometer = 10_000 + 5000 * index
        var ts = start
        for _ in 0..<220 {
            ts += 5 + roll(25)
            if roll(40) == 0 {
                ts += 301 + roll(3000)
                fleet.made["gap", default: 0] += 1
            }
            var shown = odometer
            switch roll(24) {
            case 0:
                odometer -= 1 + roll(50)  // a rollback that lasts
                shown = odometer
                fleet.made["rollback", default: 0] += 1
            case 1:
                odometer += 500
                shown = odometer
                fleet.made["overspeed", default: 0] += 1
            case 2:
                shown = [0, odometer + 3000, odometer - 40][roll(3)]  // one frame out of line
                fleet.made["glitch", default: 0] += 1
            default:
                odometer += roll(4)
                shown = odometer
            }
            let current = roll(8) == 0 ? [0, 5, 9][roll(3)] : 10 + roll(1000)
            fleet.rows.append(row(vin, ts, shown, current))
            if roll(20) == 0 {
                fleet.rows.append(row(vin, ts, shown, current))  // the same frame, likely in other words
                fleet.made["exact duplicate", default: 0] += 1
            }
            if roll(25) == 0 {
                fleet.rows.append(row(vin, ts, max(0, shown + [-2, -1, 1, 3][roll(4)]), current))
                fleet.made["odometer conflict", default: 0] += 1
            }
            if roll(25) == 0 {
                fleet.rows.append(row(vin, ts, shown, current >= 10 ? 5 : 10 + roll(1000)))
                fleet.made["current-only conflict", default: 0] += 1
            }
        }
    }
    fleet.rows += [
        "LZYTEST0000000001,not-a-time,1.0,1.0", "LZYTEST000000000O,1740787300,1.0,1.0",
        "LZYTEST0000000002,2025-02-29T10:00:00+08:00,1.0,1.0", "LZYTEST0000000003,1740787300,1e3,1.0",
        "LZYTEST0000000004,1740787300,10000000.0,1.0", "LZYTEST0000000005,1740787300,1.0",
    ]
    return fleet
}

/// Whole numbers from a parsed report: a figure summed over `vehicles`, or an input count.
func reportFigure(_ report: [String: Any], vehicles key: String) -> Double {
    ((report["vehicles"] as? [[String: Any]]) ?? []).reduce(0) { $0 + (($1[key] as? NSNumber)?.doubleValue ?? 0) }
}

func reportInput(_ report: [String: Any], _ key: String) -> Int {
    ((report["inputs"] as? [String: Any])?[key] as? NSNumber)?.intValue ?? 0
}

let registryText = """
    vin,operator,class
    LZYTEST0000000001,OP1,heavy_truck
    LZYTEST0000000002,OP1,bus
    LZYTEST0000000003,OP2,sanitation
    LZYTEST0000000004,OP2,cold_chain
    LZYTEST0000000005,OP3,light_truck

    """

/// Runs the pipeline over `inputs` with `policy` (built-in by default) and the test registry.
func runReport(_ inputs: [String], policy: Policy = .builtIn, settings: RunSettings) throws -> Report {
    let registry = try Registry(
        bytes: Array(registryText.utf8), file: "registry.csv", classes: Set(policy.classes.map(\.id)))
    let files = try InputDiscovery.files(for: inputs)
    return SubsidyRun.compute(
        files: files, policy: policy, policySHA256: "test", registry: registry, year: 2025, settings: settings)
}

/// Runs the pipeline over a folder and returns the report JSON.
func reportJSON(
    _ inputs: [String], threads: Int, memoryLimit: Int = 1 << 30, chunkFrames: Int = 1 << 20,
    spillDirectory: String? = nil
) throws -> String {
    var policy = Policy.builtIn
    policy.operatorMinAverageKm = 1
    let settings = RunSettings(
        threads: threads, memoryLimit: memoryLimit, chunkFrames: chunkFrames, spillDirectory: spillDirectory)
    return try runReport(inputs, policy: policy, settings: settings).json()
}

/// Writes `rows` in turn into `count` CSV files named `prefix0.csv`, `prefix1.csv`, … in
/// `folder`; returns their paths.
@discardableResult
func writeParts(_ rows: [String], count: Int, prefix: String, in folder: TemporaryFolder) -> [String] {
    (0..<count).map { part in
        let slice = rows.enumerated().filter { $0.offset % count == part }.map(\.element)
        return folder.write("\(prefix)\(part).csv", "vin,ts,odometer_km,fc_current_a\n" + slice.joined(separator: "\n"))
    }
}

/// The part of a report that must not depend on how the telemetry is laid out in files.
func figuresPart(_ json: String) throws -> String {
    let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    let inputs = try #require(object["inputs"] as? [String: Any])
    let kept: [String: Any] = [
        "vehicles": object["vehicles"] ?? [], "operators": object["operators"] ?? [], "totals": object["totals"] ?? [:],
        "frames": inputs["frames"] ?? 0, "rejected_rows": inputs["rejected_rows"] ?? 0,
        "exact_duplicates": inputs["exact_duplicates"] ?? 0,
        "conflicting_duplicates": inputs["conflicting_duplicates"] ?? 0,
        "rejections_by_reason": inputs["rejections_by_reason"] ?? [:],
    ]
    return String(decoding: try JSONSerialization.data(withJSONObject: kept, options: [.sortedKeys]), as: UTF8.self)
}

@Suite("Order independence (SPEC 3.1, 7)")
struct OrderIndependenceTests {
    let header = "vin,ts,odometer_km,fc_current_a\n"

    // SPEC 3.1: "the result must not depend on the order of files, the order of lines, how
    // frames are split across files, or the number of threads". The reference (one file, one
    // thread) is first checked to hold every fault the property is about, so a change to the
    // generator cannot quietly weaken it.
    @Test("shuffled lines and re-split files give the same figures", arguments: [1, 2] as [UInt64])
    func shuffledAndResplit(_ seed: UInt64) throws {
        let fleet = hostileFleet(seed: seed)
        let rows = fleet.rows
        let kinds = [
            "ts epoch", "ts epoch milliseconds", "ts spreadsheet", "ts zone 'Z'", "ts zone '+08:00'", "ts zone ''",
            "ts zone '-05:30'", "ts zone '+05:45'",
            "ts separator ' '", "ts separator 'T'", "ts fraction", "decimal rounds up", "decimal rounds down", "gap",
            "rollback", "overspeed", "glitch", "exact duplicate", "odometer conflict", "current-only conflict",
        ]
        for kind in kinds {
            #expect(fleet.made[kind, default: 0] > 0, "seed \(seed): the generator made no \(kind)")
        }
        let reference = TemporaryFolder()
        defer { reference.remove() }
        reference.write("all.csv", header + rows.joined(separator: "\n") + "\n")
        let referenceJSON = try reportJSON([reference.url.path], threads: 1)
        let report = try #require(
            try JSONSerialization.jsonObject(with: Data(referenceJSON.utf8)) as? [String: Any], "seed \(seed)")
        // Duplicates of both kinds, in the input and in the year's vehicles.
        #expect(reportInput(report, "exact_duplicates") > 0, "seed \(seed)")
        #expect(reportInput(report, "conflicting_duplicates") > 0, "seed \(seed)")
        for key in [
            "exact_duplicates", "conflicting_duplicates", "odometer_rollbacks", "odometer_outliers", "gap_km",
            "overspeed_km", "suspect_km", "battery_km", "hydrogen_km",
        ] {
            #expect(reportFigure(report, vehicles: key) > 0, "seed \(seed): no \(key) in the reference")
        }
        // Rejected rows, each counted under its reason.
        let reasons = (report["inputs"] as? [String: Any])?["rejections_by_reason"] as? [String: Any] ?? [:]
        let counts = reasons.mapValues { ($0 as? NSNumber)?.intValue ?? -1 }
        #expect(
            counts.filter { $0.value != 0 }
                == ["bad_ts": 2, "bad_vin": 1, "bad_odometer": 2, "wrong_field_count": 1], "seed \(seed)")
        // Frames outside the year: read and kept, but in no vehicle's figures.
        let keptAllYears =
            reportInput(report, "frames") - reportInput(report, "exact_duplicates")
            - reportInput(report, "conflicting_duplicates")
        #expect(keptAllYears > Int(reportFigure(report, vehicles: "frames")) + 200, "seed \(seed)")
        // The year's edges and a day's edge in the policy's zone.
        let vehicles = report["vehicles"] as? [[String: Any]] ?? []
        func text(_ vin: String, _ key: String) -> String? {
            vehicles.first { $0["vin"] as? String == vin }?[key] as? String
        }
        #expect(text("LZYTEST0000000001", "first_ts")?.hasPrefix("2025-01-01T") == true, "seed \(seed)")
        #expect(text("LZYTEST0000000002", "last_ts")?.hasPrefix("2025-12-31T") == true, "seed \(seed)")
        #expect(text("LZYTEST0000000003", "first_ts")?.hasPrefix("2025-06-30T23:") == true, "seed \(seed)")
        #expect(text("LZYTEST0000000003", "last_ts")?.hasPrefix("2025-07-01T") == true, "seed \(seed)")
        #expect(text("LZYTEST0000000004", "first_ts") == nil, "seed \(seed): wholly in 2024")
        #expect(text("LZYTEST0000000007", "status") == "unregistered", "seed \(seed)")
        let expected = try figuresPart(referenceJSON)

        var random = SplitMix(seed: 99 &+ seed)
        for trial in 0..<4 {
            let folder = TemporaryFolder()
            defer { folder.remove() }
            let shuffled = rows.shuffled(using: &random)
            let parts = 1 + trial * 3
            for part in 0..<parts {
                let slice = shuffled.enumerated().filter { $0.offset % parts == part }.map(\.element)
                let text = header + slice.joined(separator: trial % 2 == 0 ? "\n" : "\r\n")
                if part % 2 == 1 {
                    folder.write("d\(part)/p\(part).csv.zst", bytes: try zstdCompress(Array(text.utf8)))
                } else {
                    folder.write("p\(part).csv", text)
                }
            }
            let actual = try figuresPart(try reportJSON([folder.url.path], threads: 1 + trial % 2))
            #expect(actual == expected, "seed \(seed), trial \(trial) with \(parts) files")
        }
    }

    // Files that follow each other in time join by segments, without merging frames: a worker
    // meets the same vehicles in another order in each file (decoders number VINs per file).
    @Test("consecutive files that meet the vehicles in other orders give the figures of one file")
    func vehicleOrderPerFile() throws {
        let rows = fleetRows(seed: 7)
        let reference = TemporaryFolder()
        defer { reference.remove() }
        reference.write("all.csv", header + rows.joined(separator: "\n") + "\n")
        let expected = try figuresPart(try reportJSON([reference.url.path], threads: 1))
        let folder = TemporaryFolder()
        defer { folder.remove() }
        let middle = 1_740_787_200 + 1500
        func time(_ row: String) -> Int { Int(row.split(separator: ",")[1]) ?? 0 }
        let early = rows.filter { time($0) < middle }
        let late = rows.filter { time($0) >= middle }
        for (name, part) in [("a.csv", early), ("b.csv", Array(late.reversed()))] {
            folder.write(name, header + part.joined(separator: "\n") + "\n")
        }
        #expect(!early.isEmpty && !late.isEmpty)
        #expect(try figuresPart(try reportJSON([folder.url.path], threads: 1)) == expected)
    }

    // A tiny memory limit makes the run join neighbouring segments as files come in; late rows
    // that then fall inside a joined stretch make their vehicle merged exactly.
    @Test("a memory limit that keeps few segments does not change the report", arguments: [false, true])
    func fewSegments(_ withLateRows: Bool) throws {
        let rows = fleetRows(seed: 11)
        let folder = TemporaryFolder()
        defer { folder.remove() }
        func time(_ row: String) -> Int { Int(row.split(separator: ",")[1]) ?? 0 }
        func isLate(_ row: String) -> Bool { withLateRows && row.hasSuffix("0") }
        // Twelve files of consecutive stretches of time (and perhaps one of late rows).
        let start = 1_740_787_200
        for part in 0..<12 {
            let slice = rows.filter { min(max(time($0) - start, 0) / 600, 11) == part && !isLate($0) }
            folder.write("p\(part).csv", header + slice.joined(separator: "\n") + "\n")
        }
        folder.write("late.csv", header + rows.filter(isLate).joined(separator: "\n") + "\n")
        let reference = try reportJSON([folder.url.path], threads: 1)
        for threads in [1, 2] {
            #expect(try reportJSON([folder.url.path], threads: threads, memoryLimit: 4 * 512 * 3) == reference)
        }
    }

    // Small chunks make many segments per file (joined, or overlapping and merged frame by frame);
    // a small memory budget merges overlapping vehicles in several passes.
    @Test(
        "chunk size and memory budget do not change the report",
        arguments: [
            (3, 1 << 30), (50, 1 << 30), (1 << 20, 32 * 500), (7, 32 * 100),
        ])
    func chunksAndBudget(_ chunkFrames: Int, _ memoryLimit: Int) throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        var random = SplitMix(seed: 5)
        let rows = fleetRows(seed: 3)
        // Late data: a tenth of the rows moved to another file, out of time order.
        var late: [String] = []
        var onTime: [String] = []
        for row in rows { if random.next() % 10 == 0 { late.append(row) } else { onTime.append(row) } }
        folder.write("a.csv", header + onTime.joined(separator: "\n"))
        folder.write("b.csv", header + late.shuffled(using: &random).joined(separator: "\n"))
        let reference = try reportJSON([folder.url.path], threads: 1, chunkFrames: 1 << 30)
        let actual = try reportJSON([folder.url.path], threads: 2, memoryLimit: memoryLimit, chunkFrames: chunkFrames)
        #expect(actual == reference)
        // On-time data alone: chunk segments join without merging frames.
        let onTimeFile = folder.path("a.csv")
        let onTimeReference = try reportJSON([onTimeFile], threads: 1, chunkFrames: 1 << 30)
        let onTimeChunked = try reportJSON([onTimeFile], threads: 2, memoryLimit: memoryLimit, chunkFrames: chunkFrames)
        #expect(onTimeChunked == onTimeReference)
    }

    @Test("thread count and argument order give a byte-identical report", arguments: [1, 2, 7])
    func threadsAndOrder(_ threads: Int) throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        let paths = writeParts(fleetRows(seed: 2), count: 5, prefix: "f", in: folder)
        let reference = try reportJSON(paths, threads: 1)
        #expect(try reportJSON(paths, threads: threads) == reference)
        #expect(try reportJSON(paths.reversed(), threads: threads) == reference)
    }
}

@Suite("Progress")
struct ProgressTests {
    @Test("progress reaches every file, byte and frame")
    func reachesTheEnd() throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        writeParts(fleetRows(seed: 4), count: 4, prefix: "p", in: folder)
        let seen = Mutex([Engine.Progress]())
        let report = try runReport(
            [folder.url.path],
            settings: RunSettings(threads: 2, progress: { progress in seen.withLock { $0.append(progress) } }))
        // (The files interleave the vehicles' rows, so a merging stage follows; see below.)
        let snapshots = seen.withLock { $0 }.filter { $0.stage == .reading }
        #expect(snapshots.count == 4)
        let last = try #require(snapshots.max { $0.filesDone < $1.filesDone })
        #expect(last.filesDone == 4 && last.files == 4)
        #expect(last.bytesDone == last.bytes && last.bytes == report.files.reduce(0) { $0 + $1.bytes })
        #expect(last.frames == report.frames)
    }
}

extension ProgressTests {
    // Target 6 of the speed issue: reading files again to merge overlapping data is a stage of
    // its own, so a long merge does not sit behind a finished bar.
    @Test("reading files again to merge overlapping data reports its own stage", arguments: [1 << 30, 32 * 100])
    func mergingStage(_ memoryLimit: Int) throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        var random = SplitMix(seed: 6)
        writeParts(fleetRows(seed: 4).shuffled(using: &random), count: 3, prefix: "s", in: folder)
        let seen = Mutex([Engine.Progress]())
        _ = try runReport(
            [folder.url.path],
            settings: RunSettings(
                threads: 2, memoryLimit: memoryLimit, spillDirectory: folder.url.path,
                progress: { progress in seen.withLock { $0.append(progress) } }))
        let snapshots = seen.withLock { $0 }
        let reading = snapshots.filter { $0.stage == .reading }
        let merging = snapshots.filter { $0.stage == .merging }
        #expect(reading.count == 3 && merging.count >= 3)
        // Every reading snapshot comes before the first merging one.
        #expect(snapshots.prefix(3).allSatisfy { $0.stage == .reading })
        let last = try #require(merging.max { $0.filesDone < $1.filesDone })
        #expect(last.filesDone == 3 && last.files == 3 && last.bytesDone == last.bytes)
    }
}

@Suite("Archives (SPEC 2.2)")
struct ArchiveTests {
    struct Collect: ByteSink {
        var bytes: [UInt8] = []
        mutating func consume(_ piece: UnsafeRawBufferPointer) { bytes += piece }
    }

    func read(_ path: String) throws(ArchiveError) -> [UInt8] {
        var reader = ArchiveReader(blockSize: 4096)
        var sink = Collect()
        let (_, error) = reader.read(InputFile(path: path, fileSystemPath: path), into: &sink)
        if let error { throw error }
        return sink.bytes
    }

    @Test("multi-frame zstd files are read whole, in small blocks")
    func multiFrame() throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        let first = (0..<20000).map { UInt8(truncatingIfNeeded: $0 * 7) }
        let second = Array("second frame\n".utf8)
        let path = folder.write("m.csv.zst", bytes: try zstdCompress(first) + zstdCompress(second))
        #expect(try read(path) == first + second)
    }

    // Property: reading an archive whole and decompressing it in one call gives what streaming
    // it gives, whatever came before in the same reader (its buffers only grow).
    @Test("small archives read whole give the bytes, sizes, checksums and errors of streaming")
    func wholeAndStreamed() throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        let large = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 9) }
        let small = Array("vin,ts,odometer_km,fc_current_a\n".utf8)
        let compressedLarge = try zstdCompress(large)
        var corrupt = compressedLarge
        corrupt[corrupt.count / 2] ^= 0xFF
        let archives: [[UInt8]] = [
            compressedLarge, try zstdCompress(small) + zstdCompress(large), try zstdCompress(small),
            Array(compressedLarge.prefix(compressedLarge.count / 2)), corrupt, [], Array("not zstd".utf8),
            try zstdCompress([]),
        ]
        let paths = archives.enumerated().map { folder.write("a\($0.offset).csv.zst", bytes: $0.element) }
        var whole = ArchiveReader()
        var streamed = ArchiveReader(blockSize: 4096, wholeFileLimit: 0)
        for path in paths {
            let file = InputFile(path: path, fileSystemPath: path)
            var wholeSink = Collect()
            var streamedSink = Collect()
            let (wholeStored, wholeError) = whole.read(file, into: &wholeSink)
            let (streamedStored, streamedError) = streamed.read(file, into: &streamedSink)
            #expect(wholeStored == streamedStored, "\(path)")
            #expect(wholeError?.message == streamedError?.message, "\(path)")
            if wholeError == nil { #expect(sha256Hex(wholeSink.bytes) == sha256Hex(streamedSink.bytes), "\(path)") }
        }
    }

    // Property: read ahead on a helper thread, in small blocks decompressed in place (or copied,
    // for plain files and archives read whole), a file's bytes arrive whole and in order.
    @Test("read-ahead blocks give the file's bytes, size, checksum and error", arguments: [0, 8 << 20])
    func readAhead(_ wholeFileLimit: Int) throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        let content = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) }
        let compressed = try zstdCompress(content)
        let paths = [
            folder.write("a.csv.zst", bytes: compressed), folder.write("b.csv", bytes: content),
            folder.write("c.csv.zst", bytes: Array(compressed.prefix(compressed.count * 2 / 3))),
            folder.write("d.csv.zst", bytes: []),
            folder.write("e.csv.gz", bytes: try gzipCompress(content)),
            folder.write("f.csv.gz", bytes: try gzipCompress(Array(content[..<1000])) + gzipCompress(content)),
        ]
        for path in paths {
            let file = InputFile(path: path, fileSystemPath: path)
            var direct = ArchiveReader(blockSize: 4096, wholeFileLimit: 0)
            var expected = Collect()
            let (expectedStored, expectedError) = direct.read(file, into: &expected)
            var collected = Collect()
            let (stored, error) = ReadAhead.read(
                file, into: &collected, blockSize: 4096, depth: 2, wholeFileLimit: wholeFileLimit)
            #expect(stored == expectedStored, "\(path)")
            #expect(error?.message == expectedError?.message, "\(path)")
            // Digests, not the bytes: a failure message with 200,000 bytes takes minutes to print.
            if error == nil { #expect(sha256Hex(collected.bytes) == sha256Hex(expected.bytes), "\(path)") }
        }
    }

    @Test("a truncated zstd file fails; a corrupt one fails; an empty one holds nothing")
    func failures() throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        let whole = try zstdCompress((0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        let truncated = folder.write("t.csv.zst", bytes: Array(whole.prefix(whole.count / 2)))
        #expect(throws: ArchiveError.self) { try read(truncated) }
        let corrupt = folder.write("c.csv.zst", bytes: Array("definitely not zstd".utf8))
        #expect(throws: ArchiveError.self) { try read(corrupt) }
        let empty = folder.write("e.csv.zst", bytes: [])
        #expect(try read(empty).isEmpty)
    }

    @Test("a corrupt archive still has the size and SHA-256 of the whole file as stored")
    func checksumOfFailedFile() throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        var bytes = try zstdCompress((0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 131) })
        bytes[bytes.count / 3] ^= 0xFF
        bytes[bytes.count / 3 + 1] ^= 0xFF
        let path = folder.write("c.csv.zst", bytes: bytes)
        var reader = ArchiveReader(blockSize: 4096)
        var sink = Collect()
        let (stored, error) = reader.read(InputFile(path: path, fileSystemPath: path), into: &sink)
        #expect(error != nil)
        #expect(stored?.bytes == Int64(bytes.count))
        #expect(stored?.sha256 == sha256Hex(bytes))
    }

    @Test("directories: recursive, sorted, telemetry names only, no dot-names, links to directories not followed")
    func discovery() throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        for name in [
            "b.csv", "a.csv.zst", "c.gbt32960", "d.gbt32960.hex.zst", "x.txt", "X.CSV", ".h.csv", "sub/z.csv",
            ".hid/y.csv",
        ] {
            folder.write(name, "")
        }
        try FileManager.default.createSymbolicLink(atPath: folder.path("loop"), withDestinationPath: folder.url.path)
        try FileManager.default.createSymbolicLink(
            atPath: folder.path("link.csv"), withDestinationPath: folder.path("b.csv"))
        let files = try InputDiscovery.files(for: [folder.url.path + "/", folder.path("x.txt"), folder.path("x.txt")])
        let root = folder.url.path
        // Names in any case (h2-mileage/2): X.CSV is read, and sorts first.
        #expect(
            files.map(\.path) == [
                root + "/X.CSV", root + "/a.csv.zst", root + "/b.csv", root + "/c.gbt32960",
                root + "/d.gbt32960.hex.zst",
                root + "/link.csv", root + "/sub/z.csv", root + "/x.txt",
            ])
        #expect(files.map(\.format.reportName) == ["csv", "csv", "csv", "gbt32960", "gbt32960", "csv", "csv", "csv"])
        #expect(throws: ArchiveError.self) { try InputDiscovery.files(for: [folder.path("missing")]) }
    }
}

@Suite("Captures and CSV agree (SPEC 9)")
struct CaptureAgreementTests {
    /// CSV rows of the fleet, and the same frames as GB/T 32960 captures.
    func captureBytes(of rows: [String], revision2025: Bool) -> [UInt8] {
        var bytes: [UInt8] = CaptureBytes.frame(revision2025: revision2025, command: 0x01, data: CaptureBytes.time())
        for row in rows {
            let fields = row.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 4, let epoch = Int(fields[1]), Array(fields[0].utf8).count == 17,
                !fields[0].contains("O")
            else { continue }
            // The frame time in UTC+08:00, by the test's own civil-date arithmetic.
            let t = civil(epoch, offset: 8 * 3600)
            let time: [UInt8] = [
                UInt8(t.year - 2000), UInt8(t.month), UInt8(t.day), UInt8(t.hour), UInt8(t.minute), UInt8(t.second),
            ]
            let odometer = UInt32((Double(fields[2])! * 10).rounded())
            let current = UInt16((Double(fields[3])! * 10).rounded())
            let blocks =
                revision2025
                ? CaptureBytes.vehicle(odometer, revision2025: true) + CaptureBytes.stacks2025([current])
                : CaptureBytes.vehicle(odometer) + CaptureBytes.fuelCell2016(current: current)
            bytes += CaptureBytes.frame(revision2025: revision2025, vin: Array(fields[0].utf8), data: time + blocks)
            bytes += [0x00, 0x23]  // noise between frames
        }
        return bytes
    }

    @Test("the same telemetry as CSV, 2016 binary, 2025 binary and hex gives the same figures")
    func agree() throws {
        let rows = fleetRows(seed: 8).filter { !$0.contains("not-a-time") && !$0.contains("00000000O") }
        let csv = TemporaryFolder()
        let binary2016 = TemporaryFolder()
        let binary2025 = TemporaryFolder()
        let hex = TemporaryFolder()
        defer { [csv, binary2016, binary2025, hex].forEach { $0.remove() } }
        csv.write("a.csv", "vin,ts,odometer_km,fc_current_a\n" + rows.joined(separator: "\n"))
        binary2016.write("a.gbt32960", bytes: captureBytes(of: rows, revision2025: false))
        let capture2025 = captureBytes(of: rows, revision2025: true)
        binary2025.write("a.gbt32960.zst", bytes: try zstdCompress(capture2025))
        let hexText = stride(from: 0, to: capture2025.count, by: 32).map { start in
            capture2025[start..<min(start + 32, capture2025.count)].map { byte in
                (byte < 16 ? "0" : "") + String(byte, radix: 16)
            }.joined(separator: " ")
        }.joined(separator: "\n")
        hex.write("a.gbt32960.hex", "# 2025 capture\n" + hexText + "\n")
        let expected = try vehiclesPart(try reportJSON([csv.url.path], threads: 2))
        #expect(expected.contains("hydrogen_km"))
        for folder in [binary2016, binary2025, hex] {
            #expect(try vehiclesPart(try reportJSON([folder.url.path], threads: 2)) == expected)
        }
    }

    func vehiclesPart(_ json: String) throws -> String {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let kept: [String: Any] = ["vehicles": object["vehicles"] ?? [], "operators": object["operators"] ?? []]
        return String(decoding: try JSONSerialization.data(withJSONObject: kept, options: [.sortedKeys]), as: UTF8.self)
    }
}
