import ArgumentParser
import Engine
import Foundation
import Ledger
import Reports

/// `h2fleet explain`: the evidence for one vehicle, for disputes.
struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Show the evidence for one vehicle's hydrogen distance and subsidy.",
        discussion: """
            Runs the same computation as 'subsidy' on the same inputs, then shows for one VIN: the \
            subsidy arithmetic step by step (operator average, eligibility, rate, floor, cap), \
            its distance by interval class and by month, and its largest excluded intervals (gap, \
            overspeed, next to a rollback, rollback) with both ends' times, odometer readings and \
            source files and lines. This is what a regulator shows an operator who disputes a figure.

            Example:
              h2fleet explain --registry samples/registry.csv --year 2025 --vin LZYHT000000000001 samples/telemetry
              h2fleet explain --ledger ledger --registry samples/registry.csv --year 2025 --vin LZYHT000000000001

            Exit status: 0 success; 2 bad usage, policy, registry, or a VIN with no data; 3 an input \
            file could not be read (the figures exclude it, as 'subsidy' does).
            """
    )

    @OptionGroup var rules: RulesOptions

    @OptionGroup var language: LanguageOptions

    @Option(help: ArgumentHelp("The vehicle to explain.", valueName: "vin"))
    var vin: String

    @Option(help: ArgumentHelp("How many of the largest excluded intervals to show.", valueName: "n"))
    var largest = 10

    @Option(help: ArgumentHelp("Explain from this ledger's archives instead of INPUTs (SPEC 10).", valueName: "dir"))
    var ledger: String?

    @Option(help: ArgumentHelp("Worker threads (default: the number of processors).", valueName: "n"))
    var threads: Int?

    @Argument(help: ArgumentHelp("Telemetry files or directories (none with --ledger).", valueName: "input"))
    var inputs: [String] = []

    func validate() throws {
        if ledger != nil && !inputs.isEmpty { throw ValidationError("give either --ledger or INPUTs, not both") }
        try InputOptions.check(inputs, threads: threads, required: ledger == nil)
    }

    func run() throws {
        let threadCount = threads ?? ProcessInfo.processInfo.activeProcessorCount
        let explanation: Explanation
        if let ledger {
            let (policy, policySHA) = try SubsidyRun.loadPolicy(rules.policy)
            try SubsidyRun.checkYear(rules.year, of: policy, policyPath: rules.policy)
            let vin = try ExplainRun.parse(self.vin)
            let (registry, registrySource) = try SubsidyRun.loadRegistry(
                rules.registry, encoding: rules.registryEncoding, policy: policy)
            let sources = try Ledger(directory: ledger, policy: policy, create: false).sources(policy: policy)
            let report = try SubsidyRun.assemble(
                sources: sources, policy: policy, policySHA256: policySHA, registry: registry,
                registrySource: registrySource, year: rules.year, through: nil, builtInPolicy: rules.policy == nil,
                settings: RunSettings(threads: threadCount))
            explanation = try ExplainRun.explain(
                vin, report: report, files: sources.map(\.file), policy: policy, threads: threadCount)
        } else {
            let request = SubsidyRequest(
                policyPath: rules.policy, registryPath: rules.registry, registryEncoding: rules.registryEncoding,
                year: rules.year, inputs: inputs, threads: threadCount)
            explanation = try ExplainRun.run(request, vin: vin)
        }
        FileHandle.standardOutput.write(Data(explanation.text(largest: largest, language: language.language).utf8))
    }
}
