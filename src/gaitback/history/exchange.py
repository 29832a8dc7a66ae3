"""Export the whole store (JSON, or CSV for spreadsheets) and import a JSON export.

Import merges: shoes are matched by name, sessions by recording identity, so
importing the same file twice leaves the store as after the first import.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gaitback.history.sessions import (
    KEY_METRICS,
    finite_or_none,
    json_text,
    parse_time,
    read_sessions,
    upsert_session,
)
from gaitback.history.shoes import DEFAULT_REPLACE_MILES, DEFAULT_WARN_MILES
from gaitback.history.store import (
    SCHEMA_VERSION,
    DbPath,
    HistoryError,
    open_store,
    transaction,
)

EXPORT_FORMAT = "gaitback-history/1"

_SHOE_FIELDS = ("name", "brand", "model", "added_at", "retired_at", "warn_miles", "replace_miles")
_SESSION_FIELDS = (
    "recording_id",
    "recording_path",
    "started_at",
    "analysed_at",
    "duration_s",
    "running_s",
    "distance_m",
    "distance_source",
    "shoe",
    "surface",
    "notes",
    "demo",
    "user_excluded",
)


def _clean(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "item"):
        return _clean(value.item())
    return value


def export_data(db: DbPath = None) -> dict[str, Any]:
    """The whole store as a JSON-ready mapping (format ``gaitback-history/1``)."""
    with open_store(db) as conn:
        shoes = [
            dict(zip(_SHOE_FIELDS, row, strict=True))
            for row in conn.execute(f"SELECT {', '.join(_SHOE_FIELDS)} FROM shoes ORDER BY id")
        ]
        frame = read_sessions(conn, with_json=True)
    sessions = []
    for row in frame.to_dict("records"):
        item = {k: _clean(row[k]) for k in _SESSION_FIELDS}
        item["summary"] = row["summary"]
        item["findings"] = row["findings"]
        sessions.append(item)
    return {
        "format": EXPORT_FORMAT,
        "schema_version": SCHEMA_VERSION,
        "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "shoes": shoes,
        "sessions": sessions,
    }


def export_store(path: str | os.PathLike[str], db: DbPath = None) -> Path:
    """Write the store to ``path``: ``.json`` (everything) or ``.csv`` (one row per session).

    The CSV holds every session field, the key metrics, and the summary and
    findings as JSON text; shoe details (mileage limits) are only in the JSON.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".json", ".csv"):
        raise HistoryError(f"{path}: export to a .json or .csv file")
    try:
        if suffix == ".json":
            text = json.dumps(export_data(db), indent=2, allow_nan=False) + "\n"
            path.write_text(text, encoding="utf-8")
        else:
            with open_store(db) as conn:
                frame = read_sessions(conn)
                raw = conn.execute(
                    "SELECT id, summary_json, findings_json FROM sessions"
                ).fetchall()
            texts = {r[0]: (r[1], r[2]) for r in raw}
            frame = frame.drop(columns=["started_ts"])
            frame["summary_json"] = [texts[i][0] for i in frame["id"]]
            frame["findings_json"] = [texts[i][1] for i in frame["id"]]
            frame.to_csv(path, index=False, na_rep="")
    except OSError as exc:
        raise HistoryError(f"{path}: cannot write ({exc.strerror or exc})") from None
    return path


def _load_export(path: Path) -> dict[str, Any]:
    if path.suffix.lower() == ".csv":
        raise HistoryError(
            f"{path}: import reads a JSON export (gaitback history export FILE.json); "
            "the CSV export is for spreadsheets"
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise HistoryError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise HistoryError(f"{path}: cannot read ({exc})") from None
    except json.JSONDecodeError as exc:
        raise HistoryError(f"{path}: invalid JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(data, Mapping) or data.get("format") != EXPORT_FORMAT:
        raise HistoryError(f"{path}: not a gaitback history export (format {EXPORT_FORMAT})")
    for key in ("shoes", "sessions"):
        if not isinstance(data.get(key, []), list):
            raise HistoryError(f"{path}: '{key}' must be a list")
    return dict(data)


def _session_from_export(item: Any, where: str) -> dict[str, Any]:
    if not isinstance(item, Mapping):
        raise HistoryError(f"{where}: expected an object")
    rid = item.get("recording_id")
    if not isinstance(rid, str) or not rid:
        raise HistoryError(f"{where}: recording_id is missing")
    start = parse_time(item.get("started_at"))
    if start is None:
        raise HistoryError(f"{where}: started_at is not an ISO 8601 time")
    summary = item.get("summary") or {}
    findings = item.get("findings") or []
    if not isinstance(summary, Mapping) or not isinstance(findings, list):
        raise HistoryError(f"{where}: summary must be an object and findings a list")
    distance = finite_or_none(item.get("distance_m"))
    if distance is not None and distance < 0:
        raise HistoryError(f"{where}: distance_m is negative")
    record = {
        "recording_id": rid,
        "recording_path": item.get("recording_path"),
        "started_at": start.isoformat(timespec="seconds"),
        "started_ts": start.timestamp(),
        "analysed_at": str(item.get("analysed_at") or start.isoformat(timespec="seconds")),
        "duration_s": finite_or_none(item.get("duration_s")),
        "running_s": finite_or_none(item.get("running_s")),
        "distance_m": distance,
        "distance_source": item.get("distance_source") if distance is not None else None,
        "shoe": item.get("shoe") or None,
        "surface": item.get("surface") or None,
        "notes": item.get("notes") or None,
        "demo": bool(item.get("demo")),
        "user_excluded": bool(item.get("user_excluded")),
        "summary_json": json_text(dict(summary), "summary"),
        "findings_json": json_text(findings, "findings"),
    }
    for key in KEY_METRICS:
        record[key] = finite_or_none(summary.get(key))
    return record


def _upsert_shoe(conn: Any, item: Any, where: str) -> bool:
    """Insert or update a shoe by name; return True when it was new."""
    if not isinstance(item, Mapping) or not str(item.get("name") or "").strip():
        raise HistoryError(f"{where}: a shoe needs a name")
    name = str(item["name"]).strip()
    warn = finite_or_none(item.get("warn_miles")) or DEFAULT_WARN_MILES
    replace = finite_or_none(item.get("replace_miles")) or DEFAULT_REPLACE_MILES
    values = (
        item.get("brand"),
        item.get("model"),
        str(item.get("added_at") or datetime.now(UTC).isoformat(timespec="seconds")),
        item.get("retired_at"),
        warn,
        replace,
    )
    row = conn.execute("SELECT id FROM shoes WHERE name = ?", (name,)).fetchone()
    if row is None:
        conn.execute(
            "INSERT INTO shoes (brand, model, added_at, retired_at, warn_miles, replace_miles, "
            "name) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (*values, name),
        )
        return True
    conn.execute(
        "UPDATE shoes SET brand = ?, model = ?, added_at = ?, retired_at = ?, warn_miles = ?, "
        "replace_miles = ? WHERE id = ?",
        (*values, row[0]),
    )
    return False


def import_store(path: str | os.PathLike[str], db: DbPath = None) -> dict[str, int]:
    """Merge a JSON export into the store, all or nothing; return counts.

    Returns
    -------
    dict
        ``shoes_added``, ``shoes_updated``, ``sessions_added``, ``sessions_updated``.
    """
    path = Path(path)
    data = _load_export(path)
    records = [
        _session_from_export(item, f"{path}: sessions[{i}]")
        for i, item in enumerate(data.get("sessions", []))
    ]
    counts = dict.fromkeys(
        ("shoes_added", "shoes_updated", "sessions_added", "sessions_updated"), 0
    )
    with open_store(db) as conn, transaction(conn):
        for i, item in enumerate(data.get("shoes", [])):
            new = _upsert_shoe(conn, item, f"{path}: shoes[{i}]")
            counts["shoes_added" if new else "shoes_updated"] += 1
        known = {r[0] for r in conn.execute("SELECT recording_id FROM sessions")}
        for record in records:
            upsert_session(conn, record)
            new = record["recording_id"] not in known
            known.add(record["recording_id"])
            counts["sessions_added" if new else "sessions_updated"] += 1
    return counts


