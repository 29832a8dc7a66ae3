"""The report's own SVG charts: ticks, path data, escaping."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pytest

from gaitback.present import svg


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
