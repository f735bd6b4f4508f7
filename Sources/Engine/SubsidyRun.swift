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

/// The version of h2fleet written in reports.
public let engineVersion = "0.1.0"
/// The rules this engine applies (SPEC 8).
public let rulesVersion = "h2-mileage/1"

/// A run that cannot start: bad usage, policy or registry (exit status 2).
public struct RunError: Error, CustomStringConvertible, Sendable {
    /// What is wrong and what to do about it.
    public var message: String
    /// Creates an error.
    public init(_ message: String) { self.message = message }
    /// The message.
    public var description: String { message }
}

/// What to compute: the arguments of `h2fleet subsidy`.
public struct SubsidyRequest: Sendable {
    /// Policy file; `nil` for the built-in Daxing 2022 policy.
    public var policyPath: String?
    /// Registry file.
    public var registryPath: String
    /// Report year.
    public var year: Int
    /// Input files and directories.
    public var inputs: [String]
    /// Worker threads (at least 1).
    public var threads: Int

    /// Creates a request.
    public init(policyPath: String?, registryPath: String, year: Int, inputs: [String], threads: Int) {
        self.policyPath = policyPath
        self.registryPath = registryPath
        self.year = year
        self.inputs = inputs
        self.threads = threads
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
        let (policy, policySHA) = try loadPolicy(request.policyPath)
        guard policy.years.contains(request.year) else {
            throw RunError(
                "year \(request.year) is not covered by policy '\(policy.id)' "
                    + "(its years: \(policy.years.map(String.init).joined(separator: ", ")))")
        }
        let registryBytes = try readConfiguration(request.registryPath, what: "registry")
        let registry: Registry
        do {
            registry = try Registry(
                bytes: registryBytes, file: request.registryPath, classes: Set(policy.classes.map(\.id)))
        } catch {
            throw RunError("bad registry: \(error)")
        }
        let files: [InputFile]
        do {
            files = try InputDiscovery.files(for: request.inputs)
        } catch {
            throw RunError(error.message)
        }
        return compute(
            files: files, policy: policy, policySHA256: policySHA, registry: registry,
            year: request.year, threads: request.threads)
    }

    /// Reads `path` (or the built-in text) and validates it as a policy.
    public static func loadPolicy(_ path: String?) throws(RunError) -> (Policy, String) {
        let bytes =
            try path.map { (path) throws(RunError) in try readConfiguration(path, what: "policy") }
            ?? Array(builtInPolicyText.utf8)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw RunError("bad policy: \(path ?? "built-in"): not UTF-8 text")
        }
        do {
            return (try Policy(toml: text, file: path ?? "built-in policy"), sha256Hex(bytes))
        } catch {
            throw RunError("bad policy: \(error)")
        }
    }

    /// Computes the report for already discovered files.
    public static func compute(
        files: [InputFile], policy: Policy, policySHA256: String, registry: Registry,
        year: Int, threads: Int
    ) -> Report {
        let decoded = decodeAll(files, localOffset: policy.timezoneOffset, threads: threads)
        var all = FrameCollector()
        for result in decoded where result.error == nil {
            all.merge(result.collector)
        }
        let reportYear = ReportYear(year, offset: policy.timezoneOffset)
        let perVehicle = measure(all, year: reportYear, limits: policy.limits, threads: threads)
        var figures: [Vin: VehicleYear] = [:]
        var exact = 0
        var conflicting = 0
        for entry in perVehicle {
            figures[entry.vin] = entry.figures
            exact += entry.exact
            conflicting += entry.conflicting
        }
        let entries = zip(files, decoded).map { file, result in
            FileEntry(
                path: file.path, format: file.format.reportName, bytes: result.stored?.bytes ?? 0,
                sha256: result.stored?.sha256 ?? "", error: result.error,
                frames: result.error == nil ? result.frames : 0,
                rejections: result.error == nil ? result.rejections : RejectionTally())
        }
        return Report(
            engineVersion: engineVersion, rulesVersion: rulesVersion, policyId: policy.id,
            policySHA256: policySHA256, year: year, timezoneOffset: policy.timezoneOffset,
            files: entries, exactDuplicates: exact, conflictingDuplicates: conflicting,
            outcome: SubsidyOutcome(figures: figures, registry: registry, policy: policy))
    }

    private static func readConfiguration(_ path: String, what: String) throws(RunError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RunError("cannot read \(what) file \(path) (missing or not readable)")
        }
        return [UInt8](data)
    }
}

/// What decoding one file produced.
struct DecodedFile: Sendable {
    var stored: StoredFile?
    var error: String?
    var frames = 0
    var rejections = RejectionTally()
    var collector = FrameCollector()
}

/// Bytes of one file → CSV decoder → frames grouped by vehicle.
private struct CSVFileSink: ByteSink {
    var decoder: CSVDecoder
    var collector = FrameCollector()

    mutating func consume(_ bytes: UnsafeRawBufferPointer) {
        decoder.consume(bytes, into: &collector)
    }
}

extension SubsidyRun {
    /// Decodes every file, `threads` at a time; results are in the order of `files`.
    static func decodeAll(_ files: [InputFile], localOffset: Int, threads: Int) -> [DecodedFile] {
        let next = Atomic<Int>(0)
        let results = Mutex([DecodedFile?](repeating: nil, count: files.count))
        let workers = max(1, min(threads, files.count))
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            var reader = ArchiveReader()
            while true {
                let index = next.add(1, ordering: .relaxed).oldValue
                if index >= files.count { break }
                let result = decode(files[index], with: &reader, localOffset: localOffset)
                results.withLock { $0[index] = result }
            }
        }
        return results.withLock { $0.map { $0! } }
    }

    static func decode(_ file: InputFile, with reader: inout ArchiveReader, localOffset: Int) -> DecodedFile {
        guard file.format == .csv else {
            return DecodedFile(error: "GB/T 32960 captures are not supported yet by this version")
        }
        var sink = CSVFileSink(decoder: CSVDecoder(localOffset: localOffset))
        var result = DecodedFile()
        let (stored, error) = reader.read(file, into: &sink)
        result.stored = stored
        if let error {
            result.error = error.message
            return result
        }
        sink.decoder.finish(into: &sink.collector)
        if let failure = sink.decoder.failure {
            result.error = failure
            return result
        }
        result.frames = sink.decoder.frames
        result.rejections = sink.decoder.rejections
        result.collector = sink.collector
        return result
    }

    /// Builds each vehicle's timeline and its figures for the year, in parallel.
    static func measure(_ frames: FrameCollector, year: ReportYear, limits: TelemetryLimits, threads: Int)
        -> [(vin: Vin, figures: VehicleYear, exact: Int, conflicting: Int)]
    {
        let count = frames.vins.count
        let results = Mutex(
            [(vin: Vin, figures: VehicleYear, exact: Int, conflicting: Int)?](repeating: nil, count: count))
        let next = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: max(1, min(threads, count))) { _ in
            while true {
                let index = next.add(1, ordering: .relaxed).oldValue
                if index >= count { break }
                let timeline = Timeline(vin: frames.vins[index], readings: frames.readings[index])
                let figures = VehicleYear(timeline, year: year, limits: limits)
                let exact = timeline.duplicates.reduce(0) { $0 + $1.exact }
                let conflicting = timeline.duplicates.reduce(0) { $0 + $1.conflicting }
                results.withLock { $0[index] = (timeline.vin, figures, exact, conflicting) }
            }
        }
        return results.withLock { $0.map { $0! } }
    }
}
