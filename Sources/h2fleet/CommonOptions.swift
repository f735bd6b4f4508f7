import ArgumentParser
import Foundation

/// Telemetry inputs and worker threads: what every command reads.
struct InputOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Worker threads (default: the number of processors).", valueName: "n"))
    var threads: Int?

    @Argument(help: ArgumentHelp("Telemetry files or directories.", valueName: "input"))
    var inputs: [String] = []

    /// The thread count to use.
    var threadCount: Int { threads ?? ProcessInfo.processInfo.activeProcessorCount }

    func validate() throws {
        if inputs.isEmpty { throw ValidationError("at least one INPUT (file or directory) is required") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        for input in inputs where !FileManager.default.fileExists(atPath: input) {
            // A dangling link named directly exists as a link: it is read, and fails as an input.
            let attributes = try? FileManager.default.attributesOfItem(atPath: input)
            if attributes?[.type] as? FileAttributeType != .typeSymbolicLink {
                throw ValidationError("input does not exist: \(input)")
            }
        }
    }
}

/// Policy, registry and year: the rules a subsidy computation is judged by.
struct RulesOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Policy TOML file (default: the built-in Daxing 2022 policy).", valueName: "file"))
    var policy: String?

    @Option(help: ArgumentHelp("Vehicle registry CSV with columns vin, operator, class.", valueName: "file"))
    var registry: String

    @Option(help: ArgumentHelp("Report year (one of the policy's programme years).", valueName: "year"))
    var year: Int
}
