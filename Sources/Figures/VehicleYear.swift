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

    /// The year `year` in a zone `offset` seconds east of UTC.
    public init(_ year: Int, offset: Int) {
        self.year = year
        self.offset = offset
        start = CivilTime.startOfYear(year, offset: offset)
        end = CivilTime.startOfYear(year + 1, offset: offset)
    }

    /// Whether an instant falls in the year.
    @inline(__always)
    public func contains(_ ts: Int64) -> Bool { ts >= start && ts < end }
}

/// One vehicle's figures for one year (SPEC 3.5). Distances in tenths of a km.
public struct VehicleYear: Sendable, Equatable {
    /// Frames kept after deduplication whose time is in the year.
    public var frames = 0
    /// Exact duplicates among frames in the year.
    public var exactDuplicates = 0
    /// Conflicting duplicates among frames in the year.
    public var conflictingDuplicates = 0
    /// First and last frame time in the year.
    public var firstTs: Int64?
    /// Last frame time in the year.
    public var lastTs: Int64?
    /// Calendar days (policy zone) with at least one frame.
    public var daysWithData = 0
    /// Hydrogen distance.
    public var hydrogen: Int64 = 0
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

    /// Empty figures (a vehicle without telemetry).
    public init() {}

    /// Computes the figures of `timeline` for `year`, with interval classes from `limits`.
    /// - Complexity: O(n) in the timeline's frames.
    public init(_ timeline: Timeline, year: ReportYear, limits: TelemetryLimits) {
        self.init()
        let readings = timeline.readings
        var lastDay = Int.min
        for reading in readings where year.contains(reading.ts) {
            frames += 1
            if firstTs == nil { firstTs = reading.ts }
            lastTs = reading.ts
            let day = CivilTime.localDay(reading.ts, offset: year.offset)
            if day != lastDay {
                daysWithData += 1
                lastDay = day
            }
        }
        for duplicate in timeline.duplicates where year.contains(duplicate.ts) {
            exactDuplicates += duplicate.exact
            conflictingDuplicates += duplicate.conflicting
        }
        let classes = timeline.intervalClasses(limits)
        for (index, intervalClass) in classes.enumerated() {
            let end = readings[index + 1]
            guard year.contains(end.ts) else { continue }
            let dd = Int64(end.odometer) - Int64(readings[index].odometer)
            switch intervalClass {
            case .rollback: rollbacks += 1
            case .gap: gap += dd
            case .overspeed: overspeed += dd
            case .battery: battery += dd
            case .hydrogen: hydrogen += dd
            case .suspect: suspect += dd
            }
        }
    }
}
