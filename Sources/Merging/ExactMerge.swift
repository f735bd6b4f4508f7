import Dispatch
import Figures
import Foundation
import Frames
import Synchronization
import Timelines

/// A frame sink for reading files a second time: a file's frames are staged and kept only when
/// the whole file has been read (SPEC 2.2: a failed file counts whole or not at all).
public protocol StagingSink: FrameSink, SendableMetatype {
    /// Keeps (or, for a failed file, drops) the current file's frames.
    mutating func endFile(keep: Bool)
}

/// What reading a file a second time (to merge vehicles exactly) found: the file's SHA-256, or
/// why it could not be read.
public struct SecondRead: Sendable {
    /// The source's number.
    public var file: Int
    /// Its SHA-256 as read this time, when it could be read.
    public var sha256: String?
    /// Why it failed this time, if it did.
    public var error: String?

    /// What a second read found.
    public init(file: Int, sha256: String?, error: String?) {
        self.file = file
        self.sha256 = sha256
        self.error = error
    }
}

/// A vehicle whose segments overlap somewhere: the stretches of time to merge frame by frame,
/// and what to read again for them.
public struct ExactItem: Sendable {
    /// The vehicle.
    public var vin: Vin
    /// Sorted and apart; a vehicle merged whole has one window covering all time.
    public var windows: [ClosedRange<Int64>]
    /// The vehicle's segments outside the windows, joined with what the windows give.
    public var kept: [Segment]
    /// Frames in the windows, at most (to size batches).
    public var frames: Int
    /// Files to read again.
    public var files: [Int]

    /// An item.
    public init(vin: Vin, windows: [ClosedRange<Int64>], kept: [Segment], frames: Int, files: [Int]) {
        self.vin = vin
        self.windows = windows
        self.kept = kept
        self.frames = frames
        self.files = files
    }

    /// The stretches where `vehicle`'s segments overlap, to merge frame by frame, and the files
    /// of `store` to read for them; `nil` if none.
    public init?(_ vin: Vin, _ vehicle: SegmentStore.Vehicle, in store: SegmentStore) {
        let segments = vehicle.segments
        self.init(vin: vin, windows: [], kept: [], frames: 0, files: [])
        var start = 0
        while start < segments.count {
            // A run of segments each starting by the time one before it ended.
            var end = start + 1
            var reach = segments[start].last.ts
            while end < segments.count && segments[end].first.ts <= reach {
                reach = max(reach, segments[end].last.ts)
                end += 1
            }
            if end - start == 1 {
                kept.append(segments[start])
            } else {
                windows.append(segments[start].first.ts...reach)
                for index in start..<end { frames += SegmentStore.frames(of: segments[index]) }
            }
            start = end
        }
        files = store.files(meeting: windows)
        if windows.isEmpty { return nil }
    }

    /// A vehicle merged whole from `files`; with a `cutoff`, only its frames before it.
    public static func whole(_ vin: Vin, frames: Int, files: [Int], cutoff: Int64? = nil) -> ExactItem {
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
    public func measure(_ readings: inout [Reading], year: ReportYear, limits: TelemetryLimits) -> MergedVehicle? {
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
public struct MergedVehicle: Sendable {
    /// The vehicle's figures.
    public var figures: VehicleYear
    /// Its exact duplicates.
    public var exact: Int
    /// Its conflicting duplicates.
    public var conflicting: Int
}

/// Where the frames of the stretches to merge come from (SPEC 3, 10.3): sources, by number,
/// read again whole. The run's input files and the ledger's stored archives are read through
/// `Engine`'s archive source; spill files are this module's own stage (`Spill.swift`).
public protocol WindowFrameSource: Sendable {
    /// Reads `sources` again, each whole, one sink per worker (a failed source's frames are
    /// dropped: `StagingSink.endFile(keep: false)`); returns what each read found, in the order
    /// of `sources`, and what `finish` made of each worker's sink.
    func read<Sink: StagingSink, Summary: Sendable>(
        _ sources: [Int], sink: @Sendable () -> Sink, finish: @Sendable (consuming Sink) -> Summary
    ) -> (reads: [SecondRead], summaries: [Summary])
}

/// The room a merge has.
public struct MergeBudget: Sendable {
    /// Workers.
    public var threads: Int
    /// Frames held at once in memory; beyond, frames are spilled.
    public var framesHeld: Int
    /// The memory budget in bytes (sizes the spill buffers).
    public var memoryLimit: Int
    /// Where spill folders are made.
    public var spillDirectory: String

    /// A budget.
    public init(threads: Int, framesHeld: Int, memoryLimit: Int, spillDirectory: String) {
        self.threads = max(1, threads)
        self.framesHeld = framesHeld
        self.memoryLimit = memoryLimit
        self.spillDirectory = spillDirectory
    }
}

/// Merging vehicles frame by frame in the stretches where their segments overlap: the one
/// implementation, for `subsidy`, `check` and the ledger's `report`.
public enum WindowMerge {
    /// What `inBatches` did.
    public struct Outcome<Result: Sendable> {
        /// Each item's result.
        public var merged: [Vin: Result] = [:]
        /// Batches of frames that fit the budget (one per bucket when spilled).
        public var batches = 0
        /// Bytes written to spill files.
        public var spilledBytes = 0
        /// The sources read again, with what the second read found.
        public var reads: [SecondRead] = []
    }

    /// Gathers the frames in the items' windows in batches that fit the budget — spilled to a
    /// temporary folder when there is more than one, else in memory — and `measure`s each item
    /// (SPEC 3.1, 3.2).
    public static func inBatches<Result: Sendable>(
        _ items: [ExactItem], from source: some WindowFrameSource, budget: MergeBudget,
        measure: @Sendable (ExactItem, inout [Reading]) -> Result
    ) -> Outcome<Result> {
        // Batches of items whose frames fit the budget.
        let sorted = items.sorted { $0.vin < $1.vin }
        var batches: [[ExactItem]] = []
        var batchFrames = 0
        for (position, item) in sorted.enumerated() {
            if position == 0 || batchFrames + item.frames > budget.framesHeld {
                batches.append([])
                batchFrames = 0
            }
            batches[batches.count - 1].append(item)
            batchFrames += item.frames
        }
        var outcome = Outcome<Result>(batches: batches.count)
        if batches.count > 1,
            let spilled = bySpilling(batches, from: source, budget: budget, measure: measure)
        {
            outcome.merged = spilled.merged
            outcome.spilledBytes = spilled.spilledBytes
            outcome.reads = spilled.reads
            return outcome
        }
        for batch in batches {
            let batchMerged = exactly(batch, from: source, budget: budget, measure: measure)
            outcome.merged.merge(batchMerged.merged) { first, _ in first }
            outcome.reads += batchMerged.reads
        }
        return outcome
    }

    /// Reads the items' sources again and gathers the frames in their windows, both the reading
    /// and `measure` (once per item, with its frames in any order) on all workers.
    static func exactly<Result: Sendable>(
        _ items: [ExactItem], from source: some WindowFrameSource, budget: MergeBudget,
        measure: @Sendable (ExactItem, inout [Reading]) -> Result
    ) -> (merged: [Vin: Result], reads: [SecondRead]) {
        let table = ExactItem.table(items)
        let sources = items.reduce(into: Set<Int>()) { $0.formUnion($1.files) }.sorted()
        let (reads, perWorker) = source.read(sources) {
            SelectedFrames(wanted: table, items: items)
        } finish: { frames in
            frames.readings
        }
        let measured = parallelMap(items.count, threads: budget.threads) { slot in
            var readings: [Reading] = []
            readings.reserveCapacity(perWorker.reduce(0) { $0 + $1[slot].count })
            for worker in perWorker { readings.append(contentsOf: worker[slot]) }
            return measure(items[slot], &readings)
        }
        var merged: [Vin: Result] = [:]
        for (slot, item) in items.enumerated() { merged[item.vin] = measured[slot] }
        return (merged, reads)
    }

    /// Runs `body` for `0..<count` on `threads` workers; results in index order.
    public static func parallelMap<Result: Sendable>(_ count: Int, threads: Int, _ body: @Sendable (Int) -> Result)
        -> [Result]
    {
        let next = Atomic<Int>(0)
        let results = Mutex([Result?](repeating: nil, count: count))
        DispatchQueue.concurrentPerform(iterations: max(1, min(threads, count))) { _ in
            while true {
                let index = next.add(1, ordering: .relaxed).oldValue
                if index >= count { break }
                let result = body(index)
                results.withLock { $0[index] = result }
            }
        }
        return results.withLock { $0.map { $0! } }
    }
}
