import Archives
import Frames

extension CheckReport {
    /// The report for people, in `language`: files, then vehicles with their warnings. Text from
    /// input files has control characters escaped.
    public func text(language: Language = .en) -> String {
        let say = language.pick
        let time = { (ts: Int64?) in ts.map { CivilTime.rfc3339($0, offset: timezoneOffset) } ?? "-" }
        let plural = { (count: Int) in count == 1 ? "" : "s" }
        var out = say(
            "h2fleet check — telemetry rules of policy \(policyId) (gaps over \(limits.maxGapSeconds) s, "
                + "speed over \(limits.maxSpeedKmh) km/h, fuel cell on from \(Units.tenths(Int64(limits.fuelCellOnCurrent))) A)\n\n",
            "h2fleet 数据检查 — 政策 \(policyId) 的遥测规则（中断超过 \(limits.maxGapSeconds) 秒，"
                + "速度超过 \(limits.maxSpeedKmh) 公里/小时，电流达到 \(Units.tenths(Int64(limits.fuelCellOnCurrent))) 安培视为燃料电池开启）\n\n")
        let failed = files.filter { $0.error != nil }.count
        out += say("Files: \(files.count) (\(failed) cannot be read)\n", "文件：\(files.count) 个（\(failed) 个无法读取）\n")
        for file in files {
            let path = TerminalText.escaped(file.path)
            if let error = file.error {
                out += say(
                    "  FAILED  \(path): \(TerminalText.escaped(error)) — the regulator will not count this file\n",
                    "  失败    \(path)：\(TerminalText.escaped(error)) — 监管部门不会计入此文件\n")
                continue
            }
            out += say(
                "  ok      \(path): \(file.frames) frames, \(file.vehicles) vehicle\(plural(file.vehicles)), "
                    + "\(time(file.firstTs)) to \(time(file.lastTs))",
                "  正常    \(path)：\(file.frames) 帧，\(file.vehicles) 辆车，\(time(file.firstTs)) 至 \(time(file.lastTs))")
            let rejected = file.rejections.total
            if rejected > 0 {
                let noun = file.format == "gbt32960" ? "rejected frame" : "rejected row"
                out += say(", \(rejected) \(noun)\(plural(rejected))", "，拒收 \(rejected) \(file.format == "gbt32960" ? "帧" : "行")")
            }
            out += "\n"
            if file.format == "gbt32960" {
                let revisions = file.revisions.keys.sorted().map { "GB/T 32960.3-\($0): \(file.revisions[$0]!)" }
                let commands = file.framesByCommand.keys.sorted().map {
                    "\(CheckReport.commandText($0)) \(CheckReport.commandName($0)) ×\(file.framesByCommand[$0]!)"
                }
                out +=
                    "            " + say("valid frames: ", "有效帧：")
                    + (revisions.isEmpty ? say("none", "无") : revisions.joined(separator: ", "))
                    + (commands.isEmpty ? "" : say("; by command: ", "；按命令：") + commands.joined(separator: ", ")) + "\n"
            }
            for reason in RejectionReason.allCases where file.rejections.counts[reason.rawValue] > 0 {
                let samples = file.rejections.samples[reason.rawValue]
                let where_ =
                    file.format == "gbt32960" ? say("byte offset", "字节偏移") : say("line", "行")
                out +=
                    "            \(file.rejections.counts[reason.rawValue]) \(reason.name), \(say("e.g.", "例如")) \(where_) "
                    + samples.prefix(3).map { String($0.position) }.joined(separator: ", ")
                if let first = samples.first, !first.text.isEmpty {
                    out += ": \(TerminalText.escaped(String(first.text.prefix(80))))"
                }
                out += "\n"
            }
        }
        if !skipped.isEmpty {
            out += say(
                "\nSkipped: \(skipped.count) file\(plural(skipped.count)) not read\n", "\n跳过：\(skipped.count) 个文件未读取\n")
            for file in skipped {
                let why =
                    file.reason == .unsupportedCompression
                    ? say(
                        "compressed in a way h2fleet does not read (it reads zstd and gzip): extract or decompress it",
                        "压缩格式 h2fleet 不能读取（可读 zstd 和 gzip）：请先解压")
                    : say(
                        "not a telemetry name (.csv, .gbt32960 or .gbt32960.hex, optionally .zst or .gz)",
                        "不是遥测文件名（.csv、.gbt32960 或 .gbt32960.hex，可加 .zst 或 .gz）")
                out += "  \(say("skipped", "跳过")) \(TerminalText.escaped(file.path)): \(why)\n"
            }
        }
        out += say("\nVehicles: \(vehicles.count)\n", "\n车辆：\(vehicles.count) 辆\n")
        for vehicle in vehicles {
            let distances = vehicle.distances
            out += say(
                "  \(vehicle.vin): \(vehicle.frames) frames on \(vehicle.daysWithData) day"
                    + "\(plural(vehicle.daysWithData)) (\(time(vehicle.firstTs)) to \(time(vehicle.lastTs)))\n",
                "  \(vehicle.vin)：\(vehicle.daysWithData) 天共 \(vehicle.frames) 帧（\(time(vehicle.firstTs)) 至 \(time(vehicle.lastTs))）\n")
            out += say(
                "    hydrogen \(Units.km(distances.hydrogen)) km, battery \(Units.km(distances.battery)) km, "
                    + "not paid: gaps \(Units.km(distances.gap)) km, overspeed \(Units.km(distances.overspeed)) km, "
                    + "next to rollbacks \(Units.km(distances.suspect)) km\n",
                "    氢能 \(Units.km(distances.hydrogen)) 公里，纯电 \(Units.km(distances.battery)) 公里，"
                    + "不予补贴：数据中断 \(Units.km(distances.gap)) 公里，超速 \(Units.km(distances.overspeed)) 公里，"
                    + "里程回退相邻 \(Units.km(distances.suspect)) 公里\n")
            let events = distances.rollbacks + distances.outliers
            if events + vehicle.exactDuplicates + vehicle.conflictingDuplicates > 0 {
                out += say(
                    "    \(distances.rollbacks) rollbacks, \(distances.outliers) odometer outliers, "
                        + "\(vehicle.exactDuplicates) exact and \(vehicle.conflictingDuplicates) conflicting duplicates\n",
                    "    里程回退 \(distances.rollbacks) 次，里程表异常读数 \(distances.outliers) 个，"
                        + "完全重复 \(vehicle.exactDuplicates) 帧，冲突重复 \(vehicle.conflictingDuplicates) 帧\n")
            }
            for warning in vehicle.warnings { out += "    ! \(warning.text(in: language))\n" }
        }
        if !warnings.isEmpty {
            out += "\n" + say("Warnings:", "提示：") + "\n"
            for warning in warnings { out += "  ! " + warning.line(in: language) + "\n" }
        }
        return out
    }

    /// The report for machines (`check --format json`), schema `h2fleet.check/1`.
    public func json() -> String {
        let time = { (ts: Int64?) -> JSONValue in
            ts.map { .string(CivilTime.rfc3339($0, offset: timezoneOffset)) } ?? .null
        }
        let fileValues: [JSONValue] = files.map { file in
            var members: [(String, JSONValue)] = [
                ("path", .string(file.path)), ("format", .string(file.format)), ("bytes", .int(file.bytes)),
                ("sha256", .string(file.sha256)), ("status", .string(file.error == nil ? "ok" : "failed")),
            ]
            if let error = file.error { members.append(("error", .string(error))) }
            members += [
                ("frames", .int(file.frames)), ("vehicles", .int(file.vehicles)),
                ("first_ts", time(file.firstTs)), ("last_ts", time(file.lastTs)),
                ("rejected_rows", .int(file.rejections.total)),
                ("revisions", .object(file.revisions.keys.sorted().map { (String($0), .int(file.revisions[$0]!)) })),
                (
                    "frames_by_command",
                    .object(
                        file.framesByCommand.keys.sorted().map {
                            (CheckReport.commandText($0), .int(file.framesByCommand[$0]!))
                        })
                ),
                (
                    "rejections_by_reason",
                    .object(
                        RejectionReason.allCases.map {
                            ($0.name, .int(file.rejections.counts[$0.rawValue]))
                        })
                ),
                (
                    "rejection_samples",
                    .array(
                        RejectionReason.allCases.flatMap { reason in
                            file.rejections.samples[reason.rawValue].map { sample -> JSONValue in
                                .object([
                                    ("reason", .string(reason.name)), ("position", .int(sample.position)),
                                    ("text", .string(sample.text)),
                                ])
                            }
                        })
                ),
            ]
            return .object(members)
        }
        let vehicleValues: [JSONValue] = vehicles.map { vehicle in
            .object([
                ("vin", .string(vehicle.vin.description)), ("frames", .int(vehicle.frames)),
                ("days_with_data", .int(vehicle.daysWithData)),
                ("first_ts", time(vehicle.firstTs)), ("last_ts", time(vehicle.lastTs)),
                ("hydrogen_km", .number(Units.km(vehicle.distances.hydrogen))),
                ("battery_km", .number(Units.km(vehicle.distances.battery))),
                ("gap_km", .number(Units.km(vehicle.distances.gap))),
                ("overspeed_km", .number(Units.km(vehicle.distances.overspeed))),
                ("suspect_km", .number(Units.km(vehicle.distances.suspect))),
                ("odometer_rollbacks", .int(vehicle.distances.rollbacks)),
                ("exact_duplicates", .int(vehicle.exactDuplicates)),
                ("conflicting_duplicates", .int(vehicle.conflictingDuplicates)),
                ("odometer_outliers", .int(vehicle.distances.outliers)),
                ("warnings", .array(vehicle.warnings.map { .string($0.english) })),
            ])
        }
        return JSONValue.object([
            ("schema", .string("h2fleet.check/1")), ("policy", .string(policyId)),
            ("files", .array(fileValues)), ("skipped", .array(skipped.map(\.json))),
            ("vehicles", .array(vehicleValues)), ("warnings", .array(warnings.map(\.json))),
        ]).rendered()
    }
}

extension CheckReport {
    /// `0x02`: a command as SPEC 9.4 writes it.
    static func commandText(_ command: UInt8) -> String {
        let hex = Array("0123456789ABCDEF")
        return "0x\(hex[Int(command >> 4)])\(hex[Int(command & 15)])"
    }

    /// The command's meaning in GB/T 32960.3.
    static func commandName(_ command: UInt8) -> String {
        switch command {
        case 0x01: "login"
        case 0x02: "realtime"
        case 0x03: "reissue"
        case 0x04: "logout"
        case 0x07: "heartbeat"
        case 0x08: "time sync"
        default: "other"
        }
    }
}
