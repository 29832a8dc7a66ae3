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
    padded = np.append(x, x[-1])
    idx = np.ravel(np.column_stack([i0, i1]))
    return ufunc.reduceat(padded, idx)[::2]


def padded_rows(x: np.ndarray, i0: np.ndarray, i1: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows ``x[i0[k]:i1[k]]`` padded to one width, and the mask of real samples."""
    width = int(np.max(i1 - i0))
    idx = i0[:, None] + np.arange(width)[None, :]
    valid = idx < i1[:, None]
    return x[np.minimum(idx, len(x) - 1)], valid
