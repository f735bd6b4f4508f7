#!/usr/bin/env bash
# Side-by-side benchmark: h2fleet against single-threaded `zstd -dcq` on the same archives (and
# DuckDB with the same rules, when its Python package is installed), in one run.
#
# Usage: tools/bench.sh [--days N] [--shuffle none|local|full] [--format csv|gbt32960]
#                       [--revision 2016|2025] [--dir DIR] [--rounds N] [--no-duckdb]
# Makes the corpus with fleetgen when it is missing: 200 vehicles (5 operators, 40 per class),
# N days (default 30), reports every 10 s for 9 h a day, RFC 3339 times, one .csv.zst per
# operator per day. Prints wall time, peak RSS, frames/s, MB/s and the ratios the speed issue
# sets targets for. Needs /usr/bin/time (Debian package `time`).
set -euo pipefail
cd "$(dirname "$0")/.."
days=30
shuffle=local
dir=""
duckdb=yes
rounds=5
format=csv
revision=2016
while [ $# -gt 0 ]; do
    case "$1" in
        --days) days="$2"; shift 2 ;;
        --shuffle) shuffle="$2"; shift 2 ;;
        --dir) dir="$2"; shift 2 ;;
        --format) format="$2"; shift 2 ;;
        --revision) revision="$2"; shift 2 ;;
        --no-duckdb) duckdb=no; shift ;;
        --rounds) rounds="$2"; shift 2 ;;
        *) echo "bench: unknown option $1" >&2; exit 2 ;;
    esac
done
suffix=""
[ "$format" = csv ] || { suffix="-gbt${revision}"; duckdb=no; }
dir="${dir:-${TMPDIR:-/tmp}/h2fleet-bench/d${days}-${shuffle}${suffix}}"
command -v /usr/bin/time >/dev/null || { echo "bench: install the 'time' package" >&2; exit 2; }

swift build -c release --product h2fleet >/dev/null
swift build -c release --product fleetgen >/dev/null
bin=.build/release
if [ ! -f "$dir/registry.csv" ]; then
    echo "bench: generating corpus in $dir" >&2
    "$bin/fleetgen" --out "$dir" --seed 42 --operators 5 --vehicles-per-class 40 --days "$days" \
        --interval 10 --hours 9 --timestamps rfc3339 --shuffle "$shuffle" --zstd-level 3 \
        --format "$format" --revision "$revision" >&2
fi
mapfile -t archives < <(find "$dir/telemetry" -name '*.zst' | sort)
compressed=$(du -cb "${archives[@]}" | tail -1 | cut -f1)
decompressed=$(zstd -dcq "${archives[@]}" | wc -c)
cat "${archives[@]}" > /dev/null  # warm the page cache for every contestant alike

measure() {  # label, command...: prints "label seconds rss_kb"
    local label="$1"; shift
    local stats
    stats=$(mktemp)
    /usr/bin/time -o "$stats" -f "%e %M" "$@" > /dev/null || true
    echo "$label $(tail -1 "$stats")"
    rm -f "$stats"
}

# The contestants take turns, round after round, so that a noisy neighbour on the host slows
# all of them alike; the best of each and the median of each round's ratios are reported.
results=()
for _ in $(seq "$rounds"); do
    results+=("$(measure zstd zstd -dcq "${archives[@]}")")
    results+=("$(measure h2fleet-1 "$bin/h2fleet" subsidy --threads 1 --registry "$dir/registry.csv" --year 2025 --format json "$dir/telemetry")")
    results+=("$(measure h2fleet-2 "$bin/h2fleet" subsidy --threads 2 --registry "$dir/registry.csv" --year 2025 --format json "$dir/telemetry")")
done
frames=$("$bin/h2fleet" subsidy --registry "$dir/registry.csv" --year 2025 --format json "$dir/telemetry" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["inputs"]["frames"])')
if [ "$duckdb" = yes ] && python3 -c 'import duckdb' 2>/dev/null; then
    results+=("$(measure duckdb python3 tools/peer_duckdb.py "$dir" 2025)")
fi

python3 - "$frames" "$compressed" "$decompressed" "$dir" "$rounds" "${results[@]}" <<'PY'
import statistics, sys
frames, compressed, decompressed, corpus = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
rounds = int(sys.argv[5])
rows, runs = {}, {}
for line in sys.argv[6:]:
    label, seconds, rss = line.split()
    runs.setdefault(label, []).append(float(seconds))
    if label not in rows or float(seconds) < rows[label][0]:
        rows[label] = (float(seconds), int(rss))
print(f"corpus {corpus}: {frames:,} frames, {decompressed / 1e6:,.0f} MB of CSV, {compressed / 1e6:,.0f} MB as .zst")
print(f"{'run':<10} {'wall s':>8} {'peak RSS MiB':>13} {'Mframes/s':>10} {'MB/s':>8}")
for label, (seconds, rss) in rows.items():
    print(f"{label:<10} {seconds:>8.2f} {rss / 1024:>13.1f} {frames / seconds / 1e6:>10.2f} {decompressed / seconds / 1e6:>8.0f}")
zstd = rows["zstd"][0]
one, two = rows["h2fleet-1"][0], rows["h2fleet-2"][0]
def median_ratio(a, b):
    return statistics.median(x / y for x, y in zip(runs[a], runs[b]))
print(f"best of {rounds} rounds each; median of the rounds' ratios in brackets")
print(f"h2fleet (2 threads) / zstd -dcq wall time: {two / zstd:.2f} [{median_ratio('h2fleet-2', 'zstd'):.2f}]"
      "  (target <= 1.0, stretch 0.75)")
print(f"scaling, 2 threads vs 1: {one / two:.2f}x [{median_ratio('h2fleet-1', 'h2fleet-2'):.2f}x]  (target >= 1.8)")
print(f"peak RSS, 2 threads: {rows['h2fleet-2'][1] / 1024:.0f} MiB  (target <= 300)")
if "duckdb" in rows:
    print(f"DuckDB / h2fleet wall time: {rows['duckdb'][0] / two:.1f}x  (target >= 8)")
PY
