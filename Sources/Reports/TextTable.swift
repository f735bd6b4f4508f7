/// Plain-text tables for people: the first column left-aligned, the others right-aligned.
enum TextTable {
    /// `rows` as aligned lines, each starting with `indent`; with `ruleBeforeLast`, a line of
    /// dashes sets the last row (a total) apart.
    static func render(_ rows: [[String]], indent: String = "", ruleBeforeLast: Bool = false) -> String {
        guard let first = rows.first else { return "" }
        let widths = first.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        var out = ""
        for (index, row) in rows.enumerated() {
            if ruleBeforeLast && index == rows.count - 1 {
                out += indent + widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n"
            }
            let cells = row.enumerated().map { column, text in
                let padding = String(repeating: " ", count: widths[column] - text.count)
                return column == 0 ? text + padding : padding + text
            }
            out += indent + cells.joined(separator: "  ") + "\n"
        }
        return out
    }
}
