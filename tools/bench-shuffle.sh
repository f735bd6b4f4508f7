#!/usr/bin/env bash
# Target 5 of the speed issue: a corpus whose lines are shuffled across all files gives the same
# figures as the time-ordered one, within a memory budget, and the spill folder is cleaned up.
#
# Usage: tools/bench-shuffle.sh [--days N] [--limits "1024 300 128 64"]
# Makes both corpora with fleetgen when missing (same seed and options as tools/bench.sh: only
# the line order differs), runs `h2fleet subsidy --threads 2` on the shuffled one at each
# --memory-limit with a fresh --temp-dir, and prints wall time, peak RSS, whether vehicles.csv
# and operators.csv equal the time-ordered run's, and what was left in the temp dir.
set -euo pipefail
cd "$(dirname "$0")/.."
days=30
limits="1024 300 128 64"
while [ $# -gt 0 ]; do
    case "$1" in
        --days) days="$2"; shift 2 ;;
        --limits) limits="$2"; shift 2 ;;
        *) echo "bench-shuffle: unknown option $1" >&2; exit 2 ;;
    esac
done
command -v /usr/bin/time >/dev/null || { echo "bench-shuffle: install the 'time' package" >&2; exit 2; }
swift build -c release --product h2fleet >/dev/null
swift build -c release --product fleetgen >/dev/null
bin=.build/release
base="${TMPDIR:-/tmp}/h2fleet-bench"
for shuffle in local full; do
    dir="$base/d${days}-${shuffle}"
    if [ ! -f "$dir/registry.csv" ]; then
        echo "bench-shuffle: generating corpus in $dir" >&2
        "$bin/fleetgen" --out "$dir" --seed 42 --operators 5 --vehicles-per-class 40 --days "$days" \
            --interval 10 --hours 9 --timestamps rfc3339 --shuffle "$shuffle" --zstd-level 3 >&2
    fi
done
ordered="$base/d${days}-local"
shuffled="$base/d${days}-full"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$bin/h2fleet" subsidy --registry "$ordered/registry.csv" --year 2025 --out "$work/ordered" \
    "$ordered/telemetry" >/dev/null
printf '%-14s %8s %13s  %-22s %s\n' "memory-limit" "wall s" "peak RSS MiB" "figures vs ordered" "left in temp dir"
for limit in $limits; do
    mkdir -p "$work/tmp-$limit"
    stats="$work/stats-$limit"
    /usr/bin/time -o "$stats" -f "%e %M" "$bin/h2fleet" subsidy --threads 2 --memory-limit "$limit" \
        --temp-dir "$work/tmp-$limit" --registry "$shuffled/registry.csv" --year 2025 --out "$work/out-$limit" \
        "$shuffled/telemetry" >/dev/null
    read -r seconds rss < <(tail -1 "$stats")
    same=identical
    for name in vehicles.csv operators.csv; do
        cmp -s "$work/ordered/$name" "$work/out-$limit/$name" || same="DIFFERENT ($name)"
    done
    left=$(find "$work/tmp-$limit" -mindepth 1 | wc -l)
    printf '%-14s %8.2f %13.0f  %-22s %s\n' "$limit MiB" "$seconds" "$((rss / 1024))" "$same" "$left files"
done
