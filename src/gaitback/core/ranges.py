"""Vectorised reductions over many index ranges of one signal (one range per step)."""

from __future__ import annotations

import numpy as np


def running_sum(x: np.ndarray) -> np.ndarray:
    """``[0, x[0], x[0] + x[1], ...]``: the cumulative sum after a zero, written in
    place (prepending the zero to ``np.cumsum`` copies a whole recording)."""
    out = np.empty(len(x) + 1, dtype=np.cumsum(x[:1]).dtype)
    out[0] = 0
    np.cumsum(x, out=out[1:])
    return out


def mean_between(x: np.ndarray, i0: np.ndarray, i1: np.ndarray) -> np.ndarray:
    """Mean of ``x[i0[k]:i1[k]]`` for every k (ranges clipped to ``x``, never empty)."""
    csum = running_sum(x)
    i1 = np.minimum(i1, len(x))
    i0 = np.minimum(i0, i1 - 1)
    return (csum[i1] - csum[i0]) / (i1 - i0)


def reduce_between(ufunc: np.ufunc, x: np.ndarray, i0: np.ndarray, i1: np.ndarray) -> np.ndarray:
    """``ufunc.reduce(x[i0[k]:i1[k]])`` for every k (ranges may overlap; i1 > i0)."""
    i1 = np.asarray(i1)
    # reduceat needs every index inside x; ranges that run to its end are done alone.
    at_end = i1 >= len(x)
    idx = np.ravel(np.column_stack([i0, np.where(at_end, len(x) - 1, i1)]))
    out = ufunc.reduceat(x, idx)[::2]
    for k in np.flatnonzero(at_end):
        out[k] = ufunc.reduce(x[int(i0[k]) :])
    return out


def padded_rows(x: np.ndarray, i0: np.ndarray, i1: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows ``x[i0[k]:i1[k]]`` padded to one width, and the mask of real samples.

    Samples past the end of ``x`` repeat its last one (``i0 >= 0``).
    """
    i0, i1 = np.asarray(i0), np.asarray(i1)
    width = int(np.max(i1 - i0))
    n = len(x)
    valid = np.arange(width) < (i1 - i0)[:, None]
    # Whole rows taken from a sliding view: a copy per row, no table of indices
    # (an hour holds ~10^4 steps of ~10^2 samples).
    if n >= width:
        rows = np.lib.stride_tricks.sliding_window_view(x, width)[np.minimum(i0, n - width)]
    else:
        rows = np.empty((len(i0), width), dtype=x.dtype)
    over = np.flatnonzero(i0 > n - width)  # the few rows that run past the end
    rows[over] = x[np.minimum(i0[over, None] + np.arange(width), n - 1)]
    return rows, valid
