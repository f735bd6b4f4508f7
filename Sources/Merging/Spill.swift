import Figures
import Foundation
import Frames
import Synchronization
import Timelines

/// A private folder for one run's spill files, made with `mkdtemp` under a parent folder and
/// removed with everything in it when the merge ends. Folders in use are also listed for
/// `SpillCleanup`, so an interrupted run leaves nothing behind either.
final class SpillDirectory: Sendable {
    let path: String
    private let names = Atomic<Int>(0)

    /// Creates a folder in `parent`; `nil` when it cannot (the caller falls back to re-reading).
    init?(in parent: String) {
        guard let made = SpillCleanup.register(in: parent) else { return nil }
        path = made
    }

    /// A path for a new file in the folder.
    func newFile(_ label: String) -> String {
        "\(path)/\(label)-\(names.add(1, ordering: .relaxed).oldValue)"
    }

    /// Removes the folder and its files.
    func remove() {
        try? FileManager.default.removeItem(atPath: path)
        SpillCleanup.state.withLock { _ = $0.active.remove(path) }
    }
}

/// Removes the spill folders of runs still going: for a signal handler, before the process exits.
public enum SpillCleanup {
    static let state = Mutex((active: Set<String>(), closed: false))

    /// Makes and lists a new spill folder in `parent`, unless cleaning up has begun.
    static func register(in parent: String) -> String? {
        state.withLock { state in
            guard !state.closed else { return nil }
            var template = Array((parent + "/h2fleet-spill-XXXXXX").utf8CString)
            guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else { return nil }
            let path = String(cString: made)
            state.active.insert(path)
            return path
        }
    }

    /// Removes every spill folder in use; no new one is made afterwards. A worker may still
    /// create its file in a folder while it is being removed, so removal is tried until the
    /// folder is gone (once it is, creating files in it fails).
    public static func removeAll() {
        state.withLock { state in
            state.closed = true
            for path in state.active {
                for _ in 0..<200 where FileManager.default.fileExists(atPath: path) {
                    try? FileManager.default.removeItem(atPath: path)
                    if FileManager.default.fileExists(atPath: path) { usleep(5_000) }
                }
            }
            state.active.removeAll()
        }
    }
}

/// One frame of a vehicle being merged exactly, as written to a spill file.
struct SpillRecord {
    var ts: Int64
    var odometer: Int32
    var current: Int32
    /// The vehicle's slot in the merge's table of wanted vehicles.
    var slot: Int32
}

/// A stretch of one worker's spill file holding records of one bucket.
struct SpillRun: Sendable {
    /// Byte offset in the file.
    var offset: Int
    /// Records.
    var count: Int
}

/// What one worker spilled: its file, and per bucket the runs of records in it.
struct SpillFile: Sendable {
    var path: String?
    var runs: [[SpillRun]]
    /// Per slot, the frames written.
    var counts: [Int]
    /// Why spilling failed (a full disk, say), if it did.
    var failure: String?
}

/// A frame sink that writes the frames of some vehicles to one spill file per worker, gathering
/// each bucket's records and writing them as a run when `flushAt` are pending; the runs are
/// indexed by bucket, so a bucket is read back from every worker's file without one file (and
/// one descriptor) per bucket. A file's frames are staged and written only when the whole file
/// has been read (SPEC 2.2: a failed file counts whole or not at all).
struct SpillingFrames: StagingSink {
    let wanted: VinTable
    let items: [ExactItem]
    /// Slot → bucket.
    let bucketOf: [Int]
    let directory: SpillDirectory
    /// Records a bucket gathers before they are written.
    let flushAt: Int
    var staged: [SpillRecord] = []
    var pending: [[SpillRecord]]
    var descriptor: Int32 = -1
    var written = 0
    var spilled: SpillFile

    init(wanted: VinTable, items: [ExactItem], bucketOf: [Int], buckets: Int, directory: SpillDirectory, flushAt: Int) {
        self.wanted = wanted
        self.items = items
        self.bucketOf = bucketOf
        self.directory = directory
        self.flushAt = max(flushAt, 1)
        pending = Array(repeating: [], count: buckets)
        spilled = SpillFile(
            path: nil, runs: Array(repeating: [], count: buckets), counts: Array(repeating: 0, count: wanted.vins.count)
        )
    }

    mutating func accept(_ frame: Frame) {
        if let slot = wanted.lookup(frame.vin), items[slot].wants(frame.ts) {
            staged.append(
                SpillRecord(ts: frame.ts, odometer: frame.odometer, current: frame.current, slot: Int32(slot)))
        }
    }

    /// Writes (or, for a failed file, drops) the current file's frames.
    mutating func endFile(keep: Bool) {
        if keep && spilled.failure == nil {
            for record in staged {
                let slot = Int(record.slot)
                let bucket = bucketOf[slot]
                spilled.counts[slot] += 1
                pending[bucket].append(record)
                if pending[bucket].count >= flushAt { flush(bucket) }
            }
        }
        staged.removeAll(keepingCapacity: true)
    }

    /// Writes what is pending, closes the file and says what it holds.
    mutating func finish() -> SpillFile {
        for bucket in pending.indices where !pending[bucket].isEmpty { flush(bucket) }
        if descriptor >= 0 { close(descriptor) }
        descriptor = -1
        return spilled
    }

    private mutating func flush(_ bucket: Int) {
        defer { pending[bucket].removeAll(keepingCapacity: true) }
        guard spilled.failure == nil else { return }
        if descriptor < 0 {
            let path = directory.newFile("worker")
            descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            guard descriptor >= 0 else {
                spilled.failure = "cannot create \(path): \(String(cString: strerror(errno)))"
                return
            }
            spilled.path = path
        }
        let start = written
        let failure = pending[bucket].withUnsafeBytes { bytes -> String? in
            var offset = 0
            while offset < bytes.count {
                let count = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { return "cannot write to \(directory.path): \(String(cString: strerror(errno)))" }
                offset += count
            }
            return nil
        }
        written += pending[bucket].count * MemoryLayout<SpillRecord>.stride
        spilled.failure = failure
        spilled.runs[bucket].append(SpillRun(offset: start, count: pending[bucket].count))
    }
}

extension WindowMerge {
    /// Buckets a spill makes at most: each worker gathers records for every bucket, so beyond
    /// this many a bucket holds more than the budget instead.
    static let maxSpillBuckets = 4096

    /// Gathers the frames in the windows of `batches` of items by reading their files once,
    /// writing those frames to spill files under `parent`, then reading back one batch (bucket)
    /// at a time and `measure`-ing each item. The spill folder is removed before returning.
    /// `nil` when spilling failed (the folder cannot be made, the disk is full): the caller
    /// merges by reading the files again.
    static func bySpilling<Result: Sendable>(
        _ batches: [[ExactItem]], from source: some WindowFrameSource, budget: MergeBudget,
        measure: @Sendable (ExactItem, inout [Reading]) -> Result
    ) -> (merged: [Vin: Result], spilledBytes: Int, reads: [SecondRead])? {
        guard let directory = SpillDirectory(in: budget.spillDirectory) else { return nil }
        defer { directory.remove() }
        let perBucket = (batches.count + maxSpillBuckets - 1) / maxSpillBuckets
        let buckets = stride(from: 0, to: batches.count, by: perBucket).map {
            Array(batches[$0..<min($0 + perBucket, batches.count)].joined())
        }
        let items = Array(buckets.joined())
        let table = ExactItem.table(items)
        var bucketOf: [Int] = []
        var slots: [Range<Int>] = []
        for bucket in buckets {
            slots.append(bucketOf.count..<(bucketOf.count + bucket.count))
            bucketOf += repeatElement(slots.count - 1, count: bucket.count)
        }
        let assignment = bucketOf
        let sources = items.reduce(into: Set<Int>()) { $0.formUnion($1.files) }.sorted()
        // What workers gather before writing takes a sixteenth of the budget, within bounds.
        let share = budget.memoryLimit / 16 / budget.threads / buckets.count / MemoryLayout<SpillRecord>.stride
        let flushAt = min(1 << 16, max(256, share))
        let (reads, spills) = source.read(sources) {
            SpillingFrames(
                wanted: table, items: items, bucketOf: assignment, buckets: buckets.count, directory: directory,
                flushAt: flushAt)
        } finish: { frames in
            var frames = frames
            return frames.finish()
        }
        guard spills.allSatisfy({ $0.failure == nil }) else { return nil }
        var merged: [Vin: Result] = [:]
        var spilled = 0
        for (bucket, range) in slots.enumerated() {
            let counts = range.map { slot in spills.reduce(0) { $0 + $1.counts[slot] } }
            guard let (readings, bounds, bytes) = gather(bucket, of: spills, slots: range, counts: counts) else {
                return nil
            }
            spilled += bytes
            let measured = parallelMap(range.count, threads: budget.threads) { place in
                var slice = Array(readings[bounds[place]..<bounds[place + 1]])
                return measure(items[range.lowerBound + place], &slice)
            }
            for (place, entry) in measured.enumerated() { merged[items[range.lowerBound + place].vin] = entry }
        }
        return (merged, spilled, reads)
    }

    /// Reads one bucket's runs back from every worker's spill file: the readings of `slots`, each
    /// slot's in its own stretch (`bounds[i]..<bounds[i + 1]`), and the bytes read; `nil` when the
    /// files do not hold exactly the `counts` written.
    private static func gather(_ bucket: Int, of spills: [SpillFile], slots: Range<Int>, counts: [Int])
        -> (readings: [Reading], bounds: [Int], bytes: Int)?
    {
        var bounds = [0]
        for count in counts { bounds.append(bounds[bounds.count - 1] + count) }
        var readings = [Reading](repeating: Reading(ts: 0, odometer: 0, current: 0), count: bounds[counts.count])
        var next = bounds
        var chunk = [SpillRecord](repeating: SpillRecord(ts: 0, odometer: 0, current: 0, slot: 0), count: 1 << 14)
        var bytes = 0
        for spill in spills where !spill.runs[bucket].isEmpty {
            guard let path = spill.path else { return nil }
            let descriptor = open(path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else { return nil }
            defer { close(descriptor) }
            for run in spill.runs[bucket] {
                var done = 0
                while done < run.count {
                    let count = min(chunk.count, run.count - done)
                    let offset = run.offset + done * MemoryLayout<SpillRecord>.stride
                    guard readFully(descriptor, at: offset, into: &chunk, count: count) else { return nil }
                    for record in chunk[0..<count] {
                        let place = Int(record.slot) - slots.lowerBound
                        guard place >= 0 && place < counts.count && next[place] < bounds[place + 1] else { return nil }
                        readings[next[place]] = Reading(
                            ts: record.ts, odometer: record.odometer, current: record.current)
                        next[place] += 1
                    }
                    done += count
                }
                bytes += run.count * MemoryLayout<SpillRecord>.stride
            }
        }
        guard next.dropLast() == bounds.dropFirst() else { return nil }
        return (readings, bounds, bytes)
    }

    /// Reads `count` records at byte `offset` of a spill file into the start of `chunk`.
    private static func readFully(_ descriptor: Int32, at offset: Int, into chunk: inout [SpillRecord], count: Int)
        -> Bool
    {
        chunk.withUnsafeMutableBytes { bytes in
            let wanted = count * MemoryLayout<SpillRecord>.stride
            var filled = 0
            while filled < wanted {
                let got = pread(descriptor, bytes.baseAddress! + filled, wanted - filled, off_t(offset + filled))
                if got < 0 && errno == EINTR { continue }
                guard got > 0 else { return false }
                filled += got
            }
            return true
        }
    }
}
