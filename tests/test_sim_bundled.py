"""Bundled recordings: present, small, consistent with their presets, regenerable bit for bit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gaitback import schema as col
from gaitback.recording import read_recording
from gaitback.sim import BUNDLED, PRESETS, simulate, write_simulation

ROOT = Path(__file__).resolve().parents[1] / "recordings" / "synthetic"


def test_every_bundled_recording_is_there_and_small():
    total = 0
    for name in BUNDLED:
        for suffix in (".csv", ".json", ".truth.json"):
            path = ROOT / f"{name}{suffix}"
            assert path.is_file(), path
            total += path.stat().st_size
    # ~8 MB for the ten scenarios plus ~1.4 MB for the Quick start's 3-minute run.
    assert total <= 10.0e6
    assert "gaitback simulate --bundled recordings/synthetic" in (ROOT / "README.md").read_text()


@pytest.mark.parametrize("name", ["baseline", "lowcost_100hz"])
def test_bundled_recordings_regenerate_identically(name, tmp_path):
    write_simulation(simulate(PRESETS[name]), tmp_path / f"{name}.csv")
    for suffix in (".csv", ".json", ".truth.json"):
        fresh = (tmp_path / f"{name}{suffix}").read_bytes()
        assert fresh == (ROOT / f"{name}{suffix}").read_bytes(), f"{name}{suffix} differs"


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_truth_matches_its_scenario(name):
    truth = json.loads((ROOT / f"{name}.truth.json").read_text())
    rec = read_recording(ROOT / f"{name}.csv")
    params = PRESETS[name]
    assert truth["params"]["seed"] == params.seed
    assert rec.meta.sample_rate_hz == params.sample_rate_hz
    assert rec.has_gyro == (not params.accelerometer_only)
    assert rec.lost_samples == truth["lost_samples"]
    assert truth["faults"] == list(params.faults)
    assert truth["summary"]["n_steps"] == len(truth["steps"]) > 50
    activities = [s["activity"] for s in truth["segments"]]
    assert activities[0] == "standing" and activities[-1] == "standing"
    assert "running" in activities


def test_faults_show_in_the_truth():
    def summary(name):
        return json.loads((ROOT / f"{name}.truth.json").read_text())["summary"]

    base = summary("baseline")
    over = summary("overstriding")
    assert over["cadence_spm"] < 0.92 * base["cadence_spm"]
    assert over["contact_ms"] > base["contact_ms"] + 20
    assert over["braking_g"] > 1.5 * base["braking_g"]
    assert over["loading_rate_gps"] > base["loading_rate_gps"]
    assert summary("forward_lean")["forward_lean_deg"] > base["forward_lean_deg"] + 8
    drop = summary("pelvic_drop_right")
    assert drop["pelvic_drop_right_deg"] - drop["pelvic_drop_left_deg"] > 4
    uneven = summary("uneven_surface")
    assert uneven["impact_cv_pct"] > 2 * base["impact_cv_pct"]
    assert abs(uneven["obliquity_offset_deg"]) > 2
    assert uneven["step_regularity"] < base["step_regularity"]
    fatigue = summary("fatigue")
    assert fatigue["contact_ms_trend"] > 10 and fatigue["cadence_spm_trend"] < -3
    assert fatigue["forward_lean_deg_trend"] > 2
    low = summary("lowcost_100hz")
    assert 0.005 < low["lost_samples"] / (low["duration_s"] * 100) < 0.03
    assert summary("acc_only")["pelvic_drop_left_deg"] is None
    walk = json.loads((ROOT / "stand_walk_run.truth.json").read_text())
    assert [s["activity"] for s in walk["segments"]] == [
        "standing", "walking", "running", "standing"
    ]
    assert len(walk["walking_steps"]) > 20
    assert {s[col.SIDE] for s in walk["walking_steps"]} == {"L", "R"}


def test_truth_file_follows_the_schema():
    text = (ROOT / "stand_walk_run.truth.json").read_text()
    assert "NaN" not in text and "Infinity" not in text
    truth = json.loads(text)
    assert {"schema", "generator", "params", "faults", "segments", "steps", "walking_steps",
            "summary", "mount", "lost_samples", "gaps"} <= set(truth)
    # Exactly the analysis's keys (gaitback.schema), so truth and results line up.
    assert list(truth["summary"]) == list(col.SUMMARY_KEYS)
    assert truth["summary"]["lean_reference"] == "standing"
    for step in truth["steps"]:
        assert set(step) == set(col.STEP_COLUMNS)
        assert step[col.CONTACT] == pytest.approx(
            1000 * (step[col.TOE_OFF] - step[col.FOOT_STRIKE]), abs=0.01
        )
    # Only the last step of the run lacks the "to the next foot strike" values.
    assert [s[col.STEP_TIME] is None for s in truth["steps"]].count(True) == 1
    assert truth["steps"][-1][col.FLIGHT] is None
