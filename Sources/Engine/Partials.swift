import Archives
import Figures
import Frames
import Merging
import Reports
import Rules
import Subsidy
import Timelines

/// What a ledger keeps of one source instead of reading it again (SPEC 10.1): its report entry,
/// the time span of its frames, and its vehicles' segments cut at local-day boundaries, each made
/// for the year of its day, from which any year or date range is assembled exactly.
public struct SourcePartial: Sendable {
    /// Size and SHA-256 as stored; `nil` when the file could not be read to the end.
    public var stored: StoredFile?
    /// `csv` or `gbt32960`.
    public var format: String
    /// Why the file failed (SPEC 2.2); a failed source contributes nothing else.
    public var error: String?
    /// Valid frames.
    public var frames: Int
    /// Rejected rows by reason, with samples.
    public var rejections: RejectionTally
    /// Captures: valid non-telemetry frames by command.
    public var skippedByCommand: [UInt8: Int]
    /// The earliest and latest time of its valid frames.
    public var timeSpan: ClosedRange<Int64>?
    /// Per vehicle, one segment per local day (two where the file's lines overlap in time).
    public var segments: [(vin: Vin, segment: Segment)]

    /// The rules version, zone and telemetry limits it was made with (SPEC 10.1): a partial
    /// joins only partials made with the same.
    public var rules: PartialRules

    /// The version of `encoded()`'s layout.
    public static let encodingVersion: UInt8 = 3

    /// The partial as bytes: a version byte, then every field.
    public func encoded() -> [UInt8] { encoded(version: SourcePartial.encodingVersion) }

    /// The partial in encoding `version` (3, or 2 without the months: for tests of old ledgers).
    func encoded(version: UInt8) -> [UInt8] {
        var writer = ByteWriter()
        writer.write(version)
        rules.encode(into: &writer)
        writer.write(string: format)
        writer.write(error != nil)
        writer.write(string: error ?? "")
        writer.write(Int64(frames))
        rejections.encode(into: &writer)
        writer.write(UInt16(skippedByCommand.count))
        for command in skippedByCommand.keys.sorted() {
            writer.write(command)
            writer.write(Int64(skippedByCommand[command]!))
        }
        writer.write(timeSpan != nil)
        writer.write(timeSpan?.lowerBound ?? 0)
        writer.write(timeSpan?.upperBound ?? 0)
        writer.write(UInt32(segments.count))
        for (vin, segment) in segments {
            writer.write(string: vin.description)
            segment.encode(into: &writer, months: version >= 3)
        }
        return writer.bytes
    }

    /// Reads a partial `encoded()` wrote, for a source of `stored` bytes and checksum; it must
    /// have been made with `rules` (`nil`: with any, for reading its counts).
    public init(decoding bytes: [UInt8], stored: StoredFile?, rules: PartialRules?) throws(ByteReaderError) {
        var reader = ByteReader(bytes)
        let version = try reader.read(UInt8.self)
        // Version 2 lacks the months, which its day-cut segments give back exactly.
        guard version == SourcePartial.encodingVersion || version == 2 else {
            throw ByteReaderError(
                "partial result of encoding version \(version), which this h2fleet (version \(SourcePartial.encodingVersion)) "
                    + "does not read: use the h2fleet that made the ledger, or a newer one")
        }
        self.stored = stored
        let recorded = try PartialRules(decoding: &reader)
        if let rules, recorded != rules {
            throw ByteReaderError("partial result made with \(recorded), not \(rules)")
        }
        self.rules = recorded
        let limits = recorded.limits
        format = try reader.readString()
        let failed = try reader.readBool()
        let error = try reader.readString()
        self.error = failed ? error : nil
        frames = Int(try reader.read(Int64.self))
        rejections = try RejectionTally(decoding: &reader)
        skippedByCommand = [:]
        for _ in 0..<Int(try reader.read(UInt16.self)) {
            let command: UInt8 = try reader.read()
            skippedByCommand[command] = Int(try reader.read(Int64.self))
        }
        let hasSpan = try reader.readBool()
        let lower: Int64 = try reader.read()
        let upper: Int64 = try reader.read()
        timeSpan = hasSpan && lower <= upper ? lower...upper : nil
        segments = []
        for _ in 0..<Int(try reader.read(UInt32.self)) {
            guard let vin = Vin(try reader.readString()) else { throw ByteReaderError("a VIN is not valid") }
            segments.append(
                (
                    vin,
                    try Segment(
                        decoding: &reader, limits: limits, monthsOfDayIn: version == 2 ? recorded.timezoneOffset : nil)
                ))
        }
        guard reader.atEnd else { throw ByteReaderError("bytes after the partial result") }
    }

    init(_ decoded: DecodedFile, format: InputFormat, rules: PartialRules, segments: [(vin: Vin, segment: Segment)]) {
        self.rules = rules
        stored = decoded.stored
        self.format = format.reportName
        error = decoded.error
        frames = decoded.error == nil ? decoded.frames : 0
        rejections = decoded.error == nil ? decoded.rejections : RejectionTally()
        skippedByCommand = decoded.error == nil ? decoded.skippedByCommand : [:]
        timeSpan = decoded.error == nil ? decoded.timeSpan : nil
        self.segments = decoded.error == nil ? segments : []
    }

    /// `partial` as a failed input: its checksum kept, `error` its reason, nothing else.
    public init(failed partial: SourcePartial, error: String) {
        self = partial
        self.error = error
        frames = 0
        rejections = RejectionTally()
        skippedByCommand = [:]
        timeSpan = nil
        segments = []
    }

    /// The file's entry of `report.json`, under `path`.
    func entry(path: String) -> FileEntry {
        FileEntry(
            path: path, format: format, bytes: stored?.bytes ?? 0, sha256: stored?.sha256 ?? "", error: error,
            frames: frames, rejections: rejections, skippedByCommand: skippedByCommand)
    }
}

/// What decides frames and intervals, recorded with every partial result (SPEC 10.1): the rules
/// version, the policy's zone and its `[telemetry]` table.
public struct PartialRules: Sendable, Equatable, CustomStringConvertible {
    /// The rules version (SPEC 8).
    public var version: String
    /// The policy's zone, seconds east of UTC.
    public var timezoneOffset: Int
    /// The policy's telemetry limits.
    public var limits: TelemetryLimits

    /// The rules of this engine and `policy`.
    public init(_ policy: Policy) {
        version = rulesVersion
        timezoneOffset = policy.timezoneOffset
        limits = policy.limits
    }

    /// Rules version, zone and limits in words.
    public var description: String {
        "rules \(version), timezone \(CivilTime.offsetText(timezoneOffset)), max_gap_s \(limits.maxGapSeconds), "
            + "max_speed_kmh \(limits.maxSpeedKmh), fc_on_min_current_a \(Units.tenths(Int64(limits.fuelCellOnCurrent)))"
    }

    func encode(into writer: inout ByteWriter) {
        writer.write(string: version)
        writer.write(Int64(timezoneOffset))
        writer.write(limits.maxGapSeconds)
        writer.write(limits.maxSpeedKmh)
        writer.write(limits.fuelCellOnCurrent)
    }

    init(decoding reader: inout ByteReader) throws(ByteReaderError) {
        version = try reader.readString()
        timezoneOffset = Int(try reader.read(Int64.self))
        limits = TelemetryLimits(
            maxGapSeconds: try reader.read(), maxSpeedKmh: try reader.read(), fuelCellOnCurrent: try reader.read())
    }
}

extension SubsidyRun {
    /// Reads each file once into its partial result (SPEC 10.1), `threads` at a time; results in
    /// the order of `files`. A failed file's partial has its error and nothing else.
    ///
    /// With a `store`, each file's bytes are copied into it as they are read (so the bytes kept
    /// are the bytes decoded) and kept under their checksum, failed files too, all flushed to
    /// disk before this returns; a file that cannot be kept fails.
    public static func partials(of files: [InputFile], policy: Policy, threads: Int, store: ArchiveStore? = nil)
        -> [SourcePartial]
    {
        // The reducer's year only gives the zone: each segment is made for the year of its day.
        let zone = ReportYear(2000, offset: policy.timezoneOffset)
        let rules = PartialRules(policy)
        let results = forEachFile(files.indices, threads: threads) {
            SegmentReducer(year: zone, limits: policy.limits, cutAtLocalDays: true)
        } work: { (index, reducer: inout SegmentReducer, reader: inout ArchiveReader) -> (SourcePartial, ArchiveCopy?) in
            var copy: ArchiveCopy?
            var storeFailure: String?
            switch store?.begin() {
            case .success(let started): copy = started
            case .failure(let error): storeFailure = error.message
            case nil: break
            }
            var result = decode(
                files[index], with: &reader, into: &reducer, localOffset: policy.timezoneOffset, copy: copy)
            if let copy, let store {
                if let sha256 = result.stored?.sha256 { store.keep(copy, sha256: sha256) } else { store.discard(copy) }
            }
            var partial: SourcePartial
            if result.error == nil {
                let segments = compacted(reducer.finishFile(), offset: policy.timezoneOffset, limits: policy.limits)
                result.timeSpan = timeSpan(of: segments.map(\.segment))
                partial = SourcePartial(result, format: files[index].format, rules: rules, segments: segments)
            } else {
                reducer.discardFile()
                partial = SourcePartial(result, format: files[index].format, rules: rules, segments: [])
            }
            if let storeFailure, partial.error == nil { partial = SourcePartial(failed: partial, error: storeFailure) }
            return (partial, copy)
        }
        store?.finishCopies()
        return results.map { partial, copy in
            guard let failure = copy?.failure, partial.error == nil else { return partial }
            return SourcePartial(failed: partial, error: failure)
        }
    }

    /// A file's segments with each vehicle's consecutive segments of one day joined where they
    /// do not overlap: one segment per vehicle and day in the usual case.
    static func compacted(_ segments: [(vin: Vin, segment: Segment)], offset: Int, limits: TelemetryLimits) -> [(
        vin: Vin, segment: Segment
    )] {
        let byVehicle = Dictionary(grouping: segments, by: \.vin)
        var out: [(vin: Vin, segment: Segment)] = []
        for vin in byVehicle.keys.sorted() {
            let sorted = byVehicle[vin]!.map(\.segment).sorted { $0.first.ts < $1.first.ts }
            var current = sorted[0]
            for next in sorted.dropFirst() {
                let day = CivilTime.localDay(current.first.ts, offset: offset)
                let year = ReportYear(CivilTime.date(fromDays: day).year, offset: offset)
                if CivilTime.localDay(next.first.ts, offset: offset) == day,
                    let joined = Segment.joined(current, next, year: year, limits: limits)
                {
                    current = joined
                } else {
                    out.append((vin, current))
                    current = next
                }
            }
            out.append((vin, current))
        }
        return out
    }

    /// The report of §7 over sources already read into partial results (SPEC 10.3): the same
    /// report `compute` makes of the same files, without decoding them again; only the archives
    /// that hold stretches where a vehicle's sources overlap in time are read again.
    ///
    /// - Parameters:
    ///   - sources: each source's file (its recorded path, and where its archive is) and partial,
    ///     sorted by path, then SHA-256.
    ///   - through: the last local day (days since 1970-01-01) of a year-to-date report: frames
    ///     after it are left out entirely.
    /// - Throws: `RunError` when an archive that must be read again is missing or differs from
    ///   what was ingested.
    public static func assemble(
        sources: [(file: InputFile, partial: SourcePartial)], policy: Policy, policySHA256: String,
        registry: Registry, registrySource: RegistrySource, year: Int, through: Int?, builtInPolicy: Bool,
        settings: RunSettings
    ) throws(RunError) -> Report {
        let reportYear = ReportYear(year, offset: policy.timezoneOffset)
        let cutoff = through.map { CivilTime.startOfDay($0 + 1, offset: policy.timezoneOffset) }
        // The full year's coverage, for the warnings (those of the full report, SPEC 10.3).
        var coverage: (first: Int64, last: Int64)?
        for source in sources where source.partial.error == nil {
            for (_, segment) in source.partial.segments where reportYear.contains(segment.first.ts) {
                if let first = segment.figures.firstTs, let last = segment.figures.lastTs {
                    coverage = (min(coverage?.first ?? first, first), max(coverage?.last ?? last, last))
                }
            }
        }
        let files = sources.map(\.file)
        /// The vehicles measured from the partials, frames from `cutoff` on left out.
        func measureSources(cutoff: Int64?) throws(RunError) -> Measured {
            // Every partial is in memory already: the store never joins segments early, so sources
            // given in path order that is not time order never look like overlapping data (which
            // would read archives again, SPEC 10.3).
            var store = SegmentStore(budget: Int.max / 2, settling: 0, year: reportYear, limits: policy.limits)
            for (index, source) in sources.enumerated() where source.partial.error == nil {
                var kept: [(vin: Vin, segment: Segment)] = []
                for (vin, segment) in source.partial.segments {
                    if let cutoff, segment.first.ts >= cutoff { continue }
                    // Days of other years give the readings before the year, not figures.
                    kept.append((vin, reportYear.contains(segment.first.ts) ? segment : segment.withoutFigures()))
                }
                store.add(kept, file: index)
            }
            let result = measure(store, files: files, policy: policy, year: reportYear, settings: settings, cutoff: cutoff)
            for read in result.secondReads {
                if let error = changedFileError(first: sources[read.file].partial.stored?.sha256, second: read) {
                    throw RunError(.archiveChanged, "archive of \(files[read.file].path) (\(files[read.file].fileSystemPath)): \(error)")
                }
            }
            return result
        }
        let measured = try measureSources(cutoff: cutoff)
        // `inputs` are those of the full report (SPEC 10.3): its duplicates over every frame.
        let duplicates = cutoff == nil ? (measured.exact, measured.conflicting) : try measureSources(cutoff: nil).duplicates
        let spans = sources.filter { $0.partial.error == nil }.compactMap(\.partial.timeSpan)
        var report = Report(
            engineVersion: engineVersion, rulesVersion: rulesVersion, policyId: policy.id,
            policySHA256: policySHA256, year: year, timezoneOffset: policy.timezoneOffset,
            files: sources.map { $0.partial.entry(path: $0.file.path) }, exactDuplicates: duplicates.0,
            conflictingDuplicates: duplicates.1,
            outcome: SubsidyOutcome(figures: measured.figures, registry: registry, policy: policy),
            frameSpan: union(spans))
        report.registry = registrySource
        report.policy = policy
        report.through = through
        report.warnings = ReportWarning.collect(report, builtInPolicy: builtInPolicy, yearCoverage: coverage)
        return report
    }
}
