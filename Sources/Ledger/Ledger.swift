import Archives
import Engine
import Foundation
import Frames
import GRDB
import Merging
import Reports
import Rules

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why a ledger command cannot go on (exit status 2): a policy or rules version that differs
/// from the ledger's, a damaged ledger, an archive missing, a file system error.
public struct LedgerError: Error, CustomStringConvertible, Sendable {
    /// What kind of problem.
    public enum Code: String, Sendable {
        /// The ledger was made with other telemetry rules (SPEC 10.1).
        case policyMismatch = "policy_mismatch"
        /// The ledger was made by another rules version.
        case rulesMismatch = "rules_mismatch"
        /// The database or a stored partial result cannot be read.
        case damaged
        /// An archive the ledger lists is not in `archives/`, or differs from what was ingested.
        case archiveMissing = "archive_missing"
        /// No such source.
        case notFound = "not_found"
        /// The directory or a file in it cannot be written or read.
        case io
    }

    /// What kind of problem.
    public var code: Code
    /// What is wrong and what to do, naming the file or field.
    public var message: String
    /// The message.
    public var description: String { message }

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }
}

/// What became of one file given to `ingest` (SPEC 10.2).
public struct IngestOutcome: Sendable, Equatable {
    /// What happened.
    public enum Status: Sendable, Equatable {
        /// Stored and counted.
        case new
        /// Its source was already in the ledger and read: not stored or counted again.
        case alreadyIngested
        /// A failed file (SPEC 2.2), recorded as failed with its reason (or not recorded when it
        /// could not be read at all).
        case failed(String)
    }

    /// The path as given.
    public var path: String
    /// The source's SHA-256, when the file could be read.
    public var sha256: String?
    /// What happened.
    public var status: Status
}

/// A ledger (SPEC 10.1): a directory holding `ledger.sqlite` and `archives/`, where every
/// ingested file is kept as received under its SHA-256, beside each source's partial result.
///
/// A report assembles the partial results (`SubsidyRun.assemble`) and reads an archive again
/// only for the stretches where a vehicle's sources overlap in time.
public final class Ledger: Sendable {
    /// The ledger's directory.
    public let directory: String
    let database: DatabasePool
    /// `archives/`.
    let archives: ArchiveStore

    /// The database file's name in the directory.
    public static let databaseName = "ledger.sqlite"

    /// Opens the ledger in `directory`, creating it when `create` is set and it does not exist,
    /// and checks that `policy`'s telemetry rules and this engine's rules version are the ones
    /// it was made with (SPEC 10.1); without a policy (withdrawing a source) nothing is checked.
    /// - Throws: `LedgerError` naming the field and both values when they differ, or what cannot
    ///   be read or written.
    public init(directory: String, policy: Policy?, create: Bool) throws(LedgerError) {
        self.directory = directory
        let file = directory + "/" + Ledger.databaseName
        if !FileManager.default.fileExists(atPath: file) {
            guard create else {
                throw LedgerError(.notFound, "\(directory) is not a ledger (no \(Ledger.databaseName)); make one with h2fleet ingest")
            }
            do {
                try FileManager.default.createDirectory(
                    atPath: directory + "/archives", withIntermediateDirectories: true)
            } catch {
                throw LedgerError(.io, "cannot make the ledger directory \(directory): \(error.localizedDescription)")
            }
        }
        archives = ArchiveStore(directory: directory + "/archives")
        var configuration = Configuration()
        // Writers wait for each other: one ingest commits at a time (SPEC 10.1).
        configuration.busyMode = .timeout(600)
        do {
            database = try DatabasePool(path: file, configuration: configuration)
            try Ledger.migrator.migrate(database)
        } catch {
            throw LedgerError(.damaged, "cannot open the ledger database \(file): \(error)")
        }
        if let policy { try checkRules(policy) }
        // Copies left by an ingest that was killed (its process is gone) are removed, those of
        // the h2fleet before `incoming/` too.
        archives.removeLeftovers()
        archives.removeOldCopies()
    }

    /// The schema, version by version.
    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL);
                    CREATE TABLE sources (
                        id INTEGER PRIMARY KEY,
                        sha256 TEXT NOT NULL,
                        kind TEXT NOT NULL,
                        path TEXT NOT NULL,
                        bytes INTEGER NOT NULL,
                        status TEXT NOT NULL,
                        error TEXT,
                        operator TEXT,
                        received_at TEXT NOT NULL,
                        withdrawn_at TEXT,
                        withdrawn_by TEXT,
                        partial BLOB NOT NULL,
                        UNIQUE (sha256, kind)
                    );
                    """)
        }
        // Tokens and sessions of the upload service (SPEC 11.1): only their SHA-256 is kept.
        migrator.registerMigration("v2") { db in
            try db.execute(
                sql: """
                    CREATE TABLE tokens (
                        id INTEGER PRIMARY KEY,
                        role TEXT NOT NULL,
                        operator TEXT,
                        sha256 TEXT NOT NULL UNIQUE,
                        created_at TEXT NOT NULL,
                        revoked_at TEXT
                    );
                    CREATE TABLE sessions (
                        sha256 TEXT PRIMARY KEY NOT NULL,
                        token_id INTEGER NOT NULL REFERENCES tokens (id),
                        form_key TEXT NOT NULL,
                        created_at TEXT NOT NULL
                    );
                    CREATE INDEX sources_by_operator ON sources (operator, received_at);
                    ALTER TABLE sources ADD COLUMN summary BLOB;
                    """)
        }
        return migrator
    }

    /// The fields of the policy that decide frames and intervals, as the ledger records them.
    static func ruleFields(_ policy: Policy) -> [(String, String)] {
        [
            ("rules", rulesVersion),
            ("timezone", CivilTime.offsetText(policy.timezoneOffset)),
            ("telemetry.max_gap_s", String(policy.limits.maxGapSeconds)),
            ("telemetry.max_speed_kmh", String(policy.limits.maxSpeedKmh)),
            ("telemetry.fc_on_min_current_a", Units.tenths(Int64(policy.limits.fuelCellOnCurrent))),
        ]
    }

    /// Records the rules on a new ledger; refuses a policy or engine whose rules differ.
    private func checkRules(_ policy: Policy) throws(LedgerError) {
        let fields = Ledger.ruleFields(policy)
        let recorded: [String: String]
        do {
            recorded = try database.write { db in
                let rows = try Row.fetchAll(db, sql: "SELECT key, value FROM meta")
                if rows.isEmpty {
                    for (key, value) in fields {
                        try db.execute(sql: "INSERT INTO meta (key, value) VALUES (?, ?)", arguments: [key, value])
                    }
                    return Dictionary(uniqueKeysWithValues: fields)
                }
                return Dictionary(rows.map { ($0["key"] as String, $0["value"] as String) }) { first, _ in first }
            }
        } catch {
            throw LedgerError(.damaged, "cannot read the ledger's rules in \(directory): \(error)")
        }
        for (key, value) in fields {
            guard let theirs = recorded[key] else {
                throw LedgerError(.damaged, "the ledger \(directory) does not record '\(key)'")
            }
            if theirs != value {
                if key == "rules" {
                    throw LedgerError(
                        .rulesMismatch,
                        "the ledger \(directory) was made with rules \(theirs); this h2fleet applies \(value)")
                }
                throw LedgerError(
                    .policyMismatch,
                    "the policy's \(key) is \(value), but the ledger \(directory) was made with \(theirs): "
                        + "frames and intervals would be judged differently (use the ledger's policy, or a new ledger)")
            }
        }
    }

    /// Where the archive with `sha256` is kept: `archives/ab/ab12…`.
    public func archivePath(_ sha256: String) -> String {
        archives.path(sha256)
    }

    /// Ingests `files` (SPEC 10.2): each new source's bytes are copied into `archives/` as they
    /// are decoded (written, flushed, renamed), and its partial result committed in one
    /// transaction per file once the folders are flushed.
    /// - Parameters:
    ///   - operatorId: who sent them (an upload), or `nil` from the command line.
    public func ingest(_ files: [InputFile], policy: Policy, threads: Int, operatorId: String? = nil)
        throws(LedgerError) -> [IngestOutcome]
    {
        // Files already in the ledger are found by their checksum before anything is decoded:
        // ingesting one more day into a year's ledger costs that day's files, not the year's.
        // Only a file of the size of a source already read can be one.
        let sizes = try readSizes()
        var outcomes = [IngestOutcome?](repeating: nil, count: files.count)
        var toRead: [Int] = []
        for (index, file) in files.enumerated() {
            guard sizes.contains(Ledger.SizeKey(bytes: Ledger.size(of: file.fileSystemPath), kind: file.kind)),
                let sha = Ledger.checksum(of: file.fileSystemPath)
            else {
                toRead.append(index)  // decoding it names why it cannot be read
                continue
            }
            let existing = try record(sha256: sha, kind: file.kind)
            guard let existing, existing.status == "ok" else {
                toRead.append(index)
                continue
            }
            try notePath(file.path, of: existing)
            outcomes[index] = IngestOutcome(path: file.path, sha256: sha, status: .alreadyIngested)
        }
        // The file is kept as evidence, failed or not (SPEC 10.1): the bytes that were decoded,
        // copied as they were read. A file that cannot be kept fails.
        let partials = SubsidyRun.partials(
            of: toRead.map { files[$0] }, policy: policy, threads: threads, store: archives)
        // Encoded on every core; then committed one file a transaction.
        let encoded = WindowMerge.parallelMap(partials.count, threads: threads) { EncodedPartial(partials[$0]) }
        for (position, (index, partial)) in zip(toRead, partials).enumerated() {
            let file = files[index]
            guard let stored = partial.stored else {
                outcomes[index] = IngestOutcome(path: file.path, sha256: nil, status: .failed(partial.error ?? "unreadable"))
                continue
            }
            let status = try commit(
                file, stored: stored, partial: partial, operatorId: operatorId, encoded: encoded[position])
            outcomes[index] = IngestOutcome(path: file.path, sha256: stored.sha256, status: status)
        }
        try flushCommits()
        return outcomes.map { $0! }
    }

    /// Makes every commit so far durable: the database runs in WAL mode with `synchronous =
    /// NORMAL` (a commit survives a killed process at once, a power cut only once the WAL is
    /// flushed), so the WAL file is flushed before a command reports what it committed.
    public func flushCommits() throws(LedgerError) {
        let wal = directory + "/" + Ledger.databaseName + "-wal"
        let descriptor = open(wal, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return }  // no WAL: everything is in the database file
        defer { close(descriptor) }
        if fsync(descriptor) != 0 {
            throw LedgerError(.io, "cannot flush the ledger's log \(wal) to disk: \(String(cString: strerror(errno)))")
        }
    }

    /// A size and kind of source.
    struct SizeKey: Hashable {
        var bytes: Int64
        var kind: String
    }

    /// The size and kind of every source read (`ok`).
    private func readSizes() throws(LedgerError) -> Set<SizeKey> {
        do {
            return try database.read { db in
                Set(
                    try Row.fetchAll(db, sql: "SELECT DISTINCT bytes, kind FROM sources WHERE status = 'ok'").map {
                        SizeKey(bytes: $0["bytes"], kind: $0["kind"])
                    })
            }
        } catch {
            throw LedgerError(.damaged, "cannot read the ledger \(directory): \(error)")
        }
    }

    /// A file's size, or -1 when it cannot be known.
    static func size(of path: String) -> Int64 {
        var status = stat()
        return stat(path, &status) == 0 ? Int64(status.st_size) : -1
    }

    /// Records one source in one transaction that takes the write lock at once, so that two
    /// ingests of the same bytes cannot both count them: an `ok` source already there is
    /// `alreadyIngested` (its path becomes the smaller of the two); a failed one is replaced.
    func commit(
        _ file: InputFile, stored: StoredFile, partial: SourcePartial, operatorId: String?, encoded: EncodedPartial? = nil
    ) throws(LedgerError) -> IngestOutcome.Status {
        let (blob, summary) = (encoded ?? EncodedPartial(partial)).columns
        do {
            return try database.writeWithoutTransaction { db in
                var status = IngestOutcome.Status.new
                try db.inTransaction(.immediate) {
                    let existing = try Row.fetchOne(
                        db, sql: "SELECT id, status, path, operator FROM sources WHERE sha256 = ? AND kind = ?",
                        arguments: [stored.sha256, file.kind])
                    // Paths are compared only between sources of the same sender: an upload's
                    // path never becomes another operator's, or a path on the regulator's disk.
                    let sameSender = existing.map { ($0["operator"] as String?) == operatorId } ?? false
                    if let existing, (existing["status"] as String) == "ok" {
                        status = .alreadyIngested
                        if sameSender {
                            try db.execute(
                                sql: "UPDATE sources SET path = ? WHERE id = ?",
                                arguments: [Ledger.smallerPath(existing["path"], file.path), existing["id"] as Int64])
                        }
                        return .commit
                    }
                    // A failed source is replaced, by whoever sends the bytes again.
                    let path = existing.map { sameSender ? Ledger.smallerPath($0["path"], file.path) : file.path } ?? file.path
                    try db.execute(
                        sql: """
                            INSERT INTO sources (sha256, kind, path, bytes, status, error, operator, received_at, partial, summary)
                            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                            ON CONFLICT (sha256, kind) DO UPDATE SET path = excluded.path, status = excluded.status,
                                error = excluded.error, operator = excluded.operator, received_at = excluded.received_at,
                                partial = excluded.partial, summary = excluded.summary
                            """,
                        arguments: [
                            stored.sha256, file.kind, path, stored.bytes, partial.error == nil ? "ok" : "failed",
                            partial.error, operatorId, Ledger.now(), blob, summary,
                        ])
                    status = partial.error.map { .failed($0) } ?? .new
                    return .commit
                }
                return status
            }
        } catch {
            throw LedgerError(.damaged, "cannot write the ledger \(directory): \(error)")
        }
    }

    /// Records that a source was given again under `path`.
    private func notePath(_ path: String, of existing: (id: Int64, status: String, path: String)) throws(LedgerError) {
        // An operator's upload keeps its OPERATOR/NAME path.
        if try uploader(id: existing.id) != nil { return }
        let smaller = Ledger.smallerPath(existing.path, path)
        if smaller != existing.path { try write("UPDATE sources SET path = ? WHERE id = ?", [smaller, existing.id]) }
    }

    /// The source recorded for these bytes of this kind, if any.
    /// The operator who uploaded source `id`; `nil` for one ingested from the command line.
    private func uploader(id: Int64) throws(LedgerError) -> String? {
        do {
            return try database.read { db in
                try String.fetchOne(db, sql: "SELECT operator FROM sources WHERE id = ?", arguments: [id])
            }
        } catch {
            throw LedgerError(.damaged, "cannot read the ledger \(directory): \(error)")
        }
    }

    func record(sha256: String, kind: String) throws(LedgerError) -> (id: Int64, status: String, path: String)? {
        do {
            return try database.read { db in
                try Row.fetchOne(
                    db, sql: "SELECT id, status, path FROM sources WHERE sha256 = ? AND kind = ?",
                    arguments: [sha256, kind]
                ).map { ($0["id"], $0["status"], $0["path"]) }
            }
        } catch {
            throw LedgerError(.damaged, "cannot read the ledger \(directory): \(error)")
        }
    }

    /// The SHA-256 of a file's bytes, or `nil` when it cannot be read.
    static func checksum(of path: String) -> String? {
        guard let input = fopen(path, "rb") else { return nil }
        defer { fclose(input) }
        var hasher = SHA256Hasher()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = fread(buffer.baseAddress, 1, buffer.count, input)
            if count == 0 { break }
            hasher.update(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
        }
        let failed = ferror(input) != 0
        let digest = hasher.finalizeHex()
        return failed ? nil : digest
    }

    /// Whether `text` is a SHA-256 as the ledger writes them: 64 lower-case hexadecimal digits.
    public static func isSHA256(_ text: String) -> Bool {
        text.utf8.count == 64
            && text.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0) }
    }

    /// Withdraws the source(s) with `sha256` (SPEC 10.2): they stop counting; the archive stays.
    /// Every kind of source with those bytes is withdrawn.
    /// - Parameter operatorId: only that operator's sources (an operator withdrawing its upload).
    public func withdraw(sha256 text: String, by who: String, operatorId: String? = nil) throws(LedgerError) {
        let sha256 = text.lowercased()
        guard Ledger.isSHA256(sha256) else {
            throw LedgerError(.notFound, "'\(text)' is not a SHA-256 (64 hexadecimal digits)")
        }
        let changed: Int
        do {
            changed = try database.write { db in
                try db.execute(
                    sql: """
                        UPDATE sources SET withdrawn_at = ?, withdrawn_by = ?
                        WHERE sha256 = ? AND withdrawn_at IS NULL AND (? IS NULL OR operator = ?)
                        """,
                    arguments: [Ledger.now(), who, sha256, operatorId, operatorId])
                return db.changesCount
            }
        } catch {
            throw LedgerError(.damaged, "cannot write the ledger \(directory): \(error)")
        }
        if changed == 0 { throw LedgerError(.notFound, "no source with SHA-256 \(sha256) is counted in \(directory)") }
    }

    /// Every source that is not withdrawn, sorted by path, then SHA-256 (SPEC 10.1), with its
    /// archive and partial result.
    public func sources(policy: Policy) throws(LedgerError) -> [(file: InputFile, partial: SourcePartial)] {
        let rows: [Row]
        do {
            rows = try database.read { db in
                try Row.fetchAll(
                    db,
                    sql: "SELECT sha256, kind, path, bytes, partial FROM sources WHERE withdrawn_at IS NULL ORDER BY path, sha256")
            }
        } catch {
            throw LedgerError(.damaged, "cannot read the ledger \(directory): \(error)")
        }
        var sources: [(file: InputFile, partial: SourcePartial)] = []
        for row in rows {
            let sha: String = row["sha256"]
            let path: String = row["path"]
            let data: Data = row["partial"]
            let stored = StoredFile(bytes: row["bytes"], sha256: sha)
            do {
                let partial = try SourcePartial(decoding: [UInt8](data), stored: stored, rules: PartialRules(policy))
                let file = InputFile(path: path, fileSystemPath: archivePath(sha), kind: row["kind"])
                if partial.error == nil, !FileManager.default.fileExists(atPath: file.fileSystemPath) {
                    throw LedgerError(
                        .archiveMissing,
                        "the archive of \(path) is missing from the ledger: \(file.fileSystemPath); restore it from "
                            + "a backup, or withdraw the source (h2fleet ingest --ledger DIR --withdraw \(sha))")
                }
                sources.append((file, partial))
            } catch let error as LedgerError {
                throw error
            } catch {
                throw LedgerError(.damaged, "the ledger's record of \(path) (SHA-256 \(sha)) is damaged: \(error)")
            }
        }
        return sources
    }

    private func write(_ sql: String, _ arguments: StatementArguments) throws(LedgerError) {
        do {
            try database.write { db in try db.execute(sql: sql, arguments: arguments) }
        } catch {
            throw LedgerError(.damaged, "cannot write the ledger \(directory): \(error)")
        }
    }

    /// A source's path is the smallest, in byte order, of the paths it was given under (SPEC 10.1).
    static func smallerPath(_ a: String, _ b: String) -> String {
        b.utf8.lexicographicallyPrecedes(a.utf8) ? b : a
    }

    static func now() -> String {
        var time = time_t(Foundation.time(nil))
        var parts = tm()
        gmtime_r(&time, &parts)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
            Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec))
    }
}

/// A partial result and its receipt's counts as the columns that store them.
struct EncodedPartial: Sendable {
    let columns: (partial: Data, summary: Data)

    init(_ partial: SourcePartial) {
        columns = (Data(partial.encoded()), Data(ReceiptCounts(partial).encoded()))
    }
}
