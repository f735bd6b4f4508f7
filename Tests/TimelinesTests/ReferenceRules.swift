import Figures
import Frames
import Timelines

/// SPEC 3.2–3.5 written out as plainly as the text reads, in whole arrays and without any
/// streaming: the oracle that `IntervalWalker`, `Timeline` and joined `Segment`s are compared
/// with. It shares no rule code with the library.
enum ReferenceRules {
    static func outOfLine(_ p: Reading, _ q: Reading, _ limits: TelemetryLimits) -> Bool {
        let dd = Int64(q.odometer) - Int64(p.odometer)
        return dd < 0 || 360 * (dd - 1) > limits.maxSpeedKmh * (q.ts - p.ts)
    }

    /// SPEC 3.3's table, first row that applies.
    static func rawClass(_ a: Reading, _ b: Reading, _ limits: TelemetryLimits) -> IntervalClass {
        let dt = b.ts - a.ts
        let dd = Int64(b.odometer) - Int64(a.odometer)
        if dd < 0 { return .rollback }
        if dt > limits.maxGapSeconds { return .gap }
        if 360 * (dd - 1) > limits.maxSpeedKmh * dt { return .overspeed }
        let on = { (reading: Reading) in reading.current >= limits.fuelCellOnCurrent }
        return on(a) && on(b) ? .hydrogen : .battery
    }

    static func figures(_ readings: [Reading], year: ReportYear, limits: TelemetryLimits) -> VehicleYear {
        var figures = VehicleYear()
        // SPEC 3.2: group by ts; keep the lowest odometer, then the lowest current.
        let byTs = Dictionary(grouping: readings, by: \.ts)
        var kept: [Reading] = []
        for ts in byTs.keys.sorted() {
            let group = byTs[ts]!
            let keep = group.min { ($0.odometer, $0.current) < ($1.odometer, $1.current) }!
            kept.append(keep)
            let extra = group.count - 1
            let exact = group.filter { $0 == keep }.count - 1
            if year.contains(ts) {
                figures.exactDuplicates += exact
                figures.conflictingDuplicates += extra - exact
            }
        }
        // SPEC 3.5: frames, days, first and last over the kept frames in the year (outliers too).
        var days = Set<Int>()
        for reading in kept where year.contains(reading.ts) {
            figures.frames += 1
            figures.firstTs = figures.firstTs ?? reading.ts
            figures.lastTs = reading.ts
            days.insert(year.dayIndex(reading.ts))
        }
        for day in days { figures.days.insert(day) }
        // SPEC 3.3: every verdict from the original neighbours, then all outliers dropped at once.
        var isOutlier = [Bool](repeating: false, count: kept.count)
        if kept.count >= 3 {
            for index in 1..<(kept.count - 1) {
                let (a, b, c) = (kept[index - 1], kept[index], kept[index + 1])
                isOutlier[index] = outOfLine(a, b, limits) && outOfLine(b, c, limits) && !outOfLine(a, c, limits)
            }
        }
        for index in kept.indices where isOutlier[index] && year.contains(kept[index].ts) { figures.outliers += 1 }
        let remaining = kept.indices.filter { !isOutlier[$0] }.map { kept[$0] }
        guard remaining.count >= 2 else { return figures }
        let raw = (0..<(remaining.count - 1)).map { rawClass(remaining[$0], remaining[$0 + 1], limits) }
        for index in raw.indices {
            var final = raw[index]
            let nextToRollback = (index > 0 && raw[index - 1] == .rollback) || (index + 1 < raw.count && raw[index + 1] == .rollback)
            if (final == .battery || final == .hydrogen) && nextToRollback { final = .suspect }
            let (a, b) = (remaining[index], remaining[index + 1])
            // SPEC 3.4: the month that contains b.ts, in the policy's zone.
            let month = CivilTime.date(fromDays: CivilTime.localDay(b.ts, offset: year.offset)).month - 1
            if year.contains(b.ts) { figures.book(final, dd: Int64(b.odometer) - Int64(a.odometer), month: month) }
        }
        return figures
    }
}
