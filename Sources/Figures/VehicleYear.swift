import Frames
import Timelines

/// A calendar year in the policy's zone (SPEC 3.4).
public struct ReportYear: Sendable, Equatable {
    /// The year, e.g. 2025.
    public let year: Int
    /// The zone, seconds east of UTC.
    public let offset: Int
    /// First instant of the year.
    public let start: Int64
    /// First instant of the next year.
    public let end: Int64
    /// The local day number of 1 January.
    private let firstDay: Int

    /// The year `year` in a zone `offset` seconds east of UTC.
    public init(_ year: Int, offset: Int) {
        self.year = year
        self.offset = offset
        start = CivilTime.startOfYear(year, offset: offset)
        end = CivilTime.startOfYear(year + 1, offset: offset)
        firstDay = CivilTime.days(year: year, month: 1, day: 1)
    }

    /// Whether an instant falls in the year.
    @inline(__always)
    public func contains(_ ts: Int64) -> Bool { ts >= start && ts < end }

    /// The day of the year (0 for 1 January) of an instant in the year.
    @inline(__always)
    public func dayIndex(_ ts: Int64) -> Int { CivilTime.localDay(ts, offset: offset) - firstDay }

    /// The month (0 for January) of an instant in the year, and the instants that month spans
    /// (SPEC 3.4: an interval belongs to the month that contains its end).
    public func month(containing ts: Int64) -> (index: Int, span: Range<Int64>) {
        let month = CivilTime.date(fromDays: CivilTime.localDay(ts, offset: offset)).month
        let first = CivilTime.days(year: year, month: month, day: 1)
        let next = month == 12 ? CivilTime.days(year: year + 1, month: 1, day: 1) : CivilTime.days(year: year, month: month + 1, day: 1)
        return (month - 1, CivilTime.startOfDay(first, offset: offset)..<CivilTime.startOfDay(next, offset: offset))
    }
}

/// Remembers the month of the last instant asked about, so that a walk through a timeline in
/// time order finds each interval's month with two comparisons.
public struct MonthCursor: Sendable {
    private let year: ReportYear
    private var span: Range<Int64> = 0..<0
    private var index = 0

    /// A cursor over `year`'s months.
    public init(_ year: ReportYear) { self.year = year }

    /// The month (0 for January) of an instant in the year.
    @inline(__always)
    public mutating func month(of ts: Int64) -> Int {
        if !span.contains(ts) { (index, span) = year.month(containing: ts) }
        return index
    }
}

/// A distance for each month of a year (tenths of a km), January first.
public struct MonthlyDistance: Sendable, Equatable {
    private var storage = InlineArray<12, Int64>(repeating: 0)

    /// Nothing in any month.
    public init() {}

    /// The distance of month `index` (0 for January).
    public subscript(index: Int) -> Int64 {
        get { storage[index] }
        set { storage[index] = newValue }
    }

    /// The twelve distances, January first.
    public var values: [Int64] { (0..<12).map { storage[$0] } }

    /// Adds the distances of `other`, month by month.
    public mutating func add(_ other: MonthlyDistance) {
        for index in 0..<12 { storage[index] += other.storage[index] }
    }

    /// Whether both hold the same distances.
    public static func == (lhs: MonthlyDistance, rhs: MonthlyDistance) -> Bool {
        (0..<12).allSatisfy { lhs.storage[$0] == rhs.storage[$0] }
    }
}

/// One vehicle's figures for one year (SPEC 3.5). Distances in tenths of a km.
public struct VehicleYear: Sendable, Equatable {
    /// Frames kept after deduplication whose time is in the year.
    public var frames = 0
    /// Exact duplicates among frames in the year.
    public var exactDuplicates = 0
    /// Conflicting duplicates among frames in the year.
    public var conflictingDuplicates = 0
    /// First frame time in the year.
    public var firstTs: Int64?
    /// Last frame time in the year.
    public var lastTs: Int64?
    /// The calendar days (policy zone) with at least one frame.
    public var days = DaySet()
    /// Hydrogen distance.
    public var hydrogen: Int64 = 0
    /// Hydrogen distance by the month of each interval's end (SPEC 3.4); sums to `hydrogen`.
    public var hydrogenByMonth = MonthlyDistance()
    /// Battery distance.
    public var battery: Int64 = 0
    /// Excluded: gaps.
    public var gap: Int64 = 0
    /// Excluded: overspeed.
    public var overspeed: Int64 = 0
    /// Excluded: next to a rollback.
    public var suspect: Int64 = 0
    /// Odometer rollback events.
    public var rollbacks = 0
    /// Odometer outliers (SPEC 3.3) whose time is in the year.
    public var outliers = 0

    /// Calendar days with at least one frame.
    public var daysWithData: Int { days.count }

    /// Empty figures (a vehicle without telemetry).
    public init() {}

    /// Computes the figures of a whole timeline for `year`, with interval classes from `limits`.
    /// - Complexity: O(n log n) in the timeline's frames.
    public init(_ timeline: Timeline, year: ReportYear, limits: TelemetryLimits) {
        self.init()
        countFrames(of: timeline, in: year)
        let readings = timeline.readings
        let classes = timeline.classified(limits)
        outliers = classes.outliers.count { year.contains(readings[$0].ts) }
        var months = MonthCursor(year)
        for interval in classes.intervals where year.contains(readings[interval.to].ts) {
            let to = readings[interval.to]
            book(
                interval.intervalClass, dd: Int64(to.odometer) - Int64(readings[interval.from].odometer),
                month: months.month(of: to.ts))
        }
    }

    /// Counts one kept frame (SPEC 3.5) when it is in `year`; `lastDay` is the day of the
    /// frame counted before it, so that a run of frames of one day is one insertion.
    @inline(__always)
    public mutating func count(_ reading: Reading, in year: ReportYear, lastDay: inout Int) {
        guard year.contains(reading.ts) else { return }
        frames += 1
        if firstTs == nil { firstTs = reading.ts }
        lastTs = reading.ts
        let day = year.dayIndex(reading.ts)
        if day != lastDay {
            days.insert(day)
            lastDay = day
        }
    }

    /// Counts the frames, days and duplicates of `timeline` that fall in `year` (SPEC 3.5).
    public mutating func countFrames(of timeline: Timeline, in year: ReportYear) {
        for reading in timeline.readings where year.contains(reading.ts) {
            frames += 1
            if firstTs == nil { firstTs = reading.ts }
            lastTs = reading.ts
            days.insert(year.dayIndex(reading.ts))
        }
        for duplicate in timeline.duplicates where year.contains(duplicate.ts) {
            exactDuplicates += duplicate.exact
            conflictingDuplicates += duplicate.conflicting
        }
    }

    /// Books one interval of the year by its final class (SPEC 3.3), in month `month` (0 for
    /// January) of its end (SPEC 3.4).
    @inline(__always)
    public mutating func book(_ intervalClass: IntervalClass, dd: Int64, month: Int) {
        switch intervalClass {
        case .rollback: rollbacks += 1
        case .gap: gap += dd
        case .overspeed: overspeed += dd
        case .battery: battery += dd
        case .hydrogen:
            hydrogen += dd
            hydrogenByMonth[month] += dd
        case .suspect: suspect += dd
        }
    }

    /// Adds the figures of a disjoint part of the same vehicle's timeline.
    public mutating func absorb(_ other: VehicleYear) {
        frames += other.frames
        exactDuplicates += other.exactDuplicates
        conflictingDuplicates += other.conflictingDuplicates
        if let first = other.firstTs { firstTs = min(firstTs ?? first, first) }
        if let last = other.lastTs { lastTs = max(lastTs ?? last, last) }
        days.formUnion(other.days)
        hydrogen += other.hydrogen
        hydrogenByMonth.add(other.hydrogenByMonth)
        battery += other.battery
        gap += other.gap
        overspeed += other.overspeed
        suspect += other.suspect
        rollbacks += other.rollbacks
        outliers += other.outliers
    }
}
