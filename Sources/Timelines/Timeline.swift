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

    /// The class of each interval: element `i` is the interval from `readings[i]` to
    /// `readings[i + 1]` (SPEC 3.3, including the rollback neighbours rule).
    /// - Complexity: O(n).
    public func intervalClasses(_ limits: TelemetryLimits) -> [IntervalClass] {
        guard readings.count > 1 else { return [] }
        var classes = [IntervalClass](repeating: .hydrogen, count: readings.count - 1)
        for index in classes.indices {
            classes[index] = Timeline.classify(readings[index], readings[index + 1], limits)
        }
        for index in classes.indices where classes[index] == .rollback {
            if index > 0 && classes[index - 1].isPowered { classes[index - 1] = .suspect }
            if index + 1 < classes.count && classes[index + 1].isPowered { classes[index + 1] = .suspect }
        }
        return classes
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
