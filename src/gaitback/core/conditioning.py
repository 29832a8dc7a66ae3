"""Put samples on a uniform time grid and filter them, without inventing data.

Short gaps (a lost BLE packet or two) are bridged linearly so that zero-phase
filters can run; longer gaps split the recording into blocks that are analysed
separately, so no step is ever detected inside a long gap.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from gaitback.core.filters import Lowpasses, filtfilt_fft
from gaitback.errors import GaitbackError
from gaitback.recording import Recording

#: Most missing data bridged by interpolation before filtering (s): the time
#: between the real samples either side, less one sample period. Two lost
#: packets of a typical BLE stream; long enough to keep a step's context, short
#: enough that an interpolated span cannot hide a whole stance (>= 150 ms).
MAX_BRIDGE_S = 0.1

#: Grid samples kept inside a long gap (s): enough for filters to settle
#: between blocks, bounded so that a clock jump cannot blow up memory.
MAX_GAP_FILL_S = 2.0

#: A grid may hold at most this many points per recorded sample: beyond it most
#: of the recording would be missing, which says the sample rate is wrong.
MAX_GRID_PER_SAMPLE = 4

#: Highest low-pass cut-off, as a fraction of the sample rate (0.8 x Nyquist).
MAX_CUTOFF_FRACTION = 0.4

#: Samples within this fraction of a period of their grid point are taken as
#: they are (interpolating them would move nothing but rounding errors).
ON_GRID_FRACTION = 1e-6

#: Posture filters run on block means at this many times their cut-off (Hz/Hz):
#: 25 Hz for the 0.25-Hz tilt filter, where its response is down to 1e-8.
POSTURE_RATE_PER_CUTOFF = 100.0

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
    """Resample a recording onto a uniform grid at its nominal rate, block by block.

    Parameters
    ----------
    recording
        Validated recording (strictly increasing time).
    max_bridge_s
        Gaps missing up to this much data (the time between the real samples
        either side, less one period) are bridged by linear interpolation
        (flagged in ``bridged``); longer gaps split the grid into ``blocks``.

    Notes
    -----
    Each block of contiguous data gets its own uniform grid. Between two blocks
    the grid goes on into the gap for at most :data:`MAX_GAP_FILL_S` (those
    samples belong to no block and are never analysed), then resumes at the next
    block's first sample: so memory follows the data, not the clock, and a clock
    jump of days costs what a short gap does.
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
    grid, in_long_gap = _block_grid(t, period, max_bridge_s, recording.source)
    acc = recording.acc_mps2
    gyr = recording.gyr_dps
    dead = tuple(int(j) for j in range(3) if np.ptp(acc[:, j]) == 0.0)
    if len(grid) == len(t) and np.max(np.abs(grid - t)) <= ON_GRID_FRACTION * period:
        # Already uniform (the usual case): the samples are the grid.
        bridged = np.zeros(len(t), bool)
        return UniformSignals(grid, acc, gyr, rate, bridged, _runs(~in_long_gap), dead)
    acc = _interp_columns(grid, t, acc)
    gyr = _interp_columns(grid, t, gyr) if gyr is not None else None

    # A grid point is bridged when the nearest recorded sample is more than
    # half a period away (inside a block every recorded interval is short).
    right = np.clip(np.searchsorted(t, grid), 1, len(t) - 1)
    nearest = np.minimum(np.abs(grid - t[right - 1]), np.abs(t[right] - grid))
    bridged = (nearest > 0.5 * period + 1e-9) & ~in_long_gap
    return UniformSignals(grid, acc, gyr, rate, bridged, _runs(~in_long_gap), dead)


def _block_grid(
    t: np.ndarray, period: float, max_bridge_s: float, source: str
) -> tuple[np.ndarray, np.ndarray]:
    """The grid times, and which of them lie in a long gap (see :func:`signals_uniform`)."""
    cut = np.flatnonzero(np.diff(t) > max_bridge_s + period + 1e-9) + 1
    first = np.concatenate([[0], cut])
    last = np.concatenate([cut - 1, [len(t) - 1]])
    span = t[last] - t[first]
    n_block = np.floor(span / period + 1e-6).astype(np.int64) + 1
    gap_s = np.append(t[first[1:]] - t[last[:-1]], 0.0)
    n_fill = np.minimum(
        np.floor(gap_s / period - 1e-6).astype(np.int64), int(MAX_GAP_FILL_S / period)
    )
    n_fill = np.maximum(n_fill, 0)
    total = int(n_block.sum() + n_fill.sum())
    if total > MAX_GRID_PER_SAMPLE * len(t):
        raise GaitbackError(
            f"{source}: at {1 / period:.0f} Hz its timestamps call for {total:,} samples but "
            f"it holds {len(t):,}: most would be missing; check the sample rate "
            "(sidecar sample_rate_hz)"
        )
    # Grid point k of a block (or of the filler after it) is start + k * period.
    if len(first) == 1:  # one block, the usual case: no table of owners
        return t[0] + np.arange(total) * period, np.zeros(total, bool)
    lengths = n_block + n_fill
    owner = np.repeat(np.arange(len(first)), lengths)
    offset = np.arange(total) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    grid = t[first][owner] + offset * period
    in_long_gap = offset >= n_block[owner]
    return grid, in_long_gap


def _interp_columns(grid: np.ndarray, t: np.ndarray, values: np.ndarray) -> np.ndarray:
    return np.column_stack([np.interp(grid, t, values[:, j]) for j in range(values.shape[1])])


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """``(start, stop)`` of the runs of True in ``mask``."""
    padded = np.concatenate([[False], mask, [False]])
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def cutoff_clamp(cutoff_hz: float, sample_rate_hz: float) -> float:
    """``cutoff_hz``, at most :data:`MAX_CUTOFF_FRACTION` of the sample rate."""
    return min(cutoff_hz, MAX_CUTOFF_FRACTION * sample_rate_hz)


def lowpass(
    x: np.ndarray, cutoff_hz: float, sample_rate_hz: float, order: int = 4, axis: int = 0
) -> np.ndarray:
    """Zero-phase Butterworth low-pass along ``axis`` (no delay: event times stay put).

    The cut-off is clamped to :data:`MAX_CUTOFF_FRACTION` of the sample rate:
    at a low rate a cut-off chosen for the signal (say 50 Hz at 100 Hz) would
    sit on the Nyquist frequency, where the design is ill-conditioned.
    """
    cutoff_hz = cutoff_clamp(cutoff_hz, sample_rate_hz)
    x = np.moveaxis(np.asarray(x, dtype=float), axis, -1)
    return np.moveaxis(filtfilt_fft(x, cutoff_hz, sample_rate_hz, order), -1, axis)


def lowpasses(
    x: np.ndarray, sample_rate_hz: float, lowest_hz: float
) -> Callable[[float], np.ndarray]:
    """:func:`lowpass` of one signal ``(n,)`` at any cut-off from ``lowest_hz`` up,
    sharing one forward FFT (cut-offs clamped as :func:`lowpass` clamps them)."""
    bank = Lowpasses(x, sample_rate_hz, cutoff_clamp(lowest_hz, sample_rate_hz))
    return lambda cutoff_hz: bank(cutoff_clamp(cutoff_hz, sample_rate_hz))


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

    Posture changes far slower than the samples come, so the filter runs on
    means of :data:`POSTURE_RATE_PER_CUTOFF` ``x cutoff_hz`` blocks (a
    boxcar, then a [1/4, 1/2, 1/4] smoother against aliasing) and is
    interpolated back: the result differs from filtering every sample by far
    less than the sensor's noise, at a fraction of the cost.
    """
    x = np.moveaxis(np.asarray(x, dtype=float), axis, 0)
    values, centres = posture_coarse(x, cutoff_hz, sample_rate_hz, edge_s)
    return np.moveaxis(posture_at(values, centres, np.arange(len(x))), 0, axis)


def posture_coarse(
    x: np.ndarray, cutoff_hz: float, sample_rate_hz: float, edge_s: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`lowpass_posture` of ``x`` (samples along axis 0) at block centres.

    Returns the filtered block values and the (fractional) sample index of
    each block's centre; :func:`posture_at` reads them at any samples, so a
    caller working chunk by chunk never holds the full-rate result.
    """
    n = len(x)
    if n < 2:
        return np.asarray(x, dtype=float).copy(), np.arange(n, dtype=float)
    every = max(1, int(sample_rate_hz // (POSTURE_RATE_PER_CUTOFF * cutoff_hz)))
    if every > 1 and n >= 8 * every:
        coarse, centres = _block_means(x, every)
        return _posture_filter(coarse, cutoff_hz, sample_rate_hz / every, edge_s), centres
    return _posture_filter(x, cutoff_hz, sample_rate_hz, edge_s), np.arange(n, dtype=float)


def posture_at(values: np.ndarray, centres: np.ndarray, index: np.ndarray) -> np.ndarray:
    """Values of :func:`posture_coarse` at sample indices ``index`` (linear between centres)."""
    if len(centres) == len(values) and len(index) and np.array_equal(centres, index):
        return values
    out = np.empty((len(index), *values.shape[1:]))
    flat = out.reshape(len(index), -1)
    for j, column in enumerate(values.reshape(len(values), -1).T):
        flat[:, j] = np.interp(index, centres, column)
    return out


def magnitude(x: np.ndarray) -> np.ndarray:
    """Euclidean norm of each row of ``x`` ``(n, k)``, summed column by column (the
    columns of a recording are contiguous; numpy reduces a short row axis several
    times slower). Equal to ``np.linalg.norm(x, axis=1)``, bit for bit."""
    out = np.square(x[:, 0])
    for j in range(1, x.shape[1]):
        out += np.square(x[:, j])
    return np.sqrt(out, out=out)


def block_means(x: np.ndarray, every: int) -> tuple[np.ndarray, np.ndarray]:
    """Means of consecutive ``every``-sample blocks of ``x`` along axis 0 (the last
    may be shorter), and the sample index of each block's centre.

    Summed as ``every`` strided slices: numpy reduces a short trailing axis
    (``reshape(-1, every).mean(axis=1)``) several times slower.
    """
    n = len(x)
    whole = n // every
    if every == 1:
        return np.asarray(x, dtype=float), np.arange(n, dtype=float)
    means = np.array(x[0 : whole * every : every], dtype=float)
    for j in range(1, every):
        means += x[j : whole * every : every]
    means *= 1.0 / every
    centres = np.arange(whole) * every + 0.5 * (every - 1)
    if whole * every < n:
        means = np.concatenate([means, x[whole * every :].mean(axis=0, keepdims=True)])
        centres = np.append(centres, 0.5 * (whole * every + n - 1))
    return means, centres


def _block_means(x: np.ndarray, every: int) -> tuple[np.ndarray, np.ndarray]:
    """:func:`block_means` of ``x`` smoothed [1/4, 1/2, 1/4] against aliasing."""
    means, centres = block_means(x, every)
    padded = np.concatenate([means[:1], means, means[-1:]])
    return 0.25 * padded[:-2] + 0.5 * padded[1:-1] + 0.25 * padded[2:], centres


def _posture_filter(
    x: np.ndarray, cutoff_hz: float, sample_rate_hz: float, edge_s: float
) -> np.ndarray:
    n = len(x)
    edge = max(1, min(n, int(edge_s * sample_rate_hz)))
    pad = int(min(4.0 / cutoff_hz, 60.0) * sample_rate_hz)
    head = np.broadcast_to(x[:edge].mean(axis=0), (pad, *x.shape[1:]))
    tail = np.broadcast_to(x[-edge:].mean(axis=0), (pad, *x.shape[1:]))
    out = lowpass(np.concatenate([head, x, tail]), cutoff_hz, sample_rate_hz, order=2)
    return out[pad : pad + n]


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
