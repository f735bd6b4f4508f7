/// The language of everything a person reads: the summary table, `check`, `explain`, the HTML
/// report, the statements and the workbook's headers. Machine outputs (`report.json` keys, CSV
/// headers, codes) never change with it.
public enum Language: String, Sendable, CaseIterable {
    /// English.
    case en
    /// Simplified Chinese.
    case zh

    /// The language the environment asks for, as the C library reads locales: the first of
    /// `LC_ALL`, `LC_MESSAGES` and `LANG` that is set and not empty; `zh…` gives Chinese,
    /// anything else English.
    public static func fromEnvironment(_ environment: [String: String]) -> Language {
        let locale = ["LC_ALL", "LC_MESSAGES", "LANG"].lazy.compactMap { environment[$0] }.first { !$0.isEmpty }
        return locale?.hasPrefix("zh") == true ? .zh : .en
    }

    /// The text for this language: `english` or `chinese`. Both versions of a phrase stand side
    /// by side where the phrase is used.
    @inline(__always)
    public func pick(_ english: String, _ chinese: String) -> String {
        self == .zh ? chinese : english
    }

    /// `yes` or `no` in this language.
    public func yesNo(_ value: Bool) -> String {
        value ? pick("yes", "是") : pick("no", "否")
    }

    /// The HTML `lang` attribute.
    public var htmlTag: String { self == .zh ? "zh-CN" : "en" }
}

/// A sentence for a person in both languages.
public struct Phrase: Sendable, Equatable {
    /// In English (the text machine outputs carry).
    public var english: String
    /// In Chinese.
    public var chinese: String

    /// A phrase in English and in Chinese.
    public init(_ english: String, zh chinese: String) {
        self.english = english
        self.chinese = chinese
    }

    /// The phrase in `language`.
    public func text(in language: Language) -> String { language.pick(english, chinese) }
}
