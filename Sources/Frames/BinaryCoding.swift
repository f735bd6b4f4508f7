/// Writes integers little-endian into bytes: the versioned binary encodings of partial results
/// that a ledger stores (SPEC 10.1).
public struct ByteWriter: Sendable {
    /// The bytes written so far.
    public private(set) var bytes: [UInt8] = []

    /// An empty writer.
    public init() {}

    /// Appends `value`, little-endian, in `T`'s width.
    public mutating func write<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// Appends a length-prefixed run of bytes.
    public mutating func write(bytes more: [UInt8]) {
        write(UInt32(more.count))
        bytes.append(contentsOf: more)
    }

    /// Appends a length-prefixed UTF-8 string.
    public mutating func write(string: String) {
        write(bytes: Array(string.utf8))
    }

    /// Appends a boolean as one byte.
    public mutating func write(_ value: Bool) {
        write(UInt8(value ? 1 : 0))
    }
}

/// A problem reading bytes that `ByteWriter` wrote: cut short, or not what was expected.
public struct ByteReaderError: Error, CustomStringConvertible, Sendable {
    /// What was wrong, for the message that names the damaged record.
    public var description: String

    /// Creates an error.
    @inlinable
    public init(_ description: String) { self.description = description }
}

/// Reads what `ByteWriter` wrote, checking every length.
public struct ByteReader {
    @usableFromInline let bytes: [UInt8]
    @usableFromInline var offset = 0

    /// A reader at the start of `bytes`.
    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Whether every byte has been read.
    public var atEnd: Bool { offset == bytes.count }

    /// Reads a `T`, little-endian.
    @inlinable
    public mutating func read<T: FixedWidthInteger>(_: T.Type = T.self) throws(ByteReaderError) -> T {
        let size = MemoryLayout<T>.size
        guard offset + size <= bytes.count else { throw ByteReaderError("cut short at byte \(offset)") }
        let value = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: T.self) }
        offset += size
        return T(littleEndian: value)
    }

    /// Reads a boolean byte.
    public mutating func readBool() throws(ByteReaderError) -> Bool {
        switch try read(UInt8.self) {
        case 0: return false
        case 1: return true
        case let other: throw ByteReaderError("byte \(offset - 1) is \(other), not a boolean")
        }
    }

    /// Reads a length-prefixed run of bytes.
    public mutating func readBytes() throws(ByteReaderError) -> [UInt8] {
        let count = Int(try read(UInt32.self))
        guard offset + count <= bytes.count else { throw ByteReaderError("cut short at byte \(offset)") }
        defer { offset += count }
        return Array(bytes[offset..<(offset + count)])
    }

    /// Reads a length-prefixed UTF-8 string.
    public mutating func readString() throws(ByteReaderError) -> String {
        let raw = try readBytes()
        guard let text = String(validating: raw, as: UTF8.self) else { throw ByteReaderError("a string is not UTF-8") }
        return text
    }
}
