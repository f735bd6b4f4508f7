#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Splits a byte stream into lines by the text rules of SPEC 2.1, across buffer boundaries.
///
/// Lines end in `\n` or `\r\n`; a last line without a line end counts; lines are numbered
/// from 1; a leading UTF-8 byte-order mark is dropped. A line is handed over without its line
/// end, together with whether it is longer than `maxLineBytes`; a longer line is handed over
/// truncated (its first bytes only), so memory stays bounded whatever the input.
public struct LineSplitter {
    /// The longest line accepted, in bytes, line end and byte-order mark excluded.
    public static let maxLineBytes = 4096

    /// Bytes of a line that started in an earlier buffer.
    private var carry: [UInt8] = []
    /// The carried line was longer than the carry can hold.
    private var carryOverflowed = false
    /// The number of the line being assembled.
    public private(set) var lineNumber: Int64 = 1

    private static let carryLimit = maxLineBytes + 5

    /// Creates a splitter at the start of a stream.
    public init() {}

    /// Creates a splitter that numbers lines from `firstLine`; a byte-order mark is dropped only
    /// from line 1.
    init(firstLine: Int64) {
        lineNumber = firstLine
    }

    /// Whether part of a line from an earlier buffer is waiting for its line end.
    public var hasCarry: Bool { !carry.isEmpty || carryOverflowed }

    /// Counts `count` complete lines that the caller handled itself (only while nothing is carried).
    mutating func skip(lines count: Int64) {
        precondition(!hasCarry, "lines can be skipped only between lines")
        lineNumber += count
    }

    /// A line as `consume` hands it over: without a byte-order mark on line 1, without its `\r`
    /// (unless `overflowed`: only its start was kept), and whether it is too long.
    @inline(__always)
    static func content(of raw: UnsafeRawBufferPointer, lineNumber: Int64, overflowed: Bool = false) -> (
        UnsafeRawBufferPointer, Bool
    ) {
        var content = raw
        if lineNumber == 1, content.count >= 3, content[0] == 0xEF, content[1] == 0xBB, content[2] == 0xBF {
            content = UnsafeRawBufferPointer(rebasing: content[3...])
        }
        if !overflowed, let last = content.last, last == 0x0D {
            content = UnsafeRawBufferPointer(rebasing: content.dropLast())
        }
        return (content, overflowed || content.count > maxLineBytes)
    }

    /// Splits `bytes`, calling `line(number, content, tooLong)` for each complete line.
    public mutating func consume(
        _ bytes: UnsafeRawBufferPointer,
        _ line: (Int64, UnsafeRawBufferPointer, Bool) -> Void
    ) {
        guard let base = bytes.baseAddress else { return }
        var start = 0
        let count = bytes.count
        while start < count {
            guard let found = memchr(base + start, 0x0A, count - start) else {
                appendToCarry(UnsafeRawBufferPointer(start: base + start, count: count - start))
                return
            }
            let end = base.distance(to: UnsafeRawPointer(found))
            let piece = UnsafeRawBufferPointer(start: base + start, count: end - start)
            if carry.isEmpty && !carryOverflowed {
                deliver(piece, overflowed: false, line)
            } else {
                appendToCarry(piece)
                let overflowed = carryOverflowed
                carry.withUnsafeBytes { deliver($0, overflowed: overflowed, line) }
                carry.removeAll(keepingCapacity: true)
                carryOverflowed = false
            }
            start = end + 1
        }
    }

    /// Ends the stream: a last line without a line end is handed over.
    public mutating func finish(_ line: (Int64, UnsafeRawBufferPointer, Bool) -> Void) {
        if carry.isEmpty && !carryOverflowed { return }
        let overflowed = carryOverflowed
        carry.withUnsafeBytes { deliver($0, overflowed: overflowed, line) }
        carry.removeAll(keepingCapacity: true)
        carryOverflowed = false
    }

    private mutating func appendToCarry(_ piece: UnsafeRawBufferPointer) {
        let room = LineSplitter.carryLimit - carry.count
        if piece.count > room {
            carry.append(contentsOf: piece.prefix(room))
            carryOverflowed = true
        } else {
            carry.append(contentsOf: piece)
        }
    }

    private mutating func deliver(
        _ raw: UnsafeRawBufferPointer,
        overflowed: Bool,
        _ line: (Int64, UnsafeRawBufferPointer, Bool) -> Void
    ) {
        let (content, tooLong) = LineSplitter.content(of: raw, lineNumber: lineNumber, overflowed: overflowed)
        line(lineNumber, content, tooLong)
        lineNumber += 1
    }
}

/// Byte helpers shared by the CSV readers.
public enum TextBytes {
    /// `bytes` without leading and trailing spaces and tabs.
    @inlinable
    public static func trimmed(_ bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        var start = 0
        var end = bytes.count
        while start < end && (bytes[start] == 0x20 || bytes[start] == 0x09) { start += 1 }
        while end > start && (bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09) { end -= 1 }
        return UnsafeRawBufferPointer(rebasing: bytes[start..<end])
    }

    /// Whether a line holds only spaces and tabs (an empty line, SPEC 2.1).
    @inlinable
    public static func isBlank(_ bytes: UnsafeRawBufferPointer) -> Bool {
        for byte in bytes where byte != 0x20 && byte != 0x09 { return false }
        return true
    }

    /// `text` with the ASCII letters `A`–`Z` made lower case and everything else as it is, for
    /// names compared ignoring ASCII case (SPEC 2.1, 4).
    public static func asciiLowercased(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 &- 65 < 26 }) else { return text }
        return String(decoding: text.utf8.map { $0 &- 65 < 26 ? $0 | 0x20 : $0 }, as: UTF8.self)
    }

    /// The comma-separated fields of a line, trimmed, as text (for headers).
    public static func fields(_ line: UnsafeRawBufferPointer) -> [String] {
        line.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false).map { field in
            String(decoding: trimmed(UnsafeRawBufferPointer(rebasing: field)), as: UTF8.self)
        }
    }
}
