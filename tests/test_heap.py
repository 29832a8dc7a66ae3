"""The analysis's large temporaries are reused, not page-faulted anew: in batch
workers started with a fixed malloc trim threshold (as Dask starts them), and in
a fresh process's first analysis (glibc's adaptive thresholds warmed)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gaitback.heap import _glibc

RECORDING = Path(__file__).resolve().parents[1] / "recordings/synthetic/treadmill_3min.csv"

CHILD = r"""
import json, resource, sys
import gaitback, gaitback.api
from gaitback.heap import arrays_heap

path = sys.argv[1]
first = gaitback.analyze(path)  # imports, caches and the first heap growth

def faults(fn):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    out = fn()
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before, out

def guarded():
    with arrays_heap() as changed:
        return changed, gaitback.analyze(path)

plain, plain_result = faults(lambda: gaitback.analyze(path))
inside, (changed, guarded_result) = faults(guarded)
print(json.dumps({
    "plain": plain, "inside": inside, "changed": changed,
    "same_steps": plain_result.steps.equals(guarded_result.steps),
}))
"""


def _run_child(code: str, *args: str, env_extra: dict[str, str] | None = None) -> dict:
    """Run ``code`` in a fresh interpreter without the caller's malloc settings
    (plus ``env_extra``); its last output line is JSON."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    env.update(env_extra or {})
    out = subprocess.run(
        [sys.executable, "-c", code, *args],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _child(env_extra: dict[str, str]) -> dict:
    return _run_child(CHILD, str(RECORDING), env_extra=env_extra)


@pytest.mark.skipif(_glibc() is None, reason="mallopt is glibc's; other C libraries differ")
def test_fixed_trim_threshold_no_longer_faults_every_temporary() -> None:
    figures = _child({"MALLOC_TRIM_THRESHOLD_": "65536"})
    assert figures["changed"]
    assert figures["same_steps"]
    # Dask's setting makes each temporary a fresh mmap: many times the faults.
    assert figures["plain"] > 4 * figures["inside"], figures


def test_default_malloc_is_left_alone() -> None:
    figures = _child({})
    assert not figures["changed"]
    assert figures["same_steps"]


WARM_CHILD = r"""
import json, resource, sys
import numpy as np
from gaitback.heap import heap_warm

warmed = heap_warm() if sys.argv[1] == "warm" else False

def faults_of_a_fresh_array():
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    a = np.ones(3 * 2**20 // 8)  # 3 MB: under numpy's huge-page size, every page counts
    del a
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before

first = faults_of_a_fresh_array()
second = faults_of_a_fresh_array()
print(json.dumps({"warmed": warmed, "first": first, "second": second}))
"""


def _warm_child(mode: str) -> dict:
    return _run_child(WARM_CHILD, mode)


@pytest.mark.skipif(_glibc() is None, reason="the adaptive thresholds are glibc's")
def test_warm_heap_reuses_a_freed_array_at_once() -> None:
    cold, warm = _warm_child("cold"), _warm_child("warm")
    assert warm["warmed"] and not cold["warmed"]
    pages = 3 * 2**20 // 4096
    # Cold, glibc maps the first array and unmaps it, then puts the second on
    # the heap: both are fresh pages. Warm, both come from the heap, and the
    # second reuses the first's pages.
    assert cold["second"] > pages // 2, cold
    assert warm["second"] < pages // 10, warm


FIRST_CALL_CHILD = r"""
import json, resource, sys
import gaitback, gaitback.api
if sys.argv[2] == "off":
    gaitback.api.heap_warm = lambda: False
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
result = gaitback.analyze(sys.argv[1])
faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
print(json.dumps({"faults": faults, "steps": len(result.steps)}))
"""


@pytest.mark.skipif(_glibc() is None, reason="the adaptive thresholds are glibc's")
def test_first_analysis_of_a_process_faults_less_when_warm() -> None:
    figures = {mode: _run_child(FIRST_CALL_CHILD, str(RECORDING), mode) for mode in ("on", "off")}
    assert figures["on"]["steps"] == figures["off"]["steps"] > 0
    assert figures["on"]["faults"] < 0.85 * figures["off"]["faults"], figures
