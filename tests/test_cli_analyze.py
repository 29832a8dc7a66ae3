"""``gaitback analyze`` end to end: outputs, bad input, no running."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from gaitback import schema as col
from gaitback.cli.main import main
from gaitback.sim import PRESETS, simulate, write_simulation

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "recordings" / "synthetic" / "baseline.csv"


@pytest.fixture(autouse=True)
def _private_history(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GAITBACK_DB", str(tmp_path / "history.sqlite"))


def test_analyze_writes_steps_summary_and_report(tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    assert main(["analyze", str(BASELINE), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Cadence" in printed and "contact time" in printed.lower()
    steps = pd.read_csv(out / "steps.csv")
    assert list(steps.columns) == list(col.STEP_COLUMNS)
    truth = json.loads(BASELINE.with_suffix("").with_suffix(".truth.json").read_text())
    assert abs(len(steps) - len(truth["steps"])) <= 1
    text = (out / "summary.json").read_text()
    assert "NaN" not in text and "Infinity" not in text
    summary = json.loads(text)
    for key in ("cadence_spm", "contact_ms", "duty_factor", "pelvic_drop_left_deg", "findings"):
        assert key in summary
    assert abs(summary["cadence_spm"] - truth["summary"]["cadence_spm"]) < 0.5
    assert (out / "report.html").stat().st_size > 10_000


def test_json_output_is_valid_json(tmp_path: Path, capsys) -> None:
    assert main(["analyze", str(BASELINE), "--out", str(tmp_path), "--json", "--no-save"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["n_steps"] > 100


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "file is empty"),
        ("time_s,acc_x,acc_y_mps2,acc_z_mps2\n0,0,0,9.8\n", "should be 'acc_x_mps2'"),
        ("time_s,acc_x_mps2,acc_y_mps2,acc_z_mps2\n0,0,0,x\n", "is not a number"),
    ],
)
def test_bad_files_give_one_line_and_exit_2(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content)
    proc = subprocess.run(
        [sys.executable, "-m", "gaitback.cli.main", "analyze", str(path), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], proc.stderr


def test_missing_file(tmp_path: Path, capsys) -> None:
    assert main(["analyze", str(tmp_path / "nothing.csv"), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("gaitback: error:") and len(err.strip().splitlines()) == 1


def test_values_in_g_are_refused_then_accepted_with_acc_unit(tmp_path: Path, capsys) -> None:
    frame = pd.read_csv(BASELINE)
    for c in col.ACC:
        frame[c] = frame[c] / col.STANDARD_GRAVITY_MPS2
    path = tmp_path / "in_g.csv"
    frame.to_csv(path, index=False)
    assert main(["analyze", str(path), "--out", str(tmp_path / "a"), "--no-save"]) == 2
    assert "look like g" in capsys.readouterr().err
    args = ["analyze", str(path), "--out", str(tmp_path / "b"), "--acc-unit", "g", "--no-save"]
    assert main(args) == 0


def test_recording_without_running(tmp_path: Path, capsys) -> None:
    params = dataclasses.replace(PRESETS["stand_walk_run"], seed=7020, running_s=0.0)
    path = write_simulation(simulate(params), tmp_path / "walk.csv")["csv"]
    out = tmp_path / "out"
    assert main(["analyze", str(path), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "no running" in printed
    steps = pd.read_csv(out / "steps.csv")
    assert steps.empty and list(steps.columns) == list(col.STEP_COLUMNS)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["n_steps"] == 0 and summary["cadence_spm"] is None


def test_outputs_are_the_same_whether_pandas_uses_pyarrow_or_not(tmp_path: Path) -> None:
    """`gaitback analyze` keeps pandas from importing pyarrow (memory); a process in
    which pandas already uses pyarrow must write the same steps and summary."""
    pytest.importorskip("pyarrow")
    recording = ROOT / "recordings" / "synthetic" / "stand_walk_run.csv"
    code = (
        "import sys\n"
        "if sys.argv[3] == 'first':\n"
        "    import pandas\n"
        "from gaitback.cli.main import main\n"
        "code = main(['analyze', sys.argv[1], '--out', sys.argv[2], '--no-save'])\n"
        "print(code, 'pyarrow' in sys.modules and sys.modules['pyarrow'] is not None)\n"
    )
    printed = {}
    for mode in ("first", "cli"):
        done = subprocess.run(
            [sys.executable, "-c", code, str(recording), str(tmp_path / mode), mode],
            capture_output=True, text=True, timeout=300, check=True,
            env={**os.environ, "GAITBACK_DB": str(tmp_path / "history.db")},
        )
        printed[mode] = done.stdout.strip().splitlines()[-1]
    assert printed == {"first": "0 True", "cli": "0 False"}
    assert (tmp_path / "first" / "steps.csv").read_bytes() == (
        tmp_path / "cli" / "steps.csv").read_bytes()
    first = json.loads((tmp_path / "first" / "summary.json").read_text())
    cli = json.loads((tmp_path / "cli" / "summary.json").read_text())
    assert first == cli
