import Frames

/// The days of one year (by index from 1 January) that have data: a 384-bit set.
public struct DaySet: Sendable, Equatable {
    private var words: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0)

    /// An empty set.
    public init() {}

    /// Adds day `index` (0 … 365).
    public mutating func insert(_ index: Int) {
        let bit = UInt64(1) << UInt64(index & 63)
        switch index >> 6 {
        case 0: words.0 |= bit
        case 1: words.1 |= bit
        case 2: words.2 |= bit
        case 3: words.3 |= bit
        case 4: words.4 |= bit
        default: words.5 |= bit
        }
    }

    /// Whether day `index` (0 … 365) is in the set.
    public func contains(_ index: Int) -> Bool {
        let word =
            switch index >> 6 {
            case 0: words.0
            case 1: words.1
            case 2: words.2
            case 3: words.3
            case 4: words.4
            default: words.5
            }
        return word & (UInt64(1) << UInt64(index & 63)) != 0
    }

    /// Adds every day of `other`.
    public mutating func formUnion(_ other: DaySet) {
        words.0 |= other.words.0
        words.1 |= other.words.1
        words.2 |= other.words.2
        words.3 |= other.words.3
        words.4 |= other.words.4
        words.5 |= other.words.5
    }

    /// The number of days in the set.
    public var count: Int {
        words.0.nonzeroBitCount + words.1.nonzeroBitCount + words.2.nonzeroBitCount
            + words.3.nonzeroBitCount + words.4.nonzeroBitCount + words.5.nonzeroBitCount
    }

    /// Whether both sets hold the same days.
    public static func == (lhs: DaySet, rhs: DaySet) -> Bool {
        lhs.words.0 == rhs.words.0 && lhs.words.1 == rhs.words.1 && lhs.words.2 == rhs.words.2
            && lhs.words.3 == rhs.words.3 && lhs.words.4 == rhs.words.4 && lhs.words.5 == rhs.words.5
    }

    /// Writes the set (48 bytes).
    public func encode(into writer: inout ByteWriter) {
        for word in [words.0, words.1, words.2, words.3, words.4, words.5] { writer.write(word) }
    }

    /// Reads a set `encode` wrote.
    public init(decoding reader: inout ByteReader) throws(ByteReaderError) {
        words = (
            try reader.read(), try reader.read(), try reader.read(), try reader.read(), try reader.read(),
            try reader.read()
        )
    }
}
