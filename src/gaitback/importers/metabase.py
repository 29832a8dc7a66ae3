"""MbientLab MetaBase CSV exports (MetaWear / MetaMotion sensors).

MetaBase writes one CSV per sensor, named like
``<device>_<date>_<MAC>_Accelerometer[_<rate>Hz_<version>].csv`` and
``..._Gyroscope...csv``, with columns ``epoc (ms)`` (Unix ms; some versions
spell it ``epoch (ms)``), ``timestamp (+HHMM)`` (local time), ``elapsed (s)``,
then ``x-axis (g)`` ... or ``x-axis (deg/s)`` .... The two files start at
different times and may run at different rates; ``epoc`` is the shared clock.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

import numpy as np

from gaitback.errors import RecordingError
from gaitback.importers.common import Imported, iso_utc
from gaitback.importers.merge import acc_factor, combine, require_gravity
from gaitback.importers.sources import Source
from gaitback.importers.tables import Stream, Table, make_stream, read_table

FORMAT = "metabase"
EPOCH = re.compile(r"epoc?h?\s*\(ms\)", re.IGNORECASE)
ELAPSED = re.compile(r"elapsed\s*\(s\)", re.IGNORECASE)
ACC = re.compile(r"([xyz])-axis\s*\(g\)", re.IGNORECASE)
GYR = re.compile(r"([xyz])-axis\s*\((?:deg|°)/s\)", re.IGNORECASE)
ANY_AXIS = re.compile(r"([xyz])-axis\s*\(([^)]*)\)", re.IGNORECASE)
_FIX = "export MetaBase's raw Accelerometer stream, not Linear Acceleration"


def looks_like(header: list[str]) -> bool:
    has_time = any(EPOCH.fullmatch(h) or ELAPSED.fullmatch(h) for h in header)
    return has_time and any(ANY_AXIS.fullmatch(h) for h in header)


def _kind(header: list[str]) -> str | None:
    if any(ACC.fullmatch(h) for h in header):
        return "acc"
    if any(GYR.fullmatch(h) for h in header):
        return "gyr"
    return None


def _stream(table: Table, rx: re.Pattern[str], scale: float) -> tuple[Stream, float | None, float]:
    """The sensor stream on its file's clock, the start (Unix s) and that clock's unit (s)."""
    axes: dict[str, int] = {}
    for i, name in enumerate(table.header):
        m = rx.fullmatch(name)
        if m:
            axes.setdefault(m.group(1).lower(), i)
    missing = [f"{a}-axis" for a in "xyz" if a not in axes]
    if missing:
        raise RecordingError(f"{table.where}: missing column(s) {', '.join(missing)}")
    epoch = table.find(EPOCH)
    elapsed = table.find(ELAPSED)
    if epoch:
        # Kept in ms until both files share a zero, so no precision is lost.
        t = table.numbers(epoch[0])
        start, unit = float(t[0]) / 1000.0, 1e-3
    elif elapsed:
        t, start, unit = table.numbers(elapsed[0]), None, 1.0
    else:
        raise RecordingError(f"{table.where}: missing column 'epoc (ms)' or 'elapsed (s)'")
    values = np.stack([table.numbers(axes[a]) for a in "xyz"], axis=1) * scale
    return make_stream(table.where, t, values, table.lines(), unit), start, unit


def _partner_names(name: str) -> tuple[str, str] | None:
    """``(prefix, kind)`` of a MetaBase file name, the prefix shared by its partner."""
    m = re.search(r"(accelerometer|gyroscope|gyro)", name, re.IGNORECASE)
    if not m:
        return None
    return name[: m.start()], m.group(1).lower()


def _candidates(source: Source) -> tuple[list[str], list[str], list[str]]:
    """MetaBase accelerometer, gyroscope and gravity-removed members.

    Told apart by their unit columns, and by name for the sensor-fusion outputs
    ("Linear Acceleration", "Gravity") that share the accelerometer's columns.
    """
    acc, gyr, linear = [], [], []
    for member in source.tables():
        head = source.head(member)
        line = head.splitlines()[0] if head else ""
        header = [h.strip().strip('"') for h in line.split(",")]
        if not looks_like(header):
            continue
        kind = _kind(header)
        low = PurePosixPath(member).name.lower()
        if "linear" in low or "gravity" in low:
            kind = "linear"
        if kind == "acc":
            acc.append(member)
        elif kind == "gyr":
            gyr.append(member)
        elif kind == "linear":
            linear.append(member)
    return acc, gyr, linear


def load(source: Source, acc_unit: str | None = None) -> Imported:
    """Read a MetaBase export: one accelerometer CSV (plus its gyroscope partner if found).

    Given a single file, its partner is looked for in the same folder by the
    shared file-name prefix.
    """
    chosen = None
    if source.kind == "file":
        chosen = source.path.name
        source = Source.open(source.path.parent)
    acc_files, gyr_files, linear_files = _candidates(source)
    if chosen is not None:
        parts = _partner_names(chosen)
        if chosen in linear_files:
            raise RecordingError(f"{source.label(chosen)}: gravity removed; {_FIX}")
        if chosen not in acc_files + gyr_files:
            raise RecordingError(
                f"{source.label(chosen)}: not a MetaBase CSV (expected 'epoc (ms)', "
                "'elapsed (s)' and 'x-axis (g)' or 'x-axis (deg/s)' columns)"
            )
        if parts:
            prefix = parts[0]
            acc_files = [m for m in acc_files if PurePosixPath(m).name.startswith(prefix)]
            gyr_files = [m for m in gyr_files if PurePosixPath(m).name.startswith(prefix)]
        else:
            acc_files = [m for m in acc_files if m == chosen]
            gyr_files = [m for m in gyr_files if m == chosen]
    if not acc_files and linear_files:
        raise RecordingError(f"{source.label(linear_files[0])}: gravity removed; {_FIX}")
    if not acc_files:
        raise RecordingError(
            f"{source.path}: no MetaBase accelerometer CSV (with 'x-axis (g)' columns) found"
        )
    if len(acc_files) > 1 or len(gyr_files) > 1:
        names = ", ".join(acc_files + gyr_files)
        raise RecordingError(
            f"{source.path}: several MetaBase sessions ({names}); point at one file of the "
            "session to import"
        )
    acc_member = acc_files[0]
    acc_table = read_table(source.read_text(acc_member), source.label(acc_member))
    acc, start, unit = _stream(acc_table, ACC, acc_factor("g", acc_unit))
    gyr = None
    if gyr_files:
        gyr_table = read_table(source.read_text(gyr_files[0]), source.label(gyr_files[0]))
        gyr, _, _ = _stream(gyr_table, GYR, 1.0)
        if (acc_table.find(EPOCH) == []) != (gyr_table.find(EPOCH) == []):
            raise RecordingError(
                f"{gyr.where}: only one of the two files has 'epoc (ms)'; cannot align them"
            )
    # The accelerometer's first sample is time zero.
    t0 = acc.time_s[0]
    acc.time_s = (acc.time_s - t0) * unit
    require_gravity(acc, _FIX)
    if gyr is not None:
        gyr.time_s = (gyr.time_s - t0) * unit
    frame, notes = combine(acc, gyr)
    notes = [*acc.notes, *(gyr.notes if gyr else []), *notes]
    if gyr is None:
        notes.append("no MetaBase gyroscope CSV found next to it: accelerometer only")
    started = iso_utc(start, acc.where, "column 'epoc (ms)'") if start is not None else None
    return Imported(frame, "MbientLab MetaWear (MetaBase)", FORMAT, None, started, notes)
