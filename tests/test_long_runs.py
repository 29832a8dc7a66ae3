"""Sessions of any length: a continuous 30-minute run offline, live and in the
live session's final analysis, and yaw that wraps past +-180 degrees.

Truth is the simulator's: its per-step sides and its summary of the true steps.
The 30-minute run is one continuous simulation with the baseline preset's
step-to-step variability (step and contact CV), sensor noise and gyro bias.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import gaitback
from gaitback import schema as col
from gaitback.core.pelvis import pelvis_angles
from gaitback.evaluation import accuracy
from gaitback.live import LiveAnalyzer
from gaitback.live.session import LiveOptions, final_analysis
from gaitback.recording import Recording, write_recording
from gaitback.sim import PRESETS, simulate

#: Issue 3's accuracy targets for side and pelvic angles, kept for long runs.
SIDE_PCT = 99.0
ANGLE_DEG = 1.0


def _check_against_truth(
    steps: pd.DataFrame,
    summary: dict,
    truth_steps: pd.DataFrame,
    truth_summary: dict,
    where: str,
    known_pct: float = SIDE_PCT,
) -> None:
    acc = accuracy(steps, summary, truth_steps, truth_summary)
    figures = json.dumps({k: round(v, 3) for k, v in acc.items() if isinstance(v, float)})
    message = f"{where}: {figures}"
    assert acc["f1"] >= 0.995, message
    assert acc["side_known_pct"] >= known_pct, message
    assert acc["side_correct_pct"] >= SIDE_PCT, message
    for key in ("pelvic_drop_left_deg", "pelvic_drop_right_deg", "pelvic_rotation_deg"):
        assert abs(acc[f"{key}_error"]) <= ANGLE_DEG, message


def _live_feed(rec: Recording, block: int) -> tuple[LiveAnalyzer, pd.DataFrame]:
    live = LiveAnalyzer(
        rec.sample_rate_hz,
        rec.has_gyro,
        speed_mps=rec.meta.treadmill_speed_mps,
        axes=rec.meta.axes,
    )
    t, acc, gyr = rec.time_s, rec.acc_mps2, rec.gyr_dps
    updates = []
    for i in range(0, len(t), block):
        updates += live.push_arrays(t[i : i + block], acc[i : i + block], gyr[i : i + block])
    updates += live.finish()
    steps = pd.DataFrame([u.step for u in updates], columns=list(col.STEP_COLUMNS))
    return live, steps


def test_thirty_minute_run_offline_live_and_final_analysis(tmp_path: Path) -> None:
    # Longer than the 1024 steps at which the side vote's statistics used to overflow,
    # and long enough for gyro drift to turn an uncorrected heading by tens of degrees.
    params = PRESETS["baseline"].replace(
        seed=3013, running_s=1800.0, standing_before_s=5.0, standing_after_s=3.0
    )
    sim = simulate(params)
    assert params.step_cv_pct > 0 and params.contact_cv_pct > 0
    truth_steps, truth_summary = sim.steps, sim.truth["summary"]
    assert len(truth_steps) > 5000

    offline = gaitback.analyze(sim.recording)
    _check_against_truth(offline.steps, offline.summary, truth_steps, truth_summary, "offline")

    # Two-second blocks: a live feed's results do not depend on block size (see
    # test_live_analyzer), and larger blocks keep this test to seconds.
    live, live_steps = _live_feed(sim.recording, block=400)
    _check_against_truth(live_steps, live.overall_summary(), truth_steps, truth_summary, "live")

    # What `gaitback live` runs once the recorder has closed the file.
    csv = write_recording(sim.recording, tmp_path / "treadmill.csv")
    del sim
    options = LiveOptions(csv, tmp_path / "out", save_history=False)
    paths, summary = final_analysis(options)
    assert paths["report"].stat().st_size > 0
    saved = pd.read_csv(paths["steps"])
    _check_against_truth(saved, summary, truth_steps, truth_summary, "final analysis")


def test_yaw_wrapping_past_180_degrees_keeps_sides_drop_and_rotation() -> None:
    # A gyro bias about the sensor's up axis that appears once running starts (the
    # standing estimate cannot remove it) turns the integrated heading by 3 deg/s:
    # more than a full turn in two minutes, so yaw wraps past +-180 several times.
    params = PRESETS["baseline"].replace(seed=4242, running_s=150.0, standing_after_s=0.0)
    sim = simulate(params)
    rec = sim.recording
    assert params.axes["x"] == "up" and params.misalignment_deg == (0.0, 0.0, 0.0)
    running = rec.time_s >= params.standing_before_s
    data = rec.data.copy()
    data.loc[running, col.GYR[0]] += 3.0
    turned = gaitback.recording.recording_from_frame(data, rec.meta)
    result = gaitback.analyze(turned)
    _check_against_truth(
        result.steps, result.summary, sim.steps, sim.truth["summary"], "drifting yaw"
    )
    # Live, the first few steps wait for a significant side vote (about 2 % of
    # this short run); after that the drifting frame must not cost a side.
    live, live_steps = _live_feed(turned, block=400)
    _check_against_truth(
        live_steps,
        live.overall_summary(),
        sim.steps,
        sim.truth["summary"],
        "drifting yaw, live",
        known_pct=97.0,
    )


def test_pelvis_yaw_is_unwrapped_before_ranges() -> None:
    # Yaw oscillating +-5 deg about 178 deg crosses +-180 twice a cycle; the
    # angle must come back continuous, its peak-to-peak range 10 deg.
    t = np.linspace(0.0, 10.0, 2001)
    yaw_rad = np.radians(178.0 + 5.0 * np.sin(2 * np.pi * 1.4 * t))
    q = np.stack([np.cos(yaw_rad / 2), 0 * t, 0 * t, np.sin(yaw_rad / 2)])
    _, _, yaw_deg = pelvis_angles(q, np.array([1.0, 0.0, 0.0, 0.0]), centre_yaw=False)
    assert np.max(np.abs(np.diff(yaw_deg))) < 1.0
    assert np.ptp(yaw_deg) == pytest.approx(10.0, abs=0.01)
    _, _, centred = pelvis_angles(q, np.array([1.0, 0.0, 0.0, 0.0]), centre_yaw=True)
    assert np.ptp(centred) == pytest.approx(10.0, abs=0.01)
    assert abs(np.mean(centred)) < 0.5
