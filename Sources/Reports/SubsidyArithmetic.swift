import Rules
import Subsidy

/// A vehicle's subsidy worked out step by step in words (SPEC 6): the operator's average against
/// the threshold, the vehicle's distance times its class's rate, then the cap. `explain` prints
/// these steps and each operator's statement shows them, from this one place.
public struct SubsidyArithmetic: Sendable {
    /// The vehicle's line of the report.
    public var vehicle: VehicleSubsidy
    /// Its operator's line, when registered.
    public var operatorLine: OperatorSubsidy?
    /// Its class, when registered.
    public var vehicleClass: VehicleClass?
    /// The policy's eligibility threshold, km per vehicle.
    public var minimumAverageKm: Int64

    /// The steps of `vehicle`'s subsidy.
    public init(
        vehicle: VehicleSubsidy, operatorLine: OperatorSubsidy?, vehicleClass: VehicleClass?, minimumAverageKm: Int64
    ) {
        self.vehicle = vehicle
        self.operatorLine = operatorLine
        self.vehicleClass = vehicleClass
        self.minimumAverageKm = minimumAverageKm
    }

    /// Whether the steps are numbered: a registered vehicle has three, an unregistered one a
    /// single line.
    public var isCounted: Bool { operatorLine != nil && vehicleClass != nil }

    /// The steps as plain text in `language` (input text unescaped: the caller escapes for its
    /// medium); a step may hold a second line.
    public func steps(in language: Language) -> [String] {
        let say = language.pick
        guard let operatorLine, let vehicleClass else {
            return [say("status \(vehicle.status.rawValue): 0.00 yuan", "状态：\(vehicle.status.name(in: language))，0.00 元")]
        }
        return [
            Self.operatorStep(operatorLine, minimumAverageKm: minimumAverageKm, in: language),
            vehicleStep(rateFenPerKm: vehicleClass.rateFenPerKm, eligible: operatorLine.eligible, in: language),
            capStep(vehicleClass, in: language),
        ]
    }

    /// The operator's step: its fleet's hydrogen distance and average against the threshold.
    public static func operatorStep(_ line: OperatorSubsidy, minimumAverageKm: Int64, in language: Language) -> String {
        let needed = minimumAverageKm * 10 * Int64(line.vehicles)
        let compare = line.eligible ? "≥" : "<"
        return language.pick(
            "operator \(line.id): \(line.vehicles) registered vehicles, \(Units.km(line.hydrogen)) hydrogen km in all, "
                + "average \(Units.km(line.averageTenths)) km\n"
                + "needs an average of \(minimumAverageKm) km: \(Units.km(line.hydrogen)) \(compare) \(minimumAverageKm) × "
                + "\(line.vehicles) = \(Units.km(needed)) km → \(line.eligible ? "eligible" : "not eligible")",
            "运营单位 \(line.id)：登记车辆 \(line.vehicles) 辆，氢能里程合计 \(Units.km(line.hydrogen)) 公里，"
                + "平均 \(Units.km(line.averageTenths)) 公里\n"
                + "要求平均 \(minimumAverageKm) 公里：\(Units.km(line.hydrogen)) \(compare) \(minimumAverageKm) × "
                + "\(line.vehicles) = \(Units.km(needed)) 公里 → \(line.eligible ? "达标" : "未达标")")
    }

    /// The vehicle's step: hydrogen distance times the class's rate, rounded down to the fen.
    func vehicleStep(rateFenPerKm: Int64, eligible: Bool, in language: Language) -> String {
        let hydrogen = vehicle.figures.hydrogen
        let product = hydrogen * rateFenPerKm
        return language.pick(
            "this vehicle: \(Units.km(hydrogen)) hydrogen km × \(Units.yuan(rateFenPerKm)) yuan/km = "
                + "\(Units.yuan(product / 10)) yuan (rounded down to the fen)"
                + (eligible ? "" : ", but the operator is not eligible: 0.00 yuan"),
            "本车：氢能里程 \(Units.km(hydrogen)) 公里 × \(Units.yuan(rateFenPerKm)) 元/公里 = "
                + "\(Units.yuan(product / 10)) 元（舍去分以下）"
                + (eligible ? "" : "，但运营单位未达标：0.00 元"))
    }

    /// The cap's step: the class's annual cap and what is paid.
    func capStep(_ vehicleClass: VehicleClass, in language: Language) -> String {
        language.pick(
            "cap for \(vehicleClass.id): \(vehicleClass.annualCapYuan).00 yuan → paid "
                + "\(Units.yuan(vehicle.subsidyFen)) yuan, status \(vehicle.status.rawValue)",
            "\(vehicleClass.name ?? vehicleClass.id) 年度上限：\(vehicleClass.annualCapYuan).00 元 → 补贴 "
                + "\(Units.yuan(vehicle.subsidyFen)) 元，状态：\(vehicle.status.name(in: language))")
    }
}
