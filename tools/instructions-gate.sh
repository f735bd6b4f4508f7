#!/usr/bin/env bash
# CI gate on the hot path's work, without timing anything: CPU instructions per decoded row,
# counted by valgrind's callgrind (a simulated CPU: the same binary and input give the same count
# to a few instructions in millions, on any machine, under any load).
#
#   tools/instructions-gate.sh            check against benchmarks/Thresholds/instructions-per-row.txt
#   tools/instructions-gate.sh --update   write the measured figure there
#
# It runs the release `h2fleet subsidy --threads 1` on two generated CSV files of the same shape
# (200 vehicles interleaved row by row, RFC 3339 times, odometers of 4 to 6 integer digits,
# currents with one decimal): 20,000 and 220,000 rows. The difference of the two counts divided
# by the 200,000 extra rows is the work per row of the whole per-file path (read, split lines,
# parse fields, segments), start-up and per-file costs cancelled. libcrypto is left out: under
# valgrind OpenSSL cannot use the processor's SHA instructions, so its count says nothing of a
# real run. The gate fails when the figure rises more than 2% over the recorded one (about 25
# instructions a row: 12 multiply-adds more per row fail it), and says so when it falls more
# than 2% (record the better figure with --update). Two runs differ by about 1 instruction a row.
#
# Needs valgrind (tools/setup.sh installs it) and a release build (`swift build -c release`;
# H2FLEET_BIN overrides the binary). Valgrind cannot read the Swift toolchain's debug
# information, so a copy without it is measured.
set -euo pipefail
cd "$(dirname "$0")/.."
binary="${H2FLEET_BIN:-.build/release/h2fleet}"
recorded_file=benchmarks/Thresholds/instructions-per-row.txt
tolerance_percent=2
[ -x "$binary" ] || { echo "instructions-gate: no $binary: run swift build -c release" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "instructions-gate: valgrind is missing (tools/setup.sh)" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
strip --strip-debug -o "$work/h2fleet" "$binary"

python3 - "$work" <<'PY'
import random, sys
def write(path, rows):
    rng = random.Random(7)
    vins = ["LZYGATE%010d" % v for v in range(200)]
    odometer = [rng.randint(10_000, 2_000_000) for _ in vins]  # tenths of a km
    with open(path, "w") as out:
        out.write("vin,ts,odometer_km,fc_current_a\n")
        for row in range(rows):
            v = row % 200
            t = 1_740_787_200 + (row // 200) * 10
            odometer[v] += rng.randint(0, 3)
            local = t + 8 * 3600
            out.write(f"{vins[v]},2025-03-01T{local // 3600 % 24:02d}:{local // 60 % 60:02d}:{local % 60:02d}+08:00,"
                      f"{odometer[v] // 10}.{odometer[v] % 10},{rng.randint(0, 2000) / 10}\n")
write(sys.argv[1] + "/small.csv", 20_000)
write(sys.argv[1] + "/large.csv", 220_000)
PY

# Instructions of one run, libcrypto left out.
count() {
    valgrind --tool=callgrind --callgrind-out-file="$work/$1.out" "$work/h2fleet" subsidy --threads 1 \
        --registry samples/registry.csv --year 2025 "$work/$1.csv" >/dev/null 2>"$work/$1.log" || {
        echo "instructions-gate: the run under valgrind failed:" >&2
        tail -5 "$work/$1.log" >&2
        exit 2
    }
    callgrind_annotate --threshold=100 "$work/$1.out" 2>/dev/null | awk '
        /PROGRAM TOTALS/ { gsub(",", "", $1); total = $1 }
        /\[.*libcrypto[^]]*\]$/ { gsub(",", "", $1); crypto += $1 }
        END { printf "%d\n", total - crypto }'
}
small=$(count small)
large=$(count large)
if [ "$small" -le 0 ] || [ "$large" -le "$small" ]; then
    echo "instructions-gate: could not read the counts (20,000 rows: $small, 220,000 rows: $large)" >&2
    exit 2
fi
per_row=$(( (large - small) / 200000 ))
echo "instructions-gate: $per_row instructions a row (20,000 rows: $small, 220,000 rows: $large, libcrypto left out)"

if [ "${1:-}" = "--update" ]; then
    echo "$per_row" > "$recorded_file"
    echo "instructions-gate: recorded in $recorded_file"
    exit 0
fi
recorded=$(cat "$recorded_file")
limit=$(( recorded * (100 + tolerance_percent) / 100 ))
floor=$(( recorded * (100 - tolerance_percent) / 100 ))
if [ "$per_row" -gt "$limit" ]; then
    echo "instructions-gate: FAILED: $per_row instructions a row, recorded $recorded (limit $limit, +$tolerance_percent%)" >&2
    exit 1
fi
if [ "$per_row" -lt $(( recorded / 2 )) ]; then
    echo "instructions-gate: FAILED: $per_row instructions a row is under half the recorded $recorded: a measuring fault?" >&2
    exit 1
fi
if [ "$per_row" -lt "$floor" ]; then
    echo "instructions-gate: better than recorded ($recorded): run tools/instructions-gate.sh --update"
fi
echo "instructions-gate: passed (recorded $recorded, limit $limit)"
