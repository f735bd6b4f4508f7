import Frames
import Timelines

/// A summary of one run of a vehicle's frames (from one file or one chunk of it) for the report
/// year, which joins exactly with the summaries of the runs before and after it.
///
/// Whether a reading is an odometer outlier, and the final class of an interval, depend on a
/// few readings around it (SPEC 3.3). So a segment keeps, raw, its first readings up to the point
/// where `IntervalWalker`'s state no longer depends on anything before the segment (`head`:
/// usually five readings; all of them in a short segment), and the walker's state after its last
/// reading (`end`); everything decided between the two is booked into `figures`. Joining
/// replays the second segment's head into the first one's end state.
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
    /// Figures of the year: frames, days and duplicates of all the segment's frames, and the
    /// outliers and intervals decided after `head`.
    public var figures: VehicleYear
    /// Exact duplicates among all the segment's frames, whatever their year.
    public var exactDuplicates: Int
    /// Conflicting duplicates among all the segment's frames, whatever their year.
    public var conflictingDuplicates: Int
    /// The first kept readings, whose verdicts and intervals depend on the readings before the
    /// segment: replayed when it is joined. All its kept readings when `end` is `nil`.
    var head: [Reading]
    /// The walker after the last reading, once the head has ended; `nil` for a segment too short
    /// to have a part that does not depend on what comes before it.
    var end: IntervalWalker?

    /// Summarises one vehicle's readings, in any order, for `year`.
    public init(readings: [Reading], year: ReportYear, limits: TelemetryLimits) {
        let sorted = readings.sorted()
        self = sorted.withUnsafeBufferPointer { Segment(sortedReadings: $0, year: year, limits: limits) }
    }

    /// Summarises one vehicle's readings, sorted by `Reading`'s order (duplicates included), for
    /// `year`, in one pass: what `Timeline` and `VehicleYear` compute, without their arrays.
    /// - Precondition: `sorted` is not empty.
    public init(sortedReadings sorted: UnsafeBufferPointer<Reading>, year: ReportYear, limits: TelemetryLimits) {
        var builder = SegmentBuilder(year: year, limits: limits)
        let first = sorted[0]
        var last = first
        var keptFrames = 1
        var exactDuplicates = 0
        var conflictingDuplicates = 0
        var lastDay = -1
        var index = 0
        while true {
            let reading = sorted[index]
            if index > 0 && reading.ts == last.ts {
                // A duplicate of the kept reading, which sorts first (SPEC 3.2).
                let inYear = year.contains(reading.ts)
                if reading == last {
                    exactDuplicates += 1
                    if inYear { builder.book.figures.exactDuplicates += 1 }
                } else {
                    conflictingDuplicates += 1
                    if inYear { builder.book.figures.conflictingDuplicates += 1 }
                }
            } else {
                if index > 0 { keptFrames += 1 }
                last = reading
                builder.book.figures.count(reading, in: year, lastDay: &lastDay)
                builder.add(reading)
            }
            index += 1
            if index == sorted.count { break }
        }
        self.init(
            first: first, last: last, keptFrames: keptFrames, figures: builder.book.figures,
            exactDuplicates: exactDuplicates, conflictingDuplicates: conflictingDuplicates, head: builder.head,
            end: builder.settled ? builder.walker : nil)
    }

    /// One segment for `a` followed by `b` — what summarising their frames together gives — or
    /// `nil` when `b` does not start after `a` ends. Joining segments this way and then with
    /// `SegmentJoin` gives the figures `SegmentJoin` gives for them all.
    public static func joined(_ a: Segment, _ b: Segment, year: ReportYear, limits: TelemetryLimits) -> Segment? {
        guard a.last.ts < b.first.ts else { return nil }
        var builder = SegmentBuilder(year: year, limits: limits)
        builder.book.figures = a.figures
        if let end = a.end {
            builder.walker = end
            builder.head = a.head
            builder.settled = true
            builder.book.active = true
        } else {
            for reading in a.head { builder.add(reading) }
        }
        for reading in b.head { builder.add(reading) }
        if let end = b.end {
            // From here on `b`'s own walk, whatever came before its head.
            precondition(builder.settled, "a settled segment's head settles any walk")
            builder.walker = end
        }
        builder.book.figures.absorb(b.figures)
        return Segment(
            first: a.first, last: b.last, keptFrames: a.keptFrames + b.keptFrames, figures: builder.book.figures,
            exactDuplicates: a.exactDuplicates + b.exactDuplicates,
            conflictingDuplicates: a.conflictingDuplicates + b.conflictingDuplicates, head: builder.head,
            end: builder.settled ? builder.walker : nil)
    }

    /// The figures of the whole timeline when this segment is all of it: its head replayed from
    /// the start of a timeline, and its last readings walked to the end.
    public func wholeTimelineFigures(year: ReportYear, limits: TelemetryLimits) -> VehicleYear {
        var book = YearBook(year: year, active: true)
        var walker = IntervalWalker(limits: limits)
        for reading in head { walker.add(reading, into: &book) }
        if let end { walker = end }
        walker.finish(into: &book)
        var figures = figures
        figures.absorb(book.figures)
        return figures
    }

    init(
        first: Reading, last: Reading, keptFrames: Int, figures: VehicleYear, exactDuplicates: Int,
        conflictingDuplicates: Int, head: [Reading], end: IntervalWalker?
    ) {
        self.first = first
        self.last = last
        self.keptFrames = keptFrames
        self.figures = figures
        self.exactDuplicates = exactDuplicates
        self.conflictingDuplicates = conflictingDuplicates
        self.head = head
        self.end = end
    }
}

/// Books what `IntervalWalker` decides into a vehicle's figures for the year (SPEC 3.5):
/// outliers by their own time, intervals by their end's.
struct YearBook: WalkSink {
    let year: ReportYear
    /// Whether decisions are booked; while a segment's head is walked they are not.
    var active: Bool
    var figures = VehicleYear()
    var months: MonthCursor

    init(year: ReportYear, active: Bool) {
        self.year = year
        self.active = active
        months = MonthCursor(year)
    }

    @inline(__always)
    mutating func outlier(_ reading: Reading) {
        if active && year.contains(reading.ts) { figures.outliers += 1 }
    }

    @inline(__always)
    mutating func interval(from: Reading, to: Reading, _ intervalClass: IntervalClass) {
        if active && year.contains(to.ts) {
            figures.book(intervalClass, dd: Int64(to.odometer) - Int64(from.odometer), month: months.month(of: to.ts))
        }
    }
}

/// Walks a segment's kept readings: into its head until the walker's state depends on nothing
/// before the segment, then booking.
///
/// The state is settled once three readings after the segment's first have been judged not
/// outliers (the first is always kept by a walker that starts with it): by then the walker's
/// readings, its pending interval and the raw class before that interval all lie inside the
/// segment. Only the first reading's verdict, and the intervals around it up to the third
/// kept reading, depend on what comes before.
private struct SegmentBuilder {
    var walker: IntervalWalker
    var book: YearBook
    var head: [Reading] = []
    var settled = false

    init(year: ReportYear, limits: TelemetryLimits) {
        walker = IntervalWalker(limits: limits)
        book = YearBook(year: year, active: false)
    }

    @inline(__always)
    mutating func add(_ reading: Reading) {
        walker.add(reading, into: &book)
        if !settled {
            head.append(reading)
            if walker.keptCount >= 4 {
                settled = true
                book.active = true
            }
        }
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
        return whole.wholeTimelineFigures(year: year, limits: limits)
    }
}
