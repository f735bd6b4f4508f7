import ArgumentParser
import Engine

/// The `h2fleet` command: subcommands only.
struct H2fleet: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "h2fleet",
        abstract: "Hydrogen fuel-cell vehicle telemetry → hydrogen mileage → operator subsidies.",
        discussion: """
            h2fleet reads fuel-cell vehicle telemetry archives (CSV or GB/T 32960 frame captures, \
            optionally zstd- or gzip-compressed), measures each vehicle's distance driven on \
            hydrogen in a year, and computes each operator's subsidy under a policy, exact to the \
            fen: at once (subsidy), or from a ledger that reads each archive once as it arrives \
            (ingest, report). The rules are in docs/SPEC.md (rules version h2-mileage/2).

            Exit status: 0 success; 2 bad usage, bad policy, bad registry or unwritable outputs; \
            3 finished, but at least one input failed (reports still written, failures named).
            """,
        version: "h2fleet \(engineVersion), rules \(rulesVersion) (docs/SPEC.md)",
        subcommands: [
            SubsidyCommand.self, CheckCommand.self, ExplainCommand.self, IngestCommand.self, ReportCommand.self,
            ServeCommand.self, TokenCommand.self,
        ]
    )
}
