import Archives
@testable import Engine
import Foundation
import Frames
import Reports
import Rules
import TestSupport
import Testing

/// Partial results (SPEC 10.1): cut at local days, encoded and decoded, assembled in any grouping
/// of the same frames into sources, they give the figures of a one-shot run.
@Suite("Partial results (SPEC 10.1)")
struct PartialTests {
    /// The report assembled from the partials of `paths`, each encoded and decoded first.
    func assembled(_ paths: [String], through: Int? = nil) throws -> Report {
        var policy = Policy.builtIn
        policy.operatorMinAverageKm = 1
        let registry = try Registry(
            bytes: Array(registryText.utf8), file: "registry.csv", classes: Set(policy.classes.map(\.id)))
        let files = try InputDiscovery.files(for: paths)
        let partials = SubsidyRun.partials(of: files, policy: policy, threads: 2).map { partial in
            // What a ledger stores and reads back.
            try! SourcePartial(decoding: partial.encoded(), stored: partial.stored, rules: PartialRules(policy))
        }
        return try SubsidyRun.assemble(
            sources: Array(zip(files, partials)), policy: policy, policySHA256: "test", registry: registry,
            registrySource: RegistrySource(path: "registry.csv", sha256: "", vehicles: 0), year: 2025,
            through: through, builtInPolicy: false, settings: RunSettings(threads: 2))
    }

    @Test("any grouping of the same frames into sources gives the one-shot figures", arguments: [5, 6] as [UInt64])
    func groupings(_ seed: UInt64) throws {
        var random = SplitMix(seed: seed)
        let rows = (1...5).flatMap { OutlierSplitTests.glitchyRows(&random, vehicle: $0) } + fleetRows(seed: seed)
        let header = "vin,ts,odometer_km,fc_current_a\n"
        let whole = TemporaryFolder()
        defer { whole.remove() }
        whole.write("all.csv", header + rows.joined(separator: "\n") + "\n")
        let expected = try figuresPart(reportJSON([whole.path("all.csv")], threads: 1))
        #expect(try figuresPart(assembled([whole.path("all.csv")]).json()) == expected)
        for trial in 0..<3 {
            // Contiguous pieces (segments join) and dealt rows (sources overlap: exact merges).
            let folder = TemporaryFolder()
            defer { folder.remove() }
            var cuts = Set<Int>()
            for _ in 0..<(2 + trial * 3) { cuts.insert(1 + Int(random.next() % UInt64(rows.count - 1))) }
            var start = 0
            for (index, cut) in (cuts.sorted() + [rows.count]).enumerated() {
                folder.write("piece\(index).csv", header + rows[start..<cut].joined(separator: "\n") + "\n")
                start = cut
            }
            writeParts(rows.shuffled(using: &random), count: 2 + trial, prefix: "dealt", in: folder)
            let pieces = (0...cuts.count).map { folder.path("piece\($0).csv") }
            let dealt = (0..<(2 + trial)).map { folder.path("dealt\($0).csv") }
            #expect(try figuresPart(assembled(pieces).json()) == expected, "seed \(seed), trial \(trial), pieces")
            #expect(try figuresPart(assembled(dealt).json()) == expected, "seed \(seed), trial \(trial), dealt")
        }
    }

    @Test("a partial survives its encoding, and a damaged one is refused")
    func encoding() throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        folder.write("a.csv", "vin,ts,odometer_km,fc_current_a\n" + fleetRows(seed: 3).joined(separator: "\n") + "\n")
        let files = try InputDiscovery.files(for: [folder.path("a.csv")])
        let partial = try #require(SubsidyRun.partials(of: files, policy: .builtIn, threads: 1).first)
        #expect(partial.segments.count >= 6 && partial.rejections.total == 2)
        let bytes = partial.encoded()
        let decoded = try SourcePartial(decoding: bytes, stored: partial.stored, rules: PartialRules(.builtIn))
        #expect(decoded.encoded() == bytes)
        #expect(throws: ByteReaderError.self) {
            try SourcePartial(decoding: Array(bytes.dropLast(7)), stored: nil, rules: PartialRules(.builtIn))
        }
        // Made with other telemetry rules: refused.
        var faster = Policy.builtIn
        faster.limits.maxSpeedKmh += 1
        #expect(throws: ByteReaderError.self) {
            try SourcePartial(decoding: bytes, stored: nil, rules: PartialRules(faster))
        }
        // A ledger written before the months (encoding version 2) is read the same: each
        // day-cut segment's hydrogen distance goes back to the month of its day (SPEC 3.4).
        var rows = ["vin,ts,odometer_km,fc_current_a"]
        for day in 0..<7 {  // 2025-02-26 to 2025-03-04, driving across midnight UTC (08:00 local)
            for minute in 0..<30 {
                let ts = 1_740_528_000 + day * 86_400 + 6 * 3600 + minute * 60
                rows.append("LZYTEST0000000009,\(ts),\(1000 + day * 30 + minute).0,50.0")
            }
        }
        folder.write("days.csv", rows.joined(separator: "\n") + "\n")
        let days = try #require(
            SubsidyRun.partials(of: try InputDiscovery.files(for: [folder.path("days.csv")]), policy: .builtIn, threads: 1)
                .first)
        let months = days.segments.map { $0.segment.figures.hydrogenByMonth.values.map { $0 != 0 } }
        #expect(months.contains { $0[1] } && months.contains { $0[2] }, "February and March both have distance")
        for old in [partial, days] {
            let upgraded = try SourcePartial(decoding: old.encoded(version: 2), stored: nil, rules: PartialRules(.builtIn))
            #expect(upgraded.encoded() == old.encoded())
        }
        var otherVersion = bytes
        otherVersion[0] = 99
        #expect(throws: ByteReaderError.self) {
            try SourcePartial(decoding: otherVersion, stored: nil, rules: PartialRules(.builtIn))
        }
    }
}
