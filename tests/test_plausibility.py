"""Implausible data before analysis: corrupt samples and gyroscope units.

Truth is the simulator's: a clean simulated run is damaged in a known way and the
analysis must still agree with the truth of the undamaged run, count what it
dropped as lost, and say what it did.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import gaitback
from gaitback import columns as col
from gaitback.core.plausibility import (
    ACC_FULL_SCALE_G,
    GYR_FULL_SCALE_DPS,
    PELVIS_RATE_MAX_DPS,
    PELVIS_RATE_MIN_DPS,
    implausible_rows,
)
from gaitback.evaluation import accuracy
from gaitback.recording import Recording, write_recording
from gaitback.sim import PRESETS, simulate

DEG_PER_RAD = 180.0 / np.pi


@pytest.fixture(scope="module")
def sim() -> gaitback.sim.SimResult:
    return simulate(PRESETS["baseline"].replace(seed=913, running_s=40.0))


def _damaged(sim, rows: np.ndarray, column: str, value: float) -> Recording:
    data = sim.recording.data.copy()
    data.loc[rows, column] = value
    return Recording(data, sim.recording.meta, "damaged.csv")


def _assert_matches_truth(result: gaitback.AnalysisResult, sim) -> dict:
    acc = accuracy(result.steps, result.summary, sim.steps, sim.truth["summary"])
    assert acc["f1"] >= 0.995, acc
    assert abs(acc["impact_g_error"]) <= 0.15, acc
    return acc


def _running_rows(sim, at_s: float, n: int) -> np.ndarray:
    start = int(np.searchsorted(sim.recording.time_s, at_s))
    return np.arange(start, start + n)


def test_one_huge_acceleration_row_is_dropped_and_counted(sim) -> None:
    rows = _running_rows(sim, 25.0, 1)
    result = gaitback.analyze(_damaged(sim, rows, col.ACC[2], 1e200))
    acc = _assert_matches_truth(result, sim)
    assert acc["side_correct_pct"] >= 99.0 and acc["side_known_pct"] >= 99.0
    # No step, not even the one around the bad row, sees the value through a filter.
    assert result.steps[col.IMPACT].max() < 5.0
    assert result.summary["lost_samples"] == sim.truth["lost_samples"] + 1
    notes = [w for w in result.warnings if "full scale" in w]
    assert len(notes) == 1 and "dropped 1 sample " in notes[0] and "lost" in notes[0]
    assert f"{sim.recording.time_s[rows[0]]:.3f} s" in notes[0]


def test_ten_corrupt_gyro_rows_keep_steps_sides_and_angles(sim) -> None:
    rows = np.concatenate([_running_rows(sim, 20.0 + 1.7 * k, 1) for k in range(10)])
    result = gaitback.analyze(_damaged(sim, rows, col.GYR[1], -3e7))
    acc = _assert_matches_truth(result, sim)
    assert acc["side_correct_pct"] >= 99.0 and acc["side_known_pct"] >= 99.0
    for key in ("pelvic_drop_left_deg", "pelvic_drop_right_deg", "pelvic_rotation_deg"):
        assert abs(acc[f"{key}_error"]) <= 1.0, acc
    assert result.summary["lost_samples"] == sim.truth["lost_samples"] + 10
    assert any("dropped 10 samples" in w for w in result.warnings)


def test_non_finite_samples_in_a_recording_object_are_dropped(sim) -> None:
    # The CSV reader refuses non-finite cells; a Recording built in code can hold them.
    rows = _running_rows(sim, 30.0, 3)
    result = gaitback.analyze(_damaged(sim, rows, col.ACC[0], np.nan))
    _assert_matches_truth(result, sim)
    assert result.summary["lost_samples"] == sim.truth["lost_samples"] + 3


def test_full_scale_limits_are_per_axis_and_inclusive_of_real_sensors() -> None:
    g = 9.80665
    acc = np.array([[0, 0, 16 * g], [0, 0, ACC_FULL_SCALE_G * g * 1.01], [np.inf, 0, 0]])
    gyr = np.array([[2000.0, 0, 0], [0, 0, 0], [0, 0, 0]])
    assert implausible_rows(acc, gyr).tolist() == [False, True, True]
    gyr[0, 2] = -GYR_FULL_SCALE_DPS * 1.01
    assert implausible_rows(acc, gyr).tolist() == [True, True, True]


def test_clean_runs_are_not_touched(sim) -> None:
    result = gaitback.analyze(sim.recording)
    assert not [w for w in result.warnings if "full scale" in w or "gyroscope rates" in w]
    assert result.summary["lost_samples"] == sim.truth["lost_samples"]


@pytest.mark.parametrize(
    ("factor", "likely"),
    [(DEG_PER_RAD, "deg/s stored as rad/s"), (1 / DEG_PER_RAD, "rad/s stored as deg/s")],
)
def test_gyroscope_in_the_wrong_unit_is_reported_and_ignored(sim, factor, likely) -> None:
    data = sim.recording.data.copy()
    data[list(col.GYR)] *= factor
    result = gaitback.analyze(Recording(data, sim.recording.meta, "units.csv"))
    notes = [w for w in result.warnings if "gyroscope rates" in w]
    assert len(notes) == 1 and likely in notes[0] and "ignored" in notes[0]
    # Accelerometer metrics stay; nothing gyro-based is made up from the bad rates.
    _assert_matches_truth(result, sim)
    assert result.summary["has_gyro"] is False
    assert result.summary["pelvic_drop_left_deg"] is None
    assert result.summary["pelvic_rotation_deg"] is None
    assert result.steps[col.PELVIC_ROTATION].isna().all()
    assert (result.steps[col.SIDE] == col.SIDE_UNKNOWN).all()
    # Samples beyond full scale are the unit's doing, not corruption: none dropped.
    assert result.summary["lost_samples"] == sim.truth["lost_samples"]


def test_pelvis_rate_bounds_bracket_a_simulated_pelvis(sim) -> None:
    # The simulated pelvis (rotation 10 deg, drop 5 deg peak-to-peak) sits well
    # inside the bounds, and the wrong unit falls outside them either way.
    g = sim.recording.gyr_dps
    p99 = np.percentile(np.linalg.norm(g - np.median(g, axis=0), axis=1), 99)
    assert 3 * PELVIS_RATE_MIN_DPS < p99 < PELVIS_RATE_MAX_DPS / 3
    assert p99 * DEG_PER_RAD > PELVIS_RATE_MAX_DPS
    assert p99 / DEG_PER_RAD < PELVIS_RATE_MIN_DPS


def test_cli_says_what_it_did_with_a_corrupt_row(sim, tmp_path: Path) -> None:
    data = sim.recording.data.copy()
    data.loc[_running_rows(sim, 25.0, 1), col.ACC[0]] = 1e200
    path = write_recording(Recording(data, sim.recording.meta), tmp_path / "corrupt.csv")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "gaitback.cli.main",
            "analyze",
            str(path),
            "--out",
            str(tmp_path / "out"),
            "--no-report",
            "--db",
            str(tmp_path / "h.sqlite"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "dropped 1 sample" in " ".join(proc.stdout.split())
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["lost_samples"] == 1
    steps = pd.read_csv(tmp_path / "out" / "steps.csv")
    assert steps[col.IMPACT].max() < 5.0
