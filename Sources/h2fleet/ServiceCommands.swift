import ArgumentParser
import Foundation
import Ledger
import Rules
import Service

/// `h2fleet serve`: the upload service over a ledger (SPEC 11).
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve operators' uploads into a ledger over HTTP, with receipts and the year's report (SPEC 11).",
        discussion: """
            Operators upload archives with PUT /v1/archives/NAME (Authorization: Bearer TOKEN) \
            or from the pages at /; the regulator reads every upload and GET /v1/report. Tokens \
            are made with h2fleet token create. Prints the address it listens on, then one log \
            line per request on standard error. SIGTERM or SIGINT stops it: it stops accepting \
            and finishes the requests in flight.
            """
    )

    @Option(help: ArgumentHelp("The ledger directory (made when missing).", valueName: "dir"))
    var ledger: String

    @Option(help: ArgumentHelp("Vehicle registry CSV: whose vehicles each operator may upload.", valueName: "file"))
    var registry: String

    @Option(help: ArgumentHelp(RulesOptions.registryEncodingHelp, valueName: "encoding"))
    var registryEncoding: RegistryEncoding = .utf8

    @Option(help: ArgumentHelp("Policy TOML file (default: the built-in Daxing 2022 policy).", valueName: "file"))
    var policy: String?

    @Option(help: ArgumentHelp("The address to listen on.", valueName: "host"))
    var host = "127.0.0.1"

    @Option(help: ArgumentHelp("The port to listen on (0: a free one, printed).", valueName: "port"))
    var port = 8032

    @Option(help: ArgumentHelp("The largest upload accepted, in MiB.", valueName: "mib"))
    var maxUploadMib: Int64 = 2048

    @Option(help: ArgumentHelp("Threads decoding uploads and building reports (default: the number of processors).", valueName: "n"))
    var threads: Int?

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0 to 65535") }
        guard (1...(1 << 20)).contains(maxUploadMib) else {
            throw ValidationError("--max-upload-mib must be 1 to 1048576 (1 TiB)")
        }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    func run() async throws {
        try await serve()
    }

    /// Serves until stopped (`main` calls it: argument parsing alone does not await).
    func serve() async throws {
        let configuration = ServiceConfiguration(
            ledgerDirectory: ledger, registryPath: registry, registryEncoding: registryEncoding,
            policyPath: policy, host: host, port: port, maxUploadBytes: maxUploadMib << 20,
            threads: threads ?? ProcessInfo.processInfo.activeProcessorCount)
        try await UploadService.run(configuration) { address in
            // Unbuffered: whoever started the service learns the port at once.
            FileHandle.standardOutput.write(Data("h2fleet serve: listening on \(address)\n".utf8))
        }
    }
}

/// `h2fleet token`: tokens of the upload service (SPEC 11.1).
struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Make, list and revoke the upload service's tokens (SPEC 11.1).",
        subcommands: [Create.self, List.self, Revoke.self]
    )

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a new token (only its SHA-256 is kept: note it now).")

        @Option(help: ArgumentHelp("The ledger directory (made when missing).", valueName: "dir"))
        var ledger: String
        @Option(help: ArgumentHelp("A token for this operator.", valueName: "id"))
        var `operator`: String?
        @Flag(help: "A token for the regulator.")
        var regulator = false

        func validate() throws {
            guard (self.operator != nil) != regulator else { throw ValidationError("give --operator ID or --regulator") }
        }

        func run() throws {
            let ledger = try Ledger(directory: self.ledger, policy: nil, create: true)
            print(try ledger.createToken(operatorId: self.operator).token)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List tokens: id, role, operator, creation time (tab-separated; never a token).")
        @Option(help: ArgumentHelp("The ledger directory.", valueName: "dir"))
        var ledger: String

        func run() throws {
            for token in try Ledger(directory: ledger, policy: nil, create: false).tokens() {
                var fields = [String(token.id), token.role, token.operatorId ?? "", token.createdAt]
                if let revoked = token.revokedAt { fields.append("revoked \(revoked)") }
                print(fields.joined(separator: "\t"))
            }
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a token at once, with its sessions.")
        @Option(help: ArgumentHelp("The ledger directory.", valueName: "dir"))
        var ledger: String
        @Option(help: ArgumentHelp("The token's id (see token list).", valueName: "n"))
        var id: Int64

        func run() throws {
            try Ledger(directory: ledger, policy: nil, create: false).revokeToken(id: id)
            print("revoked token \(id)")
        }
    }
}
