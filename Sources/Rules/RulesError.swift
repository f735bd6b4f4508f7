/// A policy or registry that cannot be used: the run stops before any telemetry is read
/// (exit status 2). The text names the file and the line or field, and says what is wrong.
public struct RulesError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file, as named on the command line (or `built-in policy`).
    public var file: String
    /// The line number, when the problem is on one line.
    public var line: Int?
    /// The policy field, e.g. `telemetry.max_gap_s`, when the problem is one field.
    public var field: String?
    /// What is wrong and what is expected.
    public var message: String

    /// Creates an error.
    public init(file: String, line: Int? = nil, field: String? = nil, _ message: String) {
        self.file = file
        self.line = line
        self.field = field
        self.message = message
    }

    /// `file:line: field: message`, as the command line prints it.
    public var description: String {
        var text = file
        if let line { text += ":\(line)" }
        text += ": "
        if let field { text += "\(field): " }
        return text + message
    }
}
