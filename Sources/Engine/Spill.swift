import Archives
import Figures
import Foundation
import Frames
import Rules
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
        var template = Array((parent + "/h2fleet-spill-XXXXXX").utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else { return nil }
        path = String(cString: made)
        SpillCleanup.active.withLock { _ = $0.insert(path) }
    }

    /// A path for a new file in the folder.
    func newFile(_ label: String) -> String {
        "\(path)/\(label)-\(names.add(1, ordering: .relaxed).oldValue)"
    }

    /// Removes the folder and its files.
    func remove() {
        try? FileManager.default.removeItem(atPath: path)
        SpillCleanup.active.withLock { _ = $0.remove(path) }
    }
}

/// Removes the spill folders of runs still going: for a signal handler, before the process exits.
public enum SpillCleanup {
    static let active = Mutex(Set<String>())

    /// Removes every spill folder in use.
    public static func removeAll() {
        for path in active.withLock({ $0 }) { try? FileManager.default.removeItem(atPath: path) }
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

/// A frame sink that writes the frames of some vehicles to spill files, one set of files per
/// bucket of vehicles, per worker. A file's frames are staged and written only when the whole
/// file has been read (SPEC 2.2: a failed file counts whole or not at all).
struct SpillingFrames: StagingSink {
    let wanted: VinTable
    /// Slot → bucket.
    let bucketOf: [Int]
    let directory: SpillDirectory
    /// Records a bucket gathers before they are written.
    let flushAt: Int
    var staged: [SpillRecord] = []
    var pending: [[SpillRecord]]
    var descriptors: [Int32]
    /// Per bucket, the files written.
    var paths: [[String]]
    /// Per slot, the frames written.
    var counts: [Int]
    /// Why spilling failed (a full disk, say), if it did.
    var failure: String?

    init(wanted: VinTable, bucketOf: [Int], buckets: Int, directory: SpillDirectory, flushAt: Int) {
        self.wanted = wanted
        self.bucketOf = bucketOf
        self.directory = directory
        self.flushAt = max(flushAt, 1)
        pending = Array(repeating: [], count: buckets)
        descriptors = Array(repeating: -1, count: buckets)
        paths = Array(repeating: [], count: buckets)
        counts = Array(repeating: 0, count: wanted.vins.count)
    }

    mutating func accept(_ frame: Frame) {
        if let slot = wanted.lookup(frame.vin) {
            staged.append(
                SpillRecord(ts: frame.ts, odometer: frame.odometer, current: frame.current, slot: Int32(slot)))
        }
    }

    /// Writes (or, for a failed file, drops) the current file's frames.
    mutating func endFile(keep: Bool) {
        if keep && failure == nil {
            for record in staged {
                let slot = Int(record.slot)
                let bucket = bucketOf[slot]
                counts[slot] += 1
                pending[bucket].append(record)
                if pending[bucket].count >= flushAt { flush(bucket) }
            }
        }
        staged.removeAll(keepingCapacity: true)
    }

    /// Writes what is pending and closes the files.
    mutating func finish() {
        for bucket in pending.indices where !pending[bucket].isEmpty { flush(bucket) }
        for descriptor in descriptors where descriptor >= 0 { close(descriptor) }
        descriptors = descriptors.map { _ in -1 }
    }

    private mutating func flush(_ bucket: Int) {
        defer { pending[bucket].removeAll(keepingCapacity: true) }
        guard failure == nil else { return }
        if descriptors[bucket] < 0 {
            let path = directory.newFile("bucket\(bucket)")
            descriptors[bucket] = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            guard descriptors[bucket] >= 0 else {
                failure = "cannot create \(path): \(String(cString: strerror(errno)))"
                return
            }
            paths[bucket].append(path)
        }
        let descriptor = descriptors[bucket]
        pending[bucket].withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else {
                    failure = "cannot write to \(directory.path): \(String(cString: strerror(errno)))"
                    return
                }
                offset += written
            }
        }
    }
}

extension SubsidyRun {
    /// Merges `buckets` of vehicles exactly (SPEC 3.1, 3.2) by reading `fileIndices` once, writing
    /// the vehicles' frames to spill files under `parent` by bucket, then measuring one bucket at
    /// a time. The spill folder is removed before returning. `nil` when spilling failed (the
    /// folder cannot be made, the disk is full): the caller merges by reading the files again.
    static func mergeBySpilling(
        _ buckets: [[Vin]], from fileIndices: Set<Int>, files: [InputFile], policy: Policy, year: ReportYear,
        settings: RunSettings, parent: String
    ) -> (merged: [Vin: MergedVehicle], spilledBytes: Int, reads: [SecondRead])? {
        guard let directory = SpillDirectory(in: parent) else { return nil }
        defer { directory.remove() }
        var wanted = VinTable()
        var bucketOf: [Int] = []
        var slots: [Range<Int>] = []
        for bucket in buckets {
            let first = bucketOf.count
            for vin in bucket {
                _ = wanted.index(of: vin)
                bucketOf.append(slots.count)
            }
            slots.append(first..<bucketOf.count)
        }
        let table = wanted
        let assignment = bucketOf
        // Each worker gathers up to a sixty-fourth of the budget per bucket before writing.
        let flushAt = max(4096, settings.memoryLimit / 64 / max(1, buckets.count * settings.threads) / 24)
        let (reads, workers) = readAgain(fileIndices, files: files, policy: policy, threads: settings.threads) {
            SpillingFrames(
                wanted: table, bucketOf: assignment, buckets: buckets.count, directory: directory, flushAt: flushAt)
        } finish: { frames in
            var frames = frames
            frames.finish()
            return (paths: frames.paths, counts: frames.counts, failure: frames.failure)
        }
        guard workers.allSatisfy({ $0.failure == nil }) else { return nil }
        var merged: [Vin: MergedVehicle] = [:]
        var spilled = 0
        for (bucket, range) in slots.enumerated() {
            let counts = range.map { slot in workers.reduce(0) { $0 + $1.counts[slot] } }
            let paths = workers.flatMap { $0.paths[bucket] }
            guard let (readings, bounds, bytes) = gather(paths, slots: range, counts: counts) else { return nil }
            spilled += bytes
            let measured = parallelMap(range.count, threads: settings.threads) { place in
                measureExactly(
                    table.vins[range.lowerBound + place], Array(readings[bounds[place]..<bounds[place + 1]]),
                    year: year, limits: policy.limits)
            }
            for (place, entry) in measured.enumerated() { merged[table.vins[range.lowerBound + place]] = entry }
        }
        return (merged, spilled, reads)
    }

    /// Reads one bucket's spill files back: the readings of `slots`, each slot's in its own
    /// stretch (`bounds[i]..<bounds[i + 1]`), and the bytes read; `nil` when the files do not
    /// hold exactly the `counts` written.
    private static func gather(_ paths: [String], slots: Range<Int>, counts: [Int])
        -> (readings: [Reading], bounds: [Int], bytes: Int)?
    {
        var bounds = [0]
        for count in counts { bounds.append(bounds[bounds.count - 1] + count) }
        var readings = [Reading](repeating: Reading(ts: 0, odometer: 0, current: 0), count: bounds[counts.count])
        var next = bounds
        var chunk = [SpillRecord](repeating: SpillRecord(ts: 0, odometer: 0, current: 0, slot: 0), count: 1 << 15)
        var bytes = 0
        var intact = true
        for path in paths {
            let read = forEachChunk(of: path, into: &chunk) { records in
                for record in records {
                    let place = Int(record.slot) - slots.lowerBound
                    guard place >= 0 && place < counts.count && next[place] < bounds[place + 1] else {
                        intact = false
                        continue
                    }
                    readings[next[place]] = Reading(ts: record.ts, odometer: record.odometer, current: record.current)
                    next[place] += 1
                }
            }
            guard let read, intact else { return nil }
            bytes += read
        }
        guard next.dropLast() == bounds.dropFirst() else { return nil }
        return (readings, bounds, bytes)
    }

    /// Reads the records of one spill file, a chunk at a time, into `chunk` and hands each chunk
    /// to `body`; returns the bytes read, or `nil` when the file cannot be read back whole.
    private static func forEachChunk(
        of path: String, into chunk: inout [SpillRecord], _ body: (UnsafeBufferPointer<SpillRecord>) -> Void
    ) -> Int? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        let stride = MemoryLayout<SpillRecord>.stride
        var total = 0
        while true {
            var filled = 0
            let capacity = chunk.count * stride
            let ok = chunk.withUnsafeMutableBytes { bytes in
                while filled < capacity {
                    let count = read(descriptor, bytes.baseAddress! + filled, capacity - filled)
                    if count < 0 && errno == EINTR { continue }
                    if count < 0 { return false }
                    if count == 0 { break }
                    filled += count
                }
                return true
            }
            guard ok, filled % stride == 0 else { return nil }
            chunk.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[0..<(filled / stride)])) }
            total += filled
            if filled < capacity { return total }
        }
    }
}
