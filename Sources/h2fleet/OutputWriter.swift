import Foundation
import Reports

/// Outputs that cannot be written (exit status 2).
struct OutputError: Error, CustomStringConvertible {
    var description: String
}

/// Writes the report files, each to a temporary name first and renamed into place, so a killed
/// run never leaves a half-written file under a final name.
enum OutputWriter {
    static func write(_ report: Report, to directory: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw OutputError(description: "cannot create output directory \(directory): \(error.localizedDescription)")
        }
        let files = [
            ("report.json", report.json()), ("vehicles.csv", report.vehiclesCSV()),
            ("operators.csv", report.operatorsCSV()), ("rejections.csv", report.rejectionsCSV()),
        ]
        for (name, text) in files {
            let final = URL(fileURLWithPath: directory).appendingPathComponent(name)
            let temporary = URL(fileURLWithPath: directory).appendingPathComponent(".\(name).partial")
            do {
                try Data(text.utf8).write(to: temporary)
                // rename(2) replaces the old file atomically.
                guard rename(temporary.path, final.path) == 0 else {
                    throw OutputError(description: String(cString: strerror(errno)))
                }
            } catch {
                try? FileManager.default.removeItem(at: temporary)
                let reason = (error as? OutputError)?.description ?? error.localizedDescription
                throw OutputError(description: "cannot write \(final.path): \(reason)")
            }
        }
    }
}
