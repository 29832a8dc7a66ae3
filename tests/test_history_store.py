"""The SQLite store: location, schema migrations, concurrent writers, crash consistency."""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import signal
import sqlite3
import time
from pathlib import Path

import pytest

from gaitback.history import (
    SCHEMA_VERSION,
    HistoryError,
    connect,
    default_db_path,
    list_sessions,
    open_store,
    save_analysis,
    transaction,
)
from gaitback.history.sessions import session_record, upsert_session
from gaitback.history.store import schema_version
from test_history_support import isolated_store, make_result, write_run  # noqa: F401

# Spawned children import nothing from the parent's state; fork under pytest-xdist's
# threads could deadlock.
CTX = mp.get_context("spawn")
JOIN_TIMEOUT_S = 90


def _integrity(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


# ----------------------------------------------------------------------------- location


def test_default_path_is_gaitback_db_when_set(isolated_store: Path) -> None:  # noqa: F811
    assert default_db_path() == isolated_store


def test_default_path_follows_xdg_data_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GAITBACK_DB")
    assert default_db_path() == tmp_path / "xdg" / "gaitback" / "sessions.sqlite"


def test_default_path_falls_back_to_local_share(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GAITBACK_DB")
    monkeypatch.delenv("XDG_DATA_HOME")
    expected = tmp_path / "home" / ".local" / "share" / "gaitback" / "sessions.sqlite"
    assert default_db_path() == expected


def test_save_without_db_writes_to_the_default_store(
    tmp_path: Path,
    isolated_store: Path,  # noqa: F811
) -> None:
    run = write_run(tmp_path, "run", seed=1, started_at="2026-03-02T07:00:00+00:00")
    save_analysis(make_result(run))
    assert isolated_store.is_file()
    assert len(list_sessions(isolated_store)) == 1


def test_store_uses_wal_and_a_busy_timeout(tmp_path: Path) -> None:
    with open_store(tmp_path / "s.sqlite") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000


# ----------------------------------------------------------------------------- schema


def test_v1_store_migrates_to_current_keeping_and_backfilling_rows(tmp_path: Path) -> None:
    db = tmp_path / "old.sqlite"
    conn = connect(db, target_version=1)
    assert schema_version(conn) == 1
    v1_columns = {r[1] for r in conn.execute("PRAGMA table_info(sessions)")}
    assert "vertical_oscillation_cm" not in v1_columns
    summary = {"cadence_spm": 168.0, "vertical_oscillation_cm": 9.3}
    with transaction(conn):
        conn.execute("INSERT INTO shoes (name, added_at) VALUES ('Old', '2025-01-01')")
        conn.execute(
            "INSERT INTO sessions (recording_id, started_at, started_ts, analysed_at, "
            "summary_json, findings_json, cadence_spm, distance_m, shoe_id) "
            "VALUES ('sha256:x', '2025-02-03T08:00:00+00:00', 1738569600, "
            "'2025-02-03T09:00:00+00:00', ?, '[]', 168.0, 4200.0, 1)",
            (json.dumps(summary),),
        )
    conn.close()

    conn = connect(db)
    try:
        assert schema_version(conn) == SCHEMA_VERSION == 3
        row = conn.execute(
            "SELECT cadence_spm, vertical_oscillation_cm, distance_m FROM sessions"
        ).fetchone()
        assert row == (168.0, 9.3, 4200.0)
        # v3: a row saved before the flags existed is a real run, not excluded.
        assert conn.execute("SELECT demo, user_excluded FROM sessions").fetchone() == (0, 0)
        assert conn.execute("SELECT name, brand, model FROM shoes").fetchone() == (
            "Old",
            None,
            None,
        )
        assert conn.execute("SELECT COUNT(*) FROM schema_version").fetchone()[0] == 1
    finally:
        conn.close()
    assert _integrity(db) == "ok"


def test_store_from_a_newer_gaitback_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "new.sqlite"
    with open_store(db) as conn, transaction(conn):
        conn.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION + 5,))
    with pytest.raises(HistoryError, match="newer"):
        connect(db)


def test_a_file_that_is_not_a_database_is_a_one_line_error(tmp_path: Path) -> None:
    db = tmp_path / "notes.sqlite"
    db.write_text("these are my running notes, not a database\n" * 50)
    with pytest.raises(HistoryError, match="not a usable gaitback session store") as info:
        connect(db)
    assert "\n" not in str(info.value)


# ----------------------------------------------------------------------------- transactions


def test_exception_inside_a_transaction_leaves_no_partial_session(tmp_path: Path) -> None:
    db = tmp_path / "s.sqlite"
    run = write_run(tmp_path, "run", seed=2, started_at="2026-03-02T07:00:00+00:00")
    record = session_record(make_result(run))
    with open_store(db) as conn:
        with pytest.raises(RuntimeError, match="power cut"), transaction(conn):
            upsert_session(conn, record)
            assert conn.execute("SELECT COUNT(*) FROM sessions").fetchone()[0] == 1
            raise RuntimeError("power cut")
        assert conn.execute("SELECT COUNT(*) FROM sessions").fetchone()[0] == 0
    assert _integrity(db) == "ok"


def test_unknown_shoe_writes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "s.sqlite"
    run = write_run(tmp_path, "run", seed=3, started_at="2026-03-02T07:00:00+00:00")
    with pytest.raises(HistoryError, match="unknown shoe 'Ghost'"):
        save_analysis(make_result(run), db, shoe="Ghost")
    assert list_sessions(db).empty


def _hold_open_transaction(db: str, run: str, ready: mp.synchronize.Event) -> None:
    """Child: write a session inside a transaction, then wait to be killed before COMMIT."""
    conn = connect(db)
    with transaction(conn):
        upsert_session(conn, session_record(make_result(Path(run))))
        ready.set()
        time.sleep(60)


def test_killed_writer_mid_transaction_leaves_a_consistent_store(tmp_path: Path) -> None:
    db = tmp_path / "s.sqlite"
    kept = write_run(tmp_path, "kept", seed=4, started_at="2026-03-02T07:00:00+00:00")
    lost = write_run(tmp_path, "lost", seed=5, started_at="2026-03-03T07:00:00+00:00")
    kept_id = save_analysis(make_result(kept, cadence_spm=171.0), db)

    ready = CTX.Event()
    child = CTX.Process(target=_hold_open_transaction, args=(str(db), str(lost), ready))
    child.start()
    try:
        assert ready.wait(JOIN_TIMEOUT_S), "writer never reached its transaction"
        os.kill(child.pid, signal.SIGKILL)
        child.join(JOIN_TIMEOUT_S)
    finally:
        if child.is_alive():
            child.kill()
    assert child.exitcode == -signal.SIGKILL

    assert _integrity(db) == "ok"
    sessions = list_sessions(db)
    assert sessions["id"].tolist() == [kept_id]
    assert sessions["cadence_spm"].tolist() == [171.0]
    # The dead writer's lock is gone: the lost run can now be saved.
    save_analysis(make_result(lost), db)
    assert len(list_sessions(db)) == 2


def _save_many(db: str, runs: list[str], shared: str, go: mp.synchronize.Barrier) -> None:
    go.wait()
    for i, run in enumerate(runs):
        save_analysis(make_result(Path(run), contact_ms=240.0 + i), db)
        save_analysis(make_result(Path(shared)), db)


def _slow_live_writer(db: str, runs: list[str], go: mp.synchronize.Barrier) -> None:
    """Child: like a live session, hold the write lock for a while on every save."""
    go.wait()
    conn = connect(db)
    for run in runs:
        with transaction(conn):
            upsert_session(conn, session_record(make_result(Path(run))))
            time.sleep(0.1)
    conn.close()


def test_concurrent_writers_neither_fail_nor_corrupt(tmp_path: Path) -> None:
    db = tmp_path / "s.sqlite"
    n_each = 6
    shared = write_run(tmp_path, "shared", seed=99, started_at="2026-03-01T07:00:00+00:00")
    runs_a = [
        str(write_run(tmp_path, f"a{i}", seed=100 + i, started_at=f"2026-03-0{2 + i % 7}T07:00"))
        for i in range(n_each)
    ]
    runs_b = [
        str(write_run(tmp_path, f"b{i}", seed=200 + i, started_at=f"2026-03-1{i % 9}T18:00"))
        for i in range(n_each)
    ]
    go = CTX.Barrier(2)
    children = [
        CTX.Process(target=_save_many, args=(str(db), runs_a, str(shared), go)),
        CTX.Process(target=_slow_live_writer, args=(str(db), runs_b, go)),
    ]
    for child in children:
        child.start()
    try:
        for child in children:
            child.join(JOIN_TIMEOUT_S)
    finally:
        for child in children:
            if child.is_alive():
                child.kill()
    assert [c.exitcode for c in children] == [0, 0]
    assert _integrity(db) == "ok"
    sessions = list_sessions(db)
    # Every distinct recording exactly once; the shared one, saved n_each times, is one row.
    assert len(sessions) == 2 * n_each + 1
    assert sessions["recording_id"].is_unique
    assert sorted(Path(p).name for p in sessions["recording_path"]) == sorted(
        [Path(p).name for p in runs_a + runs_b] + ["shared.csv"]
    )


def _write_forever(db: str, run: str) -> None:
    """Child: commit one session after another until killed."""
    record = session_record(make_result(Path(run)))
    conn = connect(db)
    for i in range(100_000):
        with transaction(conn):
            upsert_session(conn, {**record, "recording_id": f"sha256:{i:064x}"})


def test_writer_killed_at_a_random_point_keeps_every_committed_session_whole(
    tmp_path: Path,
) -> None:
    db = tmp_path / "s.sqlite"
    run = write_run(tmp_path, "run", seed=7, started_at="2026-03-02T07:00:00+00:00")
    child = CTX.Process(target=_write_forever, args=(str(db), str(run)))
    child.start()
    try:
        deadline = time.monotonic() + JOIN_TIMEOUT_S
        count = 0
        while count < 20 and time.monotonic() < deadline:
            time.sleep(0.05)
            if db.exists():
                try:
                    count = len(list_sessions(db))
                except HistoryError:
                    count = 0
        os.kill(child.pid, signal.SIGKILL)
        child.join(JOIN_TIMEOUT_S)
    finally:
        if child.is_alive():
            child.kill()
    assert count >= 20, "writer made no progress"
    assert _integrity(db) == "ok"
    sessions = list_sessions(db, with_json=True)
    assert len(sessions) >= count
    # Ids are consecutive from the first write: no transaction was half applied.
    assert sessions["recording_id"].tolist() == [f"sha256:{i:064x}" for i in range(len(sessions))]
    assert all(s["cadence_spm"] == 170.0 for s in sessions["summary"])
