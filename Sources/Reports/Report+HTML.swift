import Archives
import Figures
import Frames
import Mustache
import Rules
import Subsidy

extension Report {
    /// `report.html`: the whole report for a person, in one self-contained file (inline CSS and
    /// SVG, nothing fetched), readable on a phone and printable, each operator's statement on a
    /// page of its own when printed. Every value goes through `InertHTML`.
    public func html(language: Language) -> String {
        var context = reportContext(language: language)
        context["statements"] = statementOperators.map { statementContext($0, language: language) }
        return HTMLPages.render(context, template: "report")
    }

    /// `statements/OPERATOR.html`: what operator `operatorId` signs, printable on A4: its vehicles
    /// and figures, the subsidy arithmetic step by step, totals, and the fingerprints of the
    /// policy and data the figures come from. `nil` for an operator the report does not hold.
    public func statementHTML(operatorId: String, language: Language) -> String? {
        guard statementOperators.contains(operatorId) else { return nil }
        var context = pageContext(language: language)
        context["statement"] = statementContext(operatorId, language: language)
        return HTMLPages.render(context, template: "statement-page")
    }

    /// The operators with a statement: every operator of the registry, sorted by id.
    public var statementOperators: [String] { outcome.operators.map(\.id) }

    /// A SHA-256 over the input files: of their `sha256  path` lines (as `sha256sum` prints
    /// them), sorted by path, one `\n` after each. It names the data a report was made from.
    public var dataFingerprint: String {
        let lines = files.filter { !$0.sha256.isEmpty }.map { "\($0.sha256)  \($0.path)\n" }.joined()
        return sha256Hex(SHA256Hasher.hash(Array(lines.utf8)))
    }

    /// The period in words: the year, or the year to date.
    func periodText(_ language: Language) -> String {
        if let through {
            return language.pick(
                "\(year), 1 January to \(CivilTime.dateText(day: through))",
                "\(year) 年 1 月 1 日至 \(CivilTime.dateText(day: through))")
        }
        return language.pick("year \(year)", "\(year) 年度")
    }

    /// What every page shows: labels, header, style and fingerprints.
    private func pageContext(language: Language) -> [String: Any] {
        [
            "lang": language.htmlTag,
            "t": HTMLPages.labels(language),
            "period": periodText(language),
            "policyId": policyId,
            "policyTitle": policy?.title ?? "",
            "policySHA256": policySHA256,
            "rules": rulesVersion,
            "engine": engineVersion,
            "registryPath": registry?.path ?? "",
            "registrySHA256": registry?.sha256 ?? "",
            "dataFingerprint": dataFingerprint,
            "style": HTMLPages.style,
        ]
    }

    /// The report's page: the header of every page, then every section.
    private func reportContext(language: Language) -> [String: Any] {
        let say = language.pick
        let totals = self.totals
        let minimum = policy?.operatorMinAverageKm ?? 0
        let samples = rejectionSamples
        var context = pageContext(language: language)
        context["threshold"] = "\(minimum).0"
        context["hasWarnings"] = !warnings.isEmpty
        context["hasSamples"] = !samples.isEmpty
        context["hasSkipped"] = !skipped.isEmpty
        let eligible = outcome.operators.filter(\.eligible).count
        context["cards"] = [
            ["label": say("Subsidy", "补贴总额"), "value": Units.yuan(totals.subsidyFen), "unit": say("yuan", "元"), "id": "total-subsidy"],
            ["label": say("Hydrogen distance", "氢能里程"), "value": Units.km(totals.hydrogen), "unit": say("km", "公里"), "id": "total-hydrogen"],
            ["label": say("Vehicles", "车辆"), "value": String(totals.vehicles), "unit": "", "id": "total-vehicles"],
            [
                "label": say("Operators eligible", "达标运营单位"), "value": "\(eligible) / \(outcome.operators.count)", "unit": "",
                "id": "operators-eligible",
            ],
            ["label": say("Input files", "输入文件"), "value": String(files.count), "unit": "", "id": "input-files"],
            ["label": say("Frames", "有效帧"), "value": String(frames), "unit": "", "id": "frames"],
            ["label": say("Rejected rows", "拒收行"), "value": String(rejections.total), "unit": "", "id": "rejected-rows"],
        ]
        context["warnings"] = warnings.map { warning -> [String: Any] in
            [
                "code": warning.code.rawValue, "path": warning.path ?? "", "hasPath": warning.path != nil,
                "message": warning.message(in: language),
            ]
        }
        context["operators"] = outcome.operators.map { entry -> [String: Any] in
            [
                "id": entry.id, "name": entry.name ?? "", "vehicles": String(entry.vehicles),
                "hydrogen": Units.km(entry.hydrogen), "average": Units.km(entry.averageTenths),
                "eligible": entry.eligible, "eligibleText": language.yesNo(entry.eligible),
                "subsidy": Units.yuan(entry.subsidyFen),
            ]
        }
        context["averageChart"] = averageChart(minimum: minimum, language: language)
        context["monthly"] = monthlyChart(language: language)
        context["vehicles"] = outcome.vehicles.map { vehicleContext($0, language: language) }
        context["excluded"] = excludedChart(language: language)
        context["coverage"] = coverageChart()
        let allRejections = rejections
        context["rejections"] = RejectionReason.allCases.filter { allRejections.counts[$0.rawValue] > 0 }.map {
            ["reason": $0.name, "count": String(allRejections.counts[$0.rawValue])]
        }
        context["samples"] = samples.map {
            ["reason": $0.reason.name, "path": $0.path, "position": String($0.sample.position), "text": $0.sample.text]
        }
        context["files"] = files.map { file -> [String: Any] in
            [
                "path": file.path, "format": file.format, "bytes": String(file.bytes), "sha256": file.sha256,
                "ok": file.error == nil, "status": file.error == nil ? "ok" : say("failed", "失败"), "error": file.error ?? "",
                "frames": String(file.frames), "rejected": String(file.rejections.total),
            ]
        }
        context["skipped"] = skipped.map { ["path": $0.path, "reason": $0.reason.rawValue] }
        return context
    }

    /// A vehicle's row: figures, status, and its paid amount against its class's cap.
    private func vehicleContext(_ vehicle: VehicleSubsidy, language: Language) -> [String: Any] {
        let figures = vehicle.figures
        let vehicleClass = vehicle.registration.flatMap { policy?.vehicleClass($0.classId) }
        let capFen = (vehicleClass?.annualCapYuan ?? 0) * 100
        return [
            "vin": vehicle.vin.description, "plate": vehicle.registration?.plate ?? "",
            "operator": vehicle.registration?.operatorId ?? "",
            "className": vehicleClass.map { $0.name ?? $0.id } ?? "",
            "status": vehicle.status.rawValue, "statusText": vehicle.status.name(in: language),
            "days": String(figures.daysWithData), "frames": String(figures.frames),
            "hydrogen": Units.km(figures.hydrogen), "battery": Units.km(figures.battery),
            "gap": Units.km(figures.gap), "overspeed": Units.km(figures.overspeed), "suspect": Units.km(figures.suspect),
            "uncapped": Units.yuan(vehicle.uncappedFen), "subsidy": Units.yuan(vehicle.subsidyFen),
            "cap": capFen > 0 ? Units.yuan(capFen) : "",
            // The paid share of the cap, as the width of a bar 100 units long.
            "paidWidth": capFen > 0 ? String(min(100, vehicle.subsidyFen * 100 / capFen)) : "0",
            "hasCap": capFen > 0,
        ]
    }

    /// Each operator's average against the threshold, as horizontal bars.
    private func averageChart(minimum: Int64, language: Language) -> [String: Any] {
        let rowHeight = 26
        let labelWidth = 170
        let barSpace = 400
        let largest = max(minimum * 10 * 5 / 4, outcome.operators.map(\.averageTenths).max() ?? 0, 1)
        let scale = { (tenths: Int64) in Int(tenths * Int64(barSpace) / largest) }
        let bars = outcome.operators.enumerated().map { index, entry -> [String: Any] in
            let width = scale(entry.averageTenths)
            return [
                "y": index * rowHeight + 4, "textY": index * rowHeight + 19, "width": width, "label": entry.id,
                "valueX": labelWidth + width + 6, "value": Units.km(entry.averageTenths),
                "cls": entry.eligible ? "ok" : "short",
            ]
        }
        return [
            "width": labelWidth + barSpace + 90, "height": max(1, outcome.operators.count) * rowHeight + 22,
            "labelWidth": labelWidth, "bars": bars, "thresholdX": labelWidth + scale(minimum * 10),
            "thresholdLabelX": labelWidth + scale(minimum * 10) + 4,
            "thresholdLabelY": max(1, outcome.operators.count) * rowHeight + 16,
            "thresholdLabel": language.pick("threshold \(minimum) km", "达标线 \(minimum) 公里"),
        ]
    }

    /// Each operator's hydrogen distance by month: a row of twelve bars on one scale, and the
    /// same numbers in a table.
    private func monthlyChart(language: Language) -> [String: Any] {
        var byOperator: [String: MonthlyDistance] = [:]
        for vehicle in outcome.vehicles {
            guard let operatorId = vehicle.registration?.operatorId else { continue }
            byOperator[operatorId, default: MonthlyDistance()].add(vehicle.figures.hydrogenByMonth)
        }
        let largest = max(1, byOperator.values.flatMap(\.values).max() ?? 1)
        let barWidth = 30
        let height = 48
        let rows = outcome.operators.map { entry -> [String: Any] in
            let months = byOperator[entry.id] ?? MonthlyDistance()
            return [
                "id": entry.id, "name": entry.name ?? "",
                "cells": months.values.map { ["km": Units.km($0)] },
                "total": Units.km(months.values.reduce(0, +)),
                "bars": months.values.enumerated().map { month, tenths -> [String: Any] in
                    let barHeight = Int(tenths * Int64(height) / largest)
                    return [
                        "x": month * (barWidth + 4), "y": height - barHeight, "h": barHeight, "w": barWidth,
                        "title": "\(month + 1): \(Units.km(tenths)) km",
                    ]
                },
                "chartWidth": 12 * (barWidth + 4), "chartHeight": height,
            ]
        }
        let names = language == .zh ? (1...12).map { "\($0)月" } : ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        return [
            "rows": rows, "months": names.map { ["name": $0] },
            "ticks": names.enumerated().map { ["x": $0 * (barWidth + 4) + barWidth / 2, "name": $1] },
        ]
    }

    /// Distance measured but not paid as hydrogen distance, by reason (SPEC 3.3).
    private func excludedChart(language: Language) -> [[String: Any]] {
        let figures = outcome.vehicles.map(\.figures)
        let sum = { (distance: (VehicleYear) -> Int64) in figures.reduce(Int64(0)) { $0 + distance($1) } }
        let reasons: [(String, String, Int64)] = [
            ("gap_km", language.pick("gaps longer than the policy allows", "超过政策允许的数据中断"), sum(\.gap)),
            ("overspeed_km", language.pick("faster than the policy allows", "超过政策允许的速度"), sum(\.overspeed)),
            ("suspect_km", language.pick("next to an odometer rollback", "里程表回退相邻区间"), sum(\.suspect)),
            ("battery_km", language.pick("fuel cell off (battery)", "燃料电池未开启（纯电）"), sum(\.battery)),
        ]
        let largest = max(1, reasons.map(\.2).max() ?? 1)
        return reasons.map { field, label, tenths in
            ["field": field, "label": label, "km": Units.km(tenths), "width": String(tenths * 300 / largest)]
        }
    }

    /// Every vehicle by day of the year: a mark for each run of days with frames, so days
    /// without data show as gaps at a glance.
    private func coverageChart() -> [String: Any] {
        let firstDay = CivilTime.days(year: year, month: 1, day: 1)
        let days = CivilTime.days(year: year + 1, month: 1, day: 1) - firstDay
        let rowHeight = 13
        let labelWidth = 130
        let rows = outcome.vehicles.enumerated().map { index, vehicle -> [String: Any] in
            var runs: [[String: Any]] = []
            var start: Int?
            for day in 0...days {
                let has = day < days && vehicle.figures.days.contains(day)
                if has, start == nil { start = day }
                if !has, let begin = start {
                    runs.append(["x": labelWidth + begin * 2, "w": (day - begin) * 2])
                    start = nil
                }
            }
            return [
                "vin": vehicle.vin.description, "y": index * rowHeight + 14, "textY": index * rowHeight + 24,
                "runs": runs, "days": String(vehicle.figures.daysWithData),
            ]
        }
        let ticks = (1...12).map { month -> [String: Any] in
            let day = CivilTime.days(year: year, month: month, day: 1) - firstDay
            return ["x": labelWidth + day * 2, "name": String(month)]
        }
        return [
            "width": labelWidth + days * 2 + 4, "height": outcome.vehicles.count * rowHeight + 18, "rows": rows,
            "ticks": ticks, "labelWidth": labelWidth, "daysWidth": days * 2, "rowHeight": rowHeight - 3,
            "through": through.map { labelWidth + ($0 - firstDay + 1) * 2 } as Any,
        ]
    }

    /// What one operator signs: its line, its vehicles with the arithmetic of each, totals.
    private func statementContext(_ operatorId: String, language: Language) -> [String: Any] {
        guard let line = outcome.operators.first(where: { $0.id == operatorId }) else { return [:] }
        let minimum = policy?.operatorMinAverageKm ?? 0
        let vehicles = outcome.vehicles.filter { $0.registration?.operatorId == operatorId }
        return [
            "id": line.id, "name": line.name ?? "", "period": periodText(language),
            "vehicleCount": String(line.vehicles), "hydrogen": Units.km(line.hydrogen),
            "average": Units.km(line.averageTenths), "eligible": line.eligible, "eligibleText": language.yesNo(line.eligible),
            "subsidy": Units.yuan(line.subsidyFen),
            "operatorStep": SubsidyArithmetic.operatorStep(line, minimumAverageKm: minimum, in: language)
                .split(separator: "\n").map { ["line": String($0)] },
            "vehicles": vehicles.map { vehicle -> [String: Any] in
                var row = vehicleContext(vehicle, language: language)
                let steps = SubsidyArithmetic(
                    vehicle: vehicle, operatorLine: line,
                    vehicleClass: vehicle.registration.flatMap { policy?.vehicleClass($0.classId) }, minimumAverageKm: minimum
                ).steps(in: language)
                // The operator's step is shown once, above the vehicles.
                row["steps"] = steps.dropFirst().map { ["line": $0] }
                return row
            },
        ]
    }
}
