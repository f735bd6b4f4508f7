import ArgumentParser
import Engine
import Foundation
import Ledger
import Reports

/// Runs the command and maps every outcome to SPEC 7's exit statuses: 0 success, 2 bad usage
/// or configuration, 3 finished with failed inputs.
do {
    var command = try H2fleet.parseAsRoot()
    if let serve = command as? ServeCommand {
        try await serve.serve()
    } else {
        try command.run()
    }
} catch let code as ExitCode {
    exit(code.rawValue)
} catch {
    let exitCode = H2fleet.exitCode(for: error)
    if exitCode == .success {
        print(H2fleet.fullMessage(for: error))
        exit(0)
    }
    var message = H2fleet.fullMessage(for: error)
    if error is RunError || error is OutputError || error is LedgerError {
        message = "h2fleet: error: \(error)"
        // Paths in ledger and archive messages came from inputs: inert on the terminal (SPEC 7.2).
        // (Policy and registry errors are made inert where they are written.)
        let code = (error as? RunError)?.code
        if error is LedgerError || code == .archiveChanged || code == .inputNotFound {
            message = message.split(separator: "\n", omittingEmptySubsequences: false)
                .map { TerminalText.escaped(String($0)) }.joined(separator: "\n")
        }
    }
    FileHandle.standardError.write(Data((message + "\n").utf8))
    exit(2)
}
