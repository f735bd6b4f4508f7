#!/usr/bin/env bash
# Builds the libFuzzer targets (tools/fuzz) with -sanitize=fuzzer,address and runs one.
# Usage: tools/fuzz.sh csv|archive|timestamp|registry [SECONDS] [extra libFuzzer options]
# Corpora grow in tools/fuzz/corpus/<target>; crashes land in tools/fuzz/crashes/. Turn each
# crash into a regression test (Tests/FramesTests, Tests/RulesTests or Tests/EngineTests) before
# fixing it.
set -euo pipefail
cd "$(dirname "$0")/fuzz"
target="${1:-csv}"
seconds="${2:-60}"
shift $(( $# > 2 ? 2 : $# ))
case "$target" in
    csv) product=FuzzCSV ;;
    archive) product=FuzzArchive ;;
    timestamp) product=FuzzTimestamp ;;
    registry) product=FuzzRegistry ;;
    *) echo "fuzz: target is csv, archive, timestamp or registry" >&2; exit 2 ;;
esac
swift build -c release --product "$product" -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library >&2
mkdir -p "corpus/$target" crashes
seeds=../../Tests/Fixtures/conformance
if [ -z "$(ls -A "corpus/$target")" ]; then
    case "$target" in
        csv) find "$seeds" "$seeds-gbt32960" \( -name '*.csv' -o -name '*.gbt32960' \) -exec cp {} "corpus/$target/" \; ;;
        archive) find "$seeds" -name '*.zst' -exec cp {} "corpus/$target/" \; ;;
        timestamp)
            # A zone byte (0x58: +08:00), then one timestamp a line: every form and some near misses.
            printf 'X1740787200\n1740787200999\n2025-03-01T08:00:00.5+08:00\n2025-03-01 08:00:00\n2025/3/6 6:16\n2025/03/06 06:16:30\n2025/2/29 1:00\n9999-12-31T23:59:59Z\n253402271999\n' \
                >"corpus/$target/forms"
            find "$seeds" -name '*.csv' -path '*telemetry*' -exec sh -c \
                'for f; do { printf X; cut -d, -f2 "$f"; } >"corpus/timestamp/$(basename "$(dirname "$(dirname "$f")")")-$(basename "$f")"; done' sh {} + ;;
        registry)
            for f in "$seeds"/*/registry.csv; do cp "$f" "corpus/$target/$(basename "$(dirname "$f")").csv"; done
            printf 'VIN,Operator,Class,Operator_Name,Plate\r\nLZYTEST0000000001,bjqingl,bus,\xb1\xb1\xbe\xa9\xc7\xe2\xc1\xb4,"\xbe\xa9A ""1"""\r\n' \
                >"corpus/$target/gb18030.csv" ;;
    esac
fi
exec ".build/release/$product" "corpus/$target" -max_total_time="$seconds" -artifact_prefix=crashes/ \
    -max_len=65536 -rss_limit_mb=4096 "$@"
