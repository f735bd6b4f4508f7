import FuzzDriver
import Figures
import Frames
import Timelines

/// Keeps every frame with its position, to compare two decodings of the same bytes.
struct Recorded: FrameSink {
    var frames: [Frame] = []
    var positions: [Int64] = []
    mutating func accept(_ frame: Frame) { frames.append(frame) }
    mutating func accept(_ frame: Frame, at position: Int64) {
        frames.append(frame)
        positions.append(position)
    }
}

/// The bytes through a CSV decoder in pieces of `size` bytes.
func decodeCSV(_ bytes: UnsafeRawBufferPointer, pieces size: Int) -> (Recorded, RejectionTally, String?) {
    var decoder = CSVDecoder(localOffset: 8 * 3600)
    var sink = Recorded()
    var start = 0
    while start < bytes.count {
        let end = min(bytes.count, start + size)
        decoder.consume(UnsafeRawBufferPointer(rebasing: bytes[start..<end]), into: &sink)
        start = end
    }
    decoder.finish(into: &sink)
    return (sink, decoder.rejections, decoder.failure)
}

/// Any bytes, split at a point chosen by the first byte, through the CSV decoder, the GB/T 32960
/// capture decoders (binary and hex) and the segment reducer (timelines, interval classes,
/// segments). Must never crash, and the CSV decoder must give the same frames, positions and
/// rejections whether the bytes come whole (rows decoded in place) or one byte at a time (every
/// row through the line splitter).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSV(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: start, count: count)
    let (whole, wholeRejections, wholeFailure) = decodeCSV(bytes, pieces: max(count, 1))
    let (single, singleRejections, singleFailure) = decodeCSV(bytes, pieces: 1)
    precondition(whole.frames == single.frames && whole.positions == single.positions, "frames differ by piece size")
    precondition(
        wholeRejections == singleRejections && wholeFailure == singleFailure, "rejections differ by piece size")
    let split = count > 0 ? Int(bytes[0]) % (count + 1) : 0
    var decoder = CSVDecoder(localOffset: 8 * 3600)
    var reducer = SegmentReducer(
        year: ReportYear(2025, offset: 8 * 3600),
        limits: TelemetryLimits(maxGapSeconds: 300, maxSpeedKmh: 120, fuelCellOnCurrent: 10),
        chunkFrames: 7, holdBack: 2)
    decoder.consume(UnsafeRawBufferPointer(rebasing: bytes[0..<split]), into: &reducer)
    decoder.consume(UnsafeRawBufferPointer(rebasing: bytes[split...]), into: &reducer)
    decoder.finish(into: &reducer)
    let segments = reducer.finishFile()
    let year = ReportYear(2025, offset: 8 * 3600)
    let limits = TelemetryLimits(maxGapSeconds: 300, maxSpeedKmh: 120, fuelCellOnCurrent: 10)
    var byVin: [Vin: [Segment]] = [:]
    for (vin, segment) in segments { byVin[vin, default: []].append(segment) }
    for list in byVin.values { _ = SegmentJoin.figures(list, year: year, limits: limits) }
    // The same bytes as a GB/T 32960 capture, binary and hex, split the same way.
    var capture = CaptureDecoder()
    var hex = HexCaptureDecoder()
    var frames = SegmentReducer(year: year, limits: limits, chunkFrames: 7, holdBack: 2)
    for part in [UnsafeRawBufferPointer(rebasing: bytes[0..<split]), UnsafeRawBufferPointer(rebasing: bytes[split...])]
    {
        capture.consume(part, into: &frames)
        hex.consume(part, into: &frames)
    }
    capture.finish(into: &frames)
    hex.finish(into: &frames)
    _ = frames.finishFile()
    return 0
}

/// SwiftPM links an executable target's entry point as `FuzzCSV_main`; hand over to libFuzzer.
@_cdecl("FuzzCSV_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv) { start, length in fuzzCSV(start, length) }
}
