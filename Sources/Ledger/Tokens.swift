import Archives
import Foundation
import GRDB
import Rules

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Who a request comes from (SPEC 11.1): the regulator, or one operator.
public struct Identity: Sendable, Equatable {
    /// The token it was proved with.
    public var tokenId: Int64
    /// The operator's id; `nil` for the regulator.
    public var operatorId: String?

    /// Whether this is the regulator.
    public var isRegulator: Bool { operatorId == nil }
}

/// A token as `h2fleet token list` shows it: never the token itself.
public struct TokenRecord: Sendable, Equatable {
    /// Its number.
    public var id: Int64
    /// `regulator` or `operator`.
    public var role: String
    /// The operator's id, for an operator's token.
    public var operatorId: String?
    /// When it was made, RFC 3339 UTC.
    public var createdAt: String
    /// When it was revoked, if it was.
    public var revokedAt: String?
}

extension Ledger {
    /// Makes a token for `operatorId`, or for the regulator when `nil` (SPEC 11.1): 256 bits
    /// from the system's secure random source, as URL-safe text. Only its SHA-256 is kept.
    public func createToken(operatorId: String?) throws(LedgerError) -> (id: Int64, token: String) {
        if let operatorId, !Registry.isOperatorId(operatorId) {
            throw LedgerError(
                .notFound, "'\(operatorId)' is not an operator id (1 to 64 of A-Z a-z 0-9 _ . -, not starting with '.')")
        }
        let token = try Ledger.randomText()
        let id: Int64
        do {
            id = try database.write { db in
                try db.execute(
                    sql: "INSERT INTO tokens (role, operator, sha256, created_at) VALUES (?, ?, ?, ?)",
                    arguments: [operatorId == nil ? "regulator" : "operator", operatorId, Ledger.sha256(token), Ledger.now()])
                return db.lastInsertedRowID
            }
        } catch {
            throw LedgerError(.damaged, "cannot write the ledger \(directory): \(error)")
        }
        return (id, token)
    }

    /// Every token ever made, by id.
    public func tokens() throws(LedgerError) -> [TokenRecord] {
        do {
            return try database.read { db in
                try Row.fetchAll(db, sql: "SELECT id, role, operator, created_at, revoked_at FROM tokens ORDER BY id").map {
                    TokenRecord(
                        id: $0["id"], role: $0["role"], operatorId: $0["operator"], createdAt: $0["created_at"],
                        revokedAt: $0["revoked_at"])
                }
            }
        } catch {
            throw LedgerError(.damaged, "cannot read the ledger \(directory): \(error)")
        }
    }

    /// Revokes a token at once, with the sessions made with it.
    /// - Throws: `notFound` for an unknown id.
    public func revokeToken(id: Int64) throws(LedgerError) {
        let changed: Int
        do {
            changed = try database.write { db in
                try db.execute(
                    sql: "UPDATE tokens SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?", arguments: [Ledger.now(), id])
                let changed = db.changesCount
                try db.execute(sql: "DELETE FROM sessions WHERE token_id = ?", arguments: [id])
                return changed
            }
        } catch {
            throw LedgerError(.damaged, "cannot write the ledger \(directory): \(error)")
        }
        if changed == 0 { throw LedgerError(.notFound, "no token with id \(id) in \(directory) (h2fleet token list shows them)") }
    }

    /// Who holds `token`, when it is a token of this ledger that is not revoked.
    public func identity(token: String) throws(LedgerError) -> Identity? {
        let hash = Ledger.sha256(token)
        do {
            return try database.read { db in
                guard
                    let row = try Row.fetchOne(
                        db, sql: "SELECT id, operator, sha256 FROM tokens WHERE sha256 = ? AND revoked_at IS NULL",
                        arguments: [hash]),
                    Ledger.sameText(row["sha256"], hash)
                else { return nil }
                return Identity(tokenId: row["id"], operatorId: row["operator"])
            }
        } catch {
            throw LedgerError(.damaged, "cannot read the ledger \(directory): \(error)")
        }
    }

    /// Starts a session for the pages (SPEC 11.3): its cookie value, and the key its forms carry.
    public func startSession(_ identity: Identity) throws(LedgerError) -> (cookie: String, formKey: String) {
        let cookie = try Ledger.randomText()
        let formKey = try Ledger.randomText()
        do {
            try database.write { db in
                try db.execute(
                    sql: "INSERT INTO sessions (sha256, token_id, form_key, created_at) VALUES (?, ?, ?, ?)",
                    arguments: [Ledger.sha256(cookie), identity.tokenId, formKey, Ledger.now()])
            }
        } catch {
            throw LedgerError(.damaged, "cannot write the ledger \(directory): \(error)")
        }
        return (cookie, formKey)
    }

    /// Who a session cookie belongs to, and the key its forms must carry; `nil` when it is
    /// unknown, ended, or its token was revoked.
    public func session(_ cookie: String) throws(LedgerError) -> (identity: Identity, formKey: String)? {
        let hash = Ledger.sha256(cookie)
        do {
            return try database.read { db in
                guard
                    let row = try Row.fetchOne(
                        db,
                        sql: """
                            SELECT sessions.sha256 AS sha256, tokens.id AS id, tokens.operator AS operator, form_key
                            FROM sessions JOIN tokens ON tokens.id = sessions.token_id
                            WHERE sessions.sha256 = ? AND tokens.revoked_at IS NULL
                            """,
                        arguments: [hash]),
                    Ledger.sameText(row["sha256"], hash)
                else { return nil }
                return (Identity(tokenId: row["id"], operatorId: row["operator"]), row["form_key"])
            }
        } catch {
            throw LedgerError(.damaged, "cannot read the ledger \(directory): \(error)")
        }
    }

    /// Ends a session (logging out).
    public func endSession(_ cookie: String) throws(LedgerError) {
        do {
            try database.write { db in
                try db.execute(sql: "DELETE FROM sessions WHERE sha256 = ?", arguments: [Ledger.sha256(cookie)])
            }
        } catch {
            throw LedgerError(.damaged, "cannot write the ledger \(directory): \(error)")
        }
    }

    /// The lower-case hex SHA-256 of `text`.
    static func sha256(_ text: String) -> String {
        var hasher = SHA256Hasher()
        Array(text.utf8).withUnsafeBytes { hasher.update($0) }
        return hasher.finalizeHex()
    }

    /// Whether two strings are equal, in time that depends only on their lengths.
    public static func sameText(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for index in x.indices { difference |= x[index] ^ y[index] }
        return difference == 0
    }

    /// 256 bits from the system's secure random source (`/dev/urandom`), as base64url text without padding.
    static func randomText() throws(LedgerError) -> String {
        var bytes = [UInt8](repeating: 0, count: 32)
        let source = open("/dev/urandom", O_RDONLY | O_CLOEXEC)
        let count = source < 0 ? -1 : bytes.withUnsafeMutableBytes { read(source, $0.baseAddress, 32) }
        if source >= 0 { close(source) }
        guard count == 32 else { throw LedgerError(.io, "the system's random source /dev/urandom cannot be read") }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}
