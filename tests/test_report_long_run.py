"""Report plots of a long run draw a bounded number of points and still span the run."""

from __future__ import annotations

import numpy as np
import pandas as pd

from gaitback import schema as col
from gaitback.present import plots


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
    for fig in (plots.plot_timeline(steps), plots.plot_posture(steps)):
        lines = [line for ax in fig.axes for line in ax.get_lines()]
        assert lines
        for line in lines:
            x = np.asarray(line.get_xdata(), dtype=float)
            assert len(x) <= plots.MAX_DRAWN_POINTS
            assert x.min() < 2.0 / 60 and x.max() > (3600.0 - 3.0) / 60  # first to last minute
    # The per-step tilt's rolling median keeps the 3.6° drift of lean over the hour.
    median = plots.plot_posture(steps).axes[0].get_lines()[1]
    y = np.asarray(median.get_ydata(), dtype=float)
    y = y[np.isfinite(y)]
    assert y[0] < 8.1 and y[-1] > 11.4
