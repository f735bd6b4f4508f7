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

    /// The explanation as text for a person, in `language`.
    public func text(largest: Int = 10, language: Language = .en) -> String {
        let say = language.pick
        let figures = vehicle.figures
        let time = { (ts: Int64) in CivilTime.rfc3339(ts, offset: year.offset) }
        var out = say(
            "h2fleet explain — \(vehicle.vin), year \(year.year), policy \(policyId), rules \(rulesVersion)\n",
            "h2fleet 补贴说明 — \(vehicle.vin)，\(year.year) 年度，政策 \(policyId)，规则 \(rulesVersion)\n")
        if let registration = vehicle.registration {
            out += say("Registered: operator ", "登记：运营单位 ") + TerminalText.escaped(registration.operatorId)
            if let name = registration.operatorName { out += " (\(TerminalText.escaped(name)))" }
            out += say(", class ", "，车型 ") + registration.classId
            if let name = vehicleClass?.name { out += " (\(name))" }
            if let plate = registration.plate { out += say(", plate ", "，车牌 ") + TerminalText.escaped(plate) }
            out += "\n"
        } else {
            out += say(
                "Not in the registry: measured, listed as unregistered, earns nothing (SPEC 4).\n",
                "不在登记表中：计量里程，列为未登记，不予补贴（SPEC 4）。\n")
        }
        out += say("\nSubsidy arithmetic (SPEC 6)\n", "\n补贴计算（SPEC 6）\n")
        let steps = SubsidyArithmetic(
            vehicle: vehicle, operatorLine: operatorLine, vehicleClass: vehicleClass, minimumAverageKm: minimumAverageKm)
        for (number, step) in steps.steps(in: language).enumerated() {
            let lines = step.split(separator: "\n", omittingEmptySubsequences: false).map { TerminalText.escaped(String($0)) }
            out += steps.isCounted ? "  \(number + 1). \(lines[0])\n" : "  \(lines[0])\n"
            for line in lines.dropFirst() { out += "     \(line)\n" }
        }
        out += say(
            "\nFrames in \(year.year): \(figures.frames) on \(figures.daysWithData) day\(figures.daysWithData == 1 ? "" : "s")",
            "\n\(year.year) 年的帧：\(figures.daysWithData) 天共 \(figures.frames) 帧")
        if let first = figures.firstTs, let last = figures.lastTs { out += say(", \(time(first)) to \(time(last))", "，\(time(first)) 至 \(time(last))") }
        out += say(
            "; duplicates: \(figures.exactDuplicates) exact, \(figures.conflictingDuplicates) conflicting\n",
            "；重复：完全重复 \(figures.exactDuplicates) 帧，冲突重复 \(figures.conflictingDuplicates) 帧\n")
        if !outliers.isEmpty {
            out += say(
                "Odometer outliers dropped before measuring (SPEC 3.3): \(outliers.count)\n",
                "计量前剔除的里程表异常读数（SPEC 3.3）：\(outliers.count) 个\n")
            for (reading, source) in outliers.prefix(largest) {
                out +=
                    "  \(time(reading.ts))  \(say("odometer", "里程表")) \(Units.km(Int64(reading.odometer)))  "
                    + "\(TerminalText.escaped(source.path)):\(source.position)\n"
            }
        }
        out += say(
            "\nDistance by month of the interval's end (km; SPEC 3.3, 3.4)\n",
            "\n按区间结束时间所在月份的里程（公里；SPEC 3.3、3.4）\n")
        var rows = [
            language == .zh
                ? ["月份", "氢能", "纯电", "数据中断", "超速", "回退相邻", "回退次数"]
                : ["month", "hydrogen", "battery", "gap", "overspeed", "suspect", "rollbacks"]
        ]
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
            say("total", "合计"), Units.km(figures.hydrogen), Units.km(figures.battery), Units.km(figures.gap),
            Units.km(figures.overspeed), Units.km(figures.suspect), String(figures.rollbacks),
        ])
        out += TextTable.render(rows, indent: "  ")
        let excluded = intervals.filter { $0.intervalClass != .hydrogen && $0.intervalClass != .battery }
            .sorted {
                let left = abs(Int64($0.to.odometer) - Int64($0.from.odometer))
                let right = abs(Int64($1.to.odometer) - Int64($1.from.odometer))
                return left != right ? left > right : $0.to.ts < $1.to.ts
            }
        out += say(
            "\nLargest excluded intervals (\(min(largest, excluded.count)) of \(excluded.count))\n",
            "\n最大的不计里程区间（共 \(excluded.count) 个，列出 \(min(largest, excluded.count)) 个）\n")
        for interval in excluded.prefix(largest) {
            let dd = Int64(interval.to.odometer) - Int64(interval.from.odometer)
            out += say(
                "  \(interval.intervalClass.name) \(Units.km(dd)) km in \(interval.to.ts - interval.from.ts) s\n",
                "  \(interval.intervalClass.name) \(Units.km(dd)) 公里，用时 \(interval.to.ts - interval.from.ts) 秒\n")
            out +=
                "    \(say("from", "自")) \(time(interval.from.ts))  \(say("odometer", "里程表")) \(Units.km(Int64(interval.from.odometer)))  "
                + "\(TerminalText.escaped(interval.fromSource.path)):\(interval.fromSource.position)\n"
            out +=
                "    \(say("to  ", "至")) \(time(interval.to.ts))  \(say("odometer", "里程表")) \(Units.km(Int64(interval.to.odometer)))  "
                + "\(TerminalText.escaped(interval.toSource.path)):\(interval.toSource.position)\n"
        }
        return out
    }

}
