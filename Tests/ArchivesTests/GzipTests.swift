import Archives
import Foundation
import TestSupport
import Testing

/// Collects the content a reader hands over.
struct Collect: ByteSink {
    var bytes: [UInt8] = []
    mutating func consume(_ piece: UnsafeRawBufferPointer) { bytes += piece }
}

/// Reads `path` as `h2fleet` does, with small blocks unless told otherwise.
func readFile(_ path: String, blockSize: Int = 4096) -> (bytes: [UInt8], stored: StoredFile?, error: ArchiveError?) {
    var reader = ArchiveReader(blockSize: blockSize)
    var sink = Collect()
    let (stored, error) = reader.read(InputFile(path: path, fileSystemPath: path), into: &sink)
    return (sink.bytes, stored, error)
}

/// Bytes that compress a little but not to nothing.
func sampleBytes(_ count: Int, seed: Int = 1) -> [UInt8] {
    (0..<count).map { UInt8(truncatingIfNeeded: ($0 &* 2_654_435_761 &+ seed) >> 13) }
}

// SPEC 2.2: a name ending in `.gz` is a gzip stream (one or more members); a file that cannot be
// decompressed is a failed input.
@Suite("gzip archives (SPEC 2.2)")
struct GzipTests {
    @Test("a single member gives its content, in small blocks and large", arguments: [16, 4096, 1 << 20])
    func singleMember(_ blockSize: Int) throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        let content = sampleBytes(300_000)
        let compressed = try gzipCompress(content)
        let path = folder.write("day.csv.gz", bytes: compressed)
        let (bytes, stored, error) = readFile(path, blockSize: blockSize)
        #expect(error == nil)
        #expect(bytes == content)
        #expect(stored?.bytes == Int64(compressed.count))
        #expect(stored?.sha256 == sha256Hex(compressed))
    }

    @Test("several members, an empty one among them, read on as one content")
    func multiMember() throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        let first = Array("vin,ts,odometer_km,fc_current_a\n".utf8)
        let second = sampleBytes(70_000, seed: 7)
        let third = Array("last member\n".utf8)
        let compressed = try gzipCompress(first) + gzipCompress([]) + gzipCompress(second) + gzipCompress(third)
        let path = folder.write("m.csv.gz", bytes: compressed)
        for blockSize in [7, 4096, 1 << 20] {
            let (bytes, _, error) = readFile(path, blockSize: blockSize)
            #expect(error == nil, "block size \(blockSize)")
            #expect(bytes == first + second + third, "block size \(blockSize)")
        }
    }

    @Test("an empty .gz file holds nothing and is fine")
    func empty() throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        let (bytes, stored, error) = readFile(folder.write("e.csv.gz", bytes: []))
        #expect(error == nil)
        #expect(bytes.isEmpty)
        #expect(stored?.bytes == 0)
    }

    @Test("a truncated gzip file fails as truncated, with the size and SHA-256 of what is stored")
    func truncated() throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        let compressed = try gzipCompress(sampleBytes(200_000))
        // Cut inside the data, and inside the 8-byte trailer: both end inside a member.
        for cut in [compressed.count / 2, compressed.count - 3] {
            let prefix = Array(compressed.prefix(cut))
            let (_, stored, error) = readFile(folder.write("t\(cut).csv.gz", bytes: prefix))
            #expect(error?.code == .truncated, "cut at \(cut)")
            #expect(error?.message == "gzip stream is truncated (ends inside a member)")
            #expect(stored?.bytes == Int64(cut))
            #expect(stored?.sha256 == sha256Hex(prefix))
        }
    }

    @Test("a wrong CRC, corrupt data or bytes that are not gzip fail as corrupt, with zlib's reason")
    func corrupt() throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        let compressed = try gzipCompress(sampleBytes(50_000))
        var badCRC = compressed
        badCRC[badCRC.count - 8] ^= 0x01  // the trailer: CRC-32, then the length
        var badLength = compressed
        badLength[badLength.count - 1] ^= 0x01
        let cases: [(String, [UInt8], String)] = [
            ("crc.csv.gz", badCRC, "incorrect data check"),
            ("length.csv.gz", badLength, "incorrect length check"),
            ("text.csv.gz", Array("vin,ts,odometer_km,fc_current_a\n".utf8), "incorrect header check"),
            ("after.csv.gz", compressed + Array("trailing text".utf8), "incorrect header check"),
        ]
        for (name, bytes, reason) in cases {
            let (_, stored, error) = readFile(folder.write(name, bytes: bytes))
            #expect(error?.code == .corrupt, "\(name)")
            #expect(error?.message == "not a valid gzip stream (\(reason))", "\(name)")
            #expect(error?.path?.hasSuffix(name) == true)
            #expect(stored?.sha256 == sha256Hex(bytes), "\(name)")
        }
    }
}
