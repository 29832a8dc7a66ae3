"""The canonical recording format: one reader, one writer.

A recording is a CSV file with header
``time_s,acc_x_mps2,acc_y_mps2,acc_z_mps2[,gyr_x_dps,gyr_y_dps,gyr_z_dps][,extra...]``
and an optional JSON sidecar ``<stem>.json``. The format is specified in
``docs/recording-format.md``; this module is the only code that parses or
formats it.
"""

from __future__ import annotations

import difflib
import io
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gaitback import schema as col
from gaitback.errors import RecordingError
from gaitback.recording_layout import columns_array, sensor_blocks
from gaitback.recording_meta import RecordingMeta, _short
from gaitback.recording_meta import axes_matrix as axes_matrix
from gaitback.recording_meta import validate_axes as validate_axes

#: Decimal places written per column kind. Far below any real sensor's
#: resolution (16-bit at +-16 g is 4.8e-3 m/s^2, at +-2000 dps 6.1e-2 dps).
TIME_DECIMALS = 6
ACC_DECIMALS = 5
GYR_DECIMALS = 4

#: A time step longer than this many nominal sample periods is a gap.
GAP_FACTOR = 1.5

#: Longest gap inside one recording (s): a day. Longer is a corrupt time cell
#: or two sessions in one file, and is refused.
MAX_GAP_S = 86400.0

@dataclass
class Recording:
    """Samples of one session plus their sidecar.

    ``data`` holds ``time_s``, the three ``acc_*_mps2`` columns, optionally the
    three ``gyr_*_dps`` columns, and any extra columns, as float64 (extras as
    read). Rows are in strictly increasing time; lost samples are absent rows.
    """

    data: pd.DataFrame
    meta: RecordingMeta = field(default_factory=RecordingMeta)
    source: str = "<data>"

    @property
    def time_s(self) -> np.ndarray:
        return self.data[col.TIME].to_numpy(dtype=float)

    @property
    def acc_mps2(self) -> np.ndarray:
        """``(n, 3)`` acceleration; read-only (a view of the data when the reader laid
        them out in one block, else a copy)."""
        return columns_array(self.data, col.ACC)

    @property
    def has_gyro(self) -> bool:
        return all(c in self.data.columns for c in col.GYR)

    @property
    def gyr_dps(self) -> np.ndarray | None:
        """``(n, 3)`` angular rate or ``None``; read-only, as :attr:`acc_mps2`."""
        return columns_array(self.data, col.GYR) if self.has_gyro else None

    @property
    def n_samples(self) -> int:
        return len(self.data)

    @property
    def duration_s(self) -> float:
        t = self.time_s
        return float(t[-1] - t[0]) if len(t) > 1 else 0.0

    @property
    def sample_rate_hz(self) -> float:
        """The sidecar's rate, else the rate implied by the median time step."""
        if self.meta.sample_rate_hz:
            return float(self.meta.sample_rate_hz)
        return estimate_sample_rate_hz(self.time_s)

    @property
    def gaps(self) -> pd.DataFrame:
        """Missing-sample gaps: ``start_s``, ``end_s``, ``missing_samples``."""
        return find_gaps(self.time_s, self.sample_rate_hz)

    @property
    def lost_samples(self) -> int:
        return int(self.gaps["missing_samples"].sum())


def estimate_sample_rate_hz(time_s: np.ndarray) -> float:
    """Sample rate from the median time step (robust to gaps and jitter)."""
    if len(time_s) < 2:
        return float("nan")
    return float(1.0 / np.median(np.diff(time_s)))


def find_gaps(time_s: np.ndarray, sample_rate_hz: float) -> pd.DataFrame:
    """Spans where samples are missing (a step longer than ``GAP_FACTOR`` periods)."""
    if len(time_s) < 2 or not np.isfinite(sample_rate_hz):
        return pd.DataFrame({"start_s": [], "end_s": [], "missing_samples": []})
    dt = np.diff(time_s)
    period = 1.0 / sample_rate_hz
    idx = np.flatnonzero(dt > GAP_FACTOR * period)
    missing = np.rint(dt[idx] / period).astype(np.int64) - 1
    return pd.DataFrame(
        {"start_s": time_s[idx], "end_s": time_s[idx + 1], "missing_samples": missing}
    )


# ----------------------------------------------------------------------------- reading


def sidecar_path(csv_path: str | os.PathLike[str]) -> Path:
    """``run.csv`` -> ``run.json``."""
    return Path(csv_path).with_suffix(".json")


def read_sidecar(csv_path: str | os.PathLike[str]) -> RecordingMeta:
    """The sidecar next to ``csv_path``, or an empty one when there is none."""
    path = sidecar_path(csv_path)
    if not path.exists():
        return RecordingMeta()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise RecordingError(f"{path}: invalid JSON ({exc.msg} at line {exc.lineno})") from None
    except RecursionError:
        raise RecordingError(f"{path}: JSON nested too deeply to be a sidecar") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RecordingError(f"{path}: cannot read sidecar ({exc})") from None
    return RecordingMeta.from_dict(raw, where=str(path))


def read_recording(path: str | os.PathLike[str], meta: RecordingMeta | None = None) -> Recording:
    """Read and validate a canonical recording (CSV plus optional sidecar).

    Parameters
    ----------
    path
        The CSV file.
    meta
        Use this instead of the sidecar file.

    Raises
    ------
    RecordingError
        With a one-line message naming the file and the problem.
    """
    path = Path(path)
    where = str(path)
    try:
        with open(path, "rb") as fh:
            head = fh.read(65536)
    except IsADirectoryError:
        raise RecordingError(f"{where}: is a directory, not a recording") from None
    except OSError as exc:
        raise RecordingError(f"{where}: cannot read ({exc.strerror or exc})") from None
    if not head.strip():
        raise RecordingError(f"{where}: file is empty")
    try:
        header_line = head.split(b"\n", 1)[0].decode("utf-8-sig").strip("\r")
    except UnicodeDecodeError:
        raise RecordingError(f"{where}: not a text CSV file (not UTF-8)") from None
    header = [h.strip() for h in header_line.split(",")]
    _check_header(header, where)
    if len(set(header)) != len(header):
        dup = sorted({h for h in header if header.count(h) > 1})
        raise RecordingError(f"{where}: duplicate column(s) {', '.join(dup)}")
    numeric = [c for c in header if c in col.CANONICAL]
    # The parser reads numbers with leading blanks by itself; skipping blanks
    # before every field costs ~15 % of the read, so only a header written with
    # them (whose names must match) asks for it.
    spaced = any(field[:1] in (" ", "\t") for field in header_line.split(",")[1:])
    # The parser reads the file itself (no copy of its text); only a file that
    # fails is read again, to name the offending cell.
    try:
        frame = pd.read_csv(
            path,
            dtype={c: np.float64 for c in numeric},
            skipinitialspace=spaced,
            engine="c",
            encoding="utf-8-sig",
        )
    except UnicodeDecodeError:
        raise RecordingError(f"{where}: not a text CSV file (not UTF-8)") from None
    except (ValueError, pd.errors.ParserError):
        frame = _locate_bad_cell(_read_text(path, where), numeric, where)
    frame.columns = [str(c).strip() for c in frame.columns]
    frame = sensor_blocks(frame)
    if meta is None:
        meta = read_sidecar(path)
    return recording_from_frame(frame, meta, source=where)


def _read_text(path: Path, where: str) -> str:
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RecordingError(f"{where}: not a text CSV file (not UTF-8)") from None


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _check_header(header: list[str], where: str) -> None:
    missing = [c for c in col.REQUIRED if c not in header]
    gyro_present = [c for c in col.GYR if c in header]
    if gyro_present and len(gyro_present) != 3:
        missing += [c for c in col.GYR if c not in header]
    if not missing:
        return
    hints = []
    for name in missing:
        close = difflib.get_close_matches(name, [h for h in header if h not in col.CANONICAL], 1)
        if close:
            hints.append(f"'{close[0]}' should be '{name}'")
    hint = f" ({'; '.join(hints)})" if hints else ""
    raise RecordingError(
        f"{where}: missing column(s) {', '.join(missing)}{hint}; expected header "
        f"{','.join(col.CANONICAL)} (gyro columns optional), see docs/recording-format.md"
    )


def _locate_bad_cell(text: str, numeric: list[str], where: str) -> pd.DataFrame:
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, engine="c")
    except (ValueError, pd.errors.ParserError) as exc:
        raise RecordingError(f"{where}: malformed CSV ({_first_line(exc)})") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    for name in numeric:
        cells = frame[name].str.strip()
        values = pd.to_numeric(cells, errors="coerce")
        bad = np.flatnonzero(values.isna().to_numpy() & (cells != "").to_numpy())
        if len(bad):
            row = int(bad[0])
            raise RecordingError(
                f"{where} line {row + 2}: {name} is not a number: {frame[name].iloc[row]!r}"
            )
    raise RecordingError(f"{where}: malformed CSV (a numeric column could not be parsed)")


def recording_from_frame(
    frame: pd.DataFrame, meta: RecordingMeta | None = None, source: str = "<DataFrame>"
) -> Recording:
    """Validate a data frame in the canonical layout and wrap it as a :class:`Recording`.

    Checks column names, numeric values, strictly increasing time, and units
    (acceleration in g, or with gravity removed, is refused with the fix).
    ``line N`` in messages counts the CSV header as line 1.
    """
    where = source
    header = [str(c) for c in frame.columns]
    _check_header(header, where)
    if len(frame) == 0:
        raise RecordingError(f"{where}: has a header but no samples")
    numeric = [c for c in col.CANONICAL if c in header]
    data = frame.copy(deep=False)
    for name in numeric:
        column = data[name]
        if column.dtype == np.float64:
            values = column.to_numpy()
        else:
            values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float)
            data[name] = values
        # A sum is finite when every value is (or, rarely, overflows): one cheap
        # pass in the usual case, the search only when something is off.
        bad = np.flatnonzero(~np.isfinite(values)) if not np.isfinite(values.sum()) else ()
        if len(bad):
            row = int(bad[0])
            raw = frame[name].iloc[row]
            what = "is empty" if _is_blank(raw) else f"is not a finite number: {_short(raw)}"
            raise RecordingError(f"{where} line {row + 2}: {name} {what}")
    t = data[col.TIME].to_numpy()
    step = np.diff(t)
    bad = np.flatnonzero(step <= 0) if len(step) and step.min() <= 0 else ()
    if len(bad):
        row = int(bad[0]) + 1
        raise RecordingError(
            f"{where} line {row + 2}: time_s goes from {t[row - 1]:.6g} to {t[row]:.6g}; "
            "time must strictly increase"
        )
    jump = np.flatnonzero(step > MAX_GAP_S) if len(step) and step.max() > MAX_GAP_S else ()
    if len(jump):
        row = int(jump[0]) + 1
        raise RecordingError(
            f"{where} line {row + 2}: time_s jumps by {step[row - 1]:.6g} s (from "
            f"{t[row - 1]:.6g} to {t[row]:.6g}); a gap longer than a day is not one "
            "recording (a corrupt time cell, or two sessions in one file)"
        )
    _check_units(columns_array(data, col.ACC), t, where)
    data = data.reset_index(drop=True)
    return Recording(data=data, meta=meta or RecordingMeta(), source=source)


def _is_blank(value: Any) -> bool:
    return (
        value is None
        or (isinstance(value, float) and math.isnan(value))
        or (isinstance(value, str) and not value.strip())
    )


def _check_units(acc: np.ndarray, t: np.ndarray, where: str) -> None:
    """Refuse acceleration in g or with gravity removed.

    Over a few seconds the mean specific force of a body that goes nowhere is
    gravity, 9.81 m/s^2 upward, whatever the gait. So the magnitude of windowed
    means is ~9.8 in m/s^2, ~1 in g and ~0 without gravity.
    """
    # Samples per ~2 s from the median step, so that a gap cannot shrink the window
    # (the median of every k-th step, at most ~65,000 of them: a window needs no more).
    window = 1
    if len(t) > 1:
        every = max(1, len(t) // 65536)
        steps = t[every::every] - t[every - 1 : -1 : every]
        window = max(1, int(round(2.0 / max(float(np.median(steps)), 1e-9))))
    n = (len(acc) // window) * window
    # A corrupt cell (say 1e300) overflows its window: infinite, set aside by the median.
    with np.errstate(over="ignore", invalid="ignore"):
        means = acc[:n].reshape(-1, window, 3).mean(axis=1) if n else acc.mean(axis=0)[None]
        level = float(np.median(np.linalg.norm(means, axis=1)))
    if 0.5 <= level <= 2.0:
        raise RecordingError(
            f"{where}: the mean acceleration is {level:.2f}, about 1, so the values look like g, "
            "not m/s^2; multiply the acc columns by 9.80665 "
            "(gaitback convert --acc-unit g does it)"
        )
    if level < 0.5:
        raise RecordingError(
            f"{where}: the mean acceleration is {level:.2f}, about 0, so gravity looks removed "
            "(linear acceleration); gaitback needs the accelerometer's raw specific force "
            "including gravity"
        )
    if level > 30:
        raise RecordingError(
            f"{where}: the mean acceleration is {level:.1f}, far from 9.8 m/s^2; "
            "check the acc columns' unit (expected m/s^2 including gravity)"
        )


# ----------------------------------------------------------------------------- writing


class RecordingWriter:
    """Write a recording incrementally: header first, rows in blocks, sidecar beside.

    Every :meth:`write` ends on a complete row, so a reader sees a valid file
    up to its last complete row even if the process is killed mid-run.

    Parameters
    ----------
    path
        CSV path; the sidecar goes to ``<stem>.json``.
    meta
        Sidecar content; rewritten atomically by :meth:`update_meta` and on close.
    has_gyro
        Whether the gyro columns are written.
    extra_columns
        Further numeric columns after the canonical ones.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        meta: RecordingMeta | None = None,
        has_gyro: bool = True,
        extra_columns: tuple[str, ...] = (),
    ) -> None:
        self.path = Path(path)
        self.meta = meta or RecordingMeta()
        self.columns = [*col.REQUIRED, *(col.GYR if has_gyro else ()), *extra_columns]
        decimals = [TIME_DECIMALS, *[ACC_DECIMALS] * 3]
        decimals += [GYR_DECIMALS] * 3 if has_gyro else []
        self._decimals = decimals
        self._fmt = ",".join([f"%.{d}f" for d in decimals] + ["%.10g"] * len(extra_columns))
        self.rows_written = 0
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = open(self.path, "w", encoding="utf-8", newline="\n")
        self._fh.write(",".join(self.columns) + "\n")
        self._fh.flush()
        self._write_sidecar()

    def write(self, block: np.ndarray | pd.DataFrame) -> None:
        """Append rows (an array ``(n, len(columns))`` or a frame with those columns)."""
        if isinstance(block, pd.DataFrame):
            block = block[self.columns].to_numpy(dtype=float)
        block = np.asarray(block, dtype=float)
        if block.ndim != 2 or block.shape[1] != len(self.columns):
            raise ValueError(f"expected rows of {len(self.columns)} values, got {block.shape}")
        if len(block) == 0:
            return
        # Round before formatting so that -0.0 never appears and rows are stable.
        rounded = block.copy()
        for j, d in enumerate(self._decimals):
            rounded[:, j] = np.round(rounded[:, j], d) + 0.0
        lines = "\n".join([self._fmt % tuple(row) for row in rounded.tolist()])
        self._fh.write(lines + "\n")
        self.rows_written += len(block)

    def flush(self) -> None:
        """Push written rows to the OS (survives a killed process)."""
        self._fh.flush()

    def update_meta(self, **extra: Any) -> None:
        """Record sidecar extras (e.g. ``lost_samples``) and rewrite the sidecar."""
        self.meta.extra.update(extra)
        self._write_sidecar()

    def _write_sidecar(self) -> None:
        target = sidecar_path(self.path)
        tmp = target.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(self.meta.to_dict(), indent=2) + "\n", encoding="utf-8")
        os.replace(tmp, target)

    def close(self) -> None:
        if not self._fh.closed:
            self._fh.flush()
            self._fh.close()
            self._write_sidecar()

    def __enter__(self) -> RecordingWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def write_recording(recording: Recording, path: str | os.PathLike[str]) -> Path:
    """Write ``recording`` as ``path`` (CSV) plus its sidecar; return the CSV path."""
    extras = tuple(c for c in recording.data.columns if c not in col.CANONICAL)
    extras = tuple(c for c in extras if pd.api.types.is_numeric_dtype(recording.data[c]))
    with RecordingWriter(path, recording.meta, recording.has_gyro, extras) as writer:
        writer.write(recording.data[writer.columns].to_numpy(dtype=float))
    return Path(path)
