"""Vectorised reductions over many index ranges of one signal (one range per step)."""

from __future__ import annotations

import numpy as np


def mean_between(x: np.ndarray, i0: np.ndarray, i1: np.ndarray) -> np.ndarray:
    """Mean of ``x[i0[k]:i1[k]]`` for every k (ranges clipped to ``x``, never empty)."""
    csum = np.concatenate([[0.0], np.cumsum(x)])
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
    """Rows ``x[i0[k]:i1[k]]`` padded to one width, and the mask of real samples."""
    width = int(np.max(i1 - i0))
    # An hour holds ~10^4 steps of ~10^2 samples: 32-bit indices, clipped in
    # place, keep the index table at a quarter of what int64 plus a clipped
    # copy would take.
    kind = np.int32 if len(x) < 2**31 - width else np.int64
    idx = i0.astype(kind)[:, None] + np.arange(width, dtype=kind)[None, :]
    valid = idx < i1[:, None]
    np.minimum(idx, len(x) - 1, out=idx)
    return x[idx], valid
