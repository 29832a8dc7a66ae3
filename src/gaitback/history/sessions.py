"""Saving analysed sessions and reading them back.

A session is identified by its recording: the SHA-256 of the recording's CSV
bytes. Saving the same recording again (re-analysis, a moved or copied file)
updates its row; what the runner entered (shoe, surface, notes, a distance) is
kept unless new values are given.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import sqlite3
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from gaitback.core.result import json_safe
from gaitback.history.shoes import shoe_id
from gaitback.history.store import (
    DbPath,
    HistoryError,
    check_store,
    open_store,
    resolve_db_path,
    transaction,
)
from gaitback.recording import Recording

if TYPE_CHECKING:
    from gaitback.core.result import AnalysisResult

#: Summary metrics kept as columns, for trends and the personal baseline.
KEY_METRICS: tuple[str, ...] = (
    "cadence_spm",
    "contact_ms",
    "forward_lean_deg",
    "pelvic_drop_left_deg",
    "pelvic_drop_right_deg",
    "impact_g",
    "vertical_oscillation_cm",
)

DISTANCE_ENTERED = "entered"
DISTANCE_TREADMILL = "treadmill"

#: Session columns as read back (besides the key metrics), in display order.
SESSION_COLUMNS: tuple[str, ...] = (
    "id",
    "started_at",
    "started_ts",
    "analysed_at",
    "duration_s",
    "running_s",
    "distance_m",
    "distance_source",
    "shoe",
    "surface",
    "notes",
    "recording_id",
    "recording_path",
    "demo",
    "user_excluded",
    "report_path",
)

#: Device names the simulator writes into its sidecars (``gaitback simulate``, the bundled
#: recordings): such runs are stored but never part of the personal baseline.
SIMULATED_DEVICES: tuple[str, ...] = ("gaitback-sim",)

_CHUNK_BYTES = 1 << 20


def recording_identity(recording: Recording) -> str:
    """Stable identity of a recording: SHA-256 of its CSV file, else of its samples.

    The file's bytes are used when ``recording.source`` is a readable file, so the
    identity does not depend on how the file was parsed; an in-memory recording
    falls back to its sample values.
    """
    path = Path(recording.source)
    try:
        if path.is_file():
            digest = hashlib.sha256()
            with path.open("rb") as fh:
                while chunk := fh.read(_CHUNK_BYTES):
                    digest.update(chunk)
            return f"sha256:{digest.hexdigest()}"
    except OSError:
        pass
    digest = hashlib.sha256()
    digest.update(",".join(map(str, recording.data.columns)).encode())
    numeric = recording.data.select_dtypes("number").to_numpy(dtype=np.float64)
    digest.update(np.ascontiguousarray(numeric).tobytes())
    return f"data-sha256:{digest.hexdigest()}"


def is_demo_recording(recording: Recording) -> bool:
    """True for simulated or bundled recordings, which are never compared against.

    The simulator marks its sidecars (``device: gaitback-sim``); any sidecar may also say
    ``"simulated": true``. Rows from an in-memory simulation have the source ``<simulated>``.
    """
    meta = recording.meta
    if str(meta.device or "").startswith(SIMULATED_DEVICES):
        return True
    if meta.extra.get("simulated") is True:
        return True
    return str(recording.source) == "<simulated>"


def finite_or_none(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | np.number):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        stamp = datetime.fromisoformat(str(text).strip())
    except ValueError:
        return None
    # A naive time is the runner's local time (a phone or device clock).
    return stamp if stamp.tzinfo else stamp.astimezone()


def session_start(recording: Recording, duration_s: float | None) -> datetime:
    """When the session started: the sidecar's ``started_at``, else file time, else now."""
    stamp = parse_time(recording.meta.started_at)
    if stamp is not None:
        return stamp
    try:
        mtime = Path(recording.source).stat().st_mtime
    except (OSError, ValueError):
        return datetime.now(UTC).astimezone()
    # The file was last written when the recording ended.
    return datetime.fromtimestamp(mtime, UTC).astimezone() - timedelta(seconds=duration_s or 0)


def _plain(finding: Any) -> Any:
    """A finding as a mapping: feedback objects may come with ``to_dict`` or as dataclasses."""
    if hasattr(finding, "to_dict"):
        return finding.to_dict()
    if dataclasses.is_dataclass(finding) and not isinstance(finding, type):
        return dataclasses.asdict(finding)
    return finding


def _recording_path(source: str) -> str | None:
    """Absolute path of an existing recording file; the source as given otherwise."""
    if source.startswith("<"):
        return None
    path = Path(source)
    return str(path.resolve()) if path.is_file() else source


def _check_distance(distance_m: float | None) -> float | None:
    if distance_m is None:
        return None
    value = finite_or_none(distance_m)
    if value is None or value < 0:
        raise HistoryError(f"distance must be a non-negative number of metres, got {distance_m!r}")
    return value


def json_text(value: Any, what: str) -> str:
    try:
        return json.dumps(json_safe(value), allow_nan=False, sort_keys=True)
    except (TypeError, ValueError) as exc:
        raise HistoryError(f"cannot store the {what} as JSON ({exc})") from None


def session_record(
    result: AnalysisResult,
    *,
    shoe: str | None = None,
    surface: str | None = None,
    notes: str | None = None,
    distance_m: float | None = None,
    started_at: datetime | str | None = None,
    report_path: str | None = None,
) -> dict[str, Any]:
    """The row :func:`save_analysis` stores for ``result`` (without ids)."""
    summary = dict(result.summary or {})
    recording = result.recording
    duration_s = finite_or_none(summary.get("duration_s"))
    if duration_s is None:
        duration_s = recording.duration_s
    running_s = finite_or_none(summary.get("running_s"))
    entered = _check_distance(distance_m)
    speed_mps = finite_or_none(summary.get("speed_mps"))
    if speed_mps is None:
        speed_mps = finite_or_none(recording.meta.treadmill_speed_mps)
    if entered is not None:
        distance, source = entered, DISTANCE_ENTERED
    elif speed_mps is not None and running_s is not None:
        distance, source = speed_mps * running_s, DISTANCE_TREADMILL
    else:
        distance, source = None, None
    if isinstance(started_at, str):
        start = parse_time(started_at)
        if start is None:
            raise HistoryError(f"started_at is not an ISO 8601 time: {started_at!r}")
    else:
        start = started_at or session_start(recording, duration_s)
    if start.tzinfo is None:
        start = start.astimezone()
    record: dict[str, Any] = {
        "recording_id": recording_identity(recording),
        "recording_path": _recording_path(recording.source),
        "started_at": start.isoformat(timespec="seconds"),
        "started_ts": start.timestamp(),
        "analysed_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "duration_s": duration_s,
        "running_s": running_s,
        "distance_m": distance,
        "distance_source": source,
        "shoe": shoe.strip() if shoe else None,
        "surface": surface or None,
        "notes": notes or None,
        "demo": int(is_demo_recording(recording)),
        "report_path": str(Path(report_path).resolve()) if report_path else None,
        "summary_json": json_text(summary, "summary"),
        "findings_json": json_text([_plain(f) for f in result.findings or []], "findings"),
    }
    for key in KEY_METRICS:
        record[key] = finite_or_none(summary.get(key))
    return record


_DATA_FIELDS = (
    "recording_path",
    "started_at",
    "started_ts",
    "analysed_at",
    "duration_s",
    "running_s",
    "demo",
    "summary_json",
    "findings_json",
    *KEY_METRICS,
)


def upsert_session(conn: sqlite3.Connection, record: Mapping[str, Any]) -> int:
    """Insert or update one session row by ``recording_id``; call inside a transaction.

    Runner-entered fields (shoe, surface, notes, an entered distance) survive an
    update that does not give new ones.
    """
    shoe_ref = shoe_id(conn, record["shoe"]) if record.get("shoe") else None
    fields = ["recording_id", *_DATA_FIELDS, "distance_m", "distance_source", "shoe_id",
              "surface", "notes", "user_excluded", "report_path"]
    values = [record.get(f) for f in fields]
    values[fields.index("shoe_id")] = shoe_ref
    values[fields.index("demo")] = int(bool(record.get("demo")))
    values[fields.index("user_excluded")] = int(bool(record.get("user_excluded")))
    updates = [f"{f} = excluded.{f}" for f in _DATA_FIELDS]
    # Re-analysing or importing never lets a session the runner excluded back in.
    updates.append("user_excluded = MAX(sessions.user_excluded, excluded.user_excluded)")
    updates += [f"{f} = COALESCE(excluded.{f}, sessions.{f})" for f in ("shoe_id", "surface",
                                                                        "notes", "report_path")]
    # An entered distance wins over one derived from the treadmill speed.
    keep_old = (
        f"excluded.distance_source IS NOT '{DISTANCE_ENTERED}' "
        f"AND sessions.distance_source = '{DISTANCE_ENTERED}'"
    )
    updates += [
        f"distance_m = CASE WHEN {keep_old} THEN sessions.distance_m ELSE excluded.distance_m END",
        f"distance_source = CASE WHEN {keep_old} THEN sessions.distance_source "
        "ELSE excluded.distance_source END",
    ]
    conn.execute(
        f"INSERT INTO sessions ({', '.join(fields)}) VALUES ({', '.join('?' * len(fields))}) "
        f"ON CONFLICT(recording_id) DO UPDATE SET {', '.join(updates)}",
        values,
    )
    row = conn.execute(
        "SELECT id FROM sessions WHERE recording_id = ?", (record["recording_id"],)
    ).fetchone()
    return int(row[0])


def save_analysis(
    result: AnalysisResult,
    db: DbPath = None,
    shoe: str | None = None,
    surface: str | None = None,
    notes: str | None = None,
    distance_m: float | None = None,
    *,
    started_at: datetime | str | None = None,
    report_path: str | None = None,
) -> int:
    """Save (or update) an analysed session in the store; return the session id.

    Parameters
    ----------
    result
        The analysis; its recording identifies the session.
    db
        Store path; default ``$GAITBACK_DB`` or the user data directory.
    shoe
        Name of a shoe added with ``gaitback shoes add``.
    surface, notes
        Free text.
    distance_m
        Distance run, when known better than treadmill speed x running time.
    started_at
        Override for the start time (default: the sidecar's ``started_at``, else
        the file's modification time minus its duration).
    report_path
        The session's ``report.html``, linked from the history page.

    Raises
    ------
    HistoryError
        Unknown shoe or invalid distance.
    StoreUnavailable
        A store that is damaged (``PRAGMA quick_check``) or cannot be written.
    """
    record = session_record(
        result, shoe=shoe, surface=surface, notes=notes, distance_m=distance_m,
        started_at=started_at, report_path=report_path,
    )
    if resolve_db_path(db).exists():
        check_store(db)  # never write into a damaged store: it could lose more
    with open_store(db) as conn, transaction(conn):
        return upsert_session(conn, record)


def edit_session(
    session_id: int,
    db: DbPath = None,
    *,
    shoe: str | None = None,
    surface: str | None = None,
    notes: str | None = None,
    distance_m: float | None = None,
) -> None:
    """Set the shoe, surface, notes or distance of a saved session (``None`` = unchanged)."""
    distance = _check_distance(distance_m)
    with open_store(db) as conn, transaction(conn):
        if not conn.execute("SELECT 1 FROM sessions WHERE id = ?", (session_id,)).fetchone():
            raise HistoryError(f"no session with id {session_id}")
        if shoe is not None:
            ref = shoe_id(conn, shoe) if shoe.strip() else None
            conn.execute("UPDATE sessions SET shoe_id = ? WHERE id = ?", (ref, session_id))
        for name, value in (("surface", surface), ("notes", notes)):
            if value is not None:
                conn.execute(
                    f"UPDATE sessions SET {name} = ? WHERE id = ?", (value or None, session_id)
                )
        if distance is not None:
            conn.execute(
                "UPDATE sessions SET distance_m = ?, distance_source = ? WHERE id = ?",
                (distance, DISTANCE_ENTERED, session_id),
            )


def exclude_session(session_id: int, db: DbPath = None, *, excluded: bool = True) -> None:
    """Keep a session out of the personal baseline (or, with ``excluded=False``, let it back).

    The session stays in the history, its weekly distance and its trends.
    """
    with open_store(db) as conn, transaction(conn):
        cur = conn.execute(
            "UPDATE sessions SET user_excluded = ? WHERE id = ?", (int(excluded), session_id)
        )
        if cur.rowcount == 0:
            raise HistoryError(f"no session with id {session_id}")


def delete_session(session_id: int, db: DbPath = None) -> None:
    """Remove one session."""
    with open_store(db) as conn, transaction(conn):
        cur = conn.execute("DELETE FROM sessions WHERE id = ?", (session_id,))
        if cur.rowcount == 0:
            raise HistoryError(f"no session with id {session_id}")


_SELECT = f"""SELECT x.id, x.started_at, x.started_ts, x.analysed_at, x.duration_s,
       x.running_s, x.distance_m, x.distance_source, s.name, x.surface, x.notes,
       x.recording_id, x.recording_path, x.demo, x.user_excluded, x.report_path,
       {', '.join('x.' + k for k in KEY_METRICS)},
       x.summary_json, x.findings_json
FROM sessions x LEFT JOIN shoes s ON s.id = x.shoe_id"""


def read_sessions(conn: sqlite3.Connection, *, with_json: bool = False) -> pd.DataFrame:
    """All sessions, oldest first, columns ``SESSION_COLUMNS + KEY_METRICS``.

    With ``with_json`` also ``summary`` and ``findings`` (parsed).
    """
    rows = conn.execute(_SELECT + " ORDER BY x.started_ts, x.id").fetchall()
    names = [*SESSION_COLUMNS, *KEY_METRICS, "summary", "findings"]
    frame = pd.DataFrame(rows, columns=names)
    if with_json:
        frame["summary"] = [json.loads(t) for t in frame["summary"]]
        frame["findings"] = [json.loads(t) for t in frame["findings"]]
    else:
        frame = frame.drop(columns=["summary", "findings"])
    for name in ("duration_s", "running_s", "distance_m", "started_ts", *KEY_METRICS):
        frame[name] = pd.to_numeric(frame[name], errors="coerce").astype(float)
    for name in ("demo", "user_excluded"):
        frame[name] = frame[name].fillna(0).astype(bool)
    return frame


def list_sessions(db: DbPath = None, *, with_json: bool = False) -> pd.DataFrame:
    """All saved sessions, oldest first (see :func:`read_sessions`)."""
    with open_store(db) as conn:
        return read_sessions(conn, with_json=with_json)
