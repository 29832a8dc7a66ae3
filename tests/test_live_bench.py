"""Smoke test of the live benchmark (benchmarks/live_bench.py) on one simulated minute.

Timings are measurements of this machine, so only their structure is checked; the
step count is checked against the recording's true cadence.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks import live_bench  # noqa: E402


def test_live_bench_runs_and_counts_the_true_steps() -> None:
    result = live_bench.run(live_bench.DEFAULT, hours=1.0 / 60.0, block=8)
    truth = json.loads((REPO / "recordings" / "synthetic" / "baseline.truth.json").read_text())
    cadence_spm = truth["summary"]["cadence_spm"]
    assert result["data_s"] == pytest.approx(60.0)
    # The last second's steps are still pending when the run stops.
    assert result["steps"] == pytest.approx(cadence_spm * (60.0 - 1.0) / 60.0, rel=0.05)
    assert 0 < result["latency_p50_ms"] <= result["latency_p99_ms"] <= result["latency_max_ms"]
    assert result["cpu_pct_of_one_core"] > 0
    assert len(result["rss_every_10min_mib"].split()) == 1
