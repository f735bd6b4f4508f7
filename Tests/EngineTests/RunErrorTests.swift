@testable import Engine
import Foundation
import TestSupport
import Testing

/// Errors keep their codes across the `Engine` boundary, so a caller (a server) can choose its
/// answer without reading messages.
@Suite("Run errors carry codes")
struct RunErrorTests {
    func code(_ request: SubsidyRequest) -> RunError.Code? {
        do {
            _ = try SubsidyRun.run(request)
            return nil
        } catch {
            return error.code
        }
    }

    @Test("year outside the policy, missing input, bad or missing registry and policy")
    func codes() {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        let good = folder.write("registry.csv", "vin,operator,class\nLZYTEST0000000001,OP1,bus\n")
        let bad = folder.write("bad.csv", "vin,operator,class\nnot-a-vin,OP1,bus\n")
        let telemetry = folder.write("t.csv", "vin,ts,odometer_km,fc_current_a\n")
        let request = { (registry: String, year: Int, inputs: [String], policy: String?) in
            SubsidyRequest(policyPath: policy, registryPath: registry, year: year, inputs: inputs, threads: 1)
        }
        #expect(code(request(good, 2025, [telemetry], nil)) == nil)
        #expect(code(request(good, 2019, [telemetry], nil)) == .yearOutsidePolicy)
        #expect(code(request(good, 2025, [folder.path("nope.csv")], nil)) == .inputNotFound)
        #expect(code(request(bad, 2025, [telemetry], nil)) == .badRegistry)
        #expect(code(request(folder.path("none.csv"), 2025, [telemetry], nil)) == .badRegistry)
        #expect(code(request(good, 2025, [telemetry], telemetry)) == .badPolicy)
        #expect(code(request(good, 2025, [telemetry], folder.path("none.toml"))) == .badPolicy)
    }
}
