"""Per-step metrics and the session summary (definitions: docs/architecture.md)."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from gaitback import schema as col
from gaitback.core.filters import lagged_products
from gaitback.core.ranges import mean_between, padded_rows, reduce_between
from gaitback.core.signals import BodySignals, Stances
from gaitback.schema import STANDARD_GRAVITY_MPS2 as G


def step_table(signals: BodySignals, stances: Stances) -> pd.DataFrame:
    """One row per stance, columns ``gaitback.schema.STEP_COLUMNS``.

    Parameters
    ----------
    signals
        Body-frame signals on the grid the stances were detected on. Without
        ``lean_deg`` / ``obliquity_deg`` / ``rotation_deg`` the forward lean /
        pelvic drop / pelvic rotation columns are NaN.
    stances
        Foot strike, toe-off, side and segment end of each stance; without
        ``active_peak_g`` the peak of ``signals.vertical_peak_g`` over the
        stance stands for the active peak.

    Returns
    -------
    pandas.DataFrame
        One row per stance, in the stances' order.
    """
    n = len(stances)
    if n == 0:
        return pd.DataFrame(
            {c: pd.Series(dtype=object if c == col.SIDE else float) for c in col.STEP_COLUMNS}
        )
    time_s, fs = signals.time_s, signals.sample_rate_hz
    foot_strike_s, toe_off_s, sides = stances.foot_strike_s, stances.toe_off_s, stances.side
    active_peak_g = stances.active_peak_g
    i0 = np.clip(np.searchsorted(time_s, foot_strike_s), 0, len(time_s) - 2)
    i1 = np.clip(np.searchsorted(time_s, toe_off_s), i0 + 1, len(time_s) - 1)
    next_strike_s = np.append(foot_strike_s[1:], np.nan)
    has_next = np.isfinite(next_strike_s) & (next_strike_s <= stances.segment_end_s)
    next_strike_s = np.where(has_next, next_strike_s, np.nan)
    i2 = np.where(has_next, np.searchsorted(time_s, np.nan_to_num(next_strike_s)), i1 + 1)
    i2 = np.clip(i2, i1 + 1, len(time_s) - 1)

    contact_ms = (toe_off_s - foot_strike_s) * 1000
    step_ms = (next_strike_s - foot_strike_s) * 1000
    flight_ms = (next_strike_s - toe_off_s) * 1000
    if active_peak_g is None:
        active_peak_g = reduce_between(np.maximum, signals.vertical_peak_g, i0, i1)
    impact_g = peak_force_bw(active_peak_g, contact_ms, step_ms)
    braking_g = -reduce_between(np.minimum, signals.forward_peak_g, i0, i1)
    loading = _loading_rate_gps(signals.vertical_edge_g, i0, i1, fs)
    oscillation = _vertical_oscillation_cm(signals.vertical_peak_g, i0, i2, fs)
    oscillation = np.where(has_next, oscillation, np.nan)

    lean_deg, obliquity_deg, rotation_deg = (
        signals.lean_deg,
        signals.obliquity_deg,
        signals.rotation_deg,
    )
    lean = mean_between(lean_deg, i0, i1) if lean_deg is not None else np.full(n, np.nan)
    drop = np.full(n, np.nan)
    rotation = np.full(n, np.nan)
    if obliquity_deg is not None:
        up = reduce_between(np.maximum, obliquity_deg, i0, i1)
        down = -reduce_between(np.minimum, obliquity_deg, i0, i1)
        drop = np.where(sides == col.SIDE_LEFT, up, np.where(sides == col.SIDE_RIGHT, down, np.nan))
    if rotation_deg is not None:
        rotation = reduce_between(np.maximum, rotation_deg, i0, i2) - reduce_between(
            np.minimum, rotation_deg, i0, i2
        )
        rotation = np.where(has_next, rotation, np.nan)
    return pd.DataFrame(
        {
            col.FOOT_STRIKE: foot_strike_s,
            col.TOE_OFF: toe_off_s,
            col.SIDE: sides.astype(object),
            col.CONTACT: contact_ms,
            col.FLIGHT: flight_ms,
            col.STEP_TIME: step_ms,
            col.IMPACT: impact_g,
            col.LOADING_RATE: loading,
            col.BRAKING: braking_g,
            col.VERTICAL_OSCILLATION: oscillation,
            col.FORWARD_LEAN: lean,
            col.PELVIC_DROP: drop,
            col.PELVIC_ROTATION: rotation,
        }
    )


def pelvic_level_summary(
    time_s: np.ndarray, obliquity_deg: np.ndarray, stances: Stances
) -> dict[str, float | None]:
    """Tell a steady side tilt (camber) from a stance drop by their shape in time.

    A camber tilts the pelvis through the whole stride, flight included; a pelvic drop is a
    peak during stance. So the level of the pelvis is read in flight (mean obliquity from
    toe-off to the next foot strike), and each stance's drop is measured from the mean of
    the flight levels on either side of it. Subtracting a whole-run mean instead would take
    an asymmetric drop, which moves that mean too, for a tilt.

    Returns
    -------
    dict
        ``obliquity_flight_deg`` (mean flight level, positive: left side higher),
        ``stance_drop_left_deg`` / ``stance_drop_right_deg`` (mean drop above the flight
        level in left / right stances); ``None`` where no step allows it.
    """
    out: dict[str, float | None] = {
        "obliquity_flight_deg": None,
        "stance_drop_left_deg": None,
        "stance_drop_right_deg": None,
    }
    if len(stances) < 3:
        return out
    foot_strike_s, toe_off_s = stances.foot_strike_s, stances.toe_off_s
    sides, segment_end_s = stances.side, stances.segment_end_s
    i0 = np.clip(np.searchsorted(time_s, foot_strike_s), 0, len(time_s) - 2)
    i1 = np.clip(np.searchsorted(time_s, toe_off_s), i0 + 1, len(time_s) - 1)
    next_strike_s = np.append(foot_strike_s[1:], np.inf)
    i2 = np.clip(np.searchsorted(time_s, np.minimum(next_strike_s, time_s[-1])), 0, len(time_s) - 1)
    # Flight after each stance: the next foot strike in the same running segment, after
    # at least two samples of flight (no flight at all means no level to read).
    flies = (next_strike_s <= segment_end_s) & (i2 - i1 >= 2)
    level = np.where(flies, mean_between(obliquity_deg, i1, np.maximum(i2, i1 + 1)), np.nan)
    if not np.isfinite(level).any():
        return out
    before = np.append(np.nan, level[:-1])
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        reference = np.nanmean(np.column_stack([before, level]), axis=1)
    up = reduce_between(np.maximum, obliquity_deg, i0, i1) - reference
    down = reference - reduce_between(np.minimum, obliquity_deg, i0, i1)
    out["obliquity_flight_deg"] = float(np.nanmean(level))
    for side, key, drop in (
        (col.SIDE_LEFT, "stance_drop_left_deg", up),
        (col.SIDE_RIGHT, "stance_drop_right_deg", down),
    ):
        values = drop[(sides == side) & np.isfinite(drop)]
        out[key] = float(values.mean()) if len(values) else None
    return out


def peak_force_bw(
    active_peak_g: np.ndarray, contact_ms: np.ndarray, step_ms: np.ndarray
) -> np.ndarray:
    """Peak vertical ground reaction force per step, in body weights.

    Two estimates of the same force from independent information, averaged:

    - the spring-mass (sine-wave) model of running, ``(pi / 2) * step / contact``
      (Morin et al. 2005, J Appl Biomech 21:167): the stance impulse must carry
      the body weight over the whole step, and a half-sine force pulse of one
      contact time does so with this peak;
    - the active peak of the sacral vertical specific force with the impact
      transient filtered out (the pelvis carries the force, so mid-stance
      specific force is force per unit mass; the soft-tissue spike is not).

    The raw sacral peak is no force estimate: the soft-tissue impact spike
    overshoots the force by 1-2 g. Where the step time is unknown (last step
    of a bout) only the active peak is used.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        spring_mass = 0.5 * np.pi * step_ms / contact_ms
    usable = np.isfinite(spring_mass) & (spring_mass > 0)
    return np.where(usable, 0.5 * (spring_mass + active_peak_g), active_peak_g)


def _first_crossing(rows: np.ndarray, level: np.ndarray) -> np.ndarray:
    """Fractional column where non-decreasing rows first reach ``level``."""
    hit = rows >= level[:, None]
    j = np.argmax(hit, axis=1)
    k = np.arange(len(rows))
    prev = rows[k, np.maximum(j - 1, 0)]
    cur = rows[k, j]
    frac = np.where(cur > prev, (level - prev) / np.where(cur > prev, cur - prev, 1.0), 0.0)
    return np.where(hit.any(axis=1), j - 1 + frac, np.nan)


def _loading_rate_gps(v: np.ndarray, i0: np.ndarray, i1: np.ndarray, fs: float) -> np.ndarray:
    """Mean slope from 20 % to 80 % of the first stance peak (g/s).

    The first peak is the first local maximum after foot strike that reaches
    half the stance maximum: the heel-strike transient when there is one, else
    the active peak.
    """
    # One table, worked in place (an hour's stances fill ~8 MB): the stance,
    # then its rising edge.
    rows, valid = padded_rows(v, i0, i1 + 1)
    np.copyto(rows, -np.inf, where=~valid)
    top = rows.max(axis=1)
    inner = rows[:, 1:-1]
    peak = (inner >= rows[:, :-2]) & (inner > rows[:, 2:]) & (inner >= 0.5 * top[:, None])
    p = np.where(peak.any(axis=1), np.argmax(peak, axis=1) + 1, np.argmax(rows, axis=1))
    k = np.arange(len(rows))
    first_peak = rows[k, p]
    at_strike = rows[:, 0].copy()
    # Rising edge up to the first peak, made monotonic so each level is met once.
    past = np.arange(rows.shape[1])[None, :] > p[:, None]
    np.copyto(rows, first_peak[:, None], where=past)
    np.copyto(rows, 0.0, where=~np.isfinite(rows))
    rising = np.maximum.accumulate(rows, axis=1, out=rows)
    t20 = _first_crossing(rising, 0.2 * first_peak)
    t80 = _first_crossing(rising, 0.8 * first_peak)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = 0.6 * first_peak / ((t80 - t20) / fs)
    return np.where((t80 > t20) & (first_peak > at_strike), rate, np.nan)


def _vertical_oscillation_cm(
    vertical_g: np.ndarray, i0: np.ndarray, i2: np.ndarray, fs: float
) -> np.ndarray:
    """Range of vertical position from foot strike to next foot strike.

    Double integration of (f_z - g) per step with the two conditions that
    make it drift-free: over a whole step vertical velocity and position come
    back to where they were (the runner neither climbs nor sinks), so the
    step's mean acceleration and mean velocity are removed.
    """
    # One table, worked in place (an hour's steps fill ~10 MB): acceleration,
    # then velocity, then position, zero past each step's end.
    rows, valid = padded_rows(vertical_g, i0, i2)
    rows -= 1.0
    rows *= G
    count = valid.sum(axis=1)
    for _ in range(2):
        rows *= valid
        rows -= (rows.sum(axis=1) / count)[:, None]
        rows *= valid
        np.cumsum(rows, axis=1, out=rows)
        rows /= fs
    # Past a step's end the velocity is zero, so the position holds its last value.
    return np.where(count >= 4, (rows.max(axis=1) - rows.min(axis=1)) * 100.0, np.nan)


# ----------------------------------------------------------------------------- summary


def _mean(x: np.ndarray) -> float | None:
    """Mean of the known values of ``x`` (NaN is unknown), ``None`` if there are none."""
    x = x[~np.isnan(x)]
    return float(x.mean()) if len(x) else None


def _cv_pct(x: np.ndarray) -> float | None:
    x = x[~np.isnan(x)]
    if len(x) < 3 or x.mean() == 0:
        return None
    return float(100.0 * x.std(ddof=1) / x.mean())


def _symmetry_pct(left: float | None, right: float | None) -> float | None:
    if left is None or right is None or (left + right) == 0:
        return None
    # Signed: positive when the left (or first alternate) value is larger.
    return float(100.0 * (left - right) / (0.5 * (left + right)))


def _trend(values: np.ndarray) -> float | None:
    """Mean of the last third of the steps minus that of the first third."""
    n = len(values)
    if n < 9:
        return None
    third = n // 3
    first, last = values[:third], values[-third:]
    first, last = first[~np.isnan(first)], last[~np.isnan(last)]
    if len(first) < 3 or len(last) < 3:
        return None
    return float(last.mean() - first.mean())


def regularity(
    vertical_g: np.ndarray, step_period_samples: int
) -> tuple[float | None, float | None]:
    """Unbiased autocorrelation at one step and one stride lag (Moe-Nilssen & Helbostad)."""
    x = vertical_g - vertical_g.mean()
    n = len(x)
    lag1, lag2 = step_period_samples, 2 * step_period_samples
    if lag2 <= 0 or n <= lag2 + 10:
        return None, None
    var = np.dot(x, x) / n
    # All lags at once by FFT, not a dot product per lag: an hour's run has
    # ~200 lags to try over 720,000 samples.
    acf = lagged_products(x, int(lag2 * 1.1))

    def ac(lag: int) -> float:
        # Search +-10 % around the expected lag for the local maximum.
        lags = np.arange(max(int(lag * 0.9), 1), int(lag * 1.1) + 1)
        return float(np.max(acf[lags] / (n - lags) / var))

    return ac(lag1), ac(lag2)


def step_regularity(
    vertical_g: np.ndarray, step_ms: np.ndarray, sample_rate_hz: float
) -> tuple[float | None, float | None]:
    """:func:`regularity` at the median step time of ``step_ms``.

    Parameters
    ----------
    vertical_g
        Vertical specific force of one stretch of running, in g.
    step_ms
        Step times of its steps (NaN where unknown).
    sample_rate_hz
        Grid rate of ``vertical_g``.

    Returns
    -------
    tuple
        Step and stride regularity; ``(None, None)`` without a known step time.
    """
    step_ms = np.asarray(step_ms, dtype=float)
    if not np.isfinite(step_ms).any():
        return None, None
    period = int(round(np.nanmedian(step_ms) / 1000 * sample_rate_hz))
    return regularity(vertical_g, period)


def summary_means(mean: Callable[..., float | None], n_steps: int) -> dict[str, Any]:
    """The summary entries that are means of per-step values.

    Shared by the offline summary and the live one (which keeps running sums).

    Parameters
    ----------
    mean
        ``mean(column, side=None)``: mean of a per-step column over all steps,
        or over the steps of one side (``"L"`` / ``"R"``); ``None`` if none.
    n_steps
        Number of steps.
    """
    step_ms = mean(col.STEP_TIME)
    contact = mean(col.CONTACT)
    s: dict[str, Any] = {
        "n_steps": n_steps,
        "cadence_spm": 60000.0 / step_ms if step_ms else None,
        "step_ms": step_ms,
        "contact_ms": contact,
        "flight_ms": mean(col.FLIGHT),
        "duty_factor": contact / (2 * step_ms) if contact and step_ms else None,
    }
    for key in (
        col.VERTICAL_OSCILLATION,
        col.IMPACT,
        col.LOADING_RATE,
        col.BRAKING,
        col.FORWARD_LEAN,
        col.PELVIC_ROTATION,
    ):
        s[key] = mean(key)
    s["pelvic_drop_left_deg"] = mean(col.PELVIC_DROP, col.SIDE_LEFT)
    s["pelvic_drop_right_deg"] = mean(col.PELVIC_DROP, col.SIDE_RIGHT)
    c_left, c_right = mean(col.CONTACT, col.SIDE_LEFT), mean(col.CONTACT, col.SIDE_RIGHT)
    s["contact_left_ms"], s["contact_right_ms"] = c_left, c_right
    both = c_left is not None and c_right is not None
    s["contact_balance_left_pct"] = 100.0 * c_left / (c_left + c_right) if both else None
    s["impact_left_g"] = mean(col.IMPACT, col.SIDE_LEFT)
    s["impact_right_g"] = mean(col.IMPACT, col.SIDE_RIGHT)
    return s


def summary_compute(
    steps: pd.DataFrame,
    duration_s: float,
    running_s: float,
    speed_mps: float | None,
    extra: dict[str, Any],
) -> dict[str, Any]:
    """The flat session summary over running steps: exactly ``schema.SUMMARY_KEYS``."""
    # On numpy columns, taken once: pandas costs more per call than the maths.
    side = steps[col.SIDE].to_numpy()
    values: dict[str, np.ndarray] = {}
    masks = {col.SIDE_LEFT: side == col.SIDE_LEFT, col.SIDE_RIGHT: side == col.SIDE_RIGHT}

    def column(name: str, of_side: str | None = None) -> np.ndarray:
        if name not in values:
            values[name] = pd.to_numeric(steps[name], errors="coerce").to_numpy(dtype=float)
        return values[name] if of_side is None else values[name][masks[of_side]]

    def mean(name: str, of_side: str | None = None) -> float | None:
        return _mean(column(name, of_side))

    s: dict[str, Any] = {"duration_s": duration_s, "running_s": running_s}
    s.update(summary_means(mean, len(steps)))
    c_left, c_right = s["contact_left_ms"], s["contact_right_ms"]
    i_left, i_right = s["impact_left_g"], s["impact_right_g"]
    s["symmetry_basis"] = "left/right" if c_left is not None else None
    if c_left is None and len(steps) >= 4:
        # Sides unknown: steps still alternate, so compare every other step.
        c_left, c_right = _mean(column(col.CONTACT)[::2]), _mean(column(col.CONTACT)[1::2])
        i_left, i_right = _mean(column(col.IMPACT)[::2]), _mean(column(col.IMPACT)[1::2])
        s["symmetry_basis"] = "alternate steps"
    s["contact_symmetry_pct"] = _symmetry_pct(c_left, c_right)
    s["impact_symmetry_pct"] = _symmetry_pct(i_left, i_right)
    s["contact_cv_pct"] = _cv_pct(column(col.CONTACT))
    s["step_cv_pct"] = _cv_pct(column(col.STEP_TIME))
    s["impact_cv_pct"] = _cv_pct(column(col.IMPACT))
    with np.errstate(divide="ignore"):
        cadence = 60000.0 / column(col.STEP_TIME)
    s["contact_ms_trend"] = _trend(column(col.CONTACT))
    s["cadence_spm_trend"] = _trend(cadence)
    s[f"{col.FORWARD_LEAN}_trend"] = _trend(column(col.FORWARD_LEAN))
    s[f"{col.IMPACT}_trend"] = _trend(column(col.IMPACT))
    for name, of_side in (("left", col.SIDE_LEFT), ("right", col.SIDE_RIGHT)):
        s[f"pelvic_drop_{name}_deg_trend"] = _trend(column(col.PELVIC_DROP, of_side))
    step_ms = s["step_ms"]
    if speed_mps:
        s["speed_mps"] = speed_mps
        if step_ms:
            step_length = speed_mps * step_ms / 1000.0
            s["step_length_m"] = step_length
            s["stride_length_m"] = 2 * step_length
            vo = s[col.VERTICAL_OSCILLATION]
            # Vertical ratio as the watch makers define it: oscillation per step length.
            s["vertical_ratio_pct"] = vo / (step_length * 100.0) * 100.0 if vo else None
    else:
        s["speed_mps"] = s["step_length_m"] = s["stride_length_m"] = None
        s["vertical_ratio_pct"] = None
    s.update(extra)
    return col.summary_complete(s)
