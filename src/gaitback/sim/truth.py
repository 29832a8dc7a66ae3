"""Ground truth: per-step metrics and the session summary, by the definitions in
docs/architecture.md, computed from the true GRF and the true pelvis kinematics."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from gaitback import schema as col
from gaitback.sim.gait import RunSteps, Timeline

TRUTH_SCHEMA = "gaitback-truth/1"


def step_truth(
    t_s: np.ndarray,
    grf_bw: np.ndarray,
    angles_deg: np.ndarray,
    com_z_m: np.ndarray,
    run: RunSteps,
    run_end_s: float,
) -> pd.DataFrame:
    """One row per running step, columns ``gaitback.schema.STEP_COLUMNS``.

    ``t_s`` is the internal (>= 1 kHz) grid the other arrays are sampled on.
    """
    n = run.n
    fs = run.foot_strike_s
    to = run.toe_off_s
    nxt = np.append(fs[1:], run_end_s)
    j_fs = np.searchsorted(t_s, fs)
    j_to = np.searchsorted(t_s, to)
    j_next = np.searchsorted(t_s, nxt)
    last = np.arange(n) == n - 1
    impact = np.empty(n)
    braking = np.empty(n)
    lean = np.empty(n)
    drop = np.empty(n)
    rotation = np.empty(n)
    oscillation = np.empty(n)
    loading = np.empty(n)
    fz, fx = grf_bw[:, 2], grf_bw[:, 0]
    roll, pitch, yaw = angles_deg.T
    # One pass per step (a few thousand at most); each is a handful of slice reductions.
    for i in range(n):
        stance = slice(j_fs[i], j_to[i])
        window = slice(j_fs[i], j_next[i] + 1)
        impact[i] = fz[stance].max()
        braking[i] = max(0.0, float(-fx[stance].min()))
        lean[i] = pitch[stance].mean()
        drop[i] = (run.side[i] * roll[stance]).max()
        rotation[i] = np.ptp(yaw[window])
        # The bounce: height relative to the straight line joining the two foot
        # strikes, so slow step-to-step height changes do not count (docs/architecture.md).
        z = com_z_m[window]
        oscillation[i] = 100 * np.ptp(z - np.linspace(z[0], z[-1], len(z)))
        loading[i] = loading_rate_gps(t_s[stance], fz[stance])
    flight = np.where(last, np.nan, nxt - to) * 1000
    step = np.where(last, np.nan, nxt - fs) * 1000
    frame = pd.DataFrame(
        {
            col.FOOT_STRIKE: fs,
            col.TOE_OFF: to,
            col.SIDE: np.where(run.side > 0, col.SIDE_LEFT, col.SIDE_RIGHT),
            col.CONTACT: run.contact_s * 1000,
            col.FLIGHT: flight,
            col.STEP_TIME: step,
            col.IMPACT: impact,
            col.LOADING_RATE: loading,
            col.BRAKING: braking,
            col.VERTICAL_OSCILLATION: np.where(last, np.nan, oscillation),
            col.FORWARD_LEAN: lean,
            col.PELVIC_DROP: drop,
            col.PELVIC_ROTATION: np.where(last, np.nan, rotation),
        }
    )
    return frame[list(col.STEP_COLUMNS)]


def loading_rate_gps(t_s: np.ndarray, force: np.ndarray) -> float:
    """Mean slope from 20 % to 80 % of the first stance peak (force in g or BW)."""
    if len(force) < 3:
        return math.nan
    d = np.diff(force)
    turns = np.flatnonzero((d[:-1] > 0) & (d[1:] <= 0))
    k = int(turns[0]) + 1 if len(turns) else int(np.argmax(force))
    peak = force[k]
    rising_t, rising_f = t_s[: k + 1], force[: k + 1]
    t20 = _crossing(rising_t, rising_f, 0.2 * peak)
    t80 = _crossing(rising_t, rising_f, 0.8 * peak)
    if t80 <= t20:
        return math.nan
    return float(0.6 * peak / (t80 - t20))


def _crossing(t: np.ndarray, f: np.ndarray, level: float) -> float:
    i = int(np.argmax(f >= level))
    if i == 0:
        return float(t[0])
    frac = (level - f[i - 1]) / (f[i] - f[i - 1])
    return float(t[i - 1] + frac * (t[i] - t[i - 1]))


def _mean(values: pd.Series | np.ndarray) -> float:
    arr = np.asarray(values, dtype=float)
    arr = arr[np.isfinite(arr)]
    return float(arr.mean()) if len(arr) else math.nan


def _cv_pct(values: pd.Series) -> float:
    arr = values.to_numpy(dtype=float)
    arr = arr[np.isfinite(arr)]
    return float(100 * arr.std(ddof=1) / arr.mean()) if len(arr) > 1 else math.nan


def _symmetry_pct(left: float, right: float) -> float:
    """Symmetry index: 100 * (L - R) / mean(L, R); 0 = symmetric."""
    return 100 * (left - right) / (0.5 * (left + right)) if left + right else math.nan


def autocorrelation(x: np.ndarray, lag: int) -> float:
    """Unbiased normalised autocorrelation at ``lag`` samples (Moe-Nilssen & Helbostad)."""
    n = len(x)
    if lag <= 0 or lag >= n:
        return math.nan
    x = np.asarray(x, dtype=float) - np.mean(x)
    return float((x[:-lag] @ x[lag:]) / (n - lag) / ((x @ x) / n))


def summary_truth(
    steps: pd.DataFrame,
    timeline: Timeline,
    vertical_g: np.ndarray,
    sample_rate_hz: float,
    duration_s: float,
    treadmill_speed_mps: float,
    has_gyro: bool,
    lost_samples: int,
    standing: bool,
    obliquity_offset_deg: float,
) -> dict[str, Any]:
    """The session summary (docs/architecture.md keys) from the true steps.

    ``vertical_g`` is the true vertical specific force over the running segment at the
    output rate (for the regularity autocorrelations).
    """
    running = steps
    step_mean = _mean(running[col.STEP_TIME])
    contact_mean = _mean(running[col.CONTACT])
    left = running[running[col.SIDE] == col.SIDE_LEFT]
    right = running[running[col.SIDE] == col.SIDE_RIGHT]
    s: dict[str, Any] = {
        "duration_s": duration_s,
        "running_s": timeline.run_end_s - timeline.run_start_s,
        "n_steps": len(running),
        "cadence_spm": 60000 / step_mean if step_mean else math.nan,
        "contact_ms": contact_mean,
        "flight_ms": _mean(running[col.FLIGHT]),
        "step_ms": step_mean,
        "duty_factor": contact_mean / (2 * step_mean) if step_mean else math.nan,
        "vertical_oscillation_cm": _mean(running[col.VERTICAL_OSCILLATION]),
        "impact_g": _mean(running[col.IMPACT]),
        "loading_rate_gps": _mean(running[col.LOADING_RATE]),
        "braking_g": _mean(running[col.BRAKING]),
        # Lean is a property of the body, known whatever the sensor.
        "forward_lean_deg": _mean(running[col.FORWARD_LEAN]),
        "lean_reference": "standing" if standing else "vertical",
        "pelvic_drop_left_deg": _mean(left[col.PELVIC_DROP]) if has_gyro else math.nan,
        "pelvic_drop_right_deg": _mean(right[col.PELVIC_DROP]) if has_gyro else math.nan,
        "pelvic_rotation_deg": _mean(running[col.PELVIC_ROTATION]) if has_gyro else math.nan,
        "obliquity_offset_deg": obliquity_offset_deg if has_gyro else math.nan,
    }
    left_contact = float(left[col.CONTACT].sum())
    right_contact = float(right[col.CONTACT].sum())
    total = left_contact + right_contact
    s["contact_balance_left_pct"] = 100 * left_contact / total if total else math.nan
    s["contact_left_ms"] = _mean(left[col.CONTACT])
    s["contact_right_ms"] = _mean(right[col.CONTACT])
    s["impact_left_g"] = _mean(left[col.IMPACT])
    s["impact_right_g"] = _mean(right[col.IMPACT])
    s["symmetry_basis"] = "left/right"
    # The simulated drop is a stance peak on top of the flight level (camber and
    # offset included there), so the drop from the flight level is the drop itself.
    s["stance_drop_left_deg"] = s["pelvic_drop_left_deg"]
    s["stance_drop_right_deg"] = s["pelvic_drop_right_deg"]
    # Not truth quantities: how the analysis found forward, and the flight level,
    # which the simulator does not define separately from camber and offset.
    s["heading_source"] = None
    s["obliquity_flight_deg"] = None
    s["contact_symmetry_pct"] = _symmetry_pct(_mean(left[col.CONTACT]), _mean(right[col.CONTACT]))
    s["impact_symmetry_pct"] = _symmetry_pct(_mean(left[col.IMPACT]), _mean(right[col.IMPACT]))
    lag = round(step_mean / 1000 * sample_rate_hz) if step_mean and math.isfinite(step_mean) else 0
    s["step_regularity"] = autocorrelation(vertical_g, lag)
    s["stride_regularity"] = autocorrelation(vertical_g, 2 * lag)
    s["contact_cv_pct"] = _cv_pct(running[col.CONTACT])
    s["step_cv_pct"] = _cv_pct(running[col.STEP_TIME])
    s["impact_cv_pct"] = _cv_pct(running[col.IMPACT])
    s.update(_trends(running, timeline, has_gyro))
    if treadmill_speed_mps > 0 and step_mean:
        s["speed_mps"] = treadmill_speed_mps
        # A stride is two steps (the architecture's "one stride lag" too).
        s["step_length_m"] = treadmill_speed_mps * step_mean / 1000
        s["stride_length_m"] = 2 * s["step_length_m"]
        # As the watch makers define it: oscillation per step length (their "stride").
        s["vertical_ratio_pct"] = s["vertical_oscillation_cm"] / s["step_length_m"]
    else:
        s["speed_mps"] = s["stride_length_m"] = s["vertical_ratio_pct"] = math.nan
        s["step_length_m"] = math.nan
    s["sample_rate_hz"] = sample_rate_hz
    s["lost_samples"] = lost_samples
    s["has_gyro"] = has_gyro
    return col.summary_complete(s)


def _trends(steps: pd.DataFrame, timeline: Timeline, has_gyro: bool) -> dict[str, float]:
    """Last third minus first third of the run (by foot-strike time)."""
    rs, re = timeline.run_start_s, timeline.run_end_s
    third = (re - rs) / 3
    first = steps[steps[col.FOOT_STRIKE] < rs + third]
    final = steps[steps[col.FOOT_STRIKE] >= re - third]
    out: dict[str, float] = {}
    for key in (col.CONTACT, col.IMPACT, col.FORWARD_LEAN):
        out[f"{key}_trend"] = _mean(final[key]) - _mean(first[key])
    for side, name in ((col.SIDE_LEFT, "left"), (col.SIDE_RIGHT, "right")):
        if not has_gyro:
            out[f"pelvic_drop_{name}_deg_trend"] = math.nan
            continue
        late, early = final[final[col.SIDE] == side], first[first[col.SIDE] == side]
        out[f"pelvic_drop_{name}_deg_trend"] = (
            _mean(late[col.PELVIC_DROP]) - _mean(early[col.PELVIC_DROP])
        )
    cad_first = 60000 / _mean(first[col.STEP_TIME]) if len(first) > 1 else math.nan
    cad_final = 60000 / _mean(final[col.STEP_TIME]) if len(final) > 1 else math.nan
    out["cadence_spm_trend"] = cad_final - cad_first
    return out


def json_ready(value: Any, decimals: int = 6) -> Any:
    """Round floats, NaN/inf to ``None``, numpy scalars to Python, recursively."""
    if isinstance(value, dict):
        return {str(k): json_ready(v, decimals) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [json_ready(v, decimals) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return round(value, decimals) + 0.0
    return value
