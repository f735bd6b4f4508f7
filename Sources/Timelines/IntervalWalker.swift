import Frames

/// Receives what `IntervalWalker` decides, in time order.
public protocol WalkSink {
    /// `reading` is an odometer outlier (SPEC 3.3): dropped before intervals are classified.
    mutating func outlier(_ reading: Reading)
    /// The interval from `from` to `to` (consecutive frames once outliers are dropped) has its
    /// final class, the rollback-neighbour rule applied.
    mutating func interval(from: Reading, to: Reading, _ intervalClass: IntervalClass)
}

/// The one implementation of SPEC 3.3: walks a vehicle's deduplicated readings in time order,
/// judges each reading an odometer outlier or not, classifies the intervals between the readings
/// that remain and applies the rollback-neighbour rule.
///
/// It holds a few readings of state and looks one reading ahead at each of its two steps, so a
/// timeline can be walked in pieces: `Segment` keeps a walker's state at the end of a piece and
/// replays the first readings of the next piece into it, which gives exactly what walking the
/// whole timeline gives.
public struct IntervalWalker: Sendable, Equatable {
    /// The limits of the policy.
    public let limits: TelemetryLimits
    // The state is kept in plain fields with counts saying which are set (no optionals: this
    // runs once per frame).
    /// The reading before `previous`: its left neighbour (set when `seen >= 2`).
    @usableFromInline var beforePrevious = Reading(ts: 0, odometer: 0, current: 0)
    /// The latest reading, whose verdict waits for the next one (set when `seen >= 1`).
    @usableFromInline var previous = Reading(ts: 0, odometer: 0, current: 0)
    /// Readings taken so far, counted up to 2.
    @usableFromInline var seen = 0
    /// Whether (`beforePrevious`, `previous`) is out of line.
    @usableFromInline var previousOutOfLine = false
    /// The latest reading judged not an outlier (set when `kept >= 1`).
    @usableFromInline var lastKept = Reading(ts: 0, odometer: 0, current: 0)
    /// The interval from `pendingFrom` to `lastKept`, whose final class waits for the raw class
    /// of the next one (set when `kept >= 2`).
    @usableFromInline var pendingFrom = Reading(ts: 0, odometer: 0, current: 0)
    @usableFromInline var pendingRaw = IntervalClass.hydrogen
    /// Whether the interval before the pending one was a rollback.
    @usableFromInline var rollbackBeforePending = false
    /// Readings judged not outliers so far.
    @usableFromInline var kept = 0
    /// Readings judged not outliers so far.
    public var keptCount: Int { kept }

    /// A walker at the start of a timeline.
    public init(limits: TelemetryLimits) {
        self.limits = limits
    }

    /// Whether a pair of readings is out of line (SPEC 3.3): the conditions of rules 1 and 3
    /// of the interval table, alone.
    @inlinable @inline(__always)
    public static func outOfLine(_ p: Reading, _ q: Reading, _ limits: TelemetryLimits) -> Bool {
        let dd = Int64(q.odometer) - Int64(p.odometer)
        return dd < 0 || 360 * (dd - 1) > limits.maxSpeedKmh * (q.ts - p.ts)
    }

    /// Takes the next reading (strictly later than the last one): decides the verdict of the
    /// reading before it, now that both its neighbours are known.
    @inlinable @inline(__always)
    public mutating func add(_ next: Reading, into sink: inout some WalkSink) {
        var nextOutOfLine = false
        if seen > 0 {
            let b = previous
            nextOutOfLine = IntervalWalker.outOfLine(b, next, limits)
            // Both pairs around `b` out of line while its neighbours agree: an outlier.
            if previousOutOfLine && nextOutOfLine && !IntervalWalker.outOfLine(beforePrevious, next, limits) {
                sink.outlier(b)
            } else {
                keep(b, into: &sink)
            }
            beforePrevious = b
        }
        previous = next
        previousOutOfLine = nextOutOfLine
        seen = min(seen + 1, 2)
    }

    /// Ends the timeline: its last reading is never an outlier, and the last interval has no
    /// next one.
    @inlinable
    public mutating func finish(into sink: inout some WalkSink) {
        if seen > 0 { keep(previous, into: &sink) }
        if kept >= 2 { settle(next: nil, into: &sink) }
        self = IntervalWalker(limits: limits)
    }

    @inlinable @inline(__always)
    mutating func keep(_ reading: Reading, into sink: inout some WalkSink) {
        if kept > 0 {
            let raw = Timeline.classify(lastKept, reading, limits)
            if kept >= 2 {
                settle(next: raw, into: &sink)
                rollbackBeforePending = pendingRaw == .rollback
            }
            pendingFrom = lastKept
            pendingRaw = raw
        }
        lastKept = reading
        kept += 1
    }

    /// Gives the pending interval its final class: battery or hydrogen next to a rollback is
    /// suspect.
    @inlinable @inline(__always)
    func settle(next: IntervalClass?, into sink: inout some WalkSink) {
        var finalClass = pendingRaw
        if finalClass.isPowered && (rollbackBeforePending || next == .rollback) { finalClass = .suspect }
        sink.interval(from: pendingFrom, to: lastKept, finalClass)
    }
}

extension Reading {
    /// Writes the reading (16 bytes).
    public func encode(into writer: inout ByteWriter) {
        writer.write(ts)
        writer.write(odometer)
        writer.write(current)
    }

    /// Reads a reading `encode` wrote.
    public init(decoding reader: inout ByteReader) throws(ByteReaderError) {
        self.init(ts: try reader.read(), odometer: try reader.read(), current: try reader.read())
    }
}

extension IntervalWalker {
    /// Writes the walker's state (its limits are the policy's, recorded by whoever stores it).
    public func encode(into writer: inout ByteWriter) {
        for reading in [beforePrevious, previous, lastKept, pendingFrom] { reading.encode(into: &writer) }
        writer.write(UInt8(seen))
        writer.write(previousOutOfLine)
        writer.write(pendingRaw.rawValue)
        writer.write(rollbackBeforePending)
        writer.write(Int64(kept))
    }

    /// Reads a walker's state that `encode` wrote, with the policy's `limits`.
    public init(decoding reader: inout ByteReader, limits: TelemetryLimits) throws(ByteReaderError) {
        self.init(limits: limits)
        beforePrevious = try Reading(decoding: &reader)
        previous = try Reading(decoding: &reader)
        lastKept = try Reading(decoding: &reader)
        pendingFrom = try Reading(decoding: &reader)
        seen = Int(try reader.read(UInt8.self))
        previousOutOfLine = try reader.readBool()
        guard let raw = IntervalClass(rawValue: try reader.read(UInt8.self)) else {
            throw ByteReaderError("an interval class is out of range")
        }
        pendingRaw = raw
        rollbackBeforePending = try reader.readBool()
        kept = Int(try reader.read(Int64.self))
    }
}
