import FuzzDriver
import Frames
import Rules

let classes: Set<String> = ["heavy_truck", "light_truck", "cold_chain", "bus", "sanitation"]

/// What reading gives: the vehicles and operator names, or the error's text.
func read(_ bytes: [UInt8], _ encoding: RegistryEncoding) -> Result<Registry, RulesError> {
    Result { () throws(RulesError) in try Registry(bytes: bytes, file: "r.csv", classes: classes, encoding: encoding) }
}

/// Whether `text` is an operator id (SPEC 4), checked independently of the reader.
func isOperatorId(_ text: String) -> Bool {
    let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-".utf8)
    return (1...64).contains(text.utf8.count) && !text.hasPrefix(".") && text.utf8.allSatisfy(allowed.contains)
}

/// Any bytes as a registry, read as UTF-8 and as GB18030. Must never crash. A registry that
/// reads holds only valid VINs, operator ids and classes, each operator with at most one name;
/// an error lists 1 to 20 problems in line order, on lines the file has. ASCII bytes read the
/// same in both encodings.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRegistry(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: start, count: count))
    let lines = 1 + bytes.count(where: { $0 == 0x0A })
    var outcomes: [String] = []
    for encoding in RegistryEncoding.allCases {
        switch read(bytes, encoding) {
        case .success(let registry):
            for vehicle in registry.vehicles.values {
                precondition(Vin(vehicle.vin.description) == vehicle.vin)
                precondition(isOperatorId(vehicle.operatorId), "operator id \(vehicle.operatorId)")
                precondition(classes.contains(vehicle.classId))
                precondition(vehicle.operatorName == registry.operatorName(of: vehicle.operatorId))
                precondition(vehicle.plate.map { !$0.isEmpty } ?? true)
            }
            let summary = registry.vehicles.values.sorted { $0.vin < $1.vin }.map {
                "\($0.vin) \($0.operatorId) \($0.classId) \($0.plate ?? "-") \($0.operatorName ?? "-")"
            }
            outcomes.append(summary.joined(separator: "\n"))
        case .failure(let error):
            precondition(!error.problems.isEmpty && error.problems.count <= RulesError.maxProblems)
            precondition(error.problemCount >= error.problems.count)
            let numbers = error.problems.compactMap(\.line)
            precondition(numbers == numbers.sorted(), "problems out of line order")
            precondition(numbers.allSatisfy { (1...lines).contains($0) }, "a problem on a line the file lacks")
            precondition(error.line == error.problems[0].line)
            outcomes.append("error " + error.description)
        }
    }
    if bytes.allSatisfy({ $0 < 0x80 }) {
        precondition(outcomes[0] == outcomes[1], "ASCII reads differently as GB18030")
    }
    return 0
}

/// SwiftPM links an executable target's entry point as `FuzzRegistry_main`; hand over to libFuzzer.
@_cdecl("FuzzRegistry_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv) { start, length in fuzzRegistry(start, length) }
}
