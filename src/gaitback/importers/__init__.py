"""Recordings from other apps and devices -> :class:`~gaitback.recording.Recording`.

One door: :func:`recording_load` takes a canonical CSV, a phyphox export, a
Sensor Logger export, a MbientLab MetaBase CSV pair or a WitMotion PC log (a
file, a folder or a zip) and returns a validated recording. Format facts and
sources are in ``docs/importing.md``.

Names: ``recording_load`` loads *any* supported format (``thing_verb``, as
``thresholds_load``); :func:`gaitback.recording.read_recording` reads *our own*
format only and pairs with ``write_recording`` (``recording_load`` calls it for a
canonical CSV). ``load_recording`` is the deprecated former name.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from gaitback.errors import RecordingError
from gaitback.importers import canonical, logger, metabase, phyphox, sensorlogger, witmotion
from gaitback.importers.common import PHONE_AXES, Imported
from gaitback.importers.sources import Source
from gaitback.importers.tables import read_table, sniff_separator, split_header
from gaitback.recording import Recording, RecordingMeta, recording_from_frame, validate_axes
from gaitback.version import __version__

#: Format names accepted by ``--format``, with the aliases users type.
FORMATS = ("canonical", "phyphox", "sensorlogger", "metabase", "witmotion", "logger")
_ALIASES = {
    "gaitback": "canonical",
    "csv": "canonical",
    "sensor-logger": "sensorlogger",
    "sensor_logger": "sensorlogger",
    "mbientlab": "metabase",
    "metawear": "metabase",
    "wit": "witmotion",
    "columns": "logger",
}
#: The first bytes of a FIT file's header hold ".FIT" at offset 8.
_FIT_SIGNATURE = b".FIT"
_LOGGER_ACC = {"g": "g", "mps2": "m/s2"}
_LOADERS = {
    "phyphox": phyphox.load,
    "sensorlogger": sensorlogger.load,
    "metabase": metabase.load,
    "witmotion": witmotion.load,
}

__all__ = [
    "FORMATS",
    "PHONE_AXES",
    "detect_format",
    "is_fit_file",
    "parse_axes",
    "recording_load",
]


def is_fit_file(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a FIT file (by its header, whatever its name)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(12)
    except OSError:
        return False
    return len(head) >= 12 and head[8:12] == _FIT_SIGNATURE


def _refuse_fit(path: Path) -> None:
    if path.is_file() and is_fit_file(path):
        raise RecordingError(
            f"{path}: is a FIT activity file, which holds a watch's per-second summaries and "
            "no raw IMU data, so it cannot be analysed; compare it with a recording "
            f"(gaitback analyze RUN.csv --compare {path.name}) or read its running dynamics "
            f"(gaitback convert {path.name} --out dynamics.csv)"
        )


def _unrecognised(source: Source) -> RecordingError:
    """The separator and columns found, and a ``--columns`` line to try."""
    head = source.head(source.members[0])
    if not head.strip():
        return RecordingError(
            f"{source.path}: unrecognised recording format (binary data); "
            f"use --format with one of {', '.join(FORMATS)}"
        )
    try:
        table = read_table(head.rsplit("\n", 1)[0] if "\n" in head else head, str(source.path))
    except RecordingError:
        first = head.splitlines()[0][:80]
        return RecordingError(
            f"{source.path}: unrecognised recording format (first line: {first!r}); "
            f"use --format with one of {', '.join(FORMATS)}"
        )
    return RecordingError(
        logger.unreadable_message(str(source.path), table, "unrecognised recording format")
        + f"; or force an app's format with --format ({', '.join(FORMATS[:-1])})"
    )


def normalise_format(fmt: str) -> str:
    """A format name or alias -> one of :data:`FORMATS`."""
    key = fmt.strip().lower()
    key = _ALIASES.get(key, key)
    if key not in FORMATS:
        raise RecordingError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    return key


def _classify(source: Source, member: str) -> str | None:
    head = source.head(member)
    if not head.strip():
        return None
    line = head.splitlines()[0]
    header = split_header(line, sniff_separator(line))
    if canonical.looks_like(header):
        return "canonical"
    if sensorlogger.looks_like(header):
        return "sensorlogger"
    if phyphox.looks_like(header):
        return "phyphox"
    comma_header = split_header(line, ",")
    if metabase.looks_like(comma_header):
        return "metabase"
    if witmotion.looks_like(head):
        return "witmotion"
    return None


def detect_format(path: str | os.PathLike[str]) -> str:
    """Which of :data:`FORMATS` ``path`` (file, folder or zip) holds, from its contents.

    Raises
    ------
    RecordingError
        Naming the path and what was looked for, when nothing matches.
    """
    _refuse_fit(Path(path))
    source = Source.open(path)
    if source.kind == "file":
        suffix = source.path.suffix.lower()
        if suffix in (".xls", ".xlsx", ".ods"):
            raise RecordingError(
                f"{source.path}: spreadsheet files are not read; export CSV from the app instead"
            )
        if not source.read_bytes(source.members[0], 4096).strip():
            raise RecordingError(f"{source.path}: file is empty")
        found = _classify(source, source.members[0])
        if found is None:
            head = source.head(source.members[0])
            # A gaitback CSV with a mistyped column: the canonical reader says which.
            if head.lstrip("\ufeff").split(",", 1)[0].strip() == "time_s":
                return "canonical"
            raise _unrecognised(source)
        return found
    kinds = {k for k in (_classify(source, m) for m in source.tables()) if k}
    # A folder of a Sensor Logger export can also hold files phyphox-like
    # names; Sensor Logger's own columns decide.
    for kind in ("sensorlogger", "phyphox", "metabase", "witmotion"):
        if kind in kinds:
            return kind
    if "canonical" in kinds:
        raise RecordingError(
            f"{source.path}: holds canonical recordings; pass the CSV file itself, not the "
            f"{'folder' if source.kind == 'dir' else 'zip'}"
        )
    listing = ", ".join(source.members[:6]) or "no files"
    raise RecordingError(
        f"{source.path}: no recognised recording inside (found {listing}); expected a phyphox, "
        "Sensor Logger, MetaBase or WitMotion export"
    )


def parse_axes(text: str | Mapping[str, str]) -> dict[str, str]:
    """``"x=up,y=left,z=backward"`` (or a mapping) -> a validated axes mapping."""
    if isinstance(text, Mapping):
        return validate_axes(dict(text), "--axes")
    axes: dict[str, str] = {}
    for part in str(text).split(","):
        key, sep, value = part.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise RecordingError(
                f"--axes: cannot read {part.strip()!r}; write e.g. x=up,y=left,z=backward"
            )
        axes[key.strip().lower()] = value.strip().lower()
    return validate_axes(axes, "--axes")


def _to_recording(result: Imported, source: Path) -> Recording:
    from gaitback.recording import estimate_sample_rate_hz

    time_s = result.frame["time_s"].to_numpy(dtype=float)
    rate = estimate_sample_rate_hz(time_s)
    notes = [f"imported from {result.fmt} export {source.name} by gaitback {__version__}"]
    notes += result.notes
    if result.axes == PHONE_AXES:
        notes.append("axes assume the phone placement of docs/phone-recording.md")
    meta = RecordingMeta(
        sample_rate_hz=round(rate, 3) if rate == rate else None,
        axes=result.axes,
        device=result.device,
        started_at=result.started_at,
        notes="; ".join(notes),
        extra={"imported_from": str(source), "import_format": result.fmt, **result.extra},
    )
    return recording_from_frame(result.frame, meta, source=str(source))


def recording_load(
    path: str | os.PathLike[str],
    fmt: str | None = None,
    axes: str | Mapping[str, str] | None = None,
    acc_unit: str | None = None,
    columns: str | Mapping[str, str] | None = None,
    time_unit: str | None = None,
    gyro_unit: str | None = None,
) -> Recording:
    """Read any supported recording as a validated :class:`Recording`.

    Parameters
    ----------
    path
        A canonical CSV, or an app's export: one file, a folder or a zip.
    fmt
        Force a format (one of :data:`FORMATS` or an alias); detected when ``None``.
    axes
        Sensor-axis directions, ``"x=up,y=left,z=backward"`` or a mapping;
        replaces what the file or the documented placement says.
    acc_unit
        ``"g"`` or ``"mps2"``: the acceleration unit, when the file's own label
        is wrong or missing (a canonical CSV holding g); ``"m/s2"`` is ``"mps2"``.
    columns
        A logger CSV's column mapping, ``"time=timestamp,acc_x=accX,..."``
        (see :mod:`gaitback.importers.logger`); implies the ``logger`` format.
    time_unit, gyro_unit
        Units of a logger CSV's time (``s``, ``ms``, ``us``, ``ns``) and rotation
        rate (``deg/s``, ``rad/s``); inferred from the data when ``None``.

    Raises
    ------
    RecordingError
        One line naming the file and the problem.
    """
    path = Path(path)
    _refuse_fit(path)
    if columns is not None:
        kind = "logger"
    elif time_unit is not None or gyro_unit is not None:
        raise RecordingError("--time-unit and --gyro-unit go with --columns (a logger's CSV)")
    else:
        kind = normalise_format(fmt) if fmt else detect_format(path)
    override = parse_axes(axes) if axes is not None else None
    if acc_unit == "m/s2":
        acc_unit = "mps2"
    if acc_unit is not None and acc_unit not in ("g", "mps2"):
        raise RecordingError(f"unknown acceleration unit {acc_unit!r}; use g or m/s2")
    # A corrupt cell (say 1e300) overflows the means the loaders take: infinite
    # is the right value there, and the plausibility check reports it in words.
    with np.errstate(over="ignore", invalid="ignore"):
        if kind == "logger":
            if columns is None:
                raise RecordingError(
                    f"{path}: the logger format needs --columns, e.g. "
                    "time=timestamp,acc_x=accX,acc_y=accY,acc_z=accZ"
                )
            mapping = logger.parse_columns(columns)
            imported = logger.load(
                Source.open(path), mapping, time_unit, _LOGGER_ACC.get(acc_unit), gyro_unit
            )
            recording = _to_recording(imported, path)
        elif kind == "canonical":
            if Source.open(path).kind != "file":
                raise RecordingError(f"{path}: a canonical recording is a CSV file, not a folder")
            recording = canonical.load(path, acc_unit)
        else:
            recording = _to_recording(_LOADERS[kind](Source.open(path), acc_unit), path)
    if override is not None:
        recording.meta.axes = override
    return recording


def load_recording(*args: Any, **kwargs: Any) -> Recording:
    """Deprecated: the former name of :func:`recording_load`."""
    warnings.warn(
        "gaitback.importers.load_recording is deprecated; use recording_load",
        DeprecationWarning,
        stacklevel=2,
    )
    return recording_load(*args, **kwargs)
