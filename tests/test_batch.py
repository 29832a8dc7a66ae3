"""``gaitback batch``: a folder with simulated recordings and broken files, analysed in
this process, on a local process pool and on a real Dask LocalCluster; resumed."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import gaitback
from gaitback import columns as col
from gaitback.batch import BatchCounts, batch_run, sources_expand
from gaitback.cli.main import main
from gaitback.evaluation import steps_match

pytest.importorskip("pyarrow")

BUNDLED = Path(__file__).resolve().parent.parent / "recordings" / "synthetic"
GOOD = ("baseline", "acc_only", "forward_lean")
#: Columns that say where and how fast a row was computed, not what was found.
RUN_COLUMNS = ("analysis_s", "host")


def _truth_strikes(name: str) -> np.ndarray:
    truth = json.loads((BUNDLED / f"{name}.truth.json").read_text())
    return np.array([s[col.FOOT_STRIKE] for s in truth["steps"]])


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Three bundled simulated recordings (with sidecars), a broken CSV, an empty file."""
    src = tmp_path / "runs"
    (src / "sub").mkdir(parents=True)
    for name in GOOD:
        target = src / "sub" if name == "forward_lean" else src
        for suffix in (".csv", ".json"):
            shutil.copy(BUNDLED / f"{name}{suffix}", target / f"{name}{suffix}")
    (src / "broken.csv").write_text("time_s,acc_x\n0.0,not-a-number\n")
    (src / "empty.csv").write_bytes(b"")
    return src


def _sessions(out: Path) -> pd.DataFrame:
    return pd.read_parquet(out / "sessions.parquet").set_index("recording").sort_index()


def _check_results(src: Path, out: Path) -> None:
    """Every recording has its row; good ones match the simulator's truth; bad ones say why."""
    sessions = _sessions(out)
    steps = pd.read_parquet(out / "steps.parquet")
    expected = {str(src / n) for n in ("acc_only.csv", "baseline.csv", "broken.csv", "empty.csv")}
    expected.add(str(src / "sub" / "forward_lean.csv"))
    assert set(sessions.index) == expected
    for bad in ("broken.csv", "empty.csv"):
        row = sessions.loc[str(src / bad)]
        assert row["status"] == "error"
        assert bad in row["error"] and "Traceback" not in row["error"]
    assert "empty" in sessions.loc[str(src / "empty.csv"), "error"]
    for name in GOOD:
        path = src / "sub" / f"{name}.csv" if name == "forward_lean" else src / f"{name}.csv"
        row = sessions.loc[str(path)]
        assert row["status"] == "ok" and pd.isna(row["error"])
        assert row["gaitback_version"] == gaitback.__version__
        digest = hashlib.blake2b(digest_size=20)
        for part in (path, path.with_suffix(".json")):
            digest.update(part.name.encode() + b"\0" + part.read_bytes() + b"\0")
        assert row["content_hash"] == "blake2b:" + digest.hexdigest()
        mine = steps[steps["recording"] == str(path)]
        assert int(row["n_steps"]) == len(mine)
        truth = _truth_strikes(name)
        matched, _ = steps_match(truth, mine[col.FOOT_STRIKE].to_numpy(), 0.04)
        assert len(matched) >= 0.98 * len(truth)
        assert abs(len(mine) - len(truth)) <= 0.02 * len(truth)
    assert list(steps.columns) == ["recording", *col.STEP_COLUMNS]


def test_sources_folders_globs_and_lists(tmp_path: Path, folder: Path) -> None:
    export = folder / "phone"  # a Sensor Logger export folder is one recording
    export.mkdir()
    (export / "Metadata.csv").write_text("platform\nandroid\n")
    (export / "TotalAcceleration.csv").write_text("time,seconds_elapsed,z,y,x\n")
    witmotion = folder / "wit.txt"  # a log whose first line is a header, not a path
    witmotion.write_text("Time\tDevice name\tAcceleration X(g)\n")
    listing = tmp_path / "todo.txt"
    listing.write_text(f"# two runs\nruns/baseline.csv\n{folder / 'acc_only.csv'}\n")

    found = sources_expand([str(folder)], skip=folder / "results")
    names = [p.relative_to(folder).as_posix() for p in found]
    assert names == [
        "acc_only.csv",
        "baseline.csv",
        "broken.csv",
        "empty.csv",
        "phone",
        "sub/forward_lean.csv",
        "wit.txt",
    ]
    assert sources_expand([str(listing)]) == [folder / "baseline.csv", folder / "acc_only.csv"]
    globbed = sources_expand([str(folder / "**" / "*lean.csv"), str(folder / "baseline.csv")])
    assert globbed == [folder / "sub" / "forward_lean.csv", folder / "baseline.csv"]
    with pytest.raises(gaitback.GaitbackError, match="no file matches"):
        sources_expand([str(folder / "*.nothing")])


def test_batch_local_pool_then_resume(tmp_path: Path, folder: Path) -> None:
    out = tmp_path / "res"
    counts = batch_run(sources_expand([str(folder)]), out, jobs=2)
    assert (counts.ok, counts.failed, counts.skipped) == (3, 2, 0)
    _check_results(folder, out)
    first = _sessions(out)

    # Unchanged files are skipped; a changed one (new sidecar speed) and a new one are not.
    sidecar = folder / "baseline.json"
    meta = json.loads(sidecar.read_text())
    meta["treadmill_speed_mps"] = 3.3
    sidecar.write_text(json.dumps(meta))
    shutil.copy(BUNDLED / "fatigue.csv", folder / "fatigue.csv")
    counts = batch_run(sources_expand([str(folder)]), out, jobs=1)
    assert (counts.ok, counts.skipped) == (2, 4)
    # The two broken files are among the skipped, and still said to have failed.
    assert (counts.failed, counts.failed_before, len(counts.errors)) == (0, 2, 2)
    again = _sessions(out)
    assert again.loc[str(folder / "baseline.csv"), "speed_mps"] == pytest.approx(3.3)
    assert again.loc[str(folder / "fatigue.csv"), "status"] == "ok"
    unchanged = str(folder / "acc_only.csv")
    assert again.loc[unchanged, "analysis_s"] == first.loc[unchanged, "analysis_s"]
    # Failed files are kept as failed unless asked to retry.
    counts = batch_run(sources_expand([str(folder)]), out, jobs=1, retry_errors=True)
    assert (counts.failed, counts.skipped, counts.failed_before) == (2, 4, 0)


def test_interrupted_batch_keeps_what_finished(tmp_path: Path, folder: Path) -> None:
    out = tmp_path / "res"
    paths = sources_expand([str(folder)])

    def ctrl_c_after_two(counts: BatchCounts, elapsed_s: float) -> None:
        if counts.finished == 2:
            raise KeyboardInterrupt

    counts = batch_run(paths, out, jobs=1, progress=ctrl_c_after_two)
    assert counts.interrupted and counts.finished == 2
    assert len(_sessions(out)) == 2
    # A crash while writing leaves a torn last line: that recording is simply redone.
    with open(out / "parts" / "sessions.jsonl", "a") as fh:
        fh.write('{"recording": "' + str(paths[3]))
    counts = batch_run(paths, out, jobs=1)
    assert (counts.skipped, counts.ok + counts.failed) == (2, 3)
    _check_results(folder, out)


def test_batch_on_dask_matches_local(tmp_path: Path, folder: Path) -> None:
    distributed = pytest.importorskip("distributed")
    paths = sources_expand([str(folder)])
    local = tmp_path / "local"
    batch_run(paths, local, jobs=1)
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        on_dask = tmp_path / "dask"
        counts = batch_run(paths, on_dask, scheduler=cluster.scheduler_address, reports=True)
        assert (counts.ok, counts.failed) == (3, 2)
        hosts_seen = set(_sessions(on_dask)["host"])
    _check_results(folder, on_dask)
    assert hosts_seen  # rows say where they ran
    pd.testing.assert_frame_equal(
        _sessions(local).drop(columns=list(RUN_COLUMNS)),
        _sessions(on_dask).drop(columns=list(RUN_COLUMNS)),
    )
    pd.testing.assert_frame_equal(
        pd.read_parquet(local / "steps.parquet")
        .sort_values(["recording", col.FOOT_STRIKE])
        .reset_index(drop=True),
        pd.read_parquet(on_dask / "steps.parquet")
        .sort_values(["recording", col.FOOT_STRIKE])
        .reset_index(drop=True),
    )
    reports = sorted(p.name for p in (on_dask / "reports").glob("*.html"))
    assert len(reports) == 3 and all(r.split("-")[0] in GOOD for r in reports)
    assert "<html" in (on_dask / "reports" / reports[0]).read_text()[:200].lower()


def test_cli_exit_codes_and_no_history(
    tmp_path: Path,
    folder: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    db = tmp_path / "history.sqlite"
    monkeypatch.setenv("GAITBACK_DB", str(db))
    out = tmp_path / "res"
    code = main(
        [
            "batch",
            str(folder / "baseline.csv"),
            str(folder / "broken.csv"),
            "--out",
            str(out),
            "--jobs",
            "1",
            "--speed",
            "3.1",
        ]
    )
    text = capsys.readouterr()
    assert code == 1  # finished, one recording failed
    assert "2 recordings: 1 analysed, 1 failed" in " ".join(text.out.split())
    assert "Traceback" not in text.out + text.err
    assert _sessions(out).loc[str(folder / "baseline.csv"), "speed_mps"] == pytest.approx(3.1)
    assert not db.exists()
    # Resumed, the broken file is not analysed again, but the batch still fails with it.
    args = [str(folder / "baseline.csv"), str(folder / "broken.csv"), "--out", str(out)]
    code = main(["batch", *args, "--jobs", "1", "--speed", "3.1"])
    text = " ".join(capsys.readouterr().out.split())
    assert code == 1
    assert "2 already done, of which 1 failed earlier" in text
    assert f"failed: {folder / 'broken.csv'}" in text

    assert main(["batch", str(tmp_path / "missing"), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"gaitback: error: {tmp_path / 'missing'}: no such file or folder"]
    # Speeds in the runner's units, through the one parser; a bare 12 is no m/s speed.
    with pytest.raises(SystemExit) as exc:
        main(["batch", str(folder), "--out", str(out), "--speed", "12"])
    assert exc.value.code == 2
    assert "km/h" in capsys.readouterr().err
