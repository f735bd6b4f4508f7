/// A policy or registry that cannot be used: the run stops before any telemetry is read
/// (exit status 2). The text names the file and the line or field, and says what is wrong.
///
/// A registry reports every bad line at once (SPEC 4): `problems` then holds the first
/// `RulesError.maxProblems` of them, each with its line, and `problemCount` how many there are.
public struct RulesError: Error, CustomStringConvertible, Sendable, Equatable {
    /// One thing wrong on one line of a file.
    public struct Problem: Sendable, Equatable {
        /// The line number, when the problem is on one line.
        public var line: Int?
        /// What is wrong and what is expected.
        public var message: String

        /// Creates a problem.
        public init(line: Int?, _ message: String) {
            self.line = line
            self.message = message
        }
    }

    /// The most problems one error lists (SPEC 4: the first 20 bad lines).
    public static let maxProblems = 20

    /// The file, as named on the command line (or `built-in policy`).
    public var file: String
    /// The line number, when the problem is on one line (with several problems, the first's).
    public var line: Int?
    /// The policy field, e.g. `telemetry.max_gap_s`, when the problem is one field.
    public var field: String?
    /// What is wrong and what is expected (with several problems, how many there are).
    public var message: String
    /// Every problem listed, in line order: one, or the first `maxProblems` of several.
    public var problems: [Problem]
    /// How many problems were found, including those beyond `problems`.
    public var problemCount: Int

    /// Creates an error with one problem.
    public init(file: String, line: Int? = nil, field: String? = nil, _ message: String) {
        self.file = file
        self.line = line
        self.field = field
        self.message = message
        problems = [Problem(line: line, message)]
        problemCount = 1
    }

    /// Creates an error for several problems found in one file.
    /// - Parameters:
    ///   - file: the file, as named on the command line.
    ///   - problems: the problems in line order; at least one. Only the first `maxProblems`
    ///     are kept.
    ///   - count: how many problems there are in all (at least `problems.count`).
    ///   - what: what the problems are, in the plural, for the summary (`lines are wrong`).
    public init(file: String, problems: [Problem], count: Int? = nil, what: String = "lines are wrong") {
        precondition(!problems.isEmpty, "an error has at least one problem")
        let total = max(count ?? problems.count, problems.count)
        let listed = Array(problems.prefix(RulesError.maxProblems))
        self.file = file
        line = listed[0].line
        field = nil
        self.problems = listed
        problemCount = total
        if total == 1 {
            message = listed[0].message
        } else {
            message = total > listed.count ? "\(total) \(what); the first \(listed.count):" : "\(total) \(what):"
        }
    }

    /// `file:line: field: message`, as the command line prints it; with several problems, a
    /// summary line and then one `file:line: message` line for each problem listed.
    public var description: String {
        guard problemCount > 1 else { return Self.located(file, line, field, message) }
        var text = "\(file): \(message)"
        for problem in problems {
            text += "\n  " + Self.located(file, problem.line, nil, problem.message)
        }
        if problemCount > problems.count {
            text += "\n  … and \(problemCount - problems.count) more; fix these and run again to see them"
        }
        return text
    }

    private static func located(_ file: String, _ line: Int?, _ field: String?, _ message: String) -> String {
        var text = file
        if let line { text += ":\(line)" }
        text += ": "
        if let field { text += "\(field): " }
        return text + message
    }
}
