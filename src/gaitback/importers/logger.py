"""Any data logger's CSV, read through a column mapping the user gives (``--columns``).

``--columns time=timestamp,acc_x=accX,acc_y=accY,acc_z=accZ,gyr_x=gyroX,gyr_y=gyroY,gyr_z=gyroZ``
names which of the file's columns hold time, acceleration and rotation rate;
``--time-unit``, ``--acc-unit`` and ``--gyro-unit`` give their units. A unit
not given is inferred from the data and the inference noted in the sidecar.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np
import pandas as pd

from gaitback import columns as col
from gaitback.errors import RecordingError
from gaitback.importers.common import Imported, iso_utc
from gaitback.importers.sources import Source
from gaitback.importers.tables import SEPARATOR_NAMES, Table, make_stream, read_table

FORMAT = "logger"
#: Mapping keys, in the order of the canonical columns they fill.
KEYS = ("time", "acc_x", "acc_y", "acc_z", "gyr_x", "gyr_y", "gyr_z")
REQUIRED_KEYS = KEYS[:4]
TIME_UNITS_S = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "ns": 1e-9}
ACC_UNITS_MPS2 = {"g": col.STANDARD_GRAVITY_MPS2, "m/s2": 1.0, "mps2": 1.0}
GYRO_UNITS_DPS = {"deg/s": 1.0, "dps": 1.0, "rad/s": 180.0 / np.pi}
#: Sample spacing that a body-worn IMU can have (5 Hz to 2 kHz): the one time
#: unit that puts the median spacing in here is the file's. The span is less
#: than the factor 1000 between units, so at most one unit fits.
_PLAUSIBLE_PERIOD_S = (1.0 / 2000.0, 1.0 / 5.0)
#: A running pelvis turns faster than this in deg/s; a smaller 99th percentile
#: of the rotation rate means the column holds rad/s.
_RAD_S_CEILING = 15.0
#: Times in this range (years 2001-2099) are taken as Unix time.
_UNIX_RANGE_S = (1.0e9, 4.1e9)

# Header names a logger commonly uses, for the --columns line suggested on failure.
_GUESSES = {
    "time": r".*(time|stamp|epoch|elapsed|^t$|^ts$).*",
    "acc_x": r".*(acc|^a|gf).*x.*|^ax$|.*x.*acc.*",
    "acc_y": r".*(acc|^a|gf).*y.*|^ay$|.*y.*acc.*",
    "acc_z": r".*(acc|^a|gf).*z.*|^az$|.*z.*acc.*",
    "gyr_x": r".*(gyr|rot|^w|^g(?!f)|omega).*x.*|^wx$|^gx$",
    "gyr_y": r".*(gyr|rot|^w|^g(?!f)|omega).*y.*|^wy$|^gy$",
    "gyr_z": r".*(gyr|rot|^w|^g(?!f)|omega).*z.*|^wz$|^gz$",
}


def parse_columns(text: str | Mapping[str, str]) -> dict[str, str]:
    """``"time=timestamp,acc_x=accX,..."`` (or a mapping) -> ``{"time": "timestamp", ...}``.

    Raises
    ------
    RecordingError
        On an unknown key, a missing required key, or gyroscope keys given
        partly (all three or none).
    """
    pairs = dict(text) if isinstance(text, Mapping) else {}
    if not isinstance(text, Mapping):
        for part in str(text).split(","):
            key, sep, value = part.partition("=")
            if not sep or not key.strip() or not value.strip():
                raise RecordingError(
                    f"--columns: cannot read {part.strip()!r}; write e.g. "
                    "time=timestamp,acc_x=accX,acc_y=accY,acc_z=accZ"
                )
            pairs[key.strip().lower()] = value.strip()
    unknown = sorted(set(pairs) - set(KEYS))
    if unknown:
        raise RecordingError(
            f"--columns: unknown key(s) {', '.join(unknown)}; use {', '.join(KEYS)}"
        )
    missing = [k for k in REQUIRED_KEYS if k not in pairs]
    if missing:
        raise RecordingError(f"--columns: missing {', '.join(missing)}")
    gyro = [k for k in KEYS[4:] if k in pairs]
    if gyro and len(gyro) != 3:
        raise RecordingError("--columns: give gyr_x, gyr_y and gyr_z together, or none")
    return {k: pairs[k] for k in KEYS if k in pairs}


def suggest_columns(header: list[str]) -> str:
    """A ``--columns`` value to try, guessed from header names (``?`` where no guess)."""
    used: set[int] = set()
    parts = []
    for key in KEYS:
        rx = re.compile(_GUESSES[key], re.IGNORECASE)
        pick = next(
            (i for i, name in enumerate(header) if i not in used and rx.fullmatch(name)), None
        )
        if pick is None:
            if key.startswith("gyr"):
                continue
            parts.append(f"{key}=?")
            continue
        used.add(pick)
        parts.append(f"{key}={header[pick]}")
    gyro = [p for p in parts if p.startswith("gyr")]
    if len(gyro) != 3:
        parts = [p for p in parts if not p.startswith("gyr")]
    return ",".join(parts)


def unreadable_message(where: str, table: Table, problem: str) -> str:
    """One line: the problem, the separator and columns found, and a ``--columns`` to try."""
    sep = SEPARATOR_NAMES.get(table.sep, "comma")
    shown = ", ".join(table.header[:12]) + (", ..." if len(table.header) > 12 else "")
    return (
        f"{where}: {problem}; found {sep}-separated columns {shown}; try "
        f"--columns {suggest_columns(table.header)} (and --time-unit, --acc-unit, --gyro-unit)"
    )


def _time_s(
    table: Table, index: int, unit: str | None
) -> tuple[np.ndarray, str | None, str, str]:
    """Seconds, the wall-clock start when the column holds dates, the unit and a note."""
    cells = table.cells(index)
    numeric = pd.to_numeric(
        cells.str.replace(",", ".", regex=False) if table.decimal_comma else cells,
        errors="coerce",
    )
    if numeric.isna().all():
        stamps = pd.to_datetime(cells, errors="coerce", utc=True, format="mixed")
        if stamps.notna().all():
            unix_s = (stamps - pd.Timestamp(0, tz="UTC")).dt.total_seconds().to_numpy()
            start = iso_utc(float(unix_s[0]))
            return unix_s - unix_s[0], start, "date-time", "time read as date-times"
    raw = table.numbers(index)
    if unit is not None:
        return raw * TIME_UNITS_S[unit], None, unit, f"time in {unit}"
    spacing = float(np.median(np.diff(raw))) if len(raw) > 1 else float("nan")
    for name, factor in TIME_UNITS_S.items():
        if _PLAUSIBLE_PERIOD_S[0] <= spacing * factor < _PLAUSIBLE_PERIOD_S[1]:
            return raw * factor, None, name, f"time unit taken as {name} from the sample spacing"
    raise RecordingError(
        f"{table.where}: cannot tell the unit of time column '{table.header[index]}' "
        f"(median spacing {spacing:g}); give --time-unit s, ms, us or ns"
    )


def _acc_unit(acc: np.ndarray, unit: str | None) -> tuple[str, str]:
    if unit is not None:
        return unit, f"acceleration in {unit}"
    # Over a run the mean magnitude of the specific force is gravity: ~1 in g, ~9.8 in m/s^2.
    mean_norm = float(np.mean(np.linalg.norm(acc, axis=1)))
    if 0.5 < mean_norm < 2.0:
        return "g", "acceleration unit taken as g (mean magnitude near 1)"
    return "m/s2", "acceleration unit taken as m/s^2"


def _gyro_unit(gyr: np.ndarray, unit: str | None) -> tuple[str, str]:
    if unit is not None:
        return unit, f"rotation rate in {unit}"
    if float(np.percentile(np.abs(gyr), 99)) < _RAD_S_CEILING:
        return "rad/s", "rotation rate unit taken as rad/s (small values)"
    return "deg/s", "rotation rate unit taken as deg/s"


def _check_units(time_unit: str | None, acc_unit: str | None, gyro_unit: str | None) -> None:
    for value, allowed, flag in (
        (time_unit, TIME_UNITS_S, "--time-unit"),
        (acc_unit, ACC_UNITS_MPS2, "--acc-unit"),
        (gyro_unit, GYRO_UNITS_DPS, "--gyro-unit"),
    ):
        if value is not None and value not in allowed:
            raise RecordingError(f"{flag}: unknown unit {value!r}; use {', '.join(allowed)}")


def load(
    source: Source,
    mapping: Mapping[str, str],
    time_unit: str | None = None,
    acc_unit: str | None = None,
    gyro_unit: str | None = None,
) -> Imported:
    """Read one logger CSV through ``mapping`` (see :func:`parse_columns`).

    Raises
    ------
    RecordingError
        Naming the file; a mapped column that is absent gives the separator,
        the columns found and a ``--columns`` line to try.
    """
    _check_units(time_unit, acc_unit, gyro_unit)
    if source.kind != "file":
        raise RecordingError(f"{source.path}: --columns reads one CSV file, not a folder or zip")
    member = source.members[0]
    where = source.label(member)
    table = read_table(source.read_text(member), where)
    missing = [name for name in mapping.values() if name not in table.header]
    if missing:
        quoted = ", ".join(f"'{m}'" for m in missing)
        raise RecordingError(unreadable_message(where, table, f"no column {quoted}"))
    index = {key: table.header.index(name) for key, name in mapping.items()}
    time_s, started_at, time_unit, time_note = _time_s(table, index["time"], time_unit)
    notes_time = [time_note]
    if started_at is None and _UNIX_RANGE_S[0] < time_s[0] < _UNIX_RANGE_S[1]:
        # Loggers often stamp samples with Unix time: that is the wall clock.
        started_at = iso_utc(float(time_s[0]))
        notes_time.append("time column read as Unix time (started_at set from it)")
    acc = np.stack([table.numbers(index[k]) for k in ("acc_x", "acc_y", "acc_z")], axis=1)
    acc_unit, acc_note = _acc_unit(acc, acc_unit)
    units = {"time": time_unit, "acc": acc_unit}
    notes = [*notes_time, acc_note]
    stream = make_stream(where, time_s, acc * ACC_UNITS_MPS2[acc_unit])
    frame = pd.DataFrame({col.TIME: stream.time_s})
    for name, values in zip(col.ACC, stream.values.T, strict=True):
        frame[name] = values
    if "gyr_x" in index:
        gyr = np.stack([table.numbers(index[k]) for k in ("gyr_x", "gyr_y", "gyr_z")], axis=1)
        gyro_unit, gyr_note = _gyro_unit(gyr, gyro_unit)
        units["gyro"] = gyro_unit
        notes.append(gyr_note)
        gyro_stream = make_stream(where, time_s, gyr * GYRO_UNITS_DPS[gyro_unit])
        for name, values in zip(col.GYR, gyro_stream.values.T, strict=True):
            frame[name] = values
    notes += stream.notes
    sep_name = SEPARATOR_NAMES.get(table.sep, "comma")
    notes.append(
        f"read with {sep_name} separators" + (" and decimal commas" if table.decimal_comma else "")
    )
    extra: dict[str, object] = {"column_map": dict(mapping), "units": units}
    return Imported(frame, "data logger CSV", FORMAT, None, started_at, notes, extra)
