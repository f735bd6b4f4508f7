import ArgumentParser
import Archives
import Engine
import Foundation
import Frames
import Ledger
import Reports
import Rules

/// `h2fleet ingest`: archives into a ledger, each read once (SPEC 10.2).
struct IngestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Store telemetry archives in a ledger, each read once, for reports at any time (SPEC 10).",
        discussion: """
            The first ingest makes the ledger (a directory with ledger.sqlite and archives/) and \
            records the rules version and the policy's timezone and [telemetry] table; a later \
            command whose policy differs in any of them stops with exit 2. Inputs are found as \
            in subsidy. Each new file is stored under archives/ by its SHA-256 and its partial \
            result committed at once; a file already in the ledger is reported as already \
            ingested; a failed file is recorded as failed and tried again when given again.

            --withdraw SHA256 withdraws a source sent by mistake: it stops counting in later \
            reports; its archive stays.

            Exit status: 0 every file ingested or already there; 3 a file failed; 2 bad usage, \
            policy or ledger.
            """
    )

    @Option(help: ArgumentHelp("The ledger directory (made when missing).", valueName: "dir"))
    var ledger: String

    @Option(help: ArgumentHelp("Policy TOML file (default: the built-in Daxing 2022 policy).", valueName: "file"))
    var policy: String?

    @Option(help: ArgumentHelp("Withdraw the source with this SHA-256 instead of ingesting.", valueName: "sha256"))
    var withdraw: String?

    @Option(help: ArgumentHelp("Worker threads (default: the number of processors).", valueName: "n"))
    var threads: Int?

    @Argument(help: ArgumentHelp("Telemetry files or directories.", valueName: "input"))
    var inputs: [String] = []

    func validate() throws {
        if withdraw != nil && !inputs.isEmpty { throw ValidationError("--withdraw takes no INPUT") }
        try InputOptions.check(inputs, threads: threads, required: withdraw == nil)
    }

    func run() throws {
        InterruptCleanup.install()
        if let withdraw {
            // Withdrawing does not judge frames: any policy will do.
            try Ledger(directory: ledger, policy: nil, create: false).withdraw(sha256: withdraw, by: NSUserName())
            print("withdrawn \(withdraw.lowercased())")
            return
        }
        let (policy, _) = try SubsidyRun.loadPolicy(self.policy)
        let ledger = try Ledger(directory: self.ledger, policy: policy, create: true)
        let discovered = try SubsidyRun.discover(inputs)
        let outcomes = try ledger.ingest(
            discovered.files, policy: policy, threads: threads ?? ProcessInfo.processInfo.activeProcessorCount)
        var counts = (new: 0, already: 0, failed: 0)
        for outcome in outcomes {
            let path = TerminalText.escaped(outcome.path)
            switch outcome.status {
            case .new:
                counts.new += 1
                print("new               \(path)")
            case .alreadyIngested:
                counts.already += 1
                print("already ingested  \(path)")
            case .failed(let reason):
                counts.failed += 1
                print("failed: \(TerminalText.escaped(reason))  \(path)")
            }
        }
        print(
            "\(outcomes.count) file\(outcomes.count == 1 ? "" : "s"): \(counts.new) new, \(counts.already) already "
                + "ingested, \(counts.failed) failed; \(discovered.skipped.count) found in directories not read "
                + "(not telemetry, or an archive kind h2fleet does not read)")
        if counts.failed > 0 { throw ExitCode(3) }
    }
}

/// `h2fleet report`: the year's (or year-to-date) report from a ledger (SPEC 10.3).
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "The subsidy report of a year, or of the year to date, from a ledger (SPEC 10.3).",
        discussion: """
            The same report as subsidy on the same files (byte for byte where no two sources \
            share a path), without reading them again: only archives that hold stretches where \
            a vehicle's sources overlap in time are read. --through DATE (YYYY-MM-DD, within the \
            year) leaves out every frame after DATE; eligibility and caps are judged as if the \
            year ended then.

            Exit status: 0 success; 3 a source failed; 2 bad usage, policy, registry or ledger.
            """
    )

    @Option(help: ArgumentHelp("The ledger directory.", valueName: "dir"))
    var ledger: String

    @OptionGroup var rules: RulesOptions

    @Option(help: ArgumentHelp("Year to date: leave out frames after this day (YYYY-MM-DD).", valueName: "date"))
    var through: String?

    @OptionGroup var output: ReportOutputOptions

    @OptionGroup var memory: MemoryOptions

    @Option(help: ArgumentHelp("Worker threads (default: the number of processors).", valueName: "n"))
    var threads: Int?

    /// `--through` as a local day number, checked to lie within the year.
    func throughDay() throws -> Int? {
        guard let through else { return nil }
        guard let day = CivilTime.day(ofDateText: through) else {
            throw ValidationError("--through must be a date YYYY-MM-DD, not '\(through)'")
        }
        guard CivilTime.date(fromDays: day).year == rules.year else {
            throw ValidationError("--through \(through) is not in the report year \(rules.year)")
        }
        return day
    }

    func validate() throws {
        _ = try throughDay()
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
        InterruptCleanup.install()
        let (policy, policySHA) = try SubsidyRun.loadPolicy(rules.policy)
        try SubsidyRun.checkYear(rules.year, of: policy, policyPath: rules.policy)
        let (registry, registrySource) = try SubsidyRun.loadRegistry(
            rules.registry, encoding: rules.registryEncoding, policy: policy)
        let ledger = try Ledger(directory: self.ledger, policy: policy, create: false)
        let sources = try ledger.sources(policy: policy)
        let settings = RunSettings(
            threads: threads ?? ProcessInfo.processInfo.activeProcessorCount, memoryLimit: memory.bytes,
            spillDirectory: memory.tempDir)
        let report = try SubsidyRun.assemble(
            sources: sources, policy: policy, policySHA256: policySHA, registry: registry,
            registrySource: registrySource, year: rules.year, through: try throughDay(),
            builtInPolicy: rules.policy == nil, settings: settings)
        try output.emit(report)
    }
}
