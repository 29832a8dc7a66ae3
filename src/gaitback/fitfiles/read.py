"""A watch's FIT activity -> running dynamics per record, with fitdecode (MIT).

Read: the standard record fields of the FIT profile (Garmin running dynamics,
and the same fields in other brands' files), converted to gaitback's units;
where a standard field is absent, a developer field that carries the same
quantity (a Stryd or other Connect IQ data field such as "Ground Time" or
"Vertical Oscillation") is used instead, by its name and units. Standard
fields win when both are present.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import fitdecode
import numpy as np
import pandas as pd

from gaitback import columns as col
from gaitback.errors import RecordingError

#: Quantities read from a watch (all of COMPARED, plus speed).
WATCH_COLUMNS = (col.UNIX_TIME, *col.COMPARED, col.SPEED)
#: FIT date-times below this count from device power-on, not from 1989-12-31 UTC
#: (FIT profile: date_time values < 0x10000000 are system time).
_FIT_EPOCH = datetime(1989, 12, 31, tzinfo=UTC)
_MIN_CLOCK = _FIT_EPOCH.timestamp() + 0x10000000

#: Developer fields by name (case-insensitive regex) -> quantity and the unit
#: assumed when the field description gives none.
_DEVELOPER_NAMES: tuple[tuple[str, str, str], ...] = (
    (r".*(ground (contact )?time|\bgct\b|stance time)(?!.*(balance|%|percent)).*",
     col.CONTACT, "ms"),
    (r".*(gct|ground time|contact|stance).*balance.*", col.CONTACT_BALANCE, "%"),
    (r".*vertical oscillation.*", col.VERTICAL_OSCILLATION, "cm"),
    (r".*vertical ratio.*", col.VERTICAL_RATIO, "%"),
    (r".*step length.*", col.STEP_LENGTH, "m"),
    (r"^(running )?cadence$", col.CADENCE_SPM, ""),
)
#: The standard FIT record field each quantity is read from.
_STANDARD_NAMES = {
    col.CADENCE_SPM: "cadence",
    col.CONTACT: "stance_time",
    col.CONTACT_BALANCE: "stance_time_balance",
    col.VERTICAL_OSCILLATION: "vertical_oscillation",
    col.VERTICAL_RATIO: "vertical_ratio",
    col.STEP_LENGTH: "step_length",
    col.SPEED: "enhanced_speed",
}
_TO_CANONICAL = {
    col.CONTACT: {"ms": 1.0, "s": 1000.0},
    col.VERTICAL_OSCILLATION: {"cm": 1.0, "mm": 0.1, "m": 100.0},
    col.STEP_LENGTH: {"m": 1.0, "cm": 0.01, "mm": 0.001},
    col.CONTACT_BALANCE: {"%": 1.0, "percent": 1.0},
    col.VERTICAL_RATIO: {"%": 1.0, "percent": 1.0},
}


@dataclass
class WatchRun:
    """Running dynamics read from a watch's FIT file.

    Attributes
    ----------
    records
        One row per record message, columns :data:`WATCH_COLUMNS` (NaN where
        the record lacks the quantity); without a clock ``unix_time_s`` counts
        from the device's power-on instead (FIT "system time").
    averages
        The session message's averages, by the same names (NaN when absent).
    device
        Manufacturer and product as the file names them.
    has_clock
        Whether record times are wall-clock (UTC) times.
    sources
        For each quantity found, where it came from (``"stance_time"`` or
        ``"developer field 'Ground Time' (ms)"``).
    """

    records: pd.DataFrame
    averages: dict[str, float]
    device: str
    has_clock: bool
    sources: dict[str, str] = field(default_factory=dict)


def _unit_factor(quantity: str, units: str | None, default: str) -> float | None:
    unit = (units or default).strip().lower()
    if quantity == col.CADENCE_SPM:
        if unit in ("spm", "steps/min", "steps per minute"):
            return 1.0
        if unit in ("rpm", "strides/min", "strides per minute"):
            return 2.0
        return None  # decided from the values (see _cadence_factor)
    return _TO_CANONICAL[quantity].get(unit)


def _cadence_factor(values: np.ndarray) -> float:
    """Steps or strides per minute, from the values when the units do not say.

    Runners take 140-220 steps (70-110 strides) a minute, so the median tells.
    """
    finite = values[np.isfinite(values) & (values > 0)]
    return 2.0 if len(finite) and float(np.median(finite)) < 125.0 else 1.0


def _developer_quantity(name: str) -> tuple[str, str] | None:
    for pattern, quantity, default in _DEVELOPER_NAMES:
        if re.fullmatch(pattern, name.strip().lower()):
            return quantity, default
    return None


def _standard(fields: dict[str, Any], prefix: str = "") -> dict[str, float]:
    """Standard FIT fields (already scaled by the decoder) in gaitback's units."""

    def get(name: str) -> float:
        value = fields.get(prefix + name)
        return float(value) if isinstance(value, int | float) else math.nan

    out = {name: math.nan for name in WATCH_COLUMNS if name != col.UNIX_TIME}
    cadence = get("running_cadence") if prefix else get("cadence")
    if math.isnan(cadence) and prefix:
        cadence = get("cadence")
    fraction = get("fractional_cadence")
    if not math.isnan(cadence):
        # FIT running cadence counts strides (one per two steps).
        out[col.CADENCE_SPM] = 2.0 * (cadence + (0.0 if math.isnan(fraction) else fraction))
    out[col.CONTACT] = get("stance_time")
    out[col.CONTACT_BALANCE] = get("stance_time_balance")
    out[col.VERTICAL_OSCILLATION] = get("vertical_oscillation") / 10.0  # mm -> cm
    out[col.VERTICAL_RATIO] = get("vertical_ratio")
    out[col.STEP_LENGTH] = get("step_length") / 1000.0  # mm -> m
    speed = get("enhanced_speed")
    out[col.SPEED] = get("speed") if math.isnan(speed) else speed
    return out


def _message_fields(frame: fitdecode.FitDataMessage) -> tuple[dict[str, Any], dict[str, Any]]:
    standard: dict[str, Any] = {}
    developer: dict[str, Any] = {}
    for f in frame.fields:
        if isinstance(f.field_def, fitdecode.types.DevFieldDefinition):
            developer[f"{f.name}\x00{f.units or ''}"] = f.value
        else:
            standard[f.name] = f.value
    return standard, developer


def _timestamp(value: Any) -> float:
    if isinstance(value, datetime):
        stamp = value if value.tzinfo else value.replace(tzinfo=UTC)
        return stamp.timestamp()
    return math.nan


def read_watch_fit(path: str | os.PathLike[str]) -> WatchRun:
    """Read a watch's FIT activity.

    Raises
    ------
    RecordingError
        When the file is not a readable FIT file or holds no record with any
        running-dynamics quantity.
    """
    path = Path(path)
    rows: list[dict[str, float]] = []
    developer_rows: list[dict[str, Any]] = []
    session: dict[str, Any] = {}
    device = ""
    try:
        with fitdecode.FitReader(str(path), check_crc=fitdecode.CrcCheck.WARN) as reader:
            for frame in reader:
                if not isinstance(frame, fitdecode.FitDataMessage):
                    continue
                standard, developer = _message_fields(frame)
                if frame.name == "record":
                    row = _standard(standard)
                    row[col.UNIX_TIME] = _timestamp(standard.get("timestamp"))
                    rows.append(row)
                    developer_rows.append(developer)
                elif frame.name == "session" and not session:
                    session = standard
                elif frame.name == "file_id" and not device:
                    device = " ".join(
                        str(standard[k]) for k in ("manufacturer", "product_name", "product")
                        if standard.get(k) not in (None, "")
                    )
    except (fitdecode.FitError, OSError, ValueError) as exc:
        raise RecordingError(f"{path}: not a readable FIT file ({exc})") from None
    records = pd.DataFrame(rows, columns=list(WATCH_COLUMNS))
    sources = {
        name: f"standard field {_STANDARD_NAMES[name]}" for name in WATCH_COLUMNS[1:]
        if name in records and records[name].notna().any()
    }
    _fill_from_developer(records, pd.DataFrame(developer_rows), sources)
    if not any(q in sources for q in col.COMPARED):
        raise RecordingError(f"{path}: no running-dynamics fields in its records")
    times = records[col.UNIX_TIME].to_numpy(dtype=float)
    has_clock = bool(np.isfinite(times).any() and np.nanmin(times) >= _MIN_CLOCK)
    averages = _standard(session, prefix="avg_") if session else {}
    if session:
        speed = session.get("enhanced_avg_speed", session.get("avg_speed"))
        averages[col.SPEED] = float(speed) if isinstance(speed, int | float) else math.nan
    return WatchRun(records, averages, device or "unknown device", has_clock, sources)


def _fill_from_developer(
    records: pd.DataFrame, developer: pd.DataFrame, sources: dict[str, str]
) -> None:
    """Quantities the standard fields lack, from developer fields (in place)."""
    for key in developer.columns:
        name, _, units = key.partition("\x00")
        found = _developer_quantity(name)
        if found is None or found[0] in sources:
            continue
        quantity, default = found
        values = pd.to_numeric(developer[key], errors="coerce").to_numpy(dtype=float)
        factor = _unit_factor(quantity, units, default)
        if factor is None and quantity == col.CADENCE_SPM:
            factor = _cadence_factor(values)
        if factor is None:
            continue  # a unit gaitback does not know: better absent than wrong
        records[quantity] = values * factor
        sources[quantity] = f"developer field '{name}' ({units or default or 'no unit'})"
