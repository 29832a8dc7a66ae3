"""Standing / walking / running segments from orientation-free features.

The magnitude of specific force needs no orientation: it is ~1 g standing,
oscillates without ever leaving the ground while walking (double support keeps
it well above 0 g), and drops to ~0 g in every flight phase of running while
peaking at 2-3 g in stance.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from gaitback import columns as col
from gaitback.core.conditioning import lowpass

WINDOW_S = 2.0
HOP_S = 0.25
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
        this (flight ~0 g to stance peaks >= 2 g gives ~2 g; walking ~0.5-0.8 g).
    running_max_floor_g
        Running: the 5th percentile of |f| is at most this (flight phases).
    standing_max_std_g
        Standing: standard deviation of |f| below 5 Hz under this.
    standing_max_gyro_dps
        Standing: 95th percentile of angular speed below this (with a gyro).
    walking_min_std_g
        Walking: standard deviation of |f| below 5 Hz at least this.
    min_running_s
        Running segments shorter than this are labelled ``other``.
    """

    running_min_range_g: float = 1.0
    running_max_floor_g: float = 0.6
    standing_max_std_g: float = 0.025
    standing_max_gyro_dps: float = 25.0
    walking_min_std_g: float = 0.025
    min_running_s: float = 1.5


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
    p5, p95 = np.percentile(windows, [5, 95], axis=1)
    slow = lowpass(magnitude_g, min(SLOW_CUTOFF_HZ, 0.4 * sample_rate_hz), sample_rate_hz)
    std = sliding_window_view(slow, width)[::hop].std(axis=1)
    labels = np.full(len(windows), col.UNKNOWN_ACTIVITY, dtype=object)
    still = std < params.standing_max_std_g
    if gyro_speed_dps is not None:
        gyro_windows = sliding_window_view(gyro_speed_dps, width)[::hop]
        still &= np.percentile(gyro_windows, 95, axis=1) < params.standing_max_gyro_dps
    running = ((p95 - p5) >= params.running_min_range_g) & (p5 <= params.running_max_floor_g)
    walking = (
        ~running & ~still & (std >= params.walking_min_std_g) & (p5 > params.running_max_floor_g)
    )
    labels[still] = col.STANDING
    labels[walking] = col.WALKING
    labels[running] = col.RUNNING
    return centres, labels


def activity_segments(
    time_s: np.ndarray,
    magnitude_g: np.ndarray,
    gyro_speed_dps: np.ndarray | None,
    sample_rate_hz: float,
    blocks: list[tuple[int, int]],
    params: ActivityParams = ActivityParams(),
) -> pd.DataFrame:
    """Segments of one activity each, never spanning a long gap.

    Returns
    -------
    DataFrame
        ``start_s``, ``end_s``, ``activity``, ``start_idx``, ``stop_idx`` (grid indices).
    """
    rows = []
    for start, stop in blocks:
        if stop - start < 4:
            continue
        mag = magnitude_g[start:stop]
        gyro = gyro_speed_dps[start:stop] if gyro_speed_dps is not None else None
        centres, labels = activity_label_windows(mag, gyro, sample_rate_hz, params)
        # Each sample takes the label of the nearest window centre.
        edges = (centres[:-1] + centres[1:]) // 2
        owner = np.searchsorted(edges, np.arange(stop - start), side="right")
        per_sample = labels[owner]
        change = np.flatnonzero(per_sample[1:] != per_sample[:-1]) + 1
        bounds = np.concatenate([[0], change, [stop - start]])
        for a, b in zip(bounds[:-1], bounds[1:], strict=True):
            rows.append((start + int(a), start + int(b), per_sample[a]))
    rows = _merge_short_running(rows, time_s, params.min_running_s)
    return pd.DataFrame(
        {
            "start_s": [time_s[a] for a, _, _ in rows],
            "end_s": [time_s[b - 1] for _, b, _ in rows],
            "activity": [k for _, _, k in rows],
            "start_idx": [a for a, _, _ in rows],
            "stop_idx": [b for _, b, _ in rows],
        }
    )


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
