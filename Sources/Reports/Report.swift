import Archives
import Rules
import Frames
import Subsidy

/// One input file's line of the report (SPEC 7.1 `inputs.files`).
public struct FileEntry: Sendable, Equatable {
    /// The path as reported.
    public var path: String
    /// `csv` or `gbt32960`.
    public var format: String
    /// Size as stored; 0 when the file could not be read at all.
    public var bytes: Int64
    /// SHA-256 as stored; empty when the file could not be read at all.
    public var sha256: String
    /// Why the file failed, `nil` when it is ok.
    public var error: String?
    /// Valid frames (0 for a failed file).
    public var frames: Int
    /// Rejected rows by reason (empty for a failed file).
    public var rejections: RejectionTally
    /// Valid non-telemetry frames by command (captures, SPEC 9.4).
    public var skippedByCommand: [UInt8: Int]

    /// Creates an entry.
    public init(
        path: String, format: String, bytes: Int64, sha256: String, error: String?, frames: Int,
        rejections: RejectionTally, skippedByCommand: [UInt8: Int] = [:]
    ) {
        self.skippedByCommand = skippedByCommand
        self.path = path
        self.format = format
        self.bytes = bytes
        self.sha256 = sha256
        self.error = error
        self.frames = frames
        self.rejections = rejections
    }
}

/// The registry a report was judged with (SPEC 7.1 `registry`).
public struct RegistrySource: Sendable, Equatable {
    /// The path as given.
    public var path: String
    /// SHA-256 of the file's bytes.
    public var sha256: String
    /// Registered vehicles.
    public var vehicles: Int

    /// Creates a registry source.
    public init(path: String, sha256: String, vehicles: Int) {
        self.path = path
        self.sha256 = sha256
        self.vehicles = vehicles
    }
}

/// Everything a subsidy run found, ready to be written (SPEC 7.1, 7.2).
public struct Report: Sendable {
    /// The program's version.
    public var engineVersion: String
    /// The rules version applied (SPEC 8).
    public var rulesVersion: String
    /// The policy's id.
    public var policyId: String
    /// SHA-256 of the policy's bytes.
    public var policySHA256: String
    /// The report year.
    public var year: Int
    /// The policy's zone, seconds east of UTC (for writing times).
    public var timezoneOffset: Int
    /// Input files, sorted by path.
    public var files: [FileEntry]
    /// Files found in directories and not read, sorted by path (SPEC 7.1 `inputs.skipped`).
    public var skipped: [SkippedFile] = []
    /// Exact duplicates over all frames of the files that did not fail.
    public var exactDuplicates: Int
    /// Conflicting duplicates over the same frames.
    public var conflictingDuplicates: Int
    /// Vehicles and operators.
    public var outcome: SubsidyOutcome
    /// The registry's path, checksum and size; `nil` until the run sets it.
    public var registry: RegistrySource?
    /// The policy the report was judged by (classes, rates, caps, threshold), for the reports
    /// for people; `nil` until the run sets it.
    public var policy: Policy?
    /// The earliest and latest time of any valid frame of the files that did not fail, whatever
    /// its year; `nil` without frames.
    public var frameSpan: ClosedRange<Int64>?
    /// The last local day (days since 1970-01-01) of a year-to-date report (SPEC 10.3); `nil`
    /// for the whole year.
    public var through: Int?
    /// What a person should not miss (SPEC 7.1), sorted by code, then path.
    public var warnings: [ReportWarning] = []

    /// Creates a report.
    public init(
        engineVersion: String, rulesVersion: String, policyId: String, policySHA256: String, year: Int,
        timezoneOffset: Int, files: [FileEntry], exactDuplicates: Int, conflictingDuplicates: Int,
        outcome: SubsidyOutcome, frameSpan: ClosedRange<Int64>? = nil
    ) {
        self.frameSpan = frameSpan
        self.engineVersion = engineVersion
        self.rulesVersion = rulesVersion
        self.policyId = policyId
        self.policySHA256 = policySHA256
        self.year = year
        self.timezoneOffset = timezoneOffset
        self.files = files
        self.exactDuplicates = exactDuplicates
        self.conflictingDuplicates = conflictingDuplicates
        self.outcome = outcome
    }

    /// Whether any input failed (exit status 3).
    public var hasFailedInputs: Bool { files.contains { $0.error != nil } }

    /// Valid frames of the files that did not fail.
    public var frames: Int { files.reduce(0) { $0 + $1.frames } }

    /// Rejected rows of all files, by reason.
    public var rejections: RejectionTally {
        var total = RejectionTally()
        for file in files { total.add(file.rejections) }
        return total
    }

    /// Totals over the `vehicles` list: count, hydrogen tenths, subsidy fen.
    public var totals: (vehicles: Int, hydrogen: Int64, subsidyFen: Int64) {
        outcome.vehicles.reduce((0, 0, 0)) { ($0.0 + 1, $0.1 + $1.figures.hydrogen, $0.2 + $1.subsidyFen) }
    }

    /// The rejected-row samples of `rejections.csv`: per reason the first 20 by (path, position).
    public var rejectionSamples: [(path: String, reason: RejectionReason, sample: RejectedSample)] {
        var rows: [(path: String, reason: RejectionReason, sample: RejectedSample)] = []
        for reason in RejectionReason.allCases {
            var taken = 0
            for file in files where file.error == nil {
                for sample in file.rejections.samples[reason.rawValue] where taken < RejectionTally.samplesPerReason {
                    rows.append((file.path, reason, sample))
                    taken += 1
                }
            }
        }
        return rows
    }
}

/// Integer figures written as decimals (SPEC 1): no floating point takes part.
public enum Units {
    /// Tenths of a km as `1234.5`.
    public static func km(_ tenths: Int64) -> String { fixed(tenths, places: 1) }
    /// Any tenths (a current in amperes) as `123.4`.
    public static func tenths(_ tenths: Int64) -> String { fixed(tenths, places: 1) }
    /// Fen as `1234.56`.
    public static func yuan(_ fen: Int64) -> String { fixed(fen, places: 2) }

    static func fixed(_ value: Int64, places: Int) -> String {
        let scale: Int64 = places == 1 ? 10 : 100
        let magnitude = value.magnitude
        let whole = magnitude / UInt64(scale)
        var fraction = String(magnitude % UInt64(scale))
        while fraction.count < places { fraction = "0" + fraction }
        return (value < 0 ? "-" : "") + "\(whole).\(fraction)"
    }
}
