import Foundation
import Reports
import Workbook

/// Outputs that cannot be written (exit status 2).
struct OutputError: Error, CustomStringConvertible {
    var description: String
}

/// Writes the report files, each to a temporary name first and renamed into place, so a killed
/// run never leaves a half-written file under a final name.
enum OutputWriter {
    static func write(_ report: Report, to directory: String, language: Language) throws {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw OutputError(description: "cannot create output directory \(directory): \(error.localizedDescription)")
        }
        let files = [
            ("report.json", report.json()), ("vehicles.csv", report.vehiclesCSV()),
            ("operators.csv", report.operatorsCSV()), ("rejections.csv", report.rejectionsCSV()),
            ("report.html", report.html(language: language)),
        ] + report.statementOperators.compactMap { id in
            // Operator ids are `A-Z a-z 0-9 _ . -`, never starting with `.` (SPEC 4): safe names.
            report.statementHTML(operatorId: id, language: language).map { ("statements/\(id).html", $0) }
        }
        do {
            try FileManager.default.createDirectory(
                atPath: URL(fileURLWithPath: directory).appendingPathComponent("statements").path,
                withIntermediateDirectories: true)
        } catch {
            throw OutputError(description: "cannot create output directory \(directory)/statements: \(error.localizedDescription)")
        }
        for (name, text) in files {
            try place(name, in: directory) { try Data(text.utf8).write(to: $0) }
        }
        try place("report.xlsx", in: directory) { try ReportWorkbook.write(report, to: $0.path, language: language) }
        // Statements of an earlier run (another registry or year) must not lie beside these,
        // where someone could sign one.
        let statements = URL(fileURLWithPath: directory).appendingPathComponent("statements")
        let written = Set(report.statementOperators.map { "\($0).html" })
        for name in (try? FileManager.default.contentsOfDirectory(atPath: statements.path)) ?? []
        where name.hasSuffix(".html") && !written.contains(name) {
            try? FileManager.default.removeItem(at: statements.appendingPathComponent(name))
        }
    }

    /// Writes file `name` of `directory` with `write` under a temporary name, then renames it
    /// into place: rename(2) replaces an old file atomically.
    private static func place(_ name: String, in directory: String, write: (URL) throws -> Void) throws {
        let final = URL(fileURLWithPath: directory).appendingPathComponent(name)
        let temporary = final.deletingLastPathComponent().appendingPathComponent(".\(final.lastPathComponent).partial")
        do {
            try write(temporary)
            guard rename(temporary.path, final.path) == 0 else {
                throw OutputError(description: String(cString: strerror(errno)))
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            let reason =
                (error as? OutputError)?.description ?? (error as? WorkbookError)?.description ?? error.localizedDescription
            throw OutputError(description: "cannot write \(final.path): \(reason)")
        }
    }
}
