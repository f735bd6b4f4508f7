import Frames
import Subsidy

extension Report {
    /// The summary table printed by `h2fleet subsidy` (SPEC 7): inputs, operators, totals.
    /// Text from input files has control characters escaped so it cannot act on a terminal.
    public func table() -> String {
        let totals = self.totals
        let allRejections = rejections
        let failed = files.filter { $0.error != nil }
        let period = through.map { "year to date through \(CivilTime.dateText(day: $0))" } ?? "year \(year)"
        var out = "h2fleet \(engineVersion) — policy \(policyId), \(period), rules \(rulesVersion)\n"
        out +=
            "Inputs: \(files.count) file\(files.count == 1 ? "" : "s") (\(failed.count) failed), "
            + "\(frames) frames, \(allRejections.total) rejected rows, "
            + "\(exactDuplicates) exact and \(conflictingDuplicates) conflicting duplicates\n"
        for file in failed {
            out += "  FAILED \(TerminalText.escaped(file.path)): \(TerminalText.escaped(file.error ?? ""))\n"
        }
        if !skipped.isEmpty { out += "  \(SkippedFiles.summary(skipped))\n" }
        let reasons = RejectionReasonSummary.describe(allRejections)
        if !reasons.isEmpty { out += "  rejected rows: \(reasons)\n" }
        out += "\n"
        var rows: [[String]] = [["operator", "vehicles", "hydrogen km", "average km", "eligible", "subsidy yuan"]]
        for entry in outcome.operators {
            rows.append([
                TerminalText.escaped(entry.id), String(entry.vehicles), Units.km(entry.hydrogen),
                Units.km(entry.averageTenths), entry.eligible ? "yes" : "no", Units.yuan(entry.subsidyFen),
            ])
        }
        let unregistered = outcome.vehicles.filter { $0.registration == nil }
        if !unregistered.isEmpty {
            let hydrogen = unregistered.reduce(Int64(0)) { $0 + $1.figures.hydrogen }
            rows.append(["(unregistered)", String(unregistered.count), Units.km(hydrogen), "", "", Units.yuan(0)])
        }
        rows.append([
            "TOTAL", String(totals.vehicles), Units.km(totals.hydrogen), "", "", Units.yuan(totals.subsidyFen),
        ])
        out += TextTable.render(rows, ruleBeforeLast: true)
        let statuses = Dictionary(grouping: outcome.vehicles, by: \.status.rawValue).mapValues(\.count)
        out +=
            "\nVehicles: "
            + ["paid", "capped", "operator_ineligible", "unregistered"]
            .map { "\(statuses[$0] ?? 0) \($0)" }.joined(separator: ", ") + "\n"
        if !warnings.isEmpty {
            out += "\nWarnings:\n"
            for warning in warnings { out += "  ! " + warning.line + "\n" }
        }
        return out
    }
}

extension ReportWarning {
    /// The warning on one line of terminal text: code, path, message, control characters escaped.
    public var line: String {
        TerminalText.escaped("\(code.rawValue)\(path.map { " \($0)" } ?? ""): \(message)")
    }
}

enum RejectionReasonSummary {
    static func describe(_ tally: RejectionTally) -> String {
        RejectionReason.allCases.filter { tally.counts[$0.rawValue] > 0 }
            .map { "\(tally.counts[$0.rawValue]) \($0.name)" }.joined(separator: ", ")
    }
}

/// Makes input text safe to print on a terminal or to open from a CSV file: control characters
/// and escape sequences are shown as `\xNN` instead of acting.
public enum TerminalText {
    /// `text` made inert (SPEC 7.2): each character U+0000–U+001F, U+007F–U+009F as `\xNN`
    /// (upper-case hex) and a backslash as `\\`, so that it cannot move a terminal's cursor, set
    /// its title or ring its bell. Used for terminal output and for input text in CSV files.
    public static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            if scalar == "\\" {
                out += "\\\\"
            } else if needsEscape(scalar) {
                let hex = String(scalar.value, radix: 16, uppercase: true)
                out += "\\x" + (hex.count < 2 ? "0" : "") + hex
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    private static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar == "\\"
    }
}
