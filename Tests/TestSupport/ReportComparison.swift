import Foundation

/// Compares a produced `report.json` with a conformance case's `expected.json`, as the suite's
/// README says: every field present in the expected document must be equal; numbers compare as
/// decimals; `inputs.files`, `vehicles` and `operators` match entries by `path`, `vin` and
/// `operator` and must have the same length; `doc` and `exit` are not report fields.
public enum ReportComparison {
    /// The differences, as readable lines; empty when the report conforms.
    public static func differences(expected: Any, actual: Any) -> [String] {
        var found: [String] = []
        compare(expected, actual, at: "", into: &found)
        return found
    }

    private static func compare(_ expected: Any, _ actual: Any, at path: String, into found: inout [String]) {
        switch expected {
        case let object as [String: Any]:
            guard let other = actual as? [String: Any] else {
                found.append("\(path): expected an object, got \(actual)")
                return
            }
            for (key, value) in object.sorted(by: { $0.key < $1.key }) {
                if path.isEmpty && (key == "doc" || key == "exit") { continue }
                guard let otherValue = other[key] else {
                    found.append("\(path).\(key): missing")
                    continue
                }
                compare(value, otherValue, at: "\(path).\(key)", into: &found)
            }
        case let array as [Any]:
            guard let other = actual as? [Any] else {
                found.append("\(path): expected an array, got \(actual)")
                return
            }
            guard array.count == other.count else {
                found.append("\(path): expected \(array.count) entries, got \(other.count)")
                return
            }
            let key = ["path", "vin", "operator"].first { key in
                (array.first as? [String: Any])?[key] != nil
            }
            for (index, item) in array.enumerated() {
                if let key, let id = (item as? [String: Any])?[key] as? String {
                    guard let match = other.first(where: { ($0 as? [String: Any])?[key] as? String == id }) else {
                        found.append("\(path)[\(key)=\(id)]: missing")
                        continue
                    }
                    compare(item, match, at: "\(path)[\(id)]", into: &found)
                } else {
                    compare(item, other[index], at: "\(path)[\(index)]", into: &found)
                }
            }
        case is NSNull:
            if !(actual is NSNull) { found.append("\(path): expected null, got \(actual)") }
        default:
            if !scalarsEqual(expected, actual) { found.append("\(path): expected \(expected), got \(actual)") }
        }
    }

    private static func scalarsEqual(_ expected: Any, _ actual: Any) -> Bool {
        if let text = expected as? String { return (actual as? String) == text }
        if let left = expected as? NSNumber, let right = actual as? NSNumber {
            let leftIsBool = isBoolean(left)
            let rightIsBool = isBoolean(right)
            if leftIsBool || rightIsBool { return leftIsBool == rightIsBool && left.boolValue == right.boolValue }
            return Decimal(string: left.stringValue) == Decimal(string: right.stringValue)
        }
        return false
    }

    /// JSONSerialization gives booleans as a distinct NSNumber subclass.
    private static func isBoolean(_ number: NSNumber) -> Bool {
        String(describing: type(of: number)).contains("Boolean")
    }
}
