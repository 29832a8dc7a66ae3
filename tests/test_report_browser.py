"""The report opens in a real headless browser (Debian chromium) without console errors."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

import gaitback
from gaitback.feedback import feedback_process
from test_feedback_support import make_result, make_result_without_running

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"

if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
    pytest.skip(
        "needs Debian chromium and chromium-driver (apt-get install -y chromium chromium-driver)",
        allow_module_level=True,
    )
webdriver = pytest.importorskip(
    "selenium.webdriver", reason="needs selenium (pip install selenium)"
)
from selenium.webdriver.chrome.service import Service  # noqa: E402

BUNDLED_DIR = Path(__file__).resolve().parents[1] / "recordings" / "synthetic"


@pytest.fixture(scope="module")
def browser():
    # The local driver is given explicitly; offline mode stops Selenium Manager from
    # looking anything up on the network.
    previous = os.environ.get("SE_OFFLINE")
    os.environ["SE_OFFLINE"] = "true"
    profile = tempfile.mkdtemp(prefix="gaitback-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={profile}",
        "--window-size=1100,1600",
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
        if previous is None:
            os.environ.pop("SE_OFFLINE", None)
        else:
            os.environ["SE_OFFLINE"] = previous


def open_report(browser, path: Path):
    browser.get(path.resolve().as_uri())
    severe = [e for e in browser.get_log("browser") if e.get("level") == "SEVERE"]
    text = browser.find_element("tag name", "body").text
    broken = browser.execute_script(
        "return Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0))"
        ".length;"
    )
    n_images = browser.execute_script("return document.images.length;")
    return severe, text, broken, n_images


def cases():
    out = [
        ("handmade_faults", lambda: make_result(cadence_spm=150.0, contact_ms=295.0,
                                                forward_lean_deg=16.0)),
        ("no_running", make_result_without_running),
    ]
    if hasattr(gaitback, "analyze"):
        for name in ("acc_only", "overstriding"):
            csv = BUNDLED_DIR / f"{name}.csv"
            if csv.exists():
                out.append((f"bundled_{name}", lambda csv=csv: gaitback.analyze(csv)))
    return out


@pytest.mark.parametrize(("name", "build"), cases(), ids=[c[0] for c in cases()])
def test_report_opens_without_errors_and_shows_findings(browser, tmp_path, name, build):
    result = build()
    findings = feedback_process(result, report_path=tmp_path / "report.html")
    severe, text, broken, n_images = open_report(browser, tmp_path / "report.html")
    assert severe == []
    assert broken == 0
    for finding in findings:
        assert finding.title in text
    assert "When to see a professional" in text
    if result.has_running:
        assert n_images >= 2
        raised = [f for f in findings if f.severity in ("watch", "act")]
        for finding in raised:
            assert finding.advice[0] in text
    else:
        assert "No running was detected" in text
    browser.save_screenshot(str(tmp_path / f"{name}.png"))
    assert (tmp_path / f"{name}.png").stat().st_size > 10_000
