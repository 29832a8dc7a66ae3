"""``gait_process``: the one pure entry point chaining the signal core.

recording -> uniform grid -> activity -> orientation / body signals
(:class:`gaitback.core.signals.BodySignals`) -> steps -> per-step metrics -> summary.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from gaitback import schema as col
from gaitback.core.activity import ActivityParams, activity_segments
from gaitback.core.conditioning import lowpass, signals_uniform
from gaitback.core.events import EventParams, StepEvents, sides_assign, steps_detect
from gaitback.core.metrics import (
    pelvic_level_summary,
    step_regularity,
    step_table,
    summary_compute,
)
from gaitback.core.orientation import Orientation, orientation_estimate
from gaitback.core.plausibility import plausibility_check
from gaitback.core.result import AnalysisResult
from gaitback.core.signals import SIDE_CUTOFF_HZ, Stances, body_signals
from gaitback.errors import GaitbackError
from gaitback.recording import Recording
from gaitback.schema import STANDARD_GRAVITY_MPS2 as G

Progress = Callable[[str, float], None]

#: Running is searched for steps this many seconds at a time (see
#: :func:`_segment_steps`): ten minutes hold ~1800 steps.
DETECT_WINDOW_S = 600.0

#: How far each detection window reaches into its neighbours, s: a stance, the
#: flight before it and the filters' settling take under 2 s.
DETECT_MARGIN_S = 10.0


def gait_process(
    rec: Recording,
    speed_mps: float | None = None,
    height_m: float | None = None,
    progress: Progress | None = None,
    activity_params: ActivityParams = ActivityParams(),  # noqa: B008
    event_params: EventParams = EventParams(),  # noqa: B008
) -> AnalysisResult:
    """Analyse a running recording: the pure signal-core pipeline.

    No file is read or written and ``rec`` is left untouched: overrides go
    into a copy of its metadata, which the result carries.

    Parameters
    ----------
    rec
        The recording (see :func:`gaitback.analyze` to load one from a file).
    speed_mps
        Treadmill speed; overrides the sidecar's ``treadmill_speed_mps``.
    height_m
        Runner height; overrides the sidecar's ``runner.height_m``.
    progress
        Called as ``progress(stage, fraction_done)``.
    activity_params, event_params
        Algorithm parameters (documented on their classes).

    Returns
    -------
    AnalysisResult
        Steps, summary, segments and body-frame signals. A recording without
        running gives an empty, well-formed result and a warning.
    """
    report = progress or (lambda stage, frac: None)
    meta = dataclasses.replace(rec.meta, runner=dict(rec.meta.runner), extra=dict(rec.meta.extra))
    if speed_mps is not None:
        if not speed_mps > 0:
            raise GaitbackError(f"speed must be positive, got {speed_mps}")
        meta.treadmill_speed_mps = float(speed_mps)
    if height_m is not None:
        if not 0.5 < height_m < 2.5:
            raise GaitbackError(f"height must be in metres (0.5-2.5), got {height_m}")
        meta.runner["height_m"] = float(height_m)
    rec = dataclasses.replace(rec, meta=meta)
    report("conditioning", 0.1)
    checked = plausibility_check(rec)
    warnings: list[str] = list(checked.warnings)
    uni = signals_uniform(checked.recording)
    fs = uni.sample_rate_hz
    t = uni.time_s

    report("activity", 0.2)
    segments = activity_segments(t, uni.acc_mps2, uni.gyr_dps, fs, uni.blocks, activity_params)
    running = _mask(segments, col.RUNNING, len(t))
    standing = _mask(segments, col.STANDING, len(t))

    report("orientation", 0.35)
    has_gyro = uni.gyr_dps is not None
    orient = orientation_estimate(
        uni.acc_mps2, uni.gyr_dps, fs, uni.blocks, running, standing, meta.axes
    )
    body = orient.to_body(uni.acc_mps2)
    body /= G
    forward_g, lateral_g, vertical_g = body[:, 0], body[:, 1], body[:, 2]
    lateral_known = _lateral_observable(orient, uni.dead_axes)
    # The sensor-frame samples and the rotations are spent: only angles go on.
    lean_deg = orient.lean_deg
    obliquity_deg, rotation_deg = orient.obliquity_deg, orient.rotation_deg
    reference, heading_source = orient.reference, orient.heading_source
    blocks, bridged = uni.blocks, uni.bridged
    del orient, uni
    if heading_source == "uncertain":
        warnings.append(
            "forward direction uncertain (weak braking signature, no sidecar axes): "
            "lean and pelvic angles may be wrong; declare the mount with --axes"
        )
    if not has_gyro and not checked.gyro_ignored:
        warnings.append("no gyroscope: pelvic drop and rotation are not measured")
    elif not lateral_known:
        warnings.append("no lateral accelerometer axis: sides come from the gyroscope alone")
    if not has_gyro:
        warnings.append(
            "no gyroscope: left and right steps cannot be told apart "
            "(asymmetry is reported between alternate steps)"
        )

    report("events", 0.6)
    signals = body_signals(
        t,
        fs,
        vertical_g,
        forward_g,
        event_params.edge_cutoff_hz,
        lean_deg=lean_deg,
        obliquity_deg=obliquity_deg if has_gyro else None,
        rotation_deg=rotation_deg if has_gyro else None,
    )
    strikes, toe_offs, seg_end, active_peaks = [], [], [], []
    block_starts = {start for start, _ in blocks}
    for row in segments.itertuples():
        if row.activity != col.RUNNING:
            continue
        for ev in _segment_steps(
            t,
            vertical_g,
            signals.vertical_edge_g,
            bridged,
            fs,
            event_params,
            row.start_idx,
            row.stop_idx,
            row.start_idx in block_starts,
        ):
            strikes.append(ev.foot_strike_s)
            toe_offs.append(ev.toe_off_s)
            active_peaks.append(ev.active_peak_g)
            seg_end.append(np.full(len(ev.foot_strike_s), t[row.stop_idx - 1]))
    foot_strike = np.concatenate(strikes) if strikes else np.array([])
    toe_off = np.concatenate(toe_offs) if toe_offs else np.array([])
    segment_end = np.concatenate(seg_end) if seg_end else np.array([])
    active_peak = np.concatenate(active_peaks) if active_peaks else np.array([])
    # Without a gyroscope the lateral signal mixes the medial push of the stance
    # foot (-y on a left stance) with gravity leaking through the pelvic tilt
    # (+y on a left stance): comparable sizes, opposite signs, so no side.
    sides = (
        sides_assign(
            foot_strike,
            toe_off,
            t,
            lowpass(lateral_g, SIDE_CUTOFF_HZ, fs) if lateral_known else None,
            obliquity_deg,
        )
        if has_gyro
        else np.full(len(foot_strike), col.SIDE_UNKNOWN, dtype=object)
    )

    report("metrics", 0.8)
    stances = Stances(foot_strike, toe_off, sides, segment_end, active_peak)
    steps = step_table(signals, stances)
    # Only the peak signal goes on (regularity): the others' 12 MB an hour are
    # free for what follows instead of adding to the peak.
    vertical_peak_g = signals.vertical_peak_g
    del signals
    running_s = float(
        sum(r.end_s - r.start_s for r in segments.itertuples() if r.activity == col.RUNNING)
    )
    if len(steps) == 0:
        warnings.append("no running found in this recording: no steps, no running metrics")
    extra: dict[str, Any] = {
        "lean_reference": reference,
        "heading_source": heading_source,
        "sample_rate_hz": fs,
        # Dropped implausible samples are lost samples too (at the edges as well).
        "lost_samples": int(rec.lost_samples) + checked.dropped_samples,
        "has_gyro": has_gyro,
        # A steady side tilt while running: camber, or a one-sided posture.
        "obliquity_offset_deg": (
            float(np.mean(obliquity_deg[running])) if has_gyro and running.any() else None
        ),
        "step_regularity": None,
        "stride_regularity": None,
    }
    if has_gyro:
        extra.update(pelvic_level_summary(t, obliquity_deg, stances))
    if len(steps):
        runs = [
            vertical_peak_g[r.start_idx : r.stop_idx]
            for r in segments.itertuples()
            if r.activity == col.RUNNING
        ]
        longest = max(runs, key=len)
        extra["step_regularity"], extra["stride_regularity"] = step_regularity(
            longest, steps[col.STEP_TIME].to_numpy(float), fs
        )
    summary = summary_compute(
        steps, float(t[-1] - t[0]), running_s, meta.treadmill_speed_mps, extra
    )
    del vertical_peak_g  # filtered: the traces below are the raw body signals
    traces: dict[str, Any] = {
        "vertical_g": vertical_g,
        "forward_g": forward_g,
        "lateral_g": lateral_g,
        "lean_deg": lean_deg,
        "obliquity_deg": obliquity_deg if has_gyro else np.nan,
        "rotation_deg": rotation_deg if has_gyro else np.nan,
    }
    # Plots must not show the interpolation across long gaps as data. These
    # arrays are this function's own and spent: marked in place, and the frame
    # takes them without a copy (an hour's seven columns are 40 MB).
    in_gap = np.ones(len(t), bool)
    for start, stop in blocks:
        in_gap[start:stop] = False
    if in_gap.any():
        for values in traces.values():
            if isinstance(values, np.ndarray):
                values[in_gap] = np.nan
    plotted = pd.DataFrame({col.TIME: t, **traces}, copy=False)
    report("done", 1.0)
    return AnalysisResult(
        steps=steps,
        summary=summary,
        segments=segments[["start_s", "end_s", "activity"]].copy(),
        signals=plotted,
        recording=rec,
        warnings=warnings,
    )


def _mask(segments: pd.DataFrame, activity: str, n: int) -> np.ndarray:
    mask = np.zeros(n, bool)
    for row in segments.itertuples():
        if row.activity == activity:
            mask[row.start_idx : row.stop_idx] = True
    return mask


def _lateral_observable(orient: Orientation, dead_axes: tuple[int, ...]) -> bool:
    """Whether the body's lateral axis is seen by live sensor axes.

    A recording whose lateral column is all zeros (e.g. a two-axis export)
    carries no lateral information, whatever the rotation says.
    """
    if not dead_axes:
        return True
    lateral_in_sensor = orient.body_axis_in_sensor(1, orient.n_samples // 2)
    live = [j for j in range(3) if j not in dead_axes]
    return float(np.linalg.norm(lateral_in_sensor[live])) > 0.7


def _segment_steps(
    t: np.ndarray,
    vertical_g: np.ndarray,
    edge_g: np.ndarray,
    bridged: np.ndarray,
    fs: float,
    params: EventParams,
    start: int,
    stop: int,
    cut_start: bool,
) -> list[StepEvents]:
    """Steps of one running segment, detected :data:`DETECT_WINDOW_S` at a time.

    Detection holds several full-length temporaries (filters, per-step
    windows); an hour's run in one piece made it the analysis's memory peak.
    Each window reaches :data:`DETECT_MARGIN_S` into its neighbours, far more
    than a stance plus the flight before it and the filters' settling, and
    keeps only the stances whose strike falls in its own stretch.
    """
    width = max(1, int(DETECT_WINDOW_S * fs))
    margin = int(DETECT_MARGIN_S * fs)
    if stop - start <= width + 2 * margin:
        width = stop - start  # one window: the usual case
    found = []
    for core in range(start, stop, width):
        lo, hi = max(start, core - margin), min(stop, core + width + margin)
        sl = slice(lo, hi)
        ev = steps_detect(
            t[sl],
            vertical_g[sl],
            fs,
            params,
            bridged[sl],
            edge_g[sl],
            cut_start=cut_start and lo == start,
        )
        last = core + width >= stop
        keep = (ev.foot_strike_s >= t[core]) & (
            last | (ev.foot_strike_s < t[min(core + width, stop - 1)])
        )
        found.append(
            StepEvents(
                ev.foot_strike_s[keep],
                ev.toe_off_s[keep],
                ev.peak_idx[keep] + lo,
                ev.active_peak_g[keep],
            )
        )
    return found
