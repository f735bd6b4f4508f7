/// Calendar arithmetic on the proleptic Gregorian calendar, in integers only.
///
/// Used to read timestamps (SPEC 2.1), to put intervals in days and years (SPEC 3.4) and to
/// write times in the policy's zone (SPEC 7.1).
public enum CivilTime {
    /// Days from 1970-01-01 to the given date (negative before it).
    @inlinable
    public static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The date of a day number (inverse of `days(year:month:day:)`).
    @inlinable
    public static func date(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Whether the date exists (no 31 April, no 29 February outside leap years).
    @inlinable
    public static func isValid(year: Int, month: Int, day: Int) -> Bool {
        guard month >= 1 && month <= 12 && day >= 1 else { return false }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let lengths = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return day <= lengths[month - 1]
    }

    /// The local day number of an instant in a zone `offset` seconds east of UTC.
    @inlinable
    public static func localDay(_ ts: Int64, offset: Int) -> Int {
        let local = ts + Int64(offset)
        return Int(local >= 0 ? local / 86_400 : (local - 86_399) / 86_400)
    }

    /// The first instant of local day `day` (days since 1970-01-01) in a zone `offset` seconds
    /// east of UTC.
    public static func startOfDay(_ day: Int, offset: Int) -> Int64 {
        Int64(day) * 86_400 - Int64(offset)
    }

    /// The first instant of local `year` in a zone `offset` seconds east of UTC.
    public static func startOfYear(_ year: Int, offset: Int) -> Int64 {
        Int64(days(year: year, month: 1, day: 1)) * 86_400 - Int64(offset)
    }

    /// RFC 3339 text of an instant in a zone `offset` seconds east of UTC,
    /// e.g. `2025-03-01T08:00:00+08:00`.
    public static func rfc3339(_ ts: Int64, offset: Int) -> String {
        let local = ts + Int64(offset)
        let day = localDay(ts, offset: offset)
        let secondOfDay = Int(local - Int64(day) * 86_400)
        let (year, month, dayOfMonth) = date(fromDays: day)
        let sign = offset < 0 ? "-" : "+"
        let absOffset = abs(offset)
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(dayOfMonth, 2))T"
            + "\(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2))"
            + "\(sign)\(pad(absOffset / 3600, 2)):\(pad(absOffset / 60 % 60, 2))"
    }

    /// The date of a local day number as `YYYY-MM-DD`.
    public static func dateText(day: Int) -> String {
        let (year, month, dayOfMonth) = date(fromDays: day)
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(dayOfMonth, 2))"
    }

    /// The local day number of a date written `YYYY-MM-DD` (exactly so: ten characters, a
    /// real date), or `nil`.
    public static func day(ofDateText text: String) -> Int? {
        let bytes = Array(text.utf8)
        let digit = { (index: Int) in bytes[index] >= UInt8(ascii: "0") && bytes[index] <= UInt8(ascii: "9") }
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
            [0, 1, 2, 3, 5, 6, 8, 9].allSatisfy(digit),
            let year = Int(text.prefix(4)), let month = Int(text.dropFirst(5).prefix(2)),
            let day = Int(text.suffix(2)), isValid(year: year, month: month, day: day)
        else { return nil }
        return days(year: year, month: month, day: day)
    }

    /// Text of a zone offset, e.g. `+08:00`.
    public static func offsetText(_ offset: Int) -> String {
        "\(offset < 0 ? "-" : "+")\(pad(abs(offset) / 3600, 2)):\(pad(abs(offset) / 60 % 60, 2))"
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}
