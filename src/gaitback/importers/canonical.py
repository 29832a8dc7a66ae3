"""The canonical format, and the one repair gaitback offers for it: acceleration in g."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd

from gaitback import columns as col
from gaitback.errors import RecordingError
from gaitback.importers.tables import decode
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
    if acc_unit in (None, "mps2"):
        return read_recording(path)
    if acc_unit != "g":
        raise RecordingError(f"unknown acceleration unit {acc_unit!r}; use g or mps2")
    where = str(path)
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
