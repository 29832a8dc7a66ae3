"""Findings on real running: 16 force-treadmill trials of one healthy runner.

The trials (recordings/real/force-treadmill-1, Alcantara et al. 2022) are 5 s each: too
short to judge, so every finding must say so. With the enough-data rule switched off the
thresholds themselves are tested: a healthy runner raises nothing at ``act``.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

import gaitback
from gaitback.feedback import findings_evaluate

TRIALS = sorted(
    (Path(__file__).resolve().parents[1] / "recordings" / "real" / "force-treadmill-1").glob(
        "trial*.csv"
    )
)
if not TRIALS:
    pytest.skip("real trials not in this checkout", allow_module_level=True)


@cache
def analysed(path: Path):
    return gaitback.analyze(path)


@pytest.mark.parametrize("path", TRIALS, ids=[p.stem for p in TRIALS])
def test_five_seconds_of_real_running_are_not_judged(path):
    findings = findings_evaluate(analysed(path))
    assert all(f.severity == "not_evaluated" for f in findings)
    assert all("Not enough running to judge" in f.explanation for f in findings)


def test_thresholds_raise_nothing_at_act_on_a_healthy_runner():
    acts = {
        path.stem: [f.id for f in findings_evaluate(analysed(path), require_enough_running=False)
                    if f.severity == "act"]
        for path in TRIALS
    }
    assert {k: v for k, v in acts.items() if v} == {}


def test_measures_without_a_published_cut_off_only_inform_on_real_data():
    # Healthy real sacral braking and loading rate exceed the simulator's overstriding and
    # high-impact values; whatever they read, they must not raise a finding.
    for path in TRIALS:
        for finding in findings_evaluate(analysed(path), require_enough_running=False):
            for ev in finding.evidence:
                if ev.metric in ("braking_g", "loading_rate_gps", "impact_cv_pct"):
                    assert not ev.counts, (path.stem, ev.metric)
