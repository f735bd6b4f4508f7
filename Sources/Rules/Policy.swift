import Frames
import TOMLKit
import Timelines

/// A vehicle class of the policy: its legal name, rate and cap (SPEC 5).
public struct VehicleClass: Sendable, Equatable {
    /// The class id, e.g. `heavy_truck`.
    public var id: String
    /// The legal name, when given.
    public var name: String?
    /// Support per hydrogen km, in fen.
    public var rateFenPerKm: Int64
    /// Cap per vehicle per year, in yuan.
    public var annualCapYuan: Int64
}

/// The subsidy policy (SPEC 5): calendar, telemetry limits, eligibility and classes.
public struct Policy: Sendable {
    /// Short name, e.g. `daxing-2022`.
    public var id: String
    /// Full name and source, when given.
    public var title: String?
    /// The legal calendar's zone, seconds east of UTC.
    public var timezoneOffset: Int
    /// Programme years the policy covers.
    public var years: [Int]
    /// Limits for interval classification.
    public var limits: TelemetryLimits
    /// Per-vehicle average hydrogen km an operator must reach.
    public var operatorMinAverageKm: Int64
    /// The classes, sorted by id.
    public var classes: [VehicleClass]

    /// The class with the given id.
    public func vehicleClass(_ id: String) -> VehicleClass? { classes.first { $0.id == id } }

    /// The built-in Daxing 2022 policy.
    public static var builtIn: Policy {
        // The built-in text is checked by the test suite; failing here is a programmer error.
        do { return try Policy(toml: builtInPolicyText, file: "built-in policy") } catch {
            preconditionFailure("built-in policy is invalid: \(error)")
        }
    }

    /// Reads and validates a policy.
    /// - Parameters:
    ///   - toml: the TOML text.
    ///   - file: the file's name, for messages.
    /// - Throws: `RulesError` naming the field (or the line, for TOML syntax errors) for a missing
    ///   field, a wrong type, a value out of range or an unknown key.
    public init(toml: String, file: String) throws(RulesError) {
        let root: TOMLTable
        do {
            root = try TOMLTable(string: toml)
        } catch let error as TOMLParseError {
            throw RulesError(file: file, line: error.source.begin.line, "not valid TOML: \(error.description)")
        } catch {
            throw RulesError(file: file, "not valid TOML: \(error)")
        }
        let reader = FieldReader(file: file)
        try reader.allow(
            root, keys: ["id", "title", "timezone", "years", "telemetry", "eligibility", "classes"], at: "")
        id = try reader.string(root, "id", at: "", required: true)!
        if id.isEmpty { throw RulesError(file: file, field: "id", "must not be empty") }
        title = try reader.string(root, "title", at: "", required: false)
        let zone = try reader.string(root, "timezone", at: "", required: true)!
        guard let offset = Policy.parseOffset(zone) else {
            throw RulesError(
                file: file, field: "timezone", "'\(zone)' is not a fixed offset ±HH:MM with hours up to 14")
        }
        timezoneOffset = offset
        years = try reader.years(root)

        let telemetry = try reader.table(root, "telemetry", at: "")
        try reader.allow(telemetry, keys: ["max_gap_s", "max_speed_kmh", "fc_on_min_current_a"], at: "telemetry.")
        limits = TelemetryLimits(
            maxGapSeconds: try reader.integer(telemetry, "max_gap_s", at: "telemetry.", range: 1...2_678_400),
            maxSpeedKmh: try reader.integer(telemetry, "max_speed_kmh", at: "telemetry.", range: 1...1000),
            fuelCellOnCurrent: Int32(
                try reader.decimal(
                    telemetry, "fc_on_min_current_a", at: "telemetry.", decimals: 1, range: 0...99_999)))

        let eligibility = try reader.table(root, "eligibility", at: "")
        try reader.allow(eligibility, keys: ["operator_min_average_km"], at: "eligibility.")
        operatorMinAverageKm = try reader.integer(
            eligibility, "operator_min_average_km", at: "eligibility.", range: 0...10_000_000)

        let classTable = try reader.table(root, "classes", at: "")
        if classTable.keys.isEmpty {
            throw RulesError(file: file, field: "classes", "at least one class table is required, e.g. [classes.bus]")
        }
        var classes: [VehicleClass] = []
        for classId in classTable.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            let at = "classes.\(classId)."
            guard !classId.isEmpty,
                classId.utf8.allSatisfy({ ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 95 })
            else {
                throw RulesError(file: file, field: "classes.\(classId)", "class ids may hold only a-z, 0-9 and _")
            }
            let table = try reader.table(classTable, classId, at: "classes.")
            try reader.allow(table, keys: ["name", "rate_yuan_per_km", "annual_cap_yuan"], at: at)
            classes.append(
                VehicleClass(
                    id: classId,
                    name: try reader.string(table, "name", at: at, required: false),
                    rateFenPerKm: try reader.decimal(
                        table, "rate_yuan_per_km", at: at, decimals: 2, range: 0...1_000_000),
                    annualCapYuan: try reader.integer(table, "annual_cap_yuan", at: at, range: 0...100_000_000)))
        }
        self.classes = classes
    }

    /// Parses `±HH:MM` (hours at most 14) into seconds east of UTC.
    static func parseOffset(_ text: String) -> Int? {
        let bytes = Array(text.utf8)
        guard bytes.count == 6, bytes[0] == UInt8(ascii: "+") || bytes[0] == UInt8(ascii: "-"),
            bytes[3] == UInt8(ascii: ":"),
            [1, 2, 4, 5].allSatisfy({ bytes[$0] >= 48 && bytes[$0] <= 57 })
        else { return nil }
        let hours = Int(bytes[1] - 48) * 10 + Int(bytes[2] - 48)
        let minutes = Int(bytes[4] - 48) * 10 + Int(bytes[5] - 48)
        guard hours <= 14, minutes <= 59, hours < 14 || minutes == 0 else { return nil }
        return (hours * 3600 + minutes * 60) * (bytes[0] == UInt8(ascii: "-") ? -1 : 1)
    }
}

/// Typed access to TOML fields with messages that name the field.
private struct FieldReader {
    let file: String

    func fail(_ field: String, _ message: String) -> RulesError {
        RulesError(file: file, field: field, message)
    }

    func allow(_ table: TOMLTable, keys: Set<String>, at prefix: String) throws(RulesError) {
        for key in table.keys where !keys.contains(key) {
            throw fail(prefix + key, "unknown key (allowed here: \(keys.sorted().joined(separator: ", ")))")
        }
    }

    func value(_ table: TOMLTable, _ key: String, at prefix: String) throws(RulesError) -> TOMLValueConvertible {
        guard let value = table[key] else { throw fail(prefix + key, "missing (required)") }
        return value
    }

    func table(_ table: TOMLTable, _ key: String, at prefix: String) throws(RulesError) -> TOMLTable {
        let value = try value(table, key, at: prefix)
        guard value.type == .table, let result = value.table else {
            throw fail(prefix + key, "must be a table, found \(value.type)")
        }
        return result
    }

    func string(_ table: TOMLTable, _ key: String, at prefix: String, required: Bool) throws(RulesError) -> String? {
        guard let value = table[key] else {
            if required { throw fail(prefix + key, "missing (required)") }
            return nil
        }
        guard value.type == .string, let text = value.string else {
            throw fail(prefix + key, "must be a string, found \(value.type)")
        }
        return text
    }

    func integer(_ table: TOMLTable, _ key: String, at prefix: String, range: ClosedRange<Int64>) throws(RulesError)
        -> Int64
    {
        let value = try value(table, key, at: prefix)
        guard value.type == .int, let number = value.int else {
            throw fail(
                prefix + key, "must be an integer from \(range.lowerBound) to \(range.upperBound), found \(value.type)")
        }
        guard range.contains(Int64(number)) else {
            throw fail(prefix + key, "must be from \(range.lowerBound) to \(range.upperBound), found \(number)")
        }
        return Int64(number)
    }

    /// A TOML integer or float with at most `decimals` decimals, in units of 10^-decimals.
    func decimal(_ table: TOMLTable, _ key: String, at prefix: String, decimals: Int, range: ClosedRange<Int64>)
        throws(RulesError) -> Int64
    {
        let value = try value(table, key, at: prefix)
        let scale = decimals == 1 ? 10.0 : 100.0
        let limits = "from \(Double(range.lowerBound) / scale) to \(Double(range.upperBound) / scale)"
        let units: Int64?
        switch value.type {
        case .int:
            let number = Int64(value.int ?? 0)
            units = number.magnitude > 1_000_000_000 ? nil : number * Int64(scale)
        case .double:
            units = DecimalText.units(of: value.double ?? .nan, decimals: decimals)
            if units == nil {
                throw fail(prefix + key, "must have at most \(decimals) decimal\(decimals == 1 ? "" : "s") (\(limits))")
            }
        default:
            throw fail(prefix + key, "must be a number \(limits), found \(value.type)")
        }
        guard let units, range.contains(units) else {
            throw fail(prefix + key, "must be \(limits)")
        }
        return units
    }

    func years(_ root: TOMLTable) throws(RulesError) -> [Int] {
        let value = try value(root, "years", at: "")
        guard value.type == .array, let array = value.array, !array.isEmpty else {
            throw fail("years", "must be a non-empty array of integers, e.g. [2024, 2025]")
        }
        var years: [Int] = []
        for element in array {
            guard element.type == .int, let year = element.int, (1970...9999).contains(year) else {
                throw fail("years", "every element must be an integer year from 1970 to 9999")
            }
            years.append(year)
        }
        return years
    }
}

/// Exact decimal reading of a TOML float, so that `0.1` is one decimal and `0.125` three.
enum DecimalText {
    /// The value in units of 10^-decimals, or `nil` when it has more decimals or is not finite.
    static func units(of value: Double, decimals: Int) -> Int64? {
        guard value.isFinite, value.magnitude < 1e12 else { return nil }
        // Swift prints the shortest text that reads back as the same double.
        let text = "\(value)"
        var mantissa = Substring(text)
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            guard let parsed = Int(text[text.index(after: e)...]) else { return nil }
            exponent = parsed
            mantissa = text[..<e]
        }
        let negative = mantissa.hasPrefix("-")
        if negative { mantissa = mantissa.dropFirst() }
        let parts = mantissa.split(separator: ".", omittingEmptySubsequences: false)
        var digits = String(parts[0])
        var fraction = parts.count > 1 ? String(parts[1]) : ""
        while fraction.hasSuffix("0") { fraction.removeLast() }
        digits += fraction
        let places = fraction.count - exponent
        guard places <= decimals else { return nil }
        guard var result = Int64(digits) else { return nil }
        for _ in 0..<(decimals - places) { result *= 10 }
        return negative ? -result : result
    }
}
