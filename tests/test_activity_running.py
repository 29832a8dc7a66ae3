"""Running is found from periodic stance pulses, not from readings near 0 g.

Ground truth: the simulator's truth (running span, steps) and signals whose
content is known by construction (band-limited noise has no step period).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import signal

import gaitback
from gaitback import columns as col
from gaitback.columns import STANDARD_GRAVITY_MPS2 as G
from gaitback.recording import Recording, RecordingMeta, recording_from_frame
from gaitback.sim import PRESETS, simulate


def _recording(time_s: np.ndarray, acc_mps2: np.ndarray, rate_hz: float) -> Recording:
    frame = pd.DataFrame(
        {
            col.TIME: time_s,
            col.ACC[0]: acc_mps2[:, 0],
            col.ACC[1]: acc_mps2[:, 1],
            col.ACC[2]: acc_mps2[:, 2],
        }
    )
    return recording_from_frame(frame, RecordingMeta(sample_rate_hz=rate_hz))


def _band_noise(n: int, rate_hz: float, band_hz: tuple[float, float], rms_g: float, seed: int):
    rng = np.random.default_rng(seed)
    sos = signal.butter(4, band_hz, btype="band", fs=rate_hz, output="sos")
    x = signal.sosfiltfilt(sos, rng.standard_normal((n, 3)), axis=0)
    return x / x.std(axis=0) * rms_g * G


def test_band_limited_noise_is_not_running() -> None:
    """Ten minutes of noise as large as running (|f| reaching 0 g and 3 g) gives no step."""
    rate = 100.0
    n = int(600 * rate)
    t = np.arange(n) / rate
    for seed, band in enumerate([(0.5, 15.0), (2.0, 4.0), (1.0, 8.0)]):
        acc = _band_noise(n, rate, band, 0.8, seed)
        acc[:, 2] += G
        magnitude = np.linalg.norm(acc, axis=1) / G
        assert magnitude.min() < 0.2 and magnitude.max() > 2.5  # as extreme as running
        result = gaitback.analyze(_recording(t, acc, rate))
        assert len(result.steps) == 0, f"band {band}: {len(result.steps)} steps from noise"
        assert any("no running" in w for w in result.warnings)


def test_belt_worn_sensor_never_in_free_fall_loses_no_running() -> None:
    """A soft belt that bottoms out at 0.5-0.6 g in flight still reads as running throughout."""
    params = PRESETS["baseline"].replace(seed=4242, running_s=60.0, standing_after_s=3.0)
    sim = simulate(params)
    rec = sim.recording
    rate = rec.sample_rate_hz
    up = rec.data[col.ACC[0]].to_numpy() / G  # the baseline mount has x up
    soft = signal.sosfiltfilt(signal.butter(2, 6.0, fs=rate, output="sos"), up)
    running = (rec.data[col.TIME].to_numpy() >= sim.truth["steps"][0]["foot_strike_s"]) & (
        rec.data[col.TIME].to_numpy() <= sim.truth["steps"][-1]["toe_off_s"]
    )
    floor = np.percentile(soft[running], 1)
    # Compress about the 1 g mean so that flight bottoms out at 0.55 g.
    gain = (1.0 - 0.55) / (1.0 - floor)
    belt = 1.0 + gain * (soft - 1.0)
    assert 0.5 <= np.percentile(belt[running], 1) <= 0.6
    data = rec.data.copy()
    data[col.ACC[0]] = belt * G
    result = gaitback.analyze(Recording(data=data, meta=rec.meta))
    truth_running_s = sim.truth["steps"][-1]["toe_off_s"] - sim.truth["steps"][0]["foot_strike_s"]
    found = result.segments[result.segments.activity == col.RUNNING]
    found_s = float((found.end_s - found.start_s).sum())
    assert found_s >= truth_running_s - 1.0, (found_s, truth_running_s)
    assert abs(len(result.steps) - len(sim.truth["steps"])) <= 2
