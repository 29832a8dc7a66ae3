"""Sensor Logger (Kelvin Choi's app) zip / folder exports.

Facts (github.com/tszheichoi/awesome-sensor-logger, UNITS.md, COORDINATES.md,
CROSSPLATFORM.md):

- one CSV per sensor, columns ``time`` (ns since the Unix epoch),
  ``seconds_elapsed`` (s since the recording started, shared by all files),
  then ``z, y, x``; ``Metadata.csv`` has ``platform`` (iOS or Android);
- ``Accelerometer.csv`` is acceleration WITHOUT gravity, in m/s^2;
  ``TotalAcceleration.csv`` (Android only) includes gravity; ``Gravity.csv``
  is the gravity vector in m/s^2; ``Gyroscope.csv`` is rad/s;
- iOS acceleration and gravity have the opposite sign of Android's on all
  three axes, unless "Standardise Units & Frames" is on; rotation rates agree.
  Android's sign is the specific-force convention gaitback uses.
"""

from __future__ import annotations

import numpy as np

from gaitback.errors import RecordingError
from gaitback.importers.common import PHONE_AXES, Imported, iso_utc, placement_axes
from gaitback.importers.merge import (
    GYR_UNITS,
    acc_factor,
    classify_gravity,
    combine,
    gravity_level_mps2,
    require_gravity,
    resample_onto,
)
from gaitback.importers.sources import Source
from gaitback.importers.tables import Stream, make_stream, read_table

FORMAT = "sensorlogger"
FILES = ("TotalAcceleration.csv", "Accelerometer.csv", "Gravity.csv", "Gyroscope.csv")
_FIX = (
    "Sensor Logger's Accelerometer.csv has gravity removed: export with Gravity "
    "(iOS and Android) or TotalAcceleration (Android) enabled so it can be added back"
)


def looks_like(header: list[str]) -> bool:
    names = {h.strip().lower() for h in header}
    return "seconds_elapsed" in names and {"x", "y", "z"} <= names


class _Reader:
    def __init__(self, source: Source) -> None:
        self.source = source
        self.t_ref_ns: float | None = None

    def member(self, name: str) -> str | None:
        found = self.source.by_name(name)
        if len(found) > 1:
            raise RecordingError(
                f"{self.source.path}: several {name} files ({', '.join(found)}); "
                "import one recording at a time"
            )
        return found[0] if found else None

    def stream(self, member: str, scale: float) -> tuple[Stream, np.ndarray | None]:
        where = self.source.label(member)
        table = read_table(self.source.read_text(member), where)
        idx = {h.strip().lower(): i for i, h in enumerate(table.header)}
        missing = [c for c in ("x", "y", "z") if c not in idx]
        if "seconds_elapsed" not in idx and "time" not in idx:
            missing.insert(0, "seconds_elapsed")
        if missing:
            raise RecordingError(
                f"{where}: missing column(s) {', '.join(missing)}; expected Sensor Logger's "
                "time,seconds_elapsed,z,y,x"
            )
        epoch_ns = table.numbers(idx["time"]) if "time" in idx else None
        if "seconds_elapsed" in idx:
            t = table.numbers(idx["seconds_elapsed"])
        else:
            assert epoch_ns is not None
            if self.t_ref_ns is None:
                self.t_ref_ns = float(epoch_ns[0])
            t = (epoch_ns - self.t_ref_ns) / 1e9
        values = np.stack([table.numbers(idx[a]) for a in ("x", "y", "z")], axis=1) * scale
        start_ns = None
        if epoch_ns is not None and len(epoch_ns):
            start_ns = np.array([epoch_ns[0] - t[0] * 1e9])
        return make_stream(where, t, values, table.lines()), start_ns


def _metadata(source: Source) -> dict[str, str]:
    found = source.by_name("Metadata.csv")
    if not found:
        return {}
    try:
        table = read_table(source.read_text(found[0]), source.label(found[0]))
    except RecordingError:
        return {}
    row = table.body.iloc[0] if len(table.body) else None
    if row is None:
        return {}
    return {h.strip().lower(): str(row.iloc[i]).strip() for i, h in enumerate(table.header)}


def _is_true(value: str) -> bool:
    return value.strip().lower() in ("true", "1", "yes", "on")


def load(source: Source, acc_unit: str | None = None) -> Imported:
    """Read a Sensor Logger export (zip, folder, or one of its CSV files)."""
    if source.kind == "file":
        source = Source.open(source.path.parent)
    reader = _Reader(source)
    meta = _metadata(source)
    platform = meta.get("platform", "").strip().lower()
    standardised = any(_is_true(v) for k, v in meta.items() if "standard" in k)
    # iOS reports the opposite sign on all three acceleration axes.
    sign = -1.0 if platform == "ios" and not standardised else 1.0
    scale = acc_factor("mps2", acc_unit) * sign
    notes: list[str] = []
    if platform == "ios" and not standardised:
        notes.append("iOS acceleration signs flipped to the Android (specific force) convention")
    elif not platform:
        notes.append("no Metadata.csv platform: Android sign convention assumed")

    total = reader.member("TotalAcceleration.csv")
    user = reader.member("Accelerometer.csv")
    gravity = reader.member("Gravity.csv")
    start_ns = None
    if total:
        acc, start_ns = reader.stream(total, scale)
        require_gravity(acc, "use Sensor Logger's TotalAcceleration.csv as exported")
        notes.append("acceleration from TotalAcceleration.csv (includes gravity)")
    elif user:
        acc, start_ns = reader.stream(user, scale)
        # Documented as gravity-removed; the physics confirms (mean ~0) or,
        # for an app version that did include gravity (mean ~9.8), overrules.
        if classify_gravity(gravity_level_mps2(acc)) == "with":
            notes.append("Accelerometer.csv already contains gravity; used as is")
        elif gravity is None:
            raise RecordingError(f"{acc.where}: gravity removed (linear acceleration); {_FIX}")
        else:
            grav, _ = reader.stream(gravity, scale)
            keep, g_on_acc = resample_onto(acc, grav)
            acc = Stream(acc.where, acc.time_s[keep], acc.values[keep] + g_on_acc, acc.notes)
            require_gravity(acc, _FIX)
            notes.append("acceleration = Accelerometer.csv (gravity removed) + Gravity.csv")
    else:
        present = ", ".join(sorted(source.members)[:8]) or "nothing"
        raise RecordingError(
            f"{source.path}: no TotalAcceleration.csv or Accelerometer.csv in this Sensor Logger "
            f"export (found {present})"
        )
    gyr_member = reader.member("Gyroscope.csv")
    gyr = reader.stream(gyr_member, GYR_UNITS["rad/s"])[0] if gyr_member else None
    frame, merge_notes = combine(acc, gyr)
    axes, note = placement_axes(frame, PHONE_AXES, "phone-in-belt")
    notes = [*notes, *acc.notes, *(gyr.notes if gyr else []), *merge_notes]
    notes += [note] if note else []
    if gyr is None:
        notes.append("no Gyroscope.csv in the export: accelerometer only")
    if meta.get("device name"):
        notes.append(f"phone: {meta['device name']}")
    device = f"Sensor Logger ({'iOS' if platform == 'ios' else 'Android'})" if platform else (
        "Sensor Logger"
    )
    started = (
        iso_utc(float(start_ns[0]) / 1e9, acc.where, "column 'time' (ns since 1970)")
        if start_ns is not None
        else None
    )
    return Imported(frame, device, FORMAT, axes, started, notes)
