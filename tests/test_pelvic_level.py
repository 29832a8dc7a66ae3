"""Camber (tilt through the whole stride) vs pelvic drop (a stance peak), told apart by shape."""

from __future__ import annotations

import numpy as np
import pytest

import gaitback
from gaitback.sim.engine import simulate
from gaitback.sim.presets import PRESETS

BASE = PRESETS["baseline"].replace(running_s=90.0, sample_rate_hz=100.0)


@pytest.mark.parametrize(
    ("camber_deg", "drop_left_deg", "drop_right_deg", "seed"),
    [
        (0.0, 5.0, 5.0, 11),
        (3.0, 5.0, 5.0, 12),  # camber only: raw drops read 8 and 2
        (0.0, 3.0, 8.0, 13),  # asymmetric drop: moves the mean obliquity too
        (-2.5, 3.0, 8.0, 14),  # both at once
    ],
)
def test_flight_level_is_the_camber_and_stance_drops_are_the_drops(
    camber_deg: float, drop_left_deg: float, drop_right_deg: float, seed: int
) -> None:
    params = BASE.replace(
        seed=seed,
        camber_deg=camber_deg,
        pelvic_drop_left_deg=drop_left_deg,
        pelvic_drop_right_deg=drop_right_deg,
    )
    summary = gaitback.analyze(simulate(params).recording).summary
    assert summary["obliquity_flight_deg"] == pytest.approx(camber_deg, abs=0.4)
    assert summary["stance_drop_left_deg"] == pytest.approx(drop_left_deg, abs=0.4)
    assert summary["stance_drop_right_deg"] == pytest.approx(drop_right_deg, abs=0.4)


def test_without_a_gyroscope_there_is_no_pelvic_level() -> None:
    params = PRESETS["acc_only"].replace(running_s=30.0, sample_rate_hz=100.0)
    summary = gaitback.analyze(simulate(params).recording).summary
    assert "obliquity_flight_deg" not in summary or summary["obliquity_flight_deg"] is None


def test_live_tells_camber_from_drop_as_offline_does() -> None:
    """Mid-run, the live rolling summary reads the camber in flight and the drops from it."""
    import json
    from pathlib import Path

    from gaitback.live.analyzer import LiveAnalyzer
    from gaitback.recording import read_recording

    folder = Path(__file__).resolve().parent.parent / "recordings" / "synthetic"
    truth = json.loads((folder / "uneven_surface.truth.json").read_text())
    rec = read_recording(folder / "uneven_surface.csv")
    live = LiveAnalyzer(rec.sample_rate_hz, rec.has_gyro, speed_mps=3.0, axes=rec.meta.axes)
    t, acc, gyr = rec.time_s, rec.acc_mps2, rec.gyr_dps
    for i in range(0, int(np.searchsorted(t, 40.0)), 20):
        live.push_arrays(t[i : i + 20], acc[i : i + 20], gyr[i : i + 20])
    s = live.rolling_summary()
    assert s["obliquity_flight_deg"] == pytest.approx(truth["params"]["camber_deg"], abs=0.7)
    assert s["stance_drop_left_deg"] == pytest.approx(
        truth["params"]["pelvic_drop_left_deg"], abs=1.0
    )
    assert s["stance_drop_right_deg"] == pytest.approx(
        truth["params"]["pelvic_drop_right_deg"], abs=1.0
    )
