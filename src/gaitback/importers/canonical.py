"""The canonical format, and the one repair gaitback offers for it: acceleration in g."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd

from gaitback import columns as col
from gaitback.errors import RecordingError
from gaitback.importers.tables import SEPARATOR_NAMES, decode, read_table, sniff_separator
from gaitback.recording import Recording, read_recording, read_sidecar, recording_from_frame

FORMAT = "canonical"


def looks_like(header: list[str]) -> bool:
    return col.TIME in header and col.ACC[0] in header


def load(path: Path, acc_unit: str | None = None) -> Recording:
    """Read a canonical recording; with ``acc_unit="g"`` scale its acc columns to m/s^2.

    The repair path reads the CSV with pandas itself (the canonical reader
    refuses g on purpose), scales, then validates through
    :func:`gaitback.recording.recording_from_frame` like any recording.
    """
    if acc_unit not in (None, "mps2", "g"):
        raise RecordingError(f"unknown acceleration unit {acc_unit!r}; use g or mps2")
    where = str(path)
    spreadsheet = _spreadsheet_export(path, where, acc_unit)
    if spreadsheet is not None:
        return spreadsheet
    if acc_unit in (None, "mps2"):
        return read_recording(path)
    try:
        text = decode(path.read_bytes(), where)
    except OSError as exc:
        raise RecordingError(f"{where}: cannot read ({exc.strerror or exc})") from None
    try:
        frame = pd.read_csv(io.StringIO(text), skipinitialspace=True, keep_default_na=False)
    except (ValueError, pd.errors.ParserError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise RecordingError(f"{where}: malformed CSV ({first})") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    for name in col.ACC:
        if name not in frame.columns:
            continue  # reported by the validation below
        values = pd.to_numeric(frame[name], errors="coerce")
        bad = np.flatnonzero(values.isna().to_numpy())
        if len(bad):
            raw = frame[name].iloc[int(bad[0])]
            what = "is empty" if pd.isna(raw) or not str(raw).strip() else (
                f"is not a number: {raw!r}"
            )
            raise RecordingError(f"{where} line {int(bad[0]) + 2}: {name} {what}")
        frame[name] = values * col.STANDARD_GRAVITY_MPS2
    meta = read_sidecar(path)
    note = "acceleration converted from g to m/s^2 (x 9.80665)"
    meta.notes = f"{meta.notes}; {note}" if meta.notes else note
    return recording_from_frame(frame, meta, source=where)


def _spreadsheet_export(path: Path, where: str, acc_unit: str | None) -> Recording | None:
    """A canonical table saved with ';' or tab separators (and maybe decimal commas).

    Spreadsheets in many European locales save CSV that way. ``None`` when the
    file uses commas, which the canonical reader handles itself.
    """
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except OSError as exc:
        raise RecordingError(f"{where}: cannot read ({exc.strerror or exc})") from None
    first = head.decode("utf-8-sig", errors="replace").splitlines()[0] if head.strip() else ""
    sep = sniff_separator(first)
    if sep == ",":
        return None
    table = read_table(decode(path.read_bytes(), where), where, sep=sep)
    names = [c for c in col.CANONICAL if c in table.header]
    frame = pd.DataFrame({c: table.numbers(table.header.index(c)) for c in names})
    notes = [f"read with {SEPARATOR_NAMES[sep]} separators"
             + (" and decimal commas" if table.decimal_comma else "")]
    if acc_unit == "g":
        frame[list(c for c in col.ACC if c in frame)] *= col.STANDARD_GRAVITY_MPS2
        notes.append("acceleration converted from g to m/s^2 (x 9.80665)")
    meta = read_sidecar(path)
    note = "; ".join(notes)
    meta.notes = f"{meta.notes}; {note}" if meta.notes else note
    return recording_from_frame(frame, meta, source=where)
