#!/usr/bin/env python3
"""Writes h2fleet's bundled samples: a small realistic fleet and three weeks of telemetry.

Deterministic: the same seed gives the same files (given the same `zstd` version).
Usage: tools/make_samples.py [--out samples] [--seed 2025] [--days 21]

The fleet: 3 operators, 12 registered vehicles across all five classes (one of them silent:
registered but without telemetry), plus one unregistered VIN that appears in an operator's files.
Telemetry is one `.csv.zst` archive per operator per day, reported every 30 s while driving, with
the faults SPEC.md handles: signal gaps, odometer spikes, dips and resets (rollbacks), exact and
conflicting duplicates, out-of-order lines, fuel cell off (battery distance), and a few malformed
rows. Each operator writes timestamps in a different form (RFC 3339, epoch seconds, local time).
"""
import argparse
import datetime as dt
import os
import random
import subprocess

ZONE = dt.timezone(dt.timedelta(hours=8))

# vin, operator, class, plate, km per day (mean), daily shift start hour
FLEET = [
    ("LZYHT000000000001", "bjhl", "heavy_truck", "京A·H0001", 560, 6),
    ("LZYHT000000000002", "bjhl", "heavy_truck", "京A·H0002", 540, 7),
    ("LZYHT000000000003", "bjhl", "heavy_truck", "京A·H0003", 580, 5),
    ("LZYLT000000000004", "bjhl", "light_truck", "京A·L0004", 380, 8),
    ("LZYCC000000000005", "bjhl", "cold_chain", "京A·C0005", 400, 4),
    ("LZYBS000000000006", "dxbus", "bus", "京B·B0006", 220, 6),
    ("LZYBS000000000007", "dxbus", "bus", "京B·B0007", 210, 6),
    ("LZYBS000000000008", "dxbus", "bus", "京B·B0008", 230, 7),
    ("LZYSN000000000009", "dxhw", "sanitation", "京C·S0009", 90, 5),
    ("LZYSN000000000010", "dxhw", "sanitation", "京C·S0010", 85, 5),
    ("LZYLT000000000011", "dxhw", "light_truck", "京C·L0011", 260, 8),
    ("LZYCC000000000012", "dxhw", "cold_chain", "京C·C0012", 0, 0),  # registered, never reports
]
UNREGISTERED = ("LZYXX000000000099", "bjhl", 150, 9)
OPERATOR_NAMES = {"bjhl": "北京氢链物流", "dxbus": "大兴公交", "dxhw": "大兴环卫"}
TS_FORM = {"bjhl": "rfc3339", "dxbus": "epoch", "dxhw": "local"}


def fmt_ts(ts, form):
    if form == "epoch":
        return str(ts)
    t = dt.datetime.fromtimestamp(ts, ZONE)
    if form == "local":
        return t.strftime("%Y-%m-%d %H:%M:%S")
    return t.strftime("%Y-%m-%dT%H:%M:%S+08:00")


def day_rows(rng, vin, km_per_day, start_hour, day, odometer, form):
    """One vehicle's rows for one day; returns (rows, new odometer in tenths)."""
    rows = []
    if km_per_day == 0:
        return rows, odometer
    distance = int(km_per_day * 10 * rng.uniform(0.8, 1.2))  # tenths
    speed = rng.uniform(35, 70)  # km/h average while moving
    seconds = int(distance / 10 / speed * 3600)
    ts = int(dt.datetime(day.year, day.month, day.day, start_hour, rng.randint(0, 59), tzinfo=ZONE).timestamp())
    end = ts + seconds
    fc_off_until = ts + rng.choice([0, 0, 300, 600])  # some days start on battery
    carry = 0.0
    per_step = distance / max(1, seconds / 30)
    while ts <= end:
        current = 0.0 if ts < fc_off_until else round(rng.uniform(40, 180), 1)
        if rng.random() < 0.01:
            current = ""  # not reported
        shown = odometer
        fault = rng.random()
        if fault < 0.0004:
            shown = odometer + 300  # one-frame spike (+30 km)
        elif fault < 0.0006:
            shown = max(0, odometer - 30)  # one-frame dip
        elif fault < 0.00062:
            shown = 0  # reset to zero
        row = f"{vin},{fmt_ts(ts, form)},{shown // 10}.{shown % 10},{current}"
        rows.append(row)
        if rng.random() < 0.01:
            rows.append(row)  # exact re-send
        if rng.random() < 0.003:
            rows.append(f"{vin},{fmt_ts(ts, form)},{(shown + 3) // 10}.{(shown + 3) % 10},{current}")  # conflicting
        step = 30
        if rng.random() < 0.004:
            step = rng.randint(400, 1200)  # signal lost (tunnel, underground depot)
        carry += per_step * step / 30
        odometer += int(carry)
        carry -= int(carry)
        ts += step
    return rows, odometer


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "samples"))
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--days", type=int, default=21)
    parser.add_argument("--start", default="2025-03-03")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)

    with open(os.path.join(out, "registry.csv"), "w", encoding="utf-8", newline="\n") as f:
        f.write("vin,operator,class,plate,operator_name\n")
        for vin, op, cls, plate, _, _ in FLEET:
            f.write(f"{vin},{op},{cls},{plate},{OPERATOR_NAMES[op]}\n")

    odometers = {v[0]: rng.randint(50_000, 900_000) * 10 for v in FLEET}
    odometers[UNREGISTERED[0]] = 123_456_0
    start = dt.date.fromisoformat(args.start)
    for op in OPERATOR_NAMES:
        folder = os.path.join(out, "telemetry", op)
        os.makedirs(folder, exist_ok=True)
        for index in range(args.days):
            day = start + dt.timedelta(days=index)
            rows = []
            vehicles = [(v[0], v[4], v[5]) for v in FLEET if v[1] == op]
            if op == UNREGISTERED[1]:
                vehicles.append((UNREGISTERED[0], UNREGISTERED[2], UNREGISTERED[3]))
            for vin, km, hour in vehicles:
                if km and rng.random() < 0.1:
                    continue  # a day off
                vehicle_rows, odometers[vin] = day_rows(rng, vin, km, hour, day, odometers[vin], TS_FORM[op])
                rows.extend(vehicle_rows)
            # Out-of-order lines: terminals buffer and re-send, so neighbours swap.
            for i in range(0, len(rows) - 5, 97):
                window = rows[i:i + 5]
                rng.shuffle(window)
                rows[i:i + 5] = window
            # A few malformed rows, as real uploads have.
            for _ in range(rng.randint(0, 2)):
                bad = rng.choice([
                    "LZYHT00000000000I,2025-03-05T10:00:00+08:00,100.0,50.0",
                    f"{FLEET[0][0]},2025-02-30T10:00:00+08:00,100.0,50.0",
                    f"{FLEET[0][0]},2025-03-05T10:00:00+08:00,-1,50.0",
                    f"{FLEET[0][0]},2025-03-05T10:00:00+08:00",
                ])
                rows.insert(rng.randint(0, len(rows)), bad)
            text = "vin,ts,odometer_km,fc_current_a\n" + "\n".join(rows) + "\n"
            path = os.path.join(folder, f"{day.isoformat()}.csv")
            with open(path, "w", encoding="utf-8", newline="\n") as f:
                f.write(text)
            subprocess.run(["zstd", "-q", "-f", "-19", "--rm", path, "-o", path + ".zst"], check=True)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
