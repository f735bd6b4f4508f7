#!/usr/bin/env bash
# Checks the upload service's JSON API (SPEC 11.2) against docs/openapi.yaml with schemathesis:
# starts `h2fleet serve` on a free port with a fresh ledger and the samples' registry, uploads a
# sample archive (and ingests one from the command line) so listings are not empty, then runs
# schemathesis twice, with an operator's token and with the regulator's, checking that no answer
# is a server error (5xx) and that every answer (its status, content type and body) is one the
# document gives. Exits non-zero on any
# failure; the server is always stopped.
#
#   tools/api-check.sh
#   H2FLEET_BIN=.build/release/h2fleet tools/api-check.sh
#   tools/api-check.sh --include-path-regex '^/v1/report'   (arguments go on to `st run`)
#
# Environment:
#   H2FLEET_BIN                the binary (default .build/debug/h2fleet, relative to the repo root)
#   H2FLEET_API_CHECK_EXAMPLES test cases per operation and phase (default 50)
#   H2FLEET_API_CHECK_SEED     the generator's seed (default 1: the same cases on every run)
#   H2FLEET_SCHEMATHESIS_VENV  where schemathesis is installed when no v4 `st` is on PATH
#                              (default /tmp/h2fleet-schemathesis-VERSION)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

bin="${H2FLEET_BIN:-.build/debug/h2fleet}"
case "$bin" in /*) ;; *) bin="$root/$bin" ;; esac
if [ ! -x "$bin" ]; then
    echo "api-check: no h2fleet binary at $bin: run swift build (or tools/setup.sh && swift test) first, or set H2FLEET_BIN" >&2
    exit 2
fi
examples="${H2FLEET_API_CHECK_EXAMPLES:-50}"
seed="${H2FLEET_API_CHECK_SEED:-1}"
schemathesis_version=4.32.5

# --- schemathesis (v4: the flags below are v4's) ---------------------------------------------
st=()
for candidate in st schemathesis; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" --version 2>/dev/null | grep -Eq 'version 4\.'; then
        st=("$candidate")
        break
    fi
done
if [ ${#st[@]} -eq 0 ]; then
    venv="${H2FLEET_SCHEMATHESIS_VENV:-/tmp/h2fleet-schemathesis-$schemathesis_version}"
    if [ ! -x "$venv/bin/st" ]; then
        echo "api-check: installing schemathesis $schemathesis_version into $venv" >&2
        if python3 -m venv "$venv" >/dev/null 2>&1; then
            "$venv/bin/python" -m pip install -q --disable-pip-version-check "schemathesis==$schemathesis_version" >&2
        else
            # No venv module (Debian's python3 without python3-venv): install for this user.
            rm -rf "$venv"
            python3 -m pip install -q --disable-pip-version-check --user --break-system-packages \
                "schemathesis==$schemathesis_version" >&2 \
                || python3 -m pip install -q --disable-pip-version-check --user "schemathesis==$schemathesis_version" >&2
        fi
    fi
    if [ -x "$venv/bin/st" ]; then st=("$venv/bin/st"); else st=(python3 -m schemathesis.cli); fi
fi
echo "api-check: $("${st[@]}" --version)"

# --- the server --------------------------------------------------------------------------------
work=$(mktemp -d "${TMPDIR:-/tmp}/h2fleet-api-check.XXXXXX")
server_pid=""
stop_server() {
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM "$server_pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    server_pid=""
}
cleanup() {
    status=$?
    stop_server
    if [ "$status" -ne 0 ] && [ -s "$work/serve.log" ]; then
        echo "api-check: the server's log (last 40 lines):" >&2
        tail -40 "$work/serve.log" >&2 || true
    fi
    rm -rf "$work"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ledger="$work/ledger"
registry="$root/samples/registry.csv"
operator_token=$("$bin" token create --ledger "$ledger" --operator bjhl)
regulator_token=$("$bin" token create --ledger "$ledger" --regulator)
# A source ingested from the command line: its receipt has "operator": null.
(cd "$root" && "$bin" ingest --ledger "$ledger" samples/telemetry/dxhw/2025-03-04.csv.zst >/dev/null)

"$bin" serve --ledger "$ledger" --registry "$registry" --host 127.0.0.1 --port 0 \
    >"$work/serve.out" 2>"$work/serve.log" &
server_pid=$!
url=""
for _ in $(seq 300); do
    url=$(sed -n 's/^h2fleet serve: listening on \(http:[^ ]*\)$/\1/p' "$work/serve.out" | head -1)
    [ -n "$url" ] && break
    kill -0 "$server_pid" 2>/dev/null || { echo "api-check: the server stopped before listening" >&2; exit 1; }
    sleep 0.1
done
[ -n "$url" ] || { echo "api-check: the server did not say where it listens within 30 s" >&2; exit 1; }
[ "$(curl -sS --max-time 10 "$url/healthz")" = ok ] || { echo "api-check: $url/healthz is not ok" >&2; exit 1; }
echo "api-check: server at $url, ledger $ledger"

# One upload, so listings and receipts are not empty.
status=$(curl -sS --max-time 60 -o "$work/receipt.json" -w '%{http_code}' -X PUT \
    -H "Authorization: Bearer $operator_token" -H 'Content-Type: application/octet-stream' \
    --data-binary @"$root/samples/telemetry/bjhl/2025-03-03.csv.zst" "$url/v1/archives/2025-03-03.csv.zst")
if [ "$status" != 201 ]; then
    echo "api-check: the sample upload answered $status, not 201:" >&2
    cat "$work/receipt.json" >&2
    exit 1
fi

# The regulator's token works too (else every answer would be 401 and prove nothing).
status=$(curl -sS --max-time 60 -o "$work/report.json" -w '%{http_code}' \
    -H "Authorization: Bearer $regulator_token" "$url/v1/report?year=2025")
if [ "$status" != 200 ]; then
    echo "api-check: GET /v1/report?year=2025 as the regulator answered $status, not 200:" >&2
    head -c 2000 "$work/report.json" >&2
    exit 1
fi

# --- schemathesis, once per role -------------------------------------------------------------
failed=0
for role in operator regulator; do
    if [ "$role" = operator ]; then token=$operator_token; else token=$regulator_token; fi
    echo "api-check: schemathesis as the $role (max $examples examples per operation, seed $seed;" \
        "403s on the other role's endpoints are expected, and so is its warning about them)"
    if ! (cd "$work" && "${st[@]}" run "$root/docs/openapi.yaml" --url "$url" \
        --header "Authorization: Bearer $token" \
        --checks not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance \
        --max-examples "$examples" --seed "$seed" --workers 1 --request-timeout 30 \
        --generation-database none --suppress-health-check all --no-color "$@"); then
        echo "api-check: schemathesis found failures as the $role" >&2
        failed=1
    fi
done
# The server must still be up after all that.
if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "api-check: the server died during the run" >&2
    failed=1
fi
if [ "$failed" -ne 0 ]; then
    echo "api-check: FAILED" >&2
    exit 1
fi
echo "api-check: passed"
