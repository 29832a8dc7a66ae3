"""How a recording's columns lie in memory: each sensor's three axes as rows of one block.

The reader (:func:`gaitback.recording.read_recording`) lays them out so
(:func:`sensor_blocks`); :func:`columns_array` then hands the analysis ``(n, 3)``
views instead of copies.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gaitback import schema as col


def columns_array(data: pd.DataFrame, names: tuple[str, ...] | list[str]) -> np.ndarray:
    """``data[names]`` as a read-only ``(n, k)`` float array, without copying when it can.

    When the columns are consecutive rows of one float64 block (as
    :func:`read_recording` lays them out), the array is a strided view of that
    block: an hour at 200 Hz is 17 MB per three columns, which the analysis
    would otherwise hold twice. Any other layout gets a copy.
    """
    views = [data[c].to_numpy() for c in names]
    if _one_block_rows(views):
        step = _address(views[1]) - _address(views[0]) if len(views) > 1 else 8
        return np.lib.stride_tricks.as_strided(
            views[0], shape=(len(views[0]), len(views)), strides=(8, step), writeable=False
        )
    out = np.column_stack([np.asarray(v, dtype=float) for v in views])
    out.flags.writeable = False
    return out


def _address(a: np.ndarray) -> int:
    return int(a.__array_interface__["data"][0])


def _root(a: np.ndarray) -> np.ndarray:
    while isinstance(a.base, np.ndarray):
        a = a.base
    return a


def _one_block_rows(views: list[np.ndarray]) -> bool:
    """Whether the 1-D arrays are evenly spaced, contiguous float64 rows of one buffer."""
    if not views or any(v.dtype != np.float64 or v.strides != (8,) for v in views):
        return False
    root = _root(views[0])
    if any(_root(v) is not root or len(v) != len(views[0]) for v in views):
        return False
    addresses = [_address(v) for v in views]
    steps = {b - a for a, b in zip(addresses, addresses[1:], strict=False)}
    return len(steps) <= 1 and all(s >= 8 * len(views[0]) for s in steps)


def sensor_blocks(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with each sensor's three axes as rows of one block (see :func:`columns_array`).

    One copy of the axes while reading; the analysis then takes views instead of
    copies. A block per sensor (17 MB for an hour at 200 Hz), not one for the
    whole file: below glibc's mmap ceiling, so it reuses the heap the parser
    has just freed instead of fresh pages; the other columns stay as parsed.
    """
    if frame.empty:
        return frame
    columns = {name: frame[name].to_numpy() for name in frame.columns}
    for axes in (col.ACC, col.GYR):
        if not all(c in columns and columns[c].dtype == np.float64 for c in axes):
            continue
        block = np.empty((len(axes), len(frame)))
        for row, name in zip(block, axes, strict=True):
            row[:] = columns[name]
        columns.update(zip(axes, block, strict=True))
    return pd.DataFrame(columns, columns=frame.columns, copy=False)
