import HTTPTypes
import Hummingbird
import Ledger
import Logging

/// Proves who sends a request (SPEC 11.1): `Authorization: Bearer TOKEN`, or the pages'
/// session cookie. Requests that change something through a session must carry the session's
/// form key (cross-site request protection); a bearer token is never sent by a browser on its own.
struct Authentication: RouterMiddleware {
    typealias Context = ServiceContext
    let ledger: Ledger
    /// The pool for the ledger's database.
    let pool: BlockingPool

    /// The name of the session cookie.
    static let cookieName = "h2fleet_session"
    /// The header (and form field) carrying the session's form key.
    static let formKeyHeader = HTTPField.Name("X-H2fleet-Form")!

    func handle(_ request: Request, context: ServiceContext, next: (Request, ServiceContext) async throws -> Response)
        async throws -> Response
    {
        var context = context
        if let header = request.headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "bearer" else { throw APIError.unauthorized() }
            let token = String(parts[1])
            context.identity = try await pool.run { try ledger.identity(token: token) }
        } else if let cookie = request.cookies[Self.cookieName]?.value {
            if let session = try await pool.run({ try ledger.session(cookie) }) {
                context.identity = session.identity
                context.formKey = session.formKey
            }
        }
        context.note.record(context.identity)
        return try await next(request, context)
    }
}

/// One structured line per request (SPEC 11, issue 12): method, path, operator, archive, bytes,
/// status and duration; never a token or a cookie.
struct AccessLog: RouterMiddleware {
    typealias Context = ServiceContext
    let logger: Logger

    func handle(_ request: Request, context: ServiceContext, next: (Request, ServiceContext) async throws -> Response)
        async throws -> Response
    {
        let start = ContinuousClock.now
        func log(_ status: Int, _ context: ServiceContext) {
            let elapsed = start.duration(to: .now)
            let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
            logger.info(
                "request",
                metadata: [
                    "method": .string(request.method.rawValue), "path": .string(request.uri.path),
                    "operator": .string(context.note.who ?? "-"),
                    "archive": .string(context.note.archive ?? "-"), "bytes": .stringConvertible(context.note.bytes),
                    "status": .stringConvertible(status),
                    "ms": .string(String(Int(milliseconds.rounded()))),
                ])
        }
        do {
            let response = try await next(request, context)
            log(response.status.code, context)
            return response
        } catch let error as any HTTPResponseError {
            log(error.status.code, context)
            throw error
        } catch {
            log(500, context)
            logger.error("request failed", metadata: ["path": .string(request.uri.path), "error": .string("\(error)")])
            throw error
        }
    }
}

/// Security headers on every answer: a Content-Security-Policy that allows nothing from outside
/// the server, no framing, no sniffing, no caching of answers that hold figures.
struct SecurityHeaders: RouterMiddleware {
    typealias Context = ServiceContext

    static let policy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
        + "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

    func handle(_ request: Request, context: ServiceContext, next: (Request, ServiceContext) async throws -> Response)
        async throws -> Response
    {
        func secured(_ response: Response) -> Response {
            var response = response
            response.headers[.contentSecurityPolicy] = Self.policy
            response.headers[.xContentTypeOptions] = "nosniff"
            response.headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
            response.headers[HTTPField.Name("Referrer-Policy")!] = "same-origin"
            if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
            return response
        }
        do {
            let response = try await next(request, context)
            // No route: the API's JSON error, not an empty page.
            if response.status == .notFound && response.headers[.contentType] == nil {
                return secured(try APIError.notFound().response(from: request, context: context))
            }
            return secured(response)
        } catch let error as APIError {
            return secured(try error.response(from: request, context: context))
        } catch let error as any HTTPResponseError {
            // Hummingbird's own (no route, a body it would not read): the API's JSON error.
            return secured(try APIError(httpError: error).response(from: request, context: context))
        } catch let error as LedgerError where error.code == .notFound {
            return secured(try APIError.notFound(error.message).response(from: request, context: context))
        } catch let error as LedgerError {
            // The ledger cannot be read or written: the server's fault, said in JSON.
            let failure = APIError(status: .internalServerError, code: "internal_error", message: error.message)
            return secured(try failure.response(from: request, context: context))
        }
    }
}
