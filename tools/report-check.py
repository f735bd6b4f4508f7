#!/usr/bin/env python3
"""Checks report.html and the operators' statements in a real browser: headless Chromium.

    tools/report-check.py OUT_DIR LANG [EXPECT_TEXT]

OUT_DIR is a folder `h2fleet subsidy --out` (or `h2fleet report --out`) wrote with `--lang LANG`
(zh or en). Opens OUT_DIR/report.html and every OUT_DIR/statements/OPERATOR.html from disk and
checks that:
  - the page is in LANG (<html lang>, the summary's heading) and fetches nothing: no script, no
    element with src or href, no resource loaded, no URL in any attribute, no event handler;
  - every number a person reads equals report.json: each vehicle's row (distances, amounts,
    days, status), each operator's row, the summary cards, the monthly table (each month the sum
    of the operator's vehicles' hydrogen_km_by_month, the total its hydrogen_km), the input files'
    SHA-256, and each statement's summary and vehicle rows;
  - each statement is in report.html too, and starts a new page when printed (print media);
  - on a phone (390 px wide) the page does not scroll sideways: wide tables scroll in their box;
  - EXPECT_TEXT, when given (text from a crafted registry), shows as literal text and makes no
    element (no <img>, no dialog).
Saves report-LANG.png (the top of the report), report-phone-LANG.png and statement-LANG.png
into SCREENSHOT_DIR when it is set. Exits 1 listing every failure.

Needs: Python 3, selenium (PyPI), chromium and chromium-driver (Debian), fonts-wqy-microhei for
the Chinese text (tools/setup.sh installs them). Environment: CHROME_BIN, CHROMEDRIVER.
"""

import decimal
import json
import os
import shutil
import sys
import tempfile

try:
    from selenium.common.exceptions import NoAlertPresentException
    import chromium  # tools/chromium.py, beside this script
    from selenium.webdriver.common.by import By
except ImportError:
    sys.exit("report-check: selenium is missing: pip install selenium (see tools/setup.sh)")

failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
    return condition


def start_browser(profile):
    try:
        return chromium.start(profile, (1280, 900))
    except chromium.MissingProgram as error:
        sys.exit(f"report-check: {error}")


def number(text):
    return decimal.Decimal(text.strip().split()[0])


def cell(row, field):
    found = row.find_elements(By.CSS_SELECTOR, f'[data-field="{field}"]')
    return found[0].text if found else None


def no_dialog(driver, where):
    try:
        alert = driver.switch_to.alert
        failures.append(f"{where}: a dialog opened: {alert.text!r}")
        alert.dismiss()
    except NoAlertPresentException:
        pass


def fetches_nothing(driver, where):
    check(driver.execute_script("return document.scripts.length") == 0, f"{where}: holds a script")
    linked = driver.execute_script(
        "return Array.from(document.querySelectorAll('[src],[href],[srcset],[xlink\\\\:href]')).map(e => e.outerHTML.slice(0, 80))")
    check(not linked, f"{where}: elements that fetch: {linked[:3]}")
    loaded = driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    check(not loaded, f"{where}: resources loaded: {loaded[:3]}")
    # Text may mention a URL; no attribute may hold one.
    urls = driver.execute_script(
        "return Array.from(document.querySelectorAll('*')).flatMap(e => Array.from(e.attributes))"
        ".map(a => a.value).filter(v => v.includes('://') || v.startsWith('//'))")
    check(not urls, f"{where}: a URL in an attribute: {urls[:3]}")
    handlers = driver.execute_script(
        "return Array.from(document.querySelectorAll('*')).flatMap(e => Array.from(e.attributes))"
        ".map(a => a.name).filter(n => n.startsWith('on'))")
    check(not handlers, f"{where}: event handler attributes: {handlers[:3]}")


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    out, lang = os.path.abspath(sys.argv[1]), sys.argv[2]
    expect_text = sys.argv[3] if len(sys.argv) > 3 else None
    with open(os.path.join(out, "report.json"), encoding="utf-8") as handle:
        report = json.load(handle, parse_float=decimal.Decimal)
    shots = os.environ.get("SCREENSHOT_DIR")
    profile = tempfile.mkdtemp(prefix="report-check-")
    driver = start_browser(profile)
    try:
        driver.get("file://" + os.path.join(out, "report.html"))
        no_dialog(driver, "report.html")
        fetches_nothing(driver, "report.html")
        check(driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == ("zh-CN" if lang == "zh" else "en"),
              "report.html: <html lang> is not " + lang)
        heading = driver.find_element(By.CSS_SELECTOR, "#summary h2").text
        check(heading == ("概览" if lang == "zh" else "Summary"), f"report.html: summary heading {heading!r}")
        if shots:
            driver.set_window_size(1280, 1500)
            driver.save_screenshot(os.path.join(shots, f"report-{lang}.png"))
            driver.set_window_size(1280, 900)

        # Vehicles.
        for vehicle in report["vehicles"]:
            vin = vehicle["vin"]
            rows = driver.find_elements(By.CSS_SELECTOR, f'#vehicles-table tr[data-vin="{vin}"]')
            if not check(len(rows) == 1, f"vehicle {vin}: {len(rows)} rows in the vehicles table"):
                continue
            row = rows[0]
            for field in ("hydrogen_km", "battery_km", "gap_km", "overspeed_km", "suspect_km", "uncapped_yuan",
                          "subsidy_yuan", "days_with_data"):
                shown = cell(row, field)
                check(shown is not None and number(shown) == vehicle[field],
                      f"vehicle {vin} {field}: page {shown!r}, report.json {vehicle[field]}")
            status = row.find_element(By.CSS_SELECTOR, '[data-field="status"]').get_attribute("data-status")
            check(status == vehicle["status"], f"vehicle {vin} status: page {status}, report.json {vehicle['status']}")
        rows = driver.find_elements(By.CSS_SELECTOR, "#vehicles-table tr[data-vin]")
        check(len(rows) == len(report["vehicles"]), f"{len(rows)} vehicle rows, report.json has {len(report['vehicles'])}")

        # Operators, with the monthly table.
        yes = "是" if lang == "zh" else "yes"
        no = "否" if lang == "zh" else "no"
        for entry in report["operators"]:
            op = entry["operator"]
            row = driver.find_element(By.CSS_SELECTOR, f'#operators-table tr[data-operator="{op}"]')
            for field in ("vehicles", "hydrogen_km", "average_km", "subsidy_yuan"):
                shown = cell(row, field)
                check(shown is not None and number(shown) == decimal.Decimal(entry[field]),
                      f"operator {op} {field}: page {shown!r}, report.json {entry[field]}")
            shown = cell(row, "eligible")
            check(shown == (yes if entry["eligible"] else no), f"operator {op} eligible: page {shown!r}")
            months = [decimal.Decimal(0)] * 12
            for vehicle in report["vehicles"]:
                if vehicle["operator"] == op:
                    months = [a + b for a, b in zip(months, vehicle["hydrogen_km_by_month"])]
            monthly = driver.find_element(By.CSS_SELECTOR, f'#monthly-table tr[data-operator="{op}"]')
            cells = [number(c.text) for c in monthly.find_elements(By.CSS_SELECTOR, "td.n")]
            check(cells[:12] == months, f"operator {op} by month: page {cells[:12]}, report.json {months}")
            check(cells[12] == entry["hydrogen_km"], f"operator {op} monthly total {cells[12]} != {entry['hydrogen_km']}")

        # Summary cards and input files.
        totals = report["totals"]
        for card, value in (("total-subsidy", totals["subsidy_yuan"]), ("total-hydrogen", totals["hydrogen_km"]),
                            ("total-vehicles", totals["vehicles"]), ("frames", report["inputs"]["frames"]),
                            ("rejected-rows", report["inputs"]["rejected_rows"])):
            shown = driver.find_element(By.CSS_SELECTOR, f"#{card} .value").text
            check(number(shown) == decimal.Decimal(value), f"card {card}: page {shown!r}, report.json {value}")
        for file in report["inputs"]["files"]:
            rows = [r for r in driver.find_elements(By.CSS_SELECTOR, "#files-table tr[data-path]")
                    if r.get_attribute("data-path") == file["path"]]
            check(len(rows) == 1 and cell(rows[0], "sha256") == file["sha256"], f"input {file['path']}: SHA-256")

        # Every statement is in the report, and starts a page when printed.
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
        breaks = driver.execute_script(
            "return Array.from(document.querySelectorAll('section.statement')).map(s => getComputedStyle(s).breakBefore)")
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
        check(len(breaks) == len(report["operators"]), f"{len(breaks)} statements in report.html")
        check(all(b == "page" for b in breaks), f"statements do not start a printed page: {breaks}")

        if expect_text:
            body = driver.find_element(By.TAG_NAME, "body").text
            check(expect_text in body, f"report.html: {expect_text!r} is not shown as text")
            check(driver.execute_script("return document.images.length") == 0, "report.html: the crafted text made an <img>")

        # On a phone the page itself never scrolls sideways.
        driver.set_window_size(390, 844)
        overflow = driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
        check(overflow <= 1, f"report.html scrolls sideways on a phone by {overflow} px")
        if shots:
            driver.save_screenshot(os.path.join(shots, f"report-phone-{lang}.png"))
        driver.set_window_size(1280, 900)

        # The statements.
        by_vin = {v["vin"]: v for v in report["vehicles"]}
        for entry in report["operators"]:
            op = entry["operator"]
            path = os.path.join(out, "statements", f"{op}.html")
            if not check(os.path.exists(path), f"no statements/{op}.html"):
                continue
            driver.get("file://" + path)
            no_dialog(driver, f"statements/{op}.html")
            fetches_nothing(driver, f"statements/{op}.html")
            summary = driver.find_element(By.CSS_SELECTOR, ".statement-summary")
            for field in ("vehicles", "hydrogen_km", "average_km", "subsidy_yuan"):
                shown = cell(summary, field)
                check(shown is not None and number(shown) == decimal.Decimal(entry[field]),
                      f"statement {op} {field}: page {shown!r}, report.json {entry[field]}")
            rows = driver.find_elements(By.CSS_SELECTOR, ".statement-vehicles tr[data-vin]")
            check(len(rows) == entry["vehicles"], f"statement {op}: {len(rows)} vehicles, {entry['vehicles']} registered")
            for row in rows:
                vehicle = by_vin.get(row.get_attribute("data-vin"), {})
                check(vehicle.get("operator") == op, f"statement {op}: a vehicle of {vehicle.get('operator')}")
                for field in ("hydrogen_km", "subsidy_yuan"):
                    shown = cell(row, field)
                    check(shown is not None and number(shown) == vehicle.get(field),
                          f"statement {op} {row.get_attribute('data-vin')} {field}: page {shown!r}")
                check(len(row.find_elements(By.CSS_SELECTOR, "ol.steps li")) == 2, f"statement {op}: arithmetic steps")
            if expect_text:
                check(driver.execute_script("return document.images.length") == 0, f"statements/{op}.html made an <img>")
        if shots and report["operators"]:
            driver.get("file://" + os.path.join(out, "statements", report["operators"][0]["operator"] + ".html"))
            driver.save_screenshot(os.path.join(shots, f"statement-{lang}.png"))
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
    if failures:
        print("report-check: FAILED")
        for failure in failures:
            print("  " + failure)
        sys.exit(1)
    print(f"report-check: passed ({len(report['vehicles'])} vehicles, {len(report['operators'])} statements, {lang})")


if __name__ == "__main__":
    main()
