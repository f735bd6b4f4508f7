import Archives
import Dispatch
import Figures
import Foundation
import Frames
import Reports
import Rules
import Subsidy
import Synchronization
import Timelines

/// A frame sink for reading files a second time: a file's frames are staged and kept only when
/// the whole file has been read (SPEC 2.2: a failed file counts whole or not at all).
protocol StagingSink: FrameSink, SendableMetatype {
    /// Keeps (or, for a failed file, drops) the current file's frames.
    mutating func endFile(keep: Bool)
}

/// What reading a file a second time (to merge vehicles exactly) found: the file's SHA-256, or
/// why it could not be read.
struct SecondRead: Sendable {
    var file: Int
    var sha256: String?
    var error: String?
}

/// A frame sink that keeps the frames of some vehicles only, per worker: a file's frames are
/// staged and kept only when the whole file has been read (SPEC 2.2).
struct SelectedFrames: StagingSink {
    /// The wanted vehicles; their index in this table is their slot in `readings`.
    let wanted: VinTable
    /// Kept readings per wanted vehicle, from the files this worker finished.
    var readings: [[Reading]]
    /// The current file's frames: (vehicle slot, reading).
    var staged: [(Int, Reading)] = []

    init(wanted: VinTable) {
        self.wanted = wanted
        readings = [[Reading]](repeating: [], count: wanted.vins.count)
    }

    mutating func accept(_ frame: Frame) {
        if let slot = wanted.lookup(frame.vin) {
            staged.append((slot, Reading(ts: frame.ts, odometer: frame.odometer, current: frame.current)))
        }
    }

    /// Keeps (or, for a failed file, drops) the current file's frames.
    mutating func endFile(keep: Bool) {
        if keep {
            for (slot, reading) in staged { readings[slot].append(reading) }
        }
        staged.removeAll(keepingCapacity: true)
    }
}

/// A vehicle's figures from all its frames merged in one timeline, with its duplicates.
struct MergedVehicle: Sendable {
    var figures: VehicleYear
    var exact: Int
    var conflicting: Int
}

extension SubsidyRun {
    /// Reads `fileIndices` again into one `Sink` per worker; returns what each read found, and
    /// what `finish` made of each worker's sink.
    static func readAgain<Sink: StagingSink, Summary: Sendable>(
        _ fileIndices: Set<Int>, files: [InputFile], policy: Policy, threads: Int, sink: @Sendable () -> Sink,
        finish: @Sendable (consuming Sink) -> Summary
    ) -> (reads: [SecondRead], summaries: [Summary]) {
        let order = fileIndices.sorted()
        let (reads, summaries) = forEachFile(order.indices, threads: threads, state: sink) {
            (position, frames: inout Sink, reader: inout ArchiveReader) -> SecondRead in
            let result = decode(
                files[order[position]], with: &reader, into: &frames, localOffset: policy.timezoneOffset)
            frames.endFile(keep: result.error == nil)
            return SecondRead(file: order[position], sha256: result.stored?.sha256, error: result.error)
        } finish: {
            finish($0)
        }
        return (reads, summaries)
    }

    /// Measures one vehicle from all its frames, in any order (SPEC 3.1–3.5).
    static func measureExactly(_ vin: Vin, _ readings: [Reading], year: ReportYear, limits: TelemetryLimits)
        -> MergedVehicle
    {
        let timeline = Timeline(vin: vin, readings: readings)
        return MergedVehicle(
            figures: VehicleYear(timeline, year: year, limits: limits),
            exact: timeline.duplicates.reduce(0) { $0 + $1.exact },
            conflicting: timeline.duplicates.reduce(0) { $0 + $1.conflicting })
    }

    /// Re-reads `fileIndices` and merges the frames of `vins` exactly (SPEC 3.1, 3.2), both
    /// the reading and the per-vehicle merging on all workers.
    static func mergeExactly(
        _ vins: Set<Vin>, from fileIndices: Set<Int>, files: [InputFile], policy: Policy,
        year: ReportYear, settings: RunSettings
    )
        -> (merged: [Vin: MergedVehicle], reads: [SecondRead])
    {
        var wanted = VinTable()
        for vin in vins.sorted() { _ = wanted.index(of: vin) }
        let table = wanted
        let (reads, perWorker) = readAgain(fileIndices, files: files, policy: policy, threads: settings.threads) {
            SelectedFrames(wanted: table)
        } finish: { frames in
            frames.readings
        }
        let measured = parallelMap(table.vins.count, threads: settings.threads) { slot in
            var readings: [Reading] = []
            readings.reserveCapacity(perWorker.reduce(0) { $0 + $1[slot].count })
            for worker in perWorker { readings.append(contentsOf: worker[slot]) }
            return measureExactly(table.vins[slot], readings, year: year, limits: policy.limits)
        }
        var merged: [Vin: MergedVehicle] = [:]
        for (slot, vin) in table.vins.enumerated() { merged[vin] = measured[slot] }
        return (merged, reads)
    }
}
