"""Accuracy of the analysis engine against the simulator's ground truth.

Targets are those of issue 3; the truth comes from ``<stem>.truth.json`` files of
the bundled recordings and from fresh simulations with a new seed every run (printed
in every failure message; ``GAITBACK_TEST_SEED=<n>`` reproduces one). The signals are
realistic sacral ones (soft-tissue spike, pre-contact rise, toe-off tail); a rigid sensor
at the centre of mass is held to issue 3's tighter targets.
"""

from __future__ import annotations

import dataclasses
import json
import os
import secrets
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import gaitback
from gaitback import schema as col
from gaitback.core.conditioning import MAX_BRIDGE_S
from gaitback.evaluation import accuracy
from gaitback.recording import Recording, RecordingMeta, read_recording
from gaitback.sim import PRESETS, simulate

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ROOT / "recordings" / "synthetic"
NAMES = sorted(p.name.removesuffix(".truth.json") for p in BUNDLED.glob("*.truth.json"))


def _truth(name: str) -> dict:
    return json.loads((BUNDLED / f"{name}.truth.json").read_text())


#: A sensor rigidly at the centre of mass (the model before the sacral components).
RIGID = dict(tissue_gain_g_per_bw_per_s=0.0, pre_contact_g=0.0, tail_g=0.0)


def _fresh_seed() -> int:
    """A new seed every run (GAITBACK_TEST_SEED=<n> reproduces one)."""
    fixed = os.environ.get("GAITBACK_TEST_SEED")
    return int(fixed) if fixed else 10_000 + secrets.randbelow(1_000_000)


def _unrecorded(truth_steps: pd.DataFrame, time_s: np.ndarray | None) -> pd.DataFrame:
    """Leave out the stances that overlap data lost for longer than the bridge limit.

    Missing data beyond ``MAX_BRIDGE_S`` are not interpolated; the recording is split
    there and a stance cut by the split is not reported (docs/analysis.md, §1 and §4 rule 5).
    Such a stance was never recorded, so there is nothing to score it against.
    """
    if time_s is None or len(time_s) < 2:
        return truth_steps
    period = float(np.median(np.diff(time_s)))
    cut = np.flatnonzero(np.diff(time_s) > MAX_BRIDGE_S + period + 1e-9)
    if len(cut) == 0:
        return truth_steps
    lost_from, lost_to = time_s[cut], time_s[cut + 1]
    strike = truth_steps[col.FOOT_STRIKE].to_numpy()[:, None]
    toe_off = truth_steps[col.TOE_OFF].to_numpy()[:, None]
    overlaps = ((strike < lost_to) & (toe_off > lost_from)).any(axis=1)
    return truth_steps[~overlaps]


def _scored(truth_steps: pd.DataFrame, steps: pd.DataFrame, truth: dict,
            time_s: np.ndarray | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Leave out the first step of a run that starts from standing or walking.

    The simulator switches from standing (1 BW) straight into a running stance with no
    flight before it (docs/simulator.md, Limits), which no runner does; that one step
    is not scored, and neither is a detection before its toe-off. Stances that were
    not recorded (:func:`_unrecorded`) are not scored either.
    """
    truth_steps = _unrecorded(truth_steps, time_s)
    run = next(s for s in truth["segments"] if s["activity"] == "running")
    if run["start_s"] <= truth["segments"][0]["start_s"] or truth_steps.empty:
        return truth_steps, steps
    first = truth_steps.iloc[0]
    if abs(first[col.FOOT_STRIKE] - run["start_s"]) > 1e-6:
        return truth_steps, steps
    return truth_steps.iloc[1:], steps[steps[col.FOOT_STRIKE] > first[col.TOE_OFF]]


def _check(result: gaitback.core.result.AnalysisResult, truth: dict, rate_hz: float,
           where: str = "") -> dict:
    """Assert issue 12's targets on realistic sacral signals; return the figures.

    Events: step F1 >= 0.99, foot-strike |bias| <= 6 ms (10 ms below 200 Hz),
    toe-off |bias| <= 15 ms, contact RMSE <= 15 ms (20 ms below 200 Hz).
    """
    truth_steps, steps = _scored(pd.DataFrame(truth["steps"]), result.steps, truth,
                                 result.recording.time_s)
    acc = accuracy(steps, result.summary, truth_steps, truth["summary"])
    where += " " + json.dumps({k: round(v, 3) for k, v in acc.items() if isinstance(v, float)})
    fast = rate_hz >= 200
    assert acc["f1"] >= 0.99, where
    assert abs(acc["foot_strike_bias_ms"]) <= (6.0 if fast else 10.0), where
    assert abs(acc["toe_off_bias_ms"]) <= 15.0, where
    assert acc["contact_rmse_ms"] <= (15.0 if fast else 20.0), where
    assert abs(acc["cadence_spm_error"]) <= 0.5, where
    assert abs(acc["impact_g_error"]) <= 0.15, where
    if result.summary["has_gyro"]:
        assert acc["side_known_pct"] >= 99.0, where
        assert acc["side_correct_pct"] >= 99.0, where
        assert abs(acc["pelvic_drop_left_deg_error"]) <= 1.0, where
        assert abs(acc["pelvic_drop_right_deg_error"]) <= 1.0, where
        assert abs(acc["forward_lean_deg_error"]) <= 1.0, where
    return acc


def _check_rigid(result: gaitback.core.result.AnalysisResult, truth: dict,
                 rate_hz: float, where: str = "") -> dict:
    """Issue 3's tighter targets, for a sensor rigidly at the centre of mass."""
    acc = _check(result, truth, rate_hz, where)
    where += " " + json.dumps({k: round(v, 3) for k, v in acc.items() if isinstance(v, float)})
    event_limit = 5.0 if rate_hz >= 200 else 10.0
    assert acc["foot_strike_mae_ms"] <= event_limit, where
    assert acc["toe_off_mae_ms"] <= event_limit, where
    assert acc["contact_rmse_ms"] <= 8.0, where
    # Double integration gives the centre of mass's bounce only when the sensor moves
    # with it; the sacral components move the sensor relative to it (see the lead's
    # issue 12 report), so this is checked here only.
    assert abs(acc["vertical_oscillation_cm_error"]) <= 0.7, where
    return acc


@pytest.mark.parametrize("name", NAMES)
def test_bundled_recording_matches_truth(name: str) -> None:
    truth = _truth(name)
    rec = read_recording(BUNDLED / f"{name}.csv")
    result = gaitback.analyze(rec)
    _check(result, truth, rec.sample_rate_hz, name)


FRESH = [
    pytest.param("baseline", {}),
    pytest.param("overstriding", {}),
    pytest.param("forward_lean", {}),
    pytest.param("pelvic_drop_right", {}),
    pytest.param("uneven_surface", {}),
    pytest.param("lowcost_100hz", {"packet_loss_pct": 0.0}, id="lowcost_100hz-no-loss"),
    pytest.param("lowcost_100hz", {}, id="lowcost_100hz-packet-loss"),
    pytest.param("rotated_mount", {}),
    pytest.param("high_impact", {}),
    pytest.param("downhill", {}),
]


@pytest.mark.parametrize(("preset", "changes"), FRESH)
def test_fresh_seeds_match_truth(preset: str, changes: dict) -> None:
    seed = _fresh_seed()
    params = dataclasses.replace(PRESETS[preset], seed=seed, running_s=30.0, **changes)
    sim = simulate(params)
    result = gaitback.analyze(sim.recording)
    _check(result, sim.truth, params.sample_rate_hz,
           f"{preset} seed={seed} (GAITBACK_TEST_SEED={seed} reproduces it)")


@pytest.mark.parametrize("preset", ["baseline", "lowcost_100hz", "uneven_surface"])
def test_rigid_sensor_at_the_centre_of_mass_meets_the_tight_targets(preset: str) -> None:
    seed = _fresh_seed()
    params = dataclasses.replace(PRESETS[preset], seed=seed, running_s=30.0,
                                 packet_loss_pct=0.0, **RIGID)
    sim = simulate(params)
    result = gaitback.analyze(sim.recording)
    _check_rigid(result, sim.truth, params.sample_rate_hz,
                 f"{preset} rigid seed={seed} (GAITBACK_TEST_SEED={seed} reproduces it)")


@pytest.fixture(scope="module")
def belt_run() -> tuple[int, dict]:
    """One fresh belt-mounted run, scored against its truth (simulated once)."""
    seed = _fresh_seed()
    params = dataclasses.replace(PRESETS["belt_mount"], seed=seed, running_s=30.0)
    sim = simulate(params)
    result = gaitback.analyze(sim.recording)
    truth_steps, steps = _scored(pd.DataFrame(sim.truth["steps"]), result.steps, sim.truth)
    return seed, accuracy(steps, result.summary, truth_steps)


def test_belt_mount_steps_and_contact_times(belt_run) -> None:
    """A belt smooths and never reads free fall; steps and contact times still hold."""
    seed, acc = belt_run
    where = f"belt seed={seed} " + json.dumps(
        {k: round(v, 3) for k, v in acc.items() if isinstance(v, float)})
    assert acc["f1"] >= 0.99, where
    assert acc["contact_rmse_ms"] <= 20.0, where


@pytest.mark.xfail(strict=False, reason=(
    "a compliant belt delays the whole signal (~25 ms at 10 Hz); the detector cannot "
    "tell that delay from the sensor alone (reported to the lead, issue 12)"))
def test_belt_mount_event_bias(belt_run) -> None:
    seed, acc = belt_run
    assert abs(acc["foot_strike_bias_ms"]) <= 10.0, f"seed={seed}"
    assert abs(acc["toe_off_bias_ms"]) <= 15.0, f"seed={seed}"


def test_accelerometer_only_lean_matches_the_same_run_with_gyro() -> None:
    """Lean is a property of the body; the gyro-free estimate must find it too."""
    params = dataclasses.replace(PRESETS["forward_lean"], seed=7004, running_s=30.0)
    with_gyro = simulate(params)
    acc_only = simulate(dataclasses.replace(params, accelerometer_only=True))
    result = gaitback.analyze(acc_only.recording)
    assert not result.summary["has_gyro"]
    assert result.steps[col.PELVIC_DROP].isna().all()
    assert result.steps[col.PELVIC_ROTATION].isna().all()
    assert set(result.steps[col.SIDE]) == {col.SIDE_UNKNOWN}
    true_lean = with_gyro.truth["summary"]["forward_lean_deg"]
    assert abs(result.summary["forward_lean_deg"] - true_lean) <= 1.0


@pytest.mark.parametrize("rate_hz", [50.0, 500.0, 1000.0])
def test_sample_rates(rate_hz: float) -> None:
    params = dataclasses.replace(
        PRESETS["baseline"], seed=7005, sample_rate_hz=rate_hz, running_s=15.0
    )
    sim = simulate(params)
    truth_steps = pd.DataFrame(sim.truth["steps"])
    result = gaitback.analyze(sim.recording)
    acc = accuracy(result.steps, result.summary, truth_steps, sim.truth["summary"])
    where = f"{rate_hz} Hz " + json.dumps({k: round(v, 3) for k, v in acc.items()
                                           if isinstance(v, float)})
    assert acc["f1"] >= 0.995, where
    # At 50 Hz one sample is 20 ms and the sensor's anti-alias band (20 Hz) spreads the
    # 20-30 ms soft-tissue spike earlier: measured -11 ms foot-strike bias and 22 ms
    # contact RMSE there (issue 12 report); 5 ms / 4 ms at 500-1000 Hz.
    slow = rate_hz < 100
    assert abs(acc["foot_strike_bias_ms"]) <= (15.0 if slow else 6.0), where
    assert acc["contact_rmse_ms"] <= (25.0 if slow else 8.0), where


def test_short_two_axis_trial_like_the_force_plate_set() -> None:
    """5 s of running, 500 Hz, accelerometer only, lateral column all zeros."""
    for seed, cadence, contact in ((7006, 160.0, 300.0), (7007, 182.0, 200.0)):
        params = dataclasses.replace(
            PRESETS["baseline"],
            seed=seed,
            sample_rate_hz=500.0,
            accelerometer_only=True,
            standing_before_s=0.0,
            standing_after_s=0.0,
            running_s=5.0,
            cadence_spm=cadence,
            contact_ms=contact,
        )
        sim = simulate(params)
        data = sim.recording.data.copy()
        lateral_axis = next(k for k, v in sim.recording.meta.axes.items() if v in ("left", "right"))
        data[f"acc_{lateral_axis}_mps2"] = 0.0
        rec = Recording(data, RecordingMeta(sample_rate_hz=500.0), "two-axis")
        result = gaitback.analyze(rec)
        truth_steps = pd.DataFrame(sim.truth["steps"])
        acc = accuracy(result.steps, result.summary, truth_steps)
        assert 10 <= acc["n_true"] <= 18
        assert acc["f1"] >= 0.98
        assert acc["contact_rmse_ms"] <= 8.0
        assert set(result.steps[col.SIDE]) == {col.SIDE_UNKNOWN}


def test_irregular_timestamps_and_gaps_do_not_invent_steps() -> None:
    params = dataclasses.replace(PRESETS["baseline"], seed=7008, running_s=30.0)
    sim = simulate(params)
    data = sim.recording.data.copy()
    rng = np.random.default_rng(7008)
    # Timestamp jitter of +-1 ms (a phone's clock), and a 1.5 s hole mid-run.
    data[col.TIME] = data[col.TIME] + rng.uniform(-0.001, 0.001, len(data))
    hole = (data[col.TIME] > 20.0) & (data[col.TIME] < 21.5)
    data = data[~hole].reset_index(drop=True)
    rec = Recording(data, sim.recording.meta, "jittered")
    result = gaitback.analyze(rec)
    inside = result.steps[
        (result.steps[col.FOOT_STRIKE] > 20.0) & (result.steps[col.FOOT_STRIKE] < 21.5)
    ]
    assert inside.empty, "no step may be detected inside the hole"
    truth = pd.DataFrame(sim.truth["steps"])
    outside = truth[(truth[col.TOE_OFF] < 19.9) | (truth[col.FOOT_STRIKE] > 21.6)]
    acc = accuracy(result.steps, result.summary, outside)
    assert acc["recall"] >= 0.97
    assert acc["foot_strike_mae_ms"] <= 5.0


def test_activity_segments_of_stand_walk_run() -> None:
    truth = _truth("stand_walk_run")
    result = gaitback.analyze(BUNDLED / "stand_walk_run.csv")
    seg = result.segments
    run_true = next(s for s in truth["segments"] if s["activity"] == "running")
    runs = seg[seg["activity"] == col.RUNNING]
    assert len(runs) == 1
    assert abs(runs.iloc[0]["start_s"] - run_true["start_s"]) <= 1.0
    assert abs(runs.iloc[0]["end_s"] - run_true["end_s"]) <= 1.0
    walking = seg[seg["activity"] == col.WALKING]
    walked = (walking["end_s"] - walking["start_s"]).sum()
    walk_true = next(s for s in truth["segments"] if s["activity"] == "walking")
    assert walked >= 0.8 * (walk_true["end_s"] - walk_true["start_s"])
    # Walking steps are not running steps.
    assert (result.steps[col.FOOT_STRIKE] > run_true["start_s"] - 0.5).all()
    assert result.summary["lean_reference"] == "standing"


def test_lean_reference_is_vertical_without_standing() -> None:
    params = dataclasses.replace(
        PRESETS["forward_lean"],
        seed=7009,
        standing_before_s=0.0,
        standing_after_s=0.0,
        running_s=20.0,
    )
    sim = simulate(params)
    result = gaitback.analyze(sim.recording)
    assert result.summary["lean_reference"] == "vertical"
    # Mount has no misalignment here, so vertical and standing references coincide.
    assert abs(result.summary["forward_lean_deg"] - sim.truth["summary"]["forward_lean_deg"]) <= 1.0


def test_no_running_gives_an_empty_well_formed_result(tmp_path: Path) -> None:
    params = dataclasses.replace(
        PRESETS["stand_walk_run"], seed=7010, running_s=0.0, standing_after_s=3.0
    )
    sim = simulate(params)
    result = gaitback.analyze(sim.recording)
    assert result.steps.empty
    assert list(result.steps.columns) == list(col.STEP_COLUMNS)
    assert result.summary["n_steps"] == 0
    assert result.summary["cadence_spm"] is None
    assert any("no running" in w for w in result.warnings)
    paths = result.to_dir(tmp_path)
    text = paths["summary"].read_text()
    assert "NaN" not in text
    assert json.loads(text)["contact_ms"] is None


def test_dataframe_input_and_speed_override() -> None:
    sim = simulate(dataclasses.replace(PRESETS["baseline"], seed=7011, running_s=10.0))
    frame = sim.recording.data
    result = gaitback.analyze(frame, speed_mps=3.5)
    assert result.summary["speed_mps"] == 3.5
    step_s = result.summary["step_ms"] / 1000
    assert result.summary["step_length_m"] == pytest.approx(3.5 * step_s)
    assert result.summary["stride_length_m"] == pytest.approx(2 * 3.5 * step_s)


def test_heading_falls_back_to_declared_axes_without_braking() -> None:
    """No braking phase (AP force zero): the motion cannot give forward, the sidecar can."""
    params = dataclasses.replace(PRESETS["forward_lean"], seed=7012, running_s=30.0, braking_bw=0.0)
    sim = simulate(params)
    result = gaitback.analyze(sim.recording)
    assert result.summary["heading_source"] == "sidecar axes"
    acc = accuracy(
        result.steps, result.summary, pd.DataFrame(sim.truth["steps"]), sim.truth["summary"]
    )
    assert abs(acc["forward_lean_deg_error"]) <= 1.0
    assert acc["side_correct_pct"] >= 99.0
    # Without the declared mount the analysis says it cannot know, instead of guessing quietly.
    bare = Recording(sim.recording.data, RecordingMeta(sample_rate_hz=200.0), "bare")
    unsure = gaitback.analyze(bare)
    assert unsure.summary["heading_source"] == "uncertain"
    assert any("forward direction uncertain" in w for w in unsure.warnings)
