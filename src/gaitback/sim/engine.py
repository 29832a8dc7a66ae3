"""``simulate(params) -> SimResult``: physics at an internal rate, then the sensor.

See docs/simulator.md for the model. Everything is vectorised over samples; the only
Python loops run over steps.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.integrate import cumulative_trapezoid

from gaitback import schema as col
from gaitback.errors import GaitbackError
from gaitback.recording import Recording, RecordingMeta, find_gaps, write_recording
from gaitback.schema import STANDARD_GRAVITY_MPS2 as G
from gaitback.sim.forces import session_grf_bw
from gaitback.sim.gait import Timeline, build_timeline, running_steps, walking_steps
from gaitback.sim.params import SimParams
from gaitback.sim.pelvis import body_rates_dps, body_to_pelvis, pelvis_angles_deg
from gaitback.sim.sensor import band_limit, digitise, kept_samples, mount_matrix, ringing_g
from gaitback.sim.tissue import loose_mount, sacral_extra_g
from gaitback.sim.truth import TRUTH_SCHEMA, json_ready, step_truth, summary_truth
from gaitback.version import __version__

#: Minimum internal (physics) rate; it is also at least 5x the output rate.
MIN_INTERNAL_RATE_HZ = 1000.0
#: Extra physics before and after the session so the zero-phase filter has no edge.
FILTER_PAD_S = 0.5

SIGNAL_COLUMNS = (
    col.TIME, "fx_mps2", "fy_mps2", "fz_mps2", "com_z_m",
    "roll_deg", "pitch_deg", "yaw_deg", "wx_dps", "wy_dps", "wz_dps",
)


@dataclass
class SimResult:
    """A simulated session.

    Attributes
    ----------
    recording
        What the sensor wrote (lost packets absent), sidecar filled.
    truth
        The truth-file content (``gaitback-truth/1``), JSON-ready.
    signals
        True kinematics at every output sample time (lost ones included), not written
        to disk: ``time_s``; body-frame specific force of the pelvis from the GRF
        ``fx_mps2, fy_mps2, fz_mps2``; centre-of-mass height ``com_z_m`` (zero mean over
        each locomotion segment); pelvis ``roll_deg, pitch_deg, yaw_deg``; pelvis angular
        velocity in the pelvis frame ``wx_dps, wy_dps, wz_dps``.
    steps
        The true per-step table (same content as ``truth["steps"]``, unrounded).
    """

    recording: Recording
    truth: dict[str, Any]
    signals: pd.DataFrame
    steps: pd.DataFrame


def internal_rate_hz(sample_rate_hz: float) -> tuple[float, int]:
    """Internal rate and its integer ratio to the output rate."""
    ratio = math.ceil(max(MIN_INTERNAL_RATE_HZ, 5 * sample_rate_hz) / sample_rate_hz - 1e-9)
    return ratio * sample_rate_hz, ratio


def com_height_m(t_s: np.ndarray, vertical_bw: np.ndarray, timeline: Timeline) -> np.ndarray:
    """Centre-of-mass height from a = g (F - 1), per locomotion segment.

    Each step's vertical impulse is one body weight times the step, so the velocity is
    periodic by construction; the constant of integration (initial velocity and height)
    is the least-squares line removed from each segment, which also removes the tiny
    numerical residual. Standing keeps height 0.
    """
    z = np.zeros(len(t_s))
    spans = [
        (timeline.walk_start_s, timeline.run_start_s),
        (timeline.run_start_s, timeline.run_end_s),
    ]
    for start, end in spans:
        sel = np.flatnonzero((t_s >= start) & (t_s < end))
        if len(sel) < 3:
            continue
        t = t_s[sel]
        accel = G * (vertical_bw[sel] - 1.0)
        v = cumulative_trapezoid(accel, t, initial=0.0)
        pos = cumulative_trapezoid(v, t, initial=0.0)
        slope, intercept = np.polyfit(t - t[0], pos, 1)
        z[sel] = pos - (slope * (t - t[0]) + intercept)
    return z


def simulate(params: SimParams) -> SimResult:
    """Simulate one session of a sacrum IMU; see :class:`SimParams` and docs/simulator.md."""
    params = params.validated()
    fs = float(params.sample_rate_hz)
    fs_int, ratio = internal_rate_hz(fs)
    t0 = params.start_time_s
    walk_start = t0 + params.standing_before_s
    run_start = walk_start + params.walking_s
    run, run_end = running_steps(params, run_start)
    timeline = build_timeline(params, run_end)
    walk = walking_steps(params, walk_start, run_start) if params.walking_s > 0 else None

    n_out = math.floor((timeline.end_s - t0) * fs + 1e-6) + 1
    pad = round(FILTER_PAD_S * fs_int)
    j = np.arange(-pad, (n_out - 1) * ratio + 1 + pad)
    t_int = t0 + j / fs_int
    out_idx = pad + np.arange(n_out) * ratio
    t_out = t0 + np.arange(n_out) / fs

    grf = session_grf_bw(t_int, timeline, run, walk)
    angles = pelvis_angles_deg(t_int, params, timeline, run, walk)
    omega = body_rates_dps(angles, 1.0 / fs_int)
    com_z = com_height_m(t_int, grf[:, 2], timeline)
    steps = step_truth(t_int, grf, angles, com_z, run, run_end)

    # The sensor: specific force in the body frame plus what a sacral sensor adds
    # along the vertical (soft tissue, swing leg, tail, loose mount; zero net impulse
    # per step) and the clip's ringing, rotated into the pelvis and the sensor frame.
    f_body = grf * G
    f_sensed = f_body.copy()
    vertical_g = grf[:, 2] + sacral_extra_g(t_int, run, params)
    vertical_g = loose_mount(vertical_g, t_int, run, params)
    f_sensed[:, 2] = G * vertical_g
    f_sensed[:, 2] += G * ringing_g(t_int, run, steps[col.IMPACT].to_numpy(), params)
    r_mount = mount_matrix(params)
    # Row-wise R_mount^T v is v @ R_mount.
    acc = band_limit(body_to_pelvis(f_sensed, angles) @ r_mount, fs_int, params)[out_idx]
    gyr = None
    if not params.accelerometer_only:
        gyr = band_limit(omega @ r_mount, fs_int, params)[out_idx]
    acc, gyr, biases = digitise(acc, gyr, params)
    keep = kept_samples(n_out, params)

    data = {col.TIME: t_out[keep]}
    for k, name in enumerate(col.ACC):
        data[name] = acc[keep, k]
    if gyr is not None:
        for k, name in enumerate(col.GYR):
            data[name] = gyr[keep, k]
    frame = pd.DataFrame(data)
    gaps = find_gaps(t_out[keep], fs)
    lost = int(n_out - keep.sum())
    meta = RecordingMeta(
        sample_rate_hz=fs,
        axes=dict(params.axes),
        runner={"height_m": params.height_m, "leg_length_m": params.leg_length_m,
                "mass_kg": params.mass_kg},
        treadmill_speed_mps=params.treadmill_speed_mps,
        device="gaitback-sim",
        notes=params.notes or "simulated by gaitback.sim; ground truth in <stem>.truth.json",
        extra={"lost_samples": lost},
    )
    recording = Recording(data=frame, meta=meta, source="<simulated>")

    signals = pd.DataFrame(
        np.column_stack([t_out, f_body[out_idx], com_z[out_idx], angles[out_idx], omega[out_idx]]),
        columns=list(SIGNAL_COLUMNS),
    )
    running = (t_out >= timeline.run_start_s) & (t_out < timeline.run_end_s)
    in_run = (t_int >= timeline.run_start_s) & (t_int < timeline.run_end_s)
    has_gyro = gyr is not None
    summary = summary_truth(
        steps,
        timeline,
        vertical_g=grf[out_idx, 2][running],
        sample_rate_hz=fs,
        duration_s=float(t_out[keep][-1] - t_out[keep][0]),
        treadmill_speed_mps=params.treadmill_speed_mps,
        has_gyro=has_gyro,
        lost_samples=lost,
        standing=params.standing_before_s > 0 or params.standing_after_s > 0,
        obliquity_offset_deg=float(angles[in_run, 0].mean()) if in_run.any() else math.nan,
    )
    truth_steps = steps.copy()
    if not has_gyro:
        for name in col.GYRO_STEP_COLUMNS:
            truth_steps[name] = np.nan
    walking = []
    if walk is not None:
        for fs_s, side in zip(walk.foot_strike_s, walk.side, strict=True):
            if fs_s >= walk_start:
                walking.append({col.FOOT_STRIKE: fs_s, col.SIDE: "L" if side > 0 else "R"})
    truth = {
        "schema": TRUTH_SCHEMA,
        "generator": f"gaitback.sim {__version__}",
        "params": params.to_dict(),
        "faults": list(params.faults),
        "segments": timeline.segments(),
        "steps": truth_steps.to_dict(orient="records"),
        "walking_steps": walking,
        "summary": summary,
        "mount": {"axes": dict(params.axes), "misalignment_deg": list(params.misalignment_deg)},
        "sensor": biases,
        "lost_samples": lost,
        "gaps": gaps[["start_s", "end_s", "missing_samples"]].to_numpy().tolist(),
    }
    truth = json_ready(truth)
    for gap in truth["gaps"]:
        gap[2] = int(gap[2])
    return SimResult(recording=recording, truth=truth, signals=signals, steps=steps)


def truth_path(csv_path: str | os.PathLike[str]) -> Path:
    """``run.csv`` -> ``run.truth.json``."""
    p = Path(csv_path)
    return p.with_name(p.stem + ".truth.json")


def format_truth(truth: dict[str, Any]) -> str:
    """Truth JSON: one key per line, one step (or gap) per line, so files stay small and
    diff well."""
    parts = []
    for key, value in truth.items():
        if isinstance(value, list) and value and isinstance(value[0], dict | list):
            rows = ",\n  ".join(json.dumps(v, allow_nan=False) for v in value)
            text = f"[\n  {rows}\n ]"
        else:
            text = json.dumps(value, allow_nan=False, indent=1).replace("\n", "\n ")
        parts.append(f" {json.dumps(key)}: {text}")
    return "{\n" + ",\n".join(parts) + "\n}\n"


def write_simulation(result: SimResult, csv_path: str | os.PathLike[str]) -> dict[str, Path]:
    """Write the CSV and sidecar (through :mod:`gaitback.recording`) and the truth file."""
    csv_path = Path(csv_path)
    if csv_path.suffix.lower() != ".csv":
        raise GaitbackError(f"{csv_path}: the output file must end in .csv")
    try:
        write_recording(result.recording, csv_path)
        tpath = truth_path(csv_path)
        tpath.write_text(format_truth(result.truth), encoding="utf-8")
    except OSError as exc:
        raise GaitbackError(f"{csv_path}: cannot write ({exc.strerror or exc})") from None
    return {"csv": csv_path, "sidecar": csv_path.with_suffix(".json"), "truth": tpath}


def load_truth(csv_or_truth_path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a truth file given the recording's CSV path or the truth path itself."""
    p = Path(csv_or_truth_path)
    if not p.name.endswith(".truth.json"):
        p = truth_path(p)
    try:
        return json.loads(p.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise GaitbackError(f"{p}: cannot read truth file ({exc})") from None
