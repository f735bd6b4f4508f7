import Benchmark
import Figures
import Frames
import Timelines

/// 100,000 rows of CSV telemetry for 50 vehicles, in time order, RFC 3339 times.
func telemetryBytes(rows: Int = 100_000) -> [UInt8] {
    var text = "vin,ts,odometer_km,fc_current_a\n"
    text.reserveCapacity(rows * 60)
    for row in 0..<rows {
        let vehicle = row % 50
        let seconds = row / 50 * 10
        let vin = "LZYBENCH0000000" + (vehicle < 10 ? "0" : "") + String(vehicle)
        let time = "2025-03-01T\(pad(8 + seconds / 3600)):\(pad(seconds / 60 % 60)):\(pad(seconds % 60))+08:00"
        text += "\(vin),\(time),\(10_000 + row / 50).\(row % 10),\(100 + row % 37).5\n"
    }
    return Array(text.utf8)
}

func pad(_ value: Int) -> String { value < 10 ? "0\(value)" : String(value) }

/// Counts frames without keeping them.
struct CountingSink: FrameSink {
    var frames = 0
    mutating func accept(_ frame: Frame) { frames &+= Int(frame.odometer & 1) &+ 1 }
}

/// Decodes all of `bytes` as one CSV file; returns the frame count.
func decodeAll(_ bytes: [UInt8]) -> Int {
    var decoder = CSVDecoder(localOffset: 8 * 3600)
    var sink = CountingSink()
    bytes.withUnsafeBytes { decoder.consume($0, into: &sink) }
    decoder.finish(into: &sink)
    return sink.frames
}

let benchmarks: @Sendable () -> Void = {
    let bytes = telemetryBytes()
    let year = ReportYear(2025, offset: 8 * 3600)
    let limits = TelemetryLimits(maxGapSeconds: 300, maxSpeedKmh: 120, fuelCellOnCurrent: 10)

    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        warmupIterations: 2,
        maxDuration: .seconds(3),
        maxIterations: 50
    )

    // Bytes → frames: 100,000 rows per iteration.
    Benchmark("CSV decode 100k rows") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(decodeAll(bytes)) }
    }

    // Bytes → frames → segments: the whole per-file hot path.
    Benchmark("CSV decode + segments 100k rows") { benchmark in
        var reducer = SegmentReducer(year: year, limits: limits)
        for _ in benchmark.scaledIterations {
            var decoder = CSVDecoder(localOffset: 8 * 3600)
            bytes.withUnsafeBytes { decoder.consume($0, into: &reducer) }
            decoder.finish(into: &reducer)
            blackHole(reducer.finishFile().count)
        }
    }

    // CI smoke: allocations of decoding 100,000 rows twice in one reused decoder. The count is
    // deterministic; it stays at the handful of per-file buffers, i.e. ~0 per row.
    Benchmark(
        "SmokeAllocations",
        configuration: .init(
            metrics: [.mallocCountTotal], warmupIterations: 1, maxIterations: 5,
            thresholds: [.mallocCountTotal: .init(absolute: [.p90: 50])])
    ) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(decodeAll(bytes)) }
    }
}
