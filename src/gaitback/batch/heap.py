"""Keep large temporaries on the heap while one file is analysed (glibc only).

An analysis allocates and frees arrays of a few to a few tens of megabytes
many times over. glibc serves them from the heap and reuses the pages, as
long as its mmap threshold adapts (the default). Dask starts its workers with
``MALLOC_TRIM_THRESHOLD_=65536`` so that freed memory goes back to the system
at once; setting it freezes the mmap threshold at 128 KB, so every temporary
is a fresh ``mmap`` whose pages the kernel must zero on first touch. A
one-hour recording then takes ~580,000 page faults instead of ~8,000 and
twice the CPU (``tests/test_batch_heap.py`` counts the faults;
``python benchmarks/run.py --only throughput`` times a Dask cluster).

:func:`arrays_heap` gives the analysis the thresholds glibc would have
reached by itself (32 MB, its adaptive ceiling, and twice that kept before
trimming), then puts back what the process was started with and trims, so
that a Dask worker still hands its memory back between files.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
from collections.abc import Iterator
from contextlib import contextmanager

# mallopt parameters (glibc malloc.h).
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3

#: glibc's ceiling for the adaptive mmap threshold on 64-bit systems (bytes).
MMAP_THRESHOLD_BYTES = 32 * 1024 * 1024

#: glibc's defaults, restored when the environment set nothing.
_DEFAULT_MMAP_THRESHOLD = 128 * 1024
_DEFAULT_TRIM_THRESHOLD = 128 * 1024


def _glibc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    if name is None or not name.startswith("libc.so"):
        return None
    try:
        libc = ctypes.CDLL(name)
    except OSError:
        return None
    if not (hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim")):
        return None
    return libc


def _started_with(variable: str, default: int) -> int:
    try:
        return int(os.environ[variable])
    except (KeyError, ValueError):
        return default


@contextmanager
def arrays_heap() -> Iterator[bool]:
    """Within the block, large arrays come from the heap and are reused.

    Yields whether the thresholds were changed: only when the process was
    started with a fixed ``MALLOC_TRIM_THRESHOLD_`` or ``MALLOC_MMAP_THRESHOLD_``
    (otherwise glibc adapts by itself and nothing is touched) on glibc.
    """
    fixed = "MALLOC_TRIM_THRESHOLD_" in os.environ or "MALLOC_MMAP_THRESHOLD_" in os.environ
    libc = _glibc() if fixed else None
    if libc is None:
        yield False
        return
    libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)
    libc.mallopt(_M_TRIM_THRESHOLD, 2 * MMAP_THRESHOLD_BYTES)
    try:
        yield True
    finally:
        libc.mallopt(
            _M_MMAP_THRESHOLD, _started_with("MALLOC_MMAP_THRESHOLD_", _DEFAULT_MMAP_THRESHOLD)
        )
        libc.mallopt(
            _M_TRIM_THRESHOLD, _started_with("MALLOC_TRIM_THRESHOLD_", _DEFAULT_TRIM_THRESHOLD)
        )
        libc.malloc_trim(0)
