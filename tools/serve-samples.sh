#!/usr/bin/env bash
# Starts the upload service on the samples, as a regulator would: a ledger in DIR (default
# /tmp/h2fleet-served), a token for the regulator and one for each operator of
# samples/registry.csv (printed once: only their SHA-256 is kept), then `h2fleet serve` on
# 127.0.0.1:PORT (default 8032) until Ctrl-C or SIGTERM.
#
#   tools/serve-samples.sh [DIR] [PORT]
set -euo pipefail
cd "$(dirname "$0")/.."
ledger="${1:-/tmp/h2fleet-served}"
port="${2:-8032}"
swift build --product h2fleet >/dev/null
bin="$(swift build --show-bin-path)/h2fleet"
echo "tokens (keep them; the ledger keeps only their SHA-256):"
echo "  regulator  $("$bin" token create --ledger "$ledger" --regulator)"
for operator in $(tail -n +2 samples/registry.csv | cut -d, -f2 | sort -u); do
    echo "  $operator  $("$bin" token create --ledger "$ledger" --operator "$operator")"
done
echo "open http://127.0.0.1:$port/ and log in with a token"
exec "$bin" serve --ledger "$ledger" --registry samples/registry.csv --port "$port"
