import Frames
import Subsidy

extension Report {
    /// `report.json` (schema `h2fleet.report/1`, SPEC 7.1).
    public func json() -> String {
        let allRejections = rejections
        let totals = self.totals
        let files: [JSONValue] = self.files.map { file in
            var members: [(String, JSONValue)] = [
                ("path", .string(file.path)), ("format", .string(file.format)),
                ("bytes", .int(file.bytes)), ("sha256", .string(file.sha256)),
                ("status", .string(file.error == nil ? "ok" : "failed")),
            ]
            if let error = file.error { members.append(("error", .string(error))) }
            members.append(("frames", .int(file.frames)))
            members.append(("rejected_rows", .int(file.rejections.total)))
            if file.format == "gbt32960" {
                members.append(
                    (
                        "skipped_frames_by_command",
                        .object(
                            file.skippedByCommand.keys.sorted().map { command in
                                (CheckReport.commandText(command), .int(file.skippedByCommand[command]!))
                            })
                    ))
            }
            return .object(members)
        }
        let byReason: [(String, JSONValue)] = RejectionReason.allCases.map {
            ($0.name, .int(allRejections.counts[$0.rawValue]))
        }
        var members: [(String, JSONValue)] = [
            ("schema", .string("h2fleet.report/1")),
            ("engine", .object([("version", .string(engineVersion)), ("rules", .string(rulesVersion))])),
            ("policy", .object([("id", .string(policyId)), ("sha256", .string(policySHA256))])),
            (
                "registry",
                registry.map { registry in
                    .object([
                        ("path", .string(registry.path)), ("sha256", .string(registry.sha256)),
                        ("vehicles", .int(registry.vehicles)),
                    ])
                } ?? .null
            ),
            ("year", .int(year)),
        ]
        if let period { members.append(("period", period)) }
        members += [
            (
                "inputs",
                .object([
                    ("files", .array(files)),
                    ("skipped", .array(skipped.map(\.json))),
                    ("frames", .int(frames)),
                    ("rejected_rows", .int(allRejections.total)),
                    ("rejections_by_reason", .object(byReason)),
                    ("exact_duplicates", .int(exactDuplicates)),
                    ("conflicting_duplicates", .int(conflictingDuplicates)),
                ])
            ),
            (
                "vehicles",
                .array(
                    zip(vehicleRows(), outcome.vehicles).map { row, vehicle in
                        // Added in this engine (SPEC 7.1 allows added fields), only in JSON:
                        // the CSV columns stay SPEC 7.2's.
                        let months = vehicle.figures.hydrogenByMonth.values.map { JSONValue.number(Units.km($0)) }
                        return .object(
                            zip(Report.vehicleColumns, row).map { ($0, $1.json) } + [("hydrogen_km_by_month", .array(months))])
                    })
            ),
            (
                "operators",
                .array(
                    operatorRows().map { row in
                        .object(zip(Report.operatorColumns, row).map { ($0, $1.json) })
                    })
            ),
            (
                "totals",
                .object([
                    ("vehicles", .int(totals.vehicles)),
                    ("hydrogen_km", .number(Units.km(totals.hydrogen))),
                    ("subsidy_yuan", .number(Units.yuan(totals.subsidyFen))),
                ])
            ),
            ("warnings", .array(warnings.map(\.json))),
        ]
        return JSONValue.object(members).rendered()
    }

    /// `period` of a year-to-date report (SPEC 10.3).
    var period: JSONValue? {
        through.map { through in
            .object([("from", .string("\(year)-01-01")), ("through", .string(CivilTime.dateText(day: through)))])
        }
    }

    /// `vehicles.csv` (SPEC 7.2).
    public func vehiclesCSV() -> String {
        CSVText.table(header: Report.vehicleColumns, rows: vehicleRows())
    }

    /// `operators.csv` (SPEC 7.2).
    public func operatorsCSV() -> String {
        CSVText.table(header: Report.operatorColumns, rows: operatorRows())
    }

    /// `rejections.csv` (SPEC 7.2).
    public func rejectionsCSV() -> String {
        CSVText.table(header: Report.rejectionColumns, rows: rejectionRows())
    }

    static let rejectionColumns = ["path", "position", "reason", "text"]

    /// The rejected-row samples' rows (SPEC 7.2).
    func rejectionRows() -> [[Cell]] {
        rejectionSamples.map { row in
            [.text(row.path), .number(String(row.sample.position)), .fixed(row.reason.name), .text(row.sample.text)]
        }
    }

    /// The report's tables for a spreadsheet: operators, vehicles (with their hydrogen
    /// distance by month after SPEC 7.1's fields), rejected-row samples and input files. Column
    /// names are SPEC 7's (`hydrogen_km_01` … `hydrogen_km_12` for the months).
    public func tables() -> [ReportTable] {
        let months = (1...12).map { "hydrogen_km_\($0 < 10 ? "0" : "")\($0)" }
        let vehicles = zip(vehicleRows(), outcome.vehicles).map { row, vehicle in
            row + vehicle.figures.hydrogenByMonth.values.map { Cell.number(Units.km($0)) }
        }
        let inputs: [[Cell]] = files.map { file in
            [
                .text(file.path), .fixed(file.format), .count(file.bytes), .fixed(file.sha256),
                .fixed(file.error == nil ? "ok" : "failed"), file.error.map { .text($0) } ?? .null, .count(file.frames),
                .count(file.rejections.total),
            ]
        }
        return [
            ReportTable(kind: .operators, columns: Report.operatorColumns, rows: operatorRows()),
            ReportTable(kind: .vehicles, columns: Report.vehicleColumns + months, rows: vehicles),
            ReportTable(kind: .rejections, columns: Report.rejectionColumns, rows: rejectionRows()),
            ReportTable(
                kind: .inputs,
                columns: ["path", "format", "bytes", "sha256", "status", "error", "frames", "rejected_rows"], rows: inputs),
        ]
    }

    static let vehicleColumns = [
        "vin", "operator", "class", "status", "frames", "days_with_data", "first_ts", "last_ts",
        "hydrogen_km", "battery_km", "gap_km", "overspeed_km", "suspect_km", "odometer_rollbacks",
        "exact_duplicates", "conflicting_duplicates", "uncapped_yuan", "subsidy_yuan",
        // h2-mileage/2 (SPEC 7.1: added fields come last).
        "odometer_outliers", "plate",
    ]

    static let operatorColumns = [
        "operator", "vehicles", "hydrogen_km", "average_km", "eligible", "subsidy_yuan",
        // h2-mileage/2
        "operator_name",
    ]

    /// Every vehicle's row, or the rows of one operator's vehicles.
    func vehicleRows(of operatorId: String? = nil) -> [[Cell]] {
        outcome.vehicles.filter { operatorId == nil || $0.registration?.operatorId == operatorId }.map { vehicle in
            let figures = vehicle.figures
            let time: (Int64?) -> Cell = { ts in
                ts.map { .fixed(CivilTime.rfc3339($0, offset: timezoneOffset)) } ?? .null
            }
            return [
                .fixed(vehicle.vin.description),
                vehicle.registration.map { .text($0.operatorId) } ?? .null,
                vehicle.registration.map { .fixed($0.classId) } ?? .null,
                .fixed(vehicle.status.rawValue),
                .count(figures.frames), .count(figures.daysWithData),
                time(figures.firstTs), time(figures.lastTs),
                .number(Units.km(figures.hydrogen)), .number(Units.km(figures.battery)),
                .number(Units.km(figures.gap)), .number(Units.km(figures.overspeed)),
                .number(Units.km(figures.suspect)), .count(figures.rollbacks),
                .count(figures.exactDuplicates), .count(figures.conflictingDuplicates),
                .number(Units.yuan(vehicle.uncappedFen)), .number(Units.yuan(vehicle.subsidyFen)),
                .count(figures.outliers), vehicle.registration?.plate.map { .text($0) } ?? .null,
            ]
        }
    }

    /// Every operator's row, or one operator's.
    func operatorRows(of operatorId: String? = nil) -> [[Cell]] {
        outcome.operators.filter { operatorId == nil || $0.id == operatorId }.map { entry in
            [
                .text(entry.id), .count(entry.vehicles), .number(Units.km(entry.hydrogen)),
                .number(Units.km(entry.averageTenths)), .bool(entry.eligible), .number(Units.yuan(entry.subsidyFen)),
                entry.name.map { .text($0) } ?? .null,
            ]
        }
    }
}

extension ReportWarning {
    /// `{"code", "message", "path"}` (SPEC 7.1).
    var json: JSONValue {
        .object([("code", .string(code.rawValue)), ("message", .string(message)), ("path", .optionalString(path))])
    }
}

/// One value of a report row, rendered for JSON, CSV or the workbook.
public enum Cell: Sendable, Equatable {
    /// Text that came from an input file: made inert for spreadsheets in CSV.
    case text(String)
    /// Text the program produced (validated ids, statuses, times).
    case fixed(String)
    /// A decimal number, as exact text.
    case number(String)
    /// A boolean.
    case bool(Bool)
    /// No value.
    case null

    static func count(_ value: some BinaryInteger) -> Cell { .number(String(value)) }

    var json: JSONValue {
        switch self {
        case .text(let text), .fixed(let text): .string(text)
        case .number(let text): .number(text)
        case .bool(let value): .bool(value)
        case .null: .null
        }
    }
}

/// RFC 4180 CSV with spreadsheet-inert input text (SPEC 7.2).
enum CSVText {
    static func table(header: [String], rows: [[Cell]]) -> String {
        var out = header.joined(separator: ",") + "\n"
        for row in rows {
            out += row.map(field).joined(separator: ",")
            out += "\n"
        }
        return out
    }

    static func field(_ cell: Cell) -> String {
        switch cell {
        case .null: return ""
        case .bool(let value): return value ? "true" : "false"
        case .number(let text), .fixed(let text): return quoted(text)
        case .text(let raw):
            let text = TerminalText.escaped(raw)
            if let first = text.unicodeScalars.first, "=+-@".unicodeScalars.contains(first) {
                return quoted("'" + text)
            }
            return quoted(text)
        }
    }

    static func quoted(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }) else {
            return text
        }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// One table of a report, for a spreadsheet.
public struct ReportTable: Sendable {
    /// Which table.
    public enum Kind: Sendable, CaseIterable {
        case operators, vehicles, rejections, inputs
    }

    /// Which table it is.
    public var kind: Kind
    /// Column names, as SPEC 7 writes them.
    public var columns: [String]
    /// The rows, one cell a column.
    public var rows: [[Cell]]

    /// The table's name in `language`.
    public func name(in language: Language) -> String {
        switch kind {
        case .operators: language.pick("Operators", "运营单位")
        case .vehicles: language.pick("Vehicles", "车辆")
        case .rejections: language.pick("Rejections", "拒收行")
        case .inputs: language.pick("Inputs", "输入文件")
        }
    }

    /// A column's header in `language`: the column name in English, words in Chinese.
    public static func header(_ column: String, in language: Language) -> String {
        guard language == .zh else { return column }
        if column.hasPrefix("hydrogen_km_"), let month = Int(column.dropFirst("hydrogen_km_".count)) {
            return "\(month)月氢能公里"
        }
        return chineseHeaders[column] ?? column
    }

    private static let chineseHeaders: [String: String] = [
        "vin": "车辆识别码", "operator": "运营单位", "class": "车型", "status": "状态", "frames": "帧数",
        "days_with_data": "有数据天数", "first_ts": "首帧时间", "last_ts": "末帧时间", "hydrogen_km": "氢能公里",
        "battery_km": "纯电公里", "gap_km": "中断公里", "overspeed_km": "超速公里", "suspect_km": "回退相邻公里",
        "odometer_rollbacks": "里程回退次数", "exact_duplicates": "完全重复帧", "conflicting_duplicates": "冲突重复帧",
        "uncapped_yuan": "封顶前补贴（元）", "subsidy_yuan": "补贴（元）", "odometer_outliers": "里程表异常读数",
        "plate": "车牌", "vehicles": "车辆数", "average_km": "平均公里", "eligible": "达标", "operator_name": "运营单位名称",
        "path": "文件", "position": "行号或偏移", "reason": "原因", "text": "内容", "format": "格式", "bytes": "字节",
        "sha256": "SHA-256", "error": "错误", "rejected_rows": "拒收行",
    ]
}
