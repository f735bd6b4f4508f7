#!/usr/bin/env bash
# Mutation testing: does each rule have a test that fails when the rule is broken?
#
# Applies the one-line mutations of tools/mutations.txt one at a time to the product code,
# builds, runs the tests the line names, restores the file, and says per mutation whether a
# test failed (KILLED) or none did (SURVIVED). Exit status 0 when every mutation was killed,
# 1 when one survived or did not build, 2 for a bad list or tests that fail without mutation.
#
#   tools/mutate.sh [--list FILE] [--only N[,N...]] [--no-baseline] [--keep-logs]
#
# The list: one mutation a line, four fields separated by tabs:
#   FILE <tab> ORIGINAL <tab> REPLACEMENT <tab> FILTER
# FILE is relative to the package root; ORIGINAL must occur exactly once in it, as written
# (leading spaces included; `\n` stands for a line end, to quote context around a line that
# repeats); REPLACEMENT replaces it literally; FILTER is the regular expression given to
# `swift test --filter` (tests that must pass unmutated). Empty lines and lines starting
# with `#` are ignored.
#
# Each mutation costs one incremental build and one filtered test run (about a minute on two
# cores). The file under mutation is restored on exit, Ctrl-C included.
set -uo pipefail
cd "$(dirname "$0")/.."
shopt -u patsub_replacement 2>/dev/null || true  # bash 5.2: '&' in a replacement stays '&'

list=tools/mutations.txt
only=""
baseline=1
keep_logs=0
while [ $# -gt 0 ]; do
    case "$1" in
        --list) list="$2"; shift 2 ;;
        --only) only=",$2,"; shift 2 ;;
        --no-baseline) baseline=0; shift ;;
        --keep-logs) keep_logs=1; shift ;;
        -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
        *) echo "mutate: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
done
[ -f "$list" ] || { echo "mutate: no list $list" >&2; exit 2; }

logs=$(mktemp -d "${TMPDIR:-/tmp}/h2fleet-mutate.XXXXXX")
current_file=""
current_backup=""

restore() {
    if [ -n "$current_file" ]; then
        cp "$current_backup" "$current_file"
        echo "mutate: restored $current_file" >&2
        current_file=""
    fi
}
finish() {
    restore
    if [ "$keep_logs" = 1 ]; then echo "mutate: logs in $logs" >&2; else rm -rf "$logs"; fi
}
trap finish EXIT
trap 'echo "mutate: interrupted" >&2; exit 130' INT
trap 'exit 143' TERM HUP

# `\n` in a field stands for a line end.
unescape() { local text="$1"; printf '%s' "${text//\\n/$'\n'}"; }

# The whole file, trailing line ends included.
read_file() { local content; content=$(cat "$1"; printf x); printf '%s' "${content%x}"; }

count_of() {  # occurrences of $2 in $1
    local rest="${1//"$2"/}"
    echo $(( (${#1} - ${#rest}) / ${#2} ))
}

# Read and check the whole list before any build, so that a bad line fails at once.
files=(); originals=(); replacements=(); filters=(); numbers=()
line_number=0
errors=0
while IFS= read -r line || [ -n "$line" ]; do
    line_number=$((line_number + 1))
    [[ -z "${line//[[:space:]]/}" || "$line" =~ ^[[:space:]]*# ]] && continue
    IFS=$'\t' read -r file original replacement filter extra <<< "$line"
    if [ -z "${filter:-}" ] || [ -n "${extra:-}" ]; then
        echo "mutate: $list:$line_number: want 4 tab-separated fields" >&2; errors=$((errors + 1)); continue
    fi
    original=$(unescape "$original")
    replacement=$(unescape "$replacement")
    if [ ! -f "$file" ]; then
        echo "mutate: $list:$line_number: no file $file" >&2; errors=$((errors + 1)); continue
    fi
    found=$(count_of "$(read_file "$file")" "$original")
    if [ "$found" != 1 ]; then
        echo "mutate: $list:$line_number: the original text occurs $found times in $file, not once:" >&2
        echo "    $original" >&2
        errors=$((errors + 1)); continue
    fi
    if [ "$original" = "$replacement" ]; then
        echo "mutate: $list:$line_number: the replacement changes nothing" >&2; errors=$((errors + 1)); continue
    fi
    files+=("$file"); originals+=("$original"); replacements+=("$replacement"); filters+=("$filter")
    numbers+=("${#files[@]}")
done < "$list"
[ "$errors" = 0 ] || { echo "mutate: $errors bad line(s) in $list; nothing was run" >&2; exit 2; }
[ ${#files[@]} -gt 0 ] || { echo "mutate: $list holds no mutation" >&2; exit 2; }

selected() { [ -z "$only" ] || [[ "$only" == *",$1,"* ]]; }

# How many tests a `swift test` log says it ran (Swift Testing and XCTest).
tests_run() {
    local log="$1" n
    n=$(grep -oE 'Test run with [0-9]+ test' "$log" | grep -oE '[0-9]+' | tail -1)
    if [ -z "$n" ] || [ "$n" = 0 ]; then
        n=$(grep -oE 'Executed [0-9]+ test' "$log" | grep -oE '[0-9]+' | tail -1)
    fi
    echo "${n:-0}"
}

# The names of the tests that failed, from a `swift test` log.
failed_tests() {
    { grep -E '^✘ Test ' "$1" | grep -vE 'Test run with' \
        | sed -E -e 's/^✘ Test //' -e 's/ with [0-9]+ test cases? failed after.*//' \
            -e 's/ recorded an issue.*//' -e 's/ failed after.*//'
      grep -oE "Test Case '[^']+' failed" "$1" | sed -E "s/Test Case '(.*)' failed/\1/"; } \
        | awk '!seen[$0]++ && n++ < 3 { printf "%s%s", (n > 1 ? " + " : ""), $0 }'
}

echo "mutate: building (unmutated)"
if ! swift build --build-tests > "$logs/build-base.log" 2>&1; then
    tail -20 "$logs/build-base.log" >&2
    echo "mutate: the unmutated package does not build" >&2; exit 2
fi
if [ "$baseline" = 1 ]; then
    # Each filter must select tests that pass without any mutation, or a kill proves nothing.
    declare -A checked=()
    for i in "${!files[@]}"; do
        selected "${numbers[$i]}" || continue
        filter="${filters[$i]}"
        [ -n "${checked[$filter]:-}" ] && continue
        checked[$filter]=1
        log="$logs/baseline-${#checked[@]}.log"
        swift test --skip-build --filter "$filter" > "$log" 2>&1
        status=$?
        ran=$(tests_run "$log")
        if [ "$status" != 0 ] || [ "$ran" = 0 ]; then
            echo "mutate: baseline: filter '$filter' ran $ran tests, exit $status without any mutation:" >&2
            grep -E '^✘' "$log" | head -5 >&2
            keep_logs=1
            exit 2
        fi
        echo "mutate: baseline: '$filter' passes ($ran tests)"
    done
fi

results=()
killed=0; survived=0; broken=0
for i in "${!files[@]}"; do
    number="${numbers[$i]}"
    selected "$number" || continue
    file="${files[$i]}"; original="${originals[$i]}"; replacement="${replacements[$i]}"; filter="${filters[$i]}"
    short_original=$(printf '%s' "$original" | sed -e 's/^[[:space:]]*//' | head -1)
    short_replacement=$(printf '%s' "$replacement" | sed -e 's/^[[:space:]]*//' | head -1)
    echo "mutate: [$number] $file: $short_original  →  $short_replacement"
    current_backup="$logs/backup-$number"
    cp "$file" "$current_backup"
    current_file="$file"
    content=$(read_file "$file")
    printf '%s' "${content/"$original"/"$replacement"}" > "$file"
    if ! swift build --build-tests > "$logs/build-$number.log" 2>&1; then
        verdict="BUILD-FAILED"; detail="$(grep -m1 -E 'error:' "$logs/build-$number.log" | cut -c1-100)"
        broken=$((broken + 1))
    else
        swift test --skip-build --filter "$filter" > "$logs/test-$number.log" 2>&1
        if [ $? != 0 ]; then
            verdict="KILLED"; detail="by $(failed_tests "$logs/test-$number.log")"
            killed=$((killed + 1))
        else
            verdict="SURVIVED"; detail="$(tests_run "$logs/test-$number.log") tests of '$filter' passed"
            survived=$((survived + 1))
        fi
    fi
    restore
    echo "mutate: [$number] $verdict $detail"
    results+=("$(printf '%-3s %-12s %s: %s → %s\n      %s' "$number" "$verdict" "$file" "$short_original" \
        "$short_replacement" "$detail")")
done

echo "mutate: rebuilding the unmutated package"
swift build --build-tests > "$logs/build-end.log" 2>&1 || echo "mutate: the final rebuild failed" >&2

echo
echo "#   result       mutation"
printf '%s\n' "${results[@]}"
total=$((killed + survived + broken))
echo
echo "mutate: $total mutations: $killed killed, $survived survived, $broken did not build"
[ "$survived" = 0 ] && [ "$broken" = 0 ]
