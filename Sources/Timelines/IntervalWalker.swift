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
    /// The interval whose final class waits for the raw class of the next one.
    struct Pending: Sendable, Equatable {
        var from: Reading
        var to: Reading
        var raw: IntervalClass
    }

    /// The limits of the policy.
    public let limits: TelemetryLimits
    /// The reading before `previous`: its left neighbour.
    private var beforePrevious: Reading?
    /// The latest reading; its verdict waits for the next one.
    private var previous: Reading?
    /// Whether (`beforePrevious`, `previous`) is out of line.
    private var previousOutOfLine = false
    /// The latest reading judged not an outlier.
    private var lastKept: Reading?
    private var pending: Pending?
    /// The raw class of the interval before `pending`.
    private var beforePendingRaw: IntervalClass?
    /// Readings judged not outliers so far.
    public private(set) var keptCount = 0

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
    @inline(__always)
    public mutating func add(_ next: Reading, into sink: inout some WalkSink) {
        var nextOutOfLine = false
        if let b = previous {
            nextOutOfLine = IntervalWalker.outOfLine(b, next, limits)
            // Both pairs around `b` out of line while its neighbours agree: an outlier.
            if previousOutOfLine && nextOutOfLine, let a = beforePrevious, !IntervalWalker.outOfLine(a, next, limits)
            {
                sink.outlier(b)
            } else {
                keep(b, into: &sink)
            }
        }
        beforePrevious = previous
        previous = next
        previousOutOfLine = nextOutOfLine
    }

    /// Ends the timeline: its last reading is never an outlier, and the last interval has no
    /// next one.
    public mutating func finish(into sink: inout some WalkSink) {
        if let b = previous { keep(b, into: &sink) }
        if let pending { settle(pending, next: nil, into: &sink) }
        self = IntervalWalker(limits: limits)
    }

    @inline(__always)
    private mutating func keep(_ reading: Reading, into sink: inout some WalkSink) {
        keptCount += 1
        if let from = lastKept {
            let raw = Timeline.classify(from, reading, limits)
            if let pending { settle(pending, next: raw, into: &sink) }
            beforePendingRaw = pending?.raw
            pending = Pending(from: from, to: reading, raw: raw)
        }
        lastKept = reading
    }

    /// Gives the pending interval its final class: battery or hydrogen next to a rollback is
    /// suspect.
    @inline(__always)
    private func settle(_ interval: Pending, next: IntervalClass?, into sink: inout some WalkSink) {
        var finalClass = interval.raw
        if finalClass.isPowered && (beforePendingRaw == .rollback || next == .rollback) { finalClass = .suspect }
        sink.interval(from: interval.from, to: interval.to, finalClass)
    }
}
