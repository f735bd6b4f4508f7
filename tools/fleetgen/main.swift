// fleetgen: a deterministic synthetic fuel-cell fleet for h2fleet's benchmarks, tests and demos.
//
// The same options give the same files. See `fleetgen --help`.
import Foundation
import Frames

struct Options {
    var out = "fleet"
    var seed: UInt64 = 1
    var operators = 3
    var vehiclesPerClass = 4
    var days = 30
    var start = "2025-03-01"
    var interval = 10
    var hoursPerDay = 7.5
    var gapRate = 0.002
    var spikeRate = 0.0005
    var duplicateRate = 0.01
    var conflictRate = 0.002
    var badRowRate = 0.0002
    var fuelCellOffRate = 0.05
    var layout = "operator-day"
    var shuffle = "local"
    var zstdLevel = 3
    var timestamps = "mixed"
    var format = "csv"
    var revision = 2016
    var hex = false
    var noise = false
    var vehiclesPerFile = 0
    var order = "interleaved"
    var odometerDigits = 0...0
    var currentDecimals = 1...1
    var vinAlphabet = "mixed"

    static let help = """
        fleetgen — writes a synthetic fuel-cell fleet: registry.csv and telemetry/ as .csv.zst.

        Usage: fleetgen [options]
          --out DIR               output folder (default fleet); registry.csv and telemetry/ go there
          --seed N                random seed (default 1): the same options give the same files
          --operators N           operators (default 3)
          --vehicles-per-class N  vehicles per class and operator... spread: N of each of the five
                                  classes in total (default 4)
          --days N                days of telemetry (default 30), from --start (default 2025-03-01)
          --interval S            seconds between reports while driving (default 10)
          --hours H               driving hours per vehicle per day (default 7.5)
          --gap-rate R            chance per frame of a signal gap of 6-20 min (default 0.002)
          --spike-rate R          chance per frame of an odometer spike, dip or reset (default 0.0005)
          --duplicate-rate R      chance per frame of an exact re-send (default 0.01)
          --conflict-rate R       chance per frame of a conflicting duplicate (default 0.002)
          --bad-row-rate R        chance per frame of a malformed row (default 0.0002)
          --fuel-cell-off-rate R  chance per trip of starting on battery (default 0.05)
          --layout L              operator-day (one file per operator per day), vehicle (one file
                                  per vehicle), single (one file) (default operator-day)
          --shuffle S             none, local (neighbouring lines swapped; default) or full (all
                                  lines shuffled across all files: the worst case)
          --timestamps T          rfc3339, epoch, epoch-ms, local, spreadsheet (2025/3/6 6:16:30)
                                  or mixed (rfc3339, epoch and local by operator; default mixed)
          --vehicles-per-file N   files of N vehicles each per day (1 to all), instead of --layout
          --order O               interleaved (rows in time order, vehicles mixed; default) or
                                  blocks (each vehicle's rows together)
          --odometer-digits A-B   odometers with A to B integer digits, by vehicle (1-7; default:
                                  4 to 6 as they come)
          --current-decimals A-B  currents written with A to B decimals, by vehicle (0-2; default 1)
          --vin-alphabet V        mixed (default), digits or letters: the 8 random VIN characters
          --zstd-level N          zstd level, 0 for plain files (default 3)
          --format F              csv (default) or gbt32960: GB/T 32960.3 frame captures (SPEC 9)
          --revision R            captures: 2016 (## frames, default) or 2025 ($$ frames)
          --hex                   captures: write hexadecimal text (.gbt32960.hex)
          --noise                 captures: add logins, heartbeats, reissues and corrupt frames
        """
}

struct SplitMix {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}

func parseOptions() -> Options {
    var options = Options()
    var arguments = CommandLine.arguments.dropFirst()
    func value(_ name: String) -> String {
        guard let next = arguments.popFirst() else { fail("\(name) needs a value") }
        return next
    }
    func number<T: LosslessStringConvertible>(_ name: String) -> T {
        let text = value(name)
        guard let parsed = T(text) else { fail("\(name): '\(text)' is not a number") }
        return parsed
    }
    func range(_ name: String, _ allowed: ClosedRange<Int>) -> ClosedRange<Int> {
        let text = value(name)
        let parts = text.split(separator: "-").compactMap { Int($0) }
        guard (1...2).contains(parts.count), let low = parts.first, let high = parts.last, low <= high,
            allowed.contains(low), allowed.contains(high)
        else { fail("\(name): '\(text)' is not A-B within \(allowed.lowerBound)-\(allowed.upperBound)") }
        return low...high
    }
    while let argument = arguments.popFirst() {
        switch argument {
        case "--help", "-h": print(Options.help); exit(0)
        case "--out": options.out = value(argument)
        case "--seed": options.seed = number(argument)
        case "--operators": options.operators = number(argument)
        case "--vehicles-per-class": options.vehiclesPerClass = number(argument)
        case "--days": options.days = number(argument)
        case "--start": options.start = value(argument)
        case "--interval": options.interval = number(argument)
        case "--hours": options.hoursPerDay = number(argument)
        case "--gap-rate": options.gapRate = number(argument)
        case "--spike-rate": options.spikeRate = number(argument)
        case "--duplicate-rate": options.duplicateRate = number(argument)
        case "--conflict-rate": options.conflictRate = number(argument)
        case "--bad-row-rate": options.badRowRate = number(argument)
        case "--fuel-cell-off-rate": options.fuelCellOffRate = number(argument)
        case "--layout": options.layout = value(argument)
        case "--shuffle": options.shuffle = value(argument)
        case "--timestamps": options.timestamps = value(argument)
        case "--zstd-level": options.zstdLevel = number(argument)
        case "--format": options.format = value(argument)
        case "--revision": options.revision = number(argument)
        case "--hex": options.hex = true
        case "--noise": options.noise = true
        case "--vehicles-per-file": options.vehiclesPerFile = number(argument)
        case "--order": options.order = value(argument)
        case "--odometer-digits": options.odometerDigits = range(argument, 1...7)
        case "--current-decimals": options.currentDecimals = range(argument, 0...2)
        case "--vin-alphabet": options.vinAlphabet = value(argument)
        default: fail("unknown option \(argument) (see --help)")
        }
    }
    guard ["operator-day", "vehicle", "single"].contains(options.layout) else {
        fail("--layout: operator-day, vehicle or single")
    }
    guard ["none", "local", "full"].contains(options.shuffle) else { fail("--shuffle: none, local or full") }
    guard ["csv", "gbt32960"].contains(options.format) else { fail("--format: csv or gbt32960") }
    guard [2016, 2025].contains(options.revision) else { fail("--revision: 2016 or 2025") }
    guard ["rfc3339", "epoch", "epoch-ms", "local", "spreadsheet", "mixed"].contains(options.timestamps) else {
        fail("--timestamps: rfc3339, epoch, epoch-ms, local, spreadsheet or mixed")
    }
    guard ["interleaved", "blocks"].contains(options.order) else { fail("--order: interleaved or blocks") }
    guard ["mixed", "digits", "letters"].contains(options.vinAlphabet) else { fail("--vin-alphabet: mixed, digits or letters") }
    guard options.vehiclesPerFile >= 0 else { fail("--vehicles-per-file must be at least 1") }
    guard options.operators >= 1, options.vehiclesPerClass >= 1, options.days >= 1, options.interval >= 1 else {
        fail("--operators, --vehicles-per-class, --days and --interval must be at least 1")
    }
    return options
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("fleetgen: \(message)\n".utf8))
    exit(2)
}

let classes = [
    ("heavy_truck", 450.0), ("light_truck", 300.0), ("cold_chain", 320.0), ("bus", 220.0), ("sanitation", 90.0),
]
let vinAlphabets = [
    "mixed": Array("0123456789ABCDEFGHJKLMNPRSTUVWXYZ".utf8), "digits": Array("0123456789".utf8),
    "letters": Array("ABCDEFGHJKLMNPRSTUVWXYZ".utf8),
]

struct Vehicle {
    var vin: String
    var operatorIndex: Int
    var classId: String
    var kmPerDay: Double
    var odometer: Int  // tenths
    var startHour: Int
    var currentDecimals = 1
}

/// Appends `value` as decimal digits.
func appendInt(_ value: Int, to out: inout [UInt8], width: Int = 0) {
    var digits: [UInt8] = []
    var v = value
    repeat { digits.append(UInt8(48 + v % 10)); v /= 10 } while v > 0
    while digits.count < width { digits.append(48) }
    out.append(contentsOf: digits.reversed())
}

/// Civil date from days since 1970-01-01.
func civil(_ days: Int) -> (Int, Int, Int) {
    let date = CivilTime.date(fromDays: days)
    return (date.year, date.month, date.day)
}

func appendTimestamp(_ ts: Int, form: String, to out: inout [UInt8]) {
    if form == "epoch" { appendInt(ts, to: &out); return }
    if form == "epoch-ms" { appendInt(ts * 1000 + ts % 7 * 125, to: &out); return }
    let local = ts + 8 * 3600
    let (y, m, d) = civil(local / 86400)
    let s = local % 86400
    if form == "spreadsheet" {
        // As Excel and WPS save a date and time: 2025/3/6 6:16:30 (no leading zeros, no offset).
        appendInt(y, to: &out); out.append(47)
        appendInt(m, to: &out); out.append(47)
        appendInt(d, to: &out); out.append(32)
        appendInt(s / 3600, to: &out); out.append(58)
        appendInt(s / 60 % 60, to: &out, width: 2); out.append(58)
        appendInt(s % 60, to: &out, width: 2)
        return
    }
    appendInt(y, to: &out, width: 4); out.append(45)
    appendInt(m, to: &out, width: 2); out.append(45)
    appendInt(d, to: &out, width: 2); out.append(form == "local" ? 32 : 84)
    appendInt(s / 3600, to: &out, width: 2); out.append(58)
    appendInt(s / 60 % 60, to: &out, width: 2); out.append(58)
    appendInt(s % 60, to: &out, width: 2)
    if form == "rfc3339" { out.append(contentsOf: Array("+08:00".utf8)) }
}

let options = parseOptions()
var random = SplitMix(state: options.seed)
let formatter = DateFormatter()
formatter.dateFormat = "yyyy-MM-dd"
formatter.timeZone = TimeZone(secondsFromGMT: 8 * 3600)
guard let startDate = formatter.date(from: options.start) else { fail("--start: expected YYYY-MM-DD") }
let startDay = Int(startDate.timeIntervalSince1970 + 8 * 3600) / 86400

var vehicles: [Vehicle] = []
for (classIndex, (classId, km)) in classes.enumerated() {
    for index in 0..<options.vehiclesPerClass {
        var vin = Array("LZY".utf8)
        let alphabet = vinAlphabets[options.vinAlphabet]!
        for _ in 0..<8 { vin.append(alphabet[random.below(alphabet.count)]) }
        let serial = String(classIndex * 100_000 + index)
        vin += Array((String(repeating: "0", count: 6 - serial.count) + serial).utf8)
        vehicles.append(
            Vehicle(
                vin: String(decoding: vin, as: UTF8.self), operatorIndex: (classIndex + index) % options.operators,
                classId: classId, kmPerDay: km * (0.8 + 0.4 * random.unit()),
                odometer: 100_000 + random.below(5_000_000), startHour: 5 + random.below(4)))
        let digits = options.odometerDigits
        if digits.lowerBound > 0 {
            // An odometer of D integer digits: 10^(D-1) to 10^D - 1 km, kept below 10^D by
            // starting low enough for the days driven.
            let width = digits.lowerBound + random.below(digits.count)
            let low = width == 1 ? 0 : Int(pow(10.0, Double(width - 1)))
            let room = Int(pow(10.0, Double(width))) - low - Int(km * 1.3) * options.days - 1
            vehicles[vehicles.count - 1].odometer = (low + (room > 0 ? random.below(room) : 0)) * 10
        }
        // Drawn only for a range, so that the usual corpora stay the same files.
        let decimals = options.currentDecimals
        vehicles[vehicles.count - 1].currentDecimals =
            decimals.count > 1 ? decimals.lowerBound + random.below(decimals.count) : decimals.lowerBound
    }
}

let root = URL(fileURLWithPath: options.out)
let telemetry = root.appendingPathComponent("telemetry")
try? FileManager.default.removeItem(at: telemetry)
try FileManager.default.createDirectory(at: telemetry, withIntermediateDirectories: true)
var registry = "vin,operator,class\n"
for vehicle in vehicles { registry += "\(vehicle.vin),op\(vehicle.operatorIndex + 1),\(vehicle.classId)\n" }
try registry.write(to: root.appendingPathComponent("registry.csv"), atomically: true, encoding: .utf8)

let forms = ["rfc3339", "epoch", "local"]
@MainActor func form(for operatorIndex: Int) -> String {
    options.timestamps == "mixed" ? forms[operatorIndex % 3] : options.timestamps
}

/// One day of one vehicle: rows as bytes, each ending in "\n".
/// One GB/T 32960.3 frame (SPEC 9.2): realtime report with a vehicle block (odometer) and the
/// revision's fuel-cell current block, time in UTC+08:00.
@MainActor func captureFrame(vin: String, ts: Int, odometer: Int, current: Int, command: UInt8 = 0x02) -> [UInt8] {
    let local = ts + 8 * 3600
    let (y, m, d) = civil(local / 86400)
    let s = local % 86400
    var data: [UInt8] = [UInt8(y - 2000), UInt8(m), UInt8(d), UInt8(s / 3600), UInt8(s / 60 % 60), UInt8(s % 60)]
    let revision2025 = options.revision == 2025
    var vehicle = [UInt8](repeating: 0, count: revision2025 ? 18 : 20)
    vehicle[0] = 1
    for (index, shift) in [24, 16, 8, 0].enumerated() { vehicle[5 + index] = UInt8(odometer >> shift & 255) }
    data += [0x01] + vehicle
    if revision2025 {
        // One stack: 12 bytes with the current at offset 3 and two probe bytes.
        data += [0x30, 1, 0, 0, 0, UInt8(current >> 8), UInt8(current & 255), 0, 0, 0, 0, 0, 0, 2, 0x40, 0x41]
    } else {
        // Fuel cell: voltage, current, consumption, two probes, then ten bytes of extremes.
        data += [0x03, 0x01, 0x2C, UInt8(current >> 8), UInt8(current & 255), 0, 0, 0, 2, 0x40, 0x41]
        data += [UInt8](repeating: 0, count: 10)
    }
    return frameBytes(command: command, vin: vin, data: data)
}

@MainActor func frameBytes(command: UInt8, vin: String, data: [UInt8]) -> [UInt8] {
    let marker: UInt8 = options.revision == 2025 ? 0x24 : 0x23
    var bytes: [UInt8] =
        [marker, marker, command, 0xFE] + Array(vin.utf8) + [0x01, UInt8(data.count >> 8), UInt8(data.count & 255)]
    bytes += data
    bytes.append(bytes[2...].reduce(0, ^))
    return bytes
}

@MainActor func dayRows(_ vehicle: inout Vehicle, day: Int) -> [(Int, [UInt8])] {
    var rows: [(Int, [UInt8])] = []
    var ts = (startDay + day) * 86400 - 8 * 3600 + vehicle.startHour * 3600 + random.below(3600)
    let end = ts + Int(options.hoursPerDay * 3600)
    let tenthsPerSecond = vehicle.kmPerDay * 10 / (options.hoursPerDay * 3600)
    var carry = 0.0
    let fuelCellOffUntil = random.unit() < options.fuelCellOffRate ? ts + 600 : ts
    let tsForm = form(for: vehicle.operatorIndex)
    while ts <= end {
        var shown = vehicle.odometer
        if random.unit() < options.spikeRate {
            switch random.below(3) {
            case 0: shown += 300  // spike
            case 1: shown = max(0, shown - 30)  // dip
            default: shown = 0  // reset
            }
        }
        let current = ts < fuelCellOffUntil ? 0 : 200 + random.below(1800)
        if options.format == "gbt32960" {
            let frame = captureFrame(vin: vehicle.vin, ts: ts, odometer: shown, current: current)
            if random.unit() < options.badRowRate {
                var corrupt = frame
                corrupt[30] ^= 0x5A  // a corrupt copy: rejected as bad_checksum, reading resumes after it
                rows.append((ts, corrupt))
            }
            rows.append((ts, frame))
            if random.unit() < options.duplicateRate {
                // Re-sent after an outage: a reissue report (0x03) of the same data.
                rows.append(
                    (
                        ts,
                        options.noise
                            ? captureFrame(vin: vehicle.vin, ts: ts, odometer: shown, current: current, command: 0x03)
                            : frame
                    ))
            }
            if random.unit() < options.conflictRate {
                // As the CSV writer does: the next whole km, fuel cell off.
                rows.append((ts, captureFrame(vin: vehicle.vin, ts: ts, odometer: (shown / 10 + 1) * 10, current: 0)))
            }
            if options.noise && random.unit() < 0.005 {
                rows.append((ts, frameBytes(command: 0x07, vin: vehicle.vin, data: [])))  // heartbeat
            }
        } else {
            var row: [UInt8] = []
            row.reserveCapacity(64)
            if random.unit() < options.badRowRate {
                row += Array("\(vehicle.vin),2025-02-30T10:00:00+08:00,1.0,1.0\n".utf8)
                rows.append((ts, row))
                row = []
            }
            row += Array(vehicle.vin.utf8); row.append(44)
            appendTimestamp(ts, form: tsForm, to: &row); row.append(44)
            appendInt(shown / 10, to: &row); row.append(46); appendInt(shown % 10, to: &row); row.append(44)
            switch vehicle.currentDecimals {
            case 0: appendInt(current / 10, to: &row)
            case 1: appendInt(current / 10, to: &row); row.append(46); appendInt(current % 10, to: &row)
            default: appendInt(current / 10, to: &row); row.append(46); appendInt(current % 10 * 10 + ts % 10, to: &row, width: 2)
            }
            row.append(10)
            rows.append((ts, row))
            if random.unit() < options.duplicateRate { rows.append((ts, row)) }
            if random.unit() < options.conflictRate {
                var conflicting = Array(vehicle.vin.utf8); conflicting.append(44)
                appendTimestamp(ts, form: tsForm, to: &conflicting); conflicting.append(44)
                appendInt(shown / 10 + 1, to: &conflicting); conflicting += Array(".0,0.0\n".utf8)
                rows.append((ts, conflicting))
            }
        }
        var step = options.interval
        if random.unit() < options.gapRate { step = 360 + random.below(840) }
        carry += tenthsPerSecond * Double(step) * (0.7 + 0.6 * random.unit())
        vehicle.odometer += Int(carry)
        carry -= Double(Int(carry))
        ts += step
    }
    return rows
}

// Files: name → rows (ts, bytes).
var files: [String: [(Int, [UInt8])]] = [:]
for day in 0..<options.days {
    let (y, m, d) = civil(startDay + day)
    let date = String(format: "%04d-%02d-%02d", y, m, d)
    for index in vehicles.indices {
        if random.unit() < 0.05 { continue }  // a day off
        let rows = dayRows(&vehicles[index], day: day)
        let base: String
        switch options.layout {
        case _ where options.vehiclesPerFile > 0: base = "g\(index / options.vehiclesPerFile)/\(date)"
        case "vehicle": base = vehicles[index].vin
        case "single": base = "all"
        default: base = "op\(vehicles[index].operatorIndex + 1)/\(date)"
        }
        let name = base + (options.format == "csv" ? ".csv" : options.hex ? ".gbt32960.hex" : ".gbt32960")
        files[name, default: []] += rows
    }
}

let names = files.keys.sorted()
if options.shuffle == "full" {
    var all: [[UInt8]] = []
    for name in names { all += files[name]!.map(\.1) }
    for index in stride(from: all.count - 1, to: 0, by: -1) { all.swapAt(index, random.below(index + 1)) }
    var position = 0
    for (fileIndex, name) in names.enumerated() {
        let count = all.count / names.count + (fileIndex < all.count % names.count ? 1 : 0)
        files[name] = all[position..<(position + count)].map { (0, $0) }
        position += count
    }
} else {
    for name in names {
        // Time order as a platform writes it, vehicles interleaved; or, in blocks, each
        // vehicle's rows together as they were made.
        var rows = files[name]!
        if options.order == "interleaved" { rows.sort { $0.0 < $1.0 } }
        if options.shuffle == "local" {
            var index = 0
            while index + 5 < rows.count {
                for swap in 0..<4 where random.below(2) == 0 { rows.swapAt(index + swap, index + swap + 1) }
                index += 50 + random.below(100)
            }
        }
        files[name] = rows
    }
}

var written: [String] = []
var frames = 0
for name in names {
    let url = telemetry.appendingPathComponent(name)
    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    var bytes = options.format == "csv" ? Array("vin,ts,odometer_km,fc_current_a\n".utf8) : []
    if options.format == "gbt32960" && options.noise && !files[name]!.isEmpty {
        // A platform capture starts with the terminal's login, and carries some line noise.
        bytes += frameBytes(command: 0x01, vin: "LZYLGN00000000001", data: [25, 1, 1, 0, 0, 0, 0, 1])
        bytes += [0x00, 0x23, 0xFF, 0x24]
    }
    for (_, row) in files[name]! { bytes += row }
    if options.format == "gbt32960" && options.hex {
        var text = Array("# GB/T 32960 capture written by fleetgen\n".utf8)
        let digits = Array("0123456789abcdef".utf8)
        for (index, byte) in bytes.enumerated() {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 15)])
            text.append(index % 32 == 31 ? 10 : 32)
        }
        text.append(10)
        bytes = text
    }
    frames += files[name]!.count
    _ = FileManager.default.createFile(atPath: url.path, contents: Data(bytes))
    written.append(url.path)
}
if options.zstdLevel > 0 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["zstd", "-q", "-f", "--rm", "-T0", "-\(options.zstdLevel)"] + written
    try process.run()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { fail("zstd failed") }
}
print("fleetgen: \(vehicles.count) vehicles, \(names.count) files, \(frames) rows in \(telemetry.path)")
