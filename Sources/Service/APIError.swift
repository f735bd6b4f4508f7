import HTTPTypes
import Foundation
import Hummingbird

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
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        if status == .unauthorized { headers[.wwwAuthenticate] = "Bearer" }
        if closeConnection { headers[.connection] = "close" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
