"""Shared helpers for the acquisition tests: a running-like recording from simple
physics, and a recording fixture. No tests are defined here.

The signal: a runner at 2.8 steps/s. During each stance the vertical specific force
is a half-sine with a 2.5 g peak, and ~0 in flight (free fall), so its mean over a
step is 1 g; forward and lateral components and pelvis rates alternate with the
stance side. Sensor mounted x up, y left, z backward (the profiles' default mount).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from gaitback import schema as col
from gaitback.recording import Recording, RecordingMeta, recording_from_frame, write_recording

G = col.STANDARD_GRAVITY_MPS2


def running_signal(
    duration_s: float, rate_hz: float, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``time_s, acc_mps2 (n, 3), gyr_dps (n, 3)`` of a runner, sensor frame."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(round(duration_s * rate_hz))) / rate_hz
    step_s = 1 / 2.8
    contact_s = 0.23
    phase = (t % step_s) / contact_s
    stance = phase < 1
    # Mean of the vertical force over a step must be 1 g: peak * 2/pi * contact/step = 1.
    peak_g = step_s / contact_s * np.pi / 2
    vertical = np.where(stance, peak_g * np.sin(np.pi * np.clip(phase, 0, 1)), 0.0) * G
    side = np.where((t // step_s) % 2 == 0, 1.0, -1.0)
    forward = np.where(stance, -3.0 * np.sin(2 * np.pi * np.clip(phase, 0, 1)), 0.0)
    lateral = side * np.where(stance, 1.5 * np.sin(np.pi * np.clip(phase, 0, 1)), 0.0)
    acc = np.c_[vertical, lateral, -forward] + rng.normal(0, 0.05, (len(t), 3))
    gyr = np.c_[
        15 * np.sin(np.pi * t / step_s),
        8 * np.sin(2 * np.pi * t / step_s),
        25 * np.cos(np.pi * t / step_s),
    ] + rng.normal(0, 0.3, (len(t), 3))
    return t, acc, gyr


def running_recording(duration_s: float = 10.0, rate_hz: float = 200.0, seed: int = 0) -> Recording:
    t, acc, gyr = running_signal(duration_s, rate_hz, seed)
    frame = pd.DataFrame(np.c_[t, acc, gyr], columns=list(col.CANONICAL))
    meta = RecordingMeta(sample_rate_hz=rate_hz, axes={"x": "up", "y": "left", "z": "backward"})
    return recording_from_frame(frame, meta, source="<running>")


def write_running(path: Path, duration_s: float = 10.0, rate_hz: float = 200.0) -> Path:
    """The running recording as a canonical file (what the user would play)."""
    return write_recording(running_recording(duration_s, rate_hz), path)


#: Largest quantisation error of a 16-bit reading at +-16 g and +-2000 deg/s (half a step),
#: plus the canonical CSV's rounding.
ACC_TOL_MPS2 = 16 * G / 32768 / 2 + 1e-5
GYR_TOL_DPS = 2000 / 32768 / 2 + 1e-4
