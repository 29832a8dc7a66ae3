"""The report's own SVG charts: ticks, path data, scaling, escaping, and what they draw."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gaitback import schema as col
from gaitback.present import plots, svg
from test_report_long_run import _long_run

ROOT = Path(__file__).resolve().parents[1]


def _floats(path: str) -> np.ndarray:
    """The coordinates of path data as (n, 2)."""
    numbers = path.replace("M", " ").replace("h0", " ").replace(",", " ").split()
    return np.array(numbers, dtype=float).reshape(-1, 2)


@pytest.mark.parametrize(
    ("lo", "hi", "expected", "decimals"),
    [
        (0.02, 59.0, [10, 20, 30, 40, 50], 0),
        (160.2, 179.8, [165, 170, 175], 0),
        (-0.21, 0.42, [-0.2, 0.0, 0.2, 0.4], 1),
        (0.0, 1.1, [0.0, 0.25, 0.5, 0.75, 1.0], 2),
    ],
)
def test_nice_ticks(lo, hi, expected, decimals):
    ticks, dec = svg.nice_ticks(lo, hi, target=5)
    assert ticks == pytest.approx(expected) and dec == decimals
    assert ticks.min() >= lo and ticks.max() <= hi


def test_tick_text_uses_a_real_minus_and_no_negative_zero():
    assert svg.tick_text(-0.2, 1) == "\u22120.2"
    assert svg.tick_text(-1e-12, 1) == "0.0"
    assert svg.tick_text(170.0, 0) == "170"


def test_nan_splits_a_line_and_is_not_drawn():
    x = np.array([0.0, 1.0, 2.0, 3.0, 4.0, 5.0])
    y = np.array([0.0, 1.04, np.nan, 3.0, 4.0, np.nan])
    assert svg.line_path(x, y) == "M0.0,0.0 1.0,1.0M3.0,3.0 4.0,4.0"
    assert svg.dots_path(x, y) == "M0.0,0.0h0M1.0,1.0h0M3.0,3.0h0M4.0,4.0h0"
    assert svg.line_path(x, np.full(6, np.nan)) == "" == svg.dots_path(x, np.full(6, np.nan))
    # A band closes once per run of finite points.
    band = svg.fill_path(x, y - 1, y + 1)
    assert band.count("M") == 2 and band.count("Z") == 2


def test_text_is_escaped_and_the_chart_is_xml():
    name = "odd <b>title</b> & 'quotes'"
    chart = svg.Chart(name, [svg.Panel([svg.Line([0, 1], [0, 1], "#000", label="a < b")],
                                       ylabel="two\nlines & more")], xlabel="x <min>")
    text = svg.chart_svg(chart)
    assert "<b>" not in text
    root = ET.fromstring(text)
    assert root.get("aria-label") == name and root.findtext("title") == name
    assert root.get("role") == "img" and root.get("viewBox").startswith("0 0 900 ")
    words = " ".join("".join(t.itertext()) for t in root.iter("text"))
    assert "a < b" in words and "x <min>" in words and "lines & more" in words
    assert "url(" not in text and "href" not in text  # nothing outside the page


def _area_and_dots(text: str, panel: int, colour: str) -> tuple[dict[str, float], np.ndarray]:
    root = ET.fromstring(text)
    group = root.findall("g")[panel]
    rect = group.find("rect[@class='area']")
    area = {k: float(rect.get(k)) for k in ("x", "y", "width", "height")}
    dots = [p for p in group.iter("path") if p.get("class") == "dots" and p.get("stroke") == colour]
    assert len(dots) == 1
    return area, _floats(dots[0].get("d"))


def test_timeline_places_steps_where_they_belong():
    """The first step at the left edge, the last minute's at the right edge, values on y."""
    strikes = np.array([0.0, 600.0, 1770.0, 3000.0, 3540.0])
    steps = pd.DataFrame({
        col.FOOT_STRIKE: strikes,
        col.SIDE: [col.SIDE_LEFT, col.SIDE_RIGHT, col.SIDE_RIGHT, col.SIDE_RIGHT,
                   col.SIDE_LEFT],
        col.STEP_TIME: 60000.0 / np.array([160.0, 170.0, 175.0, 165.0, 180.0]),
        col.CONTACT: [250.0, 240.0, 260.0, 230.0, 245.0],
        col.IMPACT: [2.1, 2.3, 2.2, 2.4, 2.0],
    })
    chart = plots.plot_timeline(steps)
    text = svg.chart_svg(chart)
    area, left = _area_and_dots(text, 0, plots.SIDE_COLOURS[col.SIDE_LEFT])
    _, right = _area_and_dots(text, 0, plots.SIDE_COLOURS[col.SIDE_RIGHT])
    x0, x1 = area["x"], area["x"] + area["width"]
    assert left[:, 0] == pytest.approx([x0, x1], abs=0.06)  # 0 min and 59 min
    assert right[1, 0] == pytest.approx((x0 + x1) / 2, abs=0.06)  # 29.5 min, the middle
    lo, hi = chart.panels[0].ylim
    bottom = area["y"] + area["height"]
    expected = bottom - (np.array([160.0, 180.0]) - lo) / (hi - lo) * area["height"]
    assert left[:, 1] == pytest.approx(expected, abs=0.06)
    assert left[0, 1] > right[1, 1] > left[1, 1]  # a higher cadence is drawn higher


def test_left_right_bars_stand_on_zero():
    _, steps = _long_run(duration_s=60.0)
    chart = plots.plot_left_right(steps)
    root = ET.fromstring(svg.chart_svg(chart))
    group = root.findall("g")[0]
    rect = group.find("rect[@class='area']")
    bottom = float(rect.get("y")) + float(rect.get("height"))
    bars = [b for b in group.iter("rect") if b.get("class") == "bar"]
    assert len(bars) == 2
    for bar in bars:
        assert float(bar.get("y")) + float(bar.get("height")) == pytest.approx(bottom, abs=0.1)
    assert [b.get("fill") for b in bars] == [plots.SIDE_COLOURS[col.SIDE_LEFT],
                                             plots.SIDE_COLOURS[col.SIDE_RIGHT]]


def test_stride_by_side_and_stride_average_outputs():
    signals, steps = _long_run(duration_s=120.0)
    cycle, curves, toe_pct = plots.stride_by_side(signals, steps)
    assert cycle.shape == (plots.CYCLE_POINTS,) and cycle[0] == 0 and cycle[-1] == 100
    # Toe-off 0.2 s into a 0.35-s step.
    assert toe_pct == pytest.approx({col.SIDE_LEFT: 100 * 0.2 / 0.35,
                                     col.SIDE_RIGHT: 100 * 0.2 / 0.35}, abs=0.01)
    assert set(curves) == {"obliquity_deg", "vertical_g", "forward_g"}
    # The right side's obliquity is turned round: both read as the swing side's drop.
    left, right = curves["obliquity_deg"][col.SIDE_LEFT], curves["obliquity_deg"][col.SIDE_RIGHT]
    assert left[0] == pytest.approx(right[0], abs=1e-3)
    phase = (1.0 / 0.35) + cycle / 100.0  # the first step starts at t = 1 s
    assert curves["vertical_g"][col.SIDE_LEFT][0] == pytest.approx(
        1.0 + np.sin(2 * np.pi * phase), abs=1e-3)
    assert curves["vertical_g"][col.SIDE_LEFT][1].max() < 1e-3  # identical steps: SD ~ 0

    cycle, mean, events = plots.stride_average(signals, steps)
    assert cycle.shape == (plots.CYCLE_POINTS,)
    assert events == pytest.approx({"toe-off": 100 * 0.2 / 0.7, "other foot strike": 50.0,
                                    "other toe-off": 100 * 0.55 / 0.7}, abs=0.01)
    assert mean["vertical_g"] == pytest.approx(1.0 + np.sin(2 * np.pi * 2 * cycle / 100 +
                                                            2 * np.pi / 0.35), abs=1e-3)


def test_every_chart_renders_as_xml():
    signals, steps = _long_run(duration_s=120.0)
    for chart in (plots.plot_timeline(steps, {"cadence": (175.0, None)}),
                  plots.plot_stride_by_side(signals, steps),
                  plots.plot_posture(steps, (None, 10.0)), plots.plot_left_right(steps),
                  plots.plot_stride_average(signals, steps)):
        root = ET.fromstring(svg.chart_svg(chart))
        assert root.findtext("title") == chart.title


#: Modules whose import alone cost more than analysing an hour (matplotlib,
#: scipy.signal, scipy.stats) or that only other commands need.
NOT_ON_THE_ANALYZE_PATH = (
    "matplotlib", "scipy.signal", "scipy.stats", "asyncio", "bleak", "serial", "fitdecode",
    "pyarrow",
)


def test_gaitback_analyze_does_not_import_matplotlib(tmp_path):
    """The report is drawn without matplotlib, the filters without scipy.signal, and
    `analyze` imports no other command's transports: each cost more than the analysis."""
    code = (
        "import sys\n"
        "from gaitback.cli.main import main\n"
        "code = main(['analyze', sys.argv[1], '--out', sys.argv[2], '--no-save'])\n"
        f"loaded = [m for m in {NOT_ON_THE_ANALYZE_PATH!r} if sys.modules.get(m)]\n"
        "print(code, bool(loaded), loaded)\n"
    )
    env = {**os.environ, "GAITBACK_DB": str(tmp_path / "history.db")}
    done = subprocess.run(
        [sys.executable, "-c", code, str(ROOT / "recordings" / "synthetic" / "treadmill_3min.csv"),
         str(tmp_path / "out")],
        capture_output=True, text=True, env=env, timeout=300, check=True,
    )
    assert done.stdout.strip().splitlines()[-1] == "0 False []"
    report = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert report.count('role="img"') == 4 and "<img" not in report
    assert not (tmp_path / "history.db").exists()
