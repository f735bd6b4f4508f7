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
        let rows: [[Cell]] = rejectionSamples.map { row in
            [.text(row.path), .number(String(row.sample.position)), .fixed(row.reason.name), .text(row.sample.text)]
        }
        return CSVText.table(header: ["path", "position", "reason", "text"], rows: rows)
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

/// One value of a report row, rendered for JSON or CSV.
enum Cell {
    /// Text that came from an input file: made inert for spreadsheets in CSV.
    case text(String)
    /// Text the program produced (validated ids, statuses, times).
    case fixed(String)
    /// A decimal number, as exact text.
    case number(String)
    case bool(Bool)
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
