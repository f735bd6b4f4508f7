import Foundation
import TestSupport
import Testing

/// A registry saved by Excel or WPS on Chinese Windows (GB18030), through the built binary
/// (SPEC 4, 7): refused with the hint without the option, read with it.
@Suite("Registry encodings on the command line (SPEC 4)")
struct RegistryEncodingCommandTests {
    /// GBK (a subset of GB18030) bytes of the operators' names, as the spreadsheet saves them.
    static let names: [(id: String, name: String, bytes: [UInt8])] = [
        ("bjqingl", "北京氢链", [0xB1, 0xB1, 0xBE, 0xA9, 0xC7, 0xE2, 0xC1, 0xB4]),
        ("jdwl", "京东物流", [0xBE, 0xA9, 0xB6, 0xAB, 0xCE, 0xEF, 0xC1, 0xF7]),
        ("sqjt", "首汽集团", [0xCA, 0xD7, 0xC6, 0xFB, 0xBC, 0xAF, 0xCD, 0xC5]),
    ]
    /// `京A0000N` in GBK.
    static func plate(_ number: Int) -> [UInt8] { [0xBE, 0xA9] + Array("A0000\(number)".utf8) }

    /// Writes the registry (GB18030, CRLF, two vehicles per operator, the second line quoting the
    /// name) and a day of telemetry for every vehicle; returns the registry's path.
    static func writeCase(in folder: TemporaryFolder) -> String {
        var registry = Array("VIN,Operator,Class,Operator_Name,Plate\r\n".utf8)
        var telemetry = "vin,ts,odometer_km,fc_current_a\n"
        var vehicle = 0
        for (id, _, name) in names {
            for quoted in [false, true] {
                vehicle += 1
                let vin = "LZYTEST000000000\(vehicle)"
                registry += Array("\(vin),\(id),heavy_truck,".utf8)
                registry += quoted ? [0x22] + name + [0x22] : name
                registry += Array(",".utf8) + plate(vehicle) + Array("\r\n".utf8)
                for step in 0..<10 {
                    telemetry += "\(vin),\(1_740_787_200 + step * 10),\(100 + step).\(vehicle),50\n"
                }
            }
        }
        folder.write("telemetry/day.csv", telemetry)
        return folder.write("registry.csv", bytes: registry)
    }

    @Test("GB18030 bytes: status 2 with the hint; with --registry-encoding gb18030 three operators stay three")
    func gb18030() throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        let registry = Self.writeCase(in: folder)
        let telemetry = folder.path("telemetry")

        let refused = try runH2fleet(["subsidy", "--registry", registry, "--year", "2025", telemetry])
        #expect(refused.status == 2)
        #expect(refused.stdout.isEmpty)
        #expect(refused.stderr.contains("\(registry):2: not UTF-8 text"), "\(refused.stderr)")
        #expect(refused.stderr.contains("GBK/GB18030"))
        #expect(refused.stderr.contains("--registry-encoding gb18030"))

        let read = try runH2fleet([
            "subsidy", "--registry", registry, "--registry-encoding", "gb18030", "--year", "2025", "--format", "json",
            "--no-progress", telemetry,
        ])
        #expect(read.status == 0, "\(read.stderr)")
        let report = try #require(
            try JSONSerialization.jsonObject(with: Data(read.stdout.utf8)) as? [String: Any])
        let operators = try #require(report["operators"] as? [[String: Any]])
        #expect(operators.compactMap { $0["operator"] as? String } == ["bjqingl", "jdwl", "sqjt"])
        #expect(operators.allSatisfy { $0["vehicles"] as? Int == 2 })
        let vehicles = try #require(report["vehicles"] as? [[String: Any]])
        #expect(vehicles.compactMap { $0["operator"] as? String }.count == 6)

        // The names themselves arrive intact (explain prints the registration).
        for (index, (id, name, _)) in Self.names.enumerated() {
            let explained = try runH2fleet([
                "explain", "--registry", registry, "--registry-encoding", "gb18030", "--year", "2025", "--vin",
                "LZYTEST000000000\(2 * index + 2)", telemetry,
            ])
            #expect(explained.status == 0, "\(explained.stderr)")
            #expect(
                explained.stdout.contains("operator \(id) (\(name)), class heavy_truck"), "\(explained.stdout)")
            #expect(explained.stdout.contains("plate 京A0000\(2 * index + 2)"))
        }
    }

    @Test("explain without the option refuses the GB18030 registry too; an unknown encoding is bad usage")
    func otherCommands() throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        let registry = Self.writeCase(in: folder)
        let telemetry = folder.path("telemetry")
        let explained = try runH2fleet([
            "explain", "--registry", registry, "--year", "2025", "--vin", "LZYTEST0000000001", telemetry,
        ])
        #expect(explained.status == 2)
        #expect(explained.stderr.contains("--registry-encoding gb18030"))
        let unknown = try runH2fleet([
            "subsidy", "--registry", registry, "--registry-encoding", "latin1", "--year", "2025", telemetry,
        ])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("registry-encoding"))
    }
}
