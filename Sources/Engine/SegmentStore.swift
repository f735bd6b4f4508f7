import Figures
import Frames
import Timelines

/// Every vehicle's segments from the files decoded so far, and which files hold the vehicle
/// (to read them again if its segments overlap).
///
/// Segments cost a few hundred bytes each, and a year of per-day files of a large fleet makes
/// one per vehicle per file. When more than `budget` are held, each vehicle's neighbouring
/// segments that do not overlap are joined into one (`Segment.joined`), so memory stays bounded
/// by the number of vehicles. Joining never changes the figures; the one cost is that a segment
/// arriving later inside a joined stretch overlaps it, and its vehicle is merged exactly.
struct SegmentStore {
    struct Vehicle {
        /// Sorted by their first reading's time.
        var segments: [Segment] = []
        /// For each segment, the number of the latest file added to the store it came from.
        var added: [Int] = []
        /// Bit `i` is set when file `i` holds frames of the vehicle.
        var files: [UInt64] = []
        /// Set once two of the vehicle's segments overlap in time: the vehicle will be merged
        /// frame by frame, so its segments are dropped and only its frames are counted.
        var overlappingFrames: Int?
    }

    private(set) var vehicles: [Vin: Vehicle] = [:]
    /// Segments held.
    private(set) var count = 0
    private var budget: Int
    /// Files added so far.
    private var filesAdded = 0
    /// Segments of the last `settling` files added are not joined yet: files read at the same
    /// time on other threads may still bring what lies between them.
    private let settling: Int
    private let year: ReportYear
    private let limits: TelemetryLimits

    /// A store that joins segments once it holds more than `budget`, leaving those of the last
    /// `settling` files added alone.
    init(budget: Int, settling: Int, year: ReportYear, limits: TelemetryLimits) {
        self.budget = max(budget, 1)
        self.settling = settling
        self.year = year
        self.limits = limits
    }

    /// Adds the segments of one file, which succeeded.
    mutating func add(_ segments: [(vin: Vin, segment: Segment)], file: Int) {
        filesAdded += 1
        for (vin, segment) in segments {
            var vehicle = vehicles.removeValue(forKey: vin) ?? Vehicle()
            let word = file >> 6
            if vehicle.files.count <= word { vehicle.files += repeatElement(0, count: word + 1 - vehicle.files.count) }
            vehicle.files[word] |= 1 << UInt64(file & 63)
            if let frames = vehicle.overlappingFrames {
                vehicle.overlappingFrames = frames + Self.frames(of: segment)
            } else {
                let position = vehicle.segments.partitionPoint { $0.first.ts > segment.first.ts }
                vehicle.segments.insert(segment, at: position)
                vehicle.added.insert(filesAdded, at: position)
                count += 1
                // Sorted by first time, segments overlap somewhere only if two neighbours do
                // (a shared time counts: its frames are duplicates to resolve).
                let before = position > 0 && vehicle.segments[position - 1].last.ts >= segment.first.ts
                let after =
                    position + 1 < vehicle.segments.count && segment.last.ts >= vehicle.segments[position + 1].first.ts
                if before || after {
                    vehicle.overlappingFrames = vehicle.segments.reduce(0) { $0 + Self.frames(of: $1) }
                    count -= vehicle.segments.count
                    vehicle.segments = []
                    vehicle.added = []
                }
            }
            vehicles[vin] = vehicle
        }
        if count > budget { joinNeighbours() }
    }

    /// The frames a segment was made of, duplicates included.
    static func frames(of segment: Segment) -> Int {
        segment.keptFrames + segment.exactDuplicates + segment.conflictingDuplicates
    }

    /// The files that hold frames of `vin`.
    func files(of vin: Vin) -> [Int] {
        guard let words = vehicles[vin]?.files else { return [] }
        var files: [Int] = []
        for (index, word) in words.enumerated() {
            var bits = word
            while bits != 0 {
                files.append(index << 6 | bits.trailingZeroBitCount)
                bits &= bits &- 1
            }
        }
        return files
    }

    /// Joins each vehicle's neighbouring segments that do not overlap (and have settled).
    private mutating func joinNeighbours() {
        count = 0
        let settled = filesAdded - settling
        for vin in Array(vehicles.keys) {
            var vehicle = vehicles.removeValue(forKey: vin)!
            var joined: [Segment] = []
            var added: [Int] = []
            for (segment, file) in zip(vehicle.segments, vehicle.added) {
                if let last = joined.last, added[added.count - 1] <= settled, file <= settled,
                    let both = Segment.joined(last, segment, year: year, limits: limits)
                {
                    joined[joined.count - 1] = both
                } else {
                    joined.append(segment)
                    added.append(file)
                }
            }
            vehicle.segments = joined
            vehicle.added = added
            count += joined.count
            vehicles[vin] = vehicle
        }
        // What cannot be joined (overlapping or recent) waits until the store has grown again.
        budget = max(budget, 2 * count)
    }
}

extension Array {
    /// The first index whose element satisfies `belongsAfter`, for an array partitioned by it
    /// (all elements that do not, first).
    func partitionPoint(_ belongsAfter: (Element) -> Bool) -> Int {
        var low = 0
        var high = count
        while low < high {
            let middle = (low + high) / 2
            if belongsAfter(self[middle]) { high = middle } else { low = middle + 1 }
        }
        return low
    }
}
