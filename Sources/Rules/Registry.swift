import Frames

/// One vehicle of the programme (SPEC 4).
public struct RegisteredVehicle: Sendable, Equatable {
    /// The vehicle's VIN.
    public var vin: Vin
    /// The operator's id.
    public var operatorId: String
    /// The class id (one of the policy's).
    public var classId: String
    /// The plate, when the registry gives one.
    public var plate: String?
    /// The operator's name, when the registry gives one (on any of the operator's lines).
    public var operatorName: String?
}

/// The roster of the programme for the year: which vehicle belongs to which operator and class.
public struct Registry: Sendable {
    /// The columns a registry must have.
    public static let requiredColumns = ["vin", "operator", "class"]
    /// The columns a registry may have; others are ignored.
    public static let optionalColumns = ["plate", "operator_name"]
    /// The longest operator id.
    public static let maxOperatorIdLength = 64

    /// The vehicles by VIN.
    public let vehicles: [Vin: RegisteredVehicle]
    /// Each operator's name, for the operators whose lines give one (the same on all of them).
    public let operatorNames: [String: String]

    /// The name the registry gives operator `id`, or `nil` when none of its lines gives one.
    public func operatorName(of id: String) -> String? { operatorNames[id] }

    /// Reads a registry (SPEC 4): CSV as spreadsheets save it.
    ///
    /// The text is UTF-8 or, with `encoding` `.gb18030`, GB18030; a leading U+FEFF is dropped;
    /// fields follow RFC 4180 (quotes, `""`, commas and line ends inside quotes) and are trimmed;
    /// lines whose fields are all empty are ignored. Header names are compared ignoring ASCII case;
    /// columns `vin`, `operator`, `class` are required, `plate` and `operator_name` optional,
    /// others ignored. An empty field is null.
    /// - Parameters:
    ///   - bytes: the file's content.
    ///   - file: the file's name, for messages.
    ///   - classes: the class ids the policy defines.
    ///   - encoding: how to read the bytes.
    /// - Throws: `RulesError` when the file is not text in `encoding` (naming the first bad line,
    ///   and `--registry-encoding gb18030` for a file that is not UTF-8), or listing every bad line
    ///   (the first 20, each with its number and what is wrong): a malformed record, a wrong
    ///   number of fields, an empty required field, a bad VIN or operator id, an unknown class, a
    ///   VIN listed twice, an operator name that differs from the operator's earlier one, a
    ///   repeated or missing column (showing the header found).
    public init(
        bytes: [UInt8], file: String, classes: Set<String>, encoding: RegistryEncoding = .utf8
    ) throws(RulesError) {
        let text = try RegistryText.decode(bytes, encoding: encoding, file: file)
        let records = RegistryText.records(text).filter { !$0.isEmpty }
        guard let header = records.first else {
            throw RulesError(file: file, "the registry is empty: expected a header line with vin, operator, class")
        }
        var checker = RegistryChecker(classes: classes)
        checker.readHeader(header)
        for record in records.dropFirst() { checker.check(record) }
        if !checker.problems.isEmpty {
            throw RulesError(file: file, problems: checker.problems, count: checker.problemCount)
        }
        let names = checker.operatorNames.mapValues(\.name)
        var vehicles = checker.vehicles
        for (vin, vehicle) in vehicles where vehicle.operatorName == nil {
            vehicles[vin]?.operatorName = names[vehicle.operatorId]
        }
        self.vehicles = vehicles
        operatorNames = names
    }
}

/// Checks a registry's records one by one, keeping the vehicles of good lines and the problems
/// of bad ones (every problem of a line in one message).
private struct RegistryChecker {
    let classes: Set<String>
    /// The policy's class ids, as listed in messages.
    let known: String
    /// Field count of the header; `nil` when the header itself could not be read.
    var fieldCount: Int?
    /// Where each known column is (its first place), by name.
    var column: [String: Int] = [:]
    var vehicles: [Vin: RegisteredVehicle] = [:]
    var operatorNames: [String: (name: String, line: Int)] = [:]
    /// The line each VIN was first listed on.
    var firstLine: [Vin: Int] = [:]
    var problems: [RulesError.Problem] = []
    var problemCount = 0

    init(classes: Set<String>) {
        self.classes = classes
        known = classes.sorted().joined(separator: ", ")
    }

    mutating func report(_ line: Int, _ messages: [String]) {
        guard !messages.isEmpty else { return }
        problemCount += 1
        if problems.count < RulesError.maxProblems {
            problems.append(RulesError.Problem(line: line, messages.joined(separator: "; ")))
        }
    }

    /// Finds the columns by name, ignoring ASCII case (SPEC 4).
    mutating func readHeader(_ header: RegistryText.Record) {
        if let problem = header.problem {
            report(header.line, ["header: " + problem])
            return
        }
        fieldCount = header.fields.count
        var messages: [String] = []
        var repeated: [String] = []
        for (index, name) in header.fields.enumerated() {
            let folded = TextBytes.asciiLowercased(name)
            guard
                let known = (Registry.requiredColumns + Registry.optionalColumns).first(where: {
                    $0.utf8.elementsEqual(folded.utf8)
                })
            else { continue }
            if column[known] == nil {
                column[known] = index
            } else if !repeated.contains(known) {
                repeated.append(known)
            }
        }
        for name in repeated {
            messages.append(
                "column '\(name)' appears more than once in the header (names are compared ignoring case)")
        }
        let missing = Registry.requiredColumns.filter { column[$0] == nil }
        if !missing.isEmpty {
            let names = missing.map { "'\($0)'" }.joined(separator: ", ")
            var found = header.fields.prefix(12).map { RegistryText.shown($0) }.joined(separator: ",")
            if header.fields.count > 12 { found += ",…" }
            messages.append(
                "header has no \(names) column\(missing.count > 1 ? "s" : "") (required: vin, operator, class; "
                    + "optional: plate, operator_name; found: \(found))")
        }
        report(header.line, messages)
    }

    /// Checks one data line; a good one becomes a vehicle.
    mutating func check(_ record: RegistryText.Record) {
        if let problem = record.problem {
            report(record.line, [problem])
            return
        }
        guard let fieldCount else { return }
        guard record.fields.count == fieldCount else {
            report(record.line, ["has \(record.fields.count) fields, the header has \(fieldCount)"])
            return
        }
        func value(_ name: String) -> String? {
            column[name].map { record.fields[$0] }.flatMap { $0.isEmpty ? nil : $0 }
        }
        var messages: [String] = []
        for name in Registry.requiredColumns where column[name] != nil && value(name) == nil {
            messages.append("the '\(name)' field is empty")
        }
        var vin: Vin?
        if let text = value("vin") {
            vin = Vin(text)
            if vin == nil {
                messages.append(
                    "'\(RegistryText.shown(text))' is not a VIN (17 characters of 0-9 and A-Z without I, O, Q)")
            }
        }
        var operatorId: String?
        if let text = value("operator") {
            if Registry.isOperatorId(text) {
                operatorId = text
            } else {
                messages.append(
                    "'\(RegistryText.shown(text))' is not an operator id (1 to \(Registry.maxOperatorIdLength) "
                        + "characters of A-Z, a-z, 0-9, '_', '.', '-', not starting with '.', such as the unified "
                        + "social credit code; the name goes in operator_name)")
            }
        }
        var classId: String?
        if let text = value("class") {
            // Compared exactly: byte for byte, not as Unicode-equivalent strings.
            if let id = classes.first(where: { $0.utf8.elementsEqual(text.utf8) }) {
                classId = id
            } else {
                messages.append("unknown class '\(RegistryText.shown(text))' (the policy defines: \(known))")
            }
        }
        if let vin {
            if let first = firstLine[vin] {
                messages.append("VIN \(vin) is listed twice (first on line \(first))")
            } else {
                firstLine[vin] = record.line
            }
        }
        let name = value("operator_name")
        if let operatorId, let name {
            if let earlier = operatorNames[operatorId] {
                if !earlier.name.utf8.elementsEqual(name.utf8) {
                    messages.append(
                        "operator '\(operatorId)' is named '\(RegistryText.shown(name))' here but "
                            + "'\(RegistryText.shown(earlier.name))' on line \(earlier.line) "
                            + "(an operator has one operator_name)")
                }
            } else {
                operatorNames[operatorId] = (name, record.line)
            }
        }
        guard messages.isEmpty, let vin, let operatorId, let classId else {
            report(record.line, messages)
            return
        }
        vehicles[vin] = RegisteredVehicle(
            vin: vin, operatorId: operatorId, classId: classId, plate: value("plate"), operatorName: name)
    }

}

extension Registry {
    /// Whether `text` is an operator id (SPEC 4): 1 to 64 of `A-Z a-z 0-9 _ . -`, not starting with `.`.
    public static func isOperatorId(_ text: String) -> Bool {
        let bytes = text.utf8
        guard (1...Registry.maxOperatorIdLength).contains(bytes.count), bytes.first != UInt8(ascii: ".") else {
            return false
        }
        return bytes.allSatisfy { byte in
            (byte &- 65 < 26) || (byte &- 97 < 26) || (byte &- 48 < 10) || byte == UInt8(ascii: "_")
                || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-")
        }
    }
}
