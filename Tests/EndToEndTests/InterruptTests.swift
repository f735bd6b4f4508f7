import Foundation
import TestSupport
import Testing

/// Issue 3, target 5: the temporary spill folder is always cleaned up, also when the run is
/// stopped by a signal while it spills.
@Suite("Interrupted runs")
struct InterruptTests {
    @Test("SIGTERM while spilling removes the spill folder and ends the run by that signal")
    func termWhileSpilling() throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        // 360,000 frames of 6 vehicles, shuffled across three files: more overlapping frames
        // than a 16 MiB budget merges at once (about 131,000), so the run spills.
        var random = SplitMix(seed: 77)
        var rows: [String] = []
        rows.reserveCapacity(360_000)
        for vehicle in 1...6 {
            var odometer = 10_000 * vehicle
            for step in 0..<60_000 {
                odometer += Int(random.next() % 3)
                rows.append(
                    "LZYTEST000000000\(vehicle),\(1_740_787_200 + 10 * step),\(odometer / 10).\(odometer % 10),50.0")
            }
        }
        rows.shuffle(using: &random)
        for part in 0..<3 {
            let slice = rows[(part * 120_000)..<((part + 1) * 120_000)]
            folder.write("t\(part).csv", "vin,ts,odometer_km,fc_current_a\n" + slice.joined(separator: "\n") + "\n")
        }
        let registry = folder.write("registry.csv", "vin,operator,class\nLZYTEST0000000001,OP1,bus\n")
        let spill = folder.path("spill")
        try FileManager.default.createDirectory(atPath: spill, withIntermediateDirectories: true)
        let process = Process()
        process.executableURL = TestPaths.binary
        process.arguments = [
            "subsidy", "--registry", registry, "--year", "2025", "--memory-limit", "16", "--temp-dir", spill,
            "--threads", "2", folder.path("t0.csv"), folder.path("t1.csv"), folder.path("t2.csv"),
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let spillFolders = { ((try? FileManager.default.contentsOfDirectory(atPath: spill)) ?? []) }
        var seen = false
        let deadline = Date().addingTimeInterval(120)
        while process.isRunning && Date() < deadline {
            if !spillFolders().isEmpty {
                seen = true
                process.terminate()  // SIGTERM
                break
            }
            usleep(2_000)
        }
        process.waitUntilExit()
        #expect(seen, "the run ended before it spilled: the test needs more overlapping frames")
        if seen {
            #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGTERM)
        }
        #expect(spillFolders().isEmpty)
    }
}
