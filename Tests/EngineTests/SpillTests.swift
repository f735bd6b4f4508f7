import Archives
@testable import Engine
import Figures
import Foundation
import Frames
import Rules
import TestSupport
import Testing
import Timelines

/// Issue 3, target 5: data that overlaps in time beyond the memory budget is merged exactly by
/// spilling to a temporary folder, which is removed when the run ends.
@Suite("Spilling overlapping data (SPEC 3.1, 7)")
struct SpillTests {
    /// Two files whose rows are shuffled across both: every vehicle overlaps itself.
    func shuffledFleet(in folder: TemporaryFolder) -> String {
        var random = SplitMix(seed: 21)
        let rows = fleetRows(seed: 8).shuffled(using: &random)
        let header = "vin,ts,odometer_km,fc_current_a\n"
        let telemetry = folder.path("telemetry")
        try? FileManager.default.createDirectory(atPath: telemetry, withIntermediateDirectories: true)
        folder.write("telemetry/a.csv", header + rows[..<(rows.count / 2)].joined(separator: "\n"))
        folder.write("telemetry/b.csv", header + rows[(rows.count / 2)...].joined(separator: "\n"))
        return telemetry
    }

    /// How the run measured the vehicles, from the store its first pass built.
    func measured(_ inputs: String, settings: RunSettings) throws -> SubsidyRun.Measured {
        let files = try InputDiscovery.files(for: [inputs])
        let policy = Policy.builtIn
        let year = ReportYear(2025, offset: policy.timezoneOffset)
        let (_, store) = SubsidyRun.decodeAll(files, policy: policy, year: year, settings: settings)
        return SubsidyRun.measure(store, files: files, policy: policy, year: year, settings: settings)
    }

    func spillFolders(in parent: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: parent)) ?? []).filter { $0.hasPrefix("h2fleet-spill-") }
    }

    @Test("beyond the budget, frames are spilled in buckets, the report is unchanged and the folder removed")
    func spills() throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        let telemetry = shuffledFleet(in: folder)
        let spillParent = folder.path("spill")
        try FileManager.default.createDirectory(atPath: spillParent, withIntermediateDirectories: true)
        let reference = try reportJSON([telemetry], threads: 1)
        for threads in [1, 2] {
            // 32 bytes a frame: about 200 frames a bucket.
            let settings = RunSettings(threads: threads, memoryLimit: 32 * 200, spillDirectory: spillParent)
            let run = try measured(telemetry, settings: settings)
            #expect(run.mergedVehicles == 6)
            #expect(run.batches > 1)
            #expect(run.spilledBytes >= 6 * 300 * MemoryLayout<SpillRecord>.stride)
            #expect(spillFolders(in: spillParent).isEmpty)
            #expect(
                try reportJSON([telemetry], threads: threads, memoryLimit: 32 * 200, spillDirectory: spillParent)
                    == reference)
            #expect(spillFolders(in: spillParent).isEmpty)
        }
    }

    @Test("when no spill folder can be made, the files are read again per bucket, with the same report")
    func fallsBackToReading() throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        let telemetry = shuffledFleet(in: folder)
        let notAFolder = folder.write("plain-file", "")
        let reference = try reportJSON([telemetry], threads: 1)
        let settings = RunSettings(threads: 2, memoryLimit: 32 * 200, spillDirectory: notAFolder)
        let run = try measured(telemetry, settings: settings)
        #expect(run.batches > 1 && run.spilledBytes == 0)
        #expect(try reportJSON([telemetry], threads: 2, memoryLimit: 32 * 200, spillDirectory: notAFolder) == reference)
    }

    // A file that changes between the first read and the second (an upload still being
    // written) would mix two versions of it into the figures: the run names it as failed.
    @Test(
        "a file that changes before it is read again is reported as failed",
        arguments: [1 << 30, 32 * 200])
    func changedBetweenReads(_ memoryLimit: Int) throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        let telemetry = shuffledFleet(in: folder)
        let changing = folder.path("telemetry/b.csv")
        let policy = Policy.builtIn
        let registry = try Registry(
            bytes: Array(registryText.utf8), file: "r.csv", classes: Set(policy.classes.map(\.id)))
        let files = try InputDiscovery.files(for: [telemetry])
        let settings = RunSettings(
            threads: 2, memoryLimit: memoryLimit, spillDirectory: folder.url.path,
            progress: { progress in
                guard progress.filesDone == progress.files else { return }
                let handle = FileHandle(forWritingAtPath: changing)
                _ = try? handle?.seekToEnd()
                handle?.write(Data("\nLZYTEST0000000001,1740790000,1.0,1.0\n".utf8))
                try? handle?.close()
            })
        let report = SubsidyRun.compute(
            files: files, policy: policy, policySHA256: "x", registry: registry, year: 2025, settings: settings)
        let entry = try #require(report.files.first { $0.path.hasSuffix("b.csv") })
        #expect(entry.error?.contains("changed while h2fleet was reading it") == true)
        #expect(report.files.first { $0.path.hasSuffix("a.csv") }?.error == nil)
        #expect(report.hasFailedInputs)
    }

    // A vehicle bound for the exact merge needs only its frame count and files: in a shuffled
    // corpus, keeping its segments would cost a few hundred bytes per vehicle per file.
    @Test("once a vehicle's segments overlap, the store keeps its frame count and files, not its segments")
    func storeDropsOverlappingSegments() throws {
        let year = ReportYear(2025, offset: 8 * 3600)
        let limits = Policy.builtIn.limits
        let vin = try #require(Vin("LZYTEST0000000001"))
        func segment(_ times: [Int64]) -> [(vin: Vin, segment: Segment)] {
            let readings = times.map { Reading(ts: year.start + $0, odometer: Int32($0), current: 500) }
            return [(vin, Segment(readings: readings, year: year, limits: limits))]
        }
        var store = SegmentStore(budget: 1 << 20, settling: 0, year: year, limits: limits)
        store.add(segment([0, 10, 20]), file: 0)
        store.add(segment([200, 210, 220, 230]), file: 1)
        #expect(store.count == 2 && store.vehicles[vin]?.overlappingFrames == nil)
        store.add(segment([20, 30]), file: 2)  // shares a time with the first: overlaps
        #expect(store.count == 0 && store.vehicles[vin]?.segments.isEmpty == true)
        #expect(store.vehicles[vin]?.overlappingFrames == 9)
        store.add(segment([500, 510]), file: 70)
        #expect(store.count == 0 && store.vehicles[vin]?.overlappingFrames == 11)
        #expect(store.files(of: vin) == [0, 1, 2, 70])
    }

    @Test("within the budget nothing is spilled")
    func noSpillWithinBudget() throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        let telemetry = shuffledFleet(in: folder)
        let run = try measured(telemetry, settings: RunSettings(threads: 2, spillDirectory: folder.path("none")))
        #expect(run.mergedVehicles == 6 && run.batches == 1 && run.spilledBytes == 0)
    }
}
