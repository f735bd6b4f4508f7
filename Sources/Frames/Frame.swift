/// One reading of one vehicle (SPEC 2): the unit every input format decodes to.
public struct Frame: Hashable, Sendable {
    /// The vehicle.
    public var vin: Vin
    /// Seconds since 1970-01-01T00:00:00Z.
    public var ts: Int64
    /// Odometer in tenths of a kilometre (0 … 99,999,999).
    public var odometer: Int32
    /// Fuel-cell stack current in tenths of an ampere (0 … 99,999); 0 when not reported.
    public var current: Int32

    /// Creates a frame.
    public init(vin: Vin, ts: Int64, odometer: Int32, current: Int32) {
        self.vin = vin
        self.ts = ts
        self.odometer = odometer
        self.current = current
    }
}

/// Receives decoded frames.
public protocol FrameSink {
    /// Takes one valid frame.
    mutating func accept(_ frame: Frame)

    /// Takes one valid frame found at `position` (line number, or byte offset in a capture).
    /// Sinks that do not keep sources need not implement it.
    mutating func accept(_ frame: Frame, at position: Int64)

    /// Takes one valid frame found at `position` whose VIN is the file's `vehicle`-th distinct
    /// VIN (numbered 0, 1, 2, … by the decoder as it first meets them, rejected rows included):
    /// within one file a VIN keeps its number, so a sink can find its vehicle without hashing
    /// the VIN. Numbers start again with each file. Sinks that do not need it need not implement it.
    mutating func accept(_ frame: Frame, at position: Int64, vehicle: Int)
}

extension FrameSink {
    /// Takes the frame, ignoring where it was found.
    @inline(__always)
    public mutating func accept(_ frame: Frame, at position: Int64) { accept(frame) }

    /// Takes the frame, ignoring the decoder's number for its VIN.
    @inline(__always)
    public mutating func accept(_ frame: Frame, at position: Int64, vehicle: Int) { accept(frame, at: position) }
}

/// Why a row or captured frame was rejected, in the order of SPEC 7.1.
public enum RejectionReason: Int, CaseIterable, Sendable, Comparable {
    case lineTooLong, wrongFieldCount, badVin, badTs, badOdometer, badCurrent
    case badChecksum, truncatedFrame, encrypted, malformedFrame, noOdometer

    /// The name used in reports, e.g. `bad_vin`.
    public var name: String {
        switch self {
        case .lineTooLong: "line_too_long"
        case .wrongFieldCount: "wrong_field_count"
        case .badVin: "bad_vin"
        case .badTs: "bad_ts"
        case .badOdometer: "bad_odometer"
        case .badCurrent: "bad_current"
        case .badChecksum: "bad_checksum"
        case .truncatedFrame: "truncated_frame"
        case .encrypted: "encrypted"
        case .malformedFrame: "malformed_frame"
        case .noOdometer: "no_odometer"
        }
    }

    /// Orders reasons as SPEC 7.1 lists them.
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// One kept sample of a rejected row: where it is and what it said.
public struct RejectedSample: Sendable, Equatable {
    /// Line number (CSV) or byte offset (captures).
    public var position: Int64
    /// The rejected line, at most 200 bytes, invalid UTF-8 replaced; empty for captures.
    public var text: String

    /// Creates a sample.
    public init(position: Int64, text: String) {
        self.position = position
        self.text = text
    }
}

/// Rejected rows of one file: counts per reason and the first samples of each (SPEC 7.2).
public struct RejectionTally: Sendable, Equatable {
    /// How many samples are kept per reason.
    public static let samplesPerReason = 20
    /// The longest sample text, in bytes.
    public static let sampleBytes = 200

    /// Count per reason, indexed by `RejectionReason.rawValue`.
    public private(set) var counts = [Int](repeating: 0, count: RejectionReason.allCases.count)
    /// The first rejected rows per reason, in file order.
    public private(set) var samples = [[RejectedSample]](repeating: [], count: RejectionReason.allCases.count)

    /// An empty tally.
    public init() {}

    /// All rejected rows.
    public var total: Int { counts.reduce(0, +) }

    /// Counts a rejected row; keeps it as a sample while fewer than `samplesPerReason` are kept.
    public mutating func record(_ reason: RejectionReason, position: Int64, line: UnsafeRawBufferPointer) {
        counts[reason.rawValue] += 1
        if samples[reason.rawValue].count < RejectionTally.samplesPerReason {
            let kept = UnsafeRawBufferPointer(rebasing: line.prefix(RejectionTally.sampleBytes))
            samples[reason.rawValue].append(
                RejectedSample(position: position, text: String(decoding: kept, as: UTF8.self)))
        }
    }

    /// The same tally with every sample's position moved by `offset` (a stretch of a file
    /// decoded apart, numbered from its own start).
    public func shifted(by offset: Int64) -> RejectionTally {
        var tally = self
        for reason in tally.samples.indices {
            for sample in tally.samples[reason].indices { tally.samples[reason][sample].position += offset }
        }
        return tally
    }

    /// Adds another tally's counts and samples (samples are kept per reason up to the limit).
    public mutating func add(_ other: RejectionTally) {
        for reason in RejectionReason.allCases {
            counts[reason.rawValue] += other.counts[reason.rawValue]
            let room = RejectionTally.samplesPerReason - samples[reason.rawValue].count
            if room > 0 { samples[reason.rawValue].append(contentsOf: other.samples[reason.rawValue].prefix(room)) }
        }
    }
}

extension RejectionTally {
    /// Writes the counts and samples.
    public func encode(into writer: inout ByteWriter) {
        writer.write(UInt8(counts.count))
        for reason in counts.indices {
            writer.write(Int64(counts[reason]))
            writer.write(UInt8(samples[reason].count))
            for sample in samples[reason] {
                writer.write(sample.position)
                writer.write(string: sample.text)
            }
        }
    }

    /// Reads a tally `encode` wrote.
    public init(decoding reader: inout ByteReader) throws(ByteReaderError) {
        self.init()
        guard Int(try reader.read(UInt8.self)) == counts.count else {
            throw ByteReaderError("the rejection reasons are not this version's")
        }
        for reason in counts.indices {
            counts[reason] = Int(try reader.read(Int64.self))
            let sampleCount = Int(try reader.read(UInt8.self))
            for _ in 0..<sampleCount {
                let position: Int64 = try reader.read()
                samples[reason].append(RejectedSample(position: position, text: try reader.readString()))
            }
        }
    }
}
