#!/usr/bin/env bash
# Builds the libFuzzer targets (tools/fuzz) with -sanitize=fuzzer,address and runs one.
# Usage: tools/fuzz.sh csv|archive [SECONDS] [extra libFuzzer options]
# Corpora grow in tools/fuzz/corpus/<target>; crashes land in tools/fuzz/crashes/. Turn each
# crash into a regression test (Tests/FramesTests or Tests/EngineTests) before fixing it.
set -euo pipefail
cd "$(dirname "$0")/fuzz"
target="${1:-csv}"
seconds="${2:-60}"
shift $(( $# > 2 ? 2 : $# ))
case "$target" in
    csv) product=FuzzCSV ;;
    archive) product=FuzzArchive ;;
    *) echo "fuzz: target is csv or archive" >&2; exit 2 ;;
esac
swift build -c release --product "$product" -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library >&2
mkdir -p "corpus/$target" crashes
seeds=../../Tests/Fixtures/conformance
if [ -z "$(ls -A "corpus/$target")" ]; then
    if [ "$target" = csv ]; then
        find "$seeds" "$seeds-gbt32960" \( -name '*.csv' -o -name '*.gbt32960' \) -exec cp {} "corpus/$target/" \;
    else
        find "$seeds" -name '*.zst' -exec cp {} "corpus/$target/" \;
    fi
fi
exec ".build/release/$product" "corpus/$target" -max_total_time="$seconds" -artifact_prefix=crashes/ \
    -max_len=65536 -rss_limit_mb=4096 "$@"
