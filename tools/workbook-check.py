#!/usr/bin/env python3
"""Reads report.xlsx back and compares it with the report's CSV and JSON files.

    tools/workbook-check.py OUT_DIR LANG

OUT_DIR is a folder `h2fleet subsidy --out` (or `h2fleet report --out`) wrote with `--lang LANG`
(zh or en). Checks, with openpyxl:
  - the sheets are Operators, Vehicles, Rejections and Inputs (in LANG), each with a frozen,
    filtered header row in LANG (in English the headers are the CSV column names);
  - Vehicles equals vehicles.csv cell by cell in SPEC 7.1's columns, then holds the twelve
    hydrogen_km_by_month of report.json; Operators equals operators.csv; Rejections equals
    rejections.csv; Inputs equals report.json's inputs.files;
  - numbers are stored as numbers, formatted `0.0` (km), `0.00` (yuan) or `0` (counts); text
    from inputs is text (never a formula);
and, with LibreOffice (`soffice --headless --convert-to csv`), that the Vehicles sheet converts to
the rows of vehicles.csv. Exits 1 listing every failure.

Needs: Python 3, openpyxl (PyPI), libreoffice-calc-nogui (Debian); tools/setup.sh installs them.
"""

import csv
import decimal
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile

try:
    import openpyxl
except ImportError:
    sys.exit("workbook-check: openpyxl is missing: pip install openpyxl (see tools/setup.sh)")

SHEETS = {"en": ["Operators", "Vehicles", "Rejections", "Inputs"], "zh": ["运营单位", "车辆", "拒收行", "输入文件"]}
failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
    return condition


def places(column):
    if column.endswith("_yuan"):
        return 2
    if "_km" in column:
        return 1
    return 0


def as_csv_text(value, column):
    """A workbook cell written as SPEC 7.2 writes the same value in CSV."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return f"{value:.{places(column)}f}"
    if value[:1] in ("=", "+", "-", "@"):
        return "'" + value  # SPEC 7.2 makes such input text inert in CSV
    return value


def inert(text):
    """SPEC 7.2's CSV form of a text a spreadsheet shows: a leading quote before = + - @."""
    try:
        decimal.Decimal(text)
        return text
    except decimal.InvalidOperation:
        return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def compare_sheet(sheet, csv_path, name, lang):
    with open(csv_path, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    header, data = rows[0], rows[1:]
    got = [[c.value for c in row] for row in sheet.iter_rows()]
    check(len(got) == len(rows), f"{name}: {len(got) - 1} rows, the CSV has {len(data)}")
    if lang == "en":
        check([str(v) for v in got[0][:len(header)]] == header, f"{name}: headers {got[0][:len(header)]} != {header}")
    else:
        check(all(v and v not in header for v in got[0][:len(header)] if v != "SHA-256"),
              f"{name}: headers are not in Chinese: {got[0]}")
    for index, (expected, row) in enumerate(zip(data, got[1:]), start=2):
        cells = list(sheet.iter_rows(min_row=index, max_row=index))[0]
        for column, want, value, workbook_cell in zip(header, expected, row, cells):
            check(as_csv_text(value, column) == want, f"{name} row {index} {column}: {value!r} != CSV {want!r}")
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                want_format = {0: "0", 1: "0.0", 2: "0.00"}[places(column)]
                check(workbook_cell.number_format == want_format,
                      f"{name} row {index} {column}: format {workbook_cell.number_format!r}, wanted {want_format!r}")
            check(workbook_cell.data_type != "f", f"{name} row {index} {column}: a formula")
    return got


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    out, lang = os.path.abspath(sys.argv[1]), sys.argv[2]
    path = os.path.join(out, "report.xlsx")
    with open(os.path.join(out, "report.json"), encoding="utf-8") as handle:
        report = json.load(handle, parse_float=decimal.Decimal)
    book = openpyxl.load_workbook(path)
    check(book.sheetnames == SHEETS[lang], f"sheets {book.sheetnames}, wanted {SHEETS[lang]}")
    for sheet in book.worksheets:
        check(sheet.freeze_panes == "A2", f"{sheet.title}: header row not frozen ({sheet.freeze_panes})")
        check(bool(sheet.auto_filter.ref), f"{sheet.title}: no filter on the header row")
        check(all((sheet.column_dimensions[c].width or 0) >= 4 for c in ("A", "B")), f"{sheet.title}: column widths")
    operators, vehicles, rejections, inputs = book.worksheets
    compare_sheet(operators, os.path.join(out, "operators.csv"), "Operators", lang)
    got = compare_sheet(vehicles, os.path.join(out, "vehicles.csv"), "Vehicles", lang)
    compare_sheet(rejections, os.path.join(out, "rejections.csv"), "Rejections", lang)
    for row, vehicle in zip(got[1:], report["vehicles"]):
        months = [decimal.Decimal(f"{v:.1f}") for v in row[20:32]]
        check(months == vehicle["hydrogen_km_by_month"], f"Vehicles {vehicle['vin']}: months {months}")
    files = [[c.value for c in row] for row in inputs.iter_rows(min_row=2)]
    check([(f[0], f[2], f[3], f[6]) for f in files]
          == [(f["path"], f["bytes"], f["sha256"], f["frames"]) for f in report["inputs"]["files"]],
          "Inputs: path, bytes, SHA-256 and frames differ from report.json")

    # LibreOffice reads the workbook as a spreadsheet program does: its Vehicles sheet as CSV.
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if check(soffice is not None, "soffice is not on PATH: install libreoffice-calc-nogui"):
        work = tempfile.mkdtemp(prefix="workbook-check-")
        try:
            # Field separator 44 (,), text delimiter 34 ("), UTF-8 (76), cells as shown, sheet 2.
            command = [soffice, f"-env:UserInstallation=file://{work}/profile", "--headless", "--convert-to",
                       "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,2",
                       "--outdir", work, path]
            result = subprocess.run(command, capture_output=True, text=True, timeout=180)
            converted = glob.glob(os.path.join(work, "*.csv"))
            if check(len(converted) == 1, f"LibreOffice wrote {converted}: {result.stdout} {result.stderr}"):
                with open(converted[0], encoding="utf-8", newline="") as handle:
                    office = list(csv.reader(handle))
                with open(os.path.join(out, "vehicles.csv"), encoding="utf-8", newline="") as handle:
                    plain = list(csv.reader(handle))
                width = len(plain[0])
                # Text shown as typed, so input text starting with = + - @ (a formula to a
                # spreadsheet if it were one) carries SPEC 7.2's leading quote only in the CSV.
                rows = [[inert(field) for field in r[:width]] for r in office[1:]]
                for got_row, want_row in zip(rows, plain[1:]):
                    check(got_row == want_row, f"LibreOffice's Vehicles row {got_row[:1]} differs from vehicles.csv: "
                          f"{[(g, w) for g, w in zip(got_row, want_row) if g != w]}")
                check(len(rows) == len(plain) - 1, "LibreOffice's Vehicles sheet has another number of rows")
                if lang == "en":
                    check(office[0][:width] == plain[0], "LibreOffice's Vehicles header differs from vehicles.csv")
        finally:
            shutil.rmtree(work, ignore_errors=True)
    if failures:
        print("workbook-check: FAILED")
        for failure in failures[:40]:
            print("  " + failure)
        sys.exit(1)
    print(f"workbook-check: passed ({len(report['vehicles'])} vehicles, {lang})")


if __name__ == "__main__":
    main()
