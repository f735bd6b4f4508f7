import Archives
@testable import Engine
@testable import Merging
import Figures
import Foundation
import Frames
import Reports
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
        let store = SubsidyRun.decodeAll(files, policy: policy, year: year, settings: settings).store
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
    // written) would mix two versions of it into the figures: the run names it as failed, and
    // none of its frames count in any vehicle's figures (SPEC 2.2: whole or not at all).
    @Test(
        "a file that changes before it is read again is reported as failed and counts not at all",
        arguments: [1 << 30, 32 * 200])
    func changedBetweenReads(_ memoryLimit: Int) throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        let telemetry = shuffledFleet(in: folder)
        let changing = folder.path("telemetry/b.csv")
        let settings = RunSettings(
            threads: 2, memoryLimit: memoryLimit, spillDirectory: folder.url.path,
            progress: { progress in
                guard progress.stage == .reading && progress.filesDone == progress.files else { return }
                let handle = FileHandle(forWritingAtPath: changing)
                _ = try? handle?.seekToEnd()
                handle?.write(Data("\nLZYTEST0000000001,1740790000,1.0,1.0\n".utf8))
                try? handle?.close()
            })
        let report = try runReport([telemetry], settings: settings)
        let entry = try #require(report.files.first { $0.path.hasSuffix("b.csv") })
        #expect(entry.error?.contains("changed while h2fleet was reading it") == true)
        #expect(report.files.first { $0.path.hasSuffix("a.csv") }?.error == nil)
        #expect(report.hasFailedInputs)
        #expect(entry.frames == 0 && report.frames == report.files.first { $0.path.hasSuffix("a.csv") }?.frames)
        // The figures are those of the other file alone.
        let alone = try runReport([folder.path("telemetry/a.csv")], settings: RunSettings(threads: 1))
        #expect(report.outcome.vehicles == alone.outcome.vehicles)
        #expect(report.exactDuplicates == alone.exactDuplicates)
        #expect(alone.outcome.vehicles.contains { $0.figures.hydrogen > 0 })
    }

    // Only the stretch where segments overlap is merged frame by frame, from the files that
    // hold it; a vehicle with many overlapping segments when the store is full (a shuffled
    // corpus) is merged whole, and the store keeps only its frame count and files.
    @Test("the store keeps overlapping segments apart with their files, and gives up on many when full")
    func storeKeepsOverlapsApart() throws {
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
        store.add(segment([400, 410]), file: 2)
        #expect(store.vehicles[vin]?.overlaps == false)
        store.add(segment([205, 300]), file: 3)  // late data inside file 1's stretch
        let vehicle = try #require(store.vehicles[vin])
        #expect(vehicle.overlaps && vehicle.overlappingFrames == nil && store.count == 4)
        let item = try #require(ExactItem(vin, vehicle, in: store))
        #expect(item.windows == [(year.start + 200)...(year.start + 300)])
        #expect(item.files == [1, 3] && item.frames == 6)
        #expect(item.kept.map(\.first.ts) == [year.start, year.start + 400])

        // Over budget, with more overlapping segments than a vehicle may keep.
        var full = SegmentStore(budget: 8, settling: 0, year: year, limits: limits)
        let files = 4 * SegmentStore.maxOverlapping
        for file in 0..<files {
            full.add(segment([Int64(file), 10_000 + Int64(file)]), file: file)
        }
        let whole = try #require(full.vehicles[vin])
        #expect(whole.segments.isEmpty && full.count == 0 && whole.overlappingFrames == 2 * files)
        #expect(full.files(of: vin) == Array(0..<files))
    }

    // Property: the store's overlap flags and the exact merge's windows agree with comparing
    // every pair of segments.
    @Test("overlap flags and windows agree with a pairwise comparison", arguments: [1 as UInt64, 2, 3])
    func overlapProperty(_ seed: UInt64) throws {
        let year = ReportYear(2025, offset: 8 * 3600)
        let limits = Policy.builtIn.limits
        let vin = try #require(Vin("LZYTEST0000000001"))
        var random = SplitMix(seed: seed)
        for _ in 0..<200 {
            var segments: [Segment] = []
            for _ in 0..<(1 + random.next() % 12) {
                let start = Int64(random.next() % 1_000)
                let times = [start, start + Int64(random.next() % 120)]
                segments.append(
                    Segment(
                        readings: times.map { Reading(ts: year.start + $0, odometer: Int32($0), current: 500) },
                        year: year, limits: limits))
            }
            segments.sort { $0.first.ts < $1.first.ts }
            let meets = { (a: Segment, b: Segment) in a.first.ts <= b.last.ts && b.first.ts <= a.last.ts }
            let expected = segments.indices.map { i in
                segments.indices.contains { j in j != i && meets(segments[i], segments[j]) }
            }
            #expect(SegmentStore.overlapping(segments) == expected)
            // Each segment from a file of its own.
            var store = SegmentStore(budget: 1 << 20, settling: 0, year: year, limits: limits)
            for (file, segment) in segments.enumerated() { store.add([(vin, segment)], file: file) }
            let vehicle = try #require(store.vehicles[vin])
            #expect(vehicle.overlaps == expected.contains(true))
            guard let item = ExactItem(vin, vehicle, in: store) else {
                #expect(!expected.contains(true))
                continue
            }
            // Each overlapping segment lies in a window, each other one outside every window,
            // and the files to read are those of the overlapping segments.
            for (index, segment) in segments.enumerated() {
                let inside = item.windows.contains { $0.contains(segment.first.ts) && $0.contains(segment.last.ts) }
                let touches = item.windows.contains { $0.overlaps(segment.first.ts...segment.last.ts) }
                #expect(expected[index] ? inside : !touches)
            }
            #expect(item.files == segments.indices.filter { expected[$0] })
            #expect(item.kept.count == expected.filter { !$0 }.count)
        }
    }

    // Late data (a day re-sent): only the files holding the overlapping stretch are read again,
    // and the figures are those of all the rows read as one file.
    @Test("re-sent data is merged from the files that overlap, with the figures of one file", arguments: [1, 2])
    func lateData(_ threads: Int) throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        let header = "vin,ts,odometer_km,fc_current_a\n"
        let rows = fleetRows(seed: 12)
        let times = rows.map { Int($0.split(separator: ",")[1]) ?? 0 }
        let first = times.filter { $0 > 0 }.min()!
        let last = times.max()!
        // Six files by time, as per-day archives are.
        var parts = [[String]](repeating: [], count: 6)
        for (row, ts) in zip(rows, times) {
            parts[min(5, max(0, (ts - first) * 6 / (last - first + 1)))].append(row)
        }
        let telemetry = folder.path("telemetry")
        try FileManager.default.createDirectory(atPath: telemetry, withIntermediateDirectories: true)
        for (index, part) in parts.enumerated() {
            folder.write("telemetry/part\(index).csv", header + part.joined(separator: "\n") + "\n")
        }
        // Part 2 re-sent for three vehicles, one odometer changed: duplicates, one conflicting.
        var resent = parts[2].filter { $0.hasPrefix("LZYTEST0000000001") || $0.hasPrefix("LZYTEST0000000002") }
        resent += parts[2].filter { $0.hasPrefix("LZYTEST0000000003") }.prefix(40)
        resent[5] = resent[5].split(separator: ",").enumerated().map { $0.offset == 2 ? "9.9" : String($0.element) }
            .joined(separator: ",")
        folder.write("telemetry/part2-resent.csv", header + resent.joined(separator: "\n") + "\n")
        let whole = folder.write("all.csv", header + (rows + resent).joined(separator: "\n") + "\n")

        let run = try measured(telemetry, settings: RunSettings(threads: threads))
        #expect(run.mergedVehicles == 3)
        let files = try InputDiscovery.files(for: [telemetry])
        #expect(
            Set(run.secondReads.map { files[$0.file].path.split(separator: "/").last! })
                == ["part2.csv", "part2-resent.csv"])
        let reference = try reportJSON([whole], threads: 1, chunkFrames: 1 << 30)
        #expect(try figuresPart(reportJSON([telemetry], threads: threads)) == figuresPart(reference))
        // Small chunks: many segments, some joined, the late ones inside joined stretches.
        #expect(
            try figuresPart(reportJSON([telemetry], threads: threads, memoryLimit: 32 * 50, chunkFrames: 7))
                == figuresPart(reference))
    }

    // `check` holds every vehicle's frames; beyond its budget it measures them in batches
    // through the same spill, and says the same.
    @Test("check beyond its memory budget spills and describes files and vehicles the same", arguments: [1, 2])
    func checkWithinBudget(_ threads: Int) throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        let telemetry = shuffledFleet(in: folder)
        let spillParent = folder.path("spill")
        try FileManager.default.createDirectory(atPath: spillParent, withIntermediateDirectories: true)
        let reference = try CheckRun.run(inputs: [telemetry], policyPath: nil, settings: RunSettings(threads: 1))
        let small = try CheckRun.run(
            inputs: [telemetry], policyPath: nil,
            settings: RunSettings(threads: threads, memoryLimit: 32 * 200, spillDirectory: spillParent))
        #expect(small.json() == reference.json())
        #expect(small.vehicles.count == 6)
        #expect(spillFolders(in: spillParent).isEmpty)
        // Without a spill folder, batches are read one after another: the same again.
        let unspilled = try CheckRun.run(
            inputs: [telemetry], policyPath: nil,
            settings: RunSettings(threads: threads, memoryLimit: 32 * 200, spillDirectory: folder.write("file", "")))
        #expect(unspilled.json() == reference.json())
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
