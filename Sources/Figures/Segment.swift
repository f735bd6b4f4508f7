import Frames
import Timelines

/// An interval at the edge of a segment whose final class may depend on the neighbouring
/// segments (SPEC 3.3: a battery or hydrogen interval next to a rollback becomes suspect).
public struct EdgeInterval: Sendable, Equatable {
    /// The class from SPEC 3.3's table, before the rollback-neighbour rule.
    public var rawClass: IntervalClass
    /// Odometer difference, tenths of a km.
    public var dd: Int64
    /// Whether the interval belongs to the report year (its end is in the year).
    public var inYear: Bool
    /// Whether it is already booked in the segment's figures (its class is final).
    public var booked: Bool
}

/// A summary of one run of a vehicle's frames (from one file or one chunk of it) for the report
/// year: everything final is booked into `figures`; the first and last intervals, whose class
/// can still change when the run is joined to its neighbours, are kept as `EdgeInterval`s.
///
/// Segments of one vehicle that do not overlap in time join exactly (`SegmentJoin`), so a year
/// of telemetry is measured without holding its frames.
public struct Segment: Sendable {
    /// The first frame (earliest time).
    public var first: Reading
    /// The last frame (latest time).
    public var last: Reading
    /// Frames kept after deduplication, whatever their year.
    public var keptFrames: Int
    /// Number of intervals (`keptFrames - 1`).
    public var intervalCount: Int { keptFrames - 1 }
    /// The first interval, when there is one.
    public var head: EdgeInterval?
    /// The last interval, when there are two or more.
    public var tail: EdgeInterval?
    /// Figures of the year: frames, days, duplicates and every booked interval.
    public var figures: VehicleYear
    /// Exact duplicates among all the segment's frames, whatever their year.
    public var exactDuplicates: Int
    /// Conflicting duplicates among all the segment's frames, whatever their year.
    public var conflictingDuplicates: Int

    /// Summarises one vehicle's readings, in any order, for `year`.
    public init(readings: [Reading], year: ReportYear, limits: TelemetryLimits) {
        let sorted = readings.sorted()
        self = sorted.withUnsafeBufferPointer { Segment(sortedReadings: $0, year: year, limits: limits) }
    }

    /// Summarises one vehicle's readings, sorted by `Reading`'s order (duplicates included), for
    /// `year`, in one pass: what `Timeline` and `VehicleYear` compute, without their arrays.
    /// - Precondition: `sorted` is not empty.
    public init(sortedReadings sorted: UnsafeBufferPointer<Reading>, year: ReportYear, limits: TelemetryLimits) {
        var builder = SegmentBuilder(first: sorted[0], year: year, limits: limits)
        for index in 1..<sorted.count { builder.add(sorted[index]) }
        self = builder.finish()
    }

    /// One segment for `a` followed by `b` — what summarising their frames together gives — or
    /// `nil` when `b` does not start after `a` ends. Joining segments this way and then with
    /// `SegmentJoin` gives the figures `SegmentJoin` gives for them all.
    public static func joined(_ a: Segment, _ b: Segment, year: ReportYear, limits: TelemetryLimits) -> Segment? {
        guard a.last.ts < b.first.ts else { return nil }
        let between = EdgeInterval(
            rawClass: Timeline.classify(a.last, b.first, limits), dd: Int64(b.first.odometer) - Int64(a.last.odometer),
            inYear: year.contains(b.first.ts), booked: false)
        // The intervals whose class may still change, with their place among the joined
        // segment's intervals; the ones in between were settled inside `a` or `b`.
        let countA = a.intervalCount
        let countB = b.intervalCount
        let count = countA + countB + 1
        var items: [(place: Int, edge: EdgeInterval)] = []
        if let head = a.head { items.append((0, head)) }
        if let tail = a.tail { items.append((countA - 1, tail)) }
        items.append((countA, between))
        if let head = b.head { items.append((countA + 1, head)) }
        if let tail = b.tail { items.append((countA + countB, tail)) }
        var figures = a.figures
        figures.absorb(b.figures)
        for index in items.indices where !items[index].edge.booked {
            let (place, edge) = items[index]
            var finalClass = edge.rawClass
            // A neighbour that is not in `items` was settled inside its segment: not a rollback
            // that could still matter here.
            let before = index > 0 && items[index - 1].place == place - 1 && items[index - 1].edge.rawClass == .rollback
            let after =
                index + 1 < items.count && items[index + 1].place == place + 1
                && items[index + 1].edge.rawClass == .rollback
            if finalClass.isPowered && (before || after) { finalClass = .suspect }
            // At an end of the joined segment a battery or hydrogen interval stays open.
            if (place == 0 || place == count - 1) && finalClass.isPowered { continue }
            if edge.inYear { figures.book(finalClass, dd: edge.dd) }
            items[index].edge.booked = true
        }
        return Segment(
            first: a.first, last: b.last, keptFrames: a.keptFrames + b.keptFrames, head: items.first?.edge,
            tail: count >= 2 ? items.last?.edge : nil, figures: figures,
            exactDuplicates: a.exactDuplicates + b.exactDuplicates,
            conflictingDuplicates: a.conflictingDuplicates + b.conflictingDuplicates)
    }

    fileprivate init(
        first: Reading, last: Reading, keptFrames: Int, head: EdgeInterval?, tail: EdgeInterval?,
        figures: VehicleYear, exactDuplicates: Int, conflictingDuplicates: Int
    ) {
        self.first = first
        self.last = last
        self.keptFrames = keptFrames
        self.head = head
        self.tail = tail
        self.figures = figures
        self.exactDuplicates = exactDuplicates
        self.conflictingDuplicates = conflictingDuplicates
    }
}

/// Builds a `Segment` from sorted readings one at a time: drops duplicates (SPEC 3.2), classifies
/// each interval (SPEC 3.3) once the class of the next one is known (for the rollback-neighbour
/// rule), and books it — or keeps it as an edge when a neighbouring segment may still change it.
private struct SegmentBuilder {
    let year: ReportYear
    let limits: TelemetryLimits
    let first: Reading
    /// The last kept reading.
    var last: Reading
    var keptFrames = 1
    var exactDuplicates = 0
    var conflictingDuplicates = 0
    var figures = VehicleYear()
    /// The day of the year last added to `figures.days`.
    var lastDay = -1
    /// Intervals seen so far.
    var intervals = 0
    /// The newest interval, waiting for the class of the next one.
    var waiting: (raw: IntervalClass, dd: Int64, inYear: Bool)?
    /// The raw class of the interval before `waiting`.
    var beforeWaiting: IntervalClass?
    var head: EdgeInterval?
    var tail: EdgeInterval?

    init(first: Reading, year: ReportYear, limits: TelemetryLimits) {
        self.year = year
        self.limits = limits
        self.first = first
        last = first
        countFrame(first)
    }

    @inline(__always)
    mutating func add(_ reading: Reading) {
        if reading.ts == last.ts {
            // A duplicate of the kept reading, which sorts first (SPEC 3.2).
            let inYear = year.contains(reading.ts)
            if reading == last {
                exactDuplicates += 1
                if inYear { figures.exactDuplicates += 1 }
            } else {
                conflictingDuplicates += 1
                if inYear { figures.conflictingDuplicates += 1 }
            }
            return
        }
        let raw = Timeline.classify(last, reading, limits)
        let interval = (raw: raw, dd: Int64(reading.odometer) - Int64(last.odometer), inYear: year.contains(reading.ts))
        if let waiting { settle(waiting, next: raw) }
        beforeWaiting = waiting?.raw
        waiting = interval
        intervals += 1
        last = reading
        keptFrames += 1
        countFrame(reading)
    }

    @inline(__always)
    mutating func countFrame(_ reading: Reading) {
        guard year.contains(reading.ts) else { return }
        figures.frames += 1
        if figures.firstTs == nil { figures.firstTs = reading.ts }
        figures.lastTs = reading.ts
        let day = year.dayIndex(reading.ts)
        if day != lastDay {
            figures.days.insert(day)
            lastDay = day
        }
    }

    /// Gives the waiting interval its final class, knowing the raw class of the next one
    /// (`nil` at the end), and books it or keeps it as an edge.
    @inline(__always)
    mutating func settle(_ interval: (raw: IntervalClass, dd: Int64, inYear: Bool), next: IntervalClass?) {
        let index = intervals - 1
        var finalClass = interval.raw
        if finalClass.isPowered && (beforeWaiting == .rollback || next == .rollback) { finalClass = .suspect }
        let isEdge = index == 0 || next == nil
        // An edge interval that is battery or hydrogen after the rule inside the segment may
        // still become suspect through a neighbour outside it: not booked yet.
        let pending = isEdge && finalClass.isPowered
        if !pending && interval.inYear { figures.book(finalClass, dd: interval.dd) }
        if isEdge {
            let edge = EdgeInterval(rawClass: interval.raw, dd: interval.dd, inYear: interval.inYear, booked: !pending)
            if index == 0 { head = edge } else { tail = edge }
        }
    }

    mutating func finish() -> Segment {
        if let waiting { settle(waiting, next: nil) }
        return Segment(
            first: first, last: last, keptFrames: keptFrames, head: head, tail: tail, figures: figures,
            exactDuplicates: exactDuplicates, conflictingDuplicates: conflictingDuplicates)
    }
}

/// Joins the segments of one vehicle into its figures for the year (SPEC 3.3–3.5).
public enum SegmentJoin {
    /// The figures of a vehicle whose segments are given in any order, or `nil` when two of
    /// them overlap in time (then the frames themselves must be merged).
    public static func figures(_ segments: [Segment], year: ReportYear, limits: TelemetryLimits) -> VehicleYear? {
        let sorted = segments.sorted { $0.first.ts < $1.first.ts }
        guard var whole = sorted.first else { return VehicleYear() }
        for segment in sorted.dropFirst() {
            guard let joined = Segment.joined(whole, segment, year: year, limits: limits) else { return nil }
            whole = joined
        }
        // Nothing lies beyond the whole timeline: its open edges keep their class.
        var figures = whole.figures
        for edge in [whole.head, whole.tail].compactMap({ $0 }) where !edge.booked && edge.inYear {
            figures.book(edge.rawClass, dd: edge.dd)
        }
        return figures
    }
}
