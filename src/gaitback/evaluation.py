"""Accuracy of an analysis against ground truth (simulator truth or force plate).

Used by the test suite and the benchmarks; researchers can use it on their own
labelled data: truth steps need ``foot_strike_s`` and ``toe_off_s`` (and
optionally ``side`` and the per-step metric columns).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from gaitback import columns as col

#: A detected foot strike matches a true one within this (s).
MATCH_TOLERANCE_S = 0.040


def steps_match(
    true_strike_s: np.ndarray, found_strike_s: np.ndarray, tolerance_s: float = MATCH_TOLERANCE_S
) -> tuple[np.ndarray, np.ndarray]:
    """One-to-one matching of foot strikes in time order (greedy nearest).

    Returns index arrays ``(true_idx, found_idx)`` of matched pairs.
    """
    true_strike_s = np.asarray(true_strike_s, float)
    found_strike_s = np.asarray(found_strike_s, float)
    if len(true_strike_s) == 0 or len(found_strike_s) == 0:
        return np.array([], int), np.array([], int)
    pos = np.clip(np.searchsorted(found_strike_s, true_strike_s), 1, len(found_strike_s) - 1)
    left, right = found_strike_s[pos - 1], found_strike_s[pos]
    nearest = np.where(np.abs(true_strike_s - left) <= np.abs(true_strike_s - right), pos - 1, pos)
    if len(found_strike_s) == 1:
        nearest = np.zeros(len(true_strike_s), int)
    err = np.abs(found_strike_s[nearest] - true_strike_s)
    ok = err <= tolerance_s
    # Keep one true step per found step (the closest).
    order = np.lexsort((err, nearest))
    ti, fi = np.arange(len(true_strike_s))[order], nearest[order]
    ok = ok[order]
    first = np.concatenate([[True], fi[1:] != fi[:-1]])
    keep = ok & first
    ti, fi = ti[keep], fi[keep]
    sort = np.argsort(ti)
    return ti[sort], fi[sort]


def accuracy(
    steps: pd.DataFrame,
    summary: dict[str, Any],
    truth_steps: pd.DataFrame,
    truth_summary: dict[str, Any] | None = None,
    tolerance_s: float = MATCH_TOLERANCE_S,
) -> dict[str, Any]:
    """Step F1, event errors and metric errors of an analysis against truth.

    Event errors are signed means (bias) and mean absolute errors in ms over
    matched steps; metric errors compare session means (summary vs truth
    summary, when given) and per-step values.
    """
    ti, fi = steps_match(
        truth_steps[col.FOOT_STRIKE].to_numpy(), steps[col.FOOT_STRIKE].to_numpy(), tolerance_s
    )
    n_true, n_found, n_match = len(truth_steps), len(steps), len(ti)
    precision = n_match / n_found if n_found else 0.0
    recall = n_match / n_true if n_true else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    out: dict[str, Any] = {
        "n_true": n_true,
        "n_found": n_found,
        "n_matched": n_match,
        "precision": precision,
        "recall": recall,
        "f1": f1,
    }
    if n_match == 0:
        return out
    t = truth_steps.iloc[ti].reset_index(drop=True)
    f = steps.iloc[fi].reset_index(drop=True)
    fs_err = (f[col.FOOT_STRIKE] - t[col.FOOT_STRIKE]) * 1000
    to_err = (f[col.TOE_OFF] - t[col.TOE_OFF]) * 1000
    ct_err = f[col.CONTACT] - t[col.CONTACT]
    out.update(
        foot_strike_bias_ms=float(fs_err.mean()),
        foot_strike_mae_ms=float(fs_err.abs().mean()),
        toe_off_bias_ms=float(to_err.mean()),
        toe_off_mae_ms=float(to_err.abs().mean()),
        contact_rmse_ms=float(np.sqrt((ct_err**2).mean())),
        contact_bias_ms=float(ct_err.mean()),
    )
    if "peak_grf_bw" in t and col.IMPACT in f:
        # Force-plate truth: impact_g estimates the peak vertical force (in BW).
        force_err = (pd.to_numeric(f[col.IMPACT], errors="coerce") - t["peak_grf_bw"]).dropna()
        if len(force_err):
            out["peak_force_bias_bw"] = float(force_err.mean())
            out["peak_force_rmse_bw"] = float(np.sqrt((force_err**2).mean()))
    if col.SIDE in t and col.SIDE in f:
        known = f[col.SIDE].isin([col.SIDE_LEFT, col.SIDE_RIGHT])
        out["side_known_pct"] = float(100 * known.mean())
        out["side_correct_pct"] = (
            float(100 * (f.loc[known, col.SIDE] == t.loc[known, col.SIDE]).mean())
            if known.any()
            else None
        )
    for metric in (
        col.IMPACT,
        col.BRAKING,
        col.VERTICAL_OSCILLATION,
        col.FORWARD_LEAN,
        col.PELVIC_DROP,
        col.PELVIC_ROTATION,
    ):
        if metric in t and metric in f:
            diff = pd.to_numeric(f[metric], errors="coerce") - pd.to_numeric(
                t[metric], errors="coerce"
            )
            diff = diff.dropna()
            out[f"{metric}_step_mae"] = float(diff.abs().mean()) if len(diff) else None
    if truth_summary:
        for key in (
            "cadence_spm",
            "contact_ms",
            "flight_ms",
            "impact_g",
            "braking_g",
            "vertical_oscillation_cm",
            "forward_lean_deg",
            "pelvic_drop_left_deg",
            "pelvic_drop_right_deg",
            "pelvic_rotation_deg",
            "loading_rate_gps",
        ):
            a, b = summary.get(key), truth_summary.get(key)
            out[f"{key}_error"] = (a - b) if a is not None and b is not None else None
    return out


def pooled(per_recording: list[dict[str, Any]]) -> dict[str, Any]:
    """Pool :func:`accuracy` results of several recordings over their matched steps.

    Biases are averaged and RMSEs combined weighted by each recording's number
    of matched steps; F1 is given as the mean and the worst of the recordings.
    """
    weights = np.array([r.get("n_matched", 0) for r in per_recording], float)
    out: dict[str, Any] = {
        "recordings": len(per_recording),
        "n_true": int(sum(r.get("n_true", 0) for r in per_recording)),
        "n_matched": int(weights.sum()),
        "f1_mean": float(np.mean([r["f1"] for r in per_recording])) if per_recording else None,
        "f1_min": float(np.min([r["f1"] for r in per_recording])) if per_recording else None,
    }
    for key in ("foot_strike_bias_ms", "toe_off_bias_ms", "contact_bias_ms", "peak_force_bias_bw"):
        have = [(w, r[key]) for w, r in zip(weights, per_recording, strict=True) if key in r]
        total = sum(w for w, _ in have)
        out[key] = float(sum(w * v for w, v in have) / total) if total else None
    for key in ("contact_rmse_ms", "peak_force_rmse_bw"):
        have = [(w, r[key]) for w, r in zip(weights, per_recording, strict=True) if key in r]
        total = sum(w for w, _ in have)
        out[key] = float(np.sqrt(sum(w * v**2 for w, v in have) / total)) if total else None
    return out

