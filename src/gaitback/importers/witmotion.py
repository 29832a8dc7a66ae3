"""Logs saved by WitMotion's PC software (WT901 family).

The current software saves a tab-separated table (``.txt``, or ``.csv``)::

    time  DeviceName  ChipTime()  AccX(g) AccY(g) AccZ(g)  AsX(°/s) AsY(°/s) AsZ(°/s)
          AngleX(°) AngleY(°) AngleZ(°)  HX(uT) ...

with ``time`` the PC's wall clock (``2025-03-13 23:53:59.123``, ISO ``T`` or
``...:59:123`` variants) and, in Chinese builds, ``时间``, ``设备名称``,
``加速度X(g)``, ``角速度X(°/s)``. Older builds write a ``StartTime:`` line
first and ``Time(s)`` / ``ax(g)`` / ``wx(deg/s)`` columns. The header may be
repeated further down the file, and the degree sign may be in a legacy code
page; columns are matched loosely for that reason.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from gaitback.errors import RecordingError
from gaitback.importers.common import Imported
from gaitback.importers.merge import GYR_UNITS, acc_factor, canonical_frame, require_gravity
from gaitback.importers.sources import Source
from gaitback.importers.tables import Table, make_stream, read_table, split_header

FORMAT = "witmotion"
ACC = re.compile(r"(?:acc|acceleration|加速度|a)([xyz])\(g\)", re.IGNORECASE)
GYR = re.compile(r"(?:as|angularvelocity|角速度|gyro|w)([xyz])\([^)]*/s\)", re.IGNORECASE)
TIME = re.compile(r"(?:time|时间)(?:\(s\))?", re.IGNORECASE)
CHIP = re.compile(r"(?:chiptime|片上时间)(?:\(\))?", re.IGNORECASE)
DEVICE = re.compile(r"(?:devicename|设备名称)", re.IGNORECASE)
#: Lines searched for the header (a ``StartTime`` preamble may come first).
HEADER_SEARCH_LINES = 20


def _norm(name: str) -> str:
    return re.sub(r"\s+", "", name)


def _index(header: list[str], rx: re.Pattern[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for i, name in enumerate(header):
        m = rx.fullmatch(_norm(name))
        if m:
            out.setdefault(m.group(1).lower() if m.groups() else "", i)
    return out


def find_header(text: str) -> tuple[int, str] | None:
    """``(line index, separator)`` of the header line, if the text looks like a WitMotion log."""
    for i, line in enumerate(text.splitlines()[:HEADER_SEARCH_LINES]):
        sep = "\t" if "\t" in line else ","
        if len(_index(split_header(line, sep), ACC)) == 3:
            return i, sep
    return None


def looks_like(text: str) -> bool:
    return find_header(text) is not None


def _clock_s(table: Table, index: int, rows: np.ndarray) -> np.ndarray | None:
    """Seconds from a time column (numbers or wall-clock strings); None if unusable."""
    cells = table.cells(index)[rows]
    if pd.to_numeric(cells.iloc[:5], errors="coerce").notna().all():
        numeric = pd.to_numeric(cells, errors="coerce")
        return numeric.to_numpy(dtype=float) if numeric.notna().all() else None
    colon_ms = r"(?<=\d{2}:\d{2}:\d{2}):(\d{1,6})$"
    head = cells.iloc[:5]
    if head.str.contains(r"\d{2}:\d{2}:\d{2}:\d{1,6}$", regex=True).any():
        # "23:53:59:123" -> "23:53:59.123"
        cells = cells.str.replace(colon_ms, r".\1", regex=True)
        head = cells.iloc[:5]
    # Pick the layout on the first cells: parsing a whole column of "null"
    # (an unused ChipTime) with a wrong format is slow.
    for fmt in ("ISO8601", "%H:%M:%S.%f"):
        if pd.to_datetime(head, errors="coerce", format=fmt).notna().all():
            stamps = pd.to_datetime(cells, errors="coerce", format=fmt)
            break
    else:
        return None
    if stamps.isna().any():
        return None
    ns = stamps.to_numpy(dtype="datetime64[ns]").astype(np.int64)
    return (ns - ns[0]) / 1e9


def load(source: Source, acc_unit: str | None = None) -> Imported:
    """Read one WitMotion PC-software log (a single device)."""
    members = [m for m in source.tables() if looks_like(source.head(m))]
    if not members:
        raise RecordingError(
            f"{source.path}: no WitMotion log found (expected a header with AccX(g) AccY(g) "
            "AccZ(g) columns)"
        )
    if len(members) > 1:
        raise RecordingError(
            f"{source.path}: several WitMotion logs ({', '.join(members)}); import one at a time"
        )
    member = members[0]
    where = source.label(member)
    text = source.read_text(member)
    found = find_header(text)
    assert found is not None
    table = read_table(text, where, header_line=found[0], sep=found[1])
    acc_cols = _index(table.header, ACC)
    gyr_cols = _index(table.header, GYR)
    time_col = _index(table.header, TIME).get("")
    chip_col = _index(table.header, CHIP).get("")
    dev_col = _index(table.header, DEVICE).get("")
    if time_col is None and chip_col is None:
        raise RecordingError(f"{where}: missing column 'time' (or 'ChipTime()')")
    # Repeated header lines inside the log are not samples.
    first = table.cells(time_col if time_col is not None else chip_col)
    rows = ~(first == table.header[time_col if time_col is not None else chip_col]).to_numpy()
    rows &= ~table.blank_rows(list(range(len(table.header))))
    notes: list[str] = []
    if dev_col is not None:
        devices = sorted(str(d) for d in table.cells(dev_col)[rows].unique())
        if len(devices) > 1:
            raise RecordingError(
                f"{where}: holds {len(devices)} devices ({', '.join(devices)}); gaitback needs "
                "one sensor, save one device per file"
            )
        if devices and devices[0]:
            notes.append(f"sensor: {devices[0]}")
    acc = np.stack([table.numbers(acc_cols[a], rows) for a in "xyz"], axis=1)
    acc *= acc_factor("g", acc_unit)
    gyr = None
    if len(gyr_cols) == 3:
        gyr = np.stack([table.numbers(gyr_cols[a], rows) for a in "xyz"], axis=1)
    elif gyr_cols:
        raise RecordingError(f"{where}: only some gyroscope columns (AsX/AsY/AsZ) present")
    t = None
    if chip_col is not None:
        t = _clock_s(table, chip_col, rows)
        if t is not None and np.all(np.diff(t) > 0):
            notes.append("time from the sensor's ChipTime clock")
        else:
            t = None
    if t is None:
        if time_col is None:
            raise RecordingError(f"{where}: ChipTime() is not a usable clock and there is no time")
        t = _clock_s(table, time_col, rows)
        if t is None:
            bad = table.cells(time_col)[rows]
            raise RecordingError(
                f"{where}: column '{table.header[time_col]}' holds an unreadable time "
                f"(e.g. {bad.iloc[0]!r})"
            )
        if np.any(np.diff(t) <= 0):
            # The PC stamps samples when a USB/Bluetooth burst arrives, so
            # several share one time; spread them evenly over the log instead.
            t = t[0] + np.arange(len(t)) * (t[-1] - t[0]) / max(len(t) - 1, 1)
            notes.append(
                "PC timestamps arrive in bursts; sample times rebuilt evenly from the sample count"
            )
    # t strictly increases here (chip clock checked, PC clock rebuilt), so the
    # stream keeps every row in order and the gyro rows stay aligned with it.
    stream = make_stream(where, t - t[0], acc, table.lines(rows))
    require_gravity(stream, "WitMotion logs always include gravity; check the AccX(g) columns")
    frame = canonical_frame(stream.time_s, stream.values, None if gyr is None else gyr * (
        GYR_UNITS["deg/s"]
    ))
    notes = [*stream.notes, *notes]
    if gyr is None:
        notes.append("no gyroscope columns in the log: accelerometer only")
    return Imported(frame, "WitMotion (PC software log)", FORMAT, None, None, notes)
