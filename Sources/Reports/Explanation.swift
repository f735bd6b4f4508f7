import Figures
import Frames
import Rules
import Subsidy
import Timelines

/// Where a frame came from: file and line.
public struct FrameSource: Sendable, Equatable {
    /// The file's path as reported.
    public var path: String
    /// The line number (CSV) or byte offset (captures).
    public var position: Int64

    /// Creates a source.
    public init(path: String, position: Int64) {
        self.path = path
        self.position = position
    }
}

/// One interval of the vehicle's timeline with both ends and their sources.
public struct ExplainedInterval: Sendable {
    /// Final class (SPEC 3.3).
    public var intervalClass: IntervalClass
    /// Start reading.
    public var from: Reading
    /// End reading.
    public var to: Reading
    /// Where the start frame came from.
    public var fromSource: FrameSource
    /// Where the end frame came from.
    public var toSource: FrameSource

    /// Creates an interval.
    public init(
        intervalClass: IntervalClass, from: Reading, to: Reading, fromSource: FrameSource, toSource: FrameSource
    ) {
        self.intervalClass = intervalClass
        self.from = from
        self.to = to
        self.fromSource = fromSource
        self.toSource = toSource
    }
}

/// The evidence for one vehicle's figures and subsidy (`h2fleet explain`).
public struct Explanation: Sendable {
    /// The vehicle's line of the subsidy report.
    public var vehicle: VehicleSubsidy
    /// Its operator's line, when registered.
    public var operatorLine: OperatorSubsidy?
    /// Its class, when registered.
    public var vehicleClass: VehicleClass?
    /// The policy's eligibility threshold, km per vehicle.
    public var minimumAverageKm: Int64
    /// The report year.
    public var year: ReportYear
    /// Policy id and rules version, for the header.
    public var policyId: String
    /// Rules version.
    public var rulesVersion: String
    /// Every interval of the timeline whose end is in the year, in time order.
    public var intervals: [ExplainedInterval]
    /// The odometer outliers of the year (SPEC 3.3), dropped before measuring, with their sources.
    public var outliers: [(reading: Reading, source: FrameSource)]

    /// Creates an explanation.
    public init(
        vehicle: VehicleSubsidy, operatorLine: OperatorSubsidy?, vehicleClass: VehicleClass?,
        minimumAverageKm: Int64, year: ReportYear, policyId: String, rulesVersion: String,
        intervals: [ExplainedInterval], outliers: [(reading: Reading, source: FrameSource)] = []
    ) {
        self.outliers = outliers
        self.vehicle = vehicle
        self.operatorLine = operatorLine
        self.vehicleClass = vehicleClass
        self.minimumAverageKm = minimumAverageKm
        self.year = year
        self.policyId = policyId
        self.rulesVersion = rulesVersion
        self.intervals = intervals
    }

    /// The explanation as text for a person.
    public func text(largest: Int = 10) -> String {
        let figures = vehicle.figures
        let time = { (ts: Int64) in CivilTime.rfc3339(ts, offset: year.offset) }
        var out = "h2fleet explain — \(vehicle.vin), year \(year.year), policy \(policyId), rules \(rulesVersion)\n"
        if let registration = vehicle.registration {
            out += "Registered: operator \(TerminalText.escaped(registration.operatorId))"
            if let name = registration.operatorName { out += " (\(TerminalText.escaped(name)))" }
            out += ", class \(registration.classId)"
            if let name = vehicleClass?.name { out += " (\(name))" }
            if let plate = registration.plate { out += ", plate \(TerminalText.escaped(plate))" }
            out += "\n"
        } else {
            out += "Not in the registry: measured, listed as unregistered, earns nothing (SPEC 4).\n"
        }
        out += "\nSubsidy arithmetic (SPEC 6)\n"
        if let operatorLine, let vehicleClass {
            let needed = minimumAverageKm * 10 * Int64(operatorLine.vehicles)
            out +=
                "  1. operator \(TerminalText.escaped(operatorLine.id)): \(operatorLine.vehicles) registered vehicles, "
                + "\(Units.km(operatorLine.hydrogen)) hydrogen km in all, average \(Units.km(operatorLine.averageTenths)) km\n"
            out +=
                "     needs an average of \(minimumAverageKm) km: \(Units.km(operatorLine.hydrogen)) "
                + "\(operatorLine.eligible ? "≥" : "<") \(minimumAverageKm) × \(operatorLine.vehicles) = \(Units.km(needed)) km "
                + "→ \(operatorLine.eligible ? "eligible" : "not eligible")\n"
            let product = figures.hydrogen * vehicleClass.rateFenPerKm
            out +=
                "  2. this vehicle: \(Units.km(figures.hydrogen)) hydrogen km × \(Units.yuan(vehicleClass.rateFenPerKm)) "
                + "yuan/km = \(Units.yuan(product / 10)) yuan (rounded down to the fen)"
            out += operatorLine.eligible ? "\n" : ", but the operator is not eligible: 0.00 yuan\n"
            out +=
                "  3. cap for \(vehicleClass.id): \(vehicleClass.annualCapYuan).00 yuan → paid "
                + "\(Units.yuan(vehicle.subsidyFen)) yuan, status \(vehicle.status.rawValue)\n"
        } else {
            out += "  status \(vehicle.status.rawValue): 0.00 yuan\n"
        }
        out +=
            "\nFrames in \(year.year): \(figures.frames) on \(figures.daysWithData) day\(figures.daysWithData == 1 ? "" : "s")"
        if let first = figures.firstTs, let last = figures.lastTs { out += ", \(time(first)) to \(time(last))" }
        out += "; duplicates: \(figures.exactDuplicates) exact, \(figures.conflictingDuplicates) conflicting\n"
        if !outliers.isEmpty {
            out += "Odometer outliers dropped before measuring (SPEC 3.3): \(outliers.count)\n"
            for (reading, source) in outliers.prefix(largest) {
                out +=
                    "  \(time(reading.ts))  odometer \(Units.km(Int64(reading.odometer)))  "
                    + "\(TerminalText.escaped(source.path)):\(source.position)\n"
            }
        }
        out += "\nDistance by month of the interval's end (km; SPEC 3.3, 3.4)\n"
        var rows = [["month", "hydrogen", "battery", "gap", "overspeed", "suspect", "rollbacks"]]
        var byMonth: [Int: VehicleYear] = [:]
        var months = MonthCursor(year)
        for interval in intervals {
            let month = months.month(of: interval.to.ts)
            byMonth[month, default: VehicleYear()].book(
                interval.intervalClass, dd: Int64(interval.to.odometer) - Int64(interval.from.odometer), month: month)
        }
        for month in byMonth.keys.sorted() {
            let entry = byMonth[month]!
            rows.append([
                "\(year.year)-\(month < 9 ? "0" : "")\(month + 1)", Units.km(entry.hydrogen), Units.km(entry.battery),
                Units.km(entry.gap), Units.km(entry.overspeed), Units.km(entry.suspect), String(entry.rollbacks),
            ])
        }
        rows.append([
            "total", Units.km(figures.hydrogen), Units.km(figures.battery), Units.km(figures.gap),
            Units.km(figures.overspeed), Units.km(figures.suspect), String(figures.rollbacks),
        ])
        out += TextTable.render(rows, indent: "  ")
        let excluded = intervals.filter { $0.intervalClass != .hydrogen && $0.intervalClass != .battery }
            .sorted {
                let left = abs(Int64($0.to.odometer) - Int64($0.from.odometer))
                let right = abs(Int64($1.to.odometer) - Int64($1.from.odometer))
                return left != right ? left > right : $0.to.ts < $1.to.ts
            }
        out += "\nLargest excluded intervals (\(min(largest, excluded.count)) of \(excluded.count))\n"
        for interval in excluded.prefix(largest) {
            let dd = Int64(interval.to.odometer) - Int64(interval.from.odometer)
            out += "  \(interval.intervalClass.name) \(Units.km(dd)) km in \(interval.to.ts - interval.from.ts) s\n"
            out +=
                "    from \(time(interval.from.ts))  odometer \(Units.km(Int64(interval.from.odometer)))  "
                + "\(TerminalText.escaped(interval.fromSource.path)):\(interval.fromSource.position)\n"
            out +=
                "    to   \(time(interval.to.ts))  odometer \(Units.km(Int64(interval.to.odometer)))  "
                + "\(TerminalText.escaped(interval.toSource.path)):\(interval.toSource.position)\n"
        }
        return out
    }

}
