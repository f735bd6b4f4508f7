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

    /// Summarises a timeline (sorted, deduplicated frames of one vehicle) for `year`.
    public init(_ timeline: Timeline, year: ReportYear, limits: TelemetryLimits) {
        let readings = timeline.readings
        first = readings[0]
        last = readings[readings.count - 1]
        keptFrames = readings.count
        exactDuplicates = timeline.duplicates.reduce(0) { $0 + $1.exact }
        conflictingDuplicates = timeline.duplicates.reduce(0) { $0 + $1.conflicting }
        var figures = VehicleYear()
        figures.countFrames(of: timeline, in: year)
        let classes = timeline.intervalClasses(limits)
        let lastIndex = classes.count - 1
        var head: EdgeInterval?
        var tail: EdgeInterval?
        for (index, finalClass) in classes.enumerated() {
            let a = readings[index]
            let b = readings[index + 1]
            let dd = Int64(b.odometer) - Int64(a.odometer)
            let inYear = year.contains(b.ts)
            let isEdge = index == 0 || index == lastIndex
            // An edge interval that is battery or hydrogen after the rule inside the segment may
            // still become suspect through a neighbour outside it: not booked yet.
            let pending = isEdge && (finalClass == .battery || finalClass == .hydrogen)
            if !pending && inYear { figures.book(finalClass, dd: dd) }
            if isEdge {
                let edge = EdgeInterval(
                    rawClass: Timeline.classify(a, b, limits), dd: dd, inYear: inYear, booked: !pending)
                if index == 0 { head = edge } else { tail = edge }
            }
        }
        self.head = head
        self.tail = tail
        self.figures = figures
    }
}

/// Joins the segments of one vehicle into its figures for the year (SPEC 3.3–3.5).
public enum SegmentJoin {
    /// The figures of a vehicle whose segments are given in any order, or `nil` when two of
    /// them overlap in time (then the frames themselves must be merged).
    public static func figures(_ segments: [Segment], year: ReportYear, limits: TelemetryLimits) -> VehicleYear? {
        let sorted = segments.sorted { $0.first.ts < $1.first.ts }
        for index in sorted.indices.dropFirst() where sorted[index - 1].last.ts >= sorted[index].first.ts {
            return nil
        }
        var figures = VehicleYear()
        // The intervals whose final class is still open, in time order: segment edges and the
        // intervals between segments. `linked` says whether an item is adjacent to the one
        // before it in this list.
        var items: [(edge: EdgeInterval, linked: Bool)] = []
        for (index, segment) in sorted.enumerated() {
            figures.absorb(segment.figures)
            if index > 0 {
                let previous = sorted[index - 1].last
                let raw = Timeline.classify(previous, segment.first, limits)
                let between = EdgeInterval(
                    rawClass: raw, dd: Int64(segment.first.odometer) - Int64(previous.odometer),
                    inYear: year.contains(segment.first.ts), booked: false)
                items.append((between, true))
            }
            if let head = segment.head { items.append((head, true)) }
            // With exactly two intervals, head and tail are adjacent; the rule between them was
            // applied inside the segment, and applying it again changes nothing.
            if let tail = segment.tail { items.append((tail, segment.intervalCount == 2)) }
        }
        for index in items.indices where !items[index].edge.booked {
            let edge = items[index].edge
            var finalClass = edge.rawClass
            if finalClass == .battery || finalClass == .hydrogen {
                let before = items[index].linked && index > 0 && items[index - 1].edge.rawClass == .rollback
                let after =
                    index + 1 < items.count && items[index + 1].linked
                    && items[index + 1].edge.rawClass == .rollback
                if before || after { finalClass = .suspect }
            }
            if edge.inYear { figures.book(finalClass, dd: edge.dd) }
        }
        return figures
    }
}
