"""Local peaks of a signal by height, spacing and prominence, vectorised.

The rules are those of ``scipy.signal.find_peaks`` (``tests/test_filters.py``
compares the two), applied in the same order: height, then distance (the
highest peak wins within ``distance`` samples), then prominence. Written in
numpy because importing ``scipy.signal`` costs more than analysing an hour of
running.
"""

from __future__ import annotations

import numpy as np


def local_maxima(x: np.ndarray) -> np.ndarray:
    """Indices of local maxima; a flat top counts once, at its middle (left of two)."""
    if len(x) < 3:
        return np.array([], dtype=int)
    slope = np.sign(np.diff(x)).astype(np.int8)
    moves = np.flatnonzero(slope)  # steps that rise or fall; flat ones are skipped
    direction = slope[moves]
    # A peak spans from just after a rise to the next step that moves, when it falls.
    top = np.flatnonzero((direction[:-1] > 0) & (direction[1:] < 0))
    return (moves[top] + 1 + moves[top + 1]) // 2


def _previous_higher(values: np.ndarray, strict: bool) -> np.ndarray:
    """Index of the nearest earlier element higher than each (``-1`` if none).

    ``strict``: strictly higher (equal ones are passed over), else at least as high.

    Binary lifting on a sparse table of prefix maxima: a few vectorised passes.
    """
    n = len(values)
    levels = [values]
    span = 1
    while 2 * span <= n:
        prev = levels[-1]
        # levels[l][i] = max(values[i - 2**l + 1 : i + 1])
        levels.append(np.maximum(prev, np.concatenate([np.full(span, -np.inf), prev[:-span]])))
        span *= 2
    pos = np.arange(n) - 1  # candidate: scan leftwards from here
    for level in range(len(levels) - 1, -1, -1):
        width = 1 << level
        ok = pos >= 0
        block_max = np.where(ok, levels[level][np.maximum(pos, 0)], np.inf)
        # Skip the whole block when nothing in it is higher.
        skip = ok & ((block_max <= values) if strict else (block_max < values))
        pos = np.where(skip, pos - width, pos)
    return np.maximum(pos, -1)


def _range_min(values: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """``min(values[lo:hi])`` for each pair (``hi > lo``), by a sparse table."""
    table = [values]
    span = 1
    while 2 * span <= len(values):
        prev = table[-1]
        table.append(np.minimum(prev[:-span], prev[span:]))
        span *= 2
    level = np.floor(np.log2(np.maximum(hi - lo, 1))).astype(int)
    out = np.empty(len(lo))
    for k in np.unique(level):
        sel = level == k
        out[sel] = np.minimum(table[k][lo[sel]], table[k][hi[sel] - (1 << k)])
    return out


def peak_prominences(
    x: np.ndarray, peaks: np.ndarray, maxima: np.ndarray | None = None
) -> np.ndarray:
    """Prominence of each peak: its height above the higher of its two bases.

    A base is the lowest point between the peak and the nearest strictly
    higher sample on that side (or the signal's end). That sample lies on the
    flank of the nearest higher local maximum, and nothing between is higher
    than the peak, so the base is the lowest of the valleys between the two
    maxima: the search runs over local maxima, not samples (``maxima``:
    :func:`local_maxima` of ``x``, when the caller has it).
    """
    if len(peaks) == 0:
        return np.array([])
    if maxima is None:
        maxima = local_maxima(x)
    k = len(maxima)
    # valley[0]: before the first maximum; valley[j]: between maxima j-1 and j;
    # valley[k]: after the last.
    between = np.minimum.reduceat(x, maxima)
    valley = np.concatenate([[x[: maxima[0] + 1].min()], between])
    heights = x[maxima]
    where = np.searchsorted(maxima, peaks)
    left = _previous_higher(heights, strict=True)[where]
    right_rev = _previous_higher(heights[::-1], strict=True)[::-1][where]
    right = np.where(right_rev >= 0, k - 1 - right_rev, k)
    left_base = _range_min(valley, left + 1, where + 1)
    right_base = _range_min(valley, where + 1, right + 1)
    return x[peaks] - np.maximum(left_base, right_base)


def _distance_select(x: np.ndarray, peaks: np.ndarray, distance: int) -> np.ndarray:
    """Keep the highest peak within ``distance`` samples, as a greedy pass from the top would."""
    keep = np.zeros(len(peaks), bool)
    alive = np.ones(len(peaks), bool)
    heights = x[peaks]
    while alive.any():
        idx = np.flatnonzero(alive)
        pos, h = peaks[idx], heights[idx]
        lo = np.searchsorted(pos, pos - distance + 1)
        hi = np.searchsorted(pos, pos + distance - 1, side="right")
        # Highest within reach among those still alive (ties: the leftmost wins,
        # as a stable sort from the top would have it).
        top = _window_argmax(h, lo, hi)
        winners = top == np.arange(len(idx))
        keep[idx[winners]] = True
        # Whatever a winner reaches is gone.
        win_pos = pos[winners]
        near = np.searchsorted(win_pos, pos)
        dist_right = np.where(near < len(win_pos), np.append(win_pos, 0)[near] - pos, distance)
        dist_left = np.where(near > 0, pos - win_pos[np.maximum(near - 1, 0)], distance)
        dead = (np.minimum(dist_right, dist_left) < distance) | winners
        alive[idx[dead]] = False
    return peaks[keep]


def _window_argmax(h: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Index of the highest of ``h[lo:hi]`` for each window (leftmost on ties)."""
    # Windows are short (a step's reach): loop over the offset, not the windows.
    best = lo.copy()
    longest = int((hi - lo).max()) if len(h) else 0
    for offset in range(1, longest):
        k = lo + offset
        ok = k < hi
        kk = np.where(ok, k, best)
        better = ok & (h[kk] > h[best])
        best = np.where(better, kk, best)
    return best


def peaks_find(
    x: np.ndarray, height: float, distance: int = 1, prominence: float = 0.0
) -> np.ndarray:
    """Peaks at least ``height`` high, ``distance`` samples apart, ``prominence`` prominent."""
    x = np.asarray(x, dtype=float)
    maxima = local_maxima(x)
    peaks = maxima[x[maxima] >= height]
    if distance > 1 and len(peaks) > 1:
        peaks = _distance_select(x, peaks, int(distance))
    if prominence > 0 and len(peaks):
        peaks = peaks[peak_prominences(x, peaks, maxima) >= prominence]
    return peaks
