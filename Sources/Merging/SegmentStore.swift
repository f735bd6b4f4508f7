import Figures
import Frames
import Timelines

/// Every vehicle's segments from the files decoded so far, and the span of time of each file
/// (to find the files to read again where a vehicle's segments overlap).
///
/// Segments cost a few hundred bytes each, and a year of per-day files of a large fleet makes
/// one per vehicle per file. When more than `budget` are held, each vehicle's neighbouring
/// segments that do not overlap are joined into one (`Segment.joined`), so memory stays bounded
/// by the number of vehicles. Joining never changes the figures; the one cost is that a segment
/// arriving later inside a joined stretch overlaps it, and that stretch is merged exactly.
///
/// Segments that overlap (late or re-sent data) are kept apart, so that only the stretch where
/// they overlap is merged frame by frame, from the files whose span meets it. A vehicle with more
/// than `maxOverlapping` segments when the store is full (a shuffled corpus) is merged whole:
/// the store then keeps only its frame count.
public struct SegmentStore {
    /// One vehicle's segments and what is known of them.
    public struct Vehicle {
        /// Sorted by their first reading's time.
        public var segments: [Segment] = []
        /// For each segment, the number of the latest file added to the store it came from.
        var added: [Int] = []
        /// The earliest and latest time of any of its segments added, merged whole or not.
        public var span: ClosedRange<Int64>?
        /// Whether two of its segments overlap in time (a shared time counts: its frames are
        /// duplicates to resolve).
        public var overlaps = false
        /// Set when the vehicle is to be merged whole: its segments are dropped and only its
        /// frames are counted.
        public var overlappingFrames: Int?
    }

    /// Overlapping segments a vehicle may keep when the store is over budget.
    public static let maxOverlapping = 16

    /// Every vehicle's segments.
    public private(set) var vehicles: [Vin: Vehicle] = [:]
    /// Segments held.
    public private(set) var count = 0
    private var budget: Int
    /// Files added so far.
    private var filesAdded = 0
    /// For each file (by number), the earliest and latest time of the segments it gave. The
    /// files that may hold a vehicle's frames in a stretch of time are those whose span meets
    /// it: what is kept per file, not per vehicle, so a vehicle costs the same whatever the
    /// number of files.
    private var fileSpans: [ClosedRange<Int64>?] = []
    /// Segments of the last `settling` files added are not joined yet: files read at the same
    /// time on other threads may still bring what lies between them.
    private let settling: Int
    private let year: ReportYear
    private let limits: TelemetryLimits

    /// A store that joins segments once it holds more than `budget`, leaving those of the last
    /// `settling` files added alone.
    public init(budget: Int, settling: Int, year: ReportYear, limits: TelemetryLimits) {
        self.budget = max(budget, 1)
        self.settling = settling
        self.year = year
        self.limits = limits
    }

    /// Adds the segments of one file, which succeeded.
    public mutating func add(_ segments: [(vin: Vin, segment: Segment)], file: Int) {
        filesAdded += 1
        if fileSpans.count <= file { fileSpans += repeatElement(nil, count: file + 1 - fileSpans.count) }
        for (vin, segment) in segments {
            var vehicle = vehicles.removeValue(forKey: vin) ?? Vehicle()
            let range = segment.first.ts...segment.last.ts
            vehicle.span = vehicle.span.map { min($0.lowerBound, range.lowerBound)...max($0.upperBound, range.upperBound) } ?? range
            fileSpans[file] =
                fileSpans[file].map { min($0.lowerBound, range.lowerBound)...max($0.upperBound, range.upperBound) } ?? range
            if let frames = vehicle.overlappingFrames {
                vehicle.overlappingFrames = frames + Self.frames(of: segment)
            } else {
                let position = vehicle.segments.partitionPoint { $0.first.ts > segment.first.ts }
                vehicle.segments.insert(segment, at: position)
                vehicle.added.insert(filesAdded, at: position)
                count += 1
                // Sorted by first time, segments overlap somewhere only if two neighbours do.
                let before = position > 0 && vehicle.segments[position - 1].last.ts >= segment.first.ts
                let after =
                    position + 1 < vehicle.segments.count && segment.last.ts >= vehicle.segments[position + 1].first.ts
                if before || after { vehicle.overlaps = true }
            }
            vehicles[vin] = vehicle
        }
        if count > budget { joinNeighbours() }
    }

    /// The frames a segment was made of, duplicates included.
    public static func frames(of segment: Segment) -> Int {
        segment.keptFrames + segment.exactDuplicates + segment.conflictingDuplicates
    }

    /// The files that may hold frames of `vin`: those whose segments' span meets the vehicle's.
    public func files(of vin: Vin) -> [Int] {
        guard let span = vehicles[vin]?.span else { return [] }
        return files(meeting: [span])
    }

    /// The files whose segments' span meets one of `windows` (sorted and apart): every file
    /// that holds a frame in them, and perhaps others (reading them again only costs time).
    public func files(meeting windows: [ClosedRange<Int64>]) -> [Int] {
        fileSpans.indices.filter { file in
            guard let span = fileSpans[file] else { return false }
            return windows.contains { $0.overlaps(span) }
        }
    }

    /// Joins each vehicle's neighbouring segments that have settled and overlap no other; a
    /// vehicle left with more than `maxOverlapping` segments that overlap is to be merged whole.
    private mutating func joinNeighbours() {
        count = 0
        let settled = filesAdded - settling
        for vin in Array(vehicles.keys) {
            let vehicle = vehicles.removeValue(forKey: vin)!
            let overlapped = Self.overlapping(vehicle.segments)
            var joined = Vehicle(
                span: vehicle.span, overlaps: vehicle.overlaps, overlappingFrames: vehicle.overlappingFrames)
            var lastOverlapped = true
            for index in vehicle.segments.indices {
                let segment = vehicle.segments[index]
                if !lastOverlapped, !overlapped[index], joined.added[joined.added.count - 1] <= settled,
                    vehicle.added[index] <= settled,
                    let both = Segment.joined(
                        joined.segments[joined.segments.count - 1], segment, year: year, limits: limits)
                {
                    joined.segments[joined.segments.count - 1] = both
                } else {
                    joined.segments.append(segment)
                    joined.added.append(vehicle.added[index])
                }
                lastOverlapped = overlapped[index]
            }
            if vehicle.overlaps && overlapped.lazy.filter({ $0 }).count > Self.maxOverlapping {
                joined.overlappingFrames = joined.segments.reduce(0) { $0 + Self.frames(of: $1) }
                joined.segments = []
                joined.added = []
            }
            count += joined.segments.count
            vehicles[vin] = joined
        }
        // What cannot be joined (overlapping or recent) waits until the store has grown again.
        budget = max(budget, 2 * count)
    }

    /// For segments sorted by first time, whether each overlaps another (a shared time counts):
    /// one earlier reaches its first time, or the next starts by its last.
    public static func overlapping(_ segments: [Segment]) -> [Bool] {
        var overlapped = [Bool](repeating: false, count: segments.count)
        var reach = Int64.min
        for index in segments.indices {
            let segment = segments[index]
            let byEarlier = index > 0 && reach >= segment.first.ts
            let byNext = index + 1 < segments.count && segments[index + 1].first.ts <= segment.last.ts
            overlapped[index] = byEarlier || byNext
            reach = max(reach, segment.last.ts)
        }
        return overlapped
    }
}
