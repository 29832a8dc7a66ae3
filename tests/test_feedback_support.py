"""Hand-made analysis results for the feedback and report tests (no tests here).

The step tables are generated from chosen true values with a fixed seed, and the summary
is computed from those steps with the definitions of docs/architecture.md, so tests know
the ground truth of every metric they feed to the feedback layer.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from gaitback import schema as col
from gaitback.core.result import AnalysisResult
from gaitback.recording import RecordingMeta, recording_from_frame

SAMPLE_RATE_HZ = 100.0


def _thirds_trend(values: np.ndarray) -> float:
    n = len(values) // 3
    return float(np.nanmean(values[-n:]) - np.nanmean(values[:n]))


def make_result(
    *,
    seed: int = 0,
    running_s: float = 180.0,
    cadence_spm: float = 172.0,
    contact_ms: float = 245.0,
    impact_g: float = 2.5,
    braking_g: float = 0.45,
    loading_rate_gps: float = 35.0,
    vertical_oscillation_cm: float = 8.0,
    forward_lean_deg: float = 6.0,
    lean_drift_deg: float = 0.0,
    contact_drift_ms: float = 0.0,
    cadence_drift_spm: float = 0.0,
    pelvic_drop_left_deg: float = 5.0,
    pelvic_drop_right_deg: float = 5.0,
    camber_deg: float = 0.0,
    left_contact_extra_ms: float = 0.0,
    impact_cv_pct: float = 4.0,
    step_regularity: float = 0.92,
    has_gyro: bool = True,
    sides_known: bool = True,
    speed_mps: float | None = 3.0,
    lean_reference: str = "standing",
    summary_overrides: dict[str, Any] | None = None,
) -> AnalysisResult:
    """An AnalysisResult with realistic steps, signals and a summary consistent with them."""
    rng = np.random.default_rng(seed)
    n = int(running_s * cadence_spm / 60.0)
    frac = np.linspace(0.0, 1.0, n)
    jitter = 1 + 0.02 * rng.standard_normal(n)
    step_ms = 60000.0 / (cadence_spm - cadence_drift_spm * frac) * jitter
    start_s = 10.0
    strike = start_s + np.concatenate([[0.0], np.cumsum(step_ms[:-1]) / 1000.0])
    side = np.where(np.arange(n) % 2 == 0, col.SIDE_LEFT, col.SIDE_RIGHT)
    if not sides_known:
        side = np.full(n, col.SIDE_UNKNOWN)
    contact = contact_ms + contact_drift_ms * frac + 7.0 * rng.standard_normal(n)
    contact = contact + np.where(side == col.SIDE_LEFT, left_contact_extra_ms / 2, 0.0)
    contact = contact - np.where(side == col.SIDE_RIGHT, left_contact_extra_ms / 2, 0.0)
    toe = strike + contact / 1000.0
    impact = impact_g * (1 + impact_cv_pct / 100 * rng.standard_normal(n))
    lean = forward_lean_deg + lean_drift_deg * frac + 0.5 * rng.standard_normal(n)
    drop = np.where(side == col.SIDE_LEFT, pelvic_drop_left_deg, pelvic_drop_right_deg)
    drop = drop + np.where(side == col.SIDE_LEFT, camber_deg, -camber_deg)
    drop = drop + 0.5 * rng.standard_normal(n)
    step_col = np.append(np.diff(strike) * 1000.0, np.nan)
    steps = pd.DataFrame(
        {
            col.FOOT_STRIKE: strike,
            col.TOE_OFF: toe,
            col.SIDE: side,
            col.CONTACT: contact,
            col.FLIGHT: step_col - contact,
            col.STEP_TIME: step_col,
            col.IMPACT: impact,
            col.LOADING_RATE: loading_rate_gps * (1 + 0.05 * rng.standard_normal(n)),
            col.BRAKING: braking_g * (1 + 0.05 * rng.standard_normal(n)),
            col.VERTICAL_OSCILLATION: vertical_oscillation_cm + 0.3 * rng.standard_normal(n),
            col.FORWARD_LEAN: lean if has_gyro else np.nan,
            col.PELVIC_DROP: drop if has_gyro else np.nan,
            col.PELVIC_ROTATION: 10.0 + rng.standard_normal(n) if has_gyro else np.nan,
        }
    )
    duration_s = float(toe[-1]) + 5.0
    t = np.arange(0.0, duration_s, 1.0 / SAMPLE_RATE_HZ)
    # Which step each sample belongs to, and where in its stance it is (vectorised).
    k = np.clip(np.searchsorted(strike, t, side="right") - 1, 0, n - 1)
    phase = (t - strike[k]) / (contact[k] / 1000.0)
    stance = (t >= strike[0]) & (t <= toe[-1]) & (phase >= 0) & (phase <= 1)
    vertical = np.where(stance, impact[k] * np.sin(np.pi * np.clip(phase, 0, 1)), 0.0)
    vertical = np.where((t < strike[0]) | (t > toe[-1]), 1.0, vertical)
    forward = np.where(stance, -braking_g * np.sin(2 * np.pi * np.clip(phase, 0, 1)), 0.0)
    signals = pd.DataFrame(
        {col.TIME: t, "vertical_g": vertical, "forward_g": forward, "lateral_g": 0.0 * t}
    )
    if has_gyro:
        running = (t >= strike[0]) & (t <= toe[-1])
        signals["lean_deg"] = np.where(running, lean[k], 0.0)
        obliq = np.where(side[k] == col.SIDE_LEFT, 1.0, -1.0) * drop[k] * np.where(stance, 1, 0)
        signals["obliquity_deg"] = np.where(running, obliq + camber_deg, 0.0)
        signals["rotation_deg"] = 0.0
    frame = pd.DataFrame(
        {
            col.TIME: t,
            col.ACC[0]: 0.0,
            col.ACC[1]: 0.0,
            col.ACC[2]: vertical * col.STANDARD_GRAVITY_MPS2,
        }
    )
    if has_gyro:
        for name in col.GYR:
            frame[name] = 0.0
    meta = RecordingMeta(sample_rate_hz=SAMPLE_RATE_HZ, treadmill_speed_mps=speed_mps)
    recording = recording_from_frame(frame, meta, source="handmade.csv")
    left = side == col.SIDE_LEFT
    right = side == col.SIDE_RIGHT
    left_sum, right_sum = contact[left].sum(), contact[right].sum()
    mean_l = contact[left].mean() if left.any() else np.nan
    mean_r = contact[right].mean() if right.any() else np.nan
    imp_l = impact[left].mean() if left.any() else np.nan
    imp_r = impact[right].mean() if right.any() else np.nan
    summary: dict[str, Any] = {
        "duration_s": duration_s,
        "running_s": float(toe[-1] - strike[0]),
        "n_steps": n,
        "cadence_spm": 60000.0 / np.nanmean(step_col),
        "contact_ms": float(contact.mean()),
        "flight_ms": float(np.nanmean(step_col - contact)),
        "step_ms": float(np.nanmean(step_col)),
        "duty_factor": float(contact.mean() / (2 * np.nanmean(step_col))),
        "vertical_oscillation_cm": float(steps[col.VERTICAL_OSCILLATION].mean()),
        "impact_g": float(impact.mean()),
        "loading_rate_gps": float(steps[col.LOADING_RATE].mean()),
        "braking_g": float(steps[col.BRAKING].mean()),
        "forward_lean_deg": float(lean.mean()) if has_gyro else None,
        "lean_reference": lean_reference,
        "pelvic_drop_left_deg": float(drop[left].mean()) if has_gyro and left.any() else None,
        "pelvic_drop_right_deg": float(drop[right].mean()) if has_gyro and right.any() else None,
        "pelvic_rotation_deg": 10.0 if has_gyro else None,
        "contact_balance_left_pct": (
            float(100 * left_sum / (left_sum + right_sum)) if sides_known else None
        ),
        "contact_symmetry_pct": (
            float(100 * (mean_l - mean_r) / (0.5 * (mean_l + mean_r))) if sides_known else None
        ),
        "impact_symmetry_pct": (
            float(100 * (imp_l - imp_r) / (0.5 * (imp_l + imp_r))) if sides_known else None
        ),
        "step_regularity": step_regularity,
        "stride_regularity": step_regularity + 0.02,
        "contact_cv_pct": float(100 * contact.std() / contact.mean()),
        "step_cv_pct": float(100 * np.nanstd(step_col) / np.nanmean(step_col)),
        "impact_cv_pct": float(100 * impact.std() / impact.mean()),
        "contact_ms_trend": _thirds_trend(contact),
        "cadence_spm_trend": _thirds_trend(60000.0 / step_col),
        "forward_lean_deg_trend": _thirds_trend(lean) if has_gyro else None,
        "impact_g_trend": _thirds_trend(impact),
        "pelvic_drop_deg_trend": _thirds_trend(drop) if has_gyro else None,
        # The true pelvis level in flight is the camber; stance drops are measured from it.
        "obliquity_flight_deg": camber_deg if has_gyro else None,
        "stance_drop_left_deg": (
            float((drop[left] - camber_deg).mean()) if has_gyro and left.any() else None
        ),
        "stance_drop_right_deg": (
            float((drop[right] + camber_deg).mean()) if has_gyro and right.any() else None
        ),
        "sample_rate_hz": SAMPLE_RATE_HZ,
        "lost_samples": 0,
        "has_gyro": has_gyro,
    }
    if speed_mps is not None:
        summary["speed_mps"] = speed_mps
        summary["stride_length_m"] = 2 * speed_mps * np.nanmean(step_col) / 1000.0
    if summary_overrides:
        summary.update(summary_overrides)
    segments = pd.DataFrame(
        {"start_s": [0.0, strike[0]], "end_s": [strike[0], toe[-1]],
         "activity": [col.STANDING, col.RUNNING]}
    )
    return AnalysisResult(
        steps=steps, summary=summary, segments=segments, signals=signals, recording=recording
    )


def make_result_without_running(has_gyro: bool = False) -> AnalysisResult:
    """A standing-only recording: no steps."""
    t = np.arange(0.0, 20.0, 1.0 / SAMPLE_RATE_HZ)
    frame = pd.DataFrame(
        {col.TIME: t, col.ACC[0]: 0.0, col.ACC[1]: 0.0, col.ACC[2]: col.STANDARD_GRAVITY_MPS2}
    )
    if has_gyro:
        for name in col.GYR:
            frame[name] = 0.0
    recording = recording_from_frame(frame, RecordingMeta(sample_rate_hz=SAMPLE_RATE_HZ))
    summary: dict[str, Any] = {
        "duration_s": 20.0, "running_s": 0.0, "n_steps": 0, "cadence_spm": None,
        "sample_rate_hz": SAMPLE_RATE_HZ, "lost_samples": 0, "has_gyro": has_gyro,
        "lean_reference": "standing",
    }
    signals = pd.DataFrame({col.TIME: t, "vertical_g": 1.0, "forward_g": 0.0, "lateral_g": 0.0})
    return AnalysisResult(
        steps=pd.DataFrame(columns=list(col.STEP_COLUMNS)),
        summary=summary,
        segments=pd.DataFrame({"start_s": [0.0], "end_s": [20.0], "activity": [col.STANDING]}),
        signals=signals,
        recording=recording,
    )
