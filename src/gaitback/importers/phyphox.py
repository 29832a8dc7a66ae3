"""phyphox CSV exports.

phyphox exports one CSV per export set of the experiment (``Raw Data.csv`` for
the built-in "Acceleration with g" and "Gyroscope" experiments; one file per
sensor, e.g. ``Accelerometer.csv`` and ``Gyroscope.csv``, for multi-sensor
experiments), zipped with ``meta/device.csv`` and ``meta/time.csv``. A set
may also hold several sensors side by side, each after its own ``Time (s)``
column. Separators: comma, tab or semicolon; decimal point or comma. Headers
are ``Time (s)``, ``Acceleration x (m/s^2)`` ..., ``Linear Acceleration x
(m/s^2)`` (gravity removed) and ``Gyroscope x (rad/s)``.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

import numpy as np

from gaitback.errors import RecordingError
from gaitback.importers.common import PHONE_AXES, Imported, iso_utc, placement_axes
from gaitback.importers.merge import GYR_UNITS, acc_factor, combine, require_gravity
from gaitback.importers.sources import Source
from gaitback.importers.tables import Stream, Table, make_stream, read_table, split_header
from gaitback.importers.tables import sniff_separator as _sniff

FORMAT = "phyphox"
TIME = re.compile(r"time\s*\(s\)", re.IGNORECASE)
SENSORS = {
    "acc": re.compile(r"acceleration ([xyz]) \(m/s\^?2\)", re.IGNORECASE),
    "linear": re.compile(r"linear acceleration ([xyz]) \(m/s\^?2\)", re.IGNORECASE),
    "gyr": re.compile(r"gyroscope ([xyz]) \(rad/s\)", re.IGNORECASE),
}
_FIX_LINEAR = (
    "record with phyphox's 'Acceleration with g' experiment (raw accelerometer), "
    "not 'Linear Acceleration'"
)


def header_of(text: str) -> list[str]:
    line = text.splitlines()[0] if text else ""
    return split_header(line, _sniff(line))


def looks_like(header: list[str]) -> bool:
    """A phyphox table: a ``Time (s)`` column and one of the sensor columns."""
    has_time = any(TIME.fullmatch(h) for h in header)
    return has_time and any(rx.fullmatch(h) for h in header for rx in SENSORS.values())


def _streams(table: Table) -> dict[str, list[tuple[list[int], int]]]:
    """Per sensor kind: ``([x, y, z] column indices, owning time column index)``."""
    times = table.find(TIME)
    found: dict[str, list[tuple[list[int], int]]] = {}
    for kind, rx in SENSORS.items():
        axes: dict[str, int] = {}
        for i, name in enumerate(table.header):
            m = rx.fullmatch(name)
            if m and not (kind == "acc" and name.lower().startswith("linear")):
                axes.setdefault(m.group(1).lower(), i)
        if not axes:
            continue
        missing = [a for a in "xyz" if a not in axes]
        if missing:
            raise RecordingError(
                f"{table.where}: missing column(s) for {kind} axis {', '.join(missing)}"
            )
        cols = [axes["x"], axes["y"], axes["z"]]
        owners = [t for t in times if t < min(cols)]
        if not owners:
            raise RecordingError(f"{table.where}: no 'Time (s)' column before the {kind} columns")
        found.setdefault(kind, []).append((cols, owners[-1]))
    return found


def _stream(table: Table, cols: list[int], time_col: int, scale: float) -> Stream:
    use = [time_col, *cols]
    rows = ~table.blank_rows(use)
    t = table.numbers(time_col, rows)
    values = np.stack([table.numbers(c, rows) for c in cols], axis=1) * scale
    return make_stream(table.where, t, values, table.lines(rows))


def _started_at(source: Source) -> str | None:
    """Wall-clock time of experiment time 0, from ``meta/time.csv`` (best effort)."""
    for member in source.members:
        if PurePosixPath(member).as_posix().lower().endswith("meta/time.csv"):
            try:
                table = read_table(source.read_text(member), source.label(member))
                event = table.find(r"event")[0]
                exp = table.find(r"experiment time")[0]
                sys_t = table.find(r"system time")[0]
                rows = (table.cells(event).str.upper() == "START").to_numpy()
                if rows.any():
                    first = int(np.flatnonzero(rows)[0])
                    epoch = float(table.numbers(sys_t)[first]) - float(
                        table.numbers(exp)[first]
                    )
                    return iso_utc(epoch)
            except (RecordingError, IndexError, ValueError, OverflowError, OSError):
                return None
    return None


def load(source: Source, acc_unit: str | None = None) -> Imported:
    """Read a phyphox export (one CSV, or the folder / zip of its files)."""
    acc_scale = acc_factor("mps2", acc_unit)
    gyr_scale = GYR_UNITS["rad/s"]
    streams: dict[str, list[Stream]] = {"acc": [], "linear": [], "gyr": []}
    for member in source.tables():
        if "meta/" in member.lower() and source.kind != "file":
            continue
        text = source.head(member)
        if not looks_like(header_of(text)):
            if source.kind == "file":
                raise RecordingError(
                    f"{source.label(member)}: not a phyphox export (expected 'Time (s)' and "
                    "'Acceleration x (m/s^2)' or 'Gyroscope x (rad/s)' columns)"
                )
            continue
        table = read_table(source.read_text(member), source.label(member))
        for kind, groups in _streams(table).items():
            for cols, time_col in groups:
                scale = gyr_scale if kind == "gyr" else acc_scale
                streams[kind].append(_stream(table, cols, time_col, scale))
    where = str(source.path)
    if not streams["acc"]:
        if streams["linear"]:
            raise RecordingError(
                f"{streams['linear'][0].where}: 'Linear Acceleration' has gravity removed; "
                f"{_FIX_LINEAR}"
            )
        raise RecordingError(
            f"{where}: no phyphox acceleration table found (expected a CSV with "
            "'Time (s)' and 'Acceleration x (m/s^2)' columns)"
        )
    for kind in ("acc", "gyr"):
        if len(streams[kind]) > 1:
            names = ", ".join(s.where for s in streams[kind])
            raise RecordingError(f"{where}: several {kind} tables ({names}); keep one")
    acc = streams["acc"][0]
    require_gravity(acc, _FIX_LINEAR)
    gyr = streams["gyr"][0] if streams["gyr"] else None
    frame, notes = combine(acc, gyr)
    axes, note = placement_axes(frame, PHONE_AXES, "phone-in-belt")
    notes = [*acc.notes, *(gyr.notes if gyr else []), *notes, *([note] if note else [])]
    if gyr is None:
        notes.append("no gyroscope table in the export: accelerometer only")
    return Imported(frame, "phyphox", FORMAT, axes, _started_at(source), notes)
