"""Report figures (matplotlib, Agg canvas) embedded as base64 PNG data URIs."""

from __future__ import annotations

import base64
import io

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from gaitback import columns as col

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


def plot_timeline(steps: pd.DataFrame) -> Figure | None:
    """Per-step cadence, contact time and impact over the run, coloured by side."""
    if steps.empty:
        return None
    t_min = _column(steps, col.FOOT_STRIKE) / 60.0
    step_ms = _column(steps, col.STEP_TIME)
    with np.errstate(divide="ignore", invalid="ignore"):
        cadence = np.where(step_ms > 0, 60000.0 / step_ms, np.nan)
    rows = [
        (cadence, "cadence (steps/min)"),
        (_column(steps, col.CONTACT), "contact (ms)"),
        (_column(steps, col.IMPACT), "impact (g)"),
    ]
    sides = steps[col.SIDE].astype(str).to_numpy() if col.SIDE in steps else None
    fig = Figure(figsize=(9, 6.5))
    axes = fig.subplots(3, 1, sharex=True)
    for ax, (values, label) in zip(axes, rows, strict=True):
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
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
    axes[0].legend(loc="upper right", fontsize=8, ncols=4)
    axes[-1].set_xlabel("time (min)")
    fig.suptitle("Step by step over the run")
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
        (col.IMPACT, "impact (g)"),
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


def plot_posture(signals: pd.DataFrame, steps: pd.DataFrame) -> Figure | None:
    """Forward lean and pelvic obliquity over the run (needs the gyro-based angles)."""
    have = [
        c
        for c in ("lean_deg", "obliquity_deg")
        if c in signals.columns and np.isfinite(signals[c].to_numpy(dtype=float)).any()
    ]
    if col.TIME not in signals.columns or not have:
        return None
    t = signals[col.TIME].to_numpy(dtype=float)
    fig = Figure(figsize=(9, 4.5))
    axes = fig.subplots(len(have), 1, sharex=True, squeeze=False)[:, 0]
    # A one-second moving mean keeps the drift and hides the per-step swing.
    dt = np.nanmedian(np.diff(t)) if t.size > 1 else 1.0
    window = max(1, round(1.0 / dt)) if np.isfinite(dt) and dt > 0 else 1
    labels = {"lean_deg": "forward lean (°)", "obliquity_deg": "obliquity (°, + = left high)"}
    for ax, name in zip(axes, have, strict=True):
        values = signals[name].astype(float)
        # Every few samples is enough for the grey band and the 1-s mean.
        every = _thin(len(t))
        ax.plot(t[every] / 60.0, values.to_numpy()[every], color="#bbbbbb", lw=0.5,
                label="raw")
        smooth = values.rolling(window, center=True, min_periods=1).mean().to_numpy()
        ax.plot(t[every] / 60.0, smooth[every], color="black", lw=1.2, label="1 s mean")
        if name == "lean_deg" and col.FORWARD_LEAN in steps.columns:
            by_step = _thin(len(steps))
            ax.plot(_column(steps, col.FOOT_STRIKE)[by_step] / 60.0,
                    _column(steps, col.FORWARD_LEAN)[by_step],
                    ".", ms=3, color="#2ca02c", label="per-step stance mean")
        ax.set_ylabel(labels[name], fontsize=9)
        ax.grid(alpha=0.3)
        ax.legend(loc="upper right", fontsize=8, ncols=3)
    axes[-1].set_xlabel("time (min)")
    fig.suptitle("Pelvis posture over the run")
    fig.subplots_adjust(left=0.1, right=0.98, bottom=0.11, top=0.9, hspace=0.12)
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
