#!/usr/bin/env bash
# Installs what h2fleet needs to build and test on Debian/Ubuntu: libzstd-dev, zlib1g-dev and
# libssl-dev (headers and pkg-config files for the CZstd, CZlib and COpenSSL system libraries:
# zstd, gzip, SHA-256), libsqlite3-dev (SQLite for GRDB: the ledger), zstd and pkg-config (tests write archives), time (/usr/bin/time: a test
# reads peak memory with it), curl (the upload service's tests speak HTTP with it), chromium,
# chromium-driver, fonts-wqy-microhei and selenium (PyPI) for the pages' browser test, python3-venv
# (tools/api-check.sh installs schemathesis into a venv), libxlsxwriter-dev (the CXlsxWriter system
# library: report.xlsx), libreoffice-calc-nogui and openpyxl (PyPI) to read the workbook back in
# the tests, valgrind (tools/instructions-gate.sh counts instructions per row in CI).
# Does nothing when they are already there.
set -euo pipefail
missing=()
for package in libzstd-dev zlib1g-dev libssl-dev libsqlite3-dev zstd pkg-config time curl \
    python3-pip python3-venv chromium chromium-driver fonts-wqy-microhei libxlsxwriter-dev libreoffice-calc-nogui valgrind; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "setup: installing ${missing[*]}" >&2
    $sudo apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# selenium (PyPI) drives headless Chromium for tools/browser-check.py (the service's web pages).
python3 -c 'import selenium' 2>/dev/null ||
    python3 -m pip install --quiet --root-user-action=ignore --break-system-packages 'selenium>=4.10'
# openpyxl (PyPI) reads report.xlsx back for tools/workbook-check.py.
python3 -c 'import openpyxl' 2>/dev/null ||
    python3 -m pip install --quiet --root-user-action=ignore --break-system-packages 'openpyxl>=3.1'
