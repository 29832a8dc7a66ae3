"""History failures never hide results (issue 13 item 9).

Stores are damaged here on purpose, the way a disk or an interrupted copy damages
them: the last page garbled, or the file cut in the middle of its last page. An
unwritable store is a path whose parent is a plain file (unwritable for any user,
root included). `history` must say "damaged" in one line; `analyze` must print its
summary and findings first and then warn, naming --no-save, with exit status 0.
"""

from __future__ import annotations

import dataclasses
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from gaitback.cli.main import main
from gaitback.history import StoreUnavailable, check_store, list_sessions, save_analysis
from gaitback.sim import PRESETS, simulate, write_simulation
from test_history_support import isolated_store, run_result  # noqa: F401

#: Findings long enough to spill into overflow pages, as real ones do.
LONG_FINDINGS = [{"key": f"finding-{i}", "evidence": "x" * 900} for i in range(6)]


@pytest.fixture(scope="module")
def short_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 25-s simulated treadmill run: enough for steps and findings, quick to analyse."""
    params = dataclasses.replace(
        PRESETS["stand_walk_run"], seed=7021, standing_before_s=5.0, walking_s=0.0,
        running_s=20.0,
    )  # fmt: skip
    return write_simulation(simulate(params), tmp_path_factory.mktemp("run") / "run.csv")["csv"]


def healthy_store(tmp_path: Path) -> Path:
    """A store holding three sessions, everything checkpointed into the main file."""
    db = tmp_path / "history.sqlite"
    for k in range(3):
        result = run_result(
            tmp_path, f"run{k}", seed=k, started_at=f"2025-03-0{k + 1}T08:00:00+00:00"
        )
        result.findings = list(LONG_FINDINGS)
        save_analysis(result, db=db)
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return db


def page_size(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("PRAGMA page_size").fetchone()[0])


def garble_last_page(db: Path) -> None:
    """Overwrite the head of the last page (page type or overflow link) with junk."""
    data = bytearray(db.read_bytes())
    last = len(data) - page_size(db)
    data[last : last + 16] = b"\xab" * 16
    db.write_bytes(bytes(data))


def truncate_last_page(db: Path) -> None:
    """Cut the file half-way through its last page (an interrupted copy)."""
    data = db.read_bytes()
    db.write_bytes(data[: len(data) - page_size(db) // 2 - page_size(db)])


DAMAGE = {"garbled last page": garble_last_page, "truncated last page": truncate_last_page}


def unwritable_db(tmp_path: Path) -> Path:
    (tmp_path / "plain-file").write_text("not a folder")
    return tmp_path / "plain-file" / "sessions.sqlite"


def test_a_healthy_store_passes_the_check(tmp_path: Path) -> None:
    db = healthy_store(tmp_path)
    check_store(db)
    assert len(list_sessions(db)) == 3


@pytest.mark.parametrize("damage", DAMAGE)
def test_history_reports_a_damaged_store_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], damage: str
) -> None:
    db = healthy_store(tmp_path)
    DAMAGE[damage](db)
    assert main(["history", "--db", str(db)]) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"gaitback: error: {db}: ")
    assert "damaged" in lines[0] or "malformed" in lines[0]
    assert "history import" in lines[0]  # says what to do about it
    assert captured.out == ""  # no tables from a store that is known to be wrong


@pytest.mark.parametrize("damage", DAMAGE)
def test_saving_into_a_damaged_store_is_refused_and_writes_nothing(
    tmp_path: Path, damage: str
) -> None:
    db = healthy_store(tmp_path)
    DAMAGE[damage](db)
    before = db.read_bytes()
    result = run_result(tmp_path, "new", seed=9, started_at="2025-03-09T08:00:00+00:00")
    with pytest.raises(StoreUnavailable):
        save_analysis(result, db=db)
    assert db.read_bytes() == before


def test_analyze_prints_results_first_then_warns_about_a_damaged_store(
    tmp_path: Path, short_run: Path
) -> None:
    """Through the real entry point, stdout and stderr interleaved as a terminal shows them."""
    db = healthy_store(tmp_path)
    garble_last_page(db)
    proc = subprocess.run(
        [sys.executable, "-m", "gaitback.cli.main", "analyze", str(short_run),
         "--out", str(tmp_path / "out"), "--db", str(db), "--no-report"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout
    text = proc.stdout
    warning = [line for line in text.splitlines() if line.startswith("gaitback: warning:")]
    assert len(warning) == 1
    assert "not saved to the session history" in warning[0] and "--no-save" in warning[0]
    assert "damaged" in warning[0]
    # The summary, the findings and the output files come before the warning.
    low = text.lower()
    for shown in ("cadence", "contact time", "summary:"):
        assert -1 < low.index(shown) < low.index("gaitback: warning:")
    assert (tmp_path / "out" / "summary.json").exists()
    assert "Traceback" not in text


@pytest.mark.parametrize("as_json", [False, True])
def test_analyze_with_an_unwritable_store_is_a_warning_and_exit_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], as_json: bool, short_run: Path
) -> None:
    db = unwritable_db(tmp_path)
    argv = ["analyze", str(short_run), "--out", str(tmp_path / "out"), "--db", str(db)]
    argv.append("--no-report")  # the report is not what is tested here, and it is slow
    assert main(argv + (["--json"] if as_json else [])) == 0
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("gaitback: warning: not saved")
    assert "--no-save" in lines[0] and str(db) in lines[0]
    if as_json:
        import json

        assert "cadence_spm" in json.loads(captured.out)
    else:
        assert "Cadence" in captured.out and "history:" not in captured.out


def test_no_save_skips_the_store_entirely(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], short_run: Path
) -> None:
    db = unwritable_db(tmp_path)
    argv = ["analyze", str(short_run), "--out", str(tmp_path / "out"), "--db", str(db)]
    assert main([*argv, "--no-save", "--no-report"]) == 0
    assert capsys.readouterr().err == ""


def test_live_final_analysis_keeps_its_report_when_the_store_is_unwritable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], short_run: Path
) -> None:
    from gaitback.live.session import LiveOptions, final_analysis

    options = LiveOptions(
        record_path=short_run, out_dir=tmp_path / "live-out", db=str(unwritable_db(tmp_path))
    )
    paths, summary = final_analysis(options)
    assert paths["report"].exists() and "history" not in paths
    assert summary["cadence_spm"] > 0
    err = capsys.readouterr().err
    assert "gaitback: warning: not saved to the session history" in err and "--no-save" in err
