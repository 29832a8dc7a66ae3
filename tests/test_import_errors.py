"""Malformed imports give one clear line naming the file and the problem."""

from __future__ import annotations

import zipfile

import numpy as np
import pytest

from gaitback.errors import GaitbackError
from gaitback.importers import detect_format, parse_axes, recording_load
from test_import_support import (
    WIT_HEADER,
    G,
    acc_columns,
    gyr_columns,
    phyphox_table,
    running_recording,
    sensorlogger_csv,
    write_metabase,
    write_sensorlogger,
    write_witmotion,
)


@pytest.fixture(scope="module")
def rec():
    return running_recording(duration_s=12.0, rate_hz=100.0, seed=3)


def _error(path, **kwargs) -> str:
    with pytest.raises(GaitbackError) as err:
        recording_load(path, **kwargs)
    msg = str(err.value)
    assert "\n" not in msg, msg
    return msg


def _phyphox_text(rec) -> str:
    return phyphox_table(acc_columns(rec.time_s, rec.acc_mps2))


def test_missing_file(tmp_path):
    msg = _error(tmp_path / "nope.csv")
    assert "nope.csv" in msg and "no such file" in msg


def test_empty_file(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("")
    msg = _error(path)
    assert "empty.csv" in msg and "empty" in msg


def test_empty_file_with_forced_format(tmp_path):
    path = tmp_path / "Raw Data.csv"
    path.write_text("")
    msg = _error(path, fmt="phyphox")
    assert "Raw Data.csv" in msg and "empty" in msg


def test_header_only(tmp_path, rec):
    path = tmp_path / "Raw Data.csv"
    path.write_text(_phyphox_text(rec).splitlines()[0] + "\n")
    msg = _error(path)
    assert "Raw Data.csv" in msg and "no samples" in msg


def test_unrecognised_format(tmp_path):
    path = tmp_path / "notes.csv"
    path.write_text("a,b,c\n1,2,3\n")
    msg = _error(path)
    assert "notes.csv" in msg and "unrecognised" in msg and "--format" in msg


def test_spreadsheet_refused(tmp_path):
    path = tmp_path / "run.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 64)
    msg = _error(path)
    assert "run.xls" in msg and "CSV" in msg


def test_non_numeric_cell_named_with_line(tmp_path, rec):
    lines = _phyphox_text(rec).splitlines()
    cells = lines[5].split(",")
    cells[2] = "abc"
    lines[5] = ",".join(cells)
    path = tmp_path / "Raw Data.csv"
    path.write_text("\n".join(lines) + "\n")
    msg = _error(path)
    assert "Raw Data.csv line 6" in msg
    assert "Acceleration y (m/s^2)" in msg and "'abc'" in msg


def test_missing_axis_column(tmp_path, rec):
    columns = [c for c in acc_columns(rec.time_s, rec.acc_mps2) if "z" not in c[0].split()[1]]
    path = tmp_path / "Raw Data.csv"
    path.write_text(phyphox_table(columns))
    msg = _error(path)
    assert "Raw Data.csv" in msg and "missing" in msg and "z" in msg


def test_phyphox_values_in_g_labelled_mps2(tmp_path, rec):
    path = tmp_path / "Raw Data.csv"
    path.write_text(phyphox_table(acc_columns(rec.time_s, rec.acc_mps2 / G)))
    msg = _error(path)
    assert "Raw Data.csv" in msg and "look like g" in msg and "--acc-unit g" in msg
    # ...and the override the message names repairs it.
    out = recording_load(path, acc_unit="g")
    np.testing.assert_allclose(out.acc_mps2, rec.acc_mps2, atol=1e-6)


def test_metabase_values_in_mps2_labelled_g(tmp_path, rec):
    acc_path, _ = write_metabase(rec, tmp_path / "mb")
    text = acc_path.read_text().splitlines()
    header, body = text[0], text[1:]
    scaled = []
    for line in body:
        cells = line.split(",")
        cells[3:] = [f"{float(c) * G:.3f}" for c in cells[3:]]
        scaled.append(",".join(cells))
    acc_path.write_text("\n".join([header, *scaled]) + "\n")
    msg = _error(acc_path)
    assert acc_path.name in msg and "--acc-unit mps2" in msg


def test_zip_without_expected_files(tmp_path):
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("readme.txt", "hello")
        zf.writestr("photo.jpg", b"\xff\xd8\xff")
    msg = _error(path)
    assert "export.zip" in msg and "no recognised recording" in msg


def test_sensorlogger_zip_without_acceleration(tmp_path, rec):
    folder = tmp_path / "sl"
    folder.mkdir()
    sensorlogger_csv(folder / "Gyroscope.csv", rec.time_s, rec.gyr_dps)
    msg = _error(folder)
    assert "sl" in msg and "TotalAcceleration.csv" in msg


def test_sensorlogger_missing_column(tmp_path, rec):
    folder = write_sensorlogger(rec, tmp_path / "sl")
    path = folder / "TotalAcceleration.csv"
    lines = path.read_text().splitlines()
    path.write_text("\n".join(",".join(line.split(",")[:4]) for line in lines) + "\n")
    msg = _error(folder)
    assert "TotalAcceleration.csv" in msg and "missing column(s) x" in msg


def test_sensorlogger_no_time_overlap(tmp_path, rec):
    folder = write_sensorlogger(rec, tmp_path / "sl")
    sensorlogger_csv(folder / "Gyroscope.csv", rec.time_s + 100.0, rec.gyr_dps)
    msg = _error(folder)
    assert "Gyroscope.csv" in msg and "do not overlap" in msg


def test_witmotion_two_devices(tmp_path, rec):
    path = write_witmotion(rec, tmp_path / "log.txt", devices=("WT1(A)", "WT2(B)"))
    msg = _error(path)
    assert "log.txt" in msg and "2 devices" in msg


def test_witmotion_bad_time(tmp_path, rec):
    path = tmp_path / "log.txt"
    row = "yesterday\tWT1\tnull\t0.0\t1.0\t0.0\t0\t0\t0\t0\t0\t0"
    path.write_text(WIT_HEADER + "\n" + "\n".join([row] * 300) + "\n")
    msg = _error(path)
    assert "log.txt" in msg and "unreadable time" in msg


def test_metabase_gyro_file_alone(tmp_path, rec):
    _, gyr_path = write_metabase(rec, tmp_path / "mb")
    (tmp_path / "mb" / gyr_path.name.replace("Gyroscope", "Accelerometer")).unlink()
    msg = _error(gyr_path)
    assert "no MetaBase accelerometer" in msg


def test_unknown_format_name(tmp_path, rec):
    path = tmp_path / "Raw Data.csv"
    path.write_text(_phyphox_text(rec))
    msg = _error(path, fmt="garmin")
    assert "unknown format 'garmin'" in msg


def test_forced_wrong_format(tmp_path, rec):
    path = tmp_path / "Raw Data.csv"
    path.write_text(_phyphox_text(rec))
    msg = _error(path, fmt="metabase")
    assert "Raw Data.csv" in msg and "not a MetaBase CSV" in msg


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("x=up,y=left", 'must map "x", "y" and "z"'),
        ("x=up,y=left,z=sideways", "unknown axis direction"),
        ("x=up,y=up,z=backward", "same body axis twice"),
        ("x=up,y=left,z=forward", "left-handed"),
        ("x:up", "cannot read"),
    ],
)
def test_bad_axes(text, fragment):
    with pytest.raises(GaitbackError, match=fragment):
        parse_axes(text)


def test_binary_file(tmp_path):
    path = tmp_path / "run.csv"
    path.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(GaitbackError) as err:
        detect_format(path)
    assert "run.csv" in str(err.value)


def test_phyphox_zip_with_two_accelerometer_tables(tmp_path, rec):
    path = tmp_path / "two.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("Raw Data.csv", _phyphox_text(rec))
        zf.writestr("Accelerometer.csv", _phyphox_text(rec))
        zf.writestr("Gyroscope.csv", phyphox_table(gyr_columns(rec.time_s, rec.gyr_dps)))
    msg = _error(path)
    assert "two.zip" in msg and "several acc tables" in msg


def test_ragged_row_names_the_file_line(tmp_path, rec):
    acc_path, _ = write_metabase(rec, tmp_path / "mb")
    lines = acc_path.read_text().splitlines()
    lines[10] = lines[10].replace(",", ",,", 1)
    acc_path.write_text("\n".join(lines) + "\n")
    msg = _error(acc_path)
    assert f"{acc_path.name} line 11" in msg and "7 fields" in msg


def test_metabase_linear_acceleration_refused_but_ignored_beside_raw(tmp_path, rec):
    acc_path, gyr_path = write_metabase(rec, tmp_path / "mb")
    linear = acc_path.with_name(acc_path.name.replace("Accelerometer", "LinearAcceleration"))
    linear.write_text(acc_path.read_text())
    # Next to the raw accelerometer it is not used...
    assert recording_load(gyr_path).n_samples > 0
    # ...alone it is refused.
    acc_path.unlink()
    msg = _error(linear)
    assert linear.name in msg and "gravity removed" in msg
