import Foundation
import HTTPTypes
import Hummingbird
import Ledger
import Mustache
import NIOCore
import Reports

/// The pages (SPEC 11.3), rendered on the server with Mustache (every `{{value}}` is
/// HTML-escaped), with one script and one style sheet served from here: no resource from
/// outside, nothing inline, so the Content-Security-Policy can forbid everything else.
enum Pages {
    static let library: MustacheLibrary = {
        var library = MustacheLibrary()
        for (name, text) in templates {
            // The templates are part of the program: one that does not parse is a bug.
            try! library.register(text, named: name)
        }
        return library
    }()

    static let templates: [(String, String)] = [
        (
            "layout-top",
            """
            <!doctype html>
            <html lang="zh-CN"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>h2fleet — {{title}}</title><link rel="stylesheet" href="/static/style.css"></head>
            <body><header><strong>h2fleet</strong> 氢燃料电池车辆补贴 · {{title}}
            {{#who}}<form method="post" action="/logout" class="logout"><input type="hidden" name="form_key" value="{{formKey}}">
            <span>{{who}}</span> <button type="submit">Log out 退出</button></form>{{/who}}</header><main>
            """
        ),
        ("layout-bottom", "</main></body></html>\n"),
        (
            "login",
            """
            {{> layout-top}}
            {{#failed}}<p class="error" id="error">That token is not valid (unknown or revoked). 令牌无效。</p>{{/failed}}
            <form method="post" action="/login" id="login">
            <label for="token">Token 令牌</label>
            <input type="password" id="token" name="token" autocomplete="off" required>
            <button type="submit">Log in 登录</button></form>
            {{> layout-bottom}}
            """
        ),
        (
            "operator",
            """
            {{> layout-top}}
            <section><h2>Upload archives 上传数据</h2>
            <p>Telemetry files (.csv, .gbt32960, .gbt32960.hex, optionally .zst or .gz); names of A-Z a-z 0-9 . _ - only.</p>
            <input type="file" id="files" multiple> <button type="button" id="upload" data-form-key="{{formKey}}">Upload 上传</button>
            <ul id="receipts"></ul><script src="/static/upload.js" defer></script></section>
            {{> uploads}}
            {{> layout-bottom}}
            """
        ),
        (
            "regulator",
            """
            {{> layout-top}}
            <section><h2>Report 报告</h2>
            <form method="get" action="/report"><label for="year">Year 年度</label>
            <input id="year" name="year" value="{{year}}" size="6"> <button type="submit">Show 查看</button></form></section>
            {{> uploads}}
            {{> layout-bottom}}
            """
        ),
        (
            "uploads",
            """
            <section><h2>Uploads 已上传</h2>
            <table id="uploads"><thead><tr><th>Received 时间</th><th>Operator 运营单位</th><th>Name 文件</th><th>Bytes</th>
            <th>Status 状态</th><th>Frames</th><th>Vehicles</th><th>Rejected</th><th>Warnings 提示</th><th>SHA-256</th></tr></thead><tbody>
            {{#receipts}}<tr><td>{{receivedAt}}</td><td>{{operator}}</td><td class="name">{{name}}</td><td>{{bytes}}</td>
            <td>{{status}}{{#error}}: {{error}}{{/error}}{{#withdrawn}} (withdrawn 已撤回){{/withdrawn}}</td><td>{{frames}}</td>
            <td>{{vehicles}}</td><td>{{rejected}}</td><td>{{#warnings}}<div>{{.}}</div>{{/warnings}}</td><td><code>{{sha256}}</code></td></tr>{{/receipts}}
            {{^receipts}}<tr><td colspan="10">None yet. 暂无。</td></tr>{{/receipts}}
            </tbody></table></section>
            """
        ),
        (
            "report",
            """
            {{> layout-top}}
            <section><h2>{{year}} report 年度报告</h2>
            <p>Download 下载: <a href="/report/report.json?year={{year}}">report.json</a> ·
            <a href="/report/vehicles.csv?year={{year}}">vehicles.csv</a> ·
            <a href="/report/operators.csv?year={{year}}">operators.csv</a> ·
            <a href="/report/rejections.csv?year={{year}}">rejections.csv</a></p>
            <pre id="table">{{table}}</pre></section>
            {{> layout-bottom}}
            """
        ),
    ]

    static let style = """
        body{font-family:system-ui,"Noto Sans CJK SC",sans-serif;margin:0;color:#1b1f24}
        header{background:#0b5cad;color:#fff;padding:.6em 1em}header form{float:right;margin:0}
        main{padding:1em;max-width:80em}table{border-collapse:collapse;font-size:.9em}
        td,th{border:1px solid #ccd;padding:.25em .5em;text-align:left;vertical-align:top}
        code{font-size:.8em;word-break:break-all}.error{color:#a00}pre{overflow-x:auto}
        .name{word-break:break-all}
        """

    /// Uploads each chosen file with `PUT /v1/archives/NAME` (the page's session and form key)
    /// and lists each receipt; text is set with `textContent`, never as markup.
    static let script = """
        "use strict";
        document.getElementById("upload").addEventListener("click", async () => {
          const button = document.getElementById("upload");
          const list = document.getElementById("receipts");
          for (const file of document.getElementById("files").files) {
            const item = document.createElement("li");
            item.textContent = file.name + ": uploading…";
            list.appendChild(item);
            try {
              const response = await fetch("/v1/archives/" + encodeURIComponent(file.name), {
                method: "PUT", body: file, credentials: "same-origin",
                headers: {"X-H2fleet-Form": button.dataset.formKey}});
              const body = await response.json();
              if (response.ok) {
                item.textContent = file.name + ": " + body.status + (body.error ? " (" + body.error + ")" : "") +
                  ", " + body.frames + " frames, " + body.vehicles + " vehicles, " + body.rejected_rows +
                  " rejected rows" + body.warnings.map(w => "; " + w.message).join("") + " — SHA-256 " + body.archive;
                item.className = "receipt";
              } else {
                item.textContent = file.name + ": refused (" + response.status + " " + body.error + "): " + body.message +
                  (body.vins ? " " + body.vins.join(", ") : "");
                item.className = "error";
              }
            } catch (error) {
              item.textContent = file.name + ": failed: " + error;
              item.className = "error";
            }
          }
        });
        """
}

extension ServiceState {
    func addPages(to router: Router<ServiceContext>) {
        router.get("/static/style.css") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "max-age=300"],
                body: .init(byteBuffer: ByteBuffer(string: Pages.style)))
        }
        router.get("/static/upload.js") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/javascript; charset=utf-8", .cacheControl: "max-age=300"],
                body: .init(byteBuffer: ByteBuffer(string: Pages.script)))
        }
        router.get("/login") { _, _ in Self.page("login", ["title": "Log in 登录"]) }
        router.post("/login") { request, _ in
            // Not from another site (login CSRF): browsers say where a form was sent from, in
            // Sec-Fetch-Site, or else (older ones) in Origin.
            if let site = request.headers[HTTPField.Name("Sec-Fetch-Site")!] {
                guard site == "same-origin" || site == "none" else {
                    throw APIError.forbidden("log in from this service's own page")
                }
            } else if let origin = request.headers[HTTPField.Name("Origin")!], origin != "null",
                let host = request.head.authority, origin != "http://\(host)", origin != "https://\(host)"
            {
                throw APIError.forbidden("log in from this service's own page")
            }
            var request = request
            let body = try await request.collectBody(upTo: 4096)
            let token = Self.formValue("token", in: String(buffer: body)) ?? ""
            guard let identity = try await ledgerPool.run({ try ledger.identity(token: token) }) else {
                return Self.page("login", ["title": "Log in 登录", "failed": true], status: .unauthorized)
            }
            let session = try await ledgerPool.run { try ledger.startSession(identity) }
            var response = Response.redirect(to: "/", type: .normal)
            response.setCookie(
                Cookie(
                    name: Authentication.cookieName, value: session.cookie, path: "/", httpOnly: true, sameSite: .strict))
            return response
        }
        router.post("/logout") { request, context in
            var request = request
            let body = try await request.collectBody(upTo: 4096)
            if let cookie = request.cookies[Authentication.cookieName]?.value, let expected = context.formKey,
                Ledger.sameText(Self.formValue("form_key", in: String(buffer: body)) ?? "", expected)
            {
                try await ledgerPool.run { try ledger.endSession(cookie) }
            }
            var response = Response.redirect(to: "/login", type: .normal)
            response.setCookie(Cookie(name: Authentication.cookieName, value: "", maxAge: 0, path: "/", httpOnly: true, sameSite: .strict))
            return response
        }
        router.get("/") { _, context in
            guard let identity = context.identity else { return Response.redirect(to: "/login", type: .normal) }
            let receipts = try await ledgerPool.run { try ledger.receipts(operatorId: identity.operatorId) }
            var values = pageValues(identity, context)
            values["receipts"] = receipts.map(Self.receiptValues)
            if identity.operatorId != nil { return Self.page("operator", values) }
            values["year"] = String(Calendar(identifier: .gregorian).component(.year, from: Date()) - 1)
            return Self.page("regulator", values)
        }
        router.get("/report") { request, context in
            guard let identity = context.identity else { return Response.redirect(to: "/login", type: .normal) }
            guard identity.isRegulator else { throw APIError.forbidden("the report is the regulator's") }
            let (year, through) = try period(request)
            let report = try await report(year: year, through: through)
            var values = pageValues(identity, context)
            values["year"] = String(year)
            values["table"] = report.table()
            return Self.page("report", values)
        }
        router.get("/report/:file") { request, context in
            guard try Self.identity(context).isRegulator else { throw APIError.forbidden("the report is the regulator's") }
            let (year, through) = try period(request)
            let file = context.parameters.get("file") ?? ""
            let report = try await report(year: year, through: through)
            let content: (String, String)
            switch file {
            case "report.json": content = (report.json(), "application/json; charset=utf-8")
            case "vehicles.csv": content = (report.vehiclesCSV(), "text/csv; charset=utf-8")
            case "operators.csv": content = (report.operatorsCSV(), "text/csv; charset=utf-8")
            case "rejections.csv": content = (report.rejectionsCSV(), "text/csv; charset=utf-8")
            default: throw APIError.notFound()
            }
            return Response(
                status: .ok,
                headers: [.contentType: content.1, .contentDisposition: "attachment; filename=\"\(file)\""],
                body: .init(byteBuffer: ByteBuffer(string: content.0)))
        }
    }

    func pageValues(_ identity: Identity, _ context: ServiceContext) -> [String: Any] {
        [
            "title": identity.operatorId.map { "Operator 运营单位 \($0)" } ?? "Regulator 监管",
            "who": identity.operatorId.map { "\($0) — \(registry.operatorName(of: $0) ?? "")" } ?? "regulator",
            "formKey": context.formKey ?? "",
        ]
    }

    static func receiptValues(_ receipt: Receipt) -> [String: Any] {
        [
            "receivedAt": receipt.receivedAt, "operator": receipt.operatorId ?? "—", "name": receipt.name,
            "bytes": String(receipt.bytes), "status": receipt.error == nil ? "ok" : "failed",
            "error": receipt.error ?? false, "withdrawn": receipt.withdrawn, "frames": String(receipt.frames),
            "vehicles": String(receipt.vehicles), "rejected": String(receipt.rejections.total),
            "warnings": receipt.warnings.map(\.message), "sha256": receipt.sha256,
        ]
    }

    static func page(_ name: String, _ values: [String: Any], status: HTTPResponse.Status = .ok) -> Response {
        let html = Pages.library.render(values, withTemplate: name) ?? ""
        return Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// A field of an `application/x-www-form-urlencoded` body.
    static func formValue(_ name: String, in body: String) -> String? {
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, parts[0] == name else { continue }
            return String(parts[1]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding
        }
        return nil
    }
}
