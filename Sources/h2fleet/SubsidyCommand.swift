import ArgumentParser
import Dispatch
import Engine
import Foundation
import Reports

/// `h2fleet subsidy`: the yearly subsidy run (SPEC 7).
struct SubsidyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "subsidy",
        abstract: "Compute each vehicle's hydrogen mileage and each operator's subsidy for a year.",
        discussion: """
            INPUT is a telemetry file or a directory. Directories are searched recursively \
            for *.csv, *.gbt32960 and *.gbt32960.hex files, each optionally ending in .zst or \
            .gz, in any letter case (names starting with '.' are passed over; links to \
            directories are not followed); other files found there are listed as skipped in \
            report.json. A file named directly is read whatever its name, except archives such \
            as .zip, .7z, .rar, .tar or .xz, which fail. .zst and .gz files are decompressed \
            as they are read. CSV telemetry has the columns vin, ts, odometer_km, fc_current_a \
            (names in any case); ts is Unix epoch seconds or milliseconds (13 digits), RFC 3339, \
            a date-time without offset or the spreadsheet form 2025/3/6 6:16[:SS] (both in the \
            policy's zone).

            The registry is a CSV as spreadsheets save it (quoted fields, header names in any \
            case) with columns vin, operator, class (optional: plate, operator_name); operator \
            is an id such as the unified social credit code, the Chinese name goes in \
            operator_name; class is one of the policy's classes (heavy_truck, light_truck, \
            cold_chain, bus, sanitation in the built-in Daxing 2022 policy, which covers \
            2022-2025 in +08:00). It is read as UTF-8; one that Excel or WPS saved on Chinese \
            Windows is GB18030: add --registry-encoding gb18030. A bad registry or policy stops \
            the run before any telemetry is read, naming every bad line (the first 20) or the \
            field.

            Prints a summary table (or the report with --format). With --out DIR it writes \
            report.json, vehicles.csv, operators.csv and rejections.csv into DIR: every file \
            read with its SHA-256, rejected rows by reason with file and line, and per vehicle \
            the hydrogen, battery and excluded (gap, overspeed, suspect) distance and subsidy.

            Example:
              h2fleet subsidy --registry samples/registry.csv --year 2025 --out out samples/telemetry

            Exit status: 0 success; 2 bad usage, policy, registry or unwritable output; \
            3 finished, but an input file could not be read (the reports name it).
            """
    )


    @OptionGroup var rules: RulesOptions

    @OptionGroup var output: ReportOutputOptions

    @OptionGroup var memory: MemoryOptions

    @Flag(inversion: .prefixedNo, help: "Show a progress bar on standard error when it is a terminal.")
    var progress = true

    @OptionGroup var input: InputOptions

    func run() throws {
        InterruptCleanup.install()
        let bar = progress ? ProgressBar.forTerminal() : nil
        var onProgress: (@Sendable (Engine.Progress) -> Void)?
        if let bar { onProgress = { bar.update($0) } }
        let request = SubsidyRequest(
            policyPath: rules.policy, registryPath: rules.registry, registryEncoding: rules.registryEncoding,
            year: rules.year, inputs: input.inputs,
            threads: input.threadCount, memoryLimit: memory.bytes, spillDirectory: memory.tempDir,
            progress: onProgress)
        let report: Report
        do {
            report = try SubsidyRun.run(request)
            bar?.finish()
        } catch {
            bar?.finish()
            throw error
        }
        try output.emit(report)
    }

}

/// Where a report goes: `--out` and `--format`, for `subsidy` and `report`.
struct ReportOutputOptions: ParsableArguments {
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case table, json, csv
    }

    @Option(
        help: ArgumentHelp(
            "Also write report.json, vehicles.csv, operators.csv, rejections.csv, report.html, report.xlsx and statements/OPERATOR.html here (created if missing).",
            valueName: "dir"))
    var out: String?

    @Option(help: "What to print: table (summary), json (report.json) or csv (vehicles.csv).")
    var format: Format = .table

    @OptionGroup var language: LanguageOptions

    /// Writes the reports into `out`, prints `format` and the warnings, and exits with status 3
    /// when an input failed (SPEC 7): what `subsidy` and `report` do with their report.
    func emit(_ report: Report) throws {
        if let out {
            try OutputWriter.write(report, to: out, language: language.language)
        }
        let text: String
        switch format {
        case .table: text = report.table(language: language.language)
        case .json: text = report.json()
        case .csv: text = report.vehiclesCSV()
        }
        FileHandle.standardOutput.write(Data(text.utf8))
        for warning in report.warnings {
            FileHandle.standardError.write(Data("h2fleet: warning: \(warning.line(in: language.language))\n".utf8))
        }
        if report.hasFailedInputs {
            for file in report.files where file.error != nil {
                let message =
                    "h2fleet: failed input \(TerminalText.escaped(file.path)): \(TerminalText.escaped(file.error ?? ""))\n"
                FileHandle.standardError.write(Data(message.utf8))
            }
            throw ExitCode(3)
        }
    }
}
