import Archives
import Dispatch
import Figures
import Foundation
import Frames
import Merging
import Reports
import Rules
import Subsidy
import Synchronization
import Timelines

/// The version of h2fleet written in reports.
public let engineVersion = "0.1.0"
/// The rules this engine applies (SPEC 8).
public let rulesVersion = "h2-mileage/2"

/// A run that cannot start: bad usage, policy or registry (exit status 2).
public struct RunError: Error, CustomStringConvertible, Sendable {
    /// What kind of problem: kept across the `Engine` boundary, so that a caller (a server)
    /// can choose its answer.
    public enum Code: String, Sendable {
        /// A bad argument: a VIN that is not one, a vehicle with no data.
        case badUsage = "bad_usage"
        /// The policy is missing, not UTF-8 or invalid (SPEC 5).
        case badPolicy = "bad_policy"
        /// A year the policy does not cover (SPEC 5).
        case yearOutsidePolicy = "year_outside_policy"
        /// The registry is missing or invalid (SPEC 4).
        case badRegistry = "bad_registry"
        /// An input argument that does not exist (SPEC 7).
        case inputNotFound = "input_not_found"
        /// An archive to read again is missing or differs from the one first read.
        case archiveChanged = "archive_changed"
    }

    /// What kind of problem.
    public var code: Code
    /// What is wrong and what to do about it.
    public var message: String
    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }
    /// The message.
    public var description: String { message }
}

/// What to compute: the arguments of `h2fleet subsidy`.
public struct SubsidyRequest: Sendable {
    /// Policy file; `nil` for the built-in Daxing 2022 policy.
    public var policyPath: String?
    /// Registry file.
    public var registryPath: String
    /// How the registry's bytes are read (`--registry-encoding`, SPEC 4).
    public var registryEncoding: RegistryEncoding
    /// Report year.
    public var year: Int
    /// Input files and directories.
    public var inputs: [String]
    /// Worker threads (at least 1).
    public var threads: Int
    /// Memory budget in bytes for the frames that must be merged exactly (see `RunSettings`).
    public var memoryLimit: Int
    /// Parent of the temporary spill folder; `nil` for `RunSettings.defaultSpillDirectory`.
    public var spillDirectory: String?
    /// Called with progress as files are read, from worker threads.
    public var progress: (@Sendable (Progress) -> Void)?

    /// Creates a request.
    public init(
        policyPath: String?, registryPath: String, registryEncoding: RegistryEncoding = .utf8, year: Int,
        inputs: [String], threads: Int, memoryLimit: Int = RunSettings.defaultMemoryLimit,
        spillDirectory: String? = nil, progress: (@Sendable (Progress) -> Void)? = nil
    ) {
        self.registryEncoding = registryEncoding
        self.spillDirectory = spillDirectory
        self.policyPath = policyPath
        self.registryPath = registryPath
        self.year = year
        self.inputs = inputs
        self.threads = threads
        self.memoryLimit = memoryLimit
        self.progress = progress
    }
}

/// The whole pipeline: archives → frames → timelines → yearly figures → subsidy → report.
public enum SubsidyRun {
    /// Loads the policy and registry, reads every input in parallel and computes the report.
    ///
    /// The report does not depend on the order of inputs or lines, on how frames are split
    /// across files, or on `threads`.
    /// - Throws: `RunError` for a bad policy, registry, year or a missing input, before any
    ///   telemetry is read. Failed inputs do not throw: they are in the report.
    public static func run(_ request: SubsidyRequest) throws(RunError) -> Report {
        let prepared = try prepare(request)
        let settings = RunSettings(
            threads: request.threads, memoryLimit: request.memoryLimit, spillDirectory: request.spillDirectory,
            progress: request.progress)
        var report = compute(
            files: prepared.files, policy: prepared.policy, policySHA256: prepared.policySHA256,
            registry: prepared.registry, year: request.year, settings: settings)
        report.registry = prepared.registrySource
        report.policy = prepared.policy
        report.skipped = prepared.inputs.skipped
        report.warnings = ReportWarning.collect(
            report, builtInPolicy: request.policyPath == nil, skipped: prepared.inputs.skipped.map(\.path),
            emptyDirectories: prepared.inputs.emptyDirectories)
        return report
    }

    /// What a run needs before any telemetry is read.
    struct Prepared {
        var policy: Policy
        var policySHA256: String
        var registry: Registry
        var registrySource: RegistrySource
        /// The files to read, those skipped, the directories with nothing to read.
        var inputs: DiscoveredInputs
        var files: [InputFile] { inputs.files }
    }

    /// Loads the policy and registry, checks the year and discovers the input files.
    /// - Throws: `RunError` for a bad policy, registry, year or a missing input.
    static func prepare(_ request: SubsidyRequest) throws(RunError) -> Prepared {
        let (policy, policySHA) = try loadPolicy(request.policyPath)
        try checkYear(request.year, of: policy, policyPath: request.policyPath)
        let (registry, source) = try loadRegistry(request.registryPath, encoding: request.registryEncoding, policy: policy)
        return Prepared(
            policy: policy, policySHA256: policySHA, registry: registry, registrySource: source,
            inputs: try discover(request.inputs))
    }

    /// Stops a run for a year the policy does not cover (SPEC 5), naming the policy's `years`.
    public static func checkYear(_ year: Int, of policy: Policy, policyPath: String?) throws(RunError) {
        guard policy.years.contains(year) else {
            // Named like a policy field's error (SPEC 5): file, field, what is wrong.
            throw RunError(
                .yearOutsidePolicy, "\(policyPath ?? "built-in policy"): years: year \(year) is not covered by policy "
                    + "'\(policy.id)' (it covers \(policy.years.map(String.init).joined(separator: ", ")))")
        }
    }

    /// Reads and validates the registry at `path` (SPEC 4) for `policy`'s classes.
    /// - Throws: `RunError` naming every bad line, or the encoding to try.
    public static func loadRegistry(_ path: String, encoding: RegistryEncoding, policy: Policy) throws(RunError)
        -> (Registry, RegistrySource)
    {
        let bytes = try readConfiguration(path, what: "registry")
        let registry: Registry
        do {
            registry = try Registry(
                bytes: bytes, file: path, classes: Set(policy.classes.map(\.id)), encoding: encoding)
        } catch {
            throw RunError(.badRegistry, "bad registry: \(error)")
        }
        return (registry, RegistrySource(path: path, sha256: sha256Hex(bytes), vehicles: registry.vehicles.count))
    }

    /// Reads `path` (or the built-in text) and validates it as a policy.
    public static func loadPolicy(_ path: String?) throws(RunError) -> (Policy, String) {
        let bytes =
            try path.map { (path) throws(RunError) in try readConfiguration(path, what: "policy") }
            ?? Array(builtInPolicyText.utf8)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw RunError(.badPolicy, "bad policy: \(path ?? "built-in"): not UTF-8 text")
        }
        do {
            return (try Policy(toml: text, file: path ?? "built-in policy"), sha256Hex(bytes))
        } catch {
            throw RunError(.badPolicy, "bad policy: \(error)")
        }
    }

    /// Computes the report for already discovered files.
    public static func compute(
        files: [InputFile], policy: Policy, policySHA256: String, registry: Registry,
        year: Int, settings: RunSettings
    ) -> Report {
        let reportYear = ReportYear(year, offset: policy.timezoneOffset)
        // A file read a second time (to merge overlapping data) that fails then or changed in
        // between counts not at all (SPEC 2.2): the run is made again without it, so none of
        // its first read's segments stay in any vehicle's figures. Each round fails at least
        // one more file, so this ends; files do not change under a run in the usual case.
        var failedLater: [Int: String] = [:]
        var firstRead: [DecodedFile] = []
        var checked: [DecodedFile]
        var measured: Measured
        while true {
            let active = files.indices.filter { failedLater[$0] == nil }
            let (decoded, store, tainted) = decodeAll(
                active.map { files[$0] }, policy: policy, year: reportYear, settings: settings)
            if firstRead.isEmpty { firstRead = decoded }
            // A file read in parts that failed after some parts' segments were stored.
            if !tainted.isEmpty {
                for position in tainted { failedLater[active[position]] = decoded[position].error }
                continue
            }
            measured = measure(
                store, files: active.map { files[$0] }, policy: policy, year: reportYear, settings: settings)
            var newlyFailed: [Int: String] = [:]
            for read in measured.secondReads where decoded[read.file].error == nil {
                if let error = changedFileError(first: decoded[read.file].stored?.sha256, second: read) {
                    newlyFailed[active[read.file]] = error
                }
            }
            if newlyFailed.isEmpty {
                checked = firstRead
                for (position, index) in active.enumerated() { checked[index] = decoded[position] }
                for (index, error) in failedLater { checked[index].error = error }
                break
            }
            failedLater.merge(newlyFailed) { first, _ in first }
        }
        let entries = zip(files, checked).map(fileEntry)
        let spans = checked.filter { $0.error == nil }.compactMap(\.timeSpan)
        return Report(
            engineVersion: engineVersion, rulesVersion: rulesVersion, policyId: policy.id,
            policySHA256: policySHA256, year: year, timezoneOffset: policy.timezoneOffset,
            files: entries, exactDuplicates: measured.exact, conflictingDuplicates: measured.conflicting,
            outcome: SubsidyOutcome(figures: measured.figures, registry: registry, policy: policy),
            frameSpan: union(spans))
    }

    /// From the earliest first to the latest last time of `segments`; `nil` for none.
    static func timeSpan(of segments: [Segment]) -> ClosedRange<Int64>? {
        union(segments.map { $0.first.ts...$0.last.ts })
    }

    /// The smallest range that holds all of `spans`; `nil` for none.
    static func union(_ spans: [ClosedRange<Int64>]) -> ClosedRange<Int64>? {
        guard let lower = spans.map(\.lowerBound).min(), let upper = spans.map(\.upperBound).max() else { return nil }
        return lower...upper
    }

    /// Why a file read a second time (to merge overlapping data, or to measure vehicles in
    /// batches) fails the run, if it does: it could not be read again, or its bytes changed
    /// between the reads, so the figures of its vehicles may mix two versions of it.
    static func changedFileError(first: String?, second: SecondRead) -> String? {
        if let error = second.error {
            return "could not be read a second time: \(error)"
        }
        guard second.sha256 == first else {
            return "changed while h2fleet was reading it (its SHA-256 differs when read a second time); "
                + "run again once the file is complete"
        }
        return nil
    }

    /// A file's report entry; a failed file has no frames, rejections or skipped frames.
    static func fileEntry(_ file: InputFile, _ result: DecodedFile) -> FileEntry {
        let ok = result.error == nil
        return FileEntry(
            path: file.path, format: file.format.reportName, bytes: result.stored?.bytes ?? 0,
            sha256: result.stored?.sha256 ?? "", error: result.error, frames: ok ? result.frames : 0,
            rejections: ok ? result.rejections : RejectionTally(), skippedByCommand: ok ? result.skippedByCommand : [:])
    }

    /// The files named by `inputs` and those skipped (SPEC 2.2); a missing input is bad usage.
    public static func discover(_ inputs: [String]) throws(RunError) -> DiscoveredInputs {
        do {
            return try InputDiscovery.discover(inputs)
        } catch {
            throw RunError(.inputNotFound, error.message)
        }
    }

    private static func readConfiguration(_ path: String, what: String) throws(RunError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RunError(
                what == "policy" ? .badPolicy : .badRegistry, "cannot read \(what) file \(path) (missing or not readable)")
        }
        return [UInt8](data)
    }
}

/// How a run uses the machine. None of it changes the results.
public struct RunSettings: Sendable {
    /// The default memory budget: 1 GiB.
    public static let defaultMemoryLimit = 1 << 30
    /// `$TMPDIR` when set, else `/tmp`.
    public static var defaultSpillDirectory: String {
        let fromEnvironment = ProcessInfo.processInfo.environment["TMPDIR"] ?? ""
        return fromEnvironment.isEmpty ? "/tmp" : fromEnvironment
    }

    /// Worker threads (at least 1).
    public var threads: Int
    /// Budget in bytes for the frames of vehicles whose runs overlap in time (late or re-sent
    /// data, shuffled files), which are merged frame by frame; beyond it they are spilled to a
    /// temporary folder and merged a bucket at a time.
    public var memoryLimit: Int
    /// Frames each worker buffers before summarising them (by default from `memoryLimit`).
    public var chunkFrames: Int
    /// Room for readings a worker's chunk keeps from file to file: 2^20 (36 MiB with their
    /// vehicles and grouped copy; a chunk usually needs a sixth of it), less under a small
    /// budget, at least two chunks.
    public var retainedReadings: Int {
        max(2 * chunkFrames, min(1 << 20, memoryLimit / threads / 64))
    }
    /// Frames the budget lets a run hold at once to merge or check them: what the rest of the
    /// run holds (buffers, segments: about 64 MiB) is set aside, and a frame costs about 32
    /// bytes while it is collected, grouped and sorted.
    var framesHeld: Int {
        max(1, max(memoryLimit - (64 << 20), memoryLimit / 4) / 32)
    }
    /// The room for merging overlapping stretches.
    var mergeBudget: MergeBudget {
        MergeBudget(threads: threads, framesHeld: framesHeld, memoryLimit: memoryLimit, spillDirectory: spillDirectory)
    }
    /// Where a run that must merge more frames than `memoryLimit` allows makes its temporary
    /// spill folder (removed when the run ends): `$TMPDIR`, or `/tmp`.
    public var spillDirectory: String
    /// Called with progress as files are read, from worker threads.
    public var progress: (@Sendable (Progress) -> Void)?
    /// The smallest part a large zstd archive of several frames is cut into to be read by
    /// several workers (`SplitArchive`): 1 MiB as stored.
    public var minimumPartBytes = 1 << 20

    /// Creates settings.
    public init(
        threads: Int, memoryLimit: Int = defaultMemoryLimit, chunkFrames: Int? = nil,
        spillDirectory: String? = nil, progress: (@Sendable (Progress) -> Void)? = nil
    ) {
        self.threads = max(1, threads)
        self.memoryLimit = memoryLimit
        // A worker's buffered readings (16 bytes each, up to twice a chunk) take at most an
        // eighth of the budget, and no more than 2^17 a chunk: a chunk's buffers then stay in a
        // core's cache while they are summarised (a one-file corpus runs about 8% faster than
        // with 2^20), and a day's file of a 200-vehicle fleet is still one chunk.
        self.chunkFrames = chunkFrames ?? min(1 << 17, max(1 << 12, memoryLimit / self.threads / 256))
        self.spillDirectory = spillDirectory ?? Self.defaultSpillDirectory
        self.progress = progress
    }
}

/// How far a run has got.
public struct Progress: Sendable {
    /// What a run is doing.
    public enum Stage: Sendable {
        /// Reading every file.
        case reading
        /// Reading again the files that hold overlapping data (late, re-sent or shuffled), to
        /// merge it frame by frame.
        case merging
    }

    /// What the run is doing; the counts are those of this stage.
    public var stage: Stage
    /// Files finished.
    public var filesDone: Int
    /// Files in all.
    public var files: Int
    /// Bytes (as stored) of the finished files.
    public var bytesDone: Int64
    /// Bytes (as stored) of all files.
    public var bytes: Int64
    /// Valid frames decoded so far.
    public var frames: Int
}

/// Counts the files of one stage as workers finish them, for `RunSettings.progress`.
final class ProgressCounter: Sendable {
    private let report: @Sendable (Progress) -> Void
    private let progress: Mutex<Progress>

    /// Pieces of work still to finish, of the files done in more than one.
    private let tasksLeft: Mutex<[Int: Int]>

    /// A counter for `files` files of `bytes` in all, in `stage`, of which those in
    /// `tasksByFile` are done in that many pieces; `nil` when nobody listens.
    init?(
        _ stage: Progress.Stage, files: Int, bytes: Int64, tasksByFile: [Int: Int] = [:], settings: RunSettings
    ) {
        guard let report = settings.progress else { return nil }
        self.report = report
        progress = Mutex(Progress(stage: stage, filesDone: 0, files: files, bytesDone: 0, bytes: bytes, frames: 0))
        tasksLeft = Mutex(tasksByFile)
    }

    /// Counts a finished piece of work on file `file`: `bytes` of it as stored read, `frames`
    /// decoded; the file is done with its last piece.
    func done(file: Int, bytes: Int64, frames: Int) {
        let fileDone = tasksLeft.withLock { left in
            guard let count = left[file] else { return true }
            left[file] = count - 1
            return count == 1
        }
        let snapshot = progress.withLock { progress in
            if fileDone { progress.filesDone += 1 }
            progress.bytesDone += bytes
            progress.frames += frames
            return progress
        }
        report(snapshot)
    }

    /// Counts a finished file and reports.
    func fileDone(_ result: DecodedFile) {
        done(file: -1, bytes: result.stored?.bytes ?? 0, frames: result.frames)
    }
}

extension SubsidyRun {
    /// One piece of work of `decodeAll`: a whole file, or for a file read in parts
    /// (`SplitArchive`) its checksum or one of its parts.
    private enum DecodeTask: Sendable {
        case whole(Int)
        case checksum(Int)
        case part(Int, Int)
    }

    /// What a `DecodeTask` produced.
    private enum TaskResult: Sendable {
        case whole(DecodedFile)
        case checksum(StoredFile?, ArchiveError?)
        case part(DecodedPart)
    }

    /// Decodes every file, `threads` at a time, into segments; results are in the order of
    /// `files`, the segments of the files that succeeded in the store. `tainted` lists the
    /// files that failed after some of their parts' segments went into the store: the caller
    /// must decode again without them.
    static func decodeAll(_ files: [InputFile], policy: Policy, year: ReportYear, settings: RunSettings)
        -> (decoded: [DecodedFile], store: SegmentStore, tainted: [Int])
    {
        // A stored segment costs about 512 bytes; a sixteenth of the budget is for segments.
        let store = Mutex(
            SegmentStore(
                budget: settings.memoryLimit / 16 / 512, settling: 4 * settings.threads, year: year,
                limits: policy.limits))
        let sizes = files.map { fileSize($0.fileSystemPath) }
        let totalBytes = sizes.reduce(0, +)
        // Files much larger than most go first, largest first, so that no worker is left with a
        // big file at the end; the rest in path order, which for files named by date is time
        // order, so the segment store can join a vehicle's segments without later ones falling
        // between them. With fewer files than threads, each file is read ahead on a helper
        // thread, or, when it is a CSV archive of several zstd frames, read in parts by every
        // worker; so are the large ones.
        let median = sizes.isEmpty ? 0 : sizes.sorted()[sizes.count / 2]
        let isLarge = { (index: Int) in sizes[index] > 4 * median }
        let order =
            files.indices.filter(isLarge).sorted { sizes[$0] != sizes[$1] ? sizes[$0] > sizes[$1] : $0 < $1 }
            + files.indices.filter { !isLarge($0) }
        let fewFiles = files.count < settings.threads
        var planner = ArchiveReader()
        var splitFiles: [Int: SplitArchive] = [:]
        var planned: [DecodeTask] = []
        for index in order {
            let partBytes = max(settings.minimumPartBytes, Int(sizes[index]) / (settings.threads * 8))
            if settings.threads > 1, fewFiles || isLarge(index), sizes[index] >= 2 * Int64(partBytes),
                let split = SplitArchive.plan(
                    files[index], partBytes: partBytes, localOffset: policy.timezoneOffset, reader: &planner)
            {
                splitFiles[index] = split
                planned.append(.checksum(index))
                planned += split.parts.parts.indices.map { .part(index, $0) }
            } else {
                planned.append(.whole(index))
            }
        }
        let readAhead = settings.threads > 1 && fewFiles
        let (tasks, splits) = (planned, splitFiles)
        let counter = ProgressCounter(
            .reading, files: files.count, bytes: totalBytes, tasksByFile: splits.mapValues { $0.parts.parts.count + 1 },
            settings: settings)
        let results = forEachFile(tasks.indices, threads: settings.threads) {
            SegmentReducer(
                year: year, limits: policy.limits, chunkFrames: settings.chunkFrames,
                retainedReadings: settings.retainedReadings)
        } work: { (position, reducer: inout SegmentReducer, reader: inout ArchiveReader) -> TaskResult in
            switch tasks[position] {
            case .whole(let index):
                var result = decode(
                    files[index], with: &reader, into: &reducer, localOffset: policy.timezoneOffset,
                    readAhead: readAhead)
                if result.error == nil {
                    let segments = reducer.finishFile()
                    result.timeSpan = timeSpan(of: segments.map(\.segment))
                    store.withLock { $0.add(segments, file: index) }
                } else {
                    reducer.discardFile()
                }
                counter?.done(file: index, bytes: result.stored?.bytes ?? 0, frames: result.frames)
                return .whole(result)
            case .checksum(let index):
                let (stored, error) = reader.checksum(files[index])
                counter?.done(file: index, bytes: 0, frames: 0)
                return .checksum(stored, error)
            case .part(let index, let part):
                let split = splits[index]!
                var result = decodePart(
                    part, of: split, file: files[index], localOffset: policy.timezoneOffset, with: &reader,
                    into: &reducer)
                if result.error == nil {
                    let segments = reducer.finishFile()
                    result.timeSpan = timeSpan(of: segments.map(\.segment))
                    store.withLock { $0.add(segments, file: index) }
                    result.stored = !segments.isEmpty
                } else {
                    reducer.discardFile()
                }
                let range = split.parts.parts[part]
                counter?.done(file: index, bytes: range.upperBound - range.lowerBound, frames: result.frames)
                return .part(result)
            }
        }
        var decoded = [DecodedFile?](repeating: nil, count: files.count)
        var checksums: [Int: (StoredFile?, ArchiveError?)] = [:]
        var parts: [Int: [DecodedPart]] = [:]
        for (task, result) in zip(tasks, results) {
            switch (task, result) {
            case (.whole(let index), .whole(let file)): decoded[index] = file
            case (.checksum(let index), .checksum(let stored, let error)): checksums[index] = (stored, error)
            case (.part(let index, _), .part(let part)): parts[index, default: []].append(part)
            default: preconditionFailure("a task's result is of another task")
            }
        }
        var tainted: [Int] = []
        for (index, split) in splits {
            let file = combine(parts[index]!, of: split, file: files[index], checksum: checksums[index]!)
            if file.error != nil && parts[index]!.contains(where: \.stored) { tainted.append(index) }
            decoded[index] = file
        }
        return (decoded.map { $0! }, store.withLock { $0 }, tainted.sorted())
    }

    /// What `measure` found: every vehicle's figures, the duplicates, and how the vehicles
    /// whose segments overlapped were merged.
    struct Measured {
        var figures: [Vin: VehicleYear] = [:]
        var exact = 0
        var conflicting = 0
        /// Vehicles merged frame by frame.
        var mergedVehicles = 0
        /// Batches they were merged in (one per bucket when spilled).
        var batches = 0
        /// Bytes written to spill files.
        var spilledBytes = 0
        /// The files read again to merge vehicles exactly, with what the second read found.
        var secondReads: [SecondRead] = []
        /// Exact and conflicting duplicates.
        var duplicates: (Int, Int) { (exact, conflicting) }
    }

    /// Joins each vehicle's segments. Where a vehicle's segments overlap in time, the frames of
    /// that stretch are merged frame by frame from the files they came from: at once when they
    /// fit the memory budget; otherwise in buckets that do, spilled to a temporary folder in one
    /// more pass over the files (or, when spilling fails, one more pass per bucket).
    /// With a `cutoff`, frames at or after it are left out (a year-to-date report, SPEC 10.3):
    /// the store holds none, and vehicles merged whole read none.
    static func measure(
        _ store: SegmentStore, files: [InputFile], policy: Policy, year: ReportYear,
        settings: RunSettings, cutoff: Int64? = nil
    ) -> Measured {
        var result = Measured()
        var items: [ExactItem] = []
        for (vin, vehicle) in store.vehicles {
            let list = vehicle.segments
            if let frames = vehicle.overlappingFrames {
                items.append(.whole(vin, frames: frames, files: store.files(of: vin), cutoff: cutoff))
            } else if vehicle.overlaps, let item = ExactItem(vin, vehicle, in: store) {
                items.append(item)
            } else if let joined = SegmentJoin.figures(list, year: year, limits: policy.limits) {
                result.figures[vin] = joined
                result.exact += list.reduce(0) { $0 + $1.exactDuplicates }
                result.conflicting += list.reduce(0) { $0 + $1.conflictingDuplicates }
            } else {
                let frames = list.reduce(0) { $0 + SegmentStore.frames(of: $1) }
                items.append(.whole(vin, frames: frames, files: store.files(of: vin), cutoff: cutoff))
            }
        }
        result.mergedVehicles = items.count
        var merged = mergeExactly(items, files: files, policy: policy, year: year, settings: settings, into: &result)
        // A stretch that did not join its neighbours (its files changed between reads, which
        // the report already says) is measured again with the whole vehicle.
        let again = merged.filter { $0.value == nil }.map(\.key).sorted().map { vin in
            ExactItem.whole(
                vin, frames: store.vehicles[vin]!.segments.reduce(0) { $0 + SegmentStore.frames(of: $1) },
                files: store.files(of: vin), cutoff: cutoff)
        }
        if !again.isEmpty {
            merged.merge(
                mergeExactly(again, files: files, policy: policy, year: year, settings: settings, into: &result)
            ) {
                $1
            }
        }
        for (vin, entry) in merged {
            guard let entry else { continue }
            result.figures[vin] = entry.figures
            result.exact += entry.exact
            result.conflicting += entry.conflicting
        }
        return result
    }

    /// Merges `items` (`WindowMerge.inBatches`, the files read again) into their figures; `nil`
    /// for an item whose windows did not join its other segments. Records in `result` how.
    private static func mergeExactly(
        _ items: [ExactItem], files: [InputFile], policy: Policy, year: ReportYear, settings: RunSettings,
        into result: inout Measured
    ) -> [Vin: MergedVehicle?] {
        let source = ArchiveRereads(files: files, policy: policy, settings: settings)
        let outcome = WindowMerge.inBatches(items, from: source, budget: settings.mergeBudget) { item, readings in
            item.measure(&readings, year: year, limits: policy.limits)
        }
        result.batches += outcome.batches
        result.spilledBytes += outcome.spilledBytes
        result.secondReads += outcome.reads
        return outcome.merged
    }

    static func fileSize(_ path: String) -> Int64 {
        var info = stat()
        return stat(path, &info) == 0 ? Int64(info.st_size) : 0
    }
}
