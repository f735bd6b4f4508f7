/// Decodes a row in the usual layout — `vin,ts,odometer_km,fc_current_a`, nothing around the
/// fields — straight from the bytes, without first finding its line end and commas.
///
/// It only ever accepts: any row it is not sure of (spaces, another column order, a bad
/// value, a line it cannot see the end of) gives `nil`, and the general path of `CSVDecoder`
/// decides, so the frames and rejections are the same either way. Remembers the date and
/// hour of the last time and its zone, because rows come in runs of the same hour.
struct UsualRowDecoder {
    /// Bytes that must follow the start of a row in the buffer: the fixed-width reads of the
    /// VIN and the time reach 46 bytes in.
    static let reach = 64

    private let localOffset: Int64
    /// The last valid instant: the end of year 9999 in the policy's zone (SPEC 2.1).
    private let maxInstant: Int64
    /// Bytes 0–7 and 5–12 of the last `YYYY-MM-DDTHH` seen, and its first second.
    private var hourKey: (UInt64, UInt64) = (0, 0)
    private var hourStart: Int64?
    /// The six bytes of the last `±HH:MM` zone seen, and its offset in seconds.
    private var zoneKey: UInt64 = 0
    private var zoneOffset: Int64 = 0
    /// The spreadsheet form's parser, which remembers the last date.
    private var spreadsheet: TimestampParser

    init(localOffset: Int) {
        self.localOffset = Int64(localOffset)
        spreadsheet = TimestampParser(localOffset: localOffset)
        maxInstant = FieldParsers.maxEpoch - Int64(localOffset)
    }

    /// Decodes the row starting at `row`.
    ///
    /// - Precondition: `end - row >= reach`, and the byte before `end` is a line end.
    /// - Returns: the frame, the number of its VIN in the file (see `FrameSink`) and the start of
    ///   the next line, or `nil` to leave the row to the general path.
    @inline(__always)
    mutating func decode(_ row: UnsafeRawPointer, end: UnsafeRawPointer, vins: inout VinCache) -> (
        frame: Frame, vehicle: Int, next: UnsafeRawPointer
    )? {
        guard row.load(fromByteOffset: Vin.length, as: UInt8.self) == UInt8(ascii: ","),
            let (vin, vehicle) = vins.parse(UnsafeRawBufferPointer(start: row, count: Vin.length))
        else { return nil }
        let time = row + Vin.length + 1
        guard let (ts, timeEnd) = timestamp(time, end: end) else { return nil }
        guard let (odometer, odometerEnd) = Self.tenths(timeEnd + 1, maxTenths: CSVDecoder.maxOdometer),
            odometerEnd.load(as: UInt8.self) == UInt8(ascii: ",")
        else { return nil }
        let currentStart = odometerEnd + 1
        var current: Int64 = 0
        var currentEnd = currentStart
        if currentStart.load(as: UInt8.self) != 0x0A && currentStart.load(as: UInt8.self) != 0x0D {
            guard let (value, valueEnd) = Self.tenths(currentStart, maxTenths: CSVDecoder.maxCurrent) else {
                return nil
            }
            current = value
            currentEnd = valueEnd
        }
        // The line ends here: `\n` or `\r\n`.
        var next = currentEnd
        if next.load(as: UInt8.self) == 0x0D { next += 1 }
        guard next.load(as: UInt8.self) == 0x0A else { return nil }
        let frame = Frame(vin: vin, ts: ts, odometer: Int32(odometer), current: Int32(current))
        return (frame, vehicle, next + 1)
    }

    /// `digits[.digits]` at `start` in tenths, as `FieldParsers.tenths` reads it, and where it
    /// ends, in one pass. More than 12 digits before the point is left to the general path
    /// (which allows leading zeros). Scanning stops at the line end at the latest.
    @inline(__always)
    private static func tenths(_ start: UnsafeRawPointer, maxTenths: Int64) -> (Int64, UnsafeRawPointer)? {
        var end = start
        var value: Int64 = 0
        while true {
            let digit = end.load(as: UInt8.self) &- 48
            if digit > 9 { break }
            value = value &* 10 &+ Int64(digit)
            end += 1
        }
        let digits = start.distance(to: end)
        guard digits > 0, digits <= 12 else { return nil }
        value &*= 10
        if end.load(as: UInt8.self) == UInt8(ascii: ".") {
            let first = end.load(fromByteOffset: 1, as: UInt8.self) &- 48
            guard first <= 9 else { return nil }
            value &+= Int64(first)
            end += 2
            let second = end.load(as: UInt8.self) &- 48
            if second <= 9 {
                if second >= 5 { value &+= 1 }
                end += 1
                while end.load(as: UInt8.self) &- 48 <= 9 { end += 1 }
            }
        }
        guard value <= maxTenths else { return nil }
        return (value, end)
    }

    /// The time field at `time` (epoch seconds or milliseconds, an RFC 3339 date-time with or
    /// without a zone, or the spreadsheet form), and the comma after it.
    @inline(__always)
    private mutating func timestamp(_ time: UnsafeRawPointer, end: UnsafeRawPointer) -> (Int64, UnsafeRawPointer)? {
        let fifth = time.load(fromByteOffset: 4, as: UInt8.self)
        if fifth == UInt8(ascii: "/") { return spreadsheetTime(time) }
        if fifth != UInt8(ascii: "-") { return epoch(time) }
        let key = (time.loadUnaligned(as: UInt64.self), time.loadUnaligned(fromByteOffset: 5, as: UInt64.self))
        let start: Int64
        if let known = hourStart, key == hourKey {
            start = known
        } else {
            let bytes = UnsafeRawBufferPointer(start: time, count: 19)
            guard let days = FieldParsers.date(bytes), bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: " "),
                let hour = FieldParsers.number(bytes, 11, 2), hour <= 23
            else { return nil }
            start = Int64(days) * 86_400 + Int64(hour) * 3600
            hourKey = key
            hourStart = start
        }
        let bytes = UnsafeRawBufferPointer(start: time, count: 19)
        guard bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"),
            let minute = FieldParsers.number(bytes, 14, 2), let second = FieldParsers.number(bytes, 17, 2),
            minute <= 59, second <= 59
        else { return nil }
        var zone = time + 19
        if zone.load(as: UInt8.self) == UInt8(ascii: ".") {
            zone += 1
            let fractionStart = zone
            while zone.load(as: UInt8.self) &- 48 <= 9 { zone += 1 }
            // 1 to 9 digits (SPEC 2.1); anything else is the general path's to reject.
            let digits = fractionStart.distance(to: zone)
            guard digits >= 1 && digits <= 9 else { return nil }
        }
        var offset = localOffset
        switch zone.load(as: UInt8.self) {
        case UInt8(ascii: ","):
            break
        case UInt8(ascii: "Z"):
            offset = 0
            zone += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard zone.distance(to: end) >= 8 else { return nil }
            let key = zone.loadUnaligned(as: UInt64.self) & 0xFFFF_FFFF_FFFF
            if key != zoneKey {
                guard let offset = FieldParsers.zoneOffset(UnsafeRawBufferPointer(start: zone, count: 6)) else {
                    return nil
                }
                zoneKey = key
                zoneOffset = Int64(offset)
            }
            offset = zoneOffset
            zone += 6
        default:
            return nil
        }
        let ts = start + Int64(minute * 60 + second) - offset
        guard zone.load(as: UInt8.self) == UInt8(ascii: ","), ts >= 0, ts <= maxInstant else { return nil }
        return (ts, zone)
    }

    /// The spreadsheet form `YYYY/M/D H:MM[:SS]` (at most 19 bytes) up to the comma, read by the
    /// same `TimestampParser` as the general path.
    @inline(__always)
    private mutating func spreadsheetTime(_ time: UnsafeRawPointer) -> (Int64, UnsafeRawPointer)? {
        var comma = time + 13  // the shortest form, `YYYY/M/D H:MM`
        while comma.load(as: UInt8.self) != UInt8(ascii: ",") {
            comma += 1
            if time.distance(to: comma) > 19 { return nil }
        }
        guard let ts = spreadsheet.parse(UnsafeRawBufferPointer(start: time, count: time.distance(to: comma))) else {
            return nil
        }
        return (ts, comma)
    }

    /// Epoch seconds (1 to 12 digits) or milliseconds (13 digits, floored to seconds) up to the
    /// comma, valid in the policy's zone.
    @inline(__always)
    private func epoch(_ time: UnsafeRawPointer) -> (Int64, UnsafeRawPointer)? {
        var value: Int64 = 0
        var end = time
        while true {
            let digit = end.load(as: UInt8.self) &- 48
            if digit > 9 { break }
            value = value &* 10 &+ Int64(digit)
            end += 1
            if time.distance(to: end) > 13 { return nil }
        }
        if time.distance(to: end) == 13 { value /= 1000 }
        guard end != time, end.load(as: UInt8.self) == UInt8(ascii: ","), value <= maxInstant else {
            return nil
        }
        return (value, end)
    }
}
