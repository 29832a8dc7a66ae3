"""Each app's export, written from a known signal with the format's documented columns,
imports back to the same samples, units and time base (docs/importing.md)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gaitback import schema as col
from gaitback.importers import PHONE_AXES, detect_format, parse_axes, recording_load
from gaitback.importers.merge import MAX_BRIDGED_MISSING, resample_onto
from gaitback.importers.tables import Stream
from gaitback.recording import RecordingError, write_recording
from test_import_support import (
    EPOCH_S,
    RAD,
    acc_columns,
    gravity_estimate,
    gyr_columns,
    phyphox_meta,
    phyphox_table,
    running_recording,
    write_metabase,
    write_sensorlogger,
    write_witmotion,
    zip_dir,
)

G = col.STANDARD_GRAVITY_MPS2


@pytest.fixture(scope="module")
def rec():
    return running_recording(duration_s=16.0, rate_hz=100.0, seed=7)


def _phone_folder(tmp_path, rec, sep=",", decimal="."):
    folder = tmp_path / "phyphox"
    folder.mkdir()
    t = rec.time_s - rec.time_s[0]
    (folder / "Accelerometer.csv").write_text(
        phyphox_table(acc_columns(t, rec.acc_mps2), sep, decimal)
    )
    (folder / "Gyroscope.csv").write_text(phyphox_table(gyr_columns(t, rec.gyr_dps), sep, decimal))
    phyphox_meta(folder)
    return folder


# ----------------------------------------------------------------------------- phyphox


@pytest.mark.parametrize(
    ("sep", "decimal"), [(",", "."), ("\t", "."), (";", ","), ("\t", ",")]
)
def test_phyphox_zip_reproduces_samples(tmp_path, rec, sep, decimal):
    archive = zip_dir(_phone_folder(tmp_path, rec, sep, decimal), tmp_path / "run.zip")
    assert detect_format(archive) == "phyphox"
    out = recording_load(archive)
    assert out.n_samples == rec.n_samples
    np.testing.assert_allclose(out.time_s, rec.time_s - rec.time_s[0], atol=1e-9)
    # %.9E keeps 10 significant digits: far below 1e-6 m/s^2 at these magnitudes.
    np.testing.assert_allclose(out.acc_mps2, rec.acc_mps2, atol=1e-6)
    # rad/s -> deg/s
    np.testing.assert_allclose(out.gyr_dps, rec.gyr_dps, atol=1e-6)
    assert out.meta.axes == PHONE_AXES
    assert out.meta.device == "phyphox"
    assert out.meta.sample_rate_hz == pytest.approx(100.0)
    assert out.meta.started_at == "2023-11-14T22:13:20.000Z"
    assert "imported from" in out.meta.notes


def test_phyphox_single_acc_file_has_no_gyro(tmp_path, rec):
    path = tmp_path / "Raw Data.csv"
    path.write_text(phyphox_table(acc_columns(rec.time_s, rec.acc_mps2)))
    out = recording_load(path)
    assert not out.has_gyro
    np.testing.assert_allclose(out.acc_mps2, rec.acc_mps2, atol=1e-6)


def test_phyphox_combined_table_gyro_at_half_rate_and_late(tmp_path, rec):
    """One table, two time columns: the gyro (50 Hz, starting 1 s late) is resampled
    onto the accelerometer's times over the overlap only."""
    t = rec.time_s - rec.time_s[0]
    sl = slice(100, None, 2)
    path = tmp_path / "Raw Data.csv"
    path.write_text(
        phyphox_table(acc_columns(t, rec.acc_mps2) + gyr_columns(t[sl], rec.gyr_dps[sl]))
    )
    out = recording_load(path)
    inside = (t >= t[sl][0]) & (t <= t[sl][-1])
    assert out.n_samples == int(inside.sum())
    np.testing.assert_allclose(out.time_s, t[inside], atol=1e-9)
    np.testing.assert_allclose(out.acc_mps2, rec.acc_mps2[inside], atol=1e-6)
    # Where the gyro has a sample the value is exact; in between it is the mean
    # of its neighbours (linear interpolation).
    gyr_true = rec.gyr_dps[inside]
    np.testing.assert_allclose(out.gyr_dps[::2], gyr_true[::2], atol=1e-6)
    mid = 0.5 * (gyr_true[:-1:2] + gyr_true[2::2])
    np.testing.assert_allclose(out.gyr_dps[1:-1:2], mid, atol=1e-6)


def test_phyphox_linear_acceleration_refused(tmp_path, rec):
    t = rec.time_s - rec.time_s[0]
    grav = gravity_estimate(rec.acc_mps2, 100.0)
    path = tmp_path / "Raw Data.csv"
    path.write_text(phyphox_table(acc_columns(t, rec.acc_mps2 - grav, linear=True)))
    with pytest.raises(RecordingError, match="gravity removed") as err:
        recording_load(path)
    assert "Raw Data.csv" in str(err.value) and "Acceleration with g" in str(err.value)


def test_gravity_removed_recognised_by_physics_despite_the_name(tmp_path, rec):
    """Columns say 'Acceleration x' but the mean is ~0: refused, not analysed."""
    t = rec.time_s - rec.time_s[0]
    grav = gravity_estimate(rec.acc_mps2, 100.0)
    path = tmp_path / "Raw Data.csv"
    path.write_text(phyphox_table(acc_columns(t, rec.acc_mps2 - grav)))
    with pytest.raises(RecordingError, match=r"about 0, so gravity has been removed"):
        recording_load(path)


# ----------------------------------------------------------------------------- Sensor Logger


@pytest.mark.parametrize(
    ("platform", "total", "packed"),
    [("Android", True, "zip"), ("Android", False, "dir"), ("iOS", False, "zip")],
)
def test_sensorlogger_reproduces_samples(tmp_path, rec, platform, total, packed):
    folder = write_sensorlogger(rec, tmp_path / "sl", platform=platform, total=total)
    src = zip_dir(folder, tmp_path / "sl.zip") if packed == "zip" else folder
    assert detect_format(src) == "sensorlogger"
    out = recording_load(src)
    assert out.n_samples == rec.n_samples
    np.testing.assert_allclose(out.time_s, rec.time_s, atol=1e-9)  # seconds_elapsed
    # TotalAcceleration directly, or Accelerometer (no gravity) + Gravity, with
    # iOS's opposite sign undone.
    np.testing.assert_allclose(out.acc_mps2, rec.acc_mps2, atol=1e-6)
    np.testing.assert_allclose(out.gyr_dps, rec.gyr_dps, atol=1e-6)
    assert out.meta.device == f"Sensor Logger ({platform})"
    assert out.meta.axes == PHONE_AXES
    assert out.meta.started_at == "2023-11-14T22:13:20.000Z"  # wall clock at time_s 0


def test_sensorlogger_single_csv_path_reads_its_folder(tmp_path, rec):
    folder = write_sensorlogger(rec, tmp_path / "sl")
    out = recording_load(folder / "Gyroscope.csv")
    np.testing.assert_allclose(out.acc_mps2, rec.acc_mps2, atol=1e-6)


def test_sensorlogger_gyro_shorter_than_acc(tmp_path, rec):
    folder = write_sensorlogger(rec, tmp_path / "sl", gyro_trim=30)
    out = recording_load(folder)
    assert out.n_samples == rec.n_samples - 60
    np.testing.assert_allclose(out.time_s, rec.time_s[30:-30], atol=1e-9)


def test_sensorlogger_accelerometer_without_gravity_source_refused(tmp_path, rec):
    folder = write_sensorlogger(rec, tmp_path / "sl", total=False, gravity=False)
    with pytest.raises(RecordingError) as err:
        recording_load(folder)
    msg = str(err.value)
    assert "Accelerometer.csv" in msg and "gravity removed" in msg and "\n" not in msg


# ----------------------------------------------------------------------------- MetaBase


@pytest.mark.parametrize("point_at", ["acc", "gyr", "dir", "zip"])
def test_metabase_pair_merged_on_epoch(tmp_path, rec, point_at):
    acc_path, gyr_path = write_metabase(rec, tmp_path / "mb", gyro_skip=50)
    src = {
        "acc": acc_path,
        "gyr": gyr_path,
        "dir": tmp_path / "mb",
        "zip": zip_dir(tmp_path / "mb", tmp_path / "mb.zip"),
    }[point_at]
    assert detect_format(src) == "metabase"
    out = recording_load(src)
    # The gyro starts 0.5 s later: only the overlap is kept, times from the
    # accelerometer's first sample.
    assert out.n_samples == rec.n_samples - 50
    np.testing.assert_allclose(out.time_s, rec.time_s[50:] - rec.time_s[0], atol=1e-9)
    # 3 decimals of g, 3 decimals of deg/s
    np.testing.assert_allclose(out.acc_mps2, rec.acc_mps2[50:], atol=0.0005 * G + 1e-9)
    np.testing.assert_allclose(out.gyr_dps, rec.gyr_dps[50:], atol=0.0005 + 1e-9)
    assert out.meta.axes is None
    assert out.meta.started_at == "2023-11-14T22:13:25.000Z"


def test_metabase_gyro_at_lower_rate(tmp_path, rec):
    acc_path, _ = write_metabase(rec, tmp_path / "mb", gyro_skip=0, gyro_every=4)
    out = recording_load(acc_path)
    last = (rec.n_samples - 1) // 4 * 4  # the gyro's last sample
    assert out.n_samples == last + 1
    np.testing.assert_allclose(out.gyr_dps[::4], rec.gyr_dps[: last + 1 : 4], atol=0.0005 + 1e-9)


# ----------------------------------------------------------------------------- WitMotion


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_witmotion_log(tmp_path, rec, encoding):
    path = write_witmotion(rec, tmp_path / "20250313235359.txt", encoding=encoding)
    assert detect_format(path) == "witmotion"
    out = recording_load(path)
    assert out.n_samples == rec.n_samples
    np.testing.assert_allclose(out.time_s, rec.time_s - rec.time_s[0], atol=1e-6)
    np.testing.assert_allclose(out.acc_mps2, rec.acc_mps2, atol=0.00005 * G + 1e-9)
    np.testing.assert_allclose(out.gyr_dps, rec.gyr_dps, atol=0.0005 + 1e-9)


def test_witmotion_bursty_pc_clock_rebuilt(tmp_path, rec):
    """Samples stamped per 4-sample burst: times are spread evenly, none dropped."""
    path = write_witmotion(rec, tmp_path / "log.txt", burst=4)
    out = recording_load(path)
    assert out.n_samples == rec.n_samples
    assert np.all(np.diff(out.time_s) > 0)
    # The last stamp is up to one burst early, so the even spacing is within a
    # few ms of the true one.
    np.testing.assert_allclose(out.time_s, rec.time_s - rec.time_s[0], atol=4 / 100.0)
    assert "rebuilt" in out.meta.notes


# ----------------------------------------------------------------------------- merging


def test_long_gyro_gap_rows_absent_short_gap_bridged(tmp_path, rec):
    """A 1-sample gyro gap is interpolated; a 10-sample gap leaves its rows out."""
    t = rec.time_s - rec.time_s[0]
    keep = np.ones(rec.n_samples, dtype=bool)
    keep[300] = False  # short gap
    keep[800:810] = False  # long gap
    path = tmp_path / "Raw Data.csv"
    path.write_text(
        phyphox_table(acc_columns(t, rec.acc_mps2) + gyr_columns(t[keep], rec.gyr_dps[keep]))
    )
    out = recording_load(path)
    assert out.n_samples == rec.n_samples - 10
    assert np.any(np.isclose(out.time_s, t[300]))
    assert not np.any(np.isclose(out.time_s[:, None], t[800:810][None, :]).any(axis=1))
    gap = out.gaps
    assert len(gap) == 1 and int(gap["missing_samples"].iloc[0]) == 10


@settings(max_examples=40, deadline=None)
@given(
    base_hz=st.floats(20, 400),
    other_hz=st.floats(20, 400),
    offset_s=st.floats(-2, 2),
    slope=st.floats(-50, 50),
)
def test_resample_is_exact_for_linear_signals_and_never_extrapolates(
    base_hz, other_hz, offset_s, slope
):
    tb = np.arange(0, 5, 1 / base_hz)
    to = offset_s + np.arange(0, 5, 1 / other_hz)
    line = lambda t: np.stack([slope * t, -slope * t + 3, np.full_like(t, 7.0)], axis=1)  # noqa: E731
    base = Stream("base", tb, np.zeros((len(tb), 3)))
    other = Stream("other", to, line(to))
    if min(tb[-1], to[-1]) <= max(tb[0], to[0]):
        with pytest.raises(RecordingError, match="do not overlap"):
            resample_onto(base, other)
        return
    keep, values = resample_onto(base, other)
    kept_t = tb[keep]
    assert np.all(kept_t >= to[0] - 1e-12) and np.all(kept_t <= to[-1] + 1e-12)
    inside = (tb >= to[0]) & (tb <= to[-1])
    assert keep.sum() == inside.sum()  # no gaps: every overlapping sample kept
    np.testing.assert_allclose(values, line(kept_t), atol=1e-9 * (1 + abs(slope)))
    assert MAX_BRIDGED_MISSING >= 1


def test_converted_import_reads_back_with_the_canonical_reader(tmp_path, rec):
    folder = write_sensorlogger(rec, tmp_path / "sl")
    out = recording_load(folder)
    written = write_recording(out, tmp_path / "run.csv")
    again = recording_load(written)
    assert detect_format(written) == "canonical"
    np.testing.assert_allclose(again.acc_mps2, out.acc_mps2, atol=1e-5)
    assert again.meta.axes == PHONE_AXES
    assert again.meta.extra["import_format"] == "sensorlogger"
    assert EPOCH_S > 0 and RAD > 0


@pytest.mark.parametrize(
    "text",
    [
        "x=right,y=up,z=backward",
        "x=left,y=up,z=forward",
        "x=left,y=down,z=backward",
        "x=up,y=left,z=backward",
    ],
)
def test_documented_phone_placements_are_right_handed(text):
    """Every --axes line of docs/phone-recording.md is a valid, right-handed frame."""
    assert set(parse_axes(text)) == {"x", "y", "z"}


def test_phone_worn_upside_down_leaves_axes_unknown(tmp_path):
    rec = running_recording(duration_s=10.0, seed=4)
    flipped = rec.data.copy()
    # Upside down = rotated 180 degrees about the screen normal: x and y change sign.
    for name in (col.ACC[0], col.ACC[1], col.GYR[0], col.GYR[1]):
        flipped[name] = -flipped[name]
    rec.data = flipped
    folder = write_sensorlogger(rec, tmp_path / "sl")
    out = recording_load(folder)
    assert out.meta.axes is None
    assert "--axes" in out.meta.notes
    stated = recording_load(folder, axes="x=left,y=down,z=backward")
    assert stated.meta.axes == {"x": "left", "y": "down", "z": "backward"}


def test_former_name_load_recording_still_loads_with_a_deprecation_warning(tmp_path, rec):
    """``load_recording`` was documented (docs/importing.md): it stays, deprecated."""
    from gaitback.importers import load_recording

    archive = zip_dir(_phone_folder(tmp_path, rec, ",", "."), tmp_path / "run.zip")
    with pytest.warns(DeprecationWarning, match="recording_load"):
        old = load_recording(archive, fmt="phyphox")
    new = recording_load(archive, fmt="phyphox")
    np.testing.assert_array_equal(old.acc_mps2, new.acc_mps2)
    assert old.meta.axes == new.meta.axes
