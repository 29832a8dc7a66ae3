"""``gaitback convert``: round trips through the CLI entry point."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from gaitback import schema as col
from gaitback.cli.main import main
from gaitback.importers import PHONE_AXES
from gaitback.recording import read_recording, write_recording
from test_import_support import G, running_recording, write_metabase, write_sensorlogger, zip_dir


@pytest.fixture(scope="module")
def rec():
    return running_recording(duration_s=12.0, rate_hz=100.0, seed=11)


def test_convert_sensorlogger_zip_round_trip(tmp_path, rec, capsys):
    archive = zip_dir(write_sensorlogger(rec, tmp_path / "sl"), tmp_path / "run.zip")
    out = tmp_path / "run.csv"
    assert main(["convert", str(archive), "--out", str(out)]) == 0
    assert "wrote" in capsys.readouterr().out
    back = read_recording(out)  # the canonical reader accepts it
    assert back.n_samples == rec.n_samples
    np.testing.assert_allclose(back.time_s, rec.time_s, atol=1e-6)
    np.testing.assert_allclose(back.acc_mps2, rec.acc_mps2, atol=1e-5)
    np.testing.assert_allclose(back.gyr_dps, rec.gyr_dps, atol=1e-4)
    sidecar = json.loads(out.with_suffix(".json").read_text())
    assert sidecar["device"] == "Sensor Logger (Android)"
    assert sidecar["axes"] == PHONE_AXES
    assert sidecar["sample_rate_hz"] == pytest.approx(100.0)
    assert sidecar["import_format"] == "sensorlogger"


def test_convert_forced_format_and_axes(tmp_path, rec):
    acc_path, _ = write_metabase(rec, tmp_path / "mb")
    out = tmp_path / "mb.csv"
    argv = ["convert", str(acc_path), "--out", str(out), "--format", "metawear"]
    assert main([*argv, "--axes", "x=up,y=left,z=backward"]) == 0
    back = read_recording(out)
    assert back.meta.axes == {"x": "up", "y": "left", "z": "backward"}
    assert back.meta.device.startswith("MbientLab")


def test_convert_canonical_in_g(tmp_path, rec, capsys):
    """A canonical-layout CSV holding g is refused by the reader and repaired by --acc-unit g."""
    frame = rec.data.copy()
    for name in col.ACC:
        frame[name] = frame[name] / G
    src = tmp_path / "in_g.csv"
    frame.to_csv(src, index=False, float_format="%.8f")
    out = tmp_path / "fixed.csv"
    assert main(["convert", str(src), "--out", str(out)]) == 2
    assert "--acc-unit g" in capsys.readouterr().err
    assert main(["convert", str(src), "--out", str(out), "--acc-unit", "g"]) == 0
    back = read_recording(out)
    np.testing.assert_allclose(back.acc_mps2, rec.acc_mps2, atol=1e-5)
    assert "from g to m/s^2" in back.meta.notes


def test_convert_canonical_in_g_with_bad_cell(tmp_path, rec, capsys):
    frame = rec.data.copy().astype({col.ACC[1]: object})
    frame.loc[4, col.ACC[1]] = "n/a"
    src = tmp_path / "in_g.csv"
    frame.to_csv(src, index=False)
    code = main(["convert", str(src), "--out", str(tmp_path / "o.csv"), "--acc-unit", "g"])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err.startswith("gaitback: error:") and "line 6" in err and "'n/a'" in err
    assert len(err.splitlines()) == 1


def test_convert_canonical_passthrough_keeps_sidecar(tmp_path, rec):
    src = write_recording(rec, tmp_path / "src.csv")
    out = tmp_path / "copy.csv"
    assert main(["convert", str(src), "--out", str(out)]) == 0
    back = read_recording(out)
    pd.testing.assert_frame_equal(back.data, read_recording(src).data)
    assert back.meta.axes == PHONE_AXES


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        (["--out", "{tmp}/x.txt"], "must end in .csv"),
        (["--out", "{tmp}/x.csv", "--axes", "x=up"], "--axes"),
        (["--out", "{tmp}/x.csv", "--format", "fit"], "unknown format"),
    ],
)
def test_convert_usage_errors_one_line(tmp_path, rec, capsys, extra, fragment):
    src = write_recording(rec, tmp_path / "src.csv")
    argv = ["convert", str(src), *[a.format(tmp=tmp_path) for a in extra]]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert fragment in err and len(err.splitlines()) == 1


def test_convert_refuses_to_overwrite(tmp_path, rec, capsys):
    src = write_recording(rec, tmp_path / "src.csv")
    out = tmp_path / "out.csv"
    out.write_text("keep me")
    assert main(["convert", str(src), "--out", str(out)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert out.read_text() == "keep me"
    assert main(["convert", str(src), "--out", str(out), "--force"]) == 0
    assert main(["convert", str(src), "--out", str(src), "--force"]) == 2
    assert "is the input file" in capsys.readouterr().err


def test_convert_missing_source(tmp_path, capsys):
    assert main(["convert", str(tmp_path / "none.zip"), "--out", str(tmp_path / "o.csv")]) == 2
    err = capsys.readouterr().err
    assert "none.zip" in err and "no such file" in err and "Traceback" not in err
