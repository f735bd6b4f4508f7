#!/usr/bin/env bash
# Lints the Swift sources with swift-format (bundled with the toolchain) using .swift-format.
# `tools/lint.sh --fix` formats in place first.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--fix" ]; then
    swift format format --in-place --recursive Sources Tests tools
fi
swift format lint --recursive Sources Tests tools
