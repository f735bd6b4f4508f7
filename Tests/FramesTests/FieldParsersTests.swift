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
            "", "yesterday", "2025-02-30T08:00:50+08:00", "2025-03-01T24:00:00+08:00", "2025/03/01 08:00:50",
            "2023-02-29T00:00:00Z", "2025-04-31T00:00:00Z", "2025-13-01T00:00:00Z", "2025-00-01T00:00:00Z",
            "2025-03-01T08:60:00Z", "2025-03-01T08:00:60Z", "2025-03-01t08:00:00Z", "2025-03-01T08:00:00z",
            "2025-03-01T08:00:00+24:00", "2025-03-01T08:00:00+08:60", "2025-03-01T08:00:00+0800",
            "2025-03-01T08:00:00.Z", "2025-03-01T08:00:00 Z", "1969-12-31T23:59:59Z", "253402300800",
            "-1", "2025-03-01T08:00", "2025-03-01T08:00:00Z+", "+1740787200",
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
            (0, "253402300799", 253_402_300_799), (0, "253402300800", nil),
            (14 * 3600, "253402250399", 253_402_250_399), (14 * 3600, "253402250400", nil),
            (14 * 3600, "9999-12-31T09:59:59Z", 253_402_250_399), (14 * 3600, "9999-12-31T10:00:00Z", nil),
            (8 * 3600, "0000000000", 0),
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

    @Test("the date-remembering parser agrees with the plain one, row after row")
    func cachedDates() {
        let texts = [
            "2025-03-01T00:00:10Z", "2025-03-01T23:59:59+08:00", "2025-03-01 08:00:20", "2025-02-30T08:00:50+08:00",
            "2025-03-01T24:00:00+08:00", "1740787200", "2025-03-01T08:00:20", "2024-02-29T00:00:00Z",
            "2023-02-29T00:00:00Z", "2024-02-29T00:00:01Z", "2025-03-01T08:00:00.5", "2025-03-01X08:00:00",
            "9999-12-31T23:59:59Z",
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
