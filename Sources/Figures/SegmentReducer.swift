import Frames
import Timelines

/// Turns a stream of frames (one file at a time) into per-vehicle segments: a `FrameSink`.
///
/// Frames are kept in one chunk in the order they come; when a file ends, or when more than
/// `chunkFrames` frames came since the last summary, the chunk is grouped by vehicle and each
/// vehicle's run is sorted and summarised as a `Segment`. On a chunk boundary the last
/// `holdBack` frames of each vehicle are kept for the next chunk, so lines that are only
/// locally out of order do not make segments overlap. Memory is bounded by `chunkFrames` plus
/// `holdBack` frames a vehicle, whatever the size of a file, and does not grow with the number
/// of vehicles a worker meets; room beyond `retainedReadings` is given back when a file ends.
/// One reducer per worker thread.
public struct SegmentReducer: FrameSink {
    private var table = VinTable()
    private let buffers: ChunkReadings
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
        buffers = ChunkReadings(capacity: self.chunkFrames + self.chunkFrames / 4)
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
        if buffers.capacityTotal > retainedReadings { buffers.shrink(to: chunkFrames + chunkFrames / 4) }
        fileVehicles.removeAll(keepingCapacity: true)
        defer { segments.removeAll() }
        return segments
    }

    /// Readings the chunk has room for (what it costs in memory).
    var bufferedRoom: Int { buffers.capacityTotal }

    /// Drops everything of the current file (it failed: it counts whole or not at all).
    public mutating func discardFile() {
        buffers.removeAll(touched)
        touched.removeAll(keepingCapacity: true)
        fileVehicles.removeAll(keepingCapacity: true)
        sinceSummary = 0
        segments.removeAll()
    }

    private mutating func summarise(final: Bool) {
        sinceSummary = 0
        let grouped = touched
        touched.removeAll(keepingCapacity: true)
        buffers.group(grouped)
        for index in grouped {
            let readings = buffers.run(of: index)
            sortNearlySorted(readings)
            var cut = readings.count
            if !final {
                cut = readings.count - holdBack
                // Frames with one timestamp stay together: duplicates are resolved in one place.
                while cut > 0 && cut < readings.count && readings[cut].ts == readings[cut - 1].ts { cut += 1 }
                if cut <= 0 || cut >= readings.count {
                    keep(readings, of: index)
                    continue
                }
            }
            let run = UnsafeBufferPointer(rebasing: readings[0..<cut])
            if cutAtLocalDays {
                for (day, dayYear) in Self.localDays(of: run, offset: year.offset) {
                    segments.append(
                        (
                            table.vins[index],
                            Segment(sortedReadings: UnsafeBufferPointer(rebasing: day), year: dayYear, limits: limits)
                        ))
                }
            } else {
                segments.append((table.vins[index], Segment(sortedReadings: run, year: year, limits: limits)))
            }
            if cut < readings.count { keep(UnsafeMutableBufferPointer(rebasing: readings[cut...]), of: index) }
        }
    }

    /// Puts readings held back from a summary first in the next chunk, in order.
    private mutating func keep(_ readings: UnsafeMutableBufferPointer<Reading>, of index: Int) {
        for reading in readings {
            if buffers.append(reading, to: index) { touched.append(index) }
        }
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

/// The readings of one chunk in the order they came, each with its vehicle, then grouped by
/// vehicle (a counting sort, stable) when the chunk is summarised. Appending a row is two stores
/// into sequential memory whatever the number of vehicles, and the memory is the chunk's, not a
/// buffer per vehicle a worker has met.
private final class ChunkReadings {
    private var readings: UnsafeMutablePointer<Reading>
    private var vehicleOf: UnsafeMutablePointer<Int32>
    /// The last chunk's readings grouped by vehicle (`group`).
    private var grouped: UnsafeMutablePointer<Reading>
    private var capacity: Int
    private var count = 0
    /// Readings in `grouped`.
    private var groupedCount = 0
    /// Per vehicle (raw memory: no copy-on-write or exclusivity checks on the hot path):
    /// readings in the chunk being filled; where its run starts in `grouped`, and how long it
    /// is; where its next reading goes while grouping.
    private var counts: UnsafeMutablePointer<Int32>
    private var runStart: UnsafeMutablePointer<Int>
    private var runCount: UnsafeMutablePointer<Int>
    private var cursor: UnsafeMutablePointer<Int>
    /// The number of vehicles with a counter, and room for them.
    private(set) var vehicles = 0
    private var vehicleRoom = 64

    init(capacity: Int) {
        self.capacity = max(capacity, 16)
        readings = .allocate(capacity: self.capacity)
        vehicleOf = .allocate(capacity: self.capacity)
        grouped = .allocate(capacity: self.capacity)
        counts = .allocate(capacity: vehicleRoom)
        runStart = .allocate(capacity: vehicleRoom)
        runCount = .allocate(capacity: vehicleRoom)
        cursor = .allocate(capacity: vehicleRoom)
    }

    deinit {
        readings.deallocate()
        vehicleOf.deallocate()
        grouped.deallocate()
        counts.deallocate()
        runStart.deallocate()
        runCount.deallocate()
        cursor.deallocate()
    }

    /// Readings the chunk has room for (what it costs in memory: 36 bytes each).
    var capacityTotal: Int { capacity }

    /// Adds a counter for the next vehicle.
    func addVehicle() {
        if vehicles == vehicleRoom {
            vehicleRoom *= 2
            counts = Self.grown(counts, to: vehicleRoom, keeping: vehicles)
            runStart = Self.grown(runStart, to: vehicleRoom, keeping: vehicles)
            runCount = Self.grown(runCount, to: vehicleRoom, keeping: vehicles)
            cursor = Self.grown(cursor, to: vehicleRoom, keeping: vehicles)
        }
        (counts + vehicles).initialize(to: 0)
        (runStart + vehicles).initialize(to: 0)
        (runCount + vehicles).initialize(to: 0)
        (cursor + vehicles).initialize(to: 0)
        vehicles += 1
    }

    private static func grown<T>(_ old: UnsafeMutablePointer<T>, to room: Int, keeping count: Int)
        -> UnsafeMutablePointer<T>
    {
        let new = UnsafeMutablePointer<T>.allocate(capacity: room)
        new.moveInitialize(from: old, count: count)
        old.deallocate()
        return new
    }

    /// Appends a reading of vehicle `index`; returns whether it is the vehicle's first in the
    /// chunk.
    @inline(__always)
    func append(_ reading: Reading, to index: Int) -> Bool {
        if count == capacity { resize(capacity + capacity / 2) }
        (readings + count).initialize(to: reading)
        vehicleOf[count] = Int32(truncatingIfNeeded: index)
        count += 1
        let before = counts[index]
        counts[index] = before + 1
        return before == 0
    }

    /// Groups the chunk's readings by vehicle, the runs in the order of `vehicles` (those with
    /// readings), each in the order its readings came; the chunk is then empty.
    func group(_ vehicles: [Int]) {
        var offset = 0
        for index in vehicles {
            runStart[index] = offset
            cursor[index] = offset
            runCount[index] = Int(counts[index])
            offset += Int(counts[index])
            counts[index] = 0
        }
        for position in 0..<count {
            let index = Int(vehicleOf[position])
            (grouped + cursor[index]).initialize(to: readings[position])
            cursor[index] += 1
        }
        groupedCount = count
        count = 0
    }

    /// Vehicle `index`'s readings of the last `group`; valid until the next one.
    func run(of index: Int) -> UnsafeMutableBufferPointer<Reading> {
        UnsafeMutableBufferPointer(start: grouped + runStart[index], count: runCount[index])
    }

    /// Drops the chunk being filled (whose vehicles are `vehicles`).
    func removeAll(_ vehicles: [Int]) {
        for index in vehicles { counts[index] = 0 }
        count = 0
    }

    /// Gives back room beyond `room` readings, while the chunk is empty.
    func shrink(to room: Int) {
        precondition(count == 0, "the chunk shrinks only between files")
        groupedCount = 0
        if capacity > room { resize(max(room, 16)) }
    }

    private func resize(_ newCapacity: Int) {
        let newReadings = UnsafeMutablePointer<Reading>.allocate(capacity: newCapacity)
        newReadings.moveInitialize(from: readings, count: count)
        readings.deallocate()
        readings = newReadings
        let newVehicles = UnsafeMutablePointer<Int32>.allocate(capacity: newCapacity)
        newVehicles.moveInitialize(from: vehicleOf, count: count)
        vehicleOf.deallocate()
        vehicleOf = newVehicles
        // Runs being read (readings held back are appended while they are) stay valid.
        let newGrouped = UnsafeMutablePointer<Reading>.allocate(capacity: newCapacity)
        newGrouped.moveInitialize(from: grouped, count: min(groupedCount, newCapacity))
        grouped.deallocate()
        grouped = newGrouped
        groupedCount = min(groupedCount, newCapacity)
        capacity = newCapacity
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
