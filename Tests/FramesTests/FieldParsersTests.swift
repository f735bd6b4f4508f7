import Frames
import Testing

/// Runs `body` on the bytes of `text`.
func withBytes<T>(_ text: String, _ body: (UnsafeRawBufferPointer) -> T) -> T {
    Array(text.utf8).withUnsafeBytes(body)
}

@Suite("Decimals and timestamps (SPEC 1, 2.1)")
struct FieldParsersTests {
    // SPEC 1: rounded to the nearest unit, halves away from zero.
    @Test(
        "decimal → tenths",
        arguments: [
            ("12.34", 123), ("12.35", 124), ("0.05", 1), ("0.04", 0), ("0.95", 10), ("7", 70), ("100.0", 1000),
            ("0.349999", 3), ("9999999.9", 99_999_999), ("9999999.94", 99_999_999), ("00012.3", 123),
            ("0000000000000000000012.3", 123), ("0.0", 0), ("1.05", 11),
        ] as [(String, Int64)])
    func tenths(_ text: String, _ expected: Int64) {
        #expect(withBytes(text) { FieldParsers.tenths($0, maxTenths: 99_999_999) } == expected)
    }

    // SPEC 2.1: digits[.digits] only, and the bound after rounding.
    @Test(
        "decimal forms that are rejected",
        arguments: [
            "", "-1", "+1", "1e3", "1,000", "1.", ".5", "1..2", "1.2.3", " 1", "ten", "9999999.95", "10000000",
            "429496729.5",
            "99999999999999999999999",
        ])
    func badTenths(_ text: String) {
        #expect(withBytes(text) { FieldParsers.tenths($0, maxTenths: 99_999_999) } == nil)
    }

    @Test(
        "timestamp forms",
        arguments: [
            ("1740787200", 1_740_787_200),
            ("2025-03-01T00:00:10Z", 1_740_787_210),
            ("2025-03-01 08:00:20", 1_740_787_220),  // local, policy zone +08:00
            ("2025-03-01T08:00:20", 1_740_787_220),
            ("2025-03-01T09:00:30.999+09:00", 1_740_787_230),  // fraction dropped
            ("2025-03-01T09:00:30.123456789+09:00", 1_740_787_230),  // nine digits, the most
            ("2025-03-01T05:30:40+05:30", 1_740_787_240),
            ("2025-02-28T23:59:59-01:00", 1_740_790_799),
            ("2024-02-29T00:00:00Z", 1_709_164_800),  // leap day
            ("1970-01-01T00:00:00Z", 0),
            ("1969-12-31T23:00:00-05:00", 14_400),  // a date before 1970, an instant after
            ("253402271999", 253_402_271_999),  // 9999-12-31T23:59:59+08:00, the last valid second
            ("9999-12-31T23:59:59+08:00", 253_402_271_999),
            ("9999-12-31T15:59:59Z", 253_402_271_999),
            ("9999-12-31 23:59:59", 253_402_271_999),
        ] as [(String, Int64)])
    func timestamps(_ text: String, _ expected: Int64) {
        #expect(withBytes(text) { FieldParsers.timestamp($0, localOffset: 8 * 3600) } == expected)
    }

    @Test(
        "timestamps that are rejected",
        arguments: [
            "", "yesterday", "2025-02-30T08:00:50+08:00", "2025-03-01T24:00:00+08:00", "2025/03/01T08:00:50",
            "2023-02-29T00:00:00Z", "2025-04-31T00:00:00Z", "2025-13-01T00:00:00Z", "2025-00-01T00:00:00Z",
            "2025-03-01T08:60:00Z", "2025-03-01T08:00:60Z", "2025-03-01t08:00:00Z", "2025-03-01T08:00:00z",
            "2025-03-01T08:00:00+24:00", "2025-03-01T08:00:00+08:60", "2025-03-01T08:00:00+0800",
            "2025-03-01T08:00:00.Z", "2025-03-01T08:00:00 Z", "1969-12-31T23:59:59Z", "253402300800",
            "-1", "2025-03-01T08:00", "2025-03-01T08:00:00Z+", "+1740787200",
            "2025-03-01T08:00:00.1234567890Z",  // a fraction of 1 to 9 digits (SPEC 2.1)
            // SPEC 2.1: the year in the policy's zone (+08:00 here) is at most 9999, the instant
            // at or after 1970-01-01T00:00:00Z.
            "253402272000", "253402300799", "9999-12-31T23:59:59Z", "9999-12-31T16:00:00Z",
            "1970-01-01T07:59:59+08:00", "1970-01-01 00:00:00", "1970-01-01T07:59:59", "0000-01-01T00:00:00Z",
        ])
    func badTimestamps(_ text: String) {
        #expect(withBytes(text) { FieldParsers.timestamp($0, localOffset: 8 * 3600) } == nil)
    }

    // SPEC 2.1: valid when the instant is at or after 1970-01-01T00:00:00Z and its year in the
    // policy's zone is at most 9999, whatever the form.
    @Test(
        "validity depends on the policy's zone",
        arguments: [
            (-5 * 3600, "253402318799", 253_402_318_799 as Int64?),  // 9999-12-31T23:59:59-05:00
            (-5 * 3600, "253402318800", nil),
            (-5 * 3600, "9999-12-31T23:59:59Z", 253_402_300_799),
            (-5 * 3600, "1969-12-31 19:00:00", 0),  // local, before 1970 on the clock
            (-5 * 3600, "1969-12-31 18:59:59", nil),
            (-5 * 3600, "1969/12/31 19:00", 0),
            (0, "253402300799", 253_402_300_799), (0, "253402300800", nil),
            (0, "9999/12/31 23:59:59", 253_402_300_799),
            (14 * 3600, "253402250399", 253_402_250_399), (14 * 3600, "253402250400", nil),
            (14 * 3600, "9999-12-31T09:59:59Z", 253_402_250_399), (14 * 3600, "9999-12-31T10:00:00Z", nil),
            (14 * 3600, "1970/1/1 14:00", 0), (14 * 3600, "1970/1/1 13:59:59", nil),
            (8 * 3600, "0000000000", 0), (8 * 3600, "0000000000000", 0),
        ] as [(Int, String, Int64?)])
    func validity(_ offset: Int, _ text: String, _ expected: Int64?) {
        #expect(withBytes(text) { FieldParsers.timestamp($0, localOffset: offset) } == expected)
        var parser = TimestampParser(localOffset: offset)
        #expect(withBytes(text) { parser.parse($0) } == expected)
        if let expected {
            #expect(FieldParsers.isValid(expected, localOffset: offset))
            #expect(!FieldParsers.isValid(-1, localOffset: offset))
        }
    }

    // SPEC 2.1 (h2-mileage/2): Unix epoch milliseconds, exactly 13 digits; the milliseconds are
    // dropped. 1 to 12 digits are seconds; 14 or more are nothing.
    @Test(
        "epoch seconds and milliseconds by their number of digits",
        arguments: [
            ("1740787200000", 1_740_787_200 as Int64?),
            ("1740787210999", 1_740_787_210),  // floored, not rounded
            ("0000000000000", 0), ("0000000000999", 0), ("0000000001000", 1),
            ("0001740787200", 1_740_787),  // 13 digits with leading zeros: still milliseconds
            ("9999999999999", 9_999_999_999),  // the largest 13 digits: 2286-11-20T17:46:39Z
            ("174078720000", 174_078_720_000),  // 12 digits: seconds (year 7486)
            ("000001740787", 1_740_787), ("0", 0), ("7", 7),
            ("17407872000000", nil), ("00000000000000", nil),  // 14 digits
            ("999999999999", nil),  // 12 digits of seconds beyond year 9999
            ("1740787200000.5", nil), ("1740787200.5", nil), ("1740787200 000", nil), ("1 740787200000", nil),
        ] as [(String, Int64?)])
    func epochDigits(_ text: String, _ expected: Int64?) {
        #expect(withBytes(text) { FieldParsers.timestamp($0, localOffset: 8 * 3600) } == expected)
    }

    // SPEC 2.1 (h2-mileage/2): `YYYY/M/D H:MM[:SS]`, local time in the policy's zone (+08:00).
    @Test(
        "the spreadsheet form",
        arguments: [
            ("2025/3/6 6:16", 1_741_212_960 as Int64),  // 2025-03-06T06:16:00+08:00
            ("2025/03/06 06:16:30", 1_741_212_990),
            ("2025/3/06 6:16:30", 1_741_212_990), ("2025/03/6 06:16:30", 1_741_212_990),
            ("2025/3/1 8:00", 1_740_787_200), ("2025/3/1 8:00:20", 1_740_787_220),
            ("2025/03/01 08:00:30", 1_740_787_230), ("2025/3/1 08:01", 1_740_787_260),
            ("2024/2/29 23:59:59", 1_709_222_399), ("2025/12/31 0:00", 1_767_110_400),
            ("2025/1/1 00:00:00", 1_735_660_800), ("1970/1/1 8:00", 0),
        ] as [(String, Int64)])
    func spreadsheet(_ text: String, _ expected: Int64) {
        #expect(withBytes(text) { FieldParsers.timestamp($0, localOffset: 8 * 3600) } == expected)
    }

    @Test(
        "spreadsheet forms that are rejected",
        arguments: [
            "2025/2/29 1:00",  // no 29 February in 2025
            "2025/3/6 6:6", "2025/3/6  6:16", "2025/3/6\t6:16", "2025/3/6 6:16:30.5", "2025/3/6 6:16.5",
            "2025/3/6 6:16+08:00", "2025/3/6 6:16:00+08:00", "2025/3/6 6:16Z", "2025/3/6 6:16:00Z",
            "2025/3/6T6:16", "2025/3/6T06:16:00", "2025/13/1 8:01:10", "2025/0/1 8:00", "2025/3/0 8:00",
            "2025/4/31 8:00", "2025/3/1 24:00", "2025/3/1 8:60", "2025/3/1 8:00:60", "2025/3/1 8:1:10",
            "2025/003/1 8:00", "2025/3/001 8:00", "2025/3/1 008:00", "2025/3/1 8:000", "2025/3/1 8:00:000",
            "2025/3/1 8:00:0", "25/3/1 8:00", "02025/3/1 8:00", "2025/3/1 8:00:", "2025/3/1 8:", "2025/3/1 8",
            "2025/3/1", "2025/3/1 ", "2025/3/1 8:00 ", " 2025/3/1 8:00", "2025-3-1 8:00", "2025/3-1 8:00",
            "2025/3/1 -8:00", "2025/+3/1 8:00", "2025/3/1 8:00:00:00", "2025//1 8:00", "2025/3/ 8:00",
            "1970/1/1 7:59:59",  // before the epoch in +08:00
            "2025/3/1 ８:00",  // a full-width digit
        ])
    func badSpreadsheet(_ text: String) {
        #expect(withBytes(text) { FieldParsers.timestamp($0, localOffset: 8 * 3600) } == nil)
        var parser = TimestampParser(localOffset: 8 * 3600)
        #expect(withBytes(text) { parser.parse($0) } == nil)
    }

    @Test("the date-remembering parser agrees with the plain one, row after row")
    func cachedDates() {
        let texts = [
            "2025-03-01T00:00:10Z", "2025-03-01T23:59:59+08:00", "2025-03-01 08:00:20", "2025-02-30T08:00:50+08:00",
            "2025-03-01T24:00:00+08:00", "1740787200", "2025-03-01T08:00:20", "2024-02-29T00:00:00Z",
            "2023-02-29T00:00:00Z", "2024-02-29T00:00:01Z", "2025-03-01T08:00:00.5", "2025-03-01X08:00:00",
            "1740787200123", "2025/3/1 8:00", "2025/3/1 8:00:01", "2025/3/1 18:00", "2025/3/10 8:00",
            "2025/3/1 8:0", "2025/3/1  8:00", "2025/03/01 08:00:00", "2025/3/1 8:00:00.5", "2025/2/29 8:00",
            "2025/3/10 8:00:59", "2025/3/1 8:00:", "2025/3/1X8:00", "2025/3/1 8", "9999-12-31T23:59:59Z",
            "9999-12-31T23:59:59+08:00", "1970-01-01T07:59:59", "1970-01-01T08:00:00",
        ]
        var parser = TimestampParser(localOffset: 8 * 3600)
        for text in texts + texts.reversed() + texts {
            let cached = withBytes(text) { parser.parse($0) }
            let plain = withBytes(text) { FieldParsers.timestamp($0, localOffset: 8 * 3600) }
            #expect(cached == plain, "\(text)")
        }
    }

    @Test("VINs: 17 of 0-9 A-H J-N P R-Z, lower case taken as upper (SPEC 2.1)")
    func vins() {
        #expect(Vin("LZYTEST0000000001")?.description == "LZYTEST0000000001")
        #expect(Vin("lzytest0000000001") == Vin("LZYTEST0000000001"))
        for bad in [
            "LZYTEST000000000O", "LZYTEST000000000I", "LZYTEST000000000Q", "LZYTEST000000001",
            "LZYTEST00000000012", "LZYTEST00000000\u{0}1", "LZYTEST0000000-01", "",
        ] {
            #expect(Vin(bad) == nil, "\(bad) must be rejected")
        }
        #expect(Vin("ABCDEFGHJKLMNPRST")! < Vin("ABCDEFGHJKLMNPRSU")!)
        #expect(Vin("0BCDEFGHJKLMNPRST")! < Vin("ABCDEFGHJKLMNPRST")!)
    }

    @Test("civil dates round-trip over four centuries")
    func civilDates() {
        for days in stride(from: -1000, through: 150_000, by: 7) {
            let date = CivilTime.date(fromDays: days)
            #expect(CivilTime.days(year: date.year, month: date.month, day: date.day) == days)
            #expect(CivilTime.isValid(year: date.year, month: date.month, day: date.day))
        }
        #expect(CivilTime.rfc3339(1_740_787_200, offset: 8 * 3600) == "2025-03-01T08:00:00+08:00")
        #expect(CivilTime.rfc3339(0, offset: -5 * 3600 - 30 * 60) == "1969-12-31T18:30:00-05:30")
    }
}
