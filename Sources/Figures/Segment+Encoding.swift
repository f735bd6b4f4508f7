import Frames
import Timelines

extension VehicleYear {
    /// Writes the figures; without `months`, as encoding version 2 wrote them (no hydrogen
    /// distance by month), for tests of reading old ledgers.
    public func encode(into writer: inout ByteWriter, months withMonths: Bool = true) {
        for count in [frames, exactDuplicates, conflictingDuplicates, rollbacks, outliers] { writer.write(Int64(count)) }
        writer.write(firstTs != nil)
        writer.write(firstTs ?? 0)
        writer.write(lastTs != nil)
        writer.write(lastTs ?? 0)
        days.encode(into: &writer)
        for distance in [hydrogen, battery, gap, overspeed, suspect] { writer.write(distance) }
        guard withMonths else { return }
        // Months with hydrogen distance: a bit each, then their distances (a partial cut at
        // local days has one month at most).
        let months = (0..<12).filter { hydrogenByMonth[$0] != 0 }
        writer.write(UInt16(months.reduce(0) { $0 | 1 << $1 }))
        for month in months { writer.write(hydrogenByMonth[month]) }
    }

    /// Reads figures `encode` wrote; `months: false` for encoding version 2, which has no
    /// hydrogen distance by month (the caller sets it).
    public init(decoding reader: inout ByteReader, months withMonths: Bool = true) throws(ByteReaderError) {
        self.init()
        frames = Int(try reader.read(Int64.self))
        exactDuplicates = Int(try reader.read(Int64.self))
        conflictingDuplicates = Int(try reader.read(Int64.self))
        rollbacks = Int(try reader.read(Int64.self))
        outliers = Int(try reader.read(Int64.self))
        let hasFirst = try reader.readBool()
        let first: Int64 = try reader.read()
        firstTs = hasFirst ? first : nil
        let hasLast = try reader.readBool()
        let last: Int64 = try reader.read()
        lastTs = hasLast ? last : nil
        days = try DaySet(decoding: &reader)
        hydrogen = try reader.read()
        battery = try reader.read()
        gap = try reader.read()
        overspeed = try reader.read()
        suspect = try reader.read()
        guard withMonths else { return }
        let months: UInt16 = try reader.read()
        guard months < 1 << 12 else { throw ByteReaderError("months with hydrogen distance out of range") }
        for month in 0..<12 where months & 1 << month != 0 { hydrogenByMonth[month] = try reader.read() }
        guard hydrogenByMonth.values.reduce(0, +) == hydrogen else {
            throw ByteReaderError("hydrogen distance by month does not add up to the year's")
        }
    }
}

extension Segment {
    /// Writes the segment: a partial result that any later run with the same telemetry rules
    /// can join with others exactly (SPEC 10.1).
    public func encode(into writer: inout ByteWriter, months: Bool = true) {
        first.encode(into: &writer)
        last.encode(into: &writer)
        writer.write(Int64(keptFrames))
        writer.write(Int64(exactDuplicates))
        writer.write(Int64(conflictingDuplicates))
        figures.encode(into: &writer, months: months)
        writer.write(UInt32(head.count))
        for reading in head { reading.encode(into: &writer) }
        writer.write(end != nil)
        end?.encode(into: &writer)
    }

    /// Reads a segment `encode` wrote, for the telemetry rules `limits` it was made with.
    /// A segment of encoding version 2 (`months: false`) gets its hydrogen distance by month
    /// from its day: partials are cut at local days (zone `offset`), so every interval a
    /// segment books ends on the day of its first reading (SPEC 3.4).
    public init(
        decoding reader: inout ByteReader, limits: TelemetryLimits, monthsOfDayIn offset: Int? = nil
    ) throws(ByteReaderError) {
        let first = try Reading(decoding: &reader)
        let last = try Reading(decoding: &reader)
        let keptFrames = Int(try reader.read(Int64.self))
        let exact = Int(try reader.read(Int64.self))
        let conflicting = Int(try reader.read(Int64.self))
        var figures = try VehicleYear(decoding: &reader, months: offset == nil)
        if let offset {
            figures.hydrogenByMonth[CivilTime.date(fromDays: CivilTime.localDay(first.ts, offset: offset)).month - 1] =
                figures.hydrogen
        }
        let headCount = Int(try reader.read(UInt32.self))
        guard headCount >= 1, headCount <= keptFrames else { throw ByteReaderError("a segment's head is out of range") }
        var head: [Reading] = []
        head.reserveCapacity(headCount)
        for _ in 0..<headCount { head.append(try Reading(decoding: &reader)) }
        let end = try reader.readBool() ? try IntervalWalker(decoding: &reader, limits: limits) : nil
        self.init(
            first: first, last: last, keptFrames: keptFrames, figures: figures, exactDuplicates: exact,
            conflictingDuplicates: conflicting, head: head, end: end)
    }

    /// The segment with no figures of its own (frames, days, intervals), for a segment outside
    /// the period a report covers: it still gives the readings and walker state that decide the
    /// first intervals inside the period.
    public func withoutFigures() -> Segment {
        var copy = self
        copy.figures = VehicleYear()
        return copy
    }
}
