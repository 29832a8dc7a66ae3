"""Keep an analysis's large temporaries on the heap (glibc only).

An analysis allocates and frees arrays of a few to a few tens of megabytes
many times over. glibc serves them from the heap and reuses the pages, as
long as its mmap threshold adapts (the default). Dask starts its workers with
``MALLOC_TRIM_THRESHOLD_=65536`` so that freed memory goes back to the system
at once; setting it freezes the mmap threshold at 128 KB, so every temporary
is a fresh ``mmap`` whose pages the kernel must zero on first touch. A
one-hour recording then takes ~580,000 page faults instead of ~8,000 and
twice the CPU (``tests/test_heap.py`` counts the faults;
``python benchmarks/run.py --only throughput`` times a Dask cluster).

:func:`arrays_heap` gives the analysis the thresholds glibc would have
reached by itself (32 MB, its adaptive ceiling, and twice that kept before
trimming), then puts back what the process was started with and trims, so
that a Dask worker still hands its memory back between files.

Left to adapt, glibc gets there late: it raises the mmap threshold to the size
of each mapped block as that block is freed. A fresh process's first analysis
(the command line's only one) meanwhile maps, zeroes and unmaps its temporaries
and trims its heap many times over. :func:`heap_warm` frees one untouched
block at the ceiling first, so that glibc adapts at once, as it does in any
process that has freed a large array: half the first analysis's page faults
(``tests/test_heap.py``).
"""

from __future__ import annotations

import ctypes
import mmap
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

# mallopt parameters (glibc malloc.h).
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3

#: glibc's ceiling for the adaptive mmap threshold on 64-bit systems (bytes).
MMAP_THRESHOLD_BYTES = 32 * 1024 * 1024

#: glibc's defaults, restored when the environment set nothing.
_DEFAULT_MMAP_THRESHOLD = 128 * 1024
_DEFAULT_TRIM_THRESHOLD = 128 * 1024


@cache
def _glibc() -> ctypes.CDLL | None:
    """The process's own C library when it is glibc (its symbols, no search)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None)
    except OSError:
        return None
    if not all(hasattr(libc, f) for f in ("gnu_get_libc_version", "mallopt", "malloc_trim")):
        return None
    libc.malloc.restype = ctypes.c_void_p
    libc.malloc.argtypes = [ctypes.c_size_t]
    libc.free.argtypes = [ctypes.c_void_p]
    return libc


def _fixed_by_environment() -> bool:
    return "MALLOC_TRIM_THRESHOLD_" in os.environ or "MALLOC_MMAP_THRESHOLD_" in os.environ


@cache
def heap_warm() -> bool:
    """Bring glibc's adaptive mmap and trim thresholds to their ceiling, once per process.

    One block just under :data:`MMAP_THRESHOLD_BYTES` is allocated (mapped, no
    page touched) and freed, which is what makes glibc adapt. Nothing is fixed:
    glibc's own policy goes on. Returns whether it was done: on glibc, when the
    environment has not fixed the thresholds (then nothing adapts, and
    :func:`arrays_heap` is the tool).
    """
    libc = None if _fixed_by_environment() else _glibc()
    if libc is None:
        return False
    # The mapped chunk is the request plus a header, rounded up to pages: two
    # pages less keeps it at or under the ceiling, which glibc adapts to.
    block = libc.malloc(MMAP_THRESHOLD_BYTES - 2 * mmap.PAGESIZE)
    if not block:
        return False
    libc.free(block)
    return True


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
    libc = _glibc() if _fixed_by_environment() else None
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
