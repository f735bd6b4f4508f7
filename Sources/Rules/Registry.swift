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
    /// The operator's name, when the registry gives one.
    public var operatorName: String?
}

/// The roster of the programme for the year: which vehicle belongs to which operator and class.
public struct Registry: Sendable {
    /// The vehicles by VIN.
    public let vehicles: [Vin: RegisteredVehicle]

    /// Reads a registry CSV (SPEC 4) with the text rules of SPEC 2.1.
    /// - Parameters:
    ///   - bytes: the file's content.
    ///   - file: the file's name, for messages.
    ///   - classes: the class ids the policy defines.
    /// - Throws: `RulesError` naming the line for a wrong number of fields, an empty required
    ///   field, a bad VIN, an unknown class, a VIN listed twice, or a missing column.
    public init(bytes: [UInt8], file: String, classes: Set<String>) throws(RulesError) {
        var rows: [(line: Int, fields: [String], tooLong: Bool)] = []
        var splitter = LineSplitter()
        bytes.withUnsafeBytes { buffer in
            let collect: (Int64, UnsafeRawBufferPointer, Bool) -> Void = { number, line, tooLong in
                if !tooLong && TextBytes.isBlank(line) { return }
                rows.append((Int(number), tooLong ? [] : TextBytes.fields(line), tooLong))
            }
            splitter.consume(buffer, collect)
            splitter.finish(collect)
        }
        guard let header = rows.first else {
            throw RulesError(file: file, "the registry is empty: expected a header line with vin, operator, class")
        }
        if header.tooLong {
            throw RulesError(file: file, line: header.line, "header is longer than \(LineSplitter.maxLineBytes) bytes")
        }
        func column(_ name: String, required: Bool) throws(RulesError) -> Int? {
            let positions = header.fields.indices.filter { header.fields[$0] == name }
            if positions.count > 1 {
                throw RulesError(file: file, line: header.line, "column '\(name)' appears more than once in the header")
            }
            if required && positions.isEmpty {
                throw RulesError(
                    file: file, line: header.line,
                    "header has no '\(name)' column (required: vin, operator, class)")
            }
            return positions.first
        }
        let vinColumn = try column("vin", required: true)!
        let operatorColumn = try column("operator", required: true)!
        let classColumn = try column("class", required: true)!
        let plateColumn = try column("plate", required: false)
        let nameColumn = try column("operator_name", required: false)
        var vehicles: [Vin: RegisteredVehicle] = [:]
        var firstLine: [Vin: Int] = [:]
        let known = classes.sorted().joined(separator: ", ")
        for row in rows.dropFirst() {
            if row.tooLong {
                throw RulesError(file: file, line: row.line, "line is longer than \(LineSplitter.maxLineBytes) bytes")
            }
            guard row.fields.count == header.fields.count else {
                throw RulesError(
                    file: file, line: row.line,
                    "has \(row.fields.count) fields, the header has \(header.fields.count)")
            }
            for (name, index) in [("vin", vinColumn), ("operator", operatorColumn), ("class", classColumn)]
            where row.fields[index].isEmpty {
                throw RulesError(file: file, line: row.line, "the '\(name)' field is empty")
            }
            guard let vin = Vin(row.fields[vinColumn]) else {
                throw RulesError(
                    file: file, line: row.line,
                    "'\(row.fields[vinColumn])' is not a VIN (17 characters of 0-9 and A-Z without I, O, Q)")
            }
            let classId = row.fields[classColumn]
            guard classes.contains(classId) else {
                throw RulesError(
                    file: file, line: row.line,
                    "unknown class '\(classId)' (the policy defines: \(known))")
            }
            if let first = firstLine[vin] {
                throw RulesError(file: file, line: row.line, "VIN \(vin) is listed twice (first on line \(first))")
            }
            firstLine[vin] = row.line
            vehicles[vin] = RegisteredVehicle(
                vin: vin, operatorId: row.fields[operatorColumn], classId: classId,
                plate: plateColumn.map { row.fields[$0] }.flatMap { $0.isEmpty ? nil : $0 },
                operatorName: nameColumn.map { row.fields[$0] }.flatMap { $0.isEmpty ? nil : $0 })
        }
        self.vehicles = vehicles
    }
}
