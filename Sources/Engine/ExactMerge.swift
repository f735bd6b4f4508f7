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

/// A vehicle whose segments overlap somewhere: the stretches of time to merge frame by frame,
/// and what to read again for them.
struct ExactItem: Sendable {
    var vin: Vin
    /// Sorted and apart; a vehicle merged whole has one window covering all time.
    var windows: [ClosedRange<Int64>]
    /// The vehicle's segments outside the windows, joined with what the windows give.
    var kept: [Segment]
    /// Frames in the windows, at most (to size batches).
    var frames: Int
    /// Files to read again.
    var files: [Int]

    /// A vehicle merged whole from `files`; with a `cutoff`, only its frames before it.
    static func whole(_ vin: Vin, frames: Int, files: [Int], cutoff: Int64? = nil) -> ExactItem {
        ExactItem(vin: vin, windows: [Int64.min...(cutoff.map { $0 - 1 } ?? Int64.max)], kept: [], frames: frames,
            files: files)
    }

    /// The items' vehicles, in order: a frame's slot is its vehicle's item.
    static func table(_ items: [ExactItem]) -> VinTable {
        var table = VinTable()
        for item in items { _ = table.index(of: item.vin) }
        return table
    }

    /// Whether a frame of the vehicle at `ts` is to be merged.
    @inline(__always)
    func wants(_ ts: Int64) -> Bool {
        windows.count == 1 ? windows[0].contains(ts) : windows.contains { $0.contains(ts) }
    }

    /// The vehicle's figures from its frames in the windows (any order) and its kept segments;
    /// `nil` if they do not join, which only frames that changed between reads can cause.
    func measure(_ readings: inout [Reading], year: ReportYear, limits: TelemetryLimits) -> MergedVehicle? {
        readings.sort()
        var segments = kept
        readings.withUnsafeBufferPointer { sorted in
            var start = 0
            for window in windows {
                var end = start
                while end < sorted.count && sorted[end].ts <= window.upperBound { end += 1 }
                if end > start {
                    segments.append(
                        Segment(
                            sortedReadings: UnsafeBufferPointer(rebasing: sorted[start..<end]), year: year,
                            limits: limits))
                }
                start = end
            }
        }
        guard let figures = SegmentJoin.figures(segments, year: year, limits: limits) else { return nil }
        return MergedVehicle(
            figures: figures, exact: segments.reduce(0) { $0 + $1.exactDuplicates },
            conflicting: segments.reduce(0) { $0 + $1.conflictingDuplicates })
    }
}

/// A frame sink that keeps the frames of some vehicles in some stretches of time only, per
/// worker: a file's frames are staged and kept only when the whole file has been read (SPEC 2.2).
struct SelectedFrames: StagingSink {
    /// The wanted vehicles; their index in this table is their slot in `readings`.
    let wanted: VinTable
    let items: [ExactItem]
    /// Kept readings per wanted vehicle, from the files this worker finished.
    var readings: [[Reading]]
    /// The current file's frames: (vehicle slot, reading).
    var staged: [(Int, Reading)] = []

    init(wanted: VinTable, items: [ExactItem]) {
        self.wanted = wanted
        self.items = items
        readings = [[Reading]](repeating: [], count: wanted.vins.count)
    }

    mutating func accept(_ frame: Frame) {
        if let slot = wanted.lookup(frame.vin), items[slot].wants(frame.ts) {
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

/// A vehicle's figures from all its frames, with its duplicates.
struct MergedVehicle: Sendable {
    var figures: VehicleYear
    var exact: Int
    var conflicting: Int
}

extension SubsidyRun {
    /// Reads `fileIndices` again into one `Sink` per worker; returns what each read found, and
    /// what `finish` made of each worker's sink.
    static func readAgain<Sink: StagingSink, Summary: Sendable>(
        _ fileIndices: Set<Int>, files: [InputFile], policy: Policy, settings: RunSettings, sink: @Sendable () -> Sink,
        finish: @Sendable (consuming Sink) -> Summary
    ) -> (reads: [SecondRead], summaries: [Summary]) {
        let order = fileIndices.sorted()
        let counter = ProgressCounter(
            .merging, files: order.count, bytes: order.reduce(0) { $0 + fileSize(files[$1].fileSystemPath) },
            settings: settings)
        let (reads, summaries) = forEachFile(order.indices, threads: settings.threads, state: sink) {
            (position, frames: inout Sink, reader: inout ArchiveReader) -> SecondRead in
            let result = decode(
                files[order[position]], with: &reader, into: &frames, localOffset: policy.timezoneOffset)
            frames.endFile(keep: result.error == nil)
            counter?.fileDone(result)
            return SecondRead(file: order[position], sha256: result.stored?.sha256, error: result.error)
        } finish: {
            finish($0)
        }
        return (reads, summaries)
    }

    /// Re-reads the items' files and gathers the frames in their windows, both the reading and
    /// `measure` (once per item, with its frames in any order) on all workers.
    static func mergeExactly<Result: Sendable>(
        _ items: [ExactItem], files: [InputFile], policy: Policy, settings: RunSettings,
        measure: @Sendable (ExactItem, inout [Reading]) -> Result
    ) -> (merged: [Vin: Result], reads: [SecondRead]) {
        let table = ExactItem.table(items)
        let fileIndices = items.reduce(into: Set<Int>()) { $0.formUnion($1.files) }
        let (reads, perWorker) = readAgain(fileIndices, files: files, policy: policy, settings: settings) {
            SelectedFrames(wanted: table, items: items)
        } finish: { frames in
            frames.readings
        }
        let measured = parallelMap(items.count, threads: settings.threads) { slot in
            var readings: [Reading] = []
            readings.reserveCapacity(perWorker.reduce(0) { $0 + $1[slot].count })
            for worker in perWorker { readings.append(contentsOf: worker[slot]) }
            return measure(items[slot], &readings)
        }
        var merged: [Vin: Result] = [:]
        for (slot, item) in items.enumerated() { merged[item.vin] = measured[slot] }
        return (merged, reads)
    }

    /// What `mergeInBatches` did.
    struct MergeOutcome<Result: Sendable> {
        var merged: [Vin: Result] = [:]
        /// Batches of frames that fit the budget (one per bucket when spilled).
        var batches = 0
        /// Bytes written to spill files.
        var spilledBytes = 0
        /// The files read again, with what the second read found.
        var reads: [SecondRead] = []
    }

    /// Gathers the frames in the items' windows in batches that fit the memory budget — spilled
    /// to a temporary folder when there is more than one, else in memory — and `measure`s each
    /// item (SPEC 3.1, 3.2).
    static func mergeInBatches<Result: Sendable>(
        _ items: [ExactItem], files: [InputFile], policy: Policy, settings: RunSettings,
        measure: @Sendable (ExactItem, inout [Reading]) -> Result
    ) -> MergeOutcome<Result> {
        // Batches of items whose frames fit the budget.
        let sorted = items.sorted { $0.vin < $1.vin }
        let budget = settings.framesHeld
        var batches: [[ExactItem]] = []
        var batchFrames = 0
        for (position, item) in sorted.enumerated() {
            if position == 0 || batchFrames + item.frames > budget {
                batches.append([])
                batchFrames = 0
            }
            batches[batches.count - 1].append(item)
            batchFrames += item.frames
        }
        var outcome = MergeOutcome<Result>(batches: batches.count)
        if batches.count > 1,
            let spilled = mergeBySpilling(
                batches, files: files, policy: policy, settings: settings, parent: settings.spillDirectory,
                measure: measure)
        {
            outcome.merged = spilled.merged
            outcome.spilledBytes = spilled.spilledBytes
            outcome.reads = spilled.reads
            return outcome
        }
        for batch in batches {
            let batchMerged = mergeExactly(batch, files: files, policy: policy, settings: settings, measure: measure)
            outcome.merged.merge(batchMerged.merged) { first, _ in first }
            outcome.reads += batchMerged.reads
        }
        return outcome
    }
}
