import Frames

/// One frame of a vehicle whose VIN is known from context: 16 bytes, no heap storage.
public struct Reading: Sendable, Hashable, Comparable {
    /// Seconds since the epoch.
    public var ts: Int64
    /// Odometer, tenths of a km.
    public var odometer: Int32
    /// Stack current, tenths of an ampere.
    public var current: Int32

    /// Creates a reading.
    @inlinable
    public init(ts: Int64, odometer: Int32, current: Int32) {
        self.ts = ts
        self.odometer = odometer
        self.current = current
    }

    /// Time first, then the lowest odometer, then the lowest current: the order in which the
    /// first reading of a run of duplicates is the one SPEC 3.2 keeps.
    @inlinable
    public static func < (a: Reading, b: Reading) -> Bool {
        if a.ts != b.ts { return a.ts < b.ts }
        if a.odometer != b.odometer { return a.odometer < b.odometer }
        return a.current < b.current
    }
}

/// Groups frames by vehicle as they are decoded (a `FrameSink`).
///
/// One collector per file, so that a failed file's frames can be dropped whole (SPEC 2.2).
public struct FrameCollector: FrameSink, Sendable {
    private var table = VinTable()
    /// The readings of `vins[i]`, in arrival order.
    public private(set) var readings: [[Reading]] = []

    /// The vehicles seen, in order of first appearance.
    public var vins: [Vin] { table.vins }

    /// An empty collector.
    public init() {}

    /// Adds one frame to its vehicle's readings.
    public mutating func accept(_ frame: Frame) {
        let slot = table.index(of: frame.vin)
        if slot == readings.count { readings.append([]) }
        readings[slot].append(Reading(ts: frame.ts, odometer: frame.odometer, current: frame.current))
    }

    /// Adds all of `other`'s readings.
    public mutating func merge(_ other: consuming FrameCollector) {
        for (position, vin) in other.vins.enumerated() {
            let slot = table.index(of: vin)
            if slot == readings.count { readings.append([]) }
            readings[slot].append(contentsOf: other.readings[position])
        }
    }
}
