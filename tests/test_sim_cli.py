"""``gaitback simulate``: writes a valid recording + truth; bad options are one-line errors."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys

import pytest

from gaitback import schema as col
from gaitback.cli.main import main
from gaitback.recording import read_recording
from gaitback.sim import PRESETS, SimParams

SHORT = ["--running-s", "4", "--standing-before-s", "1", "--standing-after-s", "1"]


def test_simulate_writes_recording_sidecar_and_truth(tmp_path, capsys):
    out = tmp_path / "run.csv"
    code = main(["simulate", "--out", str(out), *SHORT, "--cadence-spm", "180",
                 "--sample-rate-hz", "100", "--seed", "5"])
    assert code == 0
    printed = capsys.readouterr().out
    assert str(out) in printed and "running steps" in printed
    rec = read_recording(out)
    assert rec.meta.sample_rate_hz == 100
    assert rec.meta.device == "gaitback-sim"
    assert rec.meta.axes == {"x": "up", "y": "left", "z": "backward"}
    assert set(rec.meta.runner) == {"height_m", "leg_length_m", "mass_kg"}
    assert rec.has_gyro
    truth = json.loads((tmp_path / "run.truth.json").read_text())
    assert truth["schema"] == "gaitback-truth/1"
    assert truth["params"]["cadence_spm"] == 180
    assert truth["params"]["seed"] == 5
    assert set(truth["steps"][0]) == set(col.STEP_COLUMNS)
    # The run lasts the requested 4 s up to the landing that ends it (< one step more).
    run = next(s for s in truth["segments"] if s["activity"] == "running")
    assert 4.0 <= run["end_s"] - run["start_s"] < 4.0 + 60 / 180 * 1.1
    # Samples on the nominal grid from t = 0: duration = (n - 1) / rate.
    assert rec.duration_s == pytest.approx((rec.n_samples - 1) / 100)


def test_special_options(tmp_path):
    out = tmp_path / "m.csv"
    code = main(["simulate", "--out", str(out), *SHORT, "--axes", "x=left,y=down,z=backward",
                 "--misalignment-deg", "5", "10", "-5", "--accelerometer-only",
                 "--faults", "overstriding,high_impact", "--start-side", "R"])
    assert code == 0
    rec = read_recording(out)
    assert not rec.has_gyro
    assert rec.meta.axes == {"x": "left", "y": "down", "z": "backward"}
    truth = json.loads((tmp_path / "m.truth.json").read_text())
    assert truth["mount"]["misalignment_deg"] == [5.0, 10.0, -5.0]
    assert truth["faults"] == ["overstriding", "high_impact"]
    # Named faults are injected, not only named: the overstriding preset's cadence, the
    # high-impact preset's sharper transient (explicit options would still win).
    assert truth["params"]["cadence_spm"] == PRESETS["overstriding"].cadence_spm
    assert truth["params"]["impact_transient_bw"] == PRESETS["high_impact"].impact_transient_bw
    assert truth["steps"][0][col.SIDE] == "R"


def test_an_unknown_fault_is_one_line(tmp_path, capsys):
    code = main(["simulate", "--out", str(tmp_path / "x.csv"), *SHORT, "--faults", "wobble"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code != 0 and len(err) == 1 and "wobble" in err[0] and "overstriding" in err[0]
    assert not (tmp_path / "x.csv").exists()


def test_help_documents_every_parameter(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["simulate", "--help"])
    assert exc.value.code == 0
    text = capsys.readouterr().out
    for f in dataclasses.fields(SimParams):
        assert "--" + f.name.replace("_", "-") in text, f.name


@pytest.mark.parametrize(
    "argv",
    [
        ["--cadence-spm", "fast"],
        ["--contact-ms", "-5"],
        ["--contact-ms", "400"],  # no flight left at 170 spm
        ["--sample-rate-hz", "nan"],
        ["--axes", "x=up,y=up,z=left"],
        ["--preset", "nosuch"],
        ["--packet-loss-pct", "80"],
        ["--misalignment-deg", "1", "2"],
        [],  # no --out
    ],
)
def test_bad_options_are_one_line_errors(argv, tmp_path, capsys):
    args = ["simulate", *argv]
    if argv:
        args += ["--out", str(tmp_path / "x.csv")]
    try:
        code = main(args)
    except SystemExit as exc:
        code = exc.code
    assert code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert "error" in err and "Traceback" not in err


def test_console_script_bad_option_no_traceback(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "gaitback.cli.main", "simulate", "--out", str(tmp_path / "a.txt"),
         *SHORT],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0
    assert ".csv" in proc.stderr and "Traceback" not in proc.stderr
