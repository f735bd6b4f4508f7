import ArgumentParser
import Engine
import Foundation
import Reports
import Rules

/// `h2fleet check`: operators check their archives before they upload them.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check telemetry archives before upload: what the regulator will read, reject and not pay.",
        discussion: """
            Needs no registry and no policy: the built-in Daxing 2022 policy's telemetry rules apply \
            (gaps over 300 s, speed over 120 km/h, fuel cell on from 1.0 A, times in +08:00) unless \
            --policy gives another.

            Per file: whether it can be read, frames, rejected rows by reason with line numbers, \
            vehicles and time range. Per vehicle: days with data, hydrogen, battery and excluded \
            distance, rollbacks, duplicates, and warnings in plain words, e.g. \
            "3 gaps longer than 300 s on 2025-03-04 lost 38.2 km".

            Exit status: 0 every file can be read; 3 at least one cannot (it is named); 2 bad usage \
            or policy.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    @Option(help: ArgumentHelp("Policy TOML file whose telemetry rules apply (default: built-in).", valueName: "file"))
    var policy: String?

    @Option(
        help: ArgumentHelp(
            "Vehicle registry CSV: also flag VINs that are not registered or belong to another operator, "
                + "and give the operator's fleet average against the policy's threshold.",
            valueName: "file"))
    var registry: String?

    @Option(help: ArgumentHelp(RulesOptions.registryEncodingHelp, valueName: "encoding"))
    var registryEncoding: RegistryEncoding = .utf8

    @Option(
        name: .customLong("operator"),
        help: ArgumentHelp(
            "Whose files these are, with --registry (default: the one operator whose vehicles they hold).",
            valueName: "id"))
    var operatorId: String?

    @Option(help: "What to print: text (for people) or json (schema h2fleet.check/1).")
    var format: Format = .text

    @OptionGroup var memory: MemoryOptions

    @OptionGroup var language: LanguageOptions

    @OptionGroup var input: InputOptions

    func run() throws {
        InterruptCleanup.install()
        let settings = RunSettings(
            threads: input.threadCount, memoryLimit: memory.bytes, spillDirectory: memory.tempDir)
        let report = try CheckRun.run(
            inputs: input.inputs, policyPath: policy, registry: registry.map { ($0, registryEncoding) },
            operatorId: operatorId, settings: settings)
        let text = format == .json ? report.json() : report.text(language: language.language)
        FileHandle.standardOutput.write(Data(text.utf8))
        if report.hasFailedInputs { throw ExitCode(3) }
    }
}
