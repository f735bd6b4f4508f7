import Foundation
import TestSupport
import Testing

/// `rejections.csv` over many files with many rejected rows (SPEC 7.2): per reason the first 20
/// by (path, position), whatever the number of threads.
@Suite("Rejection samples (SPEC 7.2)")
struct RejectionSamplesTests {
    /// One rejected line the test wrote.
    struct Rejected {
        var path: String
        var line: Int
        var reason: String
        var text: String
    }

    /// SPEC 7.1's order of the CSV reasons.
    static let reasons = ["line_too_long", "wrong_field_count", "bad_vin", "bad_ts", "bad_odometer", "bad_current"]

    /// Names whose byte order is not what a person or a directory walk might expect: upper case
    /// before `_` before lower case, `f10` before `f2`, `sub-a.csv` ('-' is 0x2D) before
    /// `sub/…` ('/' is 0x2F), `é` (0xC3) last.
    static let names = [
        "a.csv", "B.csv", "Z.csv", "_x.csv", "f1.csv", "f10.csv", "f2.csv", "f3.csv.zst", "sub-a.csv", "sub/a/b.csv",
        "sub/z.csv", "é.csv",
    ]

    /// Writes the files into `folder/in`; returns every rejected line.
    func writeFiles(_ folder: TemporaryFolder, seed: UInt64) throws -> [Rejected] {
        var random = SplitMix(seed: seed)
        var rejected: [Rejected] = []
        for (fileIndex, name) in Self.names.enumerated() {
            let path = folder.path("in") + "/" + name
            let crlf = fileIndex % 3 == 1
            var lines = ["vin,ts,odometer_km,fc_current_a"]
            for row in 0..<50 {
                let ts = 1_740_787_200 + fileIndex * 1000 + row * 10
                let long = "LZYTEST0000000001,\(ts),1.0,1.0," + String(repeating: "y", count: 5000)
                let (reason, text): (String?, String)
                // About 3, 2, 2, 1 and 2 rows of each reason a file: the cut of 20 falls in the
                // middle of the files for some reasons, others keep all their rows.
                switch random.next() % 50 {
                case 0: (reason, text) = ("line_too_long", long)
                case 1...3: (reason, text) = ("wrong_field_count", "LZYTEST0000000001,\(ts),\(row).0")
                case 4...5: (reason, text) = ("bad_vin", "LZYTEST00000000O\(row % 10),\(ts),\(row).0,1.0")
                case 6...7:
                    (reason, text) = ("bad_ts", "LZYTEST0000000001,2025-02-30T00:00:\(10 + row % 50)Z,\(row).0,1.0")
                case 8: (reason, text) = ("bad_odometer", "LZYTEST0000000001,\(ts),\(row).0.\(row),1.0")
                case 9...10: (reason, text) = ("bad_current", "LZYTEST0000000001,\(ts),\(row).0,+\(row)")
                case 11: (reason, text) = (nil, "")  // an empty line, still numbered
                default: (reason, text) = (nil, "LZYTEST0000000001,\(ts),\(1000 + fileIndex * 100 + row).0,1.0")
                }
                lines.append(text)
                if let reason {
                    // The first 200 bytes (all ASCII here); line ends are not part of the line.
                    rejected.append(
                        Rejected(path: path, line: lines.count, reason: reason, text: String(text.prefix(200))))
                }
            }
            let content = Array((lines.joined(separator: crlf ? "\r\n" : "\n") + "\n").utf8)
            if name.hasSuffix(".zst") {
                folder.write("in/" + name, bytes: try zstdCompress(content))
            } else {
                folder.write("in/" + name, bytes: content)
            }
        }
        return rejected
    }

    /// `rejections.csv` from SPEC 7.2: for each reason in order, the first 20 by (path in byte
    /// order, line); every text here holds commas and no quote, so it is quoted as is.
    func expectedCSV(_ rejected: [Rejected]) -> String {
        var text = "path,position,reason,text\n"
        for reason in Self.reasons {
            let first = rejected.filter { $0.reason == reason }.sorted {
                $0.path != $1.path ? ReportText.bytesPrecede($0.path, $1.path) : $0.line < $1.line
            }.prefix(20)
            for row in first { text += "\(row.path),\(row.line),\(row.reason),\"\(row.text)\"\n" }
        }
        return text
    }

    @Test("many files, many rejected rows: the first 20 per reason by (path, position), for any thread count")
    func manyFiles() throws {
        let seed: UInt64 = 20
        let folder = TemporaryFolder()
        defer { folder.remove() }
        let rejected = try writeFiles(folder, seed: seed)
        // The case is only worth something if the cut of 20 falls inside the files, across
        // several of them, for some reasons, and some reason has fewer than 20.
        let perReason = Dictionary(grouping: rejected, by: \.reason)
        #expect(Set(perReason.keys) == Set(Self.reasons), "seed \(seed)")
        #expect(perReason.values.filter { $0.count > 20 }.count >= 3, "seed \(seed)")
        #expect(perReason.values.contains { $0.count < 20 }, "seed \(seed)")
        let expected = expectedCSV(rejected)
        let sampledFiles = Set(expected.split(separator: "\n").dropFirst().map { $0.split(separator: ",")[0] })
        #expect(sampledFiles.count >= 10, "seed \(seed): most files have sampled rows")
        #expect(
            sampledFiles.contains { $0.hasSuffix("/sub-a.csv") }
                && sampledFiles.contains { $0.hasSuffix("/sub/a/b.csv") },
            "seed \(seed): both sides of '-' < '/' are sampled")
        for reason in Self.reasons where perReason[reason, default: []].count > 20 {
            let files = Set(
                expected.split(separator: "\n").filter { $0.contains(",\(reason),") }.map {
                    $0.split(separator: ",")[0]
                })
            #expect(files.count >= 5, "seed \(seed): the first 20 \(reason) rows come from several files")
        }

        var outputs: [String] = []
        for threads in ["1", "3", "8"] {
            let out = folder.path("out\(threads)")
            let result = try runH2fleet(
                [
                    "subsidy", "--policy", "policy.toml", "--registry", "registry.csv", "--year", "2025",
                    "--threads", threads, "--out", out, folder.path("in"),
                ],
                in: TestPaths.conformance.appendingPathComponent("01_basic"))
            #expect(result.status == 0, "threads \(threads): \(result.stderr)")
            let csv = try String(contentsOf: URL(fileURLWithPath: out + "/rejections.csv"), encoding: .utf8)
            outputs.append(csv)
            #expect(csv == expected, "seed \(seed), threads \(threads)")
            // Counts cover every rejected row, not only the samples.
            let report = try #require(
                try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/report.json")))
                    as? [String: Any])
            let byReason = (report["inputs"] as? [String: Any])?["rejections_by_reason"] as? [String: Any] ?? [:]
            for reason in Self.reasons {
                #expect(
                    (byReason[reason] as? NSNumber)?.intValue == perReason[reason]?.count,
                    "seed \(seed), threads \(threads): \(reason)")
            }
        }
        #expect(Set(outputs).count == 1, "rejections.csv is byte-identical for 1, 3 and 8 threads")
    }
}
