import Archives
import Engine
import Foundation
import Frames
import GRDB
import Reports
import Rules

/// What became of an upload (SPEC 11.2).
public enum UploadOutcome: Sendable, Equatable {
    /// Stored and ingested (201), failed files included.
    case stored(Receipt)
    /// The same bytes were uploaded before by the same operator: the first receipt (200).
    case repeated(Receipt)
    /// The same bytes were sent by another operator, or ingested from the command line (409).
    case duplicate
    /// Frames of vehicles the registry gives to other operators: the first 20 such VINs in byte
    /// order (422); nothing is stored.
    case foreignVins([String])
}

/// What decoding an upload decided (`Ledger.judgeUpload`).
public enum UploadJudgement: Sendable {
    /// Answered without storing anything.
    case decided(UploadOutcome)
    /// To be stored by `Ledger.storeUpload`.
    case store(Accepted)

    /// An upload to store: its bytes, as what file, and its partial result.
    public struct Accepted: Sendable {
        let copy: ArchiveCopy
        let file: InputFile
        let partial: SourcePartial
        let operatorId: String
    }
}

extension Ledger {
    /// Starts receiving an upload's bytes into the ledger's `archives/incoming/`.
    public func beginUpload() throws(LedgerError) -> ArchiveCopy {
        switch archives.begin() {
        case .success(let copy): return copy
        case .failure(let error): throw LedgerError(.io, "cannot receive an upload in \(directory): \(error.message)")
        }
    }

    /// Drops an upload that is not to be kept (refused or cut short).
    public func discardUpload(_ copy: ArchiveCopy) {
        archives.discard(copy)
    }

    /// Judges an upload received whole into `copy` (SPEC 11.2), decoding it: the first receipt
    /// when the same bytes came before, a refusal when its frames hold a vehicle `registry` gives
    /// to another operator (nothing is kept), else what `storeUpload` stores. CPU-bound.
    /// - Parameters:
    ///   - name: the name it was sent under, already checked to be a telemetry file's name.
    ///   - sha256: the checksum of the bytes, computed as they arrived.
    public func judgeUpload(
        _ copy: ArchiveCopy, sha256: String, name: String, operatorId: String, policy: Policy, registry: Registry
    ) throws(LedgerError) -> UploadJudgement {
        let path = operatorId + "/" + name
        let kind = InputFile(path: name, fileSystemPath: name).kind
        // Foreign VINs are judged first (SPEC 11.2: 422, then 409 or 200), so the upload is
        // decoded even when its bytes are in the ledger already.
        let file = InputFile(path: path, fileSystemPath: copy.temporary, kind: kind)
        let partial = SubsidyRun.partials(of: [file], policy: policy, threads: 1)[0]
        let foreign = Set(
            partial.segments.map(\.vin).filter { vin in
                registry.vehicles[vin].map { $0.operatorId != operatorId } ?? false
            }
        ).map(\.description).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        if !foreign.isEmpty {
            archives.discard(copy)
            return .decided(.foreignVins(Array(foreign.prefix(20))))
        }
        guard partial.stored?.sha256 == sha256 else {
            archives.discard(copy)
            throw LedgerError(.io, "the upload \(path) could not be read back from \(copy.temporary)")
        }
        if let earlier = try earlierUpload(sha256: sha256, kind: kind, operatorId: operatorId) {
            archives.discard(copy)
            return .decided(earlier)
        }
        return .store(UploadJudgement.Accepted(copy: copy, file: file, partial: partial, operatorId: operatorId))
    }

    /// Stores an accepted upload (SPEC 11.4): its bytes flushed and renamed under `archives/`,
    /// its partial result committed and the commit flushed, then its receipt. I/O-bound.
    public func storeUpload(_ accepted: UploadJudgement.Accepted) throws(LedgerError) -> UploadOutcome {
        let partial = accepted.partial
        let stored = partial.stored!
        // A disk that cannot keep the bytes is the server's failure, not the file's: nothing is committed.
        if let failure = archives.keepNow(accepted.copy, sha256: stored.sha256) {
            throw LedgerError(.io, "the upload \(accepted.file.path) \(failure)")
        }
        let status = try commit(accepted.file, stored: stored, partial: partial, operatorId: accepted.operatorId)
        try flushCommits()  // the receipt promises it: on disk, flushed, committed (SPEC 11.4)
        if status == .alreadyIngested,
            let earlier = try earlierUpload(sha256: stored.sha256, kind: accepted.file.kind, operatorId: accepted.operatorId)
        {
            return earlier  // the same bytes, committed meanwhile by another request
        }
        guard
            let receipt = try receipts(sha256: stored.sha256, kind: accepted.file.kind, operatorId: accepted.operatorId).first
        else {
            throw LedgerError(.damaged, "the upload \(accepted.file.path) was committed but cannot be read back from \(directory)")
        }
        return .stored(receipt)
    }

    /// The answer to bytes that are in the ledger already (read, not failed): the first receipt
    /// for the same operator, a duplicate for anyone else.
    private func earlierUpload(sha256: String, kind: String, operatorId: String) throws(LedgerError) -> UploadOutcome? {
        guard let existing = try record(sha256: sha256, kind: kind), existing.status == "ok" else { return nil }
        let mine = try receipts(sha256: sha256, kind: kind, operatorId: operatorId)
        return mine.first.map { .repeated($0) } ?? .duplicate
    }

    /// Receipts of sources (SPEC 11.2), newest first, then by SHA-256.
    /// - Parameters:
    ///   - sha256: only the source(s) with these bytes.
    ///   - kind: only the source of this kind (SPEC 10.1).
    ///   - operatorId: only this operator's; `nil` for every source.
    public func receipts(sha256: String? = nil, kind: String? = nil, operatorId: String? = nil) throws(LedgerError)
        -> [Receipt]
    {
        var conditions: [String] = []
        var arguments: [(any DatabaseValueConvertible)?] = []
        if let sha256 {
            conditions.append("sha256 = ?")
            arguments.append(sha256)
        }
        if let kind {
            conditions.append("kind = ?")
            arguments.append(kind)
        }
        if let operatorId {
            conditions.append("operator = ?")
            arguments.append(operatorId)
        }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let rows: [Row]
        do {
            rows = try database.read { db in
                try Row.fetchAll(
                    db,
                    sql: """
                        SELECT sha256, kind, path, bytes, error, operator, received_at, withdrawn_at, summary,
                            CASE WHEN summary IS NULL THEN partial END AS partial
                        FROM sources \(filter) ORDER BY received_at DESC, sha256, kind
                        """,
                    arguments: StatementArguments(arguments))
            }
        } catch {
            throw LedgerError(.damaged, "cannot read the ledger \(directory): \(error)")
        }
        var receipts: [Receipt] = []
        for row in rows {
            let sha: String = row["sha256"]
            let path: String = row["path"]
            let owner: String? = row["operator"]
            let counts: ReceiptCounts
            do throws(ByteReaderError) {
                if let summary = row["summary"] as Data? {
                    counts = try ReceiptCounts(decoding: [UInt8](summary))
                } else {
                    // A source ingested before receipts were summarised: its counts from its partial.
                    let data: Data = row["partial"]
                    counts = ReceiptCounts(
                        try SourcePartial(
                            decoding: [UInt8](data), stored: StoredFile(bytes: row["bytes"], sha256: sha), rules: nil))
                }
            } catch {
                throw LedgerError(.damaged, "the ledger's record of \(path) (SHA-256 \(sha)) is damaged: \(error)")
            }
            let name = owner.map { path.hasPrefix($0 + "/") ? String(path.dropFirst($0.count + 1)) : path } ?? path
            receipts.append(
                Receipt(
                    sha256: sha, operatorId: owner, name: name, bytes: row["bytes"], receivedAt: row["received_at"],
                    error: row["error"], frames: counts.frames, vehicles: counts.vehicles,
                    rejections: counts.rejections, withdrawn: (row["withdrawn_at"] as String?) != nil))
        }
        return receipts
    }
}

/// What a receipt counts of a source, kept beside its partial result so that listing receipts
/// reads no partial result.
struct ReceiptCounts {
    var frames: Int
    var vehicles: Int
    var rejections: RejectionTally

    init(_ partial: SourcePartial) {
        frames = partial.frames
        vehicles = Set(partial.segments.map(\.vin)).count
        rejections = partial.rejections
    }

    init(decoding bytes: [UInt8]) throws(ByteReaderError) {
        var reader = ByteReader(bytes)
        frames = Int(try reader.read(Int64.self))
        vehicles = Int(try reader.read(Int64.self))
        rejections = try RejectionTally(decoding: &reader)
        guard reader.atEnd else { throw ByteReaderError("bytes after a receipt's counts") }
    }

    func encoded() -> [UInt8] {
        var writer = ByteWriter()
        writer.write(Int64(frames))
        writer.write(Int64(vehicles))
        rejections.encode(into: &writer)
        return writer.bytes
    }
}
