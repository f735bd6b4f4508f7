import Foundation
import Frames
import Rules
import Testing

/// Reads `text` (UTF-8) as a registry with the classes `bus` and `heavy_truck`.
private func registry(_ text: String, encoding: RegistryEncoding = .utf8) throws(RulesError) -> Registry {
    try Registry(bytes: Array(text.utf8), file: "r.csv", classes: ["bus", "heavy_truck"], encoding: encoding)
}

/// The error reading `bytes` gives, or `nil` when it reads.
private func registryError(bytes: [UInt8], encoding: RegistryEncoding = .utf8) -> RulesError? {
    do {
        _ = try Registry(bytes: bytes, file: "r.csv", classes: ["bus", "heavy_truck"], encoding: encoding)
        return nil
    } catch {
        return error
    }
}

private func registryError(_ text: String) -> RulesError? { registryError(bytes: Array(text.utf8)) }

private func vin(_ text: String) -> Vin { Vin(text)! }

/// GB18030 (here GBK) bytes of the names the end-to-end test uses too.
enum GBK {
    static let 北京氢链: [UInt8] = [0xB1, 0xB1, 0xBE, 0xA9, 0xC7, 0xE2, 0xC1, 0xB4]
    static let 京东物流: [UInt8] = [0xBE, 0xA9, 0xB6, 0xAB, 0xCE, 0xEF, 0xC1, 0xF7]
    static let 首汽集团: [UInt8] = [0xCA, 0xD7, 0xC6, 0xFB, 0xBC, 0xAF, 0xCD, 0xC5]
    /// `京A12345`.
    static let plate: [UInt8] = [0xBE, 0xA9] + Array("A12345".utf8)
    /// U+FEFF in GB18030.
    static let byteOrderMark: [UInt8] = [0x84, 0x31, 0x95, 0x33]
}

@Suite("Registry (SPEC 4)")
struct RegistryTests {
    @Test("text rules: BOM, CRLF, blank lines, trimming, upper-casing, optional columns")
    func reads() throws {
        let text =
            "\u{FEFF}plate,vin,operator,class,operator_name,notes\r\n\r\n 京A1 , lzytest0000000001 , OP1 , bus ,Op One,x\r\nP2,LZYTEST0000000002,OP2,heavy_truck,,\r\n"
        let registry = try registry(text)
        #expect(registry.vehicles.count == 2)
        let first = try #require(registry.vehicles[vin("LZYTEST0000000001")])
        #expect(
            first.operatorId == "OP1" && first.classId == "bus" && first.plate == "京A1"
                && first.operatorName == "Op One")
        #expect(registry.vehicles[vin("LZYTEST0000000002")]?.operatorName == nil)
        #expect(registry.operatorName(of: "OP1") == "Op One")
        #expect(registry.operatorName(of: "OP2") == nil)
    }

    @Test("an operator's name given on one of its lines is its vehicles' operator name")
    func operatorNameOnOneLine() throws {
        let text = "vin,operator,class,operator_name\nLZYTEST0000000001,op1,bus,\nLZYTEST0000000002,op1,bus,北京氢链\n"
        let registry = try registry(text)
        #expect(registry.vehicles.values.map(\.operatorName) == ["北京氢链", "北京氢链"])
    }

    // SPEC 4: RFC 4180 fields as Excel and WPS write them.
    @Test("quoted fields hold commas, quotes and line ends; spaces outside quotes and inside are trimmed")
    func quotedFields() throws {
        let text = """
            vin,operator,class,plate,operator_name
            "LZYTEST0000000001",op1,bus,"京A ""1"", x","Line one
            line two, still the name"
              "LZYTEST0000000002"\t ,op1 ,  "heavy_truck"  ,"  spaced  ",
            LZYTEST0000000003,op2,bus,"",""

            """
        let registry = try registry(text)
        #expect(registry.vehicles.count == 3)
        let first = try #require(registry.vehicles[vin("LZYTEST0000000001")])
        #expect(first.plate == "京A \"1\", x")
        #expect(first.operatorName == "Line one\nline two, still the name")
        let second = try #require(registry.vehicles[vin("LZYTEST0000000002")])
        #expect(second.classId == "heavy_truck" && second.plate == "spaced")
        #expect(second.operatorName == first.operatorName)  // its operator's name, from line 2
        let third = try #require(registry.vehicles[vin("LZYTEST0000000003")])
        #expect(third.plate == nil && third.operatorName == nil)
    }

    @Test("line numbers are physical: a line end inside quotes counts")
    func physicalLines() {
        let text = "vin,operator,class,plate\nLZYTEST0000000001,op1,bus,\"two\nlines\"\r\nLZYTEST0000000002,op1,tram,\n"
        let error = registryError(text)
        #expect(error?.line == 4)
        #expect(error?.description.hasPrefix("r.csv:4: unknown class 'tram'") == true, "\(String(describing: error))")
    }

    @Test("header names in any ASCII case; other columns ignored, even repeated; class compared exactly")
    func headerCase() throws {
        let text = "VIN,Operator,CLASS,Plate,Operator_Name,Notes,notes,\nlzytest0000000001,op1,bus,P1,Name,a,b,c\n"
        let registry = try registry(text)
        #expect(registry.vehicles[vin("LZYTEST0000000001")]?.plate == "P1")
        #expect(
            registryError("vin,operator,class\nLZYTEST0000000001,op1,Bus\n")?.message.contains("unknown class 'Bus'")
                == true)
    }

    @Test("lines whose fields are all empty are ignored, before the header too")
    func emptyLines() throws {
        let text =
            ",,\n  \t \n\"\", \"\" ,\nvin,operator,class\n,,\n\r\nLZYTEST0000000001,op1,bus\n ,\t,\nLZYTEST0000000002,op1,bus"
        let registry = try registry(text)
        #expect(registry.vehicles.count == 2)
        #expect(
            registryError("LZYTEST0000000001,op1,bus\n")?.message.contains("found: LZYTEST0000000001,op1,bus") == true)
    }

    @Test(
        "operator ids: 1 to 64 of A-Z a-z 0-9 _ . -, not starting with '.'",
        arguments: [
            ("91110000MA01ABCD2X", true), ("a.b-c_d", true), ("-x", true), ("x.", true), ("0", true),
            (String(repeating: "a", count: 64), true), (String(repeating: "a", count: 65), false),
            (".hidden", false), ("北京氢链", false), ("op 1", false), ("op/1", false), ("op\u{7F}", false),
            ("ｏｐ", false),
        ])
    func operatorIds(_ id: String, _ valid: Bool) {
        let text = "vin,operator,class\nLZYTEST0000000001,\"\(id)\",bus\n"
        let error = registryError(text)
        #expect((error == nil) == valid, "\(String(describing: error))")
        if !valid { #expect(error?.description.contains("is not an operator id") == true) }
    }

    // SPEC 4: each error kind names its line and what is wrong.
    @Test(
        "errors name the file and line",
        arguments: [
            ("vin,operator,class\nLZYTEST0000000001,OP1\n", 2, "has 2 fields, the header has 3"),
            ("vin,operator,class\nLZYTEST0000000001,OP1,bus,x\n", 2, "has 4 fields, the header has 3"),
            ("vin,operator,class\nLZYTEST0000000001,,bus\n", 2, "the 'operator' field is empty"),
            ("vin,operator,class\n  ,OP1,bus\n", 2, "the 'vin' field is empty"),
            ("vin,operator,class\nLZYTEST0000000001,OP1,\"  \"\n", 2, "the 'class' field is empty"),
            ("vin,operator,class\nLZYTEST000000000O,OP1,bus\n", 2, "'LZYTEST000000000O' is not a VIN"),
            ("vin,operator,class\nLZYTEST0000000001,.op,bus\n", 2, "'.op' is not an operator id"),
            (
                "vin,operator,class\nLZYTEST0000000001,OP1,tram\n", 2,
                "unknown class 'tram' (the policy defines: bus, heavy_truck)"
            ),
            (
                "vin,operator,class\nLZYTEST0000000001,OP1,bus\n\nlzytest0000000001,OP2,bus\n", 4,
                "VIN LZYTEST0000000001 is listed twice (first on line 2)"
            ),
            (
                "vin,operator,class,operator_name\nLZYTEST0000000001,OP1,bus,北京氢链\nLZYTEST0000000002,OP1,bus,\nLZYTEST0000000003,OP1,bus,北京氢链 \nLZYTEST0000000004,OP1,bus,京东物流\n",
                5, "operator 'OP1' is named '京东物流' here but '北京氢链' on line 2"
            ),
            ("vin,operator\nLZYTEST0000000001,OP1\n", 1, "header has no 'class' column"),
            ("Vin,Operator,Vin,class\n", 1, "column 'vin' appears more than once"),
            ("vin,operator,class\nLZYTEST0000000001,OP1,\"bus\n", 2, "still open at the end of the file"),
            ("vin,operator,class\nLZYTEST0000000001,OP1,\"bus\"x\n", 2, "text after the closing quote of field 3"),
            (
                "vin,operator,class\nLZYTEST0000000001,OP1\rX,bus\n", 2,
                "carriage return (CR) not followed by a line feed"
            ),
            ("vin,operator,class\nLZYTEST0000000001,OP1,bus\r", 2, "carriage return (CR) not followed by a line feed"),
        ])
    func errors(_ text: String, _ line: Int, _ fragment: String) {
        let error = registryError(text)
        #expect(error?.line == line)
        #expect(error?.problemCount == 1)
        #expect(error?.description.hasPrefix("r.csv:\(line): ") == true, "\(String(describing: error))")
        #expect(error?.description.contains(fragment) == true, "\(String(describing: error))")
    }

    @Test("a missing column: the message shows the header found")
    func missingColumn() {
        let error = registryError("\u{FEFF}VIN,Operater,Klasse,Plate\r\nLZYTEST0000000001,op1,bus,P\r\n")
        #expect(error?.line == 1)
        #expect(
            error?.message
                == "header has no 'operator', 'class' columns (required: vin, operator, class; "
                + "optional: plate, operator_name; found: VIN,Operater,Klasse,Plate)")
    }

    @Test("every problem of a line in one entry")
    func problemsOfOneLine() {
        let error = registryError("vin,operator,class\nLZYTEST000000000O,.x,tram\n")
        #expect(error?.problemCount == 1)
        let message = error?.message ?? ""
        #expect(
            message.contains("not a VIN") && message.contains("not an operator id") && message.contains("unknown class")
        )
    }

    // SPEC 4: every bad line is reported, the first 20, each with its line number.
    @Test("every bad line is reported, the first 20 with their lines, in one error")
    func manyErrors() {
        var text = "vin,operator,class\n"
        var badLines: [Int] = []
        for index in 0..<40 {
            let line = index + 2
            if index % 3 == 0 {
                text += "LZYTEST00000000\(String(format: "%02d", index)),op1,tram\n"
                badLines.append(line)
            } else if index % 3 == 1 {
                text += "LZYTEST00000000\(String(format: "%02d", index)),op1,bus,extra\n"
                badLines.append(line)
            } else {
                text += "LZYTEST00000000\(String(format: "%02d", index)),op1,bus\n"
            }
        }
        guard let error = registryError(text) else {
            Issue.record("the registry must be refused")
            return
        }
        #expect(error.problemCount == badLines.count)
        #expect(error.problems.count == 20)
        #expect(error.problems.map(\.line) == badLines.prefix(20).map { $0 })
        #expect(error.line == 2)
        #expect(error.message == "\(badLines.count) lines are wrong; the first 20:")
        let lines = error.description.split(separator: "\n")
        #expect(lines.first == "r.csv: \(badLines.count) lines are wrong; the first 20:")
        #expect(lines[1] == "  r.csv:2: unknown class 'tram' (the policy defines: bus, heavy_truck)")
        #expect(lines[2] == "  r.csv:3: has 4 fields, the header has 3")
        #expect(lines.count == 22)
        #expect(lines.last?.contains("and \(badLines.count - 20) more") == true)
    }

    @Test("a header problem and bad lines after it are all reported")
    func headerAndLines() {
        let error = registryError("vin,operator,plate\nLZYTEST0000000001,op1,P\nLZYTEST000000000I,op1,P\n,x\n")
        #expect(error?.problems.map(\.line) == [1, 3, 4])
        #expect(error?.description.contains("r.csv:1: header has no 'class' column") == true)
    }

    @Test("text quoted in messages cannot drive a terminal")
    func controlCharacters() {
        let error = registryError("vin,operator,class\nLZYTEST0000000001,op1,\"bus\u{1B}]0;x\u{07}\\\"\n")
        #expect(
            error?.message.contains("unknown class 'bus\\x1B]0;x\\x07\\\\'") == true, "\(String(describing: error))")
    }

    @Test("an empty registry, or one of empty lines only, is an error")
    func empty() {
        for text in ["", "\u{FEFF}", "\n\r\n", ",,,\n"] {
            #expect(registryError(text)?.message.contains("the registry is empty") == true)
        }
    }
}

@Suite("Registry encodings (SPEC 4)")
struct RegistryEncodingTests {
    /// A registry of three operators, their names in GB18030 bytes.
    static let gb18030Registry: [UInt8] = {
        var bytes = Array("vin,operator,class,operator_name,plate\r\n".utf8)
        for (index, (id, name)) in [("bjqingl", GBK.北京氢链), ("jdwl", GBK.京东物流), ("sqjt", GBK.首汽集团)].enumerated() {
            bytes += Array("LZYTEST000000000\(index + 1),\(id),bus,".utf8) + name + Array(",".utf8) + GBK.plate
            bytes += Array("\r\n".utf8)
        }
        return bytes
    }()

    @Test("a registry that is not UTF-8 names the first bad line and --registry-encoding gb18030")
    func notUTF8() {
        let error = registryError(bytes: Self.gb18030Registry)
        #expect(error?.line == 2)
        #expect(error?.problemCount == 1)
        let text = error?.description ?? ""
        #expect(text.hasPrefix("r.csv:2: not UTF-8 text (byte 0xB1 at column 31)"), "\(text)")
        #expect(text.contains("GBK/GB18030") && text.contains("--registry-encoding gb18030"))
    }

    @Test("GB18030 bytes decoded: three operators stay three, names and plates kept")
    func gb18030() throws {
        let registry = try Registry(
            bytes: Self.gb18030Registry, file: "r.csv", classes: ["bus"], encoding: .gb18030)
        #expect(registry.vehicles.count == 3)
        #expect(registry.operatorName(of: "bjqingl") == "北京氢链")
        #expect(registry.operatorName(of: "jdwl") == "京东物流")
        #expect(registry.operatorName(of: "sqjt") == "首汽集团")
        #expect(Set(registry.vehicles.values.map(\.operatorId)) == ["bjqingl", "jdwl", "sqjt"])
        #expect(registry.vehicles.values.allSatisfy { $0.plate == "京A12345" })
    }

    @Test("a GB18030 byte-order mark is dropped after decoding; four-byte sequences decode")
    func gb18030Details() throws {
        // U+20000 (𠀀) is 0x95 0x32 0x82 0x36 in GB18030.
        let bytes =
            GBK.byteOrderMark + Array("vin,operator,class,operator_name\nLZYTEST0000000001,op1,bus,".utf8)
            + [0x95, 0x32, 0x82, 0x36] + GBK.首汽集团
        let registry = try Registry(bytes: bytes, file: "r.csv", classes: ["bus"], encoding: .gb18030)
        #expect(registry.operatorName(of: "op1") == "\u{20000}首汽集团")
    }

    @Test(
        "bytes that are not GB18030 are an error naming the encoding and the line; nothing is replaced",
        arguments: [
            ([0x80] as [UInt8], "0x80"), ([0xFF], "0xFF"), ([0x81, 0x20], "0x81 0x20"),
            ([0xB1], "ends inside a character"),
            ([0x84, 0x31, 0xA5, 0x30], "0x84 0x31 0xA5 0x30"),
        ])
    func badGB18030(_ bad: [UInt8], _ fragment: String) {
        let bytes =
            Array("vin,operator,class,operator_name\nLZYTEST0000000001,op1,bus,\nLZYTEST0000000002,op1,bus,".utf8)
            + bad
        let error = registryError(bytes: bytes, encoding: .gb18030)
        #expect(error?.line == 3)
        let text = error?.description ?? ""
        #expect(text.hasPrefix("r.csv:3: not GB18030 text (--registry-encoding gb18030)"), "\(text)")
        #expect(text.contains(fragment), "\(text)")
    }

    @Test("UTF-8 errors name the line of the first bad byte: overlong forms and surrogates are not UTF-8")
    func badUTF8() {
        for (bad, column) in [([0xC0, 0xAF] as [UInt8], 27), ([0xED, 0xA0, 0x80], 27), ([0xE4, 0xBA], 27)] {
            let bytes =
                Array("vin,operator,class,plate\n\"LZYTEST0000000001\",op1,bus,\n\nLZYTEST0000000002,op1,bus,".utf8)
                + bad
            let error = registryError(bytes: bytes)
            #expect(error?.line == 4)
            #expect(error?.message.contains("at column \(column)") == true, "\(String(describing: error))")
        }
    }

    @Test("encoding names as the command line takes them")
    func names() {
        #expect(RegistryEncoding(rawValue: "utf-8") == .utf8)
        #expect(RegistryEncoding(rawValue: "gb18030") == .gb18030)
        #expect(RegistryEncoding.allCases.map(\.rawValue) == ["utf-8", "gb18030"])
    }
}
