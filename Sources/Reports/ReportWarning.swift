import Frames
import Rules

/// Something a person should not miss in a report (SPEC 7.1 `warnings`): printed under the
/// summary table, on standard error, and written in `report.json`.
public struct ReportWarning: Sendable, Equatable {
    /// The codes, a closed list (SPEC 7.1).
    public enum Code: String, Sendable, CaseIterable, Comparable {
        /// The built-in policy's per-km rate is a placeholder.
        case placeholderRate = "placeholder_rate"
        /// The inputs hold frames, none in the report year.
        case noFramesInYear = "no_frames_in_year"
        /// A file with at least one row, every one rejected.
        case everyRowRejected = "every_row_rejected"
        /// Files found in directories that are not read.
        case filesSkipped = "files_skipped"
        /// A directory argument with no telemetry file.
        case emptyDirectory = "empty_directory"
        /// The frames cover only part of the year.
        case partialYear = "partial_year"
        // `check` only (never in report.json):
        /// Two input files with the same bytes under different names (a `- 副本` copy).
        case duplicateFile = "duplicate_file"
        /// VINs with frames that the registry does not list.
        case unregisteredVehicles = "unregistered_vehicles"
        /// VINs with frames that the registry gives to another operator.
        case otherOperatorVehicles = "other_operator_vehicles"
        /// The operator's fleet total and average against the policy's threshold.
        case fleetAverage = "fleet_average"

        /// Codes sort by their text (SPEC 7.1).
        public static func < (a: Code, b: Code) -> Bool { a.rawValue < b.rawValue }
    }

    /// What kind of warning.
    public var code: Code
    /// What happened and what it means, in plain words (English: the text of `report.json`).
    public var message: String
    /// The same in Chinese, for what a person reads with `--lang zh`.
    public var chineseMessage: String
    /// The file or directory it is about, when there is one.
    public var path: String?

    /// Creates a warning, its message in English and in Chinese.
    public init(_ code: Code, _ message: String, zh chineseMessage: String, path: String? = nil) {
        self.code = code
        self.message = message
        self.chineseMessage = chineseMessage
        self.path = path
    }

    /// The message in `language`.
    public func message(in language: Language) -> String {
        language.pick(message, chineseMessage)
    }

    /// Sorted as SPEC 7.1 orders them: by code, then path (none first), by UTF-8 bytes.
    public static func sorted(_ warnings: [ReportWarning]) -> [ReportWarning] {
        warnings.sorted { a, b in
            if a.code != b.code { return a.code < b.code }
            return (a.path ?? "").utf8.lexicographicallyPrecedes((b.path ?? "").utf8)
        }
    }

    /// Warnings about the input files themselves, which `check` gives as well: a file whose
    /// every row was rejected, files skipped in directories, directory arguments with no
    /// telemetry file.
    public static func aboutInputs(
        files: [(path: String, frames: Int, rejections: RejectionTally, failed: Bool)], skipped: [String],
        emptyDirectories: [String]
    ) -> [ReportWarning] {
        var warnings: [ReportWarning] = []
        for file in files where !file.failed && file.frames == 0 && file.rejections.total > 0 {
            // The reason of the first rejected row.
            let first = RejectionReason.allCases.compactMap { reason in
                file.rejections.samples[reason.rawValue].first.map { (reason, $0.position) }
            }.min { $0.1 < $1.1 }
            let count = file.rejections.total
            let reason = first.map { " (\(count == 1 ? "" : "the first, ")at \($0.1): \($0.0.name))" } ?? ""
            let rows = count == 1 ? "its only row was rejected" : "every one of its \(count) rows was rejected"
            let chineseReason = first.map { "（\(count == 1 ? "" : "第一行")在 \($0.1)：\($0.0.name)）" } ?? ""
            warnings.append(
                ReportWarning(
                    .everyRowRejected, "\(rows)\(reason): it adds nothing",
                    zh: "全部 \(count) 行均被拒收\(chineseReason)：此文件不计入任何里程", path: file.path))
        }
        if !skipped.isEmpty {
            let names = skipped.prefix(3).joined(separator: ", ") + (skipped.count > 3 ? ", …" : "")
            warnings.append(
                ReportWarning(
                    .filesSkipped,
                    "\(skipped.count) file\(skipped.count == 1 ? " was" : "s were") not read (not telemetry, "
                        + "or compressed in a way h2fleet does not read): \(names)",
                    zh: "\(skipped.count) 个文件未读取（不是遥测文件，或压缩格式 h2fleet 不能读取）：\(names)"))
        }
        for directory in emptyDirectories {
            warnings.append(
                ReportWarning(.emptyDirectory, "the directory holds no telemetry file", zh: "该目录中没有遥测文件", path: directory))
        }
        return warnings
    }

    /// Files whose bytes equal an earlier file's (by path order): each such file is named with
    /// the first one. Their frames are exact duplicates of each other and count once.
    public static func duplicateFiles(_ files: [(path: String, sha256: String, bytes: Int64)]) -> [ReportWarning] {
        var firstBySHA: [String: String] = [:]
        var warnings: [ReportWarning] = []
        for file in files where !file.sha256.isEmpty && file.bytes > 0 {
            if let first = firstBySHA[file.sha256] {
                warnings.append(
                    ReportWarning(
                        .duplicateFile,
                        "has the same bytes as \(first) (a copy under another name?): its frames count once; "
                            + "upload one of them",
                        zh: "与 \(first) 的内容完全相同（改名的副本？）：其数据只计一次；请只上传其中一个",
                        path: file.path))
            } else {
                firstBySHA[file.sha256] = file.path
            }
        }
        return warnings
    }

    /// The warnings of a subsidy report (SPEC 7.1).
    /// - Parameters:
    ///   - builtInPolicy: whether the run used the built-in policy, whose rates are placeholders.
    ///   - skipped: paths of the files skipped in directories.
    ///   - emptyDirectories: directory arguments with no telemetry file.
    ///   - yearCoverage: the first and last frame time in the year over all vehicles; by default
    ///     from the report's vehicles (a year-to-date report gives the full year's).
    public static func collect(
        _ report: Report, builtInPolicy: Bool, skipped: [String] = [], emptyDirectories: [String] = [],
        yearCoverage: (first: Int64, last: Int64)?? = nil
    ) -> [ReportWarning] {
        var warnings = aboutInputs(
            files: report.files.map { ($0.path, $0.frames, $0.rejections, $0.error != nil) }, skipped: skipped,
            emptyDirectories: emptyDirectories)
        if builtInPolicy {
            warnings.append(
                ReportWarning(
                    .placeholderRate,
                    "the built-in policy's rate of 1.00 yuan per hydrogen km is a placeholder (the source document "
                        + "states caps, not rates): give the programme's policy with --policy before paying",
                    zh: "内置政策的每氢能公里 1.00 元为占位费率（政策原文只规定上限，未规定费率）：发放前请用 --policy 指定正式政策"))
        }
        let zone = report.timezoneOffset
        let inYear = report.outcome.vehicles.filter { $0.figures.frames > 0 }
        let coverage =
            yearCoverage
            ?? inYear.compactMap(\.figures.firstTs).min().flatMap { first in
                inYear.compactMap(\.figures.lastTs).max().map { (first, $0) }
            }
        if let span = report.frameSpan, coverage == nil {
            let first = CivilTime.date(fromDays: CivilTime.localDay(span.lowerBound, offset: zone)).year
            let last = CivilTime.date(fromDays: CivilTime.localDay(span.upperBound, offset: zone)).year
            let years = first == last ? "\(first)" : "\(first) to \(last)"
            warnings.append(
                ReportWarning(
                    .noFramesInYear,
                    "the inputs hold frames of \(years), none of \(report.year): every vehicle has 0 km; "
                        + "check --year",
                    zh: "输入数据属于 \(years) 年，没有 \(report.year) 年的数据：所有车辆均为 0 公里；请检查 --year"))
        }
        if let (first, last) = coverage {
            let firstDay = CivilTime.localDay(first, offset: zone)
            let lastDay = CivilTime.localDay(last, offset: zone)
            let yearStart = CivilTime.days(year: report.year, month: 1, day: 1)
            let yearEnd = CivilTime.days(year: report.year, month: 12, day: 31)
            if firstDay > yearStart || lastDay < yearEnd {
                warnings.append(
                    ReportWarning(
                        .partialYear,
                        "the frames cover \(CivilTime.dateText(day: firstDay)) to \(CivilTime.dateText(day: lastDay)) "
                            + "only, while eligibility is judged against the full-year average of the policy",
                        zh: "数据只覆盖 \(CivilTime.dateText(day: firstDay)) 至 \(CivilTime.dateText(day: lastDay))，"
                            + "而达标判断使用政策规定的全年平均里程"))
            }
        }
        return sorted(warnings)
    }
}

extension ReportWarning {
    /// What `check --registry` says of an operator's files against the registry (SPEC 4, 6.1):
    /// VINs with frames that are not registered, VINs of another operator, and the operator's
    /// fleet total and average against the policy's threshold.
    /// - Parameters:
    ///   - hydrogen: each VIN with frames in the files, and its hydrogen distance (tenths).
    ///   - operatorId: whose files these are; `nil` to take the one operator whose registered
    ///     vehicles the files hold.
    ///   - minimumAverageKm: the policy's `operator_min_average_km`.
    public static func aboutFleet(
        hydrogen: [(vin: Vin, tenths: Int64)], registry: Registry, operatorId: String?, minimumAverageKm: Int64
    ) -> [ReportWarning] {
        var warnings: [ReportWarning] = []
        let listed = { (vins: [Vin]) in
            vins.prefix(10).map(\.description).joined(separator: ", ") + (vins.count > 10 ? ", …" : "")
        }
        let unregistered = hydrogen.map(\.vin).filter { registry.vehicles[$0] == nil }.sorted()
        if !unregistered.isEmpty {
            warnings.append(
                ReportWarning(
                    .unregisteredVehicles,
                    "\(unregistered.count) VIN\(unregistered.count == 1 ? " is" : "s are") not in the registry: "
                        + "measured, listed as unregistered, paid nothing (\(listed(unregistered)))",
                    zh: "\(unregistered.count) 个车辆识别码不在登记表中：计量里程，列为未登记，不予补贴（\(listed(unregistered))）"))
        }
        var byOperator: [String: [Vin]] = [:]
        for (vin, _) in hydrogen {
            if let entry = registry.vehicles[vin] { byOperator[entry.operatorId, default: []].append(vin) }
        }
        let operators = byOperator.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        guard let owner = operatorId ?? (operators.count == 1 ? operators.first : nil) else {
            if operators.count > 1 {
                let counts = operators.map { "\($0): \(byOperator[$0]!.count)" }.joined(separator: ", ")
                warnings.append(
                    ReportWarning(
                        .otherOperatorVehicles,
                        "the files hold registered vehicles of \(operators.count) operators (\(counts)); "
                            + "give --operator to say whose files these are",
                        zh: "文件中含有 \(operators.count) 个运营单位的登记车辆（\(counts)）；请用 --operator 指明文件属于哪个单位"))
            }
            return warnings
        }
        let foreign = operators.filter { $0 != owner }.flatMap { byOperator[$0]! }.sorted()
        if !foreign.isEmpty {
            warnings.append(
                ReportWarning(
                    .otherOperatorVehicles,
                    "\(foreign.count) VIN\(foreign.count == 1 ? " is" : "s are") registered to another operator than "
                        + "\(owner) (\(listed(foreign))): an upload holding them would change someone else's figures",
                    zh: "\(foreign.count) 个车辆识别码登记在 \(owner) 以外的运营单位名下（\(listed(foreign))）：上传这些数据会改变其他单位的结果"))
        }
        let fleet = registry.vehicles.values.filter { $0.operatorId == owner }
        guard !fleet.isEmpty else {
            warnings.append(
                ReportWarning(.fleetAverage, "operator \(owner) has no vehicle in the registry", zh: "运营单位 \(owner) 在登记表中没有车辆"))
            return warnings
        }
        let tenths = Dictionary(hydrogen.map { ($0.vin, $0.tenths) }, uniquingKeysWith: +)
        let total = fleet.reduce(Int64(0)) { $0 + (tenths[$1.vin] ?? 0) }
        let withData = fleet.filter { tenths[$0.vin] != nil }.count
        let reached = total >= minimumAverageKm * 10 * Int64(fleet.count)
        let name = registry.operatorName(of: owner).map { " (\($0))" } ?? ""
        warnings.append(
            ReportWarning(
                .fleetAverage,
                "operator \(owner)\(name): \(fleet.count) registered vehicle\(fleet.count == 1 ? "" : "s"), "
                    + "\(withData) with frames in these files; \(Units.km(total)) hydrogen km in all, average "
                    + "\(Units.km(total / Int64(fleet.count))) km against the policy's \(minimumAverageKm) km: "
                    + (reached ? "reached" : "not reached")
                    + " (these files only, whatever their year; the regulator judges the year's data)",
                zh: "运营单位 \(owner)\(name)：登记车辆 \(fleet.count) 辆，其中 \(withData) 辆在这些文件中有数据；"
                    + "氢能里程合计 \(Units.km(total)) 公里，平均 \(Units.km(total / Int64(fleet.count))) 公里，"
                    + "政策要求 \(minimumAverageKm) 公里：" + (reached ? "已达到" : "未达到")
                    + "（仅这些文件，不分年份；监管部门按全年数据判断）"))
        return warnings
    }
}
