"""Report figures (matplotlib, Agg canvas) embedded as base64 PNG data URIs."""

from __future__ import annotations

import base64
import io

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from gaitback import schema as col

SIDE_COLOURS = {col.SIDE_LEFT: "#1f77b4", col.SIDE_RIGHT: "#d62728", col.SIDE_UNKNOWN: "#7f7f7f"}
SIDE_NAMES = {col.SIDE_LEFT: "left", col.SIDE_RIGHT: "right", col.SIDE_UNKNOWN: "unassigned"}
#: Points of the stride-normalised cycle (0-100 %).
CYCLE_POINTS = 201
#: Most points drawn per line or marker series. A figure is ~700 px wide, so more
#: points only overlap, while drawing time grows with them (a 1-hour run has
#: 720,000 samples and 10,000 steps).
MAX_DRAWN_POINTS = 3000


def _thin(n: int) -> slice:
    """Every k-th index, so that at most :data:`MAX_DRAWN_POINTS` of ``n`` are drawn."""
    return slice(None, None, max(1, -(-n // MAX_DRAWN_POINTS)))


def figure_data_uri(fig: Figure, dpi: int = 80) -> str:
    """Render ``fig`` with the Agg canvas (no display needed) to a PNG data URI."""
    FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    # Fixed margins (set per figure) instead of bbox_inches="tight": that costs a second draw.
    fig.savefig(buffer, format="png", dpi=dpi)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _column(steps: pd.DataFrame, name: str) -> np.ndarray:
    if name not in steps.columns:
        return np.full(len(steps), np.nan)
    return pd.to_numeric(steps[name], errors="coerce").to_numpy(dtype=float)


#: A typical range drawn behind a plot: (low, high), either may be None (open).
Band = tuple[float | None, float | None]


def _band(ax: Axes, band: Band | None) -> None:
    """Shade the typical range, so a value is read against it at a glance."""
    if band is None or (band[0] is None and band[1] is None):
        return
    low, high = ax.get_ylim()
    lo = band[0] if band[0] is not None else min(low, band[1] or low)
    hi = band[1] if band[1] is not None else max(high, band[0] or high)
    ax.axhspan(lo, hi, color="#2e8b57", alpha=0.10, lw=0, label="typical range")
    ax.set_ylim(low, high)


def plot_timeline(steps: pd.DataFrame, bands: dict[str, Band] | None = None) -> Figure | None:
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
    sides = steps[col.SIDE].astype(str).to_numpy() if col.SIDE in steps else None
    fig = Figure(figsize=(9, 6.5))
    axes = fig.subplots(3, 1, sharex=True)
    for ax, (values, label, name) in zip(axes, rows, strict=True):
        for side, colour in SIDE_COLOURS.items():
            mask = np.ones(len(values), bool) if sides is None else sides == side
            if mask.any():
                every = _thin(int(mask.sum()))
                ax.plot(t_min[mask][every], values[mask][every], ".", ms=3, color=colour,
                        alpha=0.5, label=SIDE_NAMES[side])
        # A rolling median shows the drift that single steps hide.
        trend = pd.Series(values).rolling(21, center=True, min_periods=5).median()
        every = _thin(len(t_min))
        ax.plot(t_min[every], trend.to_numpy()[every], "-", color="black", lw=1.2,
                label="rolling median")
        finite_values = values[np.isfinite(values)]
        if finite_values.size:
            # Robust limits: a few mis-detected steps must not squash the plot.
            lo, hi = np.percentile(finite_values, [1, 99])
            pad = 0.15 * (hi - lo) + 1e-9
            ax.set_ylim(lo - pad, hi + pad)
        _band(ax, bands.get(name))
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
    axes[0].legend(loc="upper right", fontsize=8, ncols=5)
    axes[-1].set_xlabel("time (min)")
    fig.suptitle("Step by step over the run (shaded: typical range)")
    fig.subplots_adjust(left=0.1, right=0.98, bottom=0.08, top=0.93, hspace=0.12)
    return fig


def plot_left_right(steps: pd.DataFrame) -> Figure | None:
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
    fig = Figure(figsize=(9, 3.2))
    axes = np.atleast_1d(fig.subplots(1, len(metrics)))
    for ax, (metric, label) in zip(axes, metrics, strict=True):
        values = _column(steps, metric)
        means, sds = [], []
        for side in (col.SIDE_LEFT, col.SIDE_RIGHT):
            v = values[(sides == side).to_numpy()]
            v = v[np.isfinite(v)]
            means.append(v.mean() if v.size else np.nan)
            sds.append(v.std() if v.size > 1 else 0.0)
        ax.bar([0, 1], means, yerr=sds, capsize=3,
               color=[SIDE_COLOURS[col.SIDE_LEFT], SIDE_COLOURS[col.SIDE_RIGHT]])
        ax.set_xticks([0, 1], ["L", "R"])
        ax.set_title(label, fontsize=9)
        ax.tick_params(labelsize=8)
        ax.grid(axis="y", alpha=0.3)
    fig.suptitle("Left vs right (mean ± SD per step)")
    fig.subplots_adjust(left=0.06, right=0.99, bottom=0.1, top=0.8, wspace=0.55)
    return fig


def plot_posture(steps: pd.DataFrame, lean_band: Band | None = None) -> Figure | None:
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
    sides = steps[col.SIDE].astype(str).to_numpy() if col.SIDE in steps else None
    fig = Figure(figsize=(9, 2.4 * len(rows) + 0.6))
    axes = fig.subplots(len(rows), 1, sharex=True, squeeze=False)[:, 0]
    for ax, (name, label, band) in zip(axes, rows, strict=True):
        values = _column(steps, name)
        for side, colour in SIDE_COLOURS.items():
            mask = np.ones(len(values), bool) if sides is None else sides == side
            if mask.any() and np.isfinite(values[mask]).any():
                every = _thin(int(mask.sum()))
                ax.plot(t_min[mask][every], values[mask][every], ".", ms=3, color=colour,
                        alpha=0.5, label=SIDE_NAMES[side])
                trend = pd.Series(values[mask]).rolling(21, center=True, min_periods=5).median()
                ax.plot(t_min[mask][every], trend.to_numpy()[every], "-", color=colour, lw=1.4)
        _band(ax, band)
        ax.set_ylabel(label, fontsize=9)
        ax.grid(alpha=0.3)
        ax.legend(loc="upper right", fontsize=8, ncols=4)
    axes[-1].set_xlabel("time (min)")
    fig.suptitle("Pelvis per step over the run (lines: rolling median per side)")
    fig.subplots_adjust(left=0.1, right=0.98, bottom=0.14 if len(rows) == 1 else 0.1,
                        top=0.86 if len(rows) == 1 else 0.9, hspace=0.12)
    return fig


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
    ``{signal: {side: (mean, sd)}}`` and each side's mean toe-off in %.
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
        for name in names:
            values = signals[name].to_numpy(dtype=float)
            if name == "obliquity_deg" and side == col.SIDE_RIGHT:
                values = -values
            cycles = _step_cycles(t, values, strike[pick], nxt[pick])
            out[name][side] = (cycles.mean(axis=0), cycles.std(axis=0))
    if not toe_pct:
        return None
    return np.linspace(0.0, 100.0, CYCLE_POINTS), out, toe_pct


def plot_stride_by_side(signals: pd.DataFrame, steps: pd.DataFrame) -> Figure | None:
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
    names = [n for n in curves if curves[n]]
    fig = Figure(figsize=(9, 2.0 * len(names) + 0.8))
    axes = fig.subplots(len(names), 1, sharex=True, squeeze=False)[:, 0]
    for ax, name in zip(axes, names, strict=True):
        for side, (mean, sd) in curves[name].items():
            colour = SIDE_COLOURS[side]
            ax.fill_between(cycle, mean - sd, mean + sd, color=colour, alpha=0.15, lw=0)
            ax.plot(cycle, mean, color=colour, lw=1.5, label=f"{SIDE_NAMES[side]} step")
            ax.axvline(toe_pct[side], color=colour, ls="--", lw=1)
        ax.set_ylabel(labels[name], fontsize=9)
        ax.grid(alpha=0.3)
    axes[0].legend(loc="upper right", fontsize=8, ncols=2)
    axes[-1].set_xlabel("% of step, from foot strike to the next foot strike (dashed: toe-off)")
    fig.suptitle("Over the step, left vs right (mean ± SD)")
    fig.subplots_adjust(left=0.13, right=0.98, bottom=0.1, top=0.92, hspace=0.14)
    return fig


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


def plot_stride_average(signals: pd.DataFrame, steps: pd.DataFrame) -> Figure | None:
    """Mean vertical and forward acceleration over a stride, foot strikes and toe-offs marked."""
    avg = stride_average(signals, steps)
    if avg is None:
        return None
    cycle, curves, events = avg
    sides = steps[col.SIDE].astype(str) if col.SIDE in steps else pd.Series(dtype=str)
    first = "left" if (sides == col.SIDE_LEFT).sum() >= 2 else "first"
    second = "right" if first == "left" else "second"
    fig = Figure(figsize=(9, 4.5))
    axes = fig.subplots(2, 1, sharex=True)
    labels = {"vertical_g": "vertical (g)", "forward_g": "forward (g)"}
    for ax, (name, values) in zip(axes, curves.items(), strict=True):
        ax.plot(cycle, values, color="black", lw=1.5)
        ax.set_ylabel(labels[name])
        ax.grid(alpha=0.3)
        marks = [
            (0.0, f"{first} strike", "#2ca02c", "-"),
            (events["toe-off"], f"{first} toe-off", "#2ca02c", "--"),
            (events["other foot strike"], f"{second} strike", "#9467bd", "-"),
            (events["other toe-off"], f"{second} toe-off", "#9467bd", "--"),
        ]
        for x, label, colour, style in marks:
            if np.isfinite(x):
                ax.axvline(x, color=colour, ls=style, lw=1, label=label)
    axes[0].legend(loc="upper right", fontsize=8, ncols=4)
    axes[-1].set_xlabel("% of stride")
    fig.suptitle("Average stride: sacral acceleration with foot strike and toe-off")
    fig.subplots_adjust(left=0.1, right=0.98, bottom=0.11, top=0.9, hspace=0.12)
    return fig
