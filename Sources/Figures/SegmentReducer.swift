import Frames
import Timelines

/// Turns a stream of frames (one file at a time) into per-vehicle segments: a `FrameSink`.
///
/// Frames are grouped by vehicle in reusable buffers; when a file ends, or when more than
/// `chunkFrames` frames are buffered, each vehicle's buffer is sorted and summarised as a
/// `Segment`. On a chunk boundary the last `holdBack` frames of each vehicle stay buffered, so
/// lines that are only locally out of order do not make segments overlap. Memory is bounded by
/// `chunkFrames` plus `holdBack` frames a vehicle, whatever the size of a file. Buffers that grew
/// are given back when a file ends and together they have room for more than `retainedReadings`
/// (one file per vehicle would otherwise keep every vehicle's largest file's worth). One reducer
/// per worker thread.
public struct SegmentReducer: FrameSink {
    private var table = VinTable()
    private let buffers = ReadingBuffers()
    private var touched: [Int] = []
    /// The current file's VIN numbers (see `FrameSink`) → index in `table`; -1 when not yet seen.
    private var fileVehicles: [Int] = []
    /// Frames added since buffers were last summarised.
    private var sinceSummary = 0
    private let year: ReportYear
    private let limits: TelemetryLimits
    private let chunkFrames: Int
    /// Room for readings the buffers may keep from file to file.
    let retainedReadings: Int
    private let holdBack: Int
    /// Whether segments are cut at local-day boundaries, each for the year of its day (the
    /// ledger's partial results, SPEC 10), instead of made for `year`.
    private let cutAtLocalDays: Bool
    /// The segments of the current file, in the order they were made.
    public private(set) var segments: [(vin: Vin, segment: Segment)] = []

    /// Creates a reducer for the report `year` that summarises every `chunkFrames` frames; its
    /// buffers keep room for `retainedReadings` (by default the larger of 2^20 and two chunks).
    ///
    /// With `cutAtLocalDays`, each segment holds the frames of one local day (in `year`'s zone)
    /// and is made for the year of that day, whatever `year` says: a partial result from which
    /// any year or date range can be assembled (SPEC 10.1).
    public init(
        year: ReportYear, limits: TelemetryLimits, chunkFrames: Int = 1 << 17, holdBack: Int = 64,
        retainedReadings: Int? = nil, cutAtLocalDays: Bool = false
    ) {
        self.cutAtLocalDays = cutAtLocalDays
        self.retainedReadings = retainedReadings ?? max(2 * chunkFrames, 1 << 20)
        self.year = year
        self.limits = limits
        self.chunkFrames = max(chunkFrames, 1)
        self.holdBack = holdBack
    }

    /// Adds one frame of the current file.
    @inline(__always)
    public mutating func accept(_ frame: Frame) {
        add(frame, index: table.index(of: frame.vin))
    }

    /// Adds one frame of the current file, finding its vehicle by the decoder's number for it.
    @inline(__always)
    public mutating func accept(_ frame: Frame, at position: Int64, vehicle: Int) {
        if vehicle < fileVehicles.count, fileVehicles[vehicle] >= 0 {
            add(frame, index: fileVehicles[vehicle])
            return
        }
        let index = table.index(of: frame.vin)
        if vehicle >= fileVehicles.count { fileVehicles += repeatElement(-1, count: vehicle + 1 - fileVehicles.count) }
        fileVehicles[vehicle] = index
        add(frame, index: index)
    }

    @inline(__always)
    private mutating func add(_ frame: Frame, index: Int) {
        if index == buffers.vehicles { buffers.addVehicle() }
        if buffers.append(Reading(ts: frame.ts, odometer: frame.odometer, current: frame.current), to: index) {
            touched.append(index)
        }
        sinceSummary += 1
        if sinceSummary >= chunkFrames { summarise(final: false) }
    }

    /// Ends the current file: summarises what is buffered and returns the file's segments.
    public mutating func finishFile() -> [(vin: Vin, segment: Segment)] {
        summarise(final: true)
        if buffers.capacityTotal > retainedReadings { buffers.releaseEmpty() }
        fileVehicles.removeAll(keepingCapacity: true)
        defer { segments.removeAll() }
        return segments
    }

    /// Readings the per-vehicle buffers have room for, together (what they cost in memory).
    var bufferedRoom: Int { buffers.capacityTotal }

    /// Drops everything of the current file (it failed: it counts whole or not at all).
    public mutating func discardFile() {
        for index in touched { buffers.removeFirst(buffers.count(of: index), of: index) }
        touched.removeAll(keepingCapacity: true)
        fileVehicles.removeAll(keepingCapacity: true)
        sinceSummary = 0
        segments.removeAll()
    }

    private mutating func summarise(final: Bool) {
        var stillBuffered: [Int] = []
        sinceSummary = 0
        for index in touched {
            let readings = buffers.sort(index)
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
            let run = UnsafeBufferPointer(rebasing: readings[0..<cut])
            if cutAtLocalDays {
                for (day, dayYear) in Self.localDays(of: run, offset: year.offset) {
                    segments.append(
                        (table.vins[index], Segment(sortedReadings: UnsafeBufferPointer(rebasing: day), year: dayYear, limits: limits)))
                }
            } else {
                segments.append((table.vins[index], Segment(sortedReadings: run, year: year, limits: limits)))
            }
            buffers.removeFirst(cut, of: index)
            if cut < readings.count { stillBuffered.append(index) }
        }
        touched = stillBuffered
    }
}

extension SegmentReducer {
    /// Sorted readings cut into runs of one local day each, with the year of each day.
    static func localDays(of sorted: UnsafeBufferPointer<Reading>, offset: Int) -> [(
        Slice<UnsafeBufferPointer<Reading>>, ReportYear
    )] {
        var runs: [(Slice<UnsafeBufferPointer<Reading>>, ReportYear)] = []
        var start = 0
        while start < sorted.count {
            let day = CivilTime.localDay(sorted[start].ts, offset: offset)
            let next = CivilTime.startOfDay(day + 1, offset: offset)
            var end = start + 1
            while end < sorted.count && sorted[end].ts < next { end += 1 }
            runs.append((sorted[start..<end], ReportYear(CivilTime.date(fromDays: day).year, offset: offset)))
            start = end
        }
        return runs
    }
}

/// One growable buffer of readings per vehicle, kept from file to file: appending is a store
/// and an increment, without the copy-on-write checks of an array of arrays.
private final class ReadingBuffers {
    private struct Buffer {
        var base: UnsafeMutablePointer<Reading>
        var count: Int
        var capacity: Int
    }

    private var buffers: UnsafeMutablePointer<Buffer>
    private var capacity = 64
    /// The number of vehicles with a buffer.
    private(set) var vehicles = 0
    /// Readings the buffers have room for, together.
    private(set) var capacityTotal = 0
    private static let initialCapacity = 16

    init() {
        buffers = .allocate(capacity: capacity)
    }

    deinit {
        for index in 0..<vehicles { buffers[index].base.deallocate() }
        buffers.deallocate()
    }

    /// Adds an empty buffer for the next vehicle.
    func addVehicle() {
        if vehicles == capacity {
            let larger = UnsafeMutablePointer<Buffer>.allocate(capacity: capacity * 2)
            larger.moveInitialize(from: buffers, count: vehicles)
            buffers.deallocate()
            buffers = larger
            capacity *= 2
        }
        let room = Self.initialCapacity
        (buffers + vehicles).initialize(to: Buffer(base: .allocate(capacity: room), count: 0, capacity: room))
        vehicles += 1
        capacityTotal += room
    }

    /// Appends to vehicle `index`'s buffer; returns whether it was empty before.
    @inline(__always)
    func append(_ reading: Reading, to index: Int) -> Bool {
        let buffer = buffers + index
        let count = buffer.pointee.count
        if count == buffer.pointee.capacity { grow(buffer) }
        (buffer.pointee.base + count).initialize(to: reading)
        buffer.pointee.count = count + 1
        return count == 0
    }

    private func grow(_ buffer: UnsafeMutablePointer<Buffer>) {
        let capacity = buffer.pointee.capacity * 2
        let base = UnsafeMutablePointer<Reading>.allocate(capacity: capacity)
        base.moveInitialize(from: buffer.pointee.base, count: buffer.pointee.count)
        buffer.pointee.base.deallocate()
        buffer.pointee.base = base
        capacityTotal += capacity - buffer.pointee.capacity
        buffer.pointee.capacity = capacity
    }

    /// Gives back the room of every empty buffer that grew.
    func releaseEmpty() {
        let room = Self.initialCapacity
        for index in 0..<vehicles where buffers[index].count == 0 && buffers[index].capacity > room {
            buffers[index].base.deallocate()
            buffers[index].base = .allocate(capacity: room)
            capacityTotal -= buffers[index].capacity - room
            buffers[index].capacity = room
        }
    }

    /// The number of readings in vehicle `index`'s buffer.
    func count(of index: Int) -> Int { buffers[index].count }

    /// Sorts vehicle `index`'s buffer; the readings stay valid until it next changes.
    func sort(_ index: Int) -> UnsafeMutableBufferPointer<Reading> {
        let readings = UnsafeMutableBufferPointer(start: buffers[index].base, count: buffers[index].count)
        sortNearlySorted(readings)
        return readings
    }

    /// Drops the first `count` readings of vehicle `index`, keeping the rest in order.
    func removeFirst(_ count: Int, of index: Int) {
        let buffer = buffers + index
        let rest = buffer.pointee.count - count
        if rest > 0 {
            // The two ranges may overlap: copyMemory moves like memmove (readings are trivial).
            UnsafeMutableRawPointer(buffer.pointee.base).copyMemory(
                from: buffer.pointee.base + count, byteCount: rest * MemoryLayout<Reading>.stride)
        }
        buffer.pointee.count = rest
    }
}

/// Sorts readings that are nearly in order, as a file's lines usually are: insertion sort, one
/// comparison per reading and one move per place a reading is out of order. Past `8 × count`
/// moves (badly shuffled lines) it hands the rest to the library's sort, so the worst case stays
/// O(n log n). Readings are totally ordered, so the result is the one any sort gives.
func sortNearlySorted(_ readings: UnsafeMutableBufferPointer<Reading>) {
    var moves = 8 * readings.count
    var next = 1
    while next < readings.count {
        let reading = readings[next]
        var place = next
        while place > 0 && reading < readings[place - 1] {
            readings[place] = readings[place - 1]
            place -= 1
        }
        readings[place] = reading
        moves -= next - place
        next += 1
        if moves < 0 {
            var rest = readings
            rest.sort()
            return
        }
    }
}
