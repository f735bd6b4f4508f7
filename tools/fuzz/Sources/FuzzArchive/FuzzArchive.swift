import FuzzDriver
import Archives
import Foundation
import Frames

/// Any bytes as a `.csv.zst` file, through the archive reader and the CSV decoder. Must never
/// crash: a bad archive is an `ArchiveError`.
struct Decode: ByteSink {
    var decoder = CSVDecoder(localOffset: 0)
    var frames = Count()
    struct Count: FrameSink {
        var count = 0
        mutating func accept(_ frame: Frame) { count += 1 }
    }
    mutating func consume(_ bytes: UnsafeRawBufferPointer) { decoder.consume(bytes, into: &frames) }
}

let path = FileManager.default.temporaryDirectory.appendingPathComponent("h2fleet-fuzz-\(getpid()).csv.zst").path

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzArchive(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    FileManager.default.createFile(atPath: path, contents: Data(bytes: start, count: count))
    var reader = ArchiveReader(blockSize: 1 << 12)
    var sink = Decode()
    _ = reader.read(InputFile(path: path, fileSystemPath: path), into: &sink)
    sink.decoder.finish(into: &sink.frames)
    return 0
}

/// SwiftPM links an executable target's entry point as `FuzzArchive_main`; hand over to libFuzzer.
@_cdecl("FuzzArchive_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv) { start, length in fuzzArchive(start, length) }
}
