import Frames

/// The limits that decide an interval's class (SPEC 3.3), from the policy's `[telemetry]`.
public struct TelemetryLimits: Sendable, Equatable {
    /// The longest interval still trusted, seconds.
    public var maxGapSeconds: Int64
    /// The plausibility limit, km/h.
    public var maxSpeedKmh: Int64
    /// The stack current from which the fuel cell counts as on, tenths of an ampere.
    public var fuelCellOnCurrent: Int32

    /// Creates limits.
    public init(maxGapSeconds: Int64, maxSpeedKmh: Int64, fuelCellOnCurrent: Int32) {
        self.maxGapSeconds = maxGapSeconds
        self.maxSpeedKmh = maxSpeedKmh
        self.fuelCellOnCurrent = fuelCellOnCurrent
    }
}

/// The class of an interval between two consecutive frames (SPEC 3.3).
public enum IntervalClass: UInt8, Sendable, CaseIterable {
    case rollback, gap, overspeed, battery, hydrogen, suspect

    /// The name used in reports.
    public var name: String {
        switch self {
        case .rollback: "rollback"
        case .gap: "gap"
        case .overspeed: "overspeed"
        case .battery: "battery"
        case .hydrogen: "hydrogen"
        case .suspect: "suspect"
        }
    }
}

/// Duplicates found at one timestamp (SPEC 3.2).
public struct DuplicateCount: Sendable, Equatable {
    /// The shared timestamp.
    public var ts: Int64
    /// Frames beyond the kept one that equal it.
    public var exact: Int
    /// Frames beyond the kept one that differ from it.
    public var conflicting: Int

    /// Creates a count.
    public init(ts: Int64, exact: Int, conflicting: Int) {
        self.ts = ts
        self.exact = exact
        self.conflicting = conflicting
    }
}

/// One vehicle's frames from all inputs, in time order, without duplicates (SPEC 3.1, 3.2).
public struct Timeline: Sendable {
    /// The vehicle.
    public let vin: Vin
    /// The kept readings, strictly increasing in `ts`.
    public let readings: [Reading]
    /// The timestamps that had duplicates, in time order.
    public let duplicates: [DuplicateCount]

    /// Builds a timeline from readings in any order: sorts them and removes duplicates.
    ///
    /// Of frames sharing a timestamp, the one with the lowest odometer, then the lowest current,
    /// is kept; the result does not depend on the order of `readings`.
    /// - Complexity: O(n log n).
    public init(vin: Vin, readings unsorted: [Reading]) {
        self.init(vin: vin, sortedReadings: unsorted.sorted()[...])
    }

    /// Builds a timeline from readings already sorted by `Reading`'s order.
    /// - Complexity: O(n).
    public init(vin: Vin, sortedReadings sorted: ArraySlice<Reading>) {
        self.vin = vin
        var kept: [Reading] = []
        kept.reserveCapacity(sorted.count)
        var duplicates: [DuplicateCount] = []
        for reading in sorted {
            guard let last = kept.last, last.ts == reading.ts else {
                kept.append(reading)
                continue
            }
            let exact = last == reading
            if let lastDuplicate = duplicates.last, lastDuplicate.ts == reading.ts {
                duplicates[duplicates.count - 1].exact += exact ? 1 : 0
                duplicates[duplicates.count - 1].conflicting += exact ? 0 : 1
            } else {
                duplicates.append(DuplicateCount(ts: reading.ts, exact: exact ? 1 : 0, conflicting: exact ? 0 : 1))
            }
        }
        self.readings = kept
        self.duplicates = duplicates
    }

    /// The timeline's odometer outliers and the intervals between the readings that remain,
    /// each with its final class (SPEC 3.3), by index into `readings`.
    /// - Complexity: O(n log n).
    public func classified(_ limits: TelemetryLimits) -> TimelineClasses {
        var collected = TimelineClasses(readings: readings)
        var walker = IntervalWalker(limits: limits)
        for reading in readings { walker.add(reading, into: &collected) }
        walker.finish(into: &collected)
        return collected
    }

    /// The first class of SPEC 3.3's table that applies to the interval from `a` to `b`.
    @inlinable @inline(__always)
    public static func classify(_ a: Reading, _ b: Reading, _ limits: TelemetryLimits) -> IntervalClass {
        let dt = b.ts - a.ts
        let dd = Int64(b.odometer) - Int64(a.odometer)
        if dd < 0 { return .rollback }
        if dt > limits.maxGapSeconds { return .gap }
        if 360 * (dd - 1) > limits.maxSpeedKmh * dt { return .overspeed }
        if a.current >= limits.fuelCellOnCurrent && b.current >= limits.fuelCellOnCurrent { return .hydrogen }
        return .battery
    }
}

extension IntervalClass {
    /// Battery and hydrogen intervals: the ones a neighbouring rollback makes suspect.
    @inlinable @inline(__always)
    public var isPowered: Bool { self == .battery || self == .hydrogen }
}

/// A timeline's outliers and classified intervals, by index into its readings (SPEC 3.3).
public struct TimelineClasses: WalkSink, Sendable {
    /// One interval between consecutive readings that are not outliers.
    public struct Interval: Sendable, Equatable {
        /// Index of the start reading.
        public var from: Int
        /// Index of the end reading.
        public var to: Int
        /// Its final class.
        public var intervalClass: IntervalClass

        /// Creates an interval.
        public init(from: Int, to: Int, intervalClass: IntervalClass) {
            self.from = from
            self.to = to
            self.intervalClass = intervalClass
        }
    }

    private let readings: [Reading]
    /// Indices of the readings judged odometer outliers, in time order.
    public private(set) var outliers: [Int] = []
    /// The intervals, in time order.
    public private(set) var intervals: [Interval] = []

    init(readings: [Reading]) {
        self.readings = readings
    }

    /// The index of a reading of the timeline (timestamps are unique).
    private func index(of reading: Reading) -> Int {
        readings.partitionPoint { $0.ts >= reading.ts }
    }

    public mutating func outlier(_ reading: Reading) {
        outliers.append(index(of: reading))
    }

    public mutating func interval(from: Reading, to: Reading, _ intervalClass: IntervalClass) {
        intervals.append(Interval(from: index(of: from), to: index(of: to), intervalClass: intervalClass))
    }
}

extension Array {
    /// The first index whose element satisfies `belongsAfter`, for an array partitioned by it
    /// (all elements that do not, first).
    public func partitionPoint(_ belongsAfter: (Element) -> Bool) -> Int {
        var low = 0
        var high = count
        while low < high {
            let middle = (low + high) / 2
            if belongsAfter(self[middle]) { high = middle } else { low = middle + 1 }
        }
        return low
    }
}
