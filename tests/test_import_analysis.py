"""The analysis of each import agrees with the analysis of the canonical recording.

Each app's export is written from one canonical recording; both are analysed
with ``gaitback.analyze`` and must find the same steps (foot strikes within 2
samples) and the same summary metrics within tolerance. Skipped until the
analysis engine exists.
"""

from __future__ import annotations

import numpy as np
import pytest

import gaitback
from gaitback import schema as col
from gaitback.importers import PHONE_AXES, recording_load
from gaitback.recording import write_recording
from test_import_support import (
    acc_columns,
    gyr_columns,
    phyphox_meta,
    phyphox_table,
    running_recording,
    write_metabase,
    write_sensorlogger,
    write_witmotion,
    zip_dir,
)

RATE_HZ = 100.0
#: Summary metrics compared, with the largest difference accepted.
TOLERANCES = {
    "cadence_spm": 1.0,
    "contact_ms": 10.0,
    "flight_ms": 10.0,
    "step_ms": 5.0,
    "impact_g": 0.1,
    "vertical_oscillation_cm": 0.5,
    "forward_lean_deg": 0.5,
    "pelvic_drop_left_deg": 0.5,
    "pelvic_drop_right_deg": 0.5,
}


def _analyze(path):
    if not hasattr(gaitback, "analyze"):
        pytest.skip("analysis engine not available yet")
    return gaitback.analyze(path)


def _phyphox(rec, tmp_path):
    folder = tmp_path / "phy"
    folder.mkdir()
    t = rec.time_s - rec.time_s[0]
    (folder / "Accelerometer.csv").write_text(phyphox_table(acc_columns(t, rec.acc_mps2)))
    (folder / "Gyroscope.csv").write_text(phyphox_table(gyr_columns(t, rec.gyr_dps)))
    phyphox_meta(folder)
    return zip_dir(folder, tmp_path / "phy.zip"), rec.time_s[0]


def _sensorlogger(rec, tmp_path):
    return zip_dir(write_sensorlogger(rec, tmp_path / "sl"), tmp_path / "sl.zip"), 0.0


def _metabase(rec, tmp_path):
    acc_path, _ = write_metabase(rec, tmp_path / "mb", gyro_skip=0)
    return acc_path, rec.time_s[0]


def _witmotion(rec, tmp_path):
    return write_witmotion(rec, tmp_path / "wit.txt"), rec.time_s[0]


@pytest.fixture(scope="module")
def canonical(tmp_path_factory):
    rec = running_recording(duration_s=40.0, rate_hz=RATE_HZ, seed=5, use_sim=True)
    if rec.meta.axes is None:
        rec.meta.axes = dict(PHONE_AXES)
    path = write_recording(rec, tmp_path_factory.mktemp("canonical") / "run.csv")
    return rec, _analyze(path)


@pytest.mark.parametrize("writer", [_phyphox, _sensorlogger, _metabase, _witmotion])
def test_import_analysis_matches_canonical(canonical, tmp_path, writer):
    rec, expected = canonical
    src, offset_s = writer(rec, tmp_path)
    imported = recording_load(src, axes=rec.meta.axes)
    converted = write_recording(imported, tmp_path / "imported.csv")
    got = _analyze(converted)

    strikes_ref = expected.steps[col.FOOT_STRIKE].to_numpy(dtype=float)
    strikes = got.steps[col.FOOT_STRIKE].to_numpy(dtype=float) + offset_s
    assert len(strikes_ref) > 20
    assert abs(len(strikes) - len(strikes_ref)) <= 1
    nearest = np.abs(strikes_ref[:, None] - strikes[None, :]).min(axis=1)
    # The first and last step may be cut differently at the recording's edges.
    assert np.all(nearest[1:-1] <= 2.0 / RATE_HZ + 1e-9)

    for key, tol in TOLERANCES.items():
        ref, value = expected.summary.get(key), got.summary.get(key)
        if ref is None:
            assert value is None, key
            continue
        assert value == pytest.approx(ref, abs=tol), key
