@testable import Figures
import Frames
import TestSupport
import Testing
import Timelines

@Suite("Segments join exactly (SPEC 3.3–3.5)")
struct SegmentTests {
    /// A timeline with every interval class, rollbacks next to each other included, and
    /// odometer glitches (SPEC 3.3): one-frame spikes, dips and resets to zero, two bad frames in
    /// a row, and sawtooth runs where every middle frame is an outlier.
    func randomReadings(_ random: inout SplitMix, count: Int, start: Int64) -> [Reading] {
        var readings: [Reading] = []
        var ts = start
        var odometer: Int32 = 5000
        var sawtooth = 0
        for _ in 0..<count {
            ts += Int64(1 + random.next() % 40) + (random.next() % 25 == 0 ? 400 : 0)
            var shown: Int32?
            if sawtooth > 0 {
                sawtooth -= 1
                shown = sawtooth % 2 == 0 ? 0 : nil
            } else {
                switch random.next() % 16 {
                case 0: odometer -= Int32(random.next() % 50)  // rollback
                case 1: odometer += 500  // overspeed
                case 2: shown = [0, odometer + 3000, odometer - 40][Int(random.next() % 3)]  // one-frame glitch
                case 3: sawtooth = 2 + Int(random.next() % 6)  // glitches on every other frame, or two in a row
                default: odometer += Int32(random.next() % 6)
                }
            }
            if shown == nil { odometer += Int32(random.next() % 3) }
            readings.append(reading(ts, max(0, shown ?? odometer), Int32(random.next() % 25)))
        }
        return readings
    }

    /// `readings` cut at random places into at most `pieces` segments, in time order, and the cuts.
    func randomSegments(_ random: inout SplitMix, _ readings: [Reading], pieces: Int, year: ReportYear) -> (
        [Segment], [Int]
    ) {
        var cuts = Set<Int>()
        while cuts.count < min(pieces - 1, readings.count - 1) {
            cuts.insert(1 + Int(random.next() % UInt64(readings.count - 1)))
        }
        var segments: [Segment] = []
        var begin = 0
        for cut in cuts.sorted() + [readings.count] {
            segments.append(Segment(readings: Array(readings[begin..<cut]), year: year, limits: limits))
            begin = cut
        }
        return (segments, cuts.sorted())
    }

    @Test("cutting a timeline anywhere into segments gives the same figures", arguments: [1, 2, 3, 5, 8, 40])
    func cuts(_ pieces: Int) {
        var random = SplitMix(seed: UInt64(pieces))
        let zone = 8 * 3600
        let year = ReportYear(2025, offset: zone)
        var outliers = 0
        defer { #expect(outliers > 20, "the generator makes odometer outliers") }
        // Timelines with hydrogen distance in both January and February (SPEC 3.4 months).
        var twoMonths = 0
        defer { #expect(twoMonths > 5, "some timelines have distance on both sides of 1 February") }
        let february = CivilTime.startOfDay(CivilTime.days(year: 2025, month: 2, day: 1), offset: zone)
        for trial in 0..<60 {
            // Some timelines straddle the year's start, so edges fall on both sides of it, and
            // some the first of February, so intervals fall in two months.
            let start =
                switch trial % 3 {
                case 0: year.start - 2000
                case 1: february - 1500
                default: year.start + 5000
                }
            let readings = randomReadings(&random, count: 2 + Int(random.next() % 120), start: start)
            let whole = Timeline(vin: vin, readings: readings)
            let expected = ReferenceRules.figures(readings, year: year, limits: limits)
            if expected.hydrogenByMonth[0] != 0 && expected.hydrogenByMonth[1] != 0 { twoMonths += 1 }
            #expect(VehicleYear(whole, year: year, limits: limits) == expected, "trial \(trial)")
            outliers += expected.outliers
            var (segments, cuts) = randomSegments(&random, readings, pieces: pieces, year: year)
            segments.shuffle(using: &random)
            let joined = SegmentJoin.figures(segments, year: year, limits: limits)
            #expect(joined == expected, "trial \(trial), cuts \(cuts)")
        }
    }

    // Property: a segment built in one pass from sorted frames, duplicates included, holds what
    // the timeline (SPEC 3.2) and the year's figures (SPEC 3.5) say of the same frames.
    @Test("a segment counts frames, duplicates and distance as the timeline does", arguments: [1 as UInt64, 2, 3])
    func duplicates(_ seed: UInt64) {
        var random = SplitMix(seed: seed)
        let year = ReportYear(2025, offset: 8 * 3600)
        for trial in 0..<80 {
            let start = year.start - Int64(trial % 3 == 0 ? 2000 : -5000)
            var readings = randomReadings(&random, count: 1 + Int(random.next() % 150), start: start)
            // Exact and conflicting duplicates, in any order.
            for index in readings.indices where random.next() % 6 == 0 {
                var copy = readings[index]
                if random.next() % 2 == 0 { copy.odometer += Int32(random.next() % 3) }
                if random.next() % 2 == 0 { copy.current += Int32(random.next() % 30) }
                readings.append(copy)
            }
            readings.shuffle(using: &random)
            let timeline = Timeline(vin: vin, readings: readings)
            let segment = Segment(readings: readings, year: year, limits: limits)
            #expect(segment.keptFrames == timeline.readings.count)
            #expect(segment.first == timeline.readings.first && segment.last == timeline.readings.last)
            #expect(segment.exactDuplicates == timeline.duplicates.reduce(0) { $0 + $1.exact })
            #expect(segment.conflictingDuplicates == timeline.duplicates.reduce(0) { $0 + $1.conflicting })
            #expect(
                SegmentJoin.figures([segment], year: year, limits: limits)
                    == VehicleYear(timeline, year: year, limits: limits), "trial \(trial)")
        }
    }

    // Property: joining neighbouring segments into one, in any order of joins, changes nothing.
    @Test("neighbouring segments joined into one give the same figures", arguments: [2, 3, 6, 20])
    func joinedNeighbours(_ pieces: Int) {
        var random = SplitMix(seed: UInt64(100 + pieces))
        let year = ReportYear(2025, offset: 8 * 3600)
        for trial in 0..<60 {
            let start = year.start - Int64(trial % 3 == 0 ? 2000 : -5000)
            let readings = randomReadings(&random, count: 2 + Int(random.next() % 120), start: start)
            let expected = VehicleYear(Timeline(vin: vin, readings: readings), year: year, limits: limits)
            var (segments, _) = randomSegments(&random, readings, pieces: pieces, year: year)
            while segments.count > 1 {
                let at = Int(random.next() % UInt64(segments.count - 1))
                let joined = Segment.joined(segments[at], segments[at + 1], year: year, limits: limits)
                #expect(joined != nil)
                guard let joined else { break }
                #expect(Segment.joined(segments[at + 1], segments[at], year: year, limits: limits) == nil)
                segments.replaceSubrange(at...(at + 1), with: [joined])
                #expect(
                    SegmentJoin.figures(segments.shuffled(using: &random), year: year, limits: limits) == expected,
                    "trial \(trial), \(segments.count) segments")
            }
            #expect(segments.first?.keptFrames == readings.count)
        }
    }

    // One file per vehicle (a layout operators use): each vehicle's buffer grows to hold its
    // file, and without giving that room back a reducer would keep every vehicle's largest file.
    @Test("a reducer gives buffer room back, so one file per vehicle keeps memory flat")
    func bufferRoomIsBounded() throws {
        let year = ReportYear(2025, offset: 8 * 3600)
        let chunkFrames = 1_000
        var reducer = SegmentReducer(
            year: year, limits: limits, chunkFrames: chunkFrames, retainedReadings: 2 * chunkFrames)
        var random = SplitMix(seed: 9)
        for vehicle in 0..<60 {
            let vin = try #require(Vin(String(format: "LZYTEST%010d", vehicle)))
            let readings = randomReadings(&random, count: 3_000, start: year.start + 100)
            // Lines out of order only locally, as in a file as written.
            var lines = readings
            for index in stride(from: 1, to: lines.count, by: 2) where random.next() % 4 == 0 {
                lines.swapAt(index - 1, index)
            }
            for reading in lines {
                reducer.accept(Frame(vin: vin, ts: reading.ts, odometer: reading.odometer, current: reading.current))
            }
            let segments = reducer.finishFile().map(\.segment)
            // The figures are still those of the whole file.
            #expect(
                SegmentJoin.figures(segments, year: year, limits: limits)
                    == VehicleYear(Timeline(vin: vin, readings: readings), year: year, limits: limits))
            #expect(reducer.bufferedRoom <= 2 * chunkFrames + 16 * (vehicle + 1), "after file \(vehicle)")
        }
    }

    // Property: the reducer's sort for nearly ordered lines gives what the library sort gives,
    // whether lines are in order, locally swapped, late by far, or fully shuffled.
    // SPEC 3.1: the figures do not depend on how frames are grouped while reading. The reducer
    // keeps one chunk of frames in arrival order, grouped by vehicle (a stable counting sort)
    // when summarised; each vehicle's last `holdBack` frames go first into the next chunk. With
    // many vehicles interleaved and chunks smaller than what is held back, the chunk must grow
    // while readings are held back and keep every vehicle's order.
    @Test(
        "many vehicles interleaved, chunks smaller than held back: each vehicle's figures are its timeline's",
        arguments: [(7, 3), (50, 30), (1_000, 200)])
    func interleavedVehicles(_ chunkFrames: Int, _ vehicleCount: Int) throws {
        let year = ReportYear(2025, offset: 8 * 3600)
        var random = SplitMix(seed: UInt64(chunkFrames))
        var reducer = SegmentReducer(year: year, limits: limits, chunkFrames: chunkFrames, holdBack: 16)
        var timelines: [Vin: [Reading]] = [:]
        var lines: [(Vin, Reading)] = []
        for vehicle in 0..<vehicleCount {
            let vin = try #require(Vin(String(format: "LZYTEST%010d", vehicle)))
            let readings = randomReadings(&random, count: 40 + Int(random.next() % 200), start: year.start + 100)
            timelines[vin] = readings
            lines += readings.map { (vin, $0) }
        }
        // Rows of all vehicles mixed, each vehicle's in time order but for local swaps.
        lines.sort { $0.1.ts != $1.1.ts ? $0.1.ts < $1.1.ts : $0.0 < $1.0 }
        for index in stride(from: 1, to: lines.count, by: 3) where random.next() % 3 == 0 {
            lines.swapAt(index - 1, index)
        }
        for (vin, reading) in lines {
            reducer.accept(Frame(vin: vin, ts: reading.ts, odometer: reading.odometer, current: reading.current))
        }
        var segments: [Vin: [Segment]] = [:]
        for (vin, segment) in reducer.finishFile() { segments[vin, default: []].append(segment) }
        #expect(segments.count == vehicleCount)
        for (vin, readings) in timelines {
            let expected = VehicleYear(Timeline(vin: vin, readings: readings), year: year, limits: limits)
            let list = try #require(segments[vin])
            let joined = try #require(SegmentJoin.figures(list, year: year, limits: limits), "\(vin): segments overlap")
            #expect(joined == expected, "\(vin) in \(list.count) segments")
        }
    }

    @Test("sorting nearly ordered readings agrees with the library sort", arguments: [0, 1, 2, 3])
    func nearlySorted(_ disorder: Int) {
        var random = SplitMix(seed: UInt64(40 + disorder))
        for trial in 0..<50 {
            var readings = randomReadings(&random, count: Int(random.next() % 3_000), start: 1_000)
            // Duplicates and readings sharing a time, as re-sent lines make.
            for index in readings.indices where random.next() % 9 == 0 {
                var copy = readings[index]
                if random.next() % 2 == 0 { copy.odometer += 1 }
                readings.append(copy)
            }
            switch disorder {
            case 0: readings.sort()
            case 1:
                readings.sort()
                for index in stride(from: 1, to: readings.count, by: 2) where random.next() % 3 == 0 {
                    readings.swapAt(index - 1, index)
                }
            case 2:
                readings.sort()
                if readings.count > 1 { readings.append(readings.removeFirst()) }  // one line very late
            default: readings.shuffle(using: &random)
            }
            let expected = readings.sorted()
            readings.withUnsafeMutableBufferPointer { sortNearlySorted($0) }
            #expect(readings == expected, "trial \(trial)")
        }
    }

    @Test("overlapping segments are refused, so their frames get merged instead")
    func overlap() {
        let year = ReportYear(1970, offset: 0)
        let a = Segment(readings: [reading(0, 1), reading(20, 2)], year: year, limits: limits)
        let b = Segment(readings: [reading(10, 1), reading(30, 2)], year: year, limits: limits)
        let c = Segment(readings: [reading(20, 2), reading(30, 3)], year: year, limits: limits)
        #expect(SegmentJoin.figures([a, b], year: year, limits: limits) == nil)
        #expect(SegmentJoin.figures([a, c], year: year, limits: limits) == nil)  // same ts: duplicates
    }
}
