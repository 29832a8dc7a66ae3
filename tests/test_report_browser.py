"""The report opens in a real headless browser (Debian chromium) without console errors."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

import gaitback
from gaitback.workflow import feedback_process
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
    # The plots are inline SVG charts: count those the browser laid out with a real size.
    n_images = browser.execute_script(
        "return document.images.length + Array.from(document.querySelectorAll("
        "'svg[role=img]')).filter(s => {const r = s.getBoundingClientRect();"
        " return r.width > 300 && r.height > 100;}).length;"
    )
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


PDFTOPPM = shutil.which("pdftoppm")


@pytest.fixture(scope="module")
def simulated_report(tmp_path_factory):
    """A real analysis of a 75-s simulated run with a one-sided pelvic drop."""
    from gaitback.sim import PRESETS, simulate

    out = tmp_path_factory.mktemp("sim_report")
    params = PRESETS["pelvic_drop_right"].replace(seed=21, running_s=75.0, sample_rate_hz=100.0)
    result = gaitback.analyze(simulate(params).recording)
    findings = feedback_process(
        result, report_path=out / "report.html",
        session={"shoe": "Trainer 2", "surface": "treadmill", "notes": "easy"},
    )
    return result, findings, out / "report.html"


def test_report_shows_no_internal_key_names(browser, simulated_report):
    result, findings, path = simulated_report
    severe, text, broken, n_images = open_report(browser, path)
    assert severe == [] and broken == 0 and n_images == 4
    assert {f.id: f.severity for f in findings if f.raised} == {"pelvic_drop": "act"}
    for key in [*result.summary, "heading_source", "symmetry_basis"]:
        if "_" in key:
            assert key not in text, key
    for expected in ("Trainer 2", "treadmill", "Key measures", "typical", "left − right"):
        assert expected in text


@pytest.mark.skipif(PDFTOPPM is None, reason="needs pdftoppm (apt-get install poppler-utils)")
def test_report_prints_to_a4_pages_with_content(simulated_report, tmp_path):
    import subprocess

    import numpy as np
    from PIL import Image

    _, _, path = simulated_report
    pdf = tmp_path / "report.pdf"
    subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
         f"--user-data-dir={tmp_path / 'profile'}", f"--print-to-pdf={pdf}",
         path.resolve().as_uri()],
        check=True, capture_output=True, timeout=120,
    )
    subprocess.run([PDFTOPPM, "-r", "30", "-png", str(pdf), str(tmp_path / "page")],
                   check=True, timeout=120)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert 2 <= len(pages) <= 10
    for page in pages:
        image = np.asarray(Image.open(page).convert("L"), dtype=float)
        height, width = image.shape
        assert width / height == pytest.approx(210 / 297, abs=0.01)  # A4 portrait
        # Every page carries content: no blank page from a bad break.
        assert (image < 128).mean() > 0.002, page.name
