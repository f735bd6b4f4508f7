import CXlsxWriter
import Glibc
import Reports

/// A workbook that cannot be written.
public struct WorkbookError: Error, CustomStringConvertible {
    /// libxlsxwriter's error number (`lxw_error`).
    public var code: Int
    /// What went wrong and where.
    public var message: String

    /// A description a person can act on.
    public var description: String { message }
}

/// `report.xlsx`: the report's tables as an Excel workbook (sheets Operators, Vehicles,
/// Rejections and Inputs), written with libxlsxwriter. Numbers are stored as numbers with a
/// format (km `0.0`, yuan `0.00`, counts `0`), the header row is frozen and filtered, columns
/// are wide enough to read. Text from inputs is written as text (never a formula) with control
/// characters shown as `\xNN`, as in the CSV files (SPEC 7.2).
public enum ReportWorkbook {
    /// Writes `report` to `path`, headers and sheet names in `language`.
    /// - Throws: `WorkbookError` naming the file when it cannot be written.
    public static func write(_ report: Report, to path: String, language: Language) throws(WorkbookError) {
        guard let workbook = workbook_new(path) else {
            throw WorkbookError(code: -1, message: "cannot create the workbook \(path)")
        }
        // Fixed properties, so that the same report gives the same workbook.
        var properties = lxw_doc_properties()
        properties.created = 1
        let title = strdup(language.pick("h2fleet subsidy report \(report.year)", "h2fleet 补贴报告 \(report.year)"))
        defer { free(title) }
        properties.title = title
        workbook_set_properties(workbook, &properties)
        let formats = Formats(workbook)
        for table in report.tables() {
            guard let sheet = workbook_add_worksheet(workbook, table.name(in: language)) else {
                workbook_close(workbook)
                throw WorkbookError(code: -1, message: "cannot add a sheet to the workbook \(path)")
            }
            write(table, into: sheet, formats: formats, language: language)
        }
        let result = workbook_close(workbook)
        guard result == LXW_NO_ERROR else {
            throw WorkbookError(
                code: Int(result.rawValue), message: "cannot write the workbook \(path): \(String(cString: lxw_strerror(result)))")
        }
    }

    /// The cell formats of one workbook.
    private struct Formats {
        let header: UnsafeMutablePointer<lxw_format>?
        let km: UnsafeMutablePointer<lxw_format>?
        let yuan: UnsafeMutablePointer<lxw_format>?
        let count: UnsafeMutablePointer<lxw_format>?

        init(_ workbook: UnsafeMutablePointer<lxw_workbook>) {
            header = workbook_add_format(workbook)
            format_set_bold(header)
            format_set_bg_color(header, 0xE8_EEF4)
            format_set_text_wrap(header)
            km = workbook_add_format(workbook)
            format_set_num_format(km, "0.0")
            yuan = workbook_add_format(workbook)
            format_set_num_format(yuan, "0.00")
            count = workbook_add_format(workbook)
            format_set_num_format(count, "0")
        }

        /// The number format of a column: by its name, as SPEC 1 writes the values.
        func number(for column: String) -> UnsafeMutablePointer<lxw_format>? {
            column.hasSuffix("_yuan") ? yuan : column.contains("_km") ? km : count
        }
    }

    /// `text` with each `_xHHHH_` written as `_x005F_xHHHH_`: a workbook reads `_xHHHH_` in a
    /// string as the character U+HHHH (libxlsxwriter writes control characters that way, and
    /// does not escape such text that is already there), so input text must not pass for it.
    static func literalEscapes(_ text: String) -> String {
        guard text.contains("_x") else { return text }
        let scalars = Array(text.unicodeScalars)
        var out = String.UnicodeScalarView()
        var index = 0
        while index < scalars.count {
            if scalars[index] == "_", index + 6 < scalars.count, scalars[index + 1] == "x",
                scalars[(index + 2)...(index + 5)].allSatisfy({ $0.properties.isASCIIHexDigit }), scalars[index + 6] == "_"
            {
                out.append(contentsOf: "_x005F".unicodeScalars)
            }
            out.append(scalars[index])
            index += 1
        }
        return String(out)
    }

    private static func write(
        _ table: ReportTable, into sheet: UnsafeMutablePointer<lxw_worksheet>, formats: Formats, language: Language
    ) {
        var widths = table.columns.map { ReportTable.header($0, in: language).utf8.count / 2 + 2 }
        for (column, name) in table.columns.enumerated() {
            worksheet_write_string(
                sheet, 0, lxw_col_t(column), ReportTable.header(name, in: language), formats.header)
        }
        for (index, row) in table.rows.enumerated() {
            let rowNumber = lxw_row_t(index + 1)
            for (column, cell) in row.enumerated() {
                let col = lxw_col_t(column)
                var shown = 0
                switch cell {
                case .null:
                    continue
                case .bool(let value):
                    worksheet_write_boolean(sheet, rowNumber, col, value ? 1 : 0, nil)
                    shown = 5
                case .number(let text):
                    worksheet_write_number(sheet, rowNumber, col, Double(text) ?? 0, formats.number(for: table.columns[column]))
                    shown = text.utf8.count
                case .fixed(let text):
                    worksheet_write_string(sheet, rowNumber, col, text, nil)
                    shown = text.utf8.count
                case .text(let raw):
                    let text = literalEscapes(TerminalText.escaped(raw))
                    worksheet_write_string(sheet, rowNumber, col, text, nil)
                    shown = text.count + text.unicodeScalars.count { $0.value >= 0x2E80 }
                }
                widths[column] = max(widths[column], shown + 1)
            }
        }
        for (column, width) in widths.enumerated() {
            worksheet_set_column(sheet, lxw_col_t(column), lxw_col_t(column), Double(min(width, 60)), nil)
        }
        worksheet_freeze_panes(sheet, 1, 0)
        if !table.columns.isEmpty {
            worksheet_autofilter(sheet, 0, 0, lxw_row_t(table.rows.count), lxw_col_t(table.columns.count - 1))
        }
    }
}
