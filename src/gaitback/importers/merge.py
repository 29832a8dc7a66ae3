"""Units, gravity checks and putting two sensor streams on one time base."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from gaitback import schema as col
from gaitback.errors import RecordingError
from gaitback.importers.tables import Stream

G_MPS2 = col.STANDARD_GRAVITY_MPS2
DEG_PER_RAD = 180.0 / math.pi

#: Acceleration units an importer may meet, as factors to m/s^2.
ACC_UNITS = {"g": G_MPS2, "mps2": 1.0}
#: Rotation-rate units, as factors to deg/s.
GYR_UNITS = {"rad/s": DEG_PER_RAD, "deg/s": 1.0}

#: A gap of up to this many missing samples in the stream being resampled is
#: bridged by linear interpolation; longer gaps leave the rows out.
MAX_BRIDGED_MISSING = 2

#: Window for the gravity check (s): long enough to average out strides.
GRAVITY_WINDOW_S = 2.0


def acc_factor(declared: str, override: str | None) -> float:
    """Factor from the file's acceleration unit (or the user's override) to m/s^2."""
    unit = override or declared
    if unit not in ACC_UNITS:
        raise RecordingError(f"unknown acceleration unit {unit!r}; use one of {sorted(ACC_UNITS)}")
    return ACC_UNITS[unit]


def gravity_level_mps2(stream: Stream) -> float:
    """Median magnitude of the acceleration averaged over ~2 s windows.

    Whatever the gait, a body that goes nowhere has a mean specific force of
    gravity: ~9.8 m/s^2 with gravity included, ~0 without.
    """
    t, acc = stream.time_s, stream.values
    # Windows are numbered by the ones that hold samples, not by the clock: a
    # time jump (a corrupt cell) must not make billions of empty windows.
    _, window = np.unique(np.floor((t - t[0]) / GRAVITY_WINDOW_S), return_inverse=True)
    counts = np.bincount(window)
    sums = np.stack([np.bincount(window, weights=acc[:, k]) for k in range(3)], axis=1)
    full = counts >= max(1, int(0.5 * counts.max()))
    means = sums[full] / counts[full, None]
    return float(np.median(np.linalg.norm(means, axis=1)))


def classify_gravity(level_mps2: float) -> str:
    """``"with"`` (≈ 9.8), ``"removed"`` (≈ 0), ``"g"`` (≈ 1: a unit mistake) or ``"odd"``."""
    if level_mps2 < 0.5:
        return "removed"
    if level_mps2 <= 2.0:
        return "g"
    if 6.0 <= level_mps2 <= 14.0:
        return "with"
    return "odd"


def require_gravity(stream: Stream, fix: str) -> None:
    """Refuse an acceleration stream (already in m/s^2) that does not contain gravity.

    ``fix`` completes the message for the gravity-removed case.
    """
    level = gravity_level_mps2(stream)
    kind = classify_gravity(level)
    if kind == "with":
        return
    if kind == "removed":
        raise RecordingError(
            f"{stream.where}: mean acceleration is {level:.2f} m/s^2, about 0, so gravity has "
            f"been removed (linear acceleration); {fix}"
        )
    if kind == "g":
        raise RecordingError(
            f"{stream.where}: mean acceleration is {level:.2f} after conversion to m/s^2, "
            "about 1, so the values look like g although the file says m/s^2; "
            "use --acc-unit g"
        )
    hint = " (values look like m/s^2 labelled as g: use --acc-unit mps2)" if (
        60 < level < 140
    ) else ""
    raise RecordingError(
        f"{stream.where}: mean acceleration is {level:.1f} m/s^2 after unit conversion, "
        f"far from 9.8; check the acceleration unit{hint}"
    )


def resample_onto(base: Stream, other: Stream) -> tuple[np.ndarray, np.ndarray]:
    """``other`` linearly interpolated at ``base``'s sample times.

    Only over the two streams' overlap (no extrapolation), and never across a
    gap in ``other`` longer than :data:`MAX_BRIDGED_MISSING` missing samples:
    base samples there are dropped, not invented.

    Returns
    -------
    keep
        Boolean mask over ``base`` samples that received a value.
    values
        ``(keep.sum(), 3)`` interpolated values of ``other``.
    """
    t = base.time_s
    to, vo = other.time_s, other.values
    lo, hi = max(t[0], to[0]), min(t[-1], to[-1])
    if hi <= lo:
        raise RecordingError(
            f"{base.where} and {other.where} do not overlap in time "
            f"({t[0]:.3f}-{t[-1]:.3f} s vs {to[0]:.3f}-{to[-1]:.3f} s)"
        )
    inside = (t >= lo) & (t <= hi)
    left = np.clip(np.searchsorted(to, t, side="right") - 1, 0, len(to) - 2)
    t0, t1 = to[left], to[left + 1]
    span = t1 - t0
    on_sample = np.isclose(t, t0, rtol=0, atol=1e-9) | np.isclose(t, t1, rtol=0, atol=1e-9)
    limit = (MAX_BRIDGED_MISSING + 1.5) * other.period_s
    keep = inside & ((span <= limit) | on_sample)
    frac = np.clip((t - t0) / span, 0.0, 1.0)[:, None]
    values = vo[left] + frac * (vo[left + 1] - vo[left])
    return keep, values[keep]


def canonical_frame(time_s: np.ndarray, acc_mps2: np.ndarray, gyr_dps: np.ndarray | None) -> (
    pd.DataFrame
):
    """Arrays as a data frame in the canonical column layout."""
    data = {col.TIME: time_s}
    data.update({name: acc_mps2[:, k] for k, name in enumerate(col.ACC)})
    if gyr_dps is not None:
        data.update({name: gyr_dps[:, k] for k, name in enumerate(col.GYR)})
    return pd.DataFrame(data)


def combine(acc: Stream, gyr: Stream | None) -> tuple[pd.DataFrame, list[str]]:
    """Accelerometer plus optional gyroscope on the accelerometer's time base."""
    if gyr is None:
        return canonical_frame(acc.time_s, acc.values, None), []
    keep, gyr_on_acc = resample_onto(acc, gyr)
    if not keep.any():
        raise RecordingError(f"{acc.where} and {gyr.where} share no usable sample times")
    notes = []
    dropped = int((~keep).sum())
    if dropped:
        notes.append(
            f"{dropped} accelerometer sample(s) outside the gyroscope's time span or in its "
            "gaps left out"
        )
    return canonical_frame(acc.time_s[keep], acc.values[keep], gyr_on_acc), notes
