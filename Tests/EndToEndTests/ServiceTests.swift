import Foundation
import Glibc
import Testing
import TestSupport

/// A `h2fleet serve` process on 127.0.0.1 and a free port, spoken to over real HTTP (curl).
final class TestServer: @unchecked Sendable {
    let folder: TemporaryFolder
    let process = Process()
    let url: String

    /// Starts the service on `folder`'s `ledger` with its `registry.csv` and `policy.toml`.
    init(_ folder: TemporaryFolder, maxUploadMib: Int = 2048) throws {
        self.folder = folder
        let out = folder.path("serve-\(UUID().uuidString).out")
        _ = FileManager.default.createFile(atPath: out, contents: nil)
        _ = FileManager.default.createFile(atPath: folder.path("serve.log"), contents: nil)
        process.executableURL = TestPaths.binary
        process.arguments = [
            "serve", "--ledger", "ledger", "--registry", "registry.csv", "--policy", "policy.toml", "--port", "0",
            "--max-upload-mib", String(maxUploadMib),
        ]
        process.currentDirectoryURL = folder.url
        process.standardOutput = FileHandle(forWritingAtPath: out)
        process.standardError = FileHandle(forWritingAtPath: folder.path("serve.log"))
        try process.run()
        var address: String?
        for _ in 0..<300 where address == nil {
            usleep(50_000)
            let text = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
            if let range = text.range(of: "listening on ") {
                address = text[range.upperBound...].split(separator: "\n").first.map(String.init)
            }
        }
        guard let address else {
            process.terminate()
            throw ServiceTestError("the service did not start: \((try? String(contentsOfFile: folder.path("serve.log"), encoding: .utf8)) ?? "")")
        }
        url = address
    }

    /// Sends a request; returns the status and the body.
    @discardableResult
    func request(
        _ method: String, _ path: String, token: String? = nil, file: String? = nil, headers: [String] = []
    ) throws -> (status: Int, body: String) {
        var arguments = ["-s", "-S", "-X", method, "-o", "-", "-w", "\n%{http_code}", url + path]
        if let token { arguments += ["-H", "Authorization: Bearer \(token)"] }
        if let file { arguments += ["--data-binary", "@" + file, "-H", "Content-Type: application/octet-stream"] }
        for header in headers { arguments += ["-H", header] }
        let result = try runProcess(URL(fileURLWithPath: "/usr/bin/curl"), arguments)
        let text = result.stdout
        guard let cut = text.lastIndex(of: "\n"), let status = Int(text[text.index(after: cut)...]) else {
            throw ServiceTestError("curl: \(result.stderr)")
        }
        return (status, String(text[..<cut]))
    }

    func json(_ body: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
    }

    func stop(signal: Int32 = SIGTERM) {
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
    }
}

struct ServiceTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

@Suite("Upload service over real HTTP (SPEC 11)", .serialized)
struct ServiceTests {
    /// Two operators' days of CSV telemetry, a registry and a policy in a new folder.
    static func folder() -> TemporaryFolder {
        let folder = TemporaryFolder()
        folder.write(
            "registry.csv",
            "vin,operator,class,operator_name\nLFCTEST0000000001,opa,bus,Alpha\nLFCTEST0000000002,opa,bus,Alpha\n"
                + "LFCTEST0000000003,opb,heavy_truck,Beta\n")
        folder.write("policy.toml", LedgerTests.policy)
        for day in 1...4 {
            folder.write("in/opa/2025-03-0\(day).csv", csv(day: day, vins: ["LFCTEST0000000001", "LFCTEST0000000002"]))
            folder.write("in/opb/2025-03-0\(day).csv", csv(day: day, vins: ["LFCTEST0000000003"]))
        }
        folder.write("in/mixed/2025-03-09.csv", csv(day: 9, vins: ["LFCTEST0000000001", "LFCTEST0000000003"]))
        return folder
    }

    /// A day of readings every 10 s for two hours, on hydrogen.
    static func csv(day: Int, vins: [String]) -> String {
        var text = "vin,ts,odometer_km,fc_current_a\n"
        for (index, vin) in vins.enumerated() {
            for step in 0..<720 {
                let seconds = step * 10
                let odometer = Double(1000 * (index + 1) + day * 100) + Double(step) * 0.1
                text += "\(vin),2025-03-0\(day)T\(String(format: "%02d:%02d:%02d", 8 + seconds / 3600, seconds / 60 % 60, seconds % 60))+08:00,"
                text += String(format: "%.1f", odometer) + ",25.0\n"
            }
        }
        return text
    }

    static func token(_ folder: TemporaryFolder, _ role: [String]) throws -> String {
        let made = try runH2fleet(["token", "create", "--ledger", "ledger"] + role, in: folder.url)
        #expect(made.status == 0)
        return made.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("every status of SPEC 11.2, receipts, isolation, withdrawal, revocation; the report equals h2fleet report")
    func statuses() throws {
        let folder = Self.folder()
        defer { folder.remove() }
        let alpha = try Self.token(folder, ["--operator", "opa"])
        let beta = try Self.token(folder, ["--operator", "opb"])
        let regulator = try Self.token(folder, ["--regulator"])
        #expect(alpha.utf8.count >= 43 && alpha != beta)
        let listed = try runH2fleet(["token", "list", "--ledger", "ledger"], in: folder.url)
        #expect(listed.stdout.split(separator: "\n").count == 3 && !listed.stdout.contains(alpha))
        // Only hashes are stored.
        let database = try Data(contentsOf: URL(fileURLWithPath: folder.path("ledger/ledger.sqlite")))
        #expect(database.range(of: Data(alpha.utf8)) == nil)

        let server = try TestServer(folder, maxUploadMib: 1)
        defer { server.stop() }
        #expect(try server.request("GET", "/healthz") == (200, "ok"))
        let day1 = folder.path("in/opa/2025-03-01.csv")
        #expect(try server.request("PUT", "/v1/archives/2025-03-01.csv", file: day1).status == 401)
        #expect(try server.request("PUT", "/v1/archives/2025-03-01.csv", token: "nope", file: day1).status == 401)
        #expect(try server.request("PUT", "/v1/archives/2025-03-01.csv", token: regulator, file: day1).status == 403)
        let badName = try server.request("PUT", "/v1/archives/notes.txt", token: alpha, file: day1)
        #expect(badName.status == 400)
        #expect(try server.json(badName.body)["error"] as? String == "bad_name")
        folder.write("big.csv", String(repeating: "x", count: (1 << 20) + 1))
        let big = try server.request("PUT", "/v1/archives/big.csv", token: alpha, file: folder.path("big.csv"))
        #expect(big.status == 413 && big.body.contains("too_large"))

        let first = try server.request("PUT", "/v1/archives/2025-03-01.csv", token: alpha, file: day1)
        #expect(first.status == 201)
        let receipt = try server.json(first.body)
        #expect(receipt["schema"] as? String == "h2fleet.receipt/1" && receipt["operator"] as? String == "opa")
        #expect(receipt["frames"] as? Int == 1440 && receipt["vehicles"] as? Int == 2 && receipt["status"] as? String == "ok")
        #expect((receipt["rejections_by_reason"] as? [String: Int])?.count == 11)
        let sha = try #require(receipt["archive"] as? String)
        let again = try server.request("PUT", "/v1/archives/2025-03-01.csv", token: alpha, file: day1)
        #expect(again.status == 200)
        #expect(try server.json(again.body)["received_at"] as? String == receipt["received_at"] as? String)
        // Another operator's vehicles: 422 with their VINs, before any 409 (SPEC 11.2), nothing stored.
        let taken = try server.request("PUT", "/v1/archives/copy.csv", token: beta, file: day1)
        #expect(taken.status == 422)
        #expect(try server.json(taken.body)["vins"] as? [String] == ["LFCTEST0000000001", "LFCTEST0000000002"])
        let foreign = try server.request("PUT", "/v1/archives/2025-03-09.csv", token: beta, file: folder.path("in/mixed/2025-03-09.csv"))
        #expect(foreign.status == 422)
        #expect(try server.json(foreign.body)["error"] as? String == "foreign_vins")
        #expect(try server.json(foreign.body)["vins"] as? [String] == ["LFCTEST0000000001"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path("ledger/archives/incoming")).isEmpty)
        // The same bytes from another operator, of no registered vehicle's: 409.
        let free = folder.write("in/free/2025-03-05.csv", Self.csv(day: 5, vins: ["LFCTEST0000000009"]))
        #expect(try server.request("PUT", "/v1/archives/2025-03-05.csv", token: alpha, file: free).status == 201)
        let conflict = try server.request("PUT", "/v1/archives/copy.csv", token: beta, file: free)
        #expect(conflict.status == 409)
        #expect(try server.json(conflict.body)["error"] as? String == "duplicate")
        // A failed file (SPEC 2.2) is stored as failed; the same bytes sent by another operator
        // are tried again and become that operator's.
        let broken = folder.write("in/broken.csv.zst", "not zstd at all")
        let failed = try server.json(try server.request("PUT", "/v1/archives/broken.csv.zst", token: alpha, file: broken).body)
        #expect(failed["status"] as? String == "failed" && (failed["error"] as? String)?.isEmpty == false)
        let retried = try server.request("PUT", "/v1/archives/broken.csv.zst", token: beta, file: broken)
        #expect(retried.status == 201)
        #expect(try server.json(retried.body)["operator"] as? String == "opb")
        // A change through a session must carry the session's form key (cross-site requests).
        let cookies = folder.path("cookies.txt")
        _ = try runProcess(
            URL(fileURLWithPath: "/usr/bin/curl"), ["-s", "-c", cookies, "-X", "POST", "--data", "token=\(alpha)", server.url + "/login"])
        let page = try runProcess(URL(fileURLWithPath: "/usr/bin/curl"), ["-s", "-b", cookies, server.url + "/"]).stdout
        let formKey = try #require(page.range(of: "data-form-key=\"").map { page[$0.upperBound...].prefix { $0 != "\"" } })
        let day2 = folder.path("in/opa/2025-03-02.csv")
        let withoutKey = try runProcess(
            URL(fileURLWithPath: "/usr/bin/curl"),
            ["-s", "-o", "/dev/null", "-w", "%{http_code}", "-b", cookies, "-X", "PUT", "--data-binary", "@" + day2,
             server.url + "/v1/archives/2025-03-02.csv"])
        #expect(withoutKey.stdout == "403")
        let withKey = try runProcess(
            URL(fileURLWithPath: "/usr/bin/curl"),
            ["-s", "-o", "/dev/null", "-w", "%{http_code}", "-b", cookies, "-H", "X-H2fleet-Form: \(formKey)", "-X", "PUT",
             "--data-binary", "@" + day2, server.url + "/v1/archives/2025-03-02.csv"])
        #expect(withKey.stdout == "201")
        for day in 3...4 {
            #expect(try server.request("PUT", "/v1/archives/2025-03-0\(day).csv", token: alpha, file: folder.path("in/opa/2025-03-0\(day).csv")).status == 201)
            #expect(try server.request("PUT", "/v1/archives/2025-03-0\(day).csv", token: beta, file: folder.path("in/opb/2025-03-0\(day).csv")).status == 201)
        }
        for day in 1...2 {
            #expect(try server.request("PUT", "/v1/archives/2025-03-0\(day).csv", token: beta, file: folder.path("in/opb/2025-03-0\(day).csv")).status == 201)
        }

        // Isolation: an operator lists and reads only its own; another's archive is 404.
        let mine = try JSONSerialization.jsonObject(with: Data(try server.request("GET", "/v1/archives", token: alpha).body.utf8)) as? [[String: Any]]
        #expect(mine?.count == 5 && mine?.allSatisfy { $0["operator"] as? String == "opa" } == true)
        #expect(try server.request("GET", "/v1/archives/\(sha)", token: beta).status == 404)
        #expect(try server.request("GET", "/v1/archives?operator=opa", token: beta).status == 403)
        #expect(try server.request("DELETE", "/v1/archives/\(sha)", token: beta).status == 404)
        let all = try JSONSerialization.jsonObject(with: Data(try server.request("GET", "/v1/archives", token: regulator).body.utf8)) as? [[String: Any]]
        #expect(all?.count == 10)
        #expect(try server.request("GET", "/v1/archives/\(sha)", token: regulator).status == 200)
        #expect(try server.request("GET", "/v1/report?year=2025", token: alpha).status == 403)
        #expect(try server.request("GET", "/v1/report?year=1999", token: regulator).status == 400)
        #expect(try server.request("GET", "/v1/report?year=2025&through=2024-12-31", token: regulator).status == 400)

        // The report over HTTP equals h2fleet report on the same ledger, while the service runs.
        let served = try server.request("GET", "/v1/report?year=2025", token: regulator)
        let command = try runH2fleet(
            ["report", "--ledger", "ledger", "--registry", "registry.csv", "--policy", "policy.toml", "--year", "2025", "--format", "json"],
            in: folder.url)
        #expect(served.status == 200 && served.body == command.stdout)
        let through = try server.request("GET", "/v1/report?year=2025&through=2025-03-02", token: regulator)
        let throughCommand = try runH2fleet(
            ["report", "--ledger", "ledger", "--registry", "registry.csv", "--policy", "policy.toml", "--year", "2025",
             "--through", "2025-03-02", "--format", "json"], in: folder.url)
        #expect(through.body == throughCommand.stdout)
        let vehicles = try server.json(try server.request("GET", "/v1/vehicles?year=2025", token: alpha).body)
        #expect((vehicles["vehicles"] as? [[String: Any]])?.map { $0["vin"] as? String } == ["LFCTEST0000000001", "LFCTEST0000000002"])
        #expect((vehicles["operator"] as? [String: Any])?["operator"] as? String == "opa")

        // Withdrawal by its operator; then revocation: the token stops working at once.
        // The same bytes under a name of another kind are another source (SPEC 10.1), beta's.
        let otherKind = try server.request("PUT", "/v1/archives/2025-03-01.gbt32960", token: beta, file: day1)
        #expect(otherKind.status == 201)
        let withdrawn = try server.request("DELETE", "/v1/archives/\(sha)", token: alpha)
        #expect(withdrawn.status == 200)
        #expect(try server.json(withdrawn.body)["withdrawn"] as? Bool == true)
        let twice = try server.request("DELETE", "/v1/archives/\(sha)", token: alpha)
        #expect(twice.status == 200)
        #expect(try server.json(twice.body)["withdrawn"] as? Bool == true)
        // Only alpha's source was withdrawn: beta's, of the same bytes, still counts.
        #expect(try server.json(try server.request("GET", "/v1/archives/\(sha)", token: beta).body)["withdrawn"] as? Bool == false)
        // Malformed parameters and unknown routes are JSON errors; a login from another site is refused.
        #expect(try server.request("GET", "/v1/archives?operator=", token: regulator).status == 400)
        #expect(try server.request("GET", "/v1/report?year=+2025", token: regulator).status == 400)
        let unknown = try server.request("POST", "/v1/nothing", token: regulator)
        #expect(unknown.status == 404)
        #expect(try server.json(unknown.body)["error"] as? String == "not_found")
        #expect(try server.request("POST", "/login", headers: ["Sec-Fetch-Site: cross-site"]).status == 403)
        #expect(try server.request("POST", "/login", headers: ["Origin: http://elsewhere.example"]).status == 403)
        #expect(try runH2fleet(["token", "revoke", "--ledger", "ledger", "--id", "1"], in: folder.url).status == 0)
        #expect(try server.request("GET", "/v1/archives", token: alpha).status == 401)
        #expect(try runH2fleet(["token", "revoke", "--ledger", "ledger", "--id", "99"], in: folder.url).status == 2)
        // One log line per request, never a token.
        let log = try String(contentsOfFile: folder.path("serve.log"), encoding: .utf8)
        #expect(log.contains("status=201") && log.contains("operator=opa") && !log.contains(alpha) && !log.contains(regulator))
    }

    @Test("a server killed mid-upload shows nothing half-stored, and the same upload then succeeds (SPEC 11.4)")
    func killedMidUpload() throws {
        let folder = Self.folder()
        defer { folder.remove() }
        let alpha = try Self.token(folder, ["--operator", "opa"])
        let server = try TestServer(folder)
        let day1 = folder.path("in/opa/2025-03-01.csv")
        // A slow upload, cut by killing the server.
        let slow = Process()
        slow.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        slow.arguments = ["-s", "-X", "PUT", "--limit-rate", "20k", "-H", "Authorization: Bearer \(alpha)", "--data-binary", "@" + day1,
                          server.url + "/v1/archives/2025-03-01.csv"]
        slow.standardOutput = FileHandle.nullDevice
        slow.standardError = FileHandle.nullDevice
        try slow.run()
        usleep(700_000)
        let incoming = try FileManager.default.contentsOfDirectory(atPath: folder.path("ledger/archives/incoming"))
        #expect(incoming.count == 1)  // the body is being written to disk as it arrives
        server.stop(signal: SIGKILL)
        slow.waitUntilExit()
        let again = try TestServer(folder)
        defer { again.stop() }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path("ledger/archives/incoming")).isEmpty)
        #expect(try again.request("GET", "/v1/archives", token: alpha).body.trimmingCharacters(in: .whitespacesAndNewlines) == "[]")
        #expect(try again.request("PUT", "/v1/archives/2025-03-01.csv", token: alpha, file: day1).status == 201)
    }

    @Test("concurrent uploads by several operators all land, and the figures equal subsidy on the same files")
    func concurrentUploads() throws {
        let folder = Self.folder()
        defer { folder.remove() }
        var files: [(owner: String, name: String, path: String)] = []
        for owner in ["opa", "opb"] {
            for day in 1...4 { files.append((owner, "2025-03-0\(day).csv", folder.path("in/\(owner)/2025-03-0\(day).csv"))) }
        }
        // 48 more small files, one vehicle-hour each, spread over later days.
        for index in 0..<48 {
            let owner = index % 2 == 0 ? "opa" : "opb"
            let vin = owner == "opa" ? "LFCTEST0000000002" : "LFCTEST0000000003"
            let day = 10 + index / 2
            var text = "vin,ts,odometer_km,fc_current_a\n"
            for step in 0..<60 {
                text += "\(vin),2025-03-\(day)T09:\(String(format: "%02d", step)):00+08:00,\(5000 + day * 10).\(step % 10),30.0\n"
            }
            let name = "extra-\(index).csv"
            files.append((owner, name, folder.write("in/\(owner)/\(name)", text)))
        }
        let uploads = files
        let tokens = ["opa": try Self.token(folder, ["--operator", "opa"]), "opb": try Self.token(folder, ["--operator", "opb"])]
        let server = try TestServer(folder)
        defer { server.stop() }
        let statuses = DispatchQueue.concurrentPerform56(files.count) { index in
            let file = uploads[index]
            return (try? server.request("PUT", "/v1/archives/\(file.name)", token: tokens[file.owner]!, file: file.path).status) ?? 0
        }
        #expect(statuses.allSatisfy { $0 == 201 }, "\(statuses)")
        let report = try runH2fleet(
            ["report", "--ledger", "ledger", "--registry", "registry.csv", "--policy", "policy.toml", "--year", "2025", "--out", "r"],
            in: folder.url)
        let subsidy = try runH2fleet(
            ["subsidy", "--registry", "registry.csv", "--policy", "policy.toml", "--year", "2025", "--out", "s", "in/opa", "in/opb"],
            in: folder.url)
        #expect(report.status == 0 && subsidy.status == 0)
        for name in ["vehicles.csv", "operators.csv"] {
            #expect(try String(contentsOfFile: folder.path("r/\(name)"), encoding: .utf8)
                == String(contentsOfFile: folder.path("s/\(name)"), encoding: .utf8))
        }
    }

    @Test("a body without Content-Length is refused once it passes the limit, having read little more (413)")
    func chunkedTooLarge() throws {
        let folder = Self.folder()
        defer { folder.remove() }
        let alpha = try Self.token(folder, ["--operator", "opa"])
        let server = try TestServer(folder, maxUploadMib: 1)
        defer { server.stop() }
        let port = try #require(UInt16(server.url.split(separator: ":").last!))
        // A Content-Length above the limit: refused at once, before any byte of the body is sent.
        let declared = try Self.connect(port, timeout: SO_RCVTIMEO)
        defer { close(declared) }
        let headers = "PUT /v1/archives/big.csv HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(alpha)\r\n"
            + "Content-Length: 10737418240\r\n\r\n"
        _ = headers.withCString { send(declared, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
        var early: [UInt8] = []
        var piece = [UInt8](repeating: 0, count: 4096)
        var last = 0
        repeat {
            last = recv(declared, &piece, piece.count, 0)
            early += piece.prefix(max(0, last))
        } while last > 0
        #expect(String(decoding: early, as: UTF8.self).hasPrefix("HTTP/1.1 413"))
        #expect(String(decoding: early, as: UTF8.self).contains("too_large"))
        #expect(last == 0, "the connection is closed, not left waiting for the body")

        let socket = try Self.connect(port, timeout: SO_SNDTIMEO)
        defer { close(socket) }
        let head = "PUT /v1/archives/big.csv HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(alpha)\r\n"
            + "Transfer-Encoding: chunked\r\n\r\n"
        _ = head.withCString { send(socket, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
        // Offer 256 MiB in 64 KiB chunks; the server must stop reading soon after 1 MiB.
        let chunk = Array("10000\r\n".utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: 65536) + Array("\r\n".utf8)
        var sent = 0
        while sent < 256 << 20 {
            let count = chunk.withUnsafeBytes { send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if count <= 0 { break }
            sent += count
        }
        #expect(sent < 64 << 20, "the server went on reading: \(sent) bytes sent")
        var answer = [UInt8](repeating: 0, count: 4096)
        let received = recv(socket, &answer, answer.count, 0)
        let text = String(decoding: answer.prefix(max(0, received)), as: UTF8.self)
        #expect(text.hasPrefix("HTTP/1.1 413") && text.contains("too_large"), "\(text)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path("ledger/archives/incoming")).isEmpty)
    }

    @Test("SIGTERM lets an upload in flight finish, then the service exits 0")
    func terminated() throws {
        let folder = Self.folder()
        defer { folder.remove() }
        let alpha = try Self.token(folder, ["--operator", "opa"])
        let server = try TestServer(folder)
        let slow = Process()
        let output = Pipe()
        slow.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        slow.arguments = [
            "-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "PUT", "--limit-rate", "40k", "-H", "Authorization: Bearer \(alpha)",
            "--data-binary", "@" + folder.path("in/opa/2025-03-01.csv"), server.url + "/v1/archives/2025-03-01.csv",
        ]
        slow.standardOutput = output
        try slow.run()
        usleep(500_000)
        server.stop(signal: SIGTERM)
        slow.waitUntilExit()
        #expect(server.process.terminationStatus == 0)
        #expect(String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) == "201")
        let again = try TestServer(folder)
        defer { again.stop() }
        let listed = try JSONSerialization.jsonObject(with: Data(try again.request("GET", "/v1/archives", token: alpha).body.utf8)) as? [[String: Any]]
        #expect(listed?.count == 1)
    }

    @Test("the pages in headless Chromium: log in, upload two files, receipts, inert names, no outside resource (SPEC 11.3)")
    func pagesInBrowser() throws {
        let screenshots = TemporaryFolder()
        defer { screenshots.remove() }
        let (status, text) = try Self.runCheck(
            ["python3", "tools/browser-check.py"], environment: ["SCREENSHOT_DIR": screenshots.url.path])
        #expect(status == 0, "\(text)")
        for name in ["service-operator.png", "service-regulator.png", "service-report.png"] {
            #expect(FileManager.default.fileExists(atPath: screenshots.path(name)), "no screenshot \(name)")
        }
    }

    @Test("the API answers as docs/openapi.yaml says: no 5xx, every answer matching it (schemathesis)")
    func openAPI() throws {
        let (status, text) = try Self.runCheck(["tools/api-check.sh"])
        #expect(status == 0, "\(text.suffix(6000))")
        #expect(text.contains("api-check: passed"))
    }

    @Test("the same bytes sent at once by two operators: one stores them, the other gets 409; nothing else moves")
    func racingDuplicates() throws {
        let folder = Self.folder()
        defer { folder.remove() }
        let tokens = ["opa": try Self.token(folder, ["--operator", "opa"]), "opb": try Self.token(folder, ["--operator", "opb"])]
        let regulator = try Self.token(folder, ["--regulator"])
        let server = try TestServer(folder)
        defer { server.stop() }
        // VINs nobody registered: both may send them; only the first counts.
        let files = (0..<6).map { folder.write("in/free/2025-04-0\($0 + 1).csv", Self.csv(day: 1, vins: ["LFCTEST00000009\($0)\($0)"])) }
        let jobs = files.flatMap { file in ["opa", "opb"].map { (file, $0) } }
        let statuses = DispatchQueue.concurrentPerform56(jobs.count) { index in
            let (file, owner) = jobs[index]
            let name = (owner == "opa" ? "a-" : "b-") + URL(fileURLWithPath: file).lastPathComponent
            return (try? server.request("PUT", "/v1/archives/\(name)", token: tokens[owner]!, file: file).status) ?? 0
        }
        for pair in stride(from: 0, to: jobs.count, by: 2) {
            #expect(Set([statuses[pair], statuses[pair + 1]]) == [201, 409], "\(statuses)")
        }
        let all = try #require(
            try JSONSerialization.jsonObject(with: Data(try server.request("GET", "/v1/archives", token: regulator).body.utf8))
                as? [[String: Any]])
        #expect(all.count == files.count)
        // Each receipt keeps its sender's name: a duplicate never rewrites it.
        for receipt in all {
            let prefix = receipt["operator"] as? String == "opa" ? "a-" : "b-"
            #expect((receipt["name"] as? String)?.hasPrefix(prefix) == true, "\(receipt)")
            #expect((receipt["received_at"] as? String)?.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"#, options: .regularExpression) != nil)
        }
        // Newest first, then by SHA-256.
        let order: [String] = all.map { ($0["received_at"] as? String ?? "") + " " + ($0["archive"] as? String ?? "") }
        let expected: [String] = order.sorted { (a: String, b: String) -> Bool in
            let (timeA, timeB) = (a.prefix(20), b.prefix(20))
            return timeA != timeB ? timeA > timeB : a < b
        }
        #expect(order == expected)
        // The regulator filters by operator, and may withdraw anyone's.
        let opa = try JSONSerialization.jsonObject(
            with: Data(try server.request("GET", "/v1/archives?operator=opa", token: regulator).body.utf8)) as? [[String: Any]]
        #expect(opa?.allSatisfy { $0["operator"] as? String == "opa" } == true)
        let first = try #require(all.first?["archive"] as? String)
        let withdrawn = try server.request("DELETE", "/v1/archives/\(first)", token: regulator)
        #expect(withdrawn.status == 200)
        #expect(try server.json(withdrawn.body)["withdrawn"] as? Bool == true)
    }

    /// Runs a check script of `tools/` on the `h2fleet` under test.
    static func runCheck(_ command: [String], environment: [String: String] = [:]) throws -> (Int32, String) {
        try runCheckScript(command, environment: environment)
    }

    /// A TCP connection to 127.0.0.1:`port` whose receiving or sending (`timeout`:
    /// `SO_RCVTIMEO` or `SO_SNDTIMEO`) gives up after 5 s.
    static func connect(_ port: UInt16, timeout: Int32) throws -> Int32 {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw ServiceTestError("cannot connect to port \(port)") }
        var wait = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, timeout, &wait, socklen_t(MemoryLayout<timeval>.size))
        return socket
    }
}

extension DispatchQueue {
    /// Runs `body` for `0..<count` on up to 56 threads at once (each waits on a curl), results in order.
    static func concurrentPerform56(_ count: Int, _ body: @escaping @Sendable (Int) -> Int) -> [Int] {
        let results = UnsafeMutableBufferPointer<Int>.allocate(capacity: count)
        defer { results.deallocate() }
        let group = DispatchGroup()
        let queue = DispatchQueue(label: "uploads", attributes: .concurrent)
        nonisolated(unsafe) let slots = results
        for index in 0..<count {
            queue.async(group: group) { slots[index] = body(index) }
        }
        group.wait()
        return Array(results)
    }
}
