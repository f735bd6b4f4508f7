import Figures
import Frames
import Timelines

/// What `check` says of one input file.
public struct FileCheck: Sendable {
    /// The path as reported.
    public var path: String
    /// `csv` or `gbt32960`.
    public var format: String
    /// Size as stored.
    public var bytes: Int64
    /// SHA-256 as stored.
    public var sha256: String
    /// Why the file cannot be used, `nil` when it can.
    public var error: String?
    /// Valid frames.
    public var frames: Int
    /// Rejected rows by reason, with samples.
    public var rejections: RejectionTally
    /// Distinct vehicles in the file.
    public var vehicles: Int
    /// Earliest and latest frame time.
    public var firstTs: Int64?
    /// Latest frame time.
    public var lastTs: Int64?
    /// Captures: valid frames by command (telemetry or not).
    public var framesByCommand: [UInt8: Int] = [:]
    /// Captures: valid frames by protocol revision.
    public var revisions: [Int: Int] = [:]

    /// Creates a file check.
    public init(
        path: String, format: String, bytes: Int64, sha256: String, error: String?, frames: Int,
        rejections: RejectionTally, vehicles: Int, firstTs: Int64?, lastTs: Int64?
    ) {
        self.path = path
        self.format = format
        self.bytes = bytes
        self.sha256 = sha256
        self.error = error
        self.frames = frames
        self.rejections = rejections
        self.vehicles = vehicles
        self.firstTs = firstTs
        self.lastTs = lastTs
    }
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
    /// Distance by class, tenths of a km.
    public var hydrogen: Int64 = 0
    /// Battery distance.
    public var battery: Int64 = 0
    /// Excluded: gaps.
    public var gap: Int64 = 0
    /// Excluded: overspeed.
    public var overspeed: Int64 = 0
    /// Excluded: next to a rollback.
    public var suspect: Int64 = 0
    /// Odometer rollbacks.
    public var rollbacks = 0
    /// Exact duplicates.
    public var exactDuplicates = 0
    /// Conflicting duplicates.
    public var conflictingDuplicates = 0
    /// What the operator should look at, in words.
    public var warnings: [String] = []

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
        for (index, intervalClass) in timeline.intervalClasses(limits).enumerated() {
            let a = readings[index]
            let b = readings[index + 1]
            let dd = Int64(b.odometer) - Int64(a.odometer)
            switch intervalClass {
            case .rollback:
                rollbacks += 1
                if firstRollback == nil { firstRollback = b.ts }
            case .gap:
                gap += dd
                let day = CivilTime.localDay(b.ts, offset: offset)
                gapsByDay[day, default: (0, 0)].count += 1
                gapsByDay[day, default: (0, 0)].tenths += dd
            case .overspeed:
                overspeed += dd
                overspeedCount += 1
                if firstOverspeed == nil { firstOverspeed = b.ts }
            case .battery: battery += dd
            case .hydrogen: hydrogen += dd
            case .suspect: suspect += dd
            }
        }
        let time = { (ts: Int64) in CivilTime.rfc3339(ts, offset: offset) }
        let worstGapDays = gapsByDay.filter { $0.value.tenths > 0 }
            .sorted { $0.value.tenths != $1.value.tenths ? $0.value.tenths > $1.value.tenths : $0.key < $1.key }
        for (day, entry) in worstGapDays.prefix(5) {
            let dateText = CivilTime.dateText(day: day)
            warnings.append(
                "\(entry.count) gap\(entry.count == 1 ? "" : "s") longer than \(limits.maxGapSeconds) s "
                    + "on \(dateText) lost \(Units.km(entry.tenths)) km")
        }
        if worstGapDays.count > 5 {
            warnings.append("gaps lost distance on \(worstGapDays.count - 5) more day(s); \(Units.km(gap)) km in all")
        }
        if let firstRollback {
            warnings.append(
                "\(rollbacks) odometer rollback\(rollbacks == 1 ? "" : "s") (first at \(time(firstRollback))): "
                    + "the \(Units.km(suspect)) km next to them are not paid")
        }
        if let firstOverspeed {
            warnings.append(
                "\(overspeedCount) interval\(overspeedCount == 1 ? "" : "s") faster than \(limits.maxSpeedKmh) km/h "
                    + "(first at \(time(firstOverspeed))): \(Units.km(overspeed)) km not paid")
        }
        if battery > 0 && battery * 10 >= (battery + hydrogen) {
            warnings.append(
                "\(Units.km(battery)) km driven without the fuel cell on (below the policy's threshold "
                    + "current at either end): not paid as hydrogen distance")
        }
        if conflictingDuplicates > 0 {
            warnings.append(
                "\(conflictingDuplicates) conflicting duplicate frame\(conflictingDuplicates == 1 ? "" : "s") "
                    + "(same time, different readings): the lowest odometer is kept")
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
    /// Every vehicle with frames, sorted by VIN.
    public var vehicles: [VehicleCheck]

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
