"""Headless Chromium for the check scripts (tools/browser-check.py, tools/report-check.py): one
place that finds the browser and its driver and starts them the same way.

Environment: CHROME_BIN (default: chromium on PATH), CHROMEDRIVER (default: chromedriver on PATH).
Needs selenium (PyPI), chromium and chromium-driver (Debian); tools/setup.sh installs them.
"""

import os
import shutil

from selenium import webdriver
from selenium.webdriver.chrome.service import Service


class MissingProgram(Exception):
    """The browser or its driver is not installed."""


def find_program(variable, *names):
    """The program named by the environment variable, else the first of `names` on PATH."""
    if os.environ.get(variable):
        return os.environ[variable]
    for name in names:
        path = shutil.which(name)
        if path:
            return path
    raise MissingProgram(f"none of {', '.join(names)} on PATH (set {variable}); install chromium and chromium-driver")


def start(profile, window_size, arguments=(), capabilities=None):
    """Headless Chromium with its own profile folder, sandbox and extras off, a dialog left open
    (never dismissed in silence, so a check can see one), with `arguments` and `capabilities`
    added."""
    options = webdriver.ChromeOptions()
    options.binary_location = find_program("CHROME_BIN", "chromium", "chromium-browser", "google-chrome")
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     f"--window-size={window_size[0]},{window_size[1]}", "--no-first-run", "--disable-extensions",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     f"--user-data-dir={profile}", *arguments):
        options.add_argument(argument)
    options.set_capability("unhandledPromptBehavior", "ignore")
    for name, value in (capabilities or {}).items():
        options.set_capability(name, value)
    service = Service(executable_path=find_program("CHROMEDRIVER", "chromedriver"))
    return webdriver.Chrome(options=options, service=service)
