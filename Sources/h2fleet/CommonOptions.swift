import ArgumentParser
import Engine
import Foundation
import Reports
import Rules

extension Language: ExpressibleByArgument {}

/// The language of what a person reads; machine outputs do not change with it.
struct LanguageOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Language of the table, messages, HTML, statements and workbook: zh or en "
                + "(default: from LC_ALL, LC_MESSAGES or LANG; zh… gives Chinese).",
            valueName: "zh|en"))
    var lang: Language?

    /// The language asked for, else the environment's.
    var language: Language { lang ?? .fromEnvironment(ProcessInfo.processInfo.environment) }
}

/// Telemetry inputs and worker threads: what every command reads.
struct InputOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Worker threads (default: the number of processors).", valueName: "n"))
    var threads: Int?

    @Argument(help: ArgumentHelp("Telemetry files or directories.", valueName: "input"))
    var inputs: [String] = []

    /// The thread count to use.
    var threadCount: Int { threads ?? ProcessInfo.processInfo.activeProcessorCount }

    func validate() throws {
        try InputOptions.check(inputs, threads: threads, required: true)
    }

    /// Bad usage: no input when one is `required`, fewer than one thread, an input that does
    /// not exist.
    static func check(_ inputs: [String], threads: Int?, required: Bool) throws {
        if inputs.isEmpty && required { throw ValidationError("at least one INPUT (file or directory) is required") }
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

    /// The help of `--registry-encoding`, for every command that takes `--registry`.
    static let registryEncodingHelp =
        "How the registry's bytes are read: gb18030 for a CSV that Excel or WPS saved on Chinese Windows "
        + "(GBK/GB18030)."

    @Option(help: ArgumentHelp(RulesOptions.registryEncodingHelp, valueName: "encoding"))
    var registryEncoding: RegistryEncoding = .utf8

    @Option(help: ArgumentHelp("Report year (one of the policy's programme years).", valueName: "year"))
    var year: Int
}

/// How much memory a run may hold, and where it spills beyond that.
struct MemoryOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Memory budget in MiB for frames held at once: subsidy merges vehicles whose data overlaps in "
                + "time (late or shuffled files) within it, check holds every vehicle's frames within it; "
                + "beyond it they are spilled to --temp-dir and taken in batches.",
            valueName: "MiB"))
    var memoryLimit: Int = RunSettings.defaultMemoryLimit >> 20

    @Option(
        help: ArgumentHelp(
            "Where to make the temporary spill folder when frames exceed --memory-limit "
                + "(removed when the run ends; default $TMPDIR or /tmp).",
            valueName: "dir"))
    var tempDir: String?

    /// The budget in bytes.
    var bytes: Int { memoryLimit << 20 }

    func validate() throws {
        if memoryLimit < 16 { throw ValidationError("--memory-limit must be at least 16 (MiB)") }
    }
}

/// `--registry-encoding utf-8|gb18030`.
extension RegistryEncoding: ExpressibleByArgument {}
