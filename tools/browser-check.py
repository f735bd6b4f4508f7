#!/usr/bin/env python3
"""Checks the upload service's web pages (SPEC 11.3) in a real browser: headless Chromium.

    tools/browser-check.py

Starts `h2fleet serve` on a free port with a fresh ledger and the samples' registry, then:
  - as the operator: logs in with a token, uploads two sample archives with the upload page
    (#files, #upload), checks each receipt ("ok" and a SHA-256) and the uploads table; uploads
    them again (their first receipts) with a name that is not allowed and checks the refusal is
    shown as text;
  - as the regulator: checks a source ingested from the command line under a crafted name
    (`<img src=x onerror=alert(1)>.csv.zst`) is listed as literal text and stays inert, and
    the year's report page with its download links;
  - on every answer: a Content-Security-Policy that allows nothing from outside the server, and
    no resource loaded from another origin;
and saves docs/screenshots/service-operator.png, service-regulator.png (the list of uploads)
and service-report.png (the year's report). Stops the server in all cases; exits 1 on any
failure, listing what failed.

Needs: Python 3, selenium (PyPI), chromium and chromium-driver (Debian); fonts-wqy-microhei
for the Chinese text in the screenshots (tools/setup.sh installs them).
Environment: H2FLEET_BIN (default .build/debug/h2fleet), SCREENSHOT_DIR (default docs/screenshots), CHROME_BIN (default: chromium on PATH),
CHROMEDRIVER (default: chromedriver on PATH), BROWSER_CHECK_KEEP=1 keeps the temporary folder.
"""

import json
import os
import re
import selectors
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLES = os.path.join(ROOT, "samples", "telemetry", "bjhl")
REGISTRY = os.path.join(ROOT, "samples", "registry.csv")
# SCREENSHOT_DIR: where the screenshots go (the tests give a temporary folder).
SCREENSHOTS = os.environ.get("SCREENSHOT_DIR") or os.path.join(ROOT, "docs", "screenshots")
OPERATOR = "bjhl"
UPLOADS = ["2025-03-03.csv.zst", "2025-03-04.csv.zst"]  # uploaded by the operator with the page
CRAFTED_SOURCE = "2025-03-20.csv.zst"  # other bytes: ingested from the command line
CRAFTED_NAME = "<img src=x onerror=alert(1)>.csv.zst"
BAD_NAME = "bad name <b>x.csv"  # a file name cannot hold "/", so no closing tag
SHA256 = re.compile(r"\b[0-9a-f]{64}\b")
WAIT_S = 60

try:
    from selenium.common.exceptions import NoAlertPresentException, TimeoutException, WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
    import chromium  # tools/chromium.py, beside this script
except ImportError:
    sys.exit("browser-check: selenium is missing: pip install selenium (see tools/setup.sh)")


class Fatal(Exception):
    """A failure after which the remaining checks mean nothing."""


failures = []


def log(message):
    print(f"browser-check: {message}", flush=True)


def check(condition, message):
    """Records a failed check and goes on; returns the condition."""
    if condition:
        log(f"ok   {message}")
    else:
        log(f"FAIL {message}")
        failures.append(message)
    return condition


def require(condition, message):
    if not check(condition, message):
        raise Fatal(message)


# --- the server ----------------------------------------------------------------------------


def run_binary(binary, *arguments):
    result = subprocess.run([binary, *arguments], capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        raise Fatal(f"h2fleet {' '.join(arguments[:2])} exited {result.returncode}: {result.stderr.strip()}")
    return result.stdout


def start_server(binary, ledger, log_path):
    """Starts `h2fleet serve --port 0`; returns the process and its base URL."""
    log_file = open(log_path, "w")
    process = subprocess.Popen(
        [binary, "serve", "--ledger", ledger, "--registry", REGISTRY, "--host", "127.0.0.1", "--port", "0"],
        stdout=subprocess.PIPE, stderr=log_file, text=True)
    log_file.close()
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + 60
    seen = []
    try:
        while time.monotonic() < deadline:
            if not selector.select(timeout=max(0.0, deadline - time.monotonic())):
                break
            line = process.stdout.readline()
            if not line:
                break  # the server exited
            seen.append(line.rstrip("\n"))
            match = re.search(r"listening on (http://\S+)", line)
            if match:
                return process, match.group(1).rstrip("/")
    finally:
        selector.close()
    stop_server(process)
    raise Fatal(f"the server did not say where it listens (stdout: {seen!r}); see {log_path}")


def stop_server(process):
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=15)


def http_get(url, token=None):
    """GET without the browser: status, headers (lower-case names), body."""
    request = urllib.request.Request(url)
    if token:
        request.add_header("Authorization", f"Bearer {token}")

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *arguments, **keywords):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=60) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


def wait_healthy(base):
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if http_get(base + "/healthz")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise Fatal("GET /healthz never answered 200")


# --- the Content-Security-Policy -----------------------------------------------------------

ALLOWED_SOURCES = {"'none'", "'self'"}
DIRECTIVES_WITHOUT_SOURCES = {"upgrade-insecure-requests", "block-all-mixed-content", "sandbox"}


def policy_problems(policy):
    """Why a Content-Security-Policy would allow something from outside the server ([] if not)."""
    if not policy:
        return ["no Content-Security-Policy header"]
    problems = []
    directives = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    if "default-src" not in directives:
        problems.append("no default-src (anything not named is allowed)")
    for name, sources in directives.items():
        if name in DIRECTIVES_WITHOUT_SOURCES or name.startswith("report-"):
            continue
        for source in sources:
            if source.lower() not in ALLOWED_SOURCES:
                problems.append(f"{name} allows {source}")
    for name in ("frame-ancestors", "form-action", "base-uri"):
        if name not in directives:
            problems.append(f"no {name} (it does not fall back to default-src)")
    return problems


def check_policy(where, headers):
    policy = headers.get("content-security-policy", "")
    problems = policy_problems(policy)
    check(not problems, f"CSP of {where}: {'; '.join(problems) if problems else policy}")


# --- the browser ---------------------------------------------------------------------------

# Runs in every page before its own scripts (not subject to the page's CSP): records alert()
# calls and CSP violations, so the checks see them even if a dialog is dismissed.
WATCH_SCRIPT = """
window.__alerts = [];
window.__violations = [];
for (const name of ["alert", "confirm", "prompt"]) {
  const original = window[name];
  window[name] = function (...args) { window.__alerts.push(name + ": " + args.join(" ")); return original.apply(this, args); };
}
document.addEventListener("securitypolicyviolation", event => {
  window.__violations.push(event.violatedDirective + " blocked " + (event.blockedURI || "inline") +
    (event.sourceFile ? " (" + event.sourceFile + ":" + event.lineNumber + ")" : ""));
});
"""


def start_browser(profile):
    try:
        driver = chromium.start(
            profile, (1400, 1000), arguments=["--lang=zh-CN"],
            capabilities={"goog:loggingPrefs": {"browser": "ALL", "performance": "ALL"}})
    except chromium.MissingProgram as error:
        raise Fatal(str(error)) from error
    driver.set_page_load_timeout(WAIT_S)
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": WATCH_SCRIPT})
    return driver


class Watch:
    """What the browser saw: every HTTP answer (with its headers) and console message."""

    def __init__(self, driver, base):
        self.driver = driver
        self.origin = base
        self.responses = {}  # url -> (status, headers), the last seen
        self.requests = set()
        self.console = []

    def drain(self):
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            method, params = message.get("method"), message.get("params", {})
            if method == "Network.requestWillBeSent":
                self.requests.add(params["request"]["url"])
                redirect = params.get("redirectResponse")
                if redirect:
                    self.record(redirect)
            elif method == "Network.responseReceived":
                self.record(params["response"])
        self.console.extend(self.driver.get_log("browser"))

    def record(self, response):
        headers = {k.lower(): v for k, v in response.get("headers", {}).items()}
        self.responses[response["url"]] = (response.get("status"), headers)

    def check_page(self, what):
        """No dialog, no CSP violation, no script error, nothing from another origin."""
        driver = self.driver
        try:
            text = driver.switch_to.alert.text
            check(False, f"{what}: no JavaScript dialog (one is open: {text!r})")
            driver.switch_to.alert.dismiss()
        except NoAlertPresentException:
            pass
        alerts = driver.execute_script("return window.__alerts || []")
        check(not alerts, f"{what}: no alert() called {alerts if alerts else ''}".rstrip())
        violations = driver.execute_script("return window.__violations || []")
        check(not violations, f"{what}: no CSP violation {violations if violations else ''}".rstrip())
        resources = driver.execute_script(
            "return performance.getEntriesByType('resource').map(e => e.name)"
            ".concat(performance.getEntriesByType('navigation').map(e => e.name))")
        attributes = driver.execute_script("""
            const urls = [];
            for (const element of document.querySelectorAll('[src],[href],[action],[srcset],[poster],[data]')) {
              for (const name of ['src', 'href', 'action', 'poster', 'data']) {
                if (element.hasAttribute(name)) urls.push(new URL(element.getAttribute(name), document.baseURI).href);
              }
            }
            return urls;""")
        foreign = sorted({url for url in resources + attributes if not self.same_origin(url)})
        check(not foreign, f"{what}: nothing from another origin {foreign if foreign else ''}".rstrip())
        self.drain()

    def same_origin(self, url):
        parsed = urllib.parse.urlsplit(url)
        if parsed.scheme == "about":
            return True  # about:blank
        return f"{parsed.scheme}://{parsed.netloc}" == self.origin

    def check_all(self):
        self.drain()
        http = {url: answer for url, answer in self.responses.items() if url.startswith(("http:", "https:"))}
        check(http, f"the browser saw {len(http)} HTTP answers")
        for url, (status, headers) in sorted(http.items()):
            path = urllib.parse.urlsplit(url)
            where = f"{status} {path.path}{'?' + path.query if path.query else ''} (in the browser)"
            if not self.same_origin(url):
                check(False, f"{where}: answer from another origin")
                continue
            check_policy(where, headers)
        foreign = sorted(url for url in self.requests if url.startswith(("http:", "https:", "ws:", "wss:"))
                         and not self.same_origin(url))
        check(not foreign, f"no request to another origin {foreign if foreign else ''}".rstrip())
        problems = []
        for entry in self.console:
            text = entry.get("message", "")
            if "Content Security Policy" in text or "Refused to" in text:
                problems.append(text)
            elif entry.get("level") == "SEVERE" and entry.get("source") != "network":
                problems.append(text)  # a script error (a failed favicon request is no problem)
        check(not problems, f"no CSP report or script error in the console {problems if problems else ''}".rstrip())


def wait_for(driver, condition, what, timeout=WAIT_S):
    try:
        return WebDriverWait(driver, timeout, poll_frequency=0.2).until(lambda d: condition(d))
    except TimeoutException:
        raise Fatal(f"timed out after {timeout} s waiting for {what}; the page at {driver.current_url} shows: "
                    f"{driver.find_element(By.TAG_NAME, 'body').text[:1500]!r}") from None


def log_in(driver, base, token, role):
    driver.get(base + "/login")
    require(driver.find_elements(By.CSS_SELECTOR, "form#login input#token"), f"{role}: the login page has #token")
    driver.find_element(By.ID, "token").send_keys(token)
    driver.find_element(By.CSS_SELECTOR, "form#login button[type=submit]").click()
    wait_for(driver, lambda d: urllib.parse.urlsplit(d.current_url).path == "/" and d.find_elements(By.ID, "uploads"),
             f"{role}: the page after logging in")
    cookies = {cookie["name"]: cookie for cookie in driver.get_cookies()}
    session = cookies.get("h2fleet_session")
    require(session is not None, f"{role}: logging in sets the session cookie")
    check(session.get("httpOnly") is True and session.get("sameSite") == "Strict",
          f"{role}: the session cookie is HttpOnly and SameSite=Strict ({session})")


def log_out(driver, role):
    driver.find_element(By.CSS_SELECTOR, "form.logout button[type=submit]").click()
    wait_for(driver, lambda d: urllib.parse.urlsplit(d.current_url).path == "/login", f"{role}: the login page after logging out")
    check("h2fleet_session" not in {c["name"] for c in driver.get_cookies()}, f"{role}: logging out drops the session cookie")


def finished_uploads(driver, count):
    """Waits until #receipts holds `count` items, each answered (a class set); returns them."""
    def done(d):
        items = d.find_elements(By.CSS_SELECTOR, "#receipts li")
        return items if len(items) == count and all(item.get_attribute("class") for item in items) else False
    return wait_for(driver, done, f"{count} finished uploads in #receipts")


def table_names(driver):
    return [cell.text for cell in driver.find_elements(By.CSS_SELECTOR, "table#uploads td.name")]


def screenshot(driver, name):
    os.makedirs(SCREENSHOTS, exist_ok=True)
    height = driver.execute_script("return Math.max(document.body.scrollHeight, document.documentElement.scrollHeight)")
    driver.set_window_size(1400, min(max(int(height) + 40, 700), 4000))
    path = os.path.join(SCREENSHOTS, name)
    require(driver.save_screenshot(path), f"screenshot {os.path.relpath(path, ROOT)}")
    driver.set_window_size(1400, 1000)


# --- the checks ----------------------------------------------------------------------------


def operator_checks(driver, watch, base, token, work):
    log_in(driver, base, token, "operator")
    watch.check_page("operator's login")
    paths = [os.path.join(SAMPLES, name) for name in UPLOADS]
    driver.find_element(By.ID, "files").send_keys("\n".join(paths))
    driver.find_element(By.ID, "upload").click()
    items = finished_uploads(driver, 2)
    require(all(item.get_attribute("class") == "receipt" for item in items),
            "both uploads answered with a receipt (li.receipt): " + " | ".join(item.text for item in items))
    sha256 = {}
    for name, item in zip(UPLOADS, items):
        text = item.text
        found = SHA256.search(text)
        check(text.startswith(name + ": ok") and found, f"receipt of {name} holds ok and a SHA-256: {text!r}")
        sha256[name] = found.group(0) if found else None
    watch.check_page("operator's page after uploading")

    driver.refresh()
    names = table_names(driver)
    for name in UPLOADS:
        check(name in names, f"after reload the uploads table lists {name} (it lists {names})")

    # The same two again (answered with their first receipts) and a name that is not allowed:
    # refused, and the refusal shown as text, not markup.
    bad = os.path.join(work, BAD_NAME)
    with open(bad, "w") as file:
        file.write("vin,time\n")
    driver.find_element(By.ID, "files").send_keys("\n".join(paths + [bad]))
    driver.find_element(By.ID, "upload").click()
    items = finished_uploads(driver, 3)
    for name, item in zip(UPLOADS, items):
        text = item.text
        check(item.get_attribute("class") == "receipt" and sha256[name] and sha256[name] in text,
              f"uploading {name} again shows its first receipt: {text!r}")
    refused, text = items[2], items[2].text
    check(refused.get_attribute("class") == "error" and text.startswith(BAD_NAME + ": refused (400 bad_name)"),
          f"the refusal of {BAD_NAME!r} shows as text in li.error: {text!r}")
    inside = driver.execute_script("return document.querySelectorAll('#receipts *:not(li)').length")
    check(inside == 0 and not driver.find_elements(By.CSS_SELECTOR, "#receipts b"),
          f"no element made inside #receipts from the name ({inside} elements other than li)")
    watch.check_page("operator's page after the refusal")
    screenshot(driver, "service-operator.png")
    log_out(driver, "operator")


def regulator_checks(driver, watch, base, token, crafted_path):
    log_in(driver, base, token, "regulator")
    names = table_names(driver)
    check(crafted_path in names, f"the regulator's table lists the crafted name as text: {crafted_path!r} (it lists {names})")
    for name in UPLOADS:
        check(name in names, f"the regulator's table lists the operator's {name}")
    images = driver.find_elements(By.TAG_NAME, "img")
    check(not images, f"no <img> element in the regulator's page ({len(images)} found)")
    source = driver.page_source
    check("&lt;img src=x onerror=alert(1)&gt;" in source, "the crafted name is escaped in the page's markup")
    time.sleep(0.5)  # an onerror handler, were there one, would have fired by now
    watch.check_page("regulator's page")
    screenshot(driver, "service-regulator.png")

    year = driver.find_element(By.ID, "year")
    year.clear()
    year.send_keys("2025")
    year.submit()
    wait_for(driver, lambda d: urllib.parse.urlsplit(d.current_url).path == "/report", "the report page")
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(driver.current_url).query)
    check(query.get("year") == ["2025"], f"the form opens /report?year=2025 ({driver.current_url})")
    tables = driver.find_elements(By.ID, "table")
    require(tables and tables[0].is_displayed(), "the report page shows #table")
    table = tables[0].text
    check(OPERATOR in table and len(table.splitlines()) >= 2, f"the report table names {OPERATOR}: {table[:300]!r}")
    links = [a.get_attribute("href") for a in driver.find_elements(By.CSS_SELECTOR, "a[href^='/report/']")]
    files = sorted(urllib.parse.urlsplit(link).path.rsplit("/", 1)[-1] for link in links)
    check(files == ["operators.csv", "rejections.csv", "report.json", "vehicles.csv"], f"the report page links its files {files}")
    for link in links:
        status, headers, body = http_get(link, token)
        check(status == 200 and "attachment" in headers.get("content-disposition", "") and body,
              f"GET {urllib.parse.urlsplit(link).path} answers 200 with an attachment")
        check_policy(f"GET {urllib.parse.urlsplit(link).path}", headers)
    watch.check_page("regulator's report page")
    screenshot(driver, "service-report.png")
    log_out(driver, "regulator")


def policy_checks(base, operator_token, regulator_token):
    """The CSP on answers fetched without the browser, errors included."""
    for path, token, expected in [
        ("/healthz", None, 200), ("/login", None, 200), ("/", None, (302, 303)), ("/", operator_token, 200),
        ("/", regulator_token, 200), ("/report?year=2025", regulator_token, 200),
        ("/report?year=2025", operator_token, 403), ("/report?year=1900", regulator_token, 400),
        ("/static/upload.js", None, 200), ("/static/style.css", None, 200), ("/v1/archives", None, 401),
        ("/v1/archives", operator_token, 200), ("/v1/report?year=2025", regulator_token, 200),
        ("/no-such-page", regulator_token, 404),
    ]:
        status, headers, _ = http_get(base + path, token)
        who = "operator" if token == operator_token and token else "regulator" if token else "anonymous"
        expected = expected if isinstance(expected, tuple) else (expected,)
        check(status in expected, f"GET {path} as {who} answers {' or '.join(map(str, expected))} (got {status})")
        if status in (302, 303):
            check(headers.get("location") == "/login", f"GET {path} as {who} sends to /login ({headers.get('location')})")
        check_policy(f"GET {path} as {who}", headers)
        check(headers.get("x-content-type-options") == "nosniff", f"GET {path} as {who} sends nosniff")


def main():
    started = time.monotonic()
    binary = os.environ.get("H2FLEET_BIN") or os.path.join(ROOT, ".build", "debug", "h2fleet")
    if not os.access(binary, os.X_OK):
        sys.exit(f"browser-check: no h2fleet at {binary} (build it, or set H2FLEET_BIN)")
    work = tempfile.mkdtemp(prefix="h2fleet-browser-")
    ledger = os.path.join(work, "ledger")
    server_log = os.path.join(work, "serve.log")
    server = driver = None
    try:
        operator_token = run_binary(binary, "token", "create", "--ledger", ledger, "--operator", OPERATOR).strip()
        regulator_token = run_binary(binary, "token", "create", "--ledger", ledger, "--regulator").strip()
        crafted_dir = os.path.join(work, "crafted")
        os.makedirs(crafted_dir)
        crafted = os.path.join(crafted_dir, CRAFTED_NAME)
        shutil.copyfile(os.path.join(SAMPLES, CRAFTED_SOURCE), crafted)
        run_binary(binary, "ingest", "--ledger", ledger, crafted)

        server, base = start_server(binary, ledger, server_log)
        log(f"server at {base}, ledger {ledger}")
        wait_healthy(base)
        policy_checks(base, operator_token, regulator_token)

        driver = start_browser(os.path.join(work, "chromium"))
        watch = Watch(driver, base)
        operator_checks(driver, watch, base, operator_token, work)
        regulator_checks(driver, watch, base, regulator_token, crafted)
        watch.check_all()
    except Fatal as error:
        if str(error) not in failures:
            failures.append(str(error))
        log(f"FAIL {error}")
    except WebDriverException as error:
        failures.append(f"the browser failed: {error.msg or error}")
        log(f"FAIL the browser failed: {error.msg or error}")
    except Exception as error:  # a bug here, or a tool that failed: still a clear failure
        import traceback
        traceback.print_exc()
        failures.append(f"unexpected {type(error).__name__}: {error}")
    finally:
        if driver is not None:
            try:
                driver.quit()
            except Exception as error:  # the browser may be gone already
                log(f"could not close the browser: {error}")
        stop_server(server)
        if server is not None and server.returncode not in (0, -15):
            failures.append(f"the server exited {server.returncode} when stopped")
        if failures and os.path.exists(server_log):
            with open(server_log, errors="replace") as file:
                tail = file.read()[-3000:]
            print(f"browser-check: the server's log (last 3000 characters):\n{tail}", file=sys.stderr)
        if os.environ.get("BROWSER_CHECK_KEEP"):
            log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    elapsed = time.monotonic() - started
    if failures:
        print(f"browser-check: {len(failures)} check(s) failed ({elapsed:.1f} s):", file=sys.stderr)
        for failure in failures:
            print(f"  - {failure}", file=sys.stderr)
        return 1
    log(f"all checks passed ({elapsed:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
