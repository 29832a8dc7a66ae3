"""Standing / walking / running segments from orientation-free features.

The magnitude of specific force needs no orientation: it is ~1 g standing and
oscillates gently while walking (double support keeps it within ~0.5 g of
1 g). Running is a train of stance pulses, one per step: peaks of 2-3 g with
flight between, at a cadence of 135-240 steps/min, and over whole strides a
mean of 1 g. It is recognised by the size of the pulses *and* their
periodicity (the autocorrelation at one step and one stride), never by how
close to 0 g the flight gets: a sensor on a soft belt or at the side of the
hip may never read below 0.5 g, while broadband noise or a shaken sensor can
reach 0 g without being periodic.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from gaitback import schema as col
from gaitback.core.conditioning import block_means, lowpass, magnitude
from gaitback.core.ranges import running_sum
from gaitback.schema import STANDARD_GRAVITY_MPS2

WINDOW_S = 2.0
HOP_S = 0.25
#: Window for the periodicity test: long enough to hold several strides at the
#: slowest running cadence (a stride of 0.9 s at 135 steps/min).
PERIODICITY_WINDOW_S = 4.0
#: Rate the periodicity test runs at (the magnitude is low-passed at 20 Hz first).
PERIODICITY_RATE_HZ = 50.0
#: Rate the labels are computed at (Hz; see :func:`activity_segments`).
ACTIVITY_RATE_HZ = 100.0
#: Low-pass of the specific force whose magnitude is labelled (Hz): keeps the
#: stance pulses, drops clip and soft-tissue ringing.
MAGNITUDE_CUTOFF_HZ = 20.0
#: Upper edge of the band used to tell walking from standing (walking steps at
#: ~2 Hz and their first harmonics).
SLOW_CUTOFF_HZ = 5.0


@dataclass(frozen=True)
class ActivityParams:
    """Thresholds of the activity classifier, in g of specific force magnitude.

    Parameters
    ----------
    running_min_range_g
        Running: the 5th-95th percentile range of |f| in a 2-s window is at least
        this (flight ~0 g to stance peaks >= 2 g gives ~2 g; a soft belt that
        bottoms out at 0.55 g and smooths the peaks to ~1.5 g still gives
        ~0.9 g). Walking reaches a similar range only at heavy heel strikes;
        its cadence (< 135 steps/min) tells it apart.
    running_cadence_spm
        Running cadences: the step period is searched in this range.
    running_min_step_regularity, running_min_stride_regularity
        Running: the unbiased autocorrelation of |f| at one step and at one
        stride (Moe-Nilssen & Helbostad 2004) in a 4-s window reaches these.
        Steady running gives 0.8-0.98; step-time jitter (uneven ground) lowers
        the stride value most (two steps of jitter), to ~0.45; broadband noise
        stays below ~0.3.
    running_mean_range_g
        Running: the window mean of |f| lies in this range (over whole strides
        the vertical component alone averages 1 g; braking and push-off add
        up to ~0.5 g to the magnitude on real runs).
    running_max_floor_g
        Walking: the 5th percentile of |f| stays above this (double support).
    standing_max_std_g
        Standing: standard deviation of |f| below 5 Hz under this.
    standing_max_gyro_dps
        Standing: 95th percentile of angular speed below this (with a gyro).
    walking_min_std_g
        Walking: standard deviation of |f| below 5 Hz at least this.
    min_running_s
        Running segments shorter than this are labelled ``other``.
    """

    running_min_range_g: float = 0.75
    running_cadence_spm: tuple[float, float] = (135.0, 240.0)
    running_min_step_regularity: float = 0.5
    running_min_stride_regularity: float = 0.35
    running_mean_range_g: tuple[float, float] = (0.8, 2.5)
    running_max_floor_g: float = 0.6
    standing_max_std_g: float = 0.025
    standing_max_gyro_dps: float = 25.0
    walking_min_std_g: float = 0.025
    min_running_s: float = 3.0


def activity_label_windows(
    magnitude_g: np.ndarray,
    gyro_speed_dps: np.ndarray | None,
    sample_rate_hz: float,
    params: ActivityParams = ActivityParams(),
) -> tuple[np.ndarray, np.ndarray]:
    """Label sliding windows; return (window centre indices, labels).

    Flight and stance peaks are read on ``magnitude_g`` as given; the
    still-versus-walking decision on its content below 5 Hz, where body sway
    and walking live but most sensor noise does not.
    """
    width = max(4, int(round(WINDOW_S * sample_rate_hz)))
    hop = max(1, int(round(HOP_S * sample_rate_hz)))
    n = len(magnitude_g)
    if n < width:
        width = n
    windows = sliding_window_view(magnitude_g, width)[::hop]
    centres = np.arange(len(windows)) * hop + width // 2
    p5, p95 = _window_percentiles(windows[:, :: _thin(sample_rate_hz)], (5, 95))
    std = _slow_std(magnitude_g, sample_rate_hz, width, hop, len(windows))
    labels = np.full(len(windows), col.UNKNOWN_ACTIVITY, dtype=object)
    still = std < params.standing_max_std_g
    if gyro_speed_dps is not None and still.any():
        # Only windows still by the accelerometer need the gyroscope's word.
        gyro_windows = sliding_window_view(gyro_speed_dps, width)[::hop][still]
        still[still] = _window_percentiles(gyro_windows, (95,))[0] < params.standing_max_gyro_dps
    csum = running_sum(magnitude_g)
    starts = np.arange(len(windows)) * hop
    mean_g = (csum[starts + width] - csum[starts]) / width
    running = _running_rule(p95 - p5, mean_g, magnitude_g, centres, sample_rate_hz, params, True)
    walking = (
        ~running & ~still & (std >= params.walking_min_std_g) & (p5 > params.running_max_floor_g)
    )
    labels[still] = col.STANDING
    labels[walking] = col.WALKING
    labels[running] = col.RUNNING
    return centres, labels


def running_at(
    magnitude_g: np.ndarray,
    centres: np.ndarray,
    sample_rate_hz: float,
    params: ActivityParams = ActivityParams(),
) -> np.ndarray:
    """Whether the windows around ``centres`` (sample indices) pass the running rule.

    The same rule as :func:`activity_label_windows`, for a few chosen instants
    (the live analyser asks it about each new foot strike).
    """
    n = len(magnitude_g)
    width = min(n, max(4, int(round(WINDOW_S * sample_rate_hz))))
    centres = np.asarray(centres, int)
    if len(centres) == 0 or width < 4:
        return np.zeros(len(centres), bool)
    starts = np.clip(centres - width // 2, 0, n - width)
    windows = sliding_window_view(magnitude_g, width)[starts]
    p5, p95 = _window_percentiles(windows, (5, 95))
    return _running_rule(
        p95 - p5, windows.mean(axis=1), magnitude_g, centres, sample_rate_hz, params
    )


def _slow_std(
    magnitude_g: np.ndarray, sample_rate_hz: float, width: int, hop: int, n_windows: int
) -> np.ndarray:
    """Standard deviation of |f| below :data:`SLOW_CUTOFF_HZ` in each window.

    Computed at about :data:`PERIODICITY_RATE_HZ`: content below 5 Hz needs no
    more, and ``magnitude_g`` (low-passed at 20 Hz) leaves nothing that would
    fold below 5 Hz from there.
    """
    every = _thin(sample_rate_hz)
    slow = lowpass(magnitude_g[::every], SLOW_CUTOFF_HZ, sample_rate_hz / every)
    width_d = max(2, min(len(slow), int(round(width / every))))
    starts = np.minimum(
        np.round(np.arange(n_windows) * hop / every).astype(int), len(slow) - width_d
    )
    view = sliding_window_view(slow, width_d)
    return np.concatenate(
        [view[starts[a : a + 2048]].std(axis=1) for a in range(0, n_windows, 2048)]
        or [np.array([])]
    )


def _thin(sample_rate_hz: float) -> int:
    """Stride that reads ``|f|`` at about :data:`PERIODICITY_RATE_HZ` (offline it is
    low-passed at 20 Hz: every other sample of 100 Hz holds its spread, its slow
    part and its period)."""
    return max(1, int(sample_rate_hz // PERIODICITY_RATE_HZ))


def _window_percentiles(windows: np.ndarray, q: tuple[float, ...], chunk: int = 2048) -> np.ndarray:
    """Percentiles ``q`` of each window (rows), as ``np.percentile`` (linear), ``chunk``
    windows at a time (an hour's windows would hold ~50 MB copied at once).

    Each chunk is sorted whole: numpy sorts short float rows with vector
    instructions, several times faster than the partition ``np.percentile`` runs.
    """
    width = windows.shape[1]
    where = (width - 1) * np.asarray(q, dtype=float) / 100.0
    below = np.minimum(np.floor(where).astype(int), width - 1)
    above = np.minimum(below + 1, width - 1)
    frac = where - below
    out = np.empty((len(q), len(windows)))
    for a in range(0, len(windows), chunk):
        ordered = np.sort(windows[a : a + chunk], axis=1)
        for j in range(len(q)):
            lo, hi = ordered[:, below[j]], ordered[:, above[j]]
            # numpy's lerp: from the nearer end, so that a whole rank is exact.
            if frac[j] < 0.5:
                out[j, a : a + chunk] = lo + (hi - lo) * frac[j]
            else:
                out[j, a : a + chunk] = hi - (hi - lo) * (1.0 - frac[j])
    return out


def _running_rule(
    spread_g: np.ndarray,
    mean_g: np.ndarray,
    magnitude_g: np.ndarray,
    centres: np.ndarray,
    sample_rate_hz: float,
    params: ActivityParams,
    hop_spaced: bool = False,
) -> np.ndarray:
    # Regularity is the median over five windows a hop apart (+-0.5 s): one
    # irregular stride (a stumble, a kerb, uneven ground) does not break a run,
    # and an isolated regular-looking stretch of noise does not make one. When
    # the centres are themselves a hop apart, those windows are their neighbours.
    if hop_spaced:
        step_r, stride_r = periodicity_windows(magnitude_g, centres, sample_rate_hz, params)
        step_r, stride_r = _median5(step_r), _median5(stride_r)
    else:
        hop = max(1, int(round(HOP_S * sample_rate_hz)))
        around = (centres[None, :] + hop * np.arange(-2, 3)[:, None]).ravel()
        around = np.clip(around, 0, len(magnitude_g) - 1)
        step_all, stride_all = periodicity_windows(magnitude_g, around, sample_rate_hz, params)
        step_r = np.median(step_all.reshape(5, -1), axis=0)
        stride_r = np.median(stride_all.reshape(5, -1), axis=0)
    return (
        (spread_g >= params.running_min_range_g)
        & (mean_g >= params.running_mean_range_g[0])
        & (mean_g <= params.running_mean_range_g[1])
        & (step_r >= params.running_min_step_regularity)
        & (stride_r >= params.running_min_stride_regularity)
    )


def _median5(x: np.ndarray) -> np.ndarray:
    """Median of each value and its two neighbours either side (ends repeated)."""
    if len(x) == 0:
        return x
    padded = np.concatenate([np.repeat(x[:1], 2), x, np.repeat(x[-1:], 2)])
    return np.median(sliding_window_view(padded, 5), axis=1)


def periodicity_windows(
    magnitude_g: np.ndarray,
    centres: np.ndarray,
    sample_rate_hz: float,
    params: ActivityParams = ActivityParams(),
) -> tuple[np.ndarray, np.ndarray]:
    """Step and stride regularity of |f| in a window around each centre.

    The step lag is the highest autocorrelation peak within the running
    cadence range; the stride regularity is the autocorrelation at twice that
    lag (best of the neighbouring lags). The signal is taken down to about
    :data:`PERIODICITY_RATE_HZ` first (step periods are hundreds of
    milliseconds; 20 ms lags resolve them).

    Notes
    -----
    Windows a hop apart overlap sixteen-fold, so the unbiased autocorrelation
    of each mean-removed window is assembled from running sums, one lag at a
    time, instead of one transform per window (and at the stride lags only
    where some window's step lag asks for them): with ``S_k`` the sum of
    ``x[i] x[i+k]`` over the window's first ``W - k`` samples, ``A`` and ``B``
    the sums of its first and last ``W - k`` samples and ``m`` its mean,
    ``acf(k) = (S_k - m (A + B) + (W - k) m**2) W / (W - k)``, normalised by
    ``acf(0)``.
    """
    every = _thin(sample_rate_hz)
    x = np.asarray(magnitude_g[::every], dtype=float)
    centres = np.asarray(centres) // every
    sample_rate_hz = sample_rate_hz / every
    n = len(x)
    width = min(n, max(8, int(round(PERIODICITY_WINDOW_S * sample_rate_hz))))
    lo = max(1, int(60.0 / params.running_cadence_spm[1] * sample_rate_hz))
    hi = int(np.ceil(60.0 / params.running_cadence_spm[0] * sample_rate_hz))
    step_r = np.zeros(len(centres))
    stride_r = np.zeros(len(centres))
    if 2 * hi + 2 >= width or len(centres) == 0:
        return step_r, stride_r
    # Centred on the whole signal's mean, the running sums stay small and exact.
    x = x - x.mean()
    starts = np.clip(centres - width // 2, 0, n - width)
    csum = running_sum(x)
    top = min(2 * hi + 1, width - 1)
    step_lags = np.arange(lo, hi + 1)
    acf = _window_acf(x, csum, starts, width, np.concatenate([[0], step_lags]))
    power = acf[0]
    valid = power > 1e-12 * width
    step_acf = np.divide(acf[1:], power, out=np.zeros_like(acf[1:]), where=valid)
    best = np.argmax(step_acf, axis=0)
    cols = np.arange(len(best))
    step_r[:] = step_acf[best, cols]
    # Only the lags some window's stride asks for (a steady cadence asks for a few).
    wanted = np.minimum(2 * (lo + best) + np.array([[-1], [0], [1]]), top)
    stride_lags = np.unique(wanted)
    stride_acf = _window_acf(x, csum, starts, width, stride_lags)
    np.divide(stride_acf, power, out=stride_acf, where=valid)
    stride_acf[:, ~valid] = 0.0
    stride_r[:] = stride_acf[np.searchsorted(stride_lags, wanted), cols].max(axis=0)
    return step_r, stride_r


def _window_acf(
    x: np.ndarray, csum: np.ndarray, starts: np.ndarray, width: int, lags: np.ndarray
) -> np.ndarray:
    """Unbiased autocorrelation ``(len(lags), len(starts))`` of each mean-removed
    window ``x[start : start + width]`` (see :func:`periodicity_windows`);
    ``csum`` is the running sum of ``x`` from 0."""
    spans = (width - lags)[:, None]
    acf = _window_lagged_sums(x, starts, spans[:, 0], lags)
    mean = (csum[starts + width] - csum[starts]) / width
    ends = csum[starts + spans] - csum[starts]
    ends += csum[starts + width] - csum[starts + lags[:, None]]
    ends *= mean
    acf -= ends
    acf += spans * (mean * mean)
    acf *= width / spans
    return acf


def _window_lagged_sums(
    x: np.ndarray, starts: np.ndarray, spans: np.ndarray, lags: np.ndarray
) -> np.ndarray:
    """``sum(x[i] * x[i + lags[k]])`` for ``i`` from ``starts[j]`` over ``spans[k]``
    samples: ``(len(lags), len(starts))``.

    The running sum of each lag's products is needed at the windows' ends only,
    so the products are summed between consecutive ends (``np.add.reduceat``)
    and only those sums accumulated: a running sum over every sample costs
    several times more.
    """
    firsts, which = np.unique(starts, return_inverse=True)
    out = np.empty((len(lags), len(starts)))
    for row, (lag, span) in enumerate(zip(lags, spans, strict=True)):
        products = x[: len(x) - lag] * x[lag:]
        at_first = _running_sum_at(products, firsts)
        at_last = _running_sum_at(products, firsts + span)
        at_last -= at_first
        out[row] = at_last[which]
    return out


def _running_sum_at(values: np.ndarray, cuts: np.ndarray) -> np.ndarray:
    """``values[:c].sum()`` for each of the increasing ``cuts`` (at most ``len(values)``)."""
    inside = cuts[cuts < len(values)]
    head = values[: cuts[0]].sum() if len(cuts) else 0.0
    # The sums between cuts; the last one runs to the end, which is a cut only
    # if the last cut is the end itself.
    between = np.add.reduceat(values, inside) if len(inside) else np.zeros(0)
    return np.cumsum(np.concatenate([[head], between])[: len(cuts)])


def activity_segments(
    time_s: np.ndarray,
    acc_mps2: np.ndarray,
    gyr_dps: np.ndarray | None,
    sample_rate_hz: float,
    blocks: list[tuple[int, int]],
    params: ActivityParams = ActivityParams(),
) -> pd.DataFrame:
    """Segments of one activity each, never spanning a long gap.

    Parameters
    ----------
    time_s
        Uniform grid times.
    acc_mps2, gyr_dps
        Sensor-frame samples ``(n, 3)`` on that grid (``gyr_dps`` may be ``None``).
    sample_rate_hz
        Grid rate.
    blocks
        Contiguous index ranges (split at long gaps); each is labelled alone.
    params
        Classifier thresholds.

    Returns
    -------
    DataFrame
        ``start_s``, ``end_s``, ``activity``, ``start_idx``, ``stop_idx`` (grid indices).

    Notes
    -----
    The labels are read from ``|f|`` low-passed at 20 Hz, so each block is first
    taken down to means of samples at about :data:`ACTIVITY_RATE_HZ` (a boxcar
    that passes 20 Hz at 95 % or more): a 2-s window then holds 200 samples
    whatever the sensor's rate, and segment edges keep a 10-ms resolution.
    """
    rows = []
    for start, stop in blocks:
        if stop - start < 4:
            continue
        every = max(1, int(sample_rate_hz // ACTIVITY_RATE_HZ))
        if stop - start < 16 * every:
            every = 1
        rate = sample_rate_hz / every
        acc, _ = block_means(acc_mps2[start:stop], every)
        mag = lowpass(magnitude(acc), MAGNITUDE_CUTOFF_HZ, rate)
        mag /= STANDARD_GRAVITY_MPS2
        gyro = None
        if gyr_dps is not None:
            gyro = magnitude(block_means(gyr_dps[start:stop], every)[0])
        centres, labels = activity_label_windows(mag, gyro, rate, params)
        # Each sample takes the label of the nearest window centre: the label
        # changes at the midpoint between two centres whose labels differ.
        edges = (centres[:-1] + centres[1:]) * every // 2
        change = np.flatnonzero(labels[1:] != labels[:-1])
        bounds = np.concatenate([[0], edges[change], [stop - start]])
        kinds = labels[np.concatenate([[0], change + 1])]
        for a, b, kind in zip(bounds[:-1], bounds[1:], kinds, strict=True):
            rows.append((start + int(a), start + int(b), kind))
    rows = _merge_short_running(rows, time_s, params.min_running_s)
    rows = _widen_running(rows, sample_rate_hz)
    return pd.DataFrame(
        {
            "start_s": [time_s[a] for a, _, _ in rows],
            "end_s": [time_s[b - 1] for _, b, _ in rows],
            "activity": [k for _, _, k in rows],
            "start_idx": [a for a, _, _ in rows],
            "stop_idx": [b for _, b, _ in rows],
        }
    )


def _widen_running(
    rows: list[tuple[int, int, str]], sample_rate_hz: float
) -> list[tuple[int, int, str]]:
    """Give each running bout back what its periodicity window blurred at each end.

    A 4-s window half outside a bout reads low regularity, and the median over
    neighbouring windows (+-2 hops) needs most of them regular, so the labels
    can start a bout up to half a window plus two hops late (2.5 s) and end it
    as early. Up to that much of a neighbouring unlabelled stretch (neither
    standing nor walking) goes back to the bout; no step is invented by it,
    since steps still need stance pulses.
    """
    reach = int(round((0.5 * PERIODICITY_WINDOW_S + 2 * HOP_S) * sample_rate_hz))
    out = [list(r) for r in rows]
    for k, (a, b, kind) in enumerate(rows):
        if kind != col.RUNNING:
            continue
        if k > 0 and out[k - 1][2] == col.UNKNOWN_ACTIVITY and out[k - 1][1] == a:
            take = min(reach, out[k - 1][1] - out[k - 1][0])
            if take > 0:
                out[k - 1][1] -= take
                out[k][0] -= take
        if k + 1 < len(out) and out[k + 1][2] == col.UNKNOWN_ACTIVITY and (out[k + 1][0] == b):
            take = min(reach, out[k + 1][1] - out[k + 1][0])
            if take > 0:
                out[k + 1][0] += take
                out[k][1] += take
    return [(a, b, kind) for a, b, kind in out if b > a]


def _merge_short_running(
    rows: list[tuple[int, int, str]], time_s: np.ndarray, min_running_s: float
) -> list[tuple[int, int, str]]:
    out: list[tuple[int, int, str]] = []
    for a, b, kind in rows:
        if kind == col.RUNNING and time_s[b - 1] - time_s[a] < min_running_s:
            kind = col.UNKNOWN_ACTIVITY
        if out and out[-1][2] == kind and out[-1][1] == a:
            out[-1] = (out[-1][0], b, kind)
        else:
            out.append((a, b, kind))
    return out
