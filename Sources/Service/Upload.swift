import Archives
import HTTPTypes
import Hummingbird
import Ledger
import NIOCore

extension ServiceState {
    /// Whether an upload's name is one SPEC 11.2 accepts: `[A-Za-z0-9._-]{1,200}`, and a name
    /// the directory search of SPEC 2.2 would read.
    static func isUploadName(_ name: String) -> Bool {
        let bytes = name.utf8
        guard (1...200).contains(bytes.count) else { return false }
        let allowed = bytes.allSatisfy { byte in
            (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: ".")
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        }
        return allowed && InputFile.isTelemetryName(name)
    }

    /// `PUT /v1/archives/{name}` (SPEC 11.2): the body is streamed to disk under the ledger and
    /// hashed as it arrives, never held whole; then decoded on the decoding pool and stored
    /// (flushed, renamed, committed) on the ledger's.
    func upload(_ request: Request, _ context: ServiceContext) async throws -> Response {
        let operatorId: String
        let name = context.parameters.get("id") ?? ""
        do {
            let identity = try Self.identity(context)
            guard let id = identity.operatorId else {
                throw APIError.forbidden("only an operator uploads archives")
            }
            operatorId = id
            try Self.checkFormKey(request, context)
            guard Self.isUploadName(name) else {
                throw APIError(
                    status: .badRequest, code: "bad_name",
                    message: "an archive's name is 1 to 200 of A-Z a-z 0-9 . _ - and ends like a telemetry file "
                        + "(.csv, .gbt32960 or .gbt32960.hex, optionally .zst or .gz)")
            }
            if let length = request.headers[.contentLength].flatMap({ Int64($0) }), length > maxUploadBytes {
                throw tooLarge()
            }
        } catch var refusal as APIError {
            // Refused before its body is read: the body is not read at all (the connection closes).
            refusal.closeConnection = true
            throw refusal
        }
        let copy = try await ledgerPool.run { try ledger.beginUpload() }
        // Chunks are gathered into pieces of about 1 MiB, each hashed and written on the
        // receiving pool: a write that waits for the disk (writeback under many large uploads)
        // holds one of its threads, never Swift's cooperative ones.
        let hasher = ReceivingHasher()
        var received: Int64 = 0
        var piece = ByteBuffer()
        do {
            for try await chunk in request.body {
                received += Int64(chunk.readableBytes)
                if received > maxUploadBytes {
                    ledger.discardUpload(copy)
                    throw tooLarge()
                }
                var chunk = chunk
                piece.writeBuffer(&chunk)
                if piece.readableBytes >= 1 << 20 {
                    let full = piece
                    piece = ByteBuffer()
                    try await receiving.run { hasher.take(full, into: copy) }
                }
            }
            let last = piece
            try await receiving.run { hasher.take(last, into: copy) }
        } catch let error as APIError {
            throw error
        } catch {
            // The client went away before the body was whole: nothing is kept.
            ledger.discardUpload(copy)
            throw error
        }
        let sha256 = hasher.finish()
        context.note.record(archive: sha256, bytes: Int(received))
        if let failure = copy.failure {
            ledger.discardUpload(copy)
            throw APIError(status: .internalServerError, code: "internal_error", message: "the upload \(failure)")
        }
        let outcome: UploadOutcome
        do {
            let judgement = try await decoding.run {
                try ledger.judgeUpload(
                    copy, sha256: sha256, name: name, operatorId: operatorId, policy: policy, registry: registry)
            }
            switch judgement {
            case .decided(let decided): outcome = decided
            case .store(let accepted): outcome = try await flushing.run { try ledger.storeUpload(accepted) }
            }
        } catch {
            ledger.discardUpload(copy)  // whatever was not stored leaves nothing in incoming/
            throw error
        }
        switch outcome {
        case .stored(let receipt):
            return Self.json(receipt.json(), status: .created)
        case .repeated(let receipt):
            return Self.json(receipt.json())
        case .duplicate:
            throw APIError(
                status: .conflict, code: "duplicate",
                message: "these bytes (SHA-256 \(sha256)) are in the ledger already, sent by someone else")
        case .foreignVins(let vins):
            throw APIError(
                status: .unprocessableContent, code: "foreign_vins",
                message: "the archive holds frames of vehicles the registry gives to another operator: nothing was stored",
                vins: vins)
        }
    }

    private func tooLarge() -> APIError {
        APIError(
            status: .contentTooLarge, code: "too_large",
            message: "an upload may be at most \(maxUploadBytes) bytes (--max-upload-mib)", closeConnection: true)
    }
}

/// The SHA-256 of an upload's bytes as they arrive, one piece after another (pieces are taken
/// one at a time, in order, by the handler that owns it).
final class ReceivingHasher: @unchecked Sendable {
    private var hasher: SHA256Hasher? = SHA256Hasher()

    /// Hashes `piece` and appends it to `copy`.
    func take(_ piece: ByteBuffer, into copy: ArchiveCopy) {
        piece.withUnsafeReadableBytes { bytes in
            hasher!.update(bytes)
            copy.write(bytes)
        }
    }

    /// The checksum of every piece taken.
    func finish() -> String {
        hasher.take()!.finalizeHex()
    }
}
