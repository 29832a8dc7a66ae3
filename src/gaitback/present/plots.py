"""Report figures as chart data (:mod:`gaitback.present.svg`), drawn as inline SVG.

Each ``plot_*`` function returns a :class:`~gaitback.present.svg.Chart` (or ``None`` when
there is nothing to draw): the series it holds are the arrays that are drawn, so tests can
check them; :func:`chart_svg` renders one. No plotting library is imported: matplotlib
alone took longer to import than a 1-hour run takes to analyse.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gaitback import schema as col
from gaitback.present.chart import Bars, Chart, Dots, Fill, HBand, Line, Panel, Series, VLine
from gaitback.present.svg import chart_svg

__all__ = [
    "CYCLE_POINTS",
    "MAX_DRAWN_POINTS",
    "SIDE_COLOURS",
    "SIDE_NAMES",
    "Band",
    "chart_svg",
    "plot_left_right",
    "plot_posture",
    "plot_stride_average",
    "plot_stride_by_side",
    "plot_timeline",
    "stride_average",
    "stride_by_side",
]

SIDE_COLOURS = {col.SIDE_LEFT: "#1f77b4", col.SIDE_RIGHT: "#d62728", col.SIDE_UNKNOWN: "#7f7f7f"}
SIDE_NAMES = {col.SIDE_LEFT: "left", col.SIDE_RIGHT: "right", col.SIDE_UNKNOWN: "unassigned"}
#: Points of the stride-normalised cycle (0-100 %).
CYCLE_POINTS = 201
#: Most points drawn per line or dot series. A figure is ~900 px wide, so more points
#: only overlap, while the report grows with them (a 1-hour run has 720,000 samples and
#: 10,000 steps).
MAX_DRAWN_POINTS = 3000
#: Most steps a side averaged over the step cycle (evenly spaced over the run).
MAX_CYCLES = 1000


def thin_every(n: int) -> slice:
    """Every k-th index, so that at most :data:`MAX_DRAWN_POINTS` of ``n`` are drawn."""
    return slice(None, None, max(1, -(-n // MAX_DRAWN_POINTS)))


def _column(steps: pd.DataFrame, name: str) -> np.ndarray:
    if name not in steps.columns:
        return np.full(len(steps), np.nan)
    return pd.to_numeric(steps[name], errors="coerce").to_numpy(dtype=float)


#: A typical range drawn behind a plot: (low, high), either may be None (open).
Band = tuple[float | None, float | None]


def _band(band: Band | None) -> list[HBand]:
    """The typical range shaded behind a plot, so a value is read against it at a glance."""
    if band is None or (band[0] is None and band[1] is None):
        return []
    return [HBand(band[0], band[1])]


def _rolling_median(values: np.ndarray) -> np.ndarray:
    """Median of 21 steps around each step: it shows the drift that single steps hide."""
    return pd.Series(values).rolling(21, center=True, min_periods=5).median().to_numpy()


def _side_masks(steps: pd.DataFrame, n: int) -> list[tuple[str, np.ndarray]]:
    sides = steps[col.SIDE].astype(str).to_numpy() if col.SIDE in steps else None
    return [(side, np.ones(n, bool) if sides is None else sides == side) for side in SIDE_COLOURS]


def plot_timeline(steps: pd.DataFrame, bands: dict[str, Band] | None = None) -> Chart | None:
    """Per-step cadence, contact time and impact over the run, coloured by side.

    ``bands`` maps ``cadence``, ``contact`` and ``impact`` to their typical ranges.
    """
    if steps.empty:
        return None
    bands = bands or {}
    t_min = _column(steps, col.FOOT_STRIKE) / 60.0
    step_ms = _column(steps, col.STEP_TIME)
    with np.errstate(divide="ignore", invalid="ignore"):
        cadence = np.where(step_ms > 0, 60000.0 / step_ms, np.nan)
    rows = [
        (cadence, "cadence (steps/min)", "cadence"),
        (_column(steps, col.CONTACT), "contact (ms)", "contact"),
        (_column(steps, col.IMPACT), "peak force (BW)", "impact"),
    ]
    masks = _side_masks(steps, len(steps))
    panels = []
    for values, label, name in rows:
        series: list[Series] = _band(bands.get(name))
        for side, mask in masks:
            if mask.any():
                every = thin_every(int(mask.sum()))
                series.append(Dots(t_min[mask][every], values[mask][every], SIDE_COLOURS[side],
                                   label=SIDE_NAMES[side]))
        every = thin_every(len(t_min))
        series.append(Line(t_min[every], _rolling_median(values)[every], "black", width=1.2,
                           label="rolling median"))
        ylim = None
        finite_values = values[np.isfinite(values)]
        if finite_values.size:
            # Robust limits: a few mis-detected steps must not squash the plot.
            lo, hi = np.percentile(finite_values, [1, 99])
            pad = 0.15 * (hi - lo) + 1e-9
            ylim = (float(lo - pad), float(hi + pad))
        panels.append(Panel(series, ylabel=label, ylim=ylim))
    return Chart("Step by step over the run (shaded: typical range)", panels,
                 xlabel="time (min)", panel_height=140.0)


def plot_left_right(steps: pd.DataFrame) -> Chart | None:
    """Left vs right means (with standard deviations) of the per-step metrics."""
    if col.SIDE not in steps.columns:
        return None
    sides = steps[col.SIDE].astype(str)
    if not (sides == col.SIDE_LEFT).any() or not (sides == col.SIDE_RIGHT).any():
        return None
    metrics = [
        (col.CONTACT, "contact (ms)"),
        (col.FLIGHT, "flight (ms)"),
        (col.IMPACT, "peak force (BW)"),
        (col.BRAKING, "braking (g)"),
        (col.LOADING_RATE, "loading rate (g/s)"),
        (col.PELVIC_DROP, "pelvic drop (°)"),
    ]
    metrics = [(m, label) for m, label in metrics if np.isfinite(_column(steps, m)).any()]
    colours = (SIDE_COLOURS[col.SIDE_LEFT], SIDE_COLOURS[col.SIDE_RIGHT])
    panels = []
    for metric, label in metrics:
        values = _column(steps, metric)
        means, sds = [], []
        for side in (col.SIDE_LEFT, col.SIDE_RIGHT):
            v = values[(sides == side).to_numpy()]
            v = v[np.isfinite(v)]
            means.append(v.mean() if v.size else np.nan)
            sds.append(v.std() if v.size > 1 else 0.0)
        panels.append(Panel([Bars([0, 1], means, colours, error=sds)], title=label,
                            xlim=(-0.6, 1.6), xticks=((0.0, "L"), (1.0, "R"))))
    return Chart("Left vs right (mean ± SD per step)", panels, row=True, panel_height=150.0,
                 legend=False)


def plot_posture(steps: pd.DataFrame, lean_band: Band | None = None) -> Chart | None:
    """Forward tilt and pelvic drop per step over the run, with a rolling median.

    Per-step values instead of the raw angle signal: the raw signal swings every step and
    turns into a solid band after a few minutes.
    """
    rows = [
        (col.FORWARD_LEAN, "forward tilt (°)", lean_band),
        (col.PELVIC_DROP, "pelvic drop (°)", None),
    ]
    rows = [r for r in rows if np.isfinite(_column(steps, r[0])).any()]
    if steps.empty or not rows:
        return None
    t_min = _column(steps, col.FOOT_STRIKE) / 60.0
    masks = _side_masks(steps, len(steps))
    panels = []
    for name, label, band in rows:
        values = _column(steps, name)
        series: list[Series] = _band(band)
        for side, mask in masks:
            if mask.any() and np.isfinite(values[mask]).any():
                every = thin_every(int(mask.sum()))
                colour = SIDE_COLOURS[side]
                series.append(Dots(t_min[mask][every], values[mask][every], colour,
                                   label=SIDE_NAMES[side]))
                trend = _rolling_median(values[mask])
                series.append(Line(t_min[mask][every], trend[every], colour, width=1.4))
        panels.append(Panel(series, ylabel=label))
    return Chart("Pelvis per step over the run (lines: rolling median per side)", panels,
                 xlabel="time (min)", panel_height=150.0)


def _step_cycles(
    t: np.ndarray, values: np.ndarray, strike: np.ndarray, nxt: np.ndarray
) -> np.ndarray:
    """Each step from its foot strike to the next, resampled to 0-100 % (rows)."""
    phase = np.linspace(0.0, 1.0, CYCLE_POINTS)
    grid = strike[:, None] + (nxt - strike)[:, None] * phase[None, :]
    good = np.isfinite(values)
    return np.interp(grid.ravel(), t[good], values[good]).reshape(grid.shape)


#: ``{signal: {side: (mean, sd)}}`` over the normalised step.
SideCurves = dict[str, dict[str, tuple[np.ndarray, np.ndarray]]]


def stride_by_side(
    signals: pd.DataFrame, steps: pd.DataFrame
) -> tuple[np.ndarray, SideCurves, dict[str, float]] | None:
    """Time-normalised step cycles per side, as a gait lab shows them: mean and SD.

    Each left and each right step runs from its foot strike (0 %) to the next foot strike
    (100 %). Pelvic obliquity is turned into the drop of the other side (positive = the
    swing side lower) so both sides read the same way. Returns the cycle axis in %,
    ``{signal: {side: (mean, sd)}}`` and each side's mean toe-off in %. Past
    :data:`MAX_CYCLES` steps a side, the curves average that many, evenly spaced.
    """
    if steps.empty or col.SIDE not in steps.columns or col.TIME not in signals.columns:
        return None
    sides = steps[col.SIDE].astype(str).to_numpy()
    strike = _column(steps, col.FOOT_STRIKE)
    toe = _column(steps, col.TOE_OFF)
    nxt = np.append(strike[1:], np.nan)
    step = nxt - strike
    ok = np.isfinite(step) & (step > 0)
    if ok.any():
        ok &= step < 1.5 * np.nanmedian(step[ok])
    t = signals[col.TIME].to_numpy(dtype=float)
    names = [n for n in ("obliquity_deg", "vertical_g", "forward_g")
             if n in signals.columns and np.isfinite(signals[n].to_numpy(dtype=float)).any()]
    out: SideCurves = {n: {} for n in names}
    toe_pct: dict[str, float] = {}
    for side in (col.SIDE_LEFT, col.SIDE_RIGHT):
        pick = ok & (sides == side)
        if pick.sum() < 3:
            continue
        toe_pct[side] = float(np.nanmean((toe[pick] - strike[pick]) / step[pick]) * 100)
        chosen = np.flatnonzero(pick)
        if len(chosen) > MAX_CYCLES:
            # Evenly spaced over the run: the mean and spread of an hour's 5,000
            # steps a side are those of 1,000 of them, at a fifth of the cost.
            chosen = chosen[np.linspace(0, len(chosen) - 1, MAX_CYCLES).round().astype(int)]
        for name in names:
            values = signals[name].to_numpy(dtype=float)
            if name == "obliquity_deg" and side == col.SIDE_RIGHT:
                values = -values
            cycles = _step_cycles(t, values, strike[chosen], nxt[chosen])
            out[name][side] = (cycles.mean(axis=0), cycles.std(axis=0))
    if not toe_pct:
        return None
    return np.linspace(0.0, 100.0, CYCLE_POINTS), out, toe_pct


def plot_stride_by_side(signals: pd.DataFrame, steps: pd.DataFrame) -> Chart | None:
    """Pelvic drop and sacral accelerations over the step, left vs right, mean ± SD."""
    avg = stride_by_side(signals, steps)
    if avg is None:
        return None
    cycle, curves, toe_pct = avg
    labels = {
        "obliquity_deg": "pelvic drop of\nthe swing side (°)",
        "vertical_g": "vertical\nacceleration (g)",
        "forward_g": "forward\nacceleration (g)",
    }
    panels = []
    for name in (n for n in curves if curves[n]):
        series: list[Series] = []
        for side, (mean, sd) in curves[name].items():
            colour = SIDE_COLOURS[side]
            series.append(Fill(cycle, mean - sd, mean + sd, colour, opacity=0.15))
            series.append(Line(cycle, mean, colour, width=1.5, label=f"{SIDE_NAMES[side]} step"))
            series.append(VLine(toe_pct[side], colour, dashed=True))
        panels.append(Panel(series, ylabel=labels[name]))
    return Chart("Over the step, left vs right (mean ± SD)", panels,
                 xlabel="% of step, from foot strike to the next foot strike (dashed: toe-off)",
                 panel_height=125.0)


def stride_average(
    signals: pd.DataFrame, steps: pd.DataFrame
) -> tuple[np.ndarray, dict[str, np.ndarray], dict[str, float]] | None:
    """Stride-normalised mean of the body-frame accelerations.

    Strides run from one left foot strike to the next (every other step when sides are
    unknown). Returns the cycle axis in %, mean curves per signal, and event positions in
    % of the stride (own foot strike is 0 %).
    """
    needed = {col.TIME, "vertical_g", "forward_g"}
    if steps.empty or not needed <= set(signals.columns):
        return None
    strike = _column(steps, col.FOOT_STRIKE)
    toe = _column(steps, col.TOE_OFF)
    sides = steps[col.SIDE].astype(str).to_numpy() if col.SIDE in steps else None
    if sides is not None and (sides == col.SIDE_LEFT).sum() >= 2:
        idx = np.flatnonzero(sides == col.SIDE_LEFT)
    else:
        idx = np.arange(0, len(steps), 2)
    idx = idx[idx + 2 < len(steps)]
    start, end = strike[idx], strike[idx + 2]
    duration = end - start
    ok = np.isfinite(duration) & (duration > 0)
    # Strides over a gap or a pause are not strides.
    if ok.any():
        ok &= duration < 1.5 * np.nanmedian(duration[ok])
    idx, start, duration = idx[ok], start[ok], duration[ok]
    if idx.size == 0:
        return None
    phase = np.linspace(0.0, 1.0, CYCLE_POINTS)
    grid = start[:, None] + duration[:, None] * phase[None, :]
    t = signals[col.TIME].to_numpy(dtype=float)
    curves = {}
    for name in ("vertical_g", "forward_g"):
        values = signals[name].to_numpy(dtype=float)
        good = np.isfinite(values)
        curves[name] = np.interp(grid.ravel(), t[good], values[good]).reshape(grid.shape).mean(0)
    events = {
        "toe-off": float(np.nanmean((toe[idx] - start) / duration) * 100),
        "other foot strike": float(np.nanmean((strike[idx + 1] - start) / duration) * 100),
        "other toe-off": float(np.nanmean((toe[idx + 1] - start) / duration) * 100),
    }
    return phase * 100.0, curves, events


def plot_stride_average(signals: pd.DataFrame, steps: pd.DataFrame) -> Chart | None:
    """Mean vertical and forward acceleration over a stride, foot strikes and toe-offs marked."""
    avg = stride_average(signals, steps)
    if avg is None:
        return None
    cycle, curves, events = avg
    sides = steps[col.SIDE].astype(str) if col.SIDE in steps else pd.Series(dtype=str)
    first = "left" if (sides == col.SIDE_LEFT).sum() >= 2 else "first"
    second = "right" if first == "left" else "second"
    marks = [
        (0.0, f"{first} strike", "#2ca02c", False),
        (events["toe-off"], f"{first} toe-off", "#2ca02c", True),
        (events["other foot strike"], f"{second} strike", "#9467bd", False),
        (events["other toe-off"], f"{second} toe-off", "#9467bd", True),
    ]
    labels = {"vertical_g": "vertical (g)", "forward_g": "forward (g)"}
    panels = []
    for name, values in curves.items():
        series: list[Series] = [Line(cycle, values, "black", width=1.5)]
        series += [VLine(x, colour, dashed=dashed, label=label)
                   for x, label, colour, dashed in marks if np.isfinite(x)]
        panels.append(Panel(series, ylabel=labels[name]))
    return Chart("Average stride: sacral acceleration with foot strike and toe-off", panels,
                 xlabel="% of stride", panel_height=130.0)
