import Archives
import Frames

extension CheckReport {
    /// The report for people: files, then vehicles with their warnings. Text from input files has
    /// control characters escaped.
    public func text() -> String {
        let time = { (ts: Int64?) in ts.map { CivilTime.rfc3339($0, offset: timezoneOffset) } ?? "-" }
        var out =
            "h2fleet check — telemetry rules of policy \(policyId) (gaps over \(limits.maxGapSeconds) s, "
            + "speed over \(limits.maxSpeedKmh) km/h, fuel cell on from \(Units.tenths(Int64(limits.fuelCellOnCurrent))) A)\n\n"
        let failed = files.filter { $0.error != nil }.count
        out += "Files: \(files.count) (\(failed) cannot be read)\n"
        for file in files {
            let path = TerminalText.escaped(file.path)
            if let error = file.error {
                out += "  FAILED  \(path): \(TerminalText.escaped(error)) — the regulator will not count this file\n"
                continue
            }
            out +=
                "  ok      \(path): \(file.frames) frames, \(file.vehicles) vehicle\(file.vehicles == 1 ? "" : "s"), "
                + "\(time(file.firstTs)) to \(time(file.lastTs))"
            let rejected = file.rejections.total
            let noun = file.format == "gbt32960" ? "rejected frame" : "rejected row"
            out += rejected > 0 ? ", \(rejected) \(noun)\(rejected == 1 ? "" : "s")\n" : "\n"
            if file.format == "gbt32960" {
                let revisions = file.revisions.keys.sorted().map { "GB/T 32960.3-\($0): \(file.revisions[$0]!)" }
                let commands = file.framesByCommand.keys.sorted().map {
                    "\(CheckReport.commandText($0)) \(CheckReport.commandName($0)) ×\(file.framesByCommand[$0]!)"
                }
                out +=
                    "            valid frames: \(revisions.isEmpty ? "none" : revisions.joined(separator: ", "))"
                    + (commands.isEmpty ? "" : "; by command: " + commands.joined(separator: ", ")) + "\n"
            }
            for reason in RejectionReason.allCases where file.rejections.counts[reason.rawValue] > 0 {
                let samples = file.rejections.samples[reason.rawValue]
                let where_ = file.format == "gbt32960" ? "byte offset" : "line"
                out +=
                    "            \(file.rejections.counts[reason.rawValue]) \(reason.name), e.g. \(where_) "
                    + samples.prefix(3).map { String($0.position) }.joined(separator: ", ")
                if let first = samples.first, !first.text.isEmpty {
                    out += ": \(TerminalText.escaped(String(first.text.prefix(80))))"
                }
                out += "\n"
            }
        }
        if !skipped.isEmpty {
            out += "\nSkipped: \(skipped.count) file\(skipped.count == 1 ? "" : "s") not read\n"
            for file in skipped {
                let why =
                    file.reason == .unsupportedCompression
                    ? "compressed in a way h2fleet does not read (it reads zstd and gzip): extract or decompress it"
                    : "not a telemetry name (.csv, .gbt32960 or .gbt32960.hex, optionally .zst or .gz)"
                out += "  skipped \(TerminalText.escaped(file.path)): \(why)\n"
            }
        }
        out += "\nVehicles: \(vehicles.count)\n"
        for vehicle in vehicles {
            out +=
                "  \(vehicle.vin): \(vehicle.frames) frames on \(vehicle.daysWithData) day"
                + "\(vehicle.daysWithData == 1 ? "" : "s") (\(time(vehicle.firstTs)) to \(time(vehicle.lastTs)))\n"
            out +=
                "    hydrogen \(Units.km(vehicle.distances.hydrogen)) km, battery \(Units.km(vehicle.distances.battery)) km, "
                + "not paid: gaps \(Units.km(vehicle.distances.gap)) km, overspeed \(Units.km(vehicle.distances.overspeed)) km, "
                + "next to rollbacks \(Units.km(vehicle.distances.suspect)) km\n"
            let events = vehicle.distances.rollbacks + vehicle.distances.outliers
            if events + vehicle.exactDuplicates + vehicle.conflictingDuplicates > 0 {
                out +=
                    "    \(vehicle.distances.rollbacks) rollbacks, \(vehicle.distances.outliers) odometer outliers, "
                    + "\(vehicle.exactDuplicates) exact and "
                    + "\(vehicle.conflictingDuplicates) conflicting duplicates\n"
            }
            for warning in vehicle.warnings { out += "    ! \(warning)\n" }
        }
        if !warnings.isEmpty {
            out += "\nWarnings:\n"
            for warning in warnings { out += "  ! " + warning.line + "\n" }
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
                ("warnings", .array(vehicle.warnings.map { .string($0) })),
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
