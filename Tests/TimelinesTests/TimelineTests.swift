import Figures
import Frames
import TestSupport
import Testing
import Timelines

let limits = TelemetryLimits(maxGapSeconds: 300, maxSpeedKmh: 120, fuelCellOnCurrent: 10)
let vin = Vin("LZYTEST0000000001")!

func reading(_ ts: Int64, _ odometer: Int32, _ current: Int32 = 500) -> Reading {
    Reading(ts: ts, odometer: odometer, current: current)
}

@Suite("Timelines: duplicates and interval classes (SPEC 3.1–3.3)")
struct TimelineTests {
    @Test(
        "classes in table order (SPEC 3.3)",
        arguments: [
            (reading(0, 100), reading(10, 99), IntervalClass.rollback),
            (reading(0, 100), reading(400, 90), .rollback),  // rollback before gap
            (reading(0, 100), reading(301, 101), .gap),
            (reading(0, 100), reading(300, 200), .hydrogen),  // 300 s is trusted; 10 km in 5 min is 120 km/h
            (reading(0, 100), reading(301, 100_000), .gap),  // gap before overspeed
            (reading(0, 100), reading(10, 104), .hydrogen),  // 360×3 = 1080 ≤ 1200
            (reading(0, 100), reading(10, 105), .overspeed),  // 360×4 = 1440 > 1200
            (reading(0, 100), reading(1, 102), .overspeed),  // 360×1 > 120
            (reading(0, 100), reading(1, 101), .hydrogen),  // 360×0 ≤ 120: one tick of slack
            (reading(0, 100, 9), reading(10, 101, 500), .battery),
            (reading(0, 100, 500), reading(10, 101, 0), .battery),
            (reading(0, 100, 10), reading(10, 101, 10), .hydrogen),  // 1.0 A is on
        ])
    func classify(_ a: Reading, _ b: Reading, _ expected: IntervalClass) {
        #expect(Timeline.classify(a, b, limits) == expected)
    }

    /// The final classes of a timeline's intervals, outliers dropped.
    func classes(_ readings: [Reading]) -> [IntervalClass] {
        Timeline(vin: vin, readings: readings).classified(limits).intervals.map(\.intervalClass)
    }

    @Test("a rollback makes both powered neighbours suspect, and nothing latches (SPEC 3.3)")
    func rollbackNeighbours() {
        // A reset that lasts: +0.2, rollback, +0.2 (suspect), +0.1 (hydrogen).
        #expect(
            classes([reading(0, 100), reading(10, 102), reading(20, 0), reading(30, 2), reading(40, 3)])
                == [.suspect, .rollback, .suspect, .hydrogen])
        // Two bad frames in a row are not outliers (SPEC 3.3): judged as a jump and a rollback.
        #expect(
            classes([
                reading(0, 2000), reading(10, 2001), reading(20, 50000), reading(30, 50001), reading(40, 2003),
                reading(50, 2004), reading(60, 2005),
            ]) == [.hydrogen, .overspeed, .suspect, .rollback, .suspect, .hydrogen])
    }

    @Test("a one-frame spike, dip or reset to zero is an outlier, dropped and counted (SPEC 3.3)")
    func outliers() {
        for glitch: Int32 in [50000, 1995, 0] {
            let timeline = Timeline(
                vin: vin,
                readings: [reading(0, 2000), reading(10, 2001), reading(20, glitch), reading(30, 2003), reading(40, 2004)])
            let classified = timeline.classified(limits)
            #expect(classified.outliers == [2], "glitch \(glitch)")
            #expect(
                classified.intervals == [
                    .init(from: 0, to: 1, intervalClass: .hydrogen), .init(from: 1, to: 3, intervalClass: .hydrogen),
                    .init(from: 3, to: 4, intervalClass: .hydrogen),
                ])
            let figures = VehicleYear(timeline, year: ReportYear(1970, offset: 0), limits: limits)
            #expect(figures.outliers == 1 && figures.hydrogen == 4 && figures.frames == 5 && figures.rollbacks == 0)
        }
        // The first and the last frame are never outliers.
        #expect(Timeline(vin: vin, readings: [reading(0, 0), reading(10, 2000), reading(20, 2001)]).classified(limits).outliers.isEmpty)
        #expect(Timeline(vin: vin, readings: [reading(0, 2000), reading(10, 2001), reading(20, 0)]).classified(limits).outliers.isEmpty)
        // Each frame is judged on its own neighbours: a sawtooth loses every middle frame.
        let saw = Timeline(
            vin: vin, readings: [reading(0, 100), reading(10, 0), reading(20, 101), reading(30, 0), reading(40, 102)])
        #expect(saw.classified(limits).outliers == [1, 2, 3])
        #expect(saw.classified(limits).intervals == [.init(from: 0, to: 4, intervalClass: .hydrogen)])
        // A gap alone does not make a pair out of line: the frame after a long silence is kept.
        #expect(
            Timeline(vin: vin, readings: [reading(0, 100), reading(10, 101), reading(5000, 150), reading(5010, 151)])
                .classified(limits).outliers.isEmpty)
    }

    @Test("duplicates: exact collapse, conflicting keep lowest odometer then current (SPEC 3.2)")
    func duplicates() {
        let input = [
            reading(0, 3000, 100), reading(0, 3000, 100), reading(10, 3003), reading(10, 3002),
            reading(20, 3004, 0), reading(20, 3004, 100), reading(20, 3004, 0), reading(30, 3006),
        ]
        let timeline = Timeline(vin: vin, readings: input)
        #expect(
            timeline.readings == [reading(0, 3000, 100), reading(10, 3002), reading(20, 3004, 0), reading(30, 3006)])
        #expect(
            timeline.duplicates == [
                DuplicateCount(ts: 0, exact: 1, conflicting: 0),
                DuplicateCount(ts: 10, exact: 0, conflicting: 1),
                DuplicateCount(ts: 20, exact: 1, conflicting: 1),
            ])
    }

    // Property (SPEC 3.1, 3.2): the timeline does not depend on the order of frames, with
    // exact duplicates and conflicting ones: by odometer (the copy lower or higher than the
    // frame) and by current only, across the fuel-cell threshold, so which frame is kept shows
    // in hydrogen and battery distance.
    @Test("any order of frames, duplicates of every kind among them, gives the same timeline and figures")
    func orderIndependence() {
        let seed: UInt64 = 7
        var generator = SplitMix(seed: seed)
        var readings: [Reading] = []
        var odometer: Int32 = 1000
        for index in 0..<400 {
            odometer += Int32(generator.next() % 5) - (generator.next() % 40 == 0 ? 30 : 0)
            readings.append(
                reading(Int64(index * 10 + Int(generator.next() % 3)), odometer, Int32(generator.next() % 30)))
        }
        let originals = readings
        readings += originals.prefix(50)  // exact duplicates
        for index in stride(from: 3, to: originals.count, by: 7) {  // odometer conflicts, either way
            var copy = originals[index]
            copy.odometer += (index % 2 == 0 ? 1 : -1) * Int32(1 + generator.next() % 3)
            readings.append(copy)
        }
        var currentOnly: [Int64: Int32] = [:]  // ts → the current SPEC 3.2 keeps
        for index in stride(from: 5, to: originals.count, by: 11) {  // conflicts in current only
            var copy = originals[index]
            copy.current = copy.current >= limits.fuelCellOnCurrent ? 5 : 25
            readings.append(copy)
            currentOnly[copy.ts] = min(copy.current, originals[index].current)
        }
        let year = ReportYear(1970, offset: 8 * 3600)
        let reference = Timeline(vin: vin, readings: readings)
        let referenceFigures = VehicleYear(reference, year: year, limits: limits)
        // The reference is SPEC 3.2-3.5 as written, and holds every kind of duplicate.
        #expect(referenceFigures == ReferenceRules.figures(readings, year: year, limits: limits), "seed \(seed)")
        #expect(referenceFigures.exactDuplicates > 0 && referenceFigures.conflictingDuplicates > 30, "seed \(seed)")
        #expect(referenceFigures.hydrogen > 0 && referenceFigures.battery > 0, "seed \(seed)")
        #expect(currentOnly.count > 30, "seed \(seed)")
        for reading in reference.readings where currentOnly[reading.ts] != nil {
            #expect(reading.current == currentOnly[reading.ts], "the lower current is kept at \(reading.ts)")
        }
        for trial in 0..<20 {
            readings.shuffle(using: &generator)
            let timeline = Timeline(vin: vin, readings: readings)
            #expect(timeline.readings == reference.readings, "seed \(seed), trial \(trial)")
            #expect(timeline.duplicates == reference.duplicates, "seed \(seed), trial \(trial)")
            #expect(
                VehicleYear(timeline, year: year, limits: limits) == referenceFigures, "seed \(seed), trial \(trial)")
        }
    }
}

@Suite("Periods and yearly figures (SPEC 3.4, 3.5)")
struct VehicleYearTests {
    @Test("an interval belongs to the year of its end frame, in the policy's zone")
    func yearOfEnd() {
        let zone = 8 * 3600
        let newYear = CivilTime.startOfYear(2025, offset: zone)
        let timeline = Timeline(
            vin: vin,
            readings: [
                reading(newYear - 15, 10000), reading(newYear - 5, 10002), reading(newYear + 5, 10005),
                reading(newYear + 15, 10006),
            ])
        let y2025 = VehicleYear(timeline, year: ReportYear(2025, offset: zone), limits: limits)
        let y2024 = VehicleYear(timeline, year: ReportYear(2024, offset: zone), limits: limits)
        #expect(y2025.hydrogen == 4)
        #expect(y2024.hydrogen == 2)
        #expect(y2025.frames == 2 && y2024.frames == 2)
        #expect(y2025.firstTs == newYear + 5 && y2025.lastTs == newYear + 15)
        #expect(y2025.daysWithData == 1)
    }

    // SPEC 3.4: a frame at 00:00:00 on 1 January in the policy's zone is in the new year, one
    // second before is not, and each interval goes with its end frame, through the timeline
    // and through a segment alike.
    @Test("the year starts and ends at midnight in the policy's zone, to the second")
    func yearEdges() {
        let zone = 8 * 3600
        let (start, end): (Int64, Int64) = (1_735_660_800, 1_767_196_800)  // 2024-12-31T16:00:00Z, 2025-12-31T16:00:00Z
        #expect(CivilTime.startOfYear(2025, offset: zone) == start && CivilTime.startOfYear(2026, offset: zone) == end)
        let opening = [
            reading(start - 10, 100), reading(start - 1, 101), reading(start, 102), reading(start + 10, 103),
        ]
        let closing = [reading(end - 10, 200), reading(end - 1, 201), reading(end, 202)]
        let y2024 = ReportYear(2024, offset: zone)
        let y2025 = ReportYear(2025, offset: zone)
        let y2026 = ReportYear(2026, offset: zone)
        for readings in [opening, closing] {
            for year in [y2024, y2025, y2026] {
                let viaTimeline = VehicleYear(Timeline(vin: vin, readings: readings), year: year, limits: limits)
                let viaSegment = SegmentJoin.figures(
                    [Segment(readings: readings, year: year, limits: limits)], year: year, limits: limits)
                #expect(viaSegment == viaTimeline, "year \(year.year)")
            }
        }
        let opened = VehicleYear(Timeline(vin: vin, readings: opening), year: y2025, limits: limits)
        #expect(opened.frames == 2 && opened.firstTs == start && opened.hydrogen == 2)
        let before = VehicleYear(Timeline(vin: vin, readings: opening), year: y2024, limits: limits)
        #expect(before.frames == 2 && before.lastTs == start - 1 && before.hydrogen == 1)
        let closed = VehicleYear(Timeline(vin: vin, readings: closing), year: y2025, limits: limits)
        #expect(closed.frames == 2 && closed.lastTs == end - 1 && closed.hydrogen == 1)
        let after = VehicleYear(Timeline(vin: vin, readings: closing), year: y2026, limits: limits)
        #expect(after.frames == 1 && after.firstTs == end && after.hydrogen == 1)
    }

    @Test("days with data count calendar days in the policy's zone")
    func daysWithData() {
        // 2025-03-01T15:59:59Z is 23:59:59 at +08:00; one second later is the next day there.
        let ts: Int64 = 1_740_844_799
        let timeline = Timeline(vin: vin, readings: [reading(ts, 1), reading(ts + 1, 1)])
        #expect(VehicleYear(timeline, year: ReportYear(2025, offset: 8 * 3600), limits: limits).daysWithData == 2)
        #expect(VehicleYear(timeline, year: ReportYear(2025, offset: 0), limits: limits).daysWithData == 1)
    }

    @Test("distance is booked by class and rollbacks are counted (SPEC 3.5)")
    func booking() {
        let timeline = Timeline(
            vin: vin,
            readings: [
                reading(0, 100), reading(10, 101, 0), reading(1000, 200, 0), reading(1001, 300), reading(1011, 250),
                reading(1021, 251), reading(1031, 252),
            ])
        let figures = VehicleYear(timeline, year: ReportYear(1970, offset: 0), limits: limits)
        #expect(figures.battery == 1)
        #expect(figures.gap == 99)
        #expect(figures.overspeed == 100)
        #expect(figures.rollbacks == 1)
        #expect(figures.suspect == 1)
        #expect(figures.hydrogen == 1)
    }
}
