"""Short holes are bridged, long ones split the run: measured in missing data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gaitback import schema as col
from gaitback.core.conditioning import MAX_BRIDGE_S, signals_uniform
from gaitback.core.conditioning_online import OnlineConditioning
from gaitback.recording import RecordingMeta, recording_from_frame

RATE_HZ = 100.0


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
