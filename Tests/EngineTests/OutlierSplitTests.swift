import Foundation
import TestSupport
import Testing

/// Odometer outliers are judged on a frame's two neighbours in the whole timeline (SPEC 3.3), so
/// the verdicts must cross file, chunk and segment boundaries exactly as the rollback-neighbour
/// rule does, and must not depend on how frames are split (SPEC 3.1).
@Suite("Outliers across files and chunks (SPEC 3.1, 3.3)")
struct OutlierSplitTests {
    /// One vehicle's rows in time order with one-frame glitches (resets to zero, spikes, dips),
    /// two bad frames in a row, sawtooth runs, rollbacks that last and gaps.
    static func glitchyRows(_ random: inout SplitMix, vehicle: Int) -> [String] {
        var rows: [String] = []
        var ts = 1_740_787_200 + vehicle
        var odometer = 50_000 + vehicle * 1000
        var sawtooth = 0
        for _ in 0..<400 {
            ts += 5 + Int(random.next() % 20) + (random.next() % 40 == 0 ? 600 : 0)
            odometer += Int(random.next() % 4)
            var shown = odometer
            if sawtooth > 0 {
                sawtooth -= 1
                if sawtooth % 2 == 0 { shown = 0 }
            } else {
                switch random.next() % 25 {
                case 0: shown = 0  // reset to zero for one frame
                case 1: shown = odometer + 40_000  // spike
                case 2: shown = odometer - 300  // dip
                case 3: odometer -= 100  // a rollback that lasts
                case 4: sawtooth = 2 + Int(random.next() % 5)
                default: break
                }
            }
            let current = random.next() % 9 == 0 ? "0" : "150.5"
            rows.append("LZYTEST000000000\(vehicle),\(ts),\(shown / 10).\(shown % 10),\(current)")
        }
        return rows
    }

    @Test("a timeline with glitches cut anywhere into files and chunks gives the same report", arguments: [1, 2, 3])
    func cutAnywhere(_ seed: UInt64) throws {
        var random = SplitMix(seed: seed)
        let rows = (1...5).flatMap { Self.glitchyRows(&random, vehicle: $0) }
        let header = "vin,ts,odometer_km,fc_current_a\n"
        let reference = TemporaryFolder()
        defer { reference.remove() }
        reference.write("all.csv", header + rows.joined(separator: "\n") + "\n")
        let expected = try figuresPart(reportJSON([reference.path("all.csv")], threads: 1))
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(expected.utf8)) as? [String: Any])
        let vehicles = try #require(parsed["vehicles"] as? [[String: Any]])
        let outliers = vehicles.reduce(0) { $0 + (($1["odometer_outliers"] as? Int) ?? 0) }
        let rollbacks = vehicles.reduce(0) { $0 + (($1["odometer_rollbacks"] as? Int) ?? 0) }
        #expect(outliers > 30 && rollbacks > 5, "seed \(seed): the generator makes outliers and rollbacks")
        for trial in 0..<4 {
            // Time-ordered pieces cut at random rows (often right beside a glitch), each vehicle's
            // rows in order: segments join without merging frames. Small chunks cut files too.
            let folder = TemporaryFolder()
            defer { folder.remove() }
            var cuts = Set<Int>()
            for _ in 0..<(3 + trial * 4) { cuts.insert(1 + Int(random.next() % UInt64(rows.count - 1))) }
            var start = 0
            for (index, cut) in (cuts.sorted() + [rows.count]).enumerated() {
                folder.write("part\(index).csv", header + rows[start..<cut].joined(separator: "\n") + "\n")
                start = cut
            }
            for threads in [1, 2] {
                let json = try reportJSON([folder.url.path], threads: threads, chunkFrames: 16 + trial * 37)
                #expect(try figuresPart(json) == expected, "seed \(seed), trial \(trial), threads \(threads)")
            }
            // The same rows dealt round-robin into files: every vehicle's segments overlap, so its
            // frames are merged exactly, within the budget and spilled.
            let dealt = TemporaryFolder()
            defer { dealt.remove() }
            writeParts(rows, count: 3 + trial, prefix: "dealt", in: dealt)
            #expect(try figuresPart(reportJSON([dealt.url.path], threads: 2)) == expected, "seed \(seed), dealt")
            let spilled = try reportJSON([dealt.url.path], threads: 2, memoryLimit: 64 << 10, chunkFrames: 64)
            #expect(try figuresPart(spilled) == expected, "seed \(seed), dealt and spilled")
        }
    }
}
