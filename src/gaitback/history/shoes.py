"""Shoes: add, list with mileage and wear status, retire."""

from __future__ import annotations

import math
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime

from gaitback.history.store import DbPath, HistoryError, open_store, transaction

#: International mile.
METRES_PER_MILE = 1609.344

#: From the common advice to replace running shoes every 300 to 500 miles.
DEFAULT_WARN_MILES = 300.0
DEFAULT_REPLACE_MILES = 500.0

STATUS_OK = "ok"
STATUS_WARNING = "warning"
STATUS_REPLACE = "replace"
STATUS_RETIRED = "retired"


@dataclass(frozen=True)
class ShoeMileage:
    """One shoe with the distance run in it."""

    id: int
    name: str
    brand: str | None
    model: str | None
    added_at: str
    retired_at: str | None
    warn_miles: float
    replace_miles: float
    sessions: int
    distance_m: float

    @property
    def distance_km(self) -> float:
        return self.distance_m / 1000.0

    @property
    def distance_miles(self) -> float:
        return self.distance_m / METRES_PER_MILE

    @property
    def status(self) -> str:
        return shoe_status(self.distance_m, self.warn_miles, self.replace_miles, self.retired_at)


def shoe_status(
    distance_m: float, warn_miles: float, replace_miles: float, retired_at: str | None = None
) -> str:
    """``retired``, else ``replace`` from ``replace_miles``, ``warning`` from ``warn_miles``."""
    if retired_at:
        return STATUS_RETIRED
    miles = distance_m / METRES_PER_MILE
    if miles >= replace_miles:
        return STATUS_REPLACE
    if miles >= warn_miles:
        return STATUS_WARNING
    return STATUS_OK


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _check_miles(value: float, what: str) -> float:
    if not math.isfinite(value) or value <= 0:
        raise HistoryError(f"{what} must be a positive number of miles, got {value!r}")
    return float(value)


def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise HistoryError("a shoe needs a name")
    return name


def add_shoe(
    name: str,
    db: DbPath = None,
    *,
    brand: str | None = None,
    model: str | None = None,
    warn_miles: float = DEFAULT_WARN_MILES,
    replace_miles: float = DEFAULT_REPLACE_MILES,
) -> int:
    """Add a shoe (names are unique, case-insensitive); return its id."""
    name = _check_name(name)
    warn_miles = _check_miles(warn_miles, "--warn-miles")
    replace_miles = _check_miles(replace_miles, "--replace-miles")
    if warn_miles > replace_miles:
        raise HistoryError(
            f"the warning mileage ({warn_miles:g}) is above the replace mileage "
            f"({replace_miles:g})"
        )
    with open_store(db) as conn, transaction(conn):
        if conn.execute("SELECT 1 FROM shoes WHERE name = ?", (name,)).fetchone():
            raise HistoryError(f"a shoe named '{name}' already exists")
        cur = conn.execute(
            "INSERT INTO shoes (name, brand, model, added_at, warn_miles, replace_miles) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (name, brand, model, _now_iso(), warn_miles, replace_miles),
        )
        return int(cur.lastrowid or 0)


def shoe_id(conn: sqlite3.Connection, name: str) -> int:
    """The id of the shoe called ``name``; a one-line error naming the known shoes if none."""
    row = conn.execute("SELECT id FROM shoes WHERE name = ?", (name.strip(),)).fetchone()
    if row is None:
        known = [r[0] for r in conn.execute("SELECT name FROM shoes ORDER BY name")]
        hint = f"known shoes: {', '.join(known)}" if known else "no shoes yet"
        raise HistoryError(
            f"unknown shoe '{name}' ({hint}); add it with: gaitback shoes add '{name}'"
        )
    return int(row[0])


def retire_shoe(name: str, db: DbPath = None) -> None:
    """Mark a shoe retired (its sessions and mileage stay)."""
    with open_store(db) as conn, transaction(conn):
        sid = shoe_id(conn, _check_name(name))
        conn.execute(
            "UPDATE shoes SET retired_at = COALESCE(retired_at, ?) WHERE id = ?",
            (_now_iso(), sid),
        )


def list_shoes(db: DbPath = None, *, include_retired: bool = True) -> list[ShoeMileage]:
    """Every shoe with its session count and distance (sessions of unknown distance add 0)."""
    with open_store(db) as conn:
        rows = conn.execute(
            """SELECT s.id, s.name, s.brand, s.model, s.added_at, s.retired_at,
                      s.warn_miles, s.replace_miles,
                      COUNT(x.id), COALESCE(SUM(x.distance_m), 0.0)
               FROM shoes s LEFT JOIN sessions x ON x.shoe_id = s.id
               GROUP BY s.id ORDER BY s.retired_at IS NOT NULL, s.added_at, s.id"""
        ).fetchall()
    shoes = [
        ShoeMileage(
            id=int(r[0]),
            name=r[1],
            brand=r[2],
            model=r[3],
            added_at=r[4],
            retired_at=r[5],
            warn_miles=float(r[6]),
            replace_miles=float(r[7]),
            sessions=int(r[8]),
            distance_m=float(r[9]),
        )
        for r in rows
    ]
    return [s for s in shoes if include_retired or s.retired_at is None]
