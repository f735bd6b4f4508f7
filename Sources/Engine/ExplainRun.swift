import Archives
import Figures
import Frames
import Reports
import Rules
import Subsidy
import Timelines

/// Keeps one vehicle's frames with their file and line.
struct SourcedFrames: FrameSink {
    let wanted: Vin
    let file: Int
    var frames: [(reading: Reading, file: Int, position: Int64)] = []

    mutating func accept(_ frame: Frame) { accept(frame, at: 0) }

    mutating func accept(_ frame: Frame, at position: Int64) {
        guard frame.vin == wanted else { return }
        frames.append((Reading(ts: frame.ts, odometer: frame.odometer, current: frame.current), file, position))
    }
}

/// `h2fleet explain`: the evidence for one vehicle's figures and subsidy.
public enum ExplainRun {
    /// Runs the subsidy computation, then reads the vehicle's frames again with their sources.
    /// - Throws: `RunError` as `SubsidyRun.run` does, or when the VIN is not valid.
    public static func run(_ request: SubsidyRequest, vin text: String) throws(RunError) -> Explanation {
        let vin = try parse(text)
        let prepared = try SubsidyRun.prepare(request)
        let report = SubsidyRun.compute(
            files: prepared.files, policy: prepared.policy, policySHA256: prepared.policySHA256,
            registry: prepared.registry, year: request.year,
            settings: RunSettings(threads: request.threads, memoryLimit: request.memoryLimit))
        return try explain(vin, report: report, files: prepared.files, policy: prepared.policy, threads: request.threads)
    }

    /// The VIN of `text`, or bad usage.
    public static func parse(_ text: String) throws(RunError) -> Vin {
        guard let vin = Vin(text) else {
            throw RunError(.badUsage, "'\(text)' is not a VIN (17 characters of 0-9 and A-Z without I, O, Q)")
        }
        return vin
    }

    /// Explains `vin`'s line of `report`, made of `files` (in the order of `report.files`): its
    /// frames are read again from them with their sources (a ledger's archives, or the inputs).
    public static func explain(_ vin: Vin, report: Report, files: [InputFile], policy: Policy, threads: Int)
        throws(RunError) -> Explanation
    {
        guard let vehicle = report.outcome.vehicles.first(where: { $0.vin == vin }) else {
            throw RunError(.badUsage, "\(vin) is neither in the registry nor in the telemetry of \(report.year)")
        }
        // report.files is in the order of `files`: a file that failed is not read again.
        let failed = report.files.map { $0.error != nil }
        let perFile = SubsidyRun.forEachFile(files.indices, threads: threads) { () -> Void in
        } work: {
            (index, _: inout Void, reader: inout ArchiveReader) -> [(reading: Reading, file: Int, position: Int64)] in
            guard !failed[index] else { return [] }
            var frames = SourcedFrames(wanted: vin, file: index)
            let result = SubsidyRun.decode(
                files[index], with: &reader, into: &frames, localOffset: policy.timezoneOffset)
            return result.error == nil ? frames.frames : []
        }
        // The kept frame of each timestamp is the first in (odometer, current) order (SPEC 3.2);
        // among equal frames, the earliest file and line is named.
        let sorted = perFile.joined().sorted {
            if $0.reading != $1.reading { return $0.reading < $1.reading }
            return $0.file != $1.file ? $0.file < $1.file : $0.position < $1.position
        }
        var kept: [(reading: Reading, file: Int, position: Int64)] = []
        for frame in sorted where kept.last?.reading.ts != frame.reading.ts { kept.append(frame) }
        let timeline = Timeline(vin: vin, sortedReadings: kept.map(\.reading)[...])
        let year = ReportYear(report.year, offset: policy.timezoneOffset)
        let source = { (index: Int) in FrameSource(path: files[kept[index].file].path, position: kept[index].position) }
        var intervals: [ExplainedInterval] = []
        let classes = timeline.classified(policy.limits)
        for interval in classes.intervals where year.contains(kept[interval.to].reading.ts) {
            intervals.append(
                ExplainedInterval(
                    intervalClass: interval.intervalClass, from: kept[interval.from].reading,
                    to: kept[interval.to].reading, fromSource: source(interval.from), toSource: source(interval.to)))
        }
        let outliers = classes.outliers.filter { year.contains(kept[$0].reading.ts) }.map {
            (reading: kept[$0].reading, source: source($0))
        }
        let registration = vehicle.registration
        return Explanation(
            vehicle: vehicle,
            operatorLine: registration.flatMap { entry in report.outcome.operators.first { $0.id == entry.operatorId }
            },
            vehicleClass: registration.flatMap { policy.vehicleClass($0.classId) },
            minimumAverageKm: policy.operatorMinAverageKm, year: year, policyId: policy.id,
            rulesVersion: rulesVersion, intervals: intervals, outliers: outliers)
    }
}
