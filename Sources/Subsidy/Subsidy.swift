import Figures
import Frames
import Rules

/// How a vehicle's subsidy came out (SPEC 6.3).
public enum VehicleStatus: String, Sendable, CaseIterable {
    /// Paid in full.
    case paid
    /// Paid up to its class's annual cap.
    case capped
    /// Its operator does not reach the average hydrogen mileage.
    case operatorIneligible = "operator_ineligible"
    /// Not in the registry: measured, earns nothing.
    case unregistered
}

/// One vehicle's line of the report.
public struct VehicleSubsidy: Sendable, Equatable {
    /// The vehicle.
    public var vin: Vin
    /// Its registry entry, `nil` when unregistered.
    public var registration: RegisteredVehicle?
    /// Its figures for the year.
    public var figures: VehicleYear
    /// The outcome.
    public var status: VehicleStatus
    /// `floor(hydrogen × rate)`, in fen, before the cap; 0 unless its operator is eligible.
    public var uncappedFen: Int64
    /// What is paid, in fen.
    public var subsidyFen: Int64
}

/// One operator's line of the report.
public struct OperatorSubsidy: Sendable, Equatable {
    /// The operator's id.
    public var id: String
    /// The operator's name from the registry, when given (SPEC 4).
    public var name: String?
    /// Registered vehicles.
    public var vehicles: Int
    /// Hydrogen distance of its registered vehicles, tenths of a km.
    public var hydrogen: Int64
    /// Average per registered vehicle, tenths of a km, truncated.
    public var averageTenths: Int64
    /// Whether the average reaches the policy's minimum.
    public var eligible: Bool
    /// Sum of its vehicles' subsidies, fen.
    public var subsidyFen: Int64
}

/// The subsidy for one year (SPEC 6): every vehicle and operator, sorted.
public struct SubsidyOutcome: Sendable, Equatable {
    /// Registered vehicles and unregistered VINs with frames in the year, sorted by VIN.
    public var vehicles: [VehicleSubsidy]
    /// Operators of the registry, sorted by id (UTF-8 bytes).
    public var operators: [OperatorSubsidy]

    /// Applies the policy to the year's figures.
    /// - Parameters:
    ///   - figures: each measured vehicle's figures for the year.
    ///   - registry: the programme's roster.
    ///   - policy: rates, caps and the eligibility threshold.
    public init(figures: [Vin: VehicleYear], registry: Registry, policy: Policy) {
        var byOperator: [String: (count: Int, hydrogen: Int64)] = [:]
        // SPEC 4: an operator's name, where given, is the same on all its lines.
        var names: [String: String] = [:]
        for vehicle in registry.vehicles.values {
            if let name = vehicle.operatorName { names[vehicle.operatorId] = name }
            let hydrogen = figures[vehicle.vin]?.hydrogen ?? 0
            byOperator[vehicle.operatorId, default: (0, 0)].count += 1
            byOperator[vehicle.operatorId, default: (0, 0)].hydrogen += hydrogen
        }
        // SPEC 6.1: A ≥ min, compared in integers as sum_tenths ≥ min × 10 × count.
        let eligible = byOperator.mapValues { $0.hydrogen >= policy.operatorMinAverageKm * 10 * Int64($0.count) }

        var vins = Set(registry.vehicles.keys)
        for (vin, figure) in figures where figure.frames > 0 { vins.insert(vin) }
        var vehicles: [VehicleSubsidy] = []
        var paidByOperator: [String: Int64] = [:]
        for vin in vins.sorted() {
            let figure = figures[vin] ?? VehicleYear()
            guard let registration = registry.vehicles[vin] else {
                vehicles.append(
                    VehicleSubsidy(
                        vin: vin, registration: nil, figures: figure,
                        status: .unregistered, uncappedFen: 0, subsidyFen: 0))
                continue
            }
            guard eligible[registration.operatorId] == true,
                let vehicleClass = policy.vehicleClass(registration.classId)
            else {
                vehicles.append(
                    VehicleSubsidy(
                        vin: vin, registration: registration, figures: figure,
                        status: .operatorIneligible, uncappedFen: 0, subsidyFen: 0))
                continue
            }
            // SPEC 6.2: floor(hydrogen_tenths × rate_fen_per_km / 10), capped.
            let uncapped = figure.hydrogen * vehicleClass.rateFenPerKm / 10
            let cap = vehicleClass.annualCapYuan * 100
            let paid = min(uncapped, cap)
            vehicles.append(
                VehicleSubsidy(
                    vin: vin, registration: registration, figures: figure,
                    status: uncapped > cap ? .capped : .paid,
                    uncappedFen: uncapped, subsidyFen: paid))
            paidByOperator[registration.operatorId, default: 0] += paid
        }
        self.vehicles = vehicles
        operators = byOperator.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }.map { id in
            let entry = byOperator[id]!
            return OperatorSubsidy(
                id: id, name: names[id], vehicles: entry.count, hydrogen: entry.hydrogen,
                averageTenths: entry.hydrogen / Int64(entry.count), eligible: eligible[id]!,
                subsidyFen: paidByOperator[id] ?? 0)
        }
    }
}
