import Archives
import Foundation
import TestSupport
import Testing

/// A skippable frame (RFC 8878 3.1.2) holding `payload`, as `pzstd` writes one before each frame.
func skippableFrame(_ payload: [UInt8]) -> [UInt8] {
    let size = UInt32(payload.count)
    return [0x50, 0x2A, 0x4D, 0x18] + (0..<4).map { UInt8(truncatingIfNeeded: size >> (8 * $0)) } + payload
}

// SPEC 2.2: a name ending in `.zst` is a zstd stream of one or more frames, as `zstd` and `pzstd`
// write them; a file that cannot be decompressed (truncated, corrupt) is a failed input.
@Suite("zstd archives (SPEC 2.2)")
struct ZstdTests {
    // Streamed with a 1 MiB output buffer, content of a whole number of MiB fills the buffer
    // exactly as the frame ends; libzstd, called once more, asks for the next frame's header,
    // which was read as "ends inside a frame" (found 2026-12-01: every such archive failed).
    @Test("content of exactly 16 MiB, streamed, is not taken for a truncated stream")
    func wholeMebibytes() throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        let content = sampleBytes(16 << 20)
        let compressed = try zstdCompress(content)
        let path = folder.write("day.csv.zst", bytes: compressed)
        let (bytes, stored, error) = readFile(path, blockSize: 1 << 20)
        #expect(error == nil)
        #expect(bytes.count == content.count && sha256Hex(bytes) == sha256Hex(content))
        #expect(stored?.sha256 == sha256Hex(compressed))
        let cut = folder.write("cut.csv.zst", bytes: Array(compressed.dropLast(3)))
        #expect(readFile(cut, blockSize: 1 << 20).error?.code == .truncated)
    }

    @Test("frames are found by their headers; parts hold whole frames and decompress apart")
    func frameParts() throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        let pieces = (0..<7).map { sampleBytes(20_000 + 3_000 * $0, seed: $0) }
        var archive: [UInt8] = []
        var frameEnds: [Int64] = []
        for (index, piece) in pieces.enumerated() {
            // With and without content size and checksum, and skippable frames between.
            let options = index % 2 == 0 ? ["--no-check"] : ["--no-content-size"]
            if index % 3 == 0 { archive += skippableFrame(Array(repeating: UInt8(index), count: index)) }
            archive += try zstdCompress(piece, extraArguments: options)
            frameEnds.append(Int64(archive.count))
        }
        let path = folder.write("day.csv.zst", bytes: archive)
        let file = InputFile(path: path, fileSystemPath: path)
        let plan = try #require(ZstdFrameParts.plan(file, partBytes: 1))
        // Each part ends where a frame ends; together they are the file.
        #expect(plan.parts.count == pieces.count)
        #expect(plan.parts.map(\.upperBound) == frameEnds)
        #expect(plan.parts.first?.lowerBound == 0)
        #expect(zip(plan.parts, plan.parts.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
        var reader = ArchiveReader()
        for (part, piece) in zip(plan.parts, pieces) {
            var sink = Collect()
            #expect(reader.decompress(file, range: part, into: &sink) == nil)
            #expect(sink.bytes.count == piece.count)
            #expect(sha256Hex(sink.bytes) == sha256Hex(piece))
        }
        // Larger parts group frames; a short last part joins the one before.
        let grouped = try #require(ZstdFrameParts.plan(file, partBytes: archive.count / 3))
        #expect(grouped.parts.count >= 2 && grouped.parts.count <= 3)
        #expect(grouped.parts.last?.upperBound == Int64(archive.count))
        #expect(reader.checksum(file).stored == StoredFile(bytes: Int64(archive.count), sha256: sha256Hex(archive)))
        #expect(plan.unchanged(file))
    }

    @Test("one frame, a truncated frame, or a file that is not zstd has no parts; a changed file is seen")
    func noParts() throws {
        let folder = TemporaryFolder()
        defer { folder.remove() }
        let one = try zstdCompress(sampleBytes(200_000))
        let two = one + (try zstdCompress(sampleBytes(100_000, seed: 3)))
        let cases: [(String, [UInt8])] = [
            ("one.csv.zst", one), ("cut.csv.zst", Array(two.dropLast(2))), ("text.csv.zst", Array("vin,ts\n".utf8)),
            ("junk.csv.zst", two + [0x28, 0xB5]),
        ]
        for (name, bytes) in cases {
            let path = folder.write(name, bytes: bytes)
            #expect(ZstdFrameParts.plan(InputFile(path: path, fileSystemPath: path), partBytes: 1) == nil, "\(name)")
        }
        let path = folder.write("two.csv.zst", bytes: two)
        let file = InputFile(path: path, fileSystemPath: path)
        let plan = try #require(ZstdFrameParts.plan(file, partBytes: 1))
        #expect(plan.parts.count == 2)
        folder.write("two.csv.zst", bytes: two + one)
        #expect(!plan.unchanged(file))
        // A part's range that stops inside a frame is truncated.
        var reader = ArchiveReader()
        var sink = Collect()
        #expect(reader.decompress(file, range: 0..<Int64(one.count - 1), into: &sink)?.code == .truncated)
    }
}
