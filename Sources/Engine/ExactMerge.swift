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

/// A frame sink that keeps the frames of some vehicles only, per worker: a file's frames are
/// staged and kept only when the whole file has been read (SPEC 2.2).
struct SelectedFrames: FrameSink {
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
        -> [Vin: MergedVehicle]
    {
        var wanted = VinTable()
        for vin in vins.sorted() { _ = wanted.index(of: vin) }
        let table = wanted
        let order = fileIndices.sorted()
        let (_, perWorker) = forEachFile(order.indices, threads: settings.threads) {
            SelectedFrames(wanted: table)
        } work: { (position, frames: inout SelectedFrames, reader: inout ArchiveReader) -> Bool in
            let result = decode(
                files[order[position]], with: &reader, into: &frames, localOffset: policy.timezoneOffset)
            frames.endFile(keep: result.error == nil)
            return result.error == nil
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
        return merged
    }
}
