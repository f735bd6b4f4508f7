import Archives

/// Words about the files found in directories and not read (SPEC 2.2).
enum SkippedFiles {
    /// How many paths `summary` names.
    static let named = 3

    /// `skipped 4 files, not read (1 unsupported compression, 3 not telemetry): a.zip, b.txt,
    /// c.txt and 1 more`; paths with control characters escaped.
    static func summary(_ skipped: [SkippedFile]) -> String {
        let counts = [SkipReason.unsupportedCompression, .notTelemetry].compactMap { reason -> String? in
            let count = skipped.count { $0.reason == reason }
            return count == 0 ? nil : "\(count) \(words(reason))"
        }
        var text =
            "skipped \(skipped.count) file\(skipped.count == 1 ? "" : "s"), not read (\(counts.joined(separator: ", "))): "
            + skipped.prefix(named).map { TerminalText.escaped($0.path) }.joined(separator: ", ")
        if skipped.count > named { text += " and \(skipped.count - named) more" }
        return text
    }

    /// The reason in words.
    static func words(_ reason: SkipReason) -> String {
        switch reason {
        case .unsupportedCompression: "unsupported compression"
        case .notTelemetry: "not telemetry"
        }
    }
}

extension SkippedFile {
    /// `{"path": …, "reason": …}` (SPEC 7.1 `inputs.skipped`).
    var json: JSONValue { .object([("path", .string(path)), ("reason", .string(reason.rawValue))]) }
}
