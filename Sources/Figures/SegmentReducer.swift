import Frames
import Timelines

/// Turns a stream of frames (one file at a time) into per-vehicle segments: a `FrameSink`.
///
/// Frames are grouped by vehicle in reusable buffers; when a file ends, or when more than
/// `chunkFrames` frames are buffered, each vehicle's buffer is sorted and summarised as a
/// `Segment`. On a chunk boundary the last `holdBack` frames of each vehicle stay buffered, so
/// lines that are only locally out of order do not make segments overlap. Memory is bounded by
/// `chunkFrames` plus `holdBack` frames a vehicle, whatever the size of a file. One reducer per worker thread.
public struct SegmentReducer: FrameSink {
    private var table = VinTable()
    private var buffers: [[Reading]] = []
    private var touched: [Int] = []
    /// Frames added since buffers were last summarised.
    private var sinceSummary = 0
    private let year: ReportYear
    private let limits: TelemetryLimits
    private let chunkFrames: Int
    private let holdBack: Int
    /// The segments of the current file, in the order they were made.
    public private(set) var segments: [(vin: Vin, segment: Segment)] = []

    /// Creates a reducer for the report `year`.
    public init(year: ReportYear, limits: TelemetryLimits, chunkFrames: Int = 1 << 20, holdBack: Int = 64) {
        self.year = year
        self.limits = limits
        self.chunkFrames = max(chunkFrames, 1)
        self.holdBack = holdBack
    }

    /// Adds one frame of the current file.
    @inline(__always)
    public mutating func accept(_ frame: Frame) {
        let index = table.index(of: frame.vin)
        if index == buffers.count { buffers.append([]) }
        if buffers[index].isEmpty { touched.append(index) }
        buffers[index].append(Reading(ts: frame.ts, odometer: frame.odometer, current: frame.current))
        sinceSummary += 1
        if sinceSummary >= chunkFrames { summarise(final: false) }
    }

    /// Ends the current file: summarises what is buffered and returns the file's segments.
    public mutating func finishFile() -> [(vin: Vin, segment: Segment)] {
        summarise(final: true)
        defer { segments.removeAll() }
        return segments
    }

    /// Drops everything of the current file (it failed: it counts whole or not at all).
    public mutating func discardFile() {
        for index in touched { buffers[index].removeAll(keepingCapacity: true) }
        touched.removeAll(keepingCapacity: true)
        sinceSummary = 0
        segments.removeAll()
    }

    private mutating func summarise(final: Bool) {
        var stillBuffered: [Int] = []
        sinceSummary = 0
        for index in touched {
            buffers[index].sort()
            let readings = buffers[index]
            var cut = readings.count
            if !final {
                cut = readings.count - holdBack
                // Frames with one timestamp stay together: duplicates are resolved in one place.
                while cut > 0 && cut < readings.count && readings[cut].ts == readings[cut - 1].ts { cut += 1 }
                if cut <= 0 || cut >= readings.count {
                    stillBuffered.append(index)
                    continue
                }
            }
            let timeline = Timeline(vin: table.vins[index], sortedReadings: readings[0..<cut])
            segments.append((table.vins[index], Segment(timeline, year: year, limits: limits)))
            if cut < readings.count {
                buffers[index] = Array(readings[cut...])
                stillBuffered.append(index)
            } else {
                buffers[index].removeAll(keepingCapacity: true)
            }
        }
        touched = stillBuffered
    }
}
