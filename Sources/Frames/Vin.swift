/// A vehicle identification number: 17 characters of `0-9 A-H J-N P R-Z` (SPEC 2.1).
///
/// Packed into two integers (6 bits a character) so that frames carry no heap storage and
/// comparing two `Vin`s orders them as their text does.
public struct Vin: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Characters 1–10, most significant first.
    let high: UInt64
    /// Characters 11–17, most significant first.
    let low: UInt64

    /// The number of characters in a VIN.
    public static let length = 17

    /// Parses a VIN from bytes, taking lower-case letters as upper case.
    /// - Returns: `nil` when the bytes are not 17 allowed characters.
    @inlinable
    public init?(bytes: UnsafeRawBufferPointer) {
        guard bytes.count == Vin.length else { return nil }
        var high: UInt64 = 0
        var low: UInt64 = 0
        for index in 0..<Vin.length {
            let code = Vin.codeTable[Int(bytes[index])]
            if code == 0xFF { return nil }
            if index < 10 {
                high = high << 6 | UInt64(code)
            } else {
                low = low << 6 | UInt64(code)
            }
        }
        self.init(high: high, low: low)
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

    /// For each byte, its 6-bit code (ASCII − 48, upper-cased) or 0xFF when not allowed in a VIN.
    @usableFromInline
    static let codeTable: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for byte in UInt8(ascii: "0")...UInt8(ascii: "9") { table[Int(byte)] = byte - 48 }
        for byte in UInt8(ascii: "A")...UInt8(ascii: "Z")
        where byte != UInt8(ascii: "I") && byte != UInt8(ascii: "O") && byte != UInt8(ascii: "Q") {
            table[Int(byte)] = byte - 48
            table[Int(byte + 32)] = byte - 48
        }
        return table
    }()

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
