import Frames

/// Interns VINs as dense indices 0, 1, 2, … with an open-addressing hash table.
///
/// Cheaper than `Dictionary<Vin, Int>` on the hot path: a multiply-shift hash of the two packed
/// words instead of SipHash, and a one-entry cache for runs of rows of the same vehicle.
/// One table per worker; not thread-safe.
public struct VinTable: Sendable {
    private var slots: [Int32]
    private var mask: Int
    /// The interned VINs: `vins[i]` has index `i`.
    public private(set) var vins: [Vin] = []
    private var lastVin: Vin?
    private var lastIndex = -1

    /// An empty table.
    public init() {
        slots = [Int32](repeating: -1, count: 1024)
        mask = 1023
    }

    /// The index of `vin`, adding it when new.
    /// - Complexity: O(1) expected.
    @inline(__always)
    public mutating func index(of vin: Vin) -> Int {
        if vin == lastVin { return lastIndex }
        var slot = VinTable.hash(vin) & mask
        while true {
            let found = Int(slots[slot])
            if found < 0 { break }
            if vins[found] == vin {
                lastVin = vin
                lastIndex = found
                return found
            }
            slot = (slot + 1) & mask
        }
        let index = vins.count
        vins.append(vin)
        slots[slot] = Int32(index)
        if vins.count * 2 > slots.count { grow() }
        lastVin = vin
        lastIndex = index
        return index
    }

    /// The index of `vin`, or `nil` when it is not in the table.
    @inline(__always)
    public func lookup(_ vin: Vin) -> Int? {
        var slot = VinTable.hash(vin) & mask
        while true {
            let found = Int(slots[slot])
            if found < 0 { return nil }
            if vins[found] == vin { return found }
            slot = (slot + 1) & mask
        }
    }

    @inline(__always)
    static func hash(_ vin: Vin) -> Int {
        let mixed = (vin.high &* 0x9E37_79B9_7F4A_7C15) ^ (vin.low &* 0xC2B2_AE3D_27D4_EB4F)
        return Int(truncatingIfNeeded: mixed ^ (mixed >> 29))
    }

    private mutating func grow() {
        slots = [Int32](repeating: -1, count: slots.count * 2)
        mask = slots.count - 1
        for (index, vin) in vins.enumerated() {
            var slot = VinTable.hash(vin) & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(index)
        }
    }
}
