"""Report plots of a long run draw a bounded number of points and still span the run."""

from __future__ import annotations

import re
import time

import numpy as np
import pandas as pd

from gaitback import schema as col
from gaitback.present import plots, svg


def _long_run(duration_s: float = 3600.0, rate_hz: float = 200.0, step_s: float = 0.35):
    t = np.arange(0.0, duration_s, 1.0 / rate_hz)
    signals = pd.DataFrame(
        {
            col.TIME: t,
            "vertical_g": 1.0 + np.sin(2 * np.pi * t / step_s),
            "forward_g": 0.1 * np.cos(2 * np.pi * t / step_s),
            "lean_deg": 8.0 + 0.001 * t,  # a slow drift the plot must show end to end
            "obliquity_deg": np.sin(2 * np.pi * t / (2 * step_s)),
        }
    )
    strikes = np.arange(1.0, duration_s - 1.0, step_s)
    steps = pd.DataFrame(
        {
            col.FOOT_STRIKE: strikes,
            col.TOE_OFF: strikes + 0.2,
            col.SIDE: np.where(np.arange(len(strikes)) % 2 == 0, col.SIDE_LEFT, col.SIDE_RIGHT),
            col.STEP_TIME: np.full(len(strikes), step_s * 1000),
            col.CONTACT: np.full(len(strikes), 200.0),
            col.IMPACT: np.full(len(strikes), 2.5),
            col.FORWARD_LEAN: 8.0 + 0.001 * strikes,
        }
    )
    return signals, steps


def test_long_run_plots_are_thinned_but_cover_the_whole_run() -> None:
    signals, steps = _long_run()
    assert len(signals) > 100 * plots.MAX_DRAWN_POINTS and len(steps) > plots.MAX_DRAWN_POINTS
    for chart in (plots.plot_timeline(steps), plots.plot_posture(steps)):
        drawn = chart.series((svg.Line, svg.Dots))
        assert drawn
        for series in drawn:
            assert len(series.x) == len(series.y) <= plots.MAX_DRAWN_POINTS
            # first to last minute
            assert series.x.min() < 2.0 / 60 and series.x.max() > (3600.0 - 3.0) / 60
        # What is drawn is what the chart holds, thinned as much.
        paths = re.findall(r'<path class="dots" d="([^"]*)"', plots.chart_svg(chart))
        dots = sum(d.count("M") for d in paths)
        assert dots == sum(len(s.x) for s in chart.series(svg.Dots))
    # The per-step tilt's rolling median keeps the 3.6° drift of lean over the hour.
    median = plots.plot_posture(steps).panels[0].series
    y = next(s for s in median if isinstance(s, svg.Line)).y
    y = y[np.isfinite(y)]
    assert y[0] < 8.1 and y[-1] > 11.4


def test_long_run_report_figures_are_quick() -> None:
    """All four charts of an hour in well under a second (matplotlib took 1-2 s)."""
    signals, steps = _long_run()
    start = time.perf_counter()
    charts = [plots.plot_timeline(steps), plots.plot_stride_by_side(signals, steps),
              plots.plot_posture(steps), plots.plot_left_right(steps)]
    text = "".join(plots.chart_svg(chart) for chart in charts if chart is not None)
    assert time.perf_counter() - start < 1.0  # generous: shared CI machines
    assert text.count('role="img"') == 4
