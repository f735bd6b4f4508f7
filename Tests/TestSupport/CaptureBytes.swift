/// Builds GB/T 32960 frames for tests (SPEC 9.2).
public enum CaptureBytes {
    public static let vin = Array("LZYTEST0000000001".utf8)

    /// A whole frame: start, command, ack, VIN, encryption, length, data, check byte.
    public static func frame(
        revision2025: Bool = false, command: UInt8 = 0x02, ack: UInt8 = 0xFE, vin: [UInt8] = vin,
        encryption: UInt8 = 0x01, data: [UInt8]
    ) -> [UInt8] {
        let marker: UInt8 = revision2025 ? 0x24 : 0x23
        var bytes: [UInt8] =
            [marker, marker, command, ack] + vin + [encryption, UInt8(data.count >> 8), UInt8(data.count & 255)]
        bytes += data
        bytes.append(bytes[2...].reduce(0, ^))
        return bytes
    }

    /// 2025-03-01 08:00:00 +08:00 plus `seconds` (under a minute).
    public static func time(_ seconds: UInt8 = 0) -> [UInt8] { [25, 3, 1, 8, 0, seconds] }

    /// A vehicle block (0x01) with `odometer` tenths.
    public static func vehicle(_ odometer: UInt32, revision2025: Bool = false) -> [UInt8] {
        var body = [UInt8](repeating: 0, count: revision2025 ? 18 : 20)
        body[5] = UInt8(odometer >> 24)
        body[6] = UInt8(odometer >> 16 & 255)
        body[7] = UInt8(odometer >> 8 & 255)
        body[8] = UInt8(odometer & 255)
        return [0x01] + body
    }

    /// A 2016 fuel-cell block (0x03): current at offset 2, `probes` temperature bytes.
    public static func fuelCell2016(current: UInt16, probes: UInt16 = 2) -> [UInt8] {
        var body: [UInt8] = [
            0, 0, UInt8(current >> 8), UInt8(current & 255), 0, 0, UInt8(probes >> 8), UInt8(probes & 255),
        ]
        body += [UInt8](repeating: 0x41, count: probes >= 0xFFFE ? 0 : Int(probes))
        body += [UInt8](repeating: 0, count: 10)
        return [0x03] + body
    }

    /// A 2025 stacks block (0x30) with one record per current, each with `probes` bytes.
    public static func stacks2025(_ currents: [UInt16], probes: UInt16 = 1) -> [UInt8] {
        var body: [UInt8] = [UInt8(currents.count)]
        for current in currents {
            var record = [UInt8](repeating: 0, count: 12)
            record[3] = UInt8(current >> 8)
            record[4] = UInt8(current & 255)
            record[10] = UInt8(probes >> 8)
            record[11] = UInt8(probes & 255)
            body += record + [UInt8](repeating: 0x22, count: Int(probes))
        }
        return [0x30] + body
    }
}
