import Frames

/// What an operator gets back for an upload (`h2fleet.receipt/1`, SPEC 11.2): what was stored
/// and what will and will not count.
public struct Receipt: Sendable, Equatable {
    /// The archive's SHA-256.
    public var sha256: String
    /// The operator who sent it; `nil` for a source ingested from the command line.
    public var operatorId: String?
    /// The name it was sent under (for a source ingested from the command line, its path).
    public var name: String
    /// Its size as stored.
    public var bytes: Int64
    /// When it was stored, RFC 3339 UTC.
    public var receivedAt: String
    /// Why it failed (SPEC 2.2), when it did.
    public var error: String?
    /// Valid frames.
    public var frames: Int
    /// Distinct VINs with valid frames.
    public var vehicles: Int
    /// Rejected rows by reason.
    public var rejections: RejectionTally
    /// The warnings of SPEC 7.1 about this file.
    public var warnings: [ReportWarning]
    /// Withdrawn (SPEC 10.2): it no longer counts.
    public var withdrawn: Bool

    /// Makes a receipt.
    public init(
        sha256: String, operatorId: String?, name: String, bytes: Int64, receivedAt: String, error: String?,
        frames: Int, vehicles: Int, rejections: RejectionTally, withdrawn: Bool
    ) {
        self.sha256 = sha256
        self.operatorId = operatorId
        self.name = name
        self.bytes = bytes
        self.receivedAt = receivedAt
        self.error = error
        self.frames = frames
        self.vehicles = vehicles
        self.rejections = rejections
        self.withdrawn = withdrawn
        warnings = ReportWarning.aboutInputs(
            files: [(path: name, frames: frames, rejections: rejections, failed: error != nil)], skipped: [],
            emptyDirectories: [])
    }

    var jsonValue: JSONValue {
        var members: [(String, JSONValue)] = [
            ("schema", .string("h2fleet.receipt/1")), ("archive", .string(sha256)),
            ("operator", .optionalString(operatorId)), ("name", .string(name)), ("bytes", .int(bytes)),
            ("received_at", .string(receivedAt)), ("status", .string(error == nil ? "ok" : "failed")),
        ]
        if let error { members.append(("error", .string(error))) }
        members += [
            ("frames", .int(frames)), ("vehicles", .int(vehicles)), ("rejected_rows", .int(rejections.total)),
            (
                "rejections_by_reason",
                .object(RejectionReason.allCases.map { ($0.name, .int(rejections.counts[$0.rawValue])) })
            ),
            ("warnings", .array(warnings.map(\.json))),
            ("withdrawn", .bool(withdrawn)),
        ]
        return .object(members)
    }

    /// The receipt as JSON.
    public func json() -> String { jsonValue.rendered() }

    /// Receipts as a JSON array.
    public static func json(_ receipts: [Receipt]) -> String {
        JSONValue.array(receipts.map(\.jsonValue)).rendered()
    }
}

extension Report {
    /// What an operator sees of the report (SPEC 11.2, `GET /v1/vehicles`): the year, the period
    /// (year to date), its `operators` entry (`null` when it has none) and its `vehicles` entries.
    public func operatorJSON(_ operatorId: String) -> String {
        var members: [(String, JSONValue)] = [("year", .int(year))]
        if let period { members.append(("period", period)) }
        members += [
            (
                "operator",
                operatorRows(of: operatorId).first.map { .object(zip(Report.operatorColumns, $0).map { ($0, $1.json) }) }
                    ?? .null
            ),
            (
                "vehicles",
                .array(vehicleRows(of: operatorId).map { .object(zip(Report.vehicleColumns, $0).map { ($0, $1.json) }) })
            ),
        ]
        return JSONValue.object(members).rendered()
    }
}
