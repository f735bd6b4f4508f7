/// Plain-text tables for people: text columns left-aligned, the others (numbers) right-aligned.
enum TextTable {
    /// `rows` as aligned lines, each starting with `indent`; `textColumns` are left-aligned;
    /// with `ruleBeforeLast`, a line of dashes sets the last row (a total) apart.
    static func render(
        _ rows: [[String]], indent: String = "", textColumns: Set<Int> = [0], ruleBeforeLast: Bool = false
    ) -> String {
        guard let first = rows.first else { return "" }
        let widths = first.indices.map { column in rows.map { width($0[column]) }.max() ?? 0 }
        var out = ""
        for (index, row) in rows.enumerated() {
            if ruleBeforeLast && index == rows.count - 1 {
                out += indent + widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n"
            }
            let cells = row.enumerated().map { column, text in
                let padding = String(repeating: " ", count: widths[column] - width(text))
                return textColumns.contains(column) ? text + padding : padding + text
            }
            let line = indent + cells.joined(separator: "  ")
            out += String(line[..<(line.lastIndex { $0 != " " }.map(line.index(after:)) ?? line.startIndex)]) + "\n"
        }
        return out
    }

    /// Columns `text` takes on a terminal: two for each wide East Asian character (CJK
    /// ideographs, kana, Hangul, full-width forms and punctuation), one for any other.
    static func width(_ text: String) -> Int {
        text.unicodeScalars.reduce(0) { total, scalar in
            let value = scalar.value
            let wide =
                (0x1100...0x115F).contains(value) || (0x2E80...0x303E).contains(value) || (0x3041...0x33FF).contains(value)
                || (0x3400...0x4DBF).contains(value) || (0x4E00...0x9FFF).contains(value) || (0xA000...0xA4CF).contains(value)
                || (0xAC00...0xD7A3).contains(value) || (0xF900...0xFAFF).contains(value) || (0xFE30...0xFE4F).contains(value)
                || (0xFF00...0xFF60).contains(value) || (0xFFE0...0xFFE6).contains(value) || (0x20000...0x3FFFD).contains(value)
            return total + (wide ? 2 : 1)
        }
    }
}
