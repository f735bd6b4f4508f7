import Archives
import Engine
import Frames
import Foundation
import HTTPTypes
import Hummingbird
import Ledger
import Logging
import NIOCore
import Reports
import Rules
import ServiceLifecycle

/// How `h2fleet serve` runs (SPEC 11).
public struct ServiceConfiguration: Sendable {
    /// The ledger directory (made when missing).
    public var ledgerDirectory: String
    /// The registry file, its encoding, the policy file (`nil`: the built-in policy).
    public var registryPath: String
    public var registryEncoding: RegistryEncoding
    public var policyPath: String?
    /// Where to listen.
    public var host: String
    public var port: Int
    /// The largest upload accepted, in bytes (the limit itself is allowed).
    public var maxUploadBytes: Int64
    /// Threads decoding uploads and building reports.
    public var threads: Int

    /// A configuration.
    public init(
        ledgerDirectory: String, registryPath: String, registryEncoding: RegistryEncoding, policyPath: String?,
        host: String, port: Int, maxUploadBytes: Int64, threads: Int
    ) {
        self.ledgerDirectory = ledgerDirectory
        self.registryPath = registryPath
        self.registryEncoding = registryEncoding
        self.policyPath = policyPath
        self.host = host
        self.port = port
        self.maxUploadBytes = maxUploadBytes
        self.threads = threads
    }
}

/// The upload service (SPEC 11): operators upload archives into the ledger and get receipts;
/// the regulator reads every upload and the year's report. JSON API under `/v1`, pages for
/// people who do not use curl.
public enum UploadService {
    /// Loads the policy, registry and ledger, then serves until SIGTERM or SIGINT: it stops
    /// accepting, lets requests in flight finish, and returns.
    /// - Parameter listening: called with the address once the server listens (port 0 gives a
    ///   free port).
    public static func run(_ configuration: ServiceConfiguration, listening: @escaping @Sendable (String) -> Void)
        async throws
    {
        let (policy, policySHA256) = try SubsidyRun.loadPolicy(configuration.policyPath)
        let (registry, registrySource) = try SubsidyRun.loadRegistry(
            configuration.registryPath, encoding: configuration.registryEncoding, policy: policy)
        let ledger = try Ledger(directory: configuration.ledgerDirectory, policy: policy, create: true)
        // Decoding and reports take a core each, at most `threads` at once; the database and
        // flushing to disk wait rather than compute, and never queue behind a decode.
        let decoding = BlockingPool(threads: configuration.threads, background: true)
        let ledgerPool = BlockingPool(threads: 8)
        let receiving = BlockingPool(threads: 8, background: true)
        // Flushing whole uploads to disk may take long: never in the way of the database's pool.
        let flushing = BlockingPool(threads: 8)
        var logger = Logger(label: "h2fleet.serve")
        logger.logLevel = .info
        let state = ServiceState(
            ledger: ledger, policy: policy, policySHA256: policySHA256, registry: registry,
            registrySource: registrySource, builtInPolicy: configuration.policyPath == nil,
            maxUploadBytes: configuration.maxUploadBytes, decoding: decoding, ledgerPool: ledgerPool,
            receiving: receiving, flushing: flushing)
        let router = Router(context: ServiceContext.self)
        router.add(middleware: AccessLog(logger: logger))
        router.add(middleware: SecurityHeaders())
        router.get("/healthz") { _, _ in "ok" }
        router.add(middleware: Authentication(ledger: ledger, pool: ledgerPool))
        state.addAPI(to: router)
        state.addPages(to: router)
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
            onServerRunning: { channel in
                listening("http://\(configuration.host):\(channel.localAddress?.port ?? configuration.port)")
            },
            logger: logger)
        try await app.runService()
        try await decoding.shutdown()
        try await ledgerPool.shutdown()
        try await receiving.shutdown()
        try await flushing.shutdown()
    }
}

/// What every handler works with.
struct ServiceState: Sendable {
    let ledger: Ledger
    let policy: Policy
    let policySHA256: String
    let registry: Registry
    let registrySource: RegistrySource
    let builtInPolicy: Bool
    let maxUploadBytes: Int64
    /// Decoding uploads and building reports.
    let decoding: BlockingPool
    /// The ledger's database: tokens, sessions, receipts.
    let ledgerPool: BlockingPool
    /// Hashing and writing the bodies of uploads as they arrive.
    let receiving: BlockingPool
    /// Flushing, renaming and committing accepted uploads.
    let flushing: BlockingPool

    /// The identity of an authenticated request, or 401.
    static func identity(_ context: ServiceContext) throws -> Identity {
        guard let identity = context.identity else { throw APIError.unauthorized() }
        return identity
    }

    /// A request that changes something through a session must carry the session's form key.
    static func checkFormKey(_ request: Request, _ context: ServiceContext) throws {
        guard let expected = context.formKey else { return }  // a bearer token
        let sent = request.headers[Authentication.formKeyHeader] ?? ""
        guard Ledger.sameText(sent, expected) else {
            throw APIError.forbidden("a change through a session must come from this service's own pages")
        }
    }

    func addAPI(to router: Router<ServiceContext>) {
        router.put("/v1/archives/:id") { request, context in try await upload(request, context) }
        router.get("/v1/archives") { request, context in
            let identity = try Self.identity(context)
            var operatorId = identity.operatorId
            if let asked = request.uri.queryParameters.get("operator") {
                if let own = identity.operatorId, own != asked {
                    throw APIError.forbidden("an operator sees only its own uploads")
                }
                guard Registry.isOperatorId(asked) else {
                    throw APIError.badRequest("operator must be an operator id (1 to 64 of A-Z a-z 0-9 _ . -), not '\(asked)'")
                }
                operatorId = asked
            }
            let receipts = try await ledgerPool.run { [operatorId] in try ledger.receipts(operatorId: operatorId) }
            return Self.json(Receipt.json(receipts))
        }
        router.get("/v1/archives/:id") { _, context in
            let receipt = try await receipt(context)
            return Self.json(receipt.json())
        }
        router.delete("/v1/archives/:id") { request, context in
            let identity = try Self.identity(context)
            try Self.checkFormKey(request, context)
            let found = try await receipt(context)
            context.note.record(archive: found.sha256, bytes: 0)
            // Withdrawn already: the same answer again.
            if found.withdrawn { return Self.json(found.json()) }
            let who = identity.operatorId.map { "operator \($0) (token \(identity.tokenId))" } ?? "regulator (token \(identity.tokenId))"
            let withdrawn = try await ledgerPool.run {
                do {
                    try ledger.withdraw(sha256: found.sha256, by: who, operatorId: identity.operatorId)
                } catch where (error as? LedgerError)?.code == .notFound {
                    // Withdrawn meanwhile by another request: the receipt below says so.
                }
                return try ledger.receipts(sha256: found.sha256, operatorId: identity.operatorId).first
            }
            return Self.json((withdrawn ?? found).json())
        }
        router.get("/v1/report") { request, context in
            let identity = try Self.identity(context)
            guard identity.isRegulator else { throw APIError.forbidden("the report is the regulator's; an operator reads /v1/vehicles") }
            let (year, through) = try period(request)
            let report = try await report(year: year, through: through)
            return Self.json(report.json())
        }
        router.get("/v1/vehicles") { request, context in
            let identity = try Self.identity(context)
            guard let operatorId = identity.operatorId else {
                throw APIError.forbidden("/v1/vehicles is an operator's view; the regulator reads /v1/report")
            }
            let (year, through) = try period(request)
            let report = try await report(year: year, through: through)
            return Self.json(report.operatorJSON(operatorId))
        }
    }

    /// The receipt named by the `sha256` parameter, if the caller may see it (else 404).
    func receipt(_ context: ServiceContext) async throws -> Receipt {
        let identity = try Self.identity(context)
        let sha256 = (context.parameters.get("id") ?? "").lowercased()
        guard Ledger.isSHA256(sha256) else {
            throw APIError.badRequest("an archive is named by its SHA-256: 64 hexadecimal digits")
        }
        let receipts = try await ledgerPool.run { try ledger.receipts(sha256: sha256, operatorId: identity.operatorId) }
        guard let receipt = receipts.first else { throw APIError.notFound("no archive with SHA-256 \(sha256)") }
        return receipt
    }

    /// `year` and `through` of a report request, checked against the policy (400 otherwise).
    func period(_ request: Request) throws -> (year: Int, through: Int?) {
        let query = request.uri.queryParameters
        guard let text = query.get("year"), (1...4).contains(text.utf8.count),
            text.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }), let year = Int(text)
        else {
            throw APIError.badRequest("give the report year: ?year=YYYY")
        }
        do {
            try SubsidyRun.checkYear(year, of: policy, policyPath: nil)
        } catch {
            throw APIError.badRequest(error.message)
        }
        guard let through = query.get("through") else { return (year, nil) }
        guard let day = CivilTime.day(ofDateText: through), CivilTime.date(fromDays: day).year == year else {
            throw APIError.badRequest("through must be a date YYYY-MM-DD within \(year), not '\(through)'")
        }
        return (year, day)
    }

    /// The ledger's report (SPEC 10.3), built on the decoding pool.
    func report(year: Int, through: Int?) async throws -> Report {
        try await decoding.run {
            let sources = try ledger.sources(policy: policy)
            return try SubsidyRun.assemble(
                sources: sources, policy: policy, policySHA256: policySHA256, registry: registry,
                registrySource: registrySource, year: year, through: through, builtInPolicy: builtInPolicy,
                settings: RunSettings(threads: 1, memoryLimit: 256 << 20, spillDirectory: nil))
        }
    }

    static func json(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
