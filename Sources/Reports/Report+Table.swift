import Frames
import Subsidy

extension Report {
    /// The summary table printed by `h2fleet subsidy` (SPEC 7): inputs, operators, totals, in
    /// `language`. Text from input files has control characters escaped so it cannot act on a
    /// terminal.
    public func table(language: Language = .en) -> String {
        let say = language.pick
        let totals = self.totals
        let allRejections = rejections
        let failed = files.filter { $0.error != nil }
        let period =
            through.map { say("year to date through \(CivilTime.dateText(day: $0))", "\(year) 年初至 \(CivilTime.dateText(day: $0))") }
            ?? say("year \(year)", "\(year) 年度")
        var out = say(
            "h2fleet \(engineVersion) — policy \(policyId), \(period), rules \(rulesVersion)\n",
            "h2fleet \(engineVersion) — 政策 \(policyId)，\(period)，规则 \(rulesVersion)\n")
        out += say(
            "Inputs: \(files.count) file\(files.count == 1 ? "" : "s") (\(failed.count) failed), "
                + "\(frames) frames, \(allRejections.total) rejected rows, "
                + "\(exactDuplicates) exact and \(conflictingDuplicates) conflicting duplicates\n",
            "输入：\(files.count) 个文件（\(failed.count) 个失败），\(frames) 帧，\(allRejections.total) 行被拒收，"
                + "完全重复 \(exactDuplicates) 帧，冲突重复 \(conflictingDuplicates) 帧\n")
        for file in failed {
            out += "  \(say("FAILED", "失败")) \(TerminalText.escaped(file.path)): \(TerminalText.escaped(file.error ?? ""))\n"
        }
        if !skipped.isEmpty { out += "  \(SkippedFiles.summary(skipped, language: language))\n" }
        let reasons = RejectionReasonSummary.describe(allRejections)
        if !reasons.isEmpty { out += "  \(say("rejected rows", "拒收行")): \(reasons)\n" }
        out += "\n"
        var rows: [[String]] = [
            language == .zh
                ? ["运营单位", "车辆", "氢能公里", "平均公里", "达标", "补贴（元）", "名称"]
                : ["operator", "vehicles", "hydrogen km", "average km", "eligible", "subsidy yuan", "name"]
        ]
        for entry in outcome.operators {
            rows.append([
                TerminalText.escaped(entry.id), String(entry.vehicles), Units.km(entry.hydrogen),
                Units.km(entry.averageTenths), language.yesNo(entry.eligible), Units.yuan(entry.subsidyFen),
                TerminalText.escaped(entry.name ?? ""),
            ])
        }
        let unregistered = outcome.vehicles.filter { $0.registration == nil }
        if !unregistered.isEmpty {
            let hydrogen = unregistered.reduce(Int64(0)) { $0 + $1.figures.hydrogen }
            rows.append([say("(unregistered)", "（未登记）"), String(unregistered.count), Units.km(hydrogen), "", "", Units.yuan(0), ""])
        }
        rows.append([
            say("TOTAL", "合计"), String(totals.vehicles), Units.km(totals.hydrogen), "", "", Units.yuan(totals.subsidyFen), "",
        ])
        out += TextTable.render(rows, textColumns: [0, 6], ruleBeforeLast: true)
        let statuses = Dictionary(grouping: outcome.vehicles, by: \.status).mapValues(\.count)
        out +=
            "\n" + say("Vehicles: ", "车辆：")
            + VehicleStatus.allCases.map { "\(statuses[$0] ?? 0) \($0.name(in: language))" }
            .joined(separator: say(", ", "，")) + "\n"
        if !warnings.isEmpty {
            out += "\n" + say("Warnings:", "提示：") + "\n"
            for warning in warnings { out += "  ! " + warning.line(in: language) + "\n" }
        }
        return out
    }
}

extension VehicleStatus {
    /// The status in words: its code in English, a phrase in Chinese.
    public func name(in language: Language) -> String {
        switch self {
        case .paid: language.pick(rawValue, "已补贴")
        case .capped: language.pick(rawValue, "达到上限")
        case .operatorIneligible: language.pick(rawValue, "运营单位未达标")
        case .unregistered: language.pick(rawValue, "未登记")
        }
    }
}

extension ReportWarning {
    /// The warning on one line of terminal text: code, path, message, control characters escaped.
    public func line(in language: Language = .en) -> String {
        TerminalText.escaped("\(code.rawValue)\(path.map { " \($0)" } ?? ""): \(message(in: language))")
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
