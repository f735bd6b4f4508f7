/// Parsers for the fields of a telemetry row (SPEC 2.1), working on bytes.
public enum FieldParsers {
    /// The last second of year 9999 on a wall clock, in seconds from 1970-01-01T00:00:00 on the
    /// same clock: a valid time (SPEC 2.1) is at most this in the policy's zone, so as an instant
    /// at most `maxEpoch - offset` (see `isValid(_:localOffset:)`).
    public static let maxEpoch: Int64 = 253_402_300_799

    /// Parses `digits[.digits]` into tenths, rounding halves away from zero (SPEC 1).
    /// - Returns: `nil` for any other form or a value above `maxTenths`.
    @inlinable @inline(__always)
    public static func tenths(_ bytes: UnsafeRawBufferPointer, maxTenths: Int64) -> Int64? {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return nil }
        let count = bytes.count
        var index = 0
        var whole: Int64 = 0
        var significant = 0
        while index < count {
            let digit = base.load(fromByteOffset: index, as: UInt8.self) &- 48
            if digit > 9 { break }
            whole = whole &* 10 &+ Int64(digit)
            if whole != 0 { significant += 1 }
            // More than 12 significant digits is above any bound (and would overflow later).
            if significant > 12 { return nil }
            index += 1
        }
        if index == 0 { return nil }
        var value = whole &* 10
        if index < count {
            guard base.load(fromByteOffset: index, as: UInt8.self) == UInt8(ascii: "."), index + 1 < count else {
                return nil
            }
            let first = base.load(fromByteOffset: index + 1, as: UInt8.self) &- 48
            guard first <= 9 else { return nil }
            value &+= Int64(first)
            index += 2
            if index < count {
                let second = base.load(fromByteOffset: index, as: UInt8.self) &- 48
                guard second <= 9 else { return nil }
                if second >= 5 { value &+= 1 }
                index += 1
                while index < count {
                    if base.load(fromByteOffset: index, as: UInt8.self) &- 48 > 9 { return nil }
                    index += 1
                }
            }
        }
        return value <= maxTenths ? value : nil
    }

    /// Parses a timestamp (SPEC 2.1): epoch seconds (1 to 12 digits), epoch milliseconds (13
    /// digits, the milliseconds dropped), RFC 3339 with `Z` or an offset, a local date-time, or
    /// the spreadsheet form `YYYY/M/D H:MM[:SS]`; local times are taken in a zone `localOffset`
    /// seconds east of UTC (the policy's zone).
    /// - Returns: seconds since the epoch, or `nil` when the text is not one of those forms,
    ///   names a time that does not exist, or is not valid (`isValid(_:localOffset:)`).
    public static func timestamp(_ bytes: UnsafeRawBufferPointer, localOffset: Int) -> Int64? {
        let ts: Int64?
        if let epoch = epoch(bytes) {
            ts = epoch
        } else if bytes.count >= 19, bytes[4] == UInt8(ascii: "-") {
            guard let days = date(bytes) else { return nil }
            ts = time(bytes, days: days, localOffset: localOffset)
        } else {
            guard let (days, end) = spreadsheetDate(bytes) else { return nil }
            ts = spreadsheetTime(bytes, from: end, days: days, localOffset: localOffset)
        }
        guard let ts, isValid(ts, localOffset: localOffset) else { return nil }
        return ts
    }

    /// Whether an instant is a valid telemetry time (SPEC 2.1): at or after
    /// 1970-01-01T00:00:00Z, and in year 9999 or earlier in a zone `localOffset` seconds east
    /// of UTC (the policy's zone).
    @inlinable @inline(__always)
    public static func isValid(_ ts: Int64, localOffset: Int) -> Bool {
        ts >= 0 && ts <= maxEpoch &- Int64(localOffset)
    }

    /// Epoch seconds (1 to 12 digits) or milliseconds (13 digits, floored to seconds); `nil`
    /// when the text is not 1 to 13 digits.
    @inline(__always)
    static func epoch(_ bytes: UnsafeRawBufferPointer) -> Int64? {
        let count = bytes.count
        guard count > 0, count <= 13 else { return nil }
        var value: Int64 = 0
        for index in 0..<count {
            let digit = bytes[index] &- 48
            if digit > 9 { return nil }
            value = value * 10 + Int64(digit)
        }
        return count == 13 ? value / 1000 : value
    }

    @inline(__always)
    static func number(_ bytes: UnsafeRawBufferPointer, _ at: Int, _ width: Int) -> Int? {
        var value = 0
        for index in at..<(at + width) {
            let digit = bytes[index] &- 48
            if digit > 9 { return nil }
            value = value * 10 + Int(digit)
        }
        return value
    }

    /// `YYYY-MM-DD` at the start of `bytes` (at least 10 long), as days since 1970-01-01, for an
    /// existing date (years before 1970 too: whether the instant is valid depends on the zone).
    static func date(_ bytes: UnsafeRawBufferPointer) -> Int? {
        guard let year = number(bytes, 0, 4), bytes[4] == UInt8(ascii: "-"),
            let month = number(bytes, 5, 2), bytes[7] == UInt8(ascii: "-"),
            let day = number(bytes, 8, 2),
            CivilTime.isValid(year: year, month: month, day: day)
        else { return nil }
        return CivilTime.days(year: year, month: month, day: day)
    }

    /// One or two digits at `at` (no more: a third digit is left for the caller to refuse), and
    /// the index after them.
    @inline(__always)
    static func shortNumber(_ bytes: UnsafeRawBufferPointer, _ at: Int) -> (value: Int, end: Int)? {
        guard at < bytes.count else { return nil }
        let first = bytes[at] &- 48
        guard first <= 9 else { return nil }
        guard at + 1 < bytes.count else { return (Int(first), at + 1) }
        let second = bytes[at + 1] &- 48
        return second <= 9 ? (Int(first) * 10 + Int(second), at + 2) : (Int(first), at + 1)
    }

    /// The date of the spreadsheet form (SPEC 2.1, h2-mileage/2), `YYYY/M/D` with month and day
    /// in one or two digits, at the start of `bytes`: days since 1970-01-01 for an existing
    /// date, and the index after the day.
    static func spreadsheetDate(_ bytes: UnsafeRawBufferPointer) -> (days: Int, end: Int)? {
        guard bytes.count >= 13, let year = number(bytes, 0, 4), bytes[4] == UInt8(ascii: "/"),
            let (month, monthEnd) = shortNumber(bytes, 5), monthEnd < bytes.count,
            bytes[monthEnd] == UInt8(ascii: "/"),
            let (day, dayEnd) = shortNumber(bytes, monthEnd + 1),
            CivilTime.isValid(year: year, month: month, day: day)
        else { return nil }
        return (CivilTime.days(year: year, month: month, day: day), dayEnd)
    }

    /// The rest of the spreadsheet form after its date, from `start`: one space, `H:MM` with the
    /// hour in one or two digits, optionally `:SS`, and nothing else (no fraction, no offset);
    /// local time in a zone `localOffset` seconds east of UTC.
    static func spreadsheetTime(_ bytes: UnsafeRawBufferPointer, from start: Int, days: Int, localOffset: Int)
        -> Int64?
    {
        let count = bytes.count
        guard start < count, bytes[start] == UInt8(ascii: " "),
            let (hour, hourEnd) = shortNumber(bytes, start + 1),
            hourEnd + 3 <= count, bytes[hourEnd] == UInt8(ascii: ":"),
            let minute = number(bytes, hourEnd + 1, 2),
            hour <= 23, minute <= 59
        else { return nil }
        var second = 0
        let minuteEnd = hourEnd + 3
        if minuteEnd != count {
            guard minuteEnd + 3 == count, bytes[minuteEnd] == UInt8(ascii: ":"),
                let value = number(bytes, minuteEnd + 1, 2), value <= 59
            else { return nil }
            second = value
        }
        return Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(localOffset)
    }

    /// A zone `±HH:MM` (the first six bytes of `zone`, the sign included) in seconds east of UTC.
    @inline(__always)
    static func zoneOffset(_ zone: UnsafeRawBufferPointer) -> Int? {
        guard let hours = number(zone, 1, 2), zone[3] == UInt8(ascii: ":"), let minutes = number(zone, 4, 2),
            hours <= 23, minutes <= 59
        else { return nil }
        return (hours * 3600 + minutes * 60) * (zone[0] == UInt8(ascii: "-") ? -1 : 1)
    }

    /// The rest of a date-time after its date (`T` or space, `HH:MM:SS`, fraction, zone).
    @inline(__always)
    static func time(_ bytes: UnsafeRawBufferPointer, days: Int, localOffset: Int) -> Int64? {
        let count = bytes.count
        guard bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: " "),
            let hour = number(bytes, 11, 2), bytes[13] == UInt8(ascii: ":"),
            let minute = number(bytes, 14, 2), bytes[16] == UInt8(ascii: ":"),
            let second = number(bytes, 17, 2),
            hour <= 23, minute <= 59, second <= 59
        else { return nil }
        var index = 19
        if index < count && bytes[index] == UInt8(ascii: ".") {
            index += 1
            let fractionStart = index
            while index < count && bytes[index] &- 48 <= 9 { index += 1 }
            // `.` and 1 to 9 digits (SPEC 2.1).
            if index == fractionStart || index - fractionStart > 9 { return nil }
        }
        var offset = localOffset
        if index < count {
            let marker = bytes[index]
            if marker == UInt8(ascii: "Z") {
                offset = 0
                index += 1
            } else if marker == UInt8(ascii: "+") || marker == UInt8(ascii: "-") {
                guard count - index == 6, let zone = zoneOffset(UnsafeRawBufferPointer(rebasing: bytes[index...]))
                else { return nil }
                offset = zone
                index += 6
            } else {
                return nil
            }
        }
        guard index == count else { return nil }
        return Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offset)
    }
}

/// Parses timestamps like `FieldParsers.timestamp`, remembering the date of the last one:
/// telemetry rows come in runs of the same day, so most rows skip the calendar arithmetic.
public struct TimestampParser: Sendable {
    private let localOffset: Int
    /// The first ten bytes of the last date-time, its day number and where its date ends (10
    /// for RFC 3339, 8 to 10 for the spreadsheet form, whose date the ten bytes hold).
    private var cachedDate: (UInt64, UInt16) = (0, 0)
    private var cachedDays: Int?
    private var cachedDateEnd = 0

    /// A parser for times without an offset in a zone `localOffset` seconds east of UTC.
    public init(localOffset: Int) {
        self.localOffset = localOffset
    }

    /// Seconds since the epoch, or `nil` (see `FieldParsers.timestamp`).
    @inline(__always)
    public mutating func parse(_ bytes: UnsafeRawBufferPointer) -> Int64? {
        let ts: Int64?
        if let epoch = FieldParsers.epoch(bytes) {
            ts = epoch
        } else {
            guard bytes.count >= 13, let base = bytes.baseAddress else { return nil }
            let rfc3339 = bytes[4] == UInt8(ascii: "-")
            if rfc3339 && bytes.count < 19 { return nil }
            let key = (base.loadUnaligned(as: UInt64.self), base.loadUnaligned(fromByteOffset: 8, as: UInt16.self))
            let days: Int
            let dateEnd: Int
            if let cached = cachedDays, key == cachedDate {
                days = cached
                dateEnd = cachedDateEnd
            } else {
                if rfc3339 {
                    guard let parsed = FieldParsers.date(bytes) else { return nil }
                    (days, dateEnd) = (parsed, 10)
                } else {
                    guard let parsed = FieldParsers.spreadsheetDate(bytes) else { return nil }
                    (days, dateEnd) = parsed
                }
                cachedDate = key
                cachedDays = days
                cachedDateEnd = dateEnd
            }
            ts =
                rfc3339
                ? FieldParsers.time(bytes, days: days, localOffset: localOffset)
                : FieldParsers.spreadsheetTime(bytes, from: dateEnd, days: days, localOffset: localOffset)
        }
        guard let ts, FieldParsers.isValid(ts, localOffset: localOffset) else { return nil }
        return ts
    }
}
