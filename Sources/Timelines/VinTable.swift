import Frames

/// Interns VINs as dense indices 0, 1, 2, … with an open-addressing hash table.
///
/// Cheaper than `Dictionary<Vin, Int>` on the hot path: a multiply-shift hash of the two packed
/// words instead of SipHash, and a one-entry cache for runs of rows of the same vehicle.
/// One table per worker; not thread-safe.
public struct VinTable: Sendable {
    /// A slot of the hash table: a VIN and its index, or `index == -1` when empty. The VIN is
    /// kept in the slot so that a probe reads one place.
    private struct Slot: Sendable {
        var high: UInt64 = 0
        var low: UInt64 = 0
        var index: Int = -1
    }

    private var slots: [Slot]
    private var mask: Int
    /// The interned VINs: `vins[i]` has index `i`.
    public private(set) var vins: [Vin] = []
    /// The VIN last looked up (a one-entry cache for runs of rows of one vehicle).
    private var lastHigh: UInt64 = 0
    private var lastLow: UInt64 = 0
    private var lastIndex = -1

    /// An empty table.
    public init() {
        slots = [Slot](repeating: Slot(), count: 1024)
        mask = 1023
    }

    /// The index of `vin`, adding it when new.
    /// - Complexity: O(1) expected.
    @inline(__always)
    public mutating func index(of vin: Vin) -> Int {
        if lastIndex >= 0 && vin.high == lastHigh && vin.low == lastLow { return lastIndex }
        var slot = VinTable.hash(vin) & mask
        while true {
            let entry = slots[slot]
            if entry.index < 0 { break }
            if entry.high == vin.high && entry.low == vin.low {
                (lastHigh, lastLow, lastIndex) = (vin.high, vin.low, entry.index)
                return entry.index
            }
            slot = (slot + 1) & mask
        }
        let index = vins.count
        vins.append(vin)
        slots[slot] = Slot(high: vin.high, low: vin.low, index: index)
        if vins.count * 2 > slots.count { grow() }
        (lastHigh, lastLow, lastIndex) = (vin.high, vin.low, index)
        return index
    }

    /// The index of `vin`, or `nil` when it is not in the table.
    @inline(__always)
    public func lookup(_ vin: Vin) -> Int? {
        var slot = VinTable.hash(vin) & mask
        while true {
            let entry = slots[slot]
            if entry.index < 0 { return nil }
            if entry.high == vin.high && entry.low == vin.low { return entry.index }
            slot = (slot + 1) & mask
        }
    }

    @inline(__always)
    static func hash(_ vin: Vin) -> Int {
        let mixed = (vin.high &* 0x9E37_79B9_7F4A_7C15) ^ (vin.low &* 0xC2B2_AE3D_27D4_EB4F)
        return Int(truncatingIfNeeded: mixed ^ (mixed >> 29))
    }

    private mutating func grow() {
        slots = [Slot](repeating: Slot(), count: slots.count * 2)
        mask = slots.count - 1
        for (index, vin) in vins.enumerated() {
            var slot = VinTable.hash(vin) & mask
            while slots[slot].index >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Slot(high: vin.high, low: vin.low, index: index)
        }
    }
}
