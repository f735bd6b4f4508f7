#!/usr/bin/env bash
# Upload-service benchmark (issue 12), side by side in one run, on loopback:
#   1. `h2fleet ingest` of the benchmark corpus (150 files of 5 operators, tools/bench.sh's);
#   2. the same files uploaded to `h2fleet serve` by their 5 operators, 16 at a time (one client
#      process, 16 threads):
#      every upload must land (201); wall time against ingest's;
#   3. 16 concurrent uploads of about 100 MB each (an operator's days concatenated, in 16 orders):
#      the server's peak memory (VmHWM);
#   meanwhile, the regulator lists the uploads every 50 ms: p50 and p99 latency.
#
# Usage: tools/bench-upload.sh [--dir CORPUS] [--big-mb 100] [--no-big]
# Needs a release build (made here), curl, zstd, python3; the corpus is made with fleetgen when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${TMPDIR:-/tmp}/h2fleet-bench/d30-local"
big_mb=100
big=yes
while [ $# -gt 0 ]; do
    case "$1" in
        --dir) dir="$2"; shift 2 ;;
        --big-mb) big_mb="$2"; shift 2 ;;
        --no-big) big=no; shift ;;
        *) echo "bench-upload: unknown option $1" >&2; exit 2 ;;
    esac
done
swift build -c release --product h2fleet >/dev/null
swift build -c release --product fleetgen >/dev/null
bin="$(pwd)/.build/release/h2fleet"
if [ ! -f "$dir/registry.csv" ]; then
    echo "bench-upload: generating corpus in $dir" >&2
    .build/release/fleetgen --out "$dir" --seed 42 --operators 5 --vehicles-per-class 40 --days 30 \
        --interval 10 --hours 9 --timestamps rfc3339 --shuffle local --zstd-level 3 >&2
fi
work=$(mktemp -d)
server=""
lister=""
cleanup() {
    [ -n "$lister" ] && kill "$lister" 2>/dev/null || true
    [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
now() { date +%s.%N; }
elapsed() { python3 -c "print(f'{$2 - $1:.2f}')"; }
mapfile -t files < <(find "$dir/telemetry" -name '*.zst' | sort)
cat "${files[@]}" > /dev/null

# 1. ingest
start=$(now)
/usr/bin/time -f "%U %S" -o "$work/ingest.time" "$bin" ingest --ledger "$work/ingested" "$dir/telemetry" > /dev/null
ingest_s=$(elapsed "$start" "$(now)")
cpu_ingest=$(awk '{printf "%.2f", $1 + $2}' "$work/ingest.time")

# 2. uploads, 16 at a time, by their operators
"$bin" serve --ledger "$work/served" --registry "$dir/registry.csv" --port 0 > "$work/serve.out" 2> "$work/serve.log" &
server=$!
for _ in $(seq 100); do grep -q "listening on" "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
url=$(sed -n 's/.*listening on //p' "$work/serve.out")
regulator=$("$bin" token create --ledger "$work/served" --regulator)
: > "$work/jobs"
for file in "${files[@]}"; do
    operator=$(basename "$(dirname "$file")")
    [ -f "$work/token-$operator" ] || "$bin" token create --ledger "$work/served" --operator "$operator" > "$work/token-$operator"
    printf '%s %s\n' "$(cat "$work/token-$operator")" "$file" >> "$work/jobs"
done
# The regulator lists every 50 ms meanwhile.
(while true; do
    curl -s -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $regulator" "$url/v1/archives" >> "$work/latency"
    sleep 0.05
done) &
lister=$!
start=$(now)
cpu_before=$(awk '{print $14 + $15}' "/proc/$server/stat")
# One client process, 16 threads (http.client): the client's own work stays small beside the server's.
python3 - "$url" "$work/jobs" > "$work/statuses" <<'PY'
import http.client, os, sys, urllib.parse
from concurrent.futures import ThreadPoolExecutor
url = urllib.parse.urlsplit(sys.argv[1])
jobs = [line.split(" ", 1) for line in open(sys.argv[2]).read().splitlines()]
def put(job):
    token, path = job
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=600)
    with open(path, "rb") as body:
        connection.request("PUT", "/v1/archives/" + os.path.basename(path), body=body.read(),
                           headers={"Authorization": "Bearer " + token})
    status = connection.getresponse().status
    connection.close()
    return status
with ThreadPoolExecutor(16) as pool:
    for status in pool.map(put, jobs):
        print(status)
PY
cpu_upload=$(awk -v before="$cpu_before" -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15 - before) / hz}' "/proc/$server/stat")
upload_s=$(elapsed "$start" "$(now)")
landed=$(grep -c '^201$' "$work/statuses" || true)

# 3. 16 big uploads at once
big_line="(skipped)"
if [ "$big" = yes ]; then
    operator=$(basename "$(dirname "${files[0]}")")
    mapfile -t own < <(printf '%s\n' "${files[@]}" | grep "/$operator/")
    for index in $(seq 0 15); do
        out="$work/big-$index.csv.zst"
        : > "$out"
        round=0
        while [ "$(stat -c %s "$out")" -lt $((big_mb << 20)) ]; do
            # Each big file takes the operator's days in its own rotation: distinct bytes.
            for position in $(seq 0 $((${#own[@]} - 1))); do
                cat "${own[$(((position + index + round) % ${#own[@]}))]}" >> "$out"
            done
            round=$((round + 1))
        done
    done
    token=$(cat "$work/token-$operator")
    start=$(now)
    for index in $(seq 0 15); do
        curl -s -o /dev/null -w "%{http_code}\n" -X PUT -H "Authorization: Bearer $token" \
            --data-binary "@$work/big-$index.csv.zst" "$url/v1/archives/big-$index.csv.zst" >> "$work/big-statuses" &
    done
    wait $(jobs -p | grep -v "^$lister$" | grep -v "^$server$") 2>/dev/null || true
    big_s=$(elapsed "$start" "$(now)")
    big_landed=$(grep -c '^201$' "$work/big-statuses" || true)
    big_line="16 x $(($(stat -c %s "$work/big-0.csv.zst") >> 20)) MiB: $big_landed/16 landed in ${big_s} s"
fi
kill "$lister"; lister=""
peak_kib=$(awk '/VmHWM/ {print $2}' "/proc/$server/status")
python3 - "$work/latency" <<PY
import sys
times = sorted(float(line) * 1000 for line in open(sys.argv[1]) if line.strip())
p = lambda q: times[min(len(times) - 1, int(q * len(times)))]
print(f"ingest:  ${#files[@]} files in $ingest_s s ($cpu_ingest s of processor time)")
print(f"uploads: $landed/${#files[@]} landed in $upload_s s, 16 at a time: {float('$upload_s') / float('$ingest_s'):.2f} x ingest "
      f"(the server's processor time {float('$cpu_upload'):.2f} s: {float('$cpu_upload') / float('$cpu_ingest'):.2f} x ingest's)")
print("big:     $big_line")
print(f"server peak memory: {int('$peak_kib') / 1024:.0f} MiB")
print(f"listings while uploading: {len(times)} requests, p50 {p(0.5):.1f} ms, p99 {p(0.99):.1f} ms")
PY
[ "$landed" = "${#files[@]}" ] || { echo "bench-upload: not every upload landed:" >&2; sort "$work/statuses" | uniq -c >&2; exit 1; }
