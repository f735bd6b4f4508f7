import Foundation

/// Checks on the report files as text, which `ReportComparison` (numbers as decimals, arrays
/// matched by key) deliberately does not make: how numbers are written (SPEC 1, 7.1, 7.2) and
/// in what order entries come (SPEC 7, 7.1).
public enum ReportText {
    /// How a number named `key` must be written, or `nil` when the key is not money or distance.
    static func places(of key: String) -> Int? {
        if key.hasSuffix("_yuan") { return 2 }
        if key.hasSuffix("_km") { return 1 }
        return nil
    }

    /// Whether `text` is `digits.digits` with exactly `places` decimals (a `-` allowed).
    static func isFixed(_ text: Substring, places: Int) -> Bool {
        let unsigned = text.hasPrefix("-") ? text.dropFirst() : text
        let parts = unsigned.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && parts[1].count == places
            && parts.allSatisfy { $0.allSatisfy { ("0"..."9").contains($0) } }
    }

    /// Every money field (`*_yuan`) of a `report.json` text written with exactly two decimals
    /// and every distance (`*_km`) with exactly one, as JSON numbers (SPEC 1, 7.1).
    /// - Returns: how many such fields were found, and the ones written otherwise.
    public static func numberProblems(json text: String) -> (checked: Int, problems: [String]) {
        var checked = 0
        var problems: [String] = []
        for match in text.matches(of: /"([a-z_]+)": ([^,\n\]}]*)/) {
            let key = String(match.output.1)
            guard let places = places(of: key) else { continue }
            checked += 1
            let value = match.output.2.trimmingCharacters(in: .whitespaces)
            if !isFixed(Substring(value), places: places) {
                problems.append("\(key): \(value) is not written with \(places) decimal\(places == 1 ? "" : "s")")
            }
        }
        return (checked, problems)
    }

    /// Whether `a` sorts strictly before `b` by their UTF-8 bytes (SPEC 7).
    public static func bytesPrecede(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    /// The arrays of a parsed `report.json` that are out of SPEC 7.1's order: `inputs.files`
    /// and `inputs.skipped` by `path`, `vehicles` by `vin`, `operators` by `operator`, each in
    /// UTF-8 byte order without repeats; `warnings` by code, then path.
    public static func orderProblems(_ report: [String: Any]) -> [String] {
        let inputs = report["inputs"] as? [String: Any] ?? [:]
        let lists: [(String, Any?, String)] = [
            ("inputs.files", inputs["files"], "path"), ("inputs.skipped", inputs["skipped"], "path"),
            ("vehicles", report["vehicles"], "vin"), ("operators", report["operators"], "operator"),
        ]
        var problems: [String] = []
        for (name, value, key) in lists {
            guard let value else { continue }  // absent: the conformance comparison says so
            guard let entries = value as? [[String: Any]] else {
                problems.append("\(name) is not an array of objects")
                continue
            }
            let keys = entries.map { $0[key] as? String ?? "" }
            for (a, b) in zip(keys, keys.dropFirst()) where !bytesPrecede(a, b) {
                problems.append("\(name): '\(a)' comes before '\(b)'")
            }
        }
        let warnings = report["warnings"] as? [[String: Any]] ?? []
        for (a, b) in zip(warnings, warnings.dropFirst()) {
            let (codeA, codeB) = (a["code"] as? String ?? "", b["code"] as? String ?? "")
            if bytesPrecede(codeB, codeA) {
                problems.append("warnings: code '\(codeA)' comes before '\(codeB)'")
            } else if codeA == codeB, let pathA = a["path"] as? String, let pathB = b["path"] as? String,
                bytesPrecede(pathB, pathA)
            {
                problems.append("warnings: '\(codeA)' path '\(pathA)' comes before '\(pathB)'")
            }
        }
        return problems
    }

    /// The records of an RFC 4180 text (SPEC 7.2): fields split at commas, `"…"` with `""` for a
    /// quote, records ending in `\n`.
    public static func csvRecords(_ text: String) -> [[String]] {
        var records: [[String]] = []
        var record: [String] = []
        var field = ""
        var inQuotes = false
        var justClosed = false
        for character in text {
            if inQuotes {
                if character == "\"" {
                    inQuotes = false
                    justClosed = true
                } else {
                    field.append(character)
                }
                continue
            }
            if character == "\"" {
                // A quote right after a closing one is a doubled quote inside the field.
                if justClosed { field.append("\"") }
                inQuotes = true
                justClosed = false
                continue
            }
            justClosed = false
            switch character {
            case ",":
                record.append(field)
                field = ""
            case "\n":
                record.append(field)
                records.append(record)
                record = []
                field = ""
            default: field.append(character)
            }
        }
        if !field.isEmpty || !record.isEmpty { records.append(record + [field]) }
        return records
    }

    /// The problems of `vehicles.csv` or `operators.csv` text: every `*_km` and `*_yuan` column
    /// written as SPEC 1 says, and rows sorted by their first column in UTF-8 byte order.
    /// - Returns: how many number fields were checked, and the problems.
    public static func csvProblems(_ text: String) -> (checked: Int, problems: [String]) {
        let records = csvRecords(text)
        guard let header = records.first else { return (0, ["no header"]) }
        var checked = 0
        var problems: [String] = []
        for (index, record) in records.dropFirst().enumerated() {
            guard record.count == header.count else {
                problems.append("row \(index + 1): \(record.count) fields, the header has \(header.count)")
                continue
            }
            for (name, value) in zip(header, record) {
                guard let places = places(of: name) else { continue }
                checked += 1
                if !isFixed(Substring(value), places: places) {
                    problems.append("row \(index + 1): \(name) \(value) is not written with \(places) decimals")
                }
            }
        }
        let firsts = records.dropFirst().map { $0.first ?? "" }
        for (a, b) in zip(firsts, firsts.dropFirst()) where !bytesPrecede(a, b) {
            problems.append("'\(a)' comes before '\(b)'")
        }
        return (checked, problems)
    }
}
