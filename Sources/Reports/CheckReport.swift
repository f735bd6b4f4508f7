import Archives
import Figures
import Frames
import Timelines

/// What `check` says of one input file: its report entry (status, frames, rejections) and more.
@dynamicMemberLookup
public struct FileCheck: Sendable {
    /// The file's entry, as `report.json` would list it.
    public var entry: FileEntry
    /// Distinct vehicles in the file.
    public var vehicles: Int
    /// Earliest frame time.
    public var firstTs: Int64?
    /// Latest frame time.
    public var lastTs: Int64?
    /// Captures: valid frames by command (telemetry or not).
    public var framesByCommand: [UInt8: Int] = [:]
    /// Captures: valid frames by protocol revision.
    public var revisions: [Int: Int] = [:]

    /// Creates a file check.
    public init(entry: FileEntry, vehicles: Int, firstTs: Int64?, lastTs: Int64?) {
        self.entry = entry
        self.vehicles = vehicles
        self.firstTs = firstTs
        self.lastTs = lastTs
    }

    /// The entry's fields (`path`, `format`, `error`, `frames`, `rejections`, …).
    public subscript<Value>(dynamicMember keyPath: KeyPath<FileEntry, Value>) -> Value { entry[keyPath: keyPath] }
}

/// What `check` says of one vehicle over all its data: distances by class (SPEC 3.3) and
/// plain-language warnings about what will not be paid.
public struct VehicleCheck: Sendable {
    /// The vehicle.
    public var vin: Vin
    /// Frames after deduplication.
    public var frames: Int
    /// Calendar days (policy zone) with data.
    public var daysWithData: Int
    /// First and last frame time.
    public var firstTs: Int64?
    /// Last frame time.
    public var lastTs: Int64?
    /// Distance by class and rollbacks over all the data (its per-year fields are not used).
    public var distances = VehicleYear()
    /// Exact duplicates.
    public var exactDuplicates = 0
    /// Conflicting duplicates.
    public var conflictingDuplicates = 0
    /// What the operator should look at, in words.
    public var warnings: [Phrase] = []

    /// Describes a timeline with the policy's telemetry rules.
    public init(_ timeline: Timeline, policy limits: TelemetryLimits, offset: Int) {
        vin = timeline.vin
        let readings = timeline.readings
        frames = readings.count
        firstTs = readings.first?.ts
        lastTs = readings.last?.ts
        daysWithData = Set(readings.map { CivilTime.localDay($0.ts, offset: offset) }).count
        exactDuplicates = timeline.duplicates.reduce(0) { $0 + $1.exact }
        conflictingDuplicates = timeline.duplicates.reduce(0) { $0 + $1.conflicting }
        var gapsByDay: [Int: (count: Int, tenths: Int64)] = [:]
        var firstRollback: Int64?
        var firstOverspeed: Int64?
        var overspeedCount = 0
        let classes = timeline.classified(limits)
        distances.outliers = classes.outliers.count
        for interval in classes.intervals {
            let intervalClass = interval.intervalClass
            let a = readings[interval.from]
            let b = readings[interval.to]
            let dd = Int64(b.odometer) - Int64(a.odometer)
            // `check` covers every year: months here are only a place to book into.
            distances.book(intervalClass, dd: dd, month: CivilTime.date(fromDays: CivilTime.localDay(b.ts, offset: offset)).month - 1)
            switch intervalClass {
            case .rollback:
                if firstRollback == nil { firstRollback = b.ts }
            case .gap:
                let day = CivilTime.localDay(b.ts, offset: offset)
                gapsByDay[day, default: (0, 0)].count += 1
                gapsByDay[day, default: (0, 0)].tenths += dd
            case .overspeed:
                overspeedCount += 1
                if firstOverspeed == nil { firstOverspeed = b.ts }
            case .battery, .hydrogen, .suspect:
                break
            }
        }
        let time = { (ts: Int64) in CivilTime.rfc3339(ts, offset: offset) }
        let worstGapDays = gapsByDay.filter { $0.value.tenths > 0 }
            .sorted { $0.value.tenths != $1.value.tenths ? $0.value.tenths > $1.value.tenths : $0.key < $1.key }
        for (day, entry) in worstGapDays.prefix(5) {
            let dateText = CivilTime.dateText(day: day)
            warnings.append(
                Phrase(
                    "\(entry.count) gap\(entry.count == 1 ? "" : "s") longer than \(limits.maxGapSeconds) s "
                        + "on \(dateText) lost \(Units.km(entry.tenths)) km",
                    zh: "\(dateText) 有 \(entry.count) 处超过 \(limits.maxGapSeconds) 秒的数据中断，损失 \(Units.km(entry.tenths)) 公里"))
        }
        if worstGapDays.count > 5 {
            warnings.append(
                Phrase(
                    "gaps lost distance on \(worstGapDays.count - 5) more day(s); \(Units.km(distances.gap)) km in all",
                    zh: "另有 \(worstGapDays.count - 5) 天因数据中断损失里程；合计 \(Units.km(distances.gap)) 公里"))
        }
        if let firstOutlier = classes.outliers.first {
            let count = classes.outliers.count
            warnings.append(
                Phrase(
                    "\(count) odometer outlier\(count == 1 ? "" : "s") (first at \(time(readings[firstOutlier].ts))): "
                        + "single readings out of line with both neighbours, dropped before measuring",
                    zh: "\(count) 个里程表异常读数（第一个在 \(time(readings[firstOutlier].ts))）：与前后读数都不一致，计量前已剔除"))
        }
        if let firstRollback {
            warnings.append(
                Phrase(
                    "\(distances.rollbacks) odometer rollback\(distances.rollbacks == 1 ? "" : "s") (first at \(time(firstRollback))): "
                        + "the \(Units.km(distances.suspect)) km next to them are not paid",
                    zh: "\(distances.rollbacks) 次里程表回退（第一次在 \(time(firstRollback))）：相邻的 \(Units.km(distances.suspect)) 公里不予补贴"))
        }
        if let firstOverspeed {
            warnings.append(
                Phrase(
                    "\(overspeedCount) interval\(overspeedCount == 1 ? "" : "s") faster than \(limits.maxSpeedKmh) km/h "
                        + "(first at \(time(firstOverspeed))): \(Units.km(distances.overspeed)) km not paid",
                    zh: "\(overspeedCount) 个区间速度超过 \(limits.maxSpeedKmh) 公里/小时（第一个在 \(time(firstOverspeed))）："
                        + "\(Units.km(distances.overspeed)) 公里不予补贴"))
        }
        if distances.battery > 0 && distances.battery * 10 >= (distances.battery + distances.hydrogen) {
            warnings.append(
                Phrase(
                    "\(Units.km(distances.battery)) km driven without the fuel cell on (below the policy's threshold "
                        + "current at either end): not paid as hydrogen distance",
                    zh: "\(Units.km(distances.battery)) 公里在燃料电池未开启时行驶（区间任一端电流低于政策阈值）：不按氢能里程补贴"))
        }
        if conflictingDuplicates > 0 {
            warnings.append(
                Phrase(
                    "\(conflictingDuplicates) conflicting duplicate frame\(conflictingDuplicates == 1 ? "" : "s") "
                        + "(same time, different readings): the lowest odometer is kept",
                    zh: "\(conflictingDuplicates) 个冲突重复帧（时间相同、读数不同）：保留里程表最小的一帧"))
        }
    }
}

/// The result of `h2fleet check`.
public struct CheckReport: Sendable {
    /// The policy whose telemetry rules were applied.
    public var policyId: String
    /// The policy's zone, seconds east of UTC.
    public var timezoneOffset: Int
    /// The telemetry rules.
    public var limits: TelemetryLimits
    /// Every input file, sorted by path.
    public var files: [FileCheck]
    /// Files found in directories and not read, sorted by path (SPEC 2.2).
    public var skipped: [SkippedFile] = []
    /// Every vehicle with frames, sorted by VIN.
    public var vehicles: [VehicleCheck]
    /// What the operator should not miss about the files as a whole, sorted by code, then path.
    public var warnings: [ReportWarning] = []

    /// Creates a check report.
    public init(
        policyId: String, timezoneOffset: Int, limits: TelemetryLimits, files: [FileCheck],
        vehicles: [VehicleCheck]
    ) {
        self.policyId = policyId
        self.timezoneOffset = timezoneOffset
        self.limits = limits
        self.files = files
        self.vehicles = vehicles
    }

    /// Whether any file cannot be read (exit status 3).
    public var hasFailedInputs: Bool { files.contains { $0.error != nil } }
}
