import Archives

/// Words about the files found in directories and not read (SPEC 2.2).
enum SkippedFiles {
    /// How many paths `summary` names.
    static let named = 3

    /// `skipped 4 files, not read (1 unsupported compression, 3 not telemetry): a.zip, b.txt,
    /// c.txt and 1 more`, in `language`; paths with control characters escaped.
    static func summary(_ skipped: [SkippedFile], language: Language = .en) -> String {
        let say = language.pick
        let counts = [SkipReason.unsupportedCompression, .notTelemetry].compactMap { reason -> String? in
            let count = skipped.count { $0.reason == reason }
            return count == 0 ? nil : say("\(count) \(words(reason))", "\(count) 个\(chineseWords(reason))")
        }
        let names = skipped.prefix(named).map { TerminalText.escaped($0.path) }.joined(separator: ", ")
        var text = say(
            "skipped \(skipped.count) file\(skipped.count == 1 ? "" : "s"), not read (\(counts.joined(separator: ", "))): ",
            "跳过 \(skipped.count) 个文件，未读取（\(counts.joined(separator: "，"))）：") + names
        if skipped.count > named { text += say(" and \(skipped.count - named) more", " 等另 \(skipped.count - named) 个") }
        return text
    }

    /// The reason in words.
    static func words(_ reason: SkipReason) -> String {
        switch reason {
        case .unsupportedCompression: "unsupported compression"
        case .notTelemetry: "not telemetry"
        }
    }

    /// The reason in Chinese.
    static func chineseWords(_ reason: SkipReason) -> String {
        switch reason {
        case .unsupportedCompression: "压缩格式不支持"
        case .notTelemetry: "不是遥测文件"
        }
    }
}

extension SkippedFile {
    /// `{"path": …, "reason": …}` (SPEC 7.1 `inputs.skipped`).
    var json: JSONValue { .object([("path", .string(path)), ("reason", .string(reason.rawValue))]) }
}
