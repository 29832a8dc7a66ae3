"""Batch workers started with a fixed malloc trim threshold (as Dask starts them)
still reuse the analysis's large temporaries instead of page-faulting them anew."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gaitback.batch.heap import _glibc

RECORDING = Path(__file__).resolve().parents[1] / "recordings/synthetic/treadmill_3min.csv"

CHILD = r"""
import json, resource, sys
import gaitback, gaitback.api
from gaitback.batch.heap import arrays_heap

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


def _child(env_extra: dict[str, str]) -> dict:
    env = {**os.environ, **env_extra}
    env.pop("MALLOC_MMAP_THRESHOLD_", None)
    if "MALLOC_TRIM_THRESHOLD_" not in env_extra:
        env.pop("MALLOC_TRIM_THRESHOLD_", None)
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(RECORDING)],
        env=env, capture_output=True, text=True, check=True, timeout=300,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


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
