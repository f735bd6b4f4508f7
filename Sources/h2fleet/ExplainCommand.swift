import ArgumentParser
import Engine
import Foundation

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

            Exit status: 0 success; 2 bad usage, policy, registry, or a VIN with no data; 3 an input \
            file could not be read (the figures exclude it, as 'subsidy' does).
            """
    )

    @OptionGroup var rules: RulesOptions

    @Option(help: ArgumentHelp("The vehicle to explain.", valueName: "vin"))
    var vin: String

    @Option(help: ArgumentHelp("How many of the largest excluded intervals to show.", valueName: "n"))
    var largest = 10

    @OptionGroup var input: InputOptions

    func run() throws {
        let request = SubsidyRequest(
            policyPath: rules.policy, registryPath: rules.registry, registryEncoding: rules.registryEncoding,
            year: rules.year, inputs: input.inputs,
            threads: input.threadCount)
        let explanation = try ExplainRun.run(request, vin: vin)
        FileHandle.standardOutput.write(Data(explanation.text(largest: largest).utf8))
    }
}
