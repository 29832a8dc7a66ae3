"""Any logger's CSV (``--columns`` and units) and spreadsheet exports (';', tab, decimal comma).

Files are built here from a known recording (values constructed, units
converted by the documented factors), so every read is checked against the
numbers that went in; the full analysis of the bundled run is checked against
the simulator's truth file.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gaitback.cli.main import main
from gaitback.importers import recording_load
from gaitback.recording import read_recording
from test_import_support import G, running_recording

BUNDLED = Path(__file__).resolve().parents[1] / "recordings" / "synthetic"
MAPPING = "time=timestamp,acc_x=accX,acc_y=accY,acc_z=accZ,gyr_x=gyroX,gyr_y=gyroY,gyr_z=gyroZ"
EPOCH_MS = 1_764_064_800_000  # 2025-11-25T10:00:00Z


@pytest.fixture(scope="module")
def rec():
    return running_recording(duration_s=12.0, rate_hz=100.0, seed=5)


def _logger_frame(rec, t0_ms: int = EPOCH_MS) -> pd.DataFrame:
    """The recording as a typical logger writes it: Unix ms, g, rad/s."""
    t_ms = t0_ms + np.round((rec.time_s - rec.time_s[0]) * 1000).astype(np.int64)
    acc_g, gyr_rad = rec.acc_mps2 / G, np.deg2rad(rec.gyr_dps)
    return pd.DataFrame({
        "timestamp": t_ms, "accX": acc_g[:, 0], "accY": acc_g[:, 1], "accZ": acc_g[:, 2],
        "gyroX": gyr_rad[:, 0], "gyroY": gyr_rad[:, 1], "gyroZ": gyr_rad[:, 2],
    })


def _check_same_samples(back, rec, acc_atol: float = 1e-6, gyr_atol: float = 1e-6) -> None:
    np.testing.assert_allclose(back.time_s - back.time_s[0], rec.time_s - rec.time_s[0],
                               atol=1e-3)  # the logger stamps whole ms
    np.testing.assert_allclose(back.acc_mps2, rec.acc_mps2, atol=acc_atol)
    np.testing.assert_allclose(back.gyr_dps, rec.gyr_dps, atol=gyr_atol)


def test_logger_csv_with_mapping_and_units(tmp_path, rec):
    path = tmp_path / "logger.csv"
    _logger_frame(rec).to_csv(path, index=False, float_format="%.10f")
    back = recording_load(path, columns=MAPPING, time_unit="ms", acc_unit="g",
                          gyro_unit="rad/s")
    _check_same_samples(back, rec)
    # Unix milliseconds are a wall clock: started_at comes from the first sample.
    assert back.meta.started_at == "2025-11-25T10:00:00.000Z"


def test_logger_units_are_inferred_when_not_given(tmp_path, rec):
    path = tmp_path / "logger.csv"
    _logger_frame(rec).to_csv(path, index=False, float_format="%.10f")
    back = recording_load(path, columns=MAPPING)
    _check_same_samples(back, rec)
    assert "taken as ms" in back.meta.notes and "taken as g" in back.meta.notes
    assert "taken as rad/s" in back.meta.notes


def test_convert_records_the_mapping_in_the_sidecar(tmp_path, rec, capsys):
    src = tmp_path / "logger.csv"
    _logger_frame(rec).to_csv(src, index=False, float_format="%.10f")
    out = tmp_path / "run.csv"
    argv = ["convert", str(src), "--out", str(out), "--columns", MAPPING,
            "--time-unit", "ms", "--acc-unit", "g", "--gyro-unit", "rad/s"]
    assert main(argv) == 0
    sidecar = json.loads(out.with_suffix(".json").read_text())
    assert sidecar["import_format"] == "logger"
    assert sidecar["column_map"] == dict(p.split("=") for p in MAPPING.split(","))
    assert sidecar["units"] == {"time": "ms", "acc": "g", "gyro": "rad/s"}
    # The canonical writer keeps 1e-5 m/s^2 and 1e-4 deg/s (docs/recording-format.md).
    _check_same_samples(read_recording(out), rec, acc_atol=5.1e-6, gyr_atol=5.1e-5)


def test_analyze_logger_csv_matches_simulator_truth(tmp_path):
    """The bundled run, saved as a logger would (ms, g, rad/s), analysed end to end."""
    rec = read_recording(BUNDLED / "baseline.csv")
    src = tmp_path / "logger.csv"
    _logger_frame(rec).to_csv(src, index=False, float_format="%.8f")
    out = tmp_path / "out"
    assert main(["analyze", str(src), "--out", str(out), "--columns", MAPPING, "--time-unit",
                 "ms", "--acc-unit", "g", "--gyro-unit", "rad/s", "--no-save", "--no-report",
                 "--axes", "x=up,y=left,z=backward"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    truth = json.loads((BUNDLED / "baseline.truth.json").read_text())["summary"]
    assert abs(summary["n_steps"] - truth["n_steps"]) <= 2
    assert summary["cadence_spm"] == pytest.approx(truth["cadence_spm"], abs=1.0)
    assert summary["contact_ms"] == pytest.approx(truth["contact_ms"], abs=10.0)
    assert summary["pelvic_drop_left_deg"] == pytest.approx(truth["pelvic_drop_left_deg"], abs=1.0)


@pytest.mark.parametrize(("sep", "decimal"), [(";", ","), ("\t", "."), ("\t", ",")])
def test_spreadsheet_exports_of_the_canonical_format(tmp_path, rec, sep, decimal):
    path = tmp_path / "run.csv"
    rec.data.to_csv(path, sep=sep, decimal=decimal, index=False, float_format="%.6f")
    back = recording_load(path)
    np.testing.assert_allclose(back.time_s, rec.time_s, atol=1e-6)
    np.testing.assert_allclose(back.acc_mps2, rec.acc_mps2, atol=1e-5)
    np.testing.assert_allclose(back.gyr_dps, rec.gyr_dps, atol=1e-5)
    name = "semicolon" if sep == ";" else "tab"
    assert name in back.meta.notes and (("decimal commas" in back.meta.notes) == (decimal == ","))


def test_european_logger_csv_with_mapping(tmp_path, rec):
    path = tmp_path / "logger.csv"
    _logger_frame(rec).to_csv(path, sep=";", decimal=",", index=False, float_format="%.10f")
    back = recording_load(path, columns=MAPPING, time_unit="ms", acc_unit="g",
                          gyro_unit="rad/s")
    _check_same_samples(back, rec)


def test_analyze_european_canonical_file_cli(tmp_path, rec):
    path = tmp_path / "run.csv"
    rec.data.to_csv(path, sep=";", decimal=",", index=False, float_format="%.6f")
    assert main(["analyze", str(path), "--out", str(tmp_path / "o"), "--no-save",
                 "--no-report"]) == 0


def test_unreadable_file_names_separator_columns_and_a_columns_line(tmp_path, rec, capsys):
    path = tmp_path / "export.csv"
    _logger_frame(rec).to_csv(path, sep=";", decimal=",", index=False)
    assert main(["analyze", str(path), "--no-save", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert "semicolon-separated" in err
    assert "timestamp, accX, accY, accZ, gyroX, gyroY, gyroZ" in err
    assert f"--columns {MAPPING}" in err


def test_the_suggested_columns_line_reads_a_physics_toolbox_file(tmp_path, rec, capsys):
    """Physics Toolbox Sensor Suite's header: time in s, g-force in g, rate in rad/s."""
    acc_g, gyr_rad = rec.acc_mps2 / G, np.deg2rad(rec.gyr_dps)
    frame = pd.DataFrame({"time": rec.time_s - rec.time_s[0],
                          "gFx": acc_g[:, 0], "gFy": acc_g[:, 1], "gFz": acc_g[:, 2],
                          "wx": gyr_rad[:, 0], "wy": gyr_rad[:, 1], "wz": gyr_rad[:, 2]})
    path = tmp_path / "physics_toolbox.csv"
    frame.to_csv(path, index=False, float_format="%.8f")
    assert main(["convert", str(path), "--out", str(tmp_path / "x.csv")]) == 2
    err = capsys.readouterr().err
    suggested = err.split("--columns ", 1)[1].split(" ", 1)[0]
    assert suggested == "time=time,acc_x=gFx,acc_y=gFy,acc_z=gFz,gyr_x=wx,gyr_y=wy,gyr_z=wz"
    back = recording_load(path, columns=suggested, time_unit="s", acc_unit="g",
                          gyro_unit="rad/s")
    np.testing.assert_allclose(back.acc_mps2, rec.acc_mps2, atol=1e-6)
    np.testing.assert_allclose(back.gyr_dps, rec.gyr_dps, atol=1e-5)


@pytest.mark.parametrize(("extra", "message"), [
    (["--columns", "time=timestamp,acc_x=accX,acc_y=accY,acc_z=nope"], "no column 'nope'"),
    (["--columns", "time=timestamp,acc_x=accX"], "missing acc_y, acc_z"),
    (["--columns", "time=timestamp,acc_x=accX,acc_y=accY,acc_z=accZ,gyr_x=gyroX"],
     "gyr_x, gyr_y and gyr_z together"),
    (["--columns", "time"], "cannot read 'time'"),
    (["--time-unit", "ms"], "go with --columns"),
])
def test_mapping_mistakes_are_one_line(tmp_path, rec, capsys, extra, message):
    path = tmp_path / "logger.csv"
    _logger_frame(rec).to_csv(path, index=False)
    assert main(["convert", str(path), "--out", str(tmp_path / "x.csv"), *extra]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err and "Traceback" not in err


def test_logger_time_column_of_date_times(tmp_path, rec):
    frame = _logger_frame(rec)
    stamps = pd.to_datetime(frame.pop("timestamp"), unit="ms", utc=True)
    frame.insert(0, "time", stamps.dt.strftime("%Y-%m-%d %H:%M:%S.%f").str[:-3])
    path = tmp_path / "dated.csv"
    frame.to_csv(path, index=False, float_format="%.10f")
    back = recording_load(path, columns=MAPPING.replace("time=timestamp", "time=time"),
                          acc_unit="g", gyro_unit="rad/s")
    _check_same_samples(back, rec)
    assert back.meta.started_at == "2025-11-25T10:00:00.000Z"
