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
    /// hashed as it arrives, never held whole; then decoded on the pool and ingested.
    func upload(_ request: Request, _ context: ServiceContext) async throws -> Response {
        let identity = try Self.identity(context)
        guard let operatorId = identity.operatorId else {
            throw APIError.forbidden("only an operator uploads archives")
        }
        try Self.checkFormKey(request, context)
        let name = context.parameters.get("id") ?? ""
        guard Self.isUploadName(name) else {
            throw APIError(
                status: .badRequest, code: "bad_name",
                message: "an archive's name is 1 to 200 of A-Z a-z 0-9 . _ - and ends like a telemetry file "
                    + "(.csv, .gbt32960 or .gbt32960.hex, optionally .zst or .gz)")
        }
        if let length = request.headers[.contentLength].flatMap({ Int64($0) }), length > maxUploadBytes {
            throw tooLarge()
        }
        let copy = try await pool.run { try ledger.beginUpload() }
        var hasher = SHA256Hasher()
        var received: Int64 = 0
        do {
            for try await chunk in request.body {
                received += Int64(chunk.readableBytes)
                if received > maxUploadBytes {
                    ledger.discardUpload(copy)
                    throw tooLarge()
                }
                chunk.withUnsafeReadableBytes { bytes in
                    hasher.update(bytes)
                    copy.write(bytes)
                }
            }
        } catch let error as APIError {
            throw error
        } catch {
            // The client went away before the body was whole: nothing is kept.
            ledger.discardUpload(copy)
            throw error
        }
        let sha256 = hasher.finalizeHex()
        context.note.record(archive: sha256, bytes: Int(received))
        let outcome = try await pool.run {
            try ledger.finishUpload(
                copy, sha256: sha256, name: name, operatorId: operatorId, policy: policy, registry: registry)
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
