/// A vehicle identification number: 17 characters of `0-9 A-H J-N P R-Z` (SPEC 2.1).
///
/// Packed into two integers (6 bits a character) so that frames carry no heap storage and
/// comparing two `Vin`s orders them as their text does.
public struct Vin: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Characters 1–10, 6 bits each, the first most significant.
    public let high: UInt64
    /// Characters 11–17, 6 bits each, the first most significant.
    public let low: UInt64

    /// The number of characters in a VIN.
    public static let length = 17

    /// Parses a VIN from bytes, taking lower-case letters as upper case.
    /// - Returns: `nil` when the bytes are not 17 allowed characters.
    @inlinable
    public init?(bytes: UnsafeRawBufferPointer) {
        guard bytes.count == Vin.length, let base = bytes.baseAddress else { return nil }
        var high: UInt64 = 0
        var low: UInt64 = 0
        for index in 0..<10 {
            guard let code = Vin.code(base.load(fromByteOffset: index, as: UInt8.self)) else { return nil }
            high = high << 6 | UInt64(code)
        }
        for index in 10..<Vin.length {
            guard let code = Vin.code(base.load(fromByteOffset: index, as: UInt8.self)) else { return nil }
            low = low << 6 | UInt64(code)
        }
        self.init(high: high, low: low)
    }

    /// The 6-bit code of a VIN character (ASCII − 48, upper-cased), or `nil` when the byte is not
    /// one of `0-9 A-H J-N P R-Z` (or their lower case).
    @inlinable @inline(__always)
    static func code(_ byte: UInt8) -> UInt8? {
        var upper = byte
        if upper &- 97 < 26 { upper &-= 32 }
        let value = upper &- 48
        // Bit v set for allowed values v = ASCII − 48: digits 0…9, letters 17…42 except I, O, Q.
        let allowed: UInt64 = 0x7FD_7DFE_03FF
        guard value < 43, (allowed >> UInt64(value)) & 1 == 1 else { return nil }
        return value
    }

    /// Parses a VIN from text (see `init(bytes:)`).
    public init?(_ text: some StringProtocol) {
        let utf8 = Array(text.utf8)
        guard let vin = utf8.withUnsafeBytes({ Vin(bytes: $0) }) else { return nil }
        self = vin
    }

    @usableFromInline
    init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// The 17 characters, upper case.
    public var description: String {
        var text = [UInt8](repeating: 0, count: Vin.length)
        var high = self.high
        var low = self.low
        for index in stride(from: 16, through: 10, by: -1) {
            text[index] = UInt8(low & 63) + 48
            low >>= 6
        }
        for index in stride(from: 9, through: 0, by: -1) {
            text[index] = UInt8(high & 63) + 48
            high >>= 6
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// Orders VINs as their text.
    public static func < (lhs: Vin, rhs: Vin) -> Bool {
        lhs.high != rhs.high ? lhs.high < rhs.high : lhs.low < rhs.low
    }
}

/// Parses VINs, remembering the raw bytes of each one seen in an open-addressing table: rows
/// repeat a fleet's few VINs, so most rows skip validation, and interleaved vehicles never
/// evict each other. The result is always what `Vin(bytes:)` gives, with the VIN's number
/// (0, 1, 2, … in order of first appearance; spellings that differ only in case share one).
/// One per decoder (file).
struct VinCache {
    private struct Entry {
        var head: UInt64 = 0
        var middle: UInt64 = 0
        var last: UInt8 = 0
        var vin = Vin(high: 0, low: 0)
        var number = 0
        var used = false
    }

    private var entries = [Entry](repeating: Entry(), count: 256)
    private var mask = 255
    private var used = 0
    /// The number of each VIN, by its packed value (for spellings that differ in case).
    private var numbers: [Vin: Int] = [:]

    @inline(__always)
    mutating func parse(_ bytes: UnsafeRawBufferPointer) -> (vin: Vin, number: Int)? {
        guard bytes.count == Vin.length, let base = bytes.baseAddress else { return nil }
        let head = base.loadUnaligned(as: UInt64.self)
        let middle = base.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
        let last = base.load(fromByteOffset: 16, as: UInt8.self)
        var slot = VinCache.slot(head, middle, last) & mask
        while entries[slot].used {
            if entries[slot].head == head && entries[slot].middle == middle && entries[slot].last == last {
                return (entries[slot].vin, entries[slot].number)
            }
            slot = (slot + 1) & mask
        }
        guard let vin = Vin(bytes: bytes) else { return nil }
        let number = numbers[vin, default: numbers.count]
        numbers[vin] = number
        entries[slot] = Entry(head: head, middle: middle, last: last, vin: vin, number: number, used: true)
        used += 1
        if used * 2 > entries.count { grow() }
        return (vin, number)
    }

    @inline(__always)
    private static func slot(_ head: UInt64, _ middle: UInt64, _ last: UInt8) -> Int {
        let mixed = (head &* 0x9E37_79B9_7F4A_7C15) ^ (middle &* 0xC2B2_AE3D_27D4_EB4F) ^ UInt64(last)
        return Int(truncatingIfNeeded: mixed >> 40)
    }

    private mutating func grow() {
        let old = entries
        entries = [Entry](repeating: Entry(), count: old.count * 2)
        mask = entries.count - 1
        for entry in old where entry.used {
            var slot = VinCache.slot(entry.head, entry.middle, entry.last) & mask
            while entries[slot].used { slot = (slot + 1) & mask }
            entries[slot] = entry
        }
    }
}
