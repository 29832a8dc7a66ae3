"""Put samples on a uniform time grid and filter them, without inventing data.

Short gaps (a lost BLE packet or two) are bridged linearly so that zero-phase
filters can run; longer gaps split the recording into blocks that are analysed
separately, so no step is ever detected inside a long gap.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy import signal

from gaitback.errors import GaitbackError
from gaitback.recording import Recording

#: Longest gap bridged by interpolation before filtering (s). Two lost packets
#: of a typical BLE stream; long enough to keep a step's context, short enough
#: that an interpolated span cannot hide a whole stance (>= 150 ms).
MAX_BRIDGE_S = 0.1

#: Sample rates the core is designed for.
MIN_RATE_HZ = 40.0
MAX_RATE_HZ = 2000.0


@dataclass
class UniformSignals:
    """Samples on a uniform grid.

    Attributes
    ----------
    time_s
        Grid times (recording time base).
    acc_mps2, gyr_dps
        ``(n, 3)`` arrays (``gyr_dps`` is ``None`` without a gyroscope).
    sample_rate_hz
        Grid rate.
    bridged
        True where a sample was interpolated across a short gap.
    blocks
        ``(start, stop)`` index pairs of contiguous data (split at long gaps).
    dead_axes
        Sensor accelerometer axes that never change (e.g. an all-zero column).
    """

    time_s: np.ndarray
    acc_mps2: np.ndarray
    gyr_dps: np.ndarray | None
    sample_rate_hz: float
    bridged: np.ndarray
    blocks: list[tuple[int, int]]
    dead_axes: tuple[int, ...]


def signals_uniform(recording: Recording, max_bridge_s: float = MAX_BRIDGE_S) -> UniformSignals:
    """Resample a recording onto a uniform grid at its nominal rate.

    Parameters
    ----------
    recording
        Validated recording (strictly increasing time).
    max_bridge_s
        Gaps up to this length are bridged by linear interpolation (flagged in
        ``bridged``); longer gaps split the grid into separate ``blocks``.
    """
    t = recording.time_s
    rate = recording.sample_rate_hz
    if not np.isfinite(rate) or len(t) < 2:
        raise GaitbackError(f"{recording.source}: too few samples to analyse")
    if rate < MIN_RATE_HZ or rate > MAX_RATE_HZ:
        raise GaitbackError(
            f"{recording.source}: sample rate {rate:.0f} Hz is outside the supported "
            f"{MIN_RATE_HZ:.0f}-{MAX_RATE_HZ:.0f} Hz"
        )
    period = 1.0 / rate
    n = int(np.floor((t[-1] - t[0]) / period + 1e-6)) + 1
    grid = t[0] + np.arange(n) * period
    acc = _interp_columns(grid, t, recording.acc_mps2)
    gyr = recording.gyr_dps
    gyr = _interp_columns(grid, t, gyr) if gyr is not None else None

    # A grid point is bridged when the nearest recorded sample is more than
    # half a period away; it belongs to a long gap when the enclosing recorded
    # interval is longer than max_bridge_s.
    right = np.clip(np.searchsorted(t, grid), 1, len(t) - 1)
    interval = t[right] - t[right - 1]
    nearest = np.minimum(np.abs(grid - t[right - 1]), np.abs(t[right] - grid))
    bridged = nearest > 0.5 * period + 1e-9
    in_long_gap = bridged & (interval > max_bridge_s)
    blocks = _runs(~in_long_gap)
    dead = tuple(int(j) for j in range(3) if np.ptp(recording.acc_mps2[:, j]) == 0.0)
    return UniformSignals(grid, acc, gyr, rate, bridged & ~in_long_gap, blocks, dead)


def _interp_columns(grid: np.ndarray, t: np.ndarray, values: np.ndarray) -> np.ndarray:
    return np.column_stack([np.interp(grid, t, values[:, j]) for j in range(values.shape[1])])


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """``(start, stop)`` of the runs of True in ``mask``."""
    padded = np.concatenate([[False], mask, [False]])
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def lowpass(
    x: np.ndarray, cutoff_hz: float, sample_rate_hz: float, order: int = 4, axis: int = 0
) -> np.ndarray:
    """Zero-phase Butterworth low-pass along ``axis`` (no delay: event times stay put)."""
    nyquist = 0.5 * sample_rate_hz
    if cutoff_hz >= 0.95 * nyquist:
        return np.asarray(x, dtype=float).copy()
    sos = _butter_sos(order, cutoff_hz / nyquist).copy()
    padlen = min(3 * (2 * len(sos) + 1), x.shape[axis] - 1)
    return signal.sosfiltfilt(sos, x, axis=axis, padlen=max(padlen, 0))


@lru_cache(maxsize=64)
def _butter_sos(order: int, normalised_cutoff: float) -> np.ndarray:
    # Designing the filter costs more than running it on a few seconds of data;
    # the live analyser filters the same short window many times a second.
    return signal.butter(order, normalised_cutoff, output="sos")


def lowpass_posture(
    x: np.ndarray, cutoff_hz: float, sample_rate_hz: float, edge_s: float = 1.0, axis: int = 0
) -> np.ndarray:
    """Zero-phase low-pass for slow (posture) signals, padded with the edge means.

    A filter far below the stride frequency has a transient lasting seconds;
    the default padding (a few samples, odd-extended from the first sample)
    would start it from whatever the first sample holds, an impact spike
    included. Here each end is extended with the mean of its first or last
    ``edge_s`` seconds (about a stride, over which the pelvis goes nowhere),
    for as long as the filter takes to settle.
    """
    x = np.moveaxis(np.asarray(x, dtype=float), axis, 0)
    n = len(x)
    if n < 2:
        return np.moveaxis(x.copy(), 0, axis)
    edge = max(1, min(n, int(edge_s * sample_rate_hz)))
    pad = int(min(4.0 / cutoff_hz, 60.0) * sample_rate_hz)
    head = np.broadcast_to(x[:edge].mean(axis=0), (pad, *x.shape[1:]))
    tail = np.broadcast_to(x[-edge:].mean(axis=0), (pad, *x.shape[1:]))
    out = lowpass(np.concatenate([head, x, tail]), cutoff_hz, sample_rate_hz, order=2)
    return np.moveaxis(out[pad : pad + n], 0, axis)


def moving_mean(x: np.ndarray, width: int) -> np.ndarray:
    """Centred moving mean along axis 0 (edges use the available samples)."""
    width = max(1, int(width))
    x = np.asarray(x, dtype=float)
    csum = np.cumsum(np.concatenate([np.zeros((1, *x.shape[1:])), x]), axis=0)
    n = len(x)
    half = width // 2
    lo = np.clip(np.arange(n) - half, 0, n)
    hi = np.clip(np.arange(n) - half + width, 0, n)
    count = (hi - lo).reshape(-1, *([1] * (x.ndim - 1)))
    return (csum[hi] - csum[lo]) / count
