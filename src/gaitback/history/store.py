"""The SQLite session store: where it lives, how it is opened, its versioned schema.

Every write goes through :func:`transaction` (``BEGIN IMMEDIATE`` ... ``COMMIT``),
so a writer that dies mid-way leaves the store as it was before the transaction.
The database runs in WAL mode with a busy timeout, so a live session and an
analysis may write at the same time: one waits for the other, neither corrupts.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from gaitback.errors import GaitbackError

#: How long a writer waits for another writer's lock before giving up.
BUSY_TIMEOUT_MS = 30_000

#: Environment variable naming the database file.
DB_ENV = "GAITBACK_DB"

DbPath = str | os.PathLike[str] | None


class HistoryError(GaitbackError):
    """The session store cannot be opened, read or written as asked."""


class StoreUnavailable(HistoryError):
    """The store itself is the problem: damaged, read-only, locked or not a store.

    Unlike a wrong request (an unknown shoe or session id), this says nothing
    about the analysis being saved, so ``analyze`` reports it as a warning.
    """


#: What to do about a damaged store, appended to the message.
DAMAGED_HINT = (
    "move it aside (a new one is made) or restore a backup with 'gaitback history import'"
)


def default_db_path() -> Path:
    """``$GAITBACK_DB``, else ``$XDG_DATA_HOME/gaitback/sessions.sqlite``.

    ``XDG_DATA_HOME`` defaults to ``~/.local/share`` (XDG base directory spec).
    """
    env = os.environ.get(DB_ENV)
    if env:
        return Path(env).expanduser()
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home).expanduser() / "gaitback" / "sessions.sqlite"


def resolve_db_path(db: DbPath = None) -> Path:
    """``db`` if given, else :func:`default_db_path`."""
    return Path(db).expanduser() if db is not None else default_db_path()


# ----------------------------------------------------------------------------- schema

_V1 = (
    "CREATE TABLE schema_version (version INTEGER NOT NULL)",
    """CREATE TABLE shoes (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE COLLATE NOCASE,
        added_at TEXT NOT NULL,
        retired_at TEXT,
        warn_miles REAL NOT NULL DEFAULT 300,
        replace_miles REAL NOT NULL DEFAULT 500
    )""",
    """CREATE TABLE sessions (
        id INTEGER PRIMARY KEY,
        recording_id TEXT NOT NULL UNIQUE,
        recording_path TEXT,
        started_at TEXT NOT NULL,
        started_ts REAL NOT NULL,
        analysed_at TEXT NOT NULL,
        duration_s REAL,
        running_s REAL,
        distance_m REAL,
        distance_source TEXT,
        shoe_id INTEGER REFERENCES shoes(id) ON DELETE SET NULL,
        surface TEXT,
        notes TEXT,
        summary_json TEXT NOT NULL,
        findings_json TEXT NOT NULL,
        cadence_spm REAL,
        contact_ms REAL,
        forward_lean_deg REAL,
        pelvic_drop_left_deg REAL,
        pelvic_drop_right_deg REAL,
        impact_g REAL
    )""",
    "CREATE INDEX sessions_started ON sessions(started_ts)",
    "INSERT INTO schema_version (version) VALUES (0)",
)


def _migrate_to_1(conn: sqlite3.Connection) -> None:
    for statement in _V1:
        conn.execute(statement)


def _migrate_to_2(conn: sqlite3.Connection) -> None:
    """Shoe brand/model; vertical oscillation as a trend column, filled from old summaries."""
    conn.execute("ALTER TABLE shoes ADD COLUMN brand TEXT")
    conn.execute("ALTER TABLE shoes ADD COLUMN model TEXT")
    conn.execute("ALTER TABLE sessions ADD COLUMN vertical_oscillation_cm REAL")
    conn.execute("CREATE INDEX sessions_shoe ON sessions(shoe_id)")
    rows = conn.execute("SELECT id, summary_json FROM sessions").fetchall()
    updates = []
    for row_id, text in rows:
        value = json.loads(text).get("vertical_oscillation_cm")
        updates.append((float(value) if isinstance(value, int | float) else None, row_id))
    conn.executemany("UPDATE sessions SET vertical_oscillation_cm = ? WHERE id = ?", updates)


def _migrate_to_3(conn: sqlite3.Connection) -> None:
    """Flags that keep a session out of the personal baseline.

    ``demo``: simulated or bundled recordings (stored, never compared against); rows saved
    before this version are recognised by the bundled folder in their path.
    ``user_excluded``: set by the runner (``gaitback history exclude N``).
    ``report_path``: the session's ``report.html``, linked from the history page.
    """
    conn.execute("ALTER TABLE sessions ADD COLUMN demo INTEGER NOT NULL DEFAULT 0")
    conn.execute("ALTER TABLE sessions ADD COLUMN user_excluded INTEGER NOT NULL DEFAULT 0")
    conn.execute("ALTER TABLE sessions ADD COLUMN report_path TEXT")
    conn.execute(
        "UPDATE sessions SET demo = 1 WHERE recording_path LIKE '%recordings/synthetic/%' "
        "OR recording_path = '<simulated>'"
    )


#: Forward migrations; entry ``i`` takes the schema from version ``i`` to ``i + 1``.
MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (
    _migrate_to_1,
    _migrate_to_2,
    _migrate_to_3,
)
SCHEMA_VERSION = len(MIGRATIONS)


def schema_version(conn: sqlite3.Connection) -> int:
    """The schema version of an open store (0 for an empty file)."""
    exists = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
    ).fetchone()
    if not exists:
        return 0
    row = conn.execute("SELECT version FROM schema_version").fetchone()
    return int(row[0]) if row else 0


def migrate(conn: sqlite3.Connection, target: int = SCHEMA_VERSION) -> int:
    """Bring the schema up to ``target``, one transaction per step; return the version.

    Safe against a concurrent migrator: the version is re-read under the write lock.
    """
    current = schema_version(conn)
    if current > SCHEMA_VERSION:
        raise StoreUnavailable(
            f"session store schema v{current} is newer than this gaitback (v{SCHEMA_VERSION}); "
            "upgrade gaitback"
        )
    while current < target:
        with transaction(conn):
            current = schema_version(conn)
            if current >= target:
                break
            MIGRATIONS[current](conn)
            conn.execute("UPDATE schema_version SET version = ?", (current + 1,))
            current += 1
    return current


# ----------------------------------------------------------------------------- connections


def connect(db: DbPath = None, *, target_version: int = SCHEMA_VERSION) -> sqlite3.Connection:
    """Open (creating if needed) the store and bring its schema to ``target_version``.

    The connection is in autocommit mode; use :func:`transaction` for writes.
    """
    path = resolve_db_path(db)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(
            path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
        )
    except (OSError, sqlite3.Error) as exc:
        raise StoreUnavailable(f"{path}: cannot open the session store ({exc})") from None
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA journal_mode = WAL")
        # NORMAL in WAL mode: a commit survives a process crash; only power loss may
        # roll back the last transactions, never corrupt.
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        migrate(conn, target_version)
    except sqlite3.DatabaseError as exc:
        conn.close()
        hint = f"; {DAMAGED_HINT}" if "malformed" in str(exc) else ""
        raise StoreUnavailable(
            f"{path}: not a usable gaitback session store ({exc}){hint}"
        ) from None
    except BaseException:
        conn.close()
        raise
    return conn


@contextmanager
def open_store(db: DbPath = None) -> Iterator[sqlite3.Connection]:
    """``with open_store(db) as conn:`` -- a connection closed on exit.

    An SQLite error inside the block (a damaged page found while reading, a
    read-only file found while writing) becomes a one-line :class:`StoreUnavailable`.
    """
    path = resolve_db_path(db)
    conn = connect(db)
    try:
        yield conn
    except sqlite3.DatabaseError as exc:
        raise StoreUnavailable(_store_problem(path, str(exc))) from None
    finally:
        conn.close()


def _store_problem(path: Path, detail: str) -> str:
    damaged = any(word in detail for word in ("malformed", "not a database", "decode", "page"))
    if damaged:
        return f"{path}: the session store is damaged ({detail}); {DAMAGED_HINT}"
    return f"{path}: cannot use the session store ({detail})"


def check_store(db: DbPath = None, max_problems: int = 3) -> None:
    """Run ``PRAGMA quick_check`` on the store; raise :class:`StoreUnavailable` if damaged.

    ``quick_check`` verifies the structure of every page (b-tree and overflow
    links, page counts) in time linear in the file size, without the index
    cross-checks of ``integrity_check``.
    """
    path = resolve_db_path(db)
    with open_store(db) as conn:
        try:
            rows = conn.execute(f"PRAGMA quick_check({int(max_problems)})").fetchall()
        except sqlite3.DatabaseError as exc:
            raise StoreUnavailable(_store_problem(path, str(exc))) from None
    if rows == [("ok",)]:
        return
    lines = [
        line.strip()
        for (text,) in rows
        for line in str(text).splitlines()
        if line.strip() and not line.startswith("***")
    ]
    raise StoreUnavailable(
        f"{path}: the session store is damaged ({'; '.join(lines)[:300]}); {DAMAGED_HINT}"
    )


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction: committed on success, rolled back on any exception.

    ``BEGIN IMMEDIATE`` takes the write lock up front, so two writers queue on the
    busy timeout instead of failing when a read lock would need upgrading.
    """
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        raise StoreUnavailable(f"the session store is busy or read-only ({exc})") from None
    try:
        yield conn
    except BaseException:
        # The rollback itself fails when the file went bad mid-way: the error that
        # got us here is the one to report.
        with suppress(sqlite3.Error):
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
