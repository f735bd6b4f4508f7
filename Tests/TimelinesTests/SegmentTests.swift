import Figures
import Frames
import TestSupport
import Testing
import Timelines

@Suite("Segments join exactly (SPEC 3.3–3.5)")
struct SegmentTests {
    /// A timeline with every interval class, rollbacks next to each other included.
    func randomReadings(_ random: inout SplitMix, count: Int, start: Int64) -> [Reading] {
        var readings: [Reading] = []
        var ts = start
        var odometer: Int32 = 5000
        for _ in 0..<count {
            ts += Int64(1 + random.next() % 40) + (random.next() % 25 == 0 ? 400 : 0)
            switch random.next() % 12 {
            case 0: odometer -= Int32(random.next() % 50)  // rollback
            case 1: odometer += 500  // overspeed
            default: odometer += Int32(random.next() % 6)
            }
            readings.append(reading(ts, max(0, odometer), Int32(random.next() % 25)))
        }
        return readings
    }

    @Test("cutting a timeline anywhere into segments gives the same figures", arguments: [1, 2, 3, 5, 8, 40])
    func cuts(_ pieces: Int) {
        var random = SplitMix(seed: UInt64(pieces))
        let zone = 8 * 3600
        let year = ReportYear(2025, offset: zone)
        for trial in 0..<60 {
            // Some timelines straddle the year's start, so edges fall on both sides of it.
            let start = year.start - Int64(trial % 3 == 0 ? 2000 : -5000)
            let readings = randomReadings(&random, count: 2 + Int(random.next() % 120), start: start)
            let whole = Timeline(vin: vin, readings: readings)
            let expected = VehicleYear(whole, year: year, limits: limits)
            var cuts = Set<Int>()
            while cuts.count < min(pieces - 1, readings.count - 1) {
                cuts.insert(1 + Int(random.next() % UInt64(readings.count - 1)))
            }
            var segments: [Segment] = []
            var begin = 0
            for cut in cuts.sorted() + [readings.count] {
                segments.append(
                    Segment(Timeline(vin: vin, readings: Array(readings[begin..<cut])), year: year, limits: limits))
                begin = cut
            }
            segments.shuffle(using: &random)
            let joined = SegmentJoin.figures(segments, year: year, limits: limits)
            #expect(joined == expected, "trial \(trial), cuts \(cuts.sorted())")
        }
    }

    @Test("overlapping segments are refused, so their frames get merged instead")
    func overlap() {
        let year = ReportYear(1970, offset: 0)
        let a = Segment(Timeline(vin: vin, readings: [reading(0, 1), reading(20, 2)]), year: year, limits: limits)
        let b = Segment(Timeline(vin: vin, readings: [reading(10, 1), reading(30, 2)]), year: year, limits: limits)
        let c = Segment(Timeline(vin: vin, readings: [reading(20, 2), reading(30, 3)]), year: year, limits: limits)
        #expect(SegmentJoin.figures([a, b], year: year, limits: limits) == nil)
        #expect(SegmentJoin.figures([a, c], year: year, limits: limits) == nil)  // same ts: duplicates
    }
}
