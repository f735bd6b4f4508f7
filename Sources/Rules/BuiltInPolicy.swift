/// The Daxing 2022 policy as TOML text: the built-in default (SPEC 5).
///
/// `samples/policies/daxing-2022.toml` is this text written out; a test keeps the two identical,
/// so that the report's `policy.sha256` is the same for either.
public let builtInPolicyText = """
    # The Daxing 2022 policy, as built into h2fleet (`h2fleet subsidy` uses it when no --policy is given).
    # Source: Daxing District hydrogen-energy industry measures (2022 revision), article
    # "支持车辆高效运营" (support for efficient vehicle operation): operators whose vehicles reach the
    # per-vehicle average hydrogen mileage get support by each vehicle's annual hydrogen mileage,
    # capped per vehicle per year by class.
    # The field meanings and allowed ranges are in docs/SPEC.md section 5.
    id = "daxing-2022"
    title = "Daxing hydrogen industry measures (2022 revision): support for efficient vehicle operation"
    # The legal calendar is Beijing time (UTC+08:00): days, months and years are counted in it.
    timezone = "+08:00"
    # Programme years named by the measures.
    years = [2022, 2023, 2024, 2025]

    [telemetry]
    # Longest interval between two frames that is still trusted, seconds. GB/T 32960.3 terminals
    # report at most every 30 s while driving; 300 s (10 missed reports) is the engineering choice of
    # h2fleet's rules (SPEC 3.3), not a number from the measures.
    max_gap_s = 300
    # Plausibility limit, km/h: faster than any road vehicle in the programme may legally drive
    # (China's expressway limit is 120 km/h). An engineering choice of h2fleet's rules.
    max_speed_kmh = 120
    # Stack current from which the fuel cell counts as in use, amperes. An engineering choice:
    # an idle or stopped stack reports 0 A; 1.0 A is above sensor noise.
    fc_on_min_current_a = 1.0

    [eligibility]
    # Per-vehicle average annual hydrogen mileage an operator must reach, km: the condition of
    # the article "支持车辆高效运营".
    operator_min_average_km = 7500

    # The rate per hydrogen km is a PLACEHOLDER: the seed document states the per-vehicle caps but
    # not the per-km rate. Replace rate_yuan_per_km with the rate the district publishes.
    # The caps are the measures' annual caps per vehicle (SPEC section 0).

    [classes.heavy_truck]
    name = "中重型货车"
    rate_yuan_per_km = 1.00  # placeholder (not in the seed document)
    annual_cap_yuan = 50000  # 5万元 per vehicle per year

    [classes.light_truck]
    name = "轻型普货货车"
    rate_yuan_per_km = 1.00  # placeholder (not in the seed document)
    annual_cap_yuan = 30000  # 3万元 per vehicle per year

    [classes.cold_chain]
    name = "轻型冷链货车"
    rate_yuan_per_km = 1.00  # placeholder (not in the seed document)
    annual_cap_yuan = 30000  # 3万元 per vehicle per year

    [classes.bus]
    name = "中大型客车"
    rate_yuan_per_km = 1.00  # placeholder (not in the seed document)
    annual_cap_yuan = 20000  # 2万元 per vehicle per year

    [classes.sanitation]
    name = "环卫车"
    rate_yuan_per_km = 1.00  # placeholder (not in the seed document)
    annual_cap_yuan = 30000  # 3万元 per vehicle per year

    """
