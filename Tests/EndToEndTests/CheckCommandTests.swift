import Foundation
import TestSupport
import Testing

/// `h2fleet check`: operators' pre-upload check (no registry, no policy needed).
@Suite("check command")
struct CheckCommandTests {
    let telemetry = """
        vin,ts,odometer_km,fc_current_a
        LZYTEST0000000001,2025-03-04T08:00:00+08:00,100.0,50
        LZYTEST0000000001,2025-03-04T08:00:10+08:00,100.2,50
        LZYTEST0000000001,2025-03-04T08:07:00+08:00,102.2,50
        LZYTEST0000000001,2025-03-04T08:07:10+08:00,102.4,50
        LZYTEST0000000001,2025-03-04T08:07:20+08:00,90.0,50
        LZYTEST0000000001,2025-03-04T08:07:30+08:00,90.1,50
        LZYTEST0000000001,2025-03-04T08:07:30+08:00,90.3,50
        bad row

        """

    @Test("describes files and vehicles, warns in plain words, exit 0")
    func describes() throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        folder.write("up/day.csv", telemetry)
        let result = try runH2fleet(["check", folder.path("up")])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(
            result.stdout.contains(
                "day.csv: 7 frames, 1 vehicle, 2025-03-04T08:00:00+08:00 to 2025-03-04T08:07:30+08:00, 1 rejected row"))
        #expect(result.stdout.contains("1 wrong_field_count, e.g. line 9: bad row"))
        #expect(result.stdout.contains("! 1 gap longer than 300 s on 2025-03-04 lost 2.0 km"))
        #expect(result.stdout.contains("! 1 odometer rollback (first at 2025-03-04T08:07:20+08:00)"))
        #expect(result.stdout.contains("! 1 conflicting duplicate frame"))
        #expect(
            result.stdout.contains(
                "hydrogen 0.2 km, battery 0.0 km, not paid: gaps 2.0 km, overspeed 0.0 km, next to rollbacks 0.3 km"))
    }

    @Test("captures: revisions seen, frames by command, rejections by byte offset")
    func captures() throws {
        let folder = TestPaths.captureConformance.appendingPathComponent("g01_vectors/telemetry")
        let result = try runH2fleet(["check", folder.path])
        #expect(result.status == 0)
        #expect(
            result.stdout.contains(
                "valid frames: GB/T 32960.3-2016: 9; by command: 0x01 login ×1, 0x02 realtime ×6, "
                    + "0x03 reissue ×1, 0x07 heartbeat ×1"))
        #expect(result.stdout.contains("1 bad_checksum, e.g. byte offset 436"))
        #expect(result.stdout.contains("3 rejected frames"))
    }

    @Test("a file that cannot be read is named and gives exit 3; json for machines")
    func failedFileAndJSON() throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        folder.write("up/day.csv", telemetry)
        folder.write("up/broken.csv.zst", bytes: Array("not zstd at all".utf8))
        let text = try runH2fleet(["check", folder.path("up")])
        #expect(text.status == 3)
        #expect(text.stdout.contains("FAILED"))
        #expect(text.stdout.contains("broken.csv.zst"))
        let json = try runH2fleet(["check", "--format", "json", folder.path("up")])
        #expect(json.status == 3)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["schema"] as? String == "h2fleet.check/1")
        let files = try #require(object["files"] as? [[String: Any]])
        #expect(files.map { $0["status"] as? String } == ["failed", "ok"])
        let vehicles = try #require(object["vehicles"] as? [[String: Any]])
        #expect(vehicles.first?["gap_km"] as? Double == 2.0)
        #expect((vehicles.first?["warnings"] as? [String])?.isEmpty == false)
    }
}
