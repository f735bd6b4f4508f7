import Archives
import Figures
import Frames
import Reports
import Rules
import Timelines

/// Collects one file's frames and what `check` says of the file: its vehicles and time range.
struct CheckedFrames: FrameSink {
    var collector = FrameCollector()
    var firstTs: Int64?
    var lastTs: Int64?

    mutating func accept(_ frame: Frame) {
        collector.accept(frame)
        firstTs = min(firstTs ?? frame.ts, frame.ts)
        lastTs = max(lastTs ?? frame.ts, frame.ts)
    }
}

/// `h2fleet check`: what the regulator will see of an operator's archives, before upload.
public enum CheckRun {
    /// Reads `inputs` with the policy's telemetry rules (built-in policy when `policyPath` is
    /// `nil`) and describes every file and vehicle.
    /// - Throws: `RunError` for a bad policy or a missing input.
    public static func run(inputs: [String], policyPath: String?, threads: Int) throws(RunError) -> CheckReport {
        let (policy, _) = try SubsidyRun.loadPolicy(policyPath)
        let files = try SubsidyRun.discover(inputs)
        let decoded = SubsidyRun.forEachFile(files.indices, threads: threads) { () -> Void in
        } work: { (index, _: inout Void, reader: inout ArchiveReader) -> (DecodedFile, CheckedFrames) in
            var frames = CheckedFrames()
            let result = SubsidyRun.decode(
                files[index], with: &reader, into: &frames, localOffset: policy.timezoneOffset)
            return (result, result.error == nil ? frames : CheckedFrames())
        }
        var all = FrameCollector()
        var fileChecks: [FileCheck] = []
        for (file, (result, frames)) in zip(files, decoded) {
            var check = FileCheck(
                entry: SubsidyRun.fileEntry(file, result), vehicles: frames.collector.vins.count,
                firstTs: frames.firstTs, lastTs: frames.lastTs)
            if result.error == nil {
                check.framesByCommand = result.validByCommand
                check.revisions = result.revisions
            }
            fileChecks.append(check)
            if result.error == nil { all.merge(frames.collector) }
        }
        let merged = all
        let vehicles = SubsidyRun.parallelMap(merged.vins.count, threads: threads) { index in
            VehicleCheck(
                Timeline(vin: merged.vins[index], readings: merged.readings[index]), policy: policy.limits,
                offset: policy.timezoneOffset)
        }
        return CheckReport(
            policyId: policy.id, timezoneOffset: policy.timezoneOffset, limits: policy.limits,
            files: fileChecks, vehicles: vehicles.sorted { $0.vin < $1.vin })
    }
}
