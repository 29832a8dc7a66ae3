"""One schema: offline, live and the simulator truth share the summary keys."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import gaitback
from gaitback import schema
from gaitback.live.analyzer import LiveAnalyzer
from gaitback.sim import PRESETS, simulate


@pytest.fixture(scope="module")
def run():
    sim = simulate(PRESETS["baseline"].replace(seed=31, running_s=20.0, standing_after_s=2.0))
    return sim, gaitback.analyze(sim.recording)


@pytest.fixture(scope="module")
def live(run) -> LiveAnalyzer:
    """The same run pushed through the live analyser in small blocks."""
    rec = run[0].recording
    analyser = LiveAnalyzer(rec.sample_rate_hz, rec.has_gyro, speed_mps=3.0, axes=rec.meta.axes)
    t, acc, gyr = rec.time_s, rec.acc_mps2, rec.gyr_dps
    for i in range(0, len(t), 20):
        analyser.push_arrays(t[i : i + 20], acc[i : i + 20], gyr[i : i + 20])
    analyser.finish()
    return analyser


def test_offline_live_and_truth_summaries_have_the_schema_keys(run, live) -> None:
    sim, offline = run
    keys = list(schema.SUMMARY_KEYS)
    assert list(offline.summary) == keys
    assert list(live.overall_summary()) == keys
    assert list(sim.truth["summary"]) == keys
    assert list(live.rolling_summary()) == keys


def test_live_and_offline_agree_on_what_both_compute(run, live) -> None:
    _, offline = run
    got = live.overall_summary()
    # Keys that the live run can compute from its steps: the same formulas.
    for key in ("n_steps", "step_cv_pct", "contact_symmetry_pct", "step_length_m"):
        assert got[key] is not None, key
    assert got["n_steps"] == offline.summary["n_steps"]
    assert got["step_length_m"] == pytest.approx(3.0 * got["step_ms"] / 1000)


def test_every_key_is_documented() -> None:
    text = (Path(__file__).resolve().parent.parent / "docs" / "architecture.md").read_text()
    missing = [k for k in schema.SUMMARY_KEYS if f"`{k}`" not in text]
    assert not missing, missing


def test_specs_are_well_formed() -> None:
    assert len(set(schema.SUMMARY_KEYS)) == len(schema.SUMMARY_KEYS)
    for spec in schema.SUMMARY:
        assert spec.label and spec.decimals >= 0
        assert spec.better in ("lower", "higher", "balanced", "smaller", None)
        if spec.unit:
            assert not spec.key.endswith("_text"), spec.key


def test_a_key_outside_the_schema_is_refused() -> None:
    with pytest.raises(KeyError, match="not_a_key"):
        schema.summary_complete({"cadence_spm": 170.0, "not_a_key": 1})
    done = schema.summary_complete({"cadence_spm": 170.0})
    assert list(done) == list(schema.SUMMARY_KEYS) and done["contact_ms"] is None
    assert np.isclose(done["cadence_spm"], 170.0)
