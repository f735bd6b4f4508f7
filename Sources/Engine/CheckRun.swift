import Archives
import Figures
import Frames
import Merging
import Reports
import Rules
import Synchronization
import Timelines

/// What `check` learns of one file as it reads it: its time range, its vehicles with their frame
/// counts and, while the run is within its memory budget, the frames themselves.
struct CheckedFrames: FrameSink {
    var vehicles = VinTable()
    var counts: [Int] = []
    /// `nil` once the run holds more frames than its budget allows.
    var collector: FrameCollector?
    var firstTs: Int64?
    var lastTs: Int64?

    init(collecting: Bool) {
        collector = collecting ? FrameCollector() : nil
    }

    mutating func accept(_ frame: Frame) {
        let slot = vehicles.index(of: frame.vin)
        if slot == counts.count { counts.append(0) }
        counts[slot] += 1
        collector?.accept(frame)
        firstTs = min(firstTs ?? frame.ts, frame.ts)
        lastTs = max(lastTs ?? frame.ts, frame.ts)
    }
}

/// `h2fleet check`: what the regulator will see of an operator's archives, before upload.
public enum CheckRun {
    /// Reads `inputs` with the policy's telemetry rules (built-in policy when `policyPath` is
    /// `nil`) and describes every file and vehicle.
    ///
    /// Frames are held in memory while they fit `settings.memoryLimit`; beyond it the vehicles
    /// are measured in batches that fit, spilled to `settings.spillDirectory` as in a subsidy run.
    /// - Throws: `RunError` for a bad policy or a missing input.
    /// With a registry, the vehicles are also judged against it: VINs that are not registered
    /// or belong to another operator than `operatorId` (by default the one operator whose
    /// vehicles the files hold), and that operator's fleet average against the threshold.
    public static func run(
        inputs: [String], policyPath: String?, registry registryFile: (path: String, encoding: RegistryEncoding)? = nil,
        operatorId: String? = nil, settings: RunSettings
    ) throws(RunError) -> CheckReport {
        let (policy, _) = try SubsidyRun.loadPolicy(policyPath)
        let registry = try registryFile.map { (file) throws(RunError) in
            try SubsidyRun.loadRegistry(file.path, encoding: file.encoding, policy: policy).0
        }
        let discovered = try SubsidyRun.discover(inputs)
        let files = discovered.files
        let budget = settings.framesHeld
        let held = Atomic<Int>(0)
        var decoded = SubsidyRun.forEachFile(files.indices, threads: settings.threads) { () -> Void in
        } work: { (index, _: inout Void, reader: inout ArchiveReader) -> (DecodedFile, CheckedFrames) in
            var frames = CheckedFrames(collecting: held.load(ordering: .relaxed) <= budget)
            let result = SubsidyRun.decode(
                files[index], with: &reader, into: &frames, localOffset: policy.timezoneOffset)
            guard result.error == nil else { return (result, CheckedFrames(collecting: false)) }
            if frames.collector != nil { held.add(result.frames, ordering: .relaxed) }
            return (result, frames)
        }
        let withinBudget = decoded.allSatisfy { $0.0.error != nil || $0.1.collector != nil }
        var vehicles: [VehicleCheck]
        var results = decoded.map(\.0)
        if withinBudget {
            var all = FrameCollector()
            for (_, frames) in decoded { if let collector = frames.collector { all.merge(collector) } }
            let merged = all
            vehicles = WindowMerge.parallelMap(merged.vins.count, threads: settings.threads) { index in
                VehicleCheck(
                    Timeline(vin: merged.vins[index], readings: merged.readings[index]), policy: policy.limits,
                    offset: policy.timezoneOffset)
            }
        } else {
            // Every vehicle whole, from the files that hold it, within the budget; the frames
            // held so far are let go first.
            for index in decoded.indices { decoded[index].1.collector = nil }
            var items: [Vin: ExactItem] = [:]
            for (index, (result, frames)) in decoded.enumerated() where result.error == nil {
                for (slot, vin) in frames.vehicles.vins.enumerated() {
                    items[vin, default: .whole(vin, frames: 0, files: [])].frames += frames.counts[slot]
                    items[vin]!.files.append(index)
                }
            }
            let outcome = WindowMerge.inBatches(
                Array(items.values), from: ArchiveRereads(files: files, policy: policy, settings: settings),
                budget: settings.mergeBudget
            ) { item, readings in
                VehicleCheck(
                    Timeline(vin: item.vin, readings: readings), policy: policy.limits, offset: policy.timezoneOffset)
            }
            vehicles = Array(outcome.merged.values)
            for read in outcome.reads where results[read.file].error == nil {
                results[read.file].error = SubsidyRun.changedFileError(
                    first: results[read.file].stored?.sha256, second: read)
            }
        }
        var fileChecks: [FileCheck] = []
        for (file, (result, (_, frames))) in zip(files, zip(results, decoded)) {
            var check = FileCheck(
                entry: SubsidyRun.fileEntry(file, result), vehicles: frames.vehicles.vins.count,
                firstTs: frames.firstTs, lastTs: frames.lastTs)
            if result.error == nil {
                check.framesByCommand = result.validByCommand
                check.revisions = result.revisions
            }
            fileChecks.append(check)
        }
        var report = CheckReport(
            policyId: policy.id, timezoneOffset: policy.timezoneOffset, limits: policy.limits,
            files: fileChecks, vehicles: vehicles.sorted { $0.vin < $1.vin })
        report.skipped = discovered.skipped
        let entries = fileChecks.map(\.entry)
        report.warnings = ReportWarning.sorted(
            ReportWarning.aboutInputs(
                files: entries.map { ($0.path, $0.frames, $0.rejections, $0.error != nil) },
                skipped: discovered.skipped.map(\.path), emptyDirectories: discovered.emptyDirectories)
                + ReportWarning.duplicateFiles(entries.map { ($0.path, $0.sha256, $0.bytes) })
                + (registry.map { registry in
                    ReportWarning.aboutFleet(
                        hydrogen: report.vehicles.map { ($0.vin, $0.distances.hydrogen) }, registry: registry,
                        operatorId: operatorId, minimumAverageKm: policy.operatorMinAverageKm)
                } ?? []))
        return report
    }
}
