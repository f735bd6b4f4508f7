import HTTPTypes
import Foundation
import Hummingbird
import NIOCore

/// An error answer of the API (SPEC 11.2): `{"error": CODE, "message": TEXT}`, with `vins` for
/// `foreign_vins`.
struct APIError: HTTPResponseError {
    var status: HTTPResponse.Status
    /// The closed list of SPEC 11.2.
    var code: String
    /// What is wrong, for a person.
    var message: String
    /// The foreign VINs of a 422.
    var vins: [String]?
    /// Close the connection after answering (a body too large to read).
    var closeConnection = false

    static func unauthorized() -> APIError {
        APIError(
            status: .unauthorized, code: "unauthorized",
            message: "no valid token or session: send Authorization: Bearer TOKEN (h2fleet token create) or log in")
    }
    static func forbidden(_ message: String) -> APIError {
        APIError(status: .forbidden, code: "forbidden", message: message)
    }
    static func notFound(_ message: String = "no such resource") -> APIError {
        APIError(status: .notFound, code: "not_found", message: message)
    }
    static func badRequest(_ message: String) -> APIError {
        APIError(status: .badRequest, code: "bad_request", message: message)
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var object: [String: Any] = ["error": code, "message": message]
        if let vins { object["vins"] = vins }
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        if status == .unauthorized { headers[.wwwAuthenticate] = "Bearer" }
        let buffer = ByteBuffer(bytes: data)
        guard closeConnection, let channel = (context as? ServiceContext)?.channel else {
            return Response(status: status, headers: headers, body: .init(byteBuffer: buffer))
        }
        // A body too large to read: answer, stop reading, send FIN, and close a moment later (the
        // client reads the answer meanwhile instead of a reset). Hummingbird would otherwise read
        // and discard the rest of the body, however large.
        headers[.connection] = "close"
        return Response(
            status: status, headers: headers,
            body: ResponseBody(contentLength: buffer.readableBytes) { writer in
                try await writer.write(buffer)
                try await writer.finish(nil)
                APIError.closeSoon(channel)
            })
    }

    /// Stops reading from `channel`, closes its output at once and the whole channel in a second.
    static func closeSoon(_ channel: any Channel) {
        channel.setOption(ChannelOptions.autoRead, value: false).whenComplete { _ in
            channel.close(mode: .output, promise: nil)
            channel.eventLoop.scheduleTask(in: .seconds(1)) { channel.close(promise: nil) }
        }
    }
}

extension APIError {
    /// Another error with a status, said as the API says errors.
    init(httpError: any HTTPResponseError) {
        switch httpError.status {
        case .notFound: self = .notFound()
        case .contentTooLarge: self.init(status: .contentTooLarge, code: "too_large", message: "the body is too large")
        case .unauthorized: self = .unauthorized()
        case .forbidden: self = .forbidden("not allowed")
        default:
            self.init(
                status: httpError.status, code: httpError.status.code < 500 ? "bad_request" : "internal_error",
                message: httpError.status.reasonPhrase)
        }
    }
}
