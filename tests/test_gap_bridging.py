"""Short holes are bridged, long ones split the run: measured in missing data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gaitback import schema as col
from gaitback.core.conditioning import MAX_BRIDGE_S, signals_uniform
from gaitback.core.conditioning_online import OnlineConditioning
from gaitback.recording import RecordingMeta, recording_from_frame

RATE_HZ = 100.0
ROOT = Path(__file__).resolve().parents[1]


def _with_hole(missing: int) -> tuple[np.ndarray, np.ndarray]:
    """Two seconds at 100 Hz with ``missing`` consecutive samples removed at 1 s."""
    t = np.arange(200) / RATE_HZ
    keep = np.ones(len(t), bool)
    keep[100 : 100 + missing] = False
    t = t[keep]
    acc = np.column_stack([np.zeros(len(t)), np.zeros(len(t)), np.full(len(t), 9.81)])
    return t, acc


@pytest.mark.parametrize(("missing", "bridged"), [(5, True), (10, True), (11, False), (30, False)])
def test_offline_bridges_up_to_two_packets_of_missing_data(missing: int, bridged: bool) -> None:
    """Ten lost samples at 100 Hz are 0.1 s of missing data (real samples 0.11 s apart)."""
    assert MAX_BRIDGE_S == pytest.approx(0.1)
    t, acc = _with_hole(missing)
    frame = pd.DataFrame({col.TIME: t, **{c: acc[:, j] for j, c in enumerate(col.ACC)}})
    uni = signals_uniform(recording_from_frame(frame, RecordingMeta(sample_rate_hz=RATE_HZ)))
    assert (len(uni.blocks) == 1) == bridged
    assert int(uni.bridged.sum()) == (missing if bridged else 0)


@pytest.mark.parametrize(("missing", "bridged"), [(10, True), (11, False)])
def test_live_bridges_the_same_holes(missing: int, bridged: bool) -> None:
    t, acc = _with_hole(missing)
    joiner = OnlineConditioning(RATE_HZ)
    runs = list(joiner.runs(t, acc, None))
    assert any(run.after_long_gap for run in runs) != bridged
    assert joiner.lost_samples == missing


# ----------------------------------------------------------------------------- whole analysis
# Holes cut into a simulated run at chosen places (the simulator's own packet loss
# puts them at random): what the analysis reports must still match the truth, and
# nothing may be timed on data that were not recorded.


@pytest.fixture(scope="module")
def run_100hz():
    """A 100 Hz run with gyro bias and no packet loss, and its truth."""
    import dataclasses

    from gaitback.sim import PRESETS, simulate

    params = dataclasses.replace(PRESETS["lowcost_100hz"], running_s=30.0, packet_loss_pct=0.0)
    sim = simulate(params)
    return sim.recording, pd.DataFrame(sim.truth["steps"]), sim.truth


def _cut(recording, *spans: tuple[float, float]):
    """The recording without the samples inside the given (from, to) time spans."""
    from gaitback.recording import Recording

    t = recording.data[col.TIME].to_numpy()
    keep = np.ones(len(t), bool)
    for lo, hi in spans:
        keep &= ~((t > lo) & (t < hi))
    data = recording.data.loc[keep].reset_index(drop=True)
    return Recording(data, recording.meta, recording.source)


def _mid_run_strike(truth_steps: pd.DataFrame) -> float:
    strikes = truth_steps[col.FOOT_STRIKE].to_numpy()
    return float(strikes[len(strikes) // 2])


@pytest.mark.parametrize("resume_s", [0.02, 0.04, 0.09])
def test_a_run_resuming_mid_stance_invents_no_strike(run_100hz, resume_s: float) -> None:
    """0.15 s lost over a foot strike splits the run: the stance cut by it is not
    reported, and no strike is timed on the stance's later part (data resuming
    20-50 ms after touchdown show its soft-tissue dip, then the active peak)."""
    import gaitback

    recording, truth_steps, _ = run_100hz
    strike = _mid_run_strike(truth_steps)
    cut = _cut(recording, (strike + resume_s - 0.15, strike + resume_s))
    steps = gaitback.analyze(cut).steps
    truth = truth_steps[col.FOOT_STRIKE].to_numpy()
    error = np.abs(steps[col.FOOT_STRIKE].to_numpy()[:, None] - truth[None, :]).min(axis=1)
    assert error.max() < 0.02, f"a strike {error.max() * 1000:.0f} ms from any true one"
    near = np.abs(steps[col.FOOT_STRIKE].to_numpy() - strike) < 0.02
    assert not near.any(), "the stance whose strike was lost was reported"


def test_a_strike_after_a_gap_keeps_its_tangent_when_its_peak_was_bridged(run_100hz) -> None:
    """Two short holes: one ending just before a strike, one over the stance's peak.
    The peak cannot stand in for the rise, so the tangent on the real samples counts."""
    import gaitback

    recording, truth_steps, _ = run_100hz
    strike = _mid_run_strike(truth_steps)
    cut = _cut(recording, (strike - 0.065, strike - 0.005), (strike + 0.045, strike + 0.105))
    steps = gaitback.analyze(cut).steps
    found = steps[col.FOOT_STRIKE].to_numpy()
    nearest = found[np.argmin(np.abs(found - strike))]
    assert abs(nearest - strike) < 0.015, f"strike {1000 * (nearest - strike):+.0f} ms off"


@pytest.mark.parametrize("seed", [1, 2, 108, 5023])
def test_a_standing_block_cut_off_by_lost_data_keeps_the_runs_heading(seed: int) -> None:
    """0.16 s lost while standing splits the recording before the run: the standing
    block (the posture reference) must be turned like the running one, or lean
    leaks into pelvic drop (3-8 deg on seeds 1 and 5023 before the fix)."""
    import dataclasses

    import gaitback
    from gaitback.sim import PRESETS, simulate

    params = dataclasses.replace(
        PRESETS["lowcost_100hz"], running_s=30.0, packet_loss_pct=0.0, seed=seed
    )
    sim = simulate(params)
    start = next(s["start_s"] for s in sim.truth["segments"] if s["activity"] == "running")
    summary = gaitback.analyze(_cut(sim.recording, (start - 0.46, start - 0.3))).summary
    assert summary["lean_reference"] == "standing"
    for key in ("forward_lean_deg", "pelvic_drop_left_deg", "pelvic_drop_right_deg"):
        error = summary[key] - sim.truth["summary"][key]
        assert abs(error) <= 1.0, (key, round(error, 2))


def test_long_running_is_detected_window_by_window_with_the_same_steps(monkeypatch) -> None:
    """Running is searched for steps ten minutes at a time (memory); the windows
    overlap, so the steps are those of one pass: every true strike found once,
    and toe-offs within a fraction of a millisecond of one pass's (each window
    estimates its own step period)."""
    import json

    import gaitback
    from gaitback.core import pipeline
    from gaitback.recording import read_recording

    stem = ROOT / "recordings" / "synthetic" / "treadmill_3min"
    recording = read_recording(stem.with_suffix(".csv"))
    truth = np.array([s[col.FOOT_STRIKE] for s in json.loads(
        stem.with_suffix(".truth.json").read_text())["steps"]])
    whole = gaitback.analyze(recording).steps
    monkeypatch.setattr(pipeline, "DETECT_WINDOW_S", 20.0)
    monkeypatch.setattr(pipeline, "DETECT_MARGIN_S", 5.0)
    windowed = gaitback.analyze(recording).steps
    found = windowed[col.FOOT_STRIKE].to_numpy()
    nearest = np.abs(found[:, None] - truth[None, :]).argmin(axis=1)
    assert len(np.unique(nearest)) == len(found), "a true strike found twice"
    assert np.abs(found - truth[nearest]).max() < 0.02
    assert len(found) >= len(truth) - 1  # the first step off standing (truth Limits)
    assert len(windowed) == len(whole)
    np.testing.assert_allclose(windowed[col.FOOT_STRIKE], whole[col.FOOT_STRIKE], atol=1e-9)
    np.testing.assert_allclose(windowed[col.TOE_OFF], whole[col.TOE_OFF], atol=5e-4)
