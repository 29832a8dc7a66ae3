"""Text tables from other apps: decoding, delimiter, numeric cells, one sensor stream.

Every importer reads its files through here, so that a bad cell is reported the
same way everywhere: ``<file> line N: column 'X' is not a number: 'abc'``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from gaitback.errors import RecordingError

#: Encodings tried in order. Windows tools (WitMotion's PC software) may save
#: their headers' degree sign in a legacy code page.
_ENCODINGS = ("utf-8-sig", "gb18030", "latin-1")


def decode(raw: bytes, where: str) -> str:
    """Bytes of a text table as ``str``; refuse empty or binary files."""
    if not raw.strip():
        raise RecordingError(f"{where}: file is empty")
    if b"\x00" in raw[:4096]:
        raise RecordingError(f"{where}: not a text table (binary data); export it as CSV")
    for encoding in _ENCODINGS:
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise RecordingError(f"{where}: not a text table (unknown encoding)")  # pragma: no cover


def split_header(line: str, sep: str) -> list[str]:
    """Fields of one header line (quotes removed, whitespace stripped)."""
    row = next(csv.reader([line], delimiter=sep), [])
    return [field.strip().strip('"').strip() for field in row]


#: How messages name a separator.
SEPARATOR_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}


def sniff_separator(header_line: str) -> str:
    """Tab, semicolon or comma, whichever the header line uses."""
    for sep in ("\t", ";", ","):
        if sep in header_line:
            return sep
    return ","


@dataclass
class Table:
    """A text table: header fields and body cells as strings.

    ``first_line`` is the 1-based file line of the first body row, so that
    messages point at the line a user sees in an editor.
    """

    where: str
    header: list[str]
    body: pd.DataFrame
    first_line: int
    decimal_comma: bool = False
    sep: str = ","

    def find(self, pattern: str | re.Pattern[str]) -> list[int]:
        """Indices of header fields matching ``pattern`` (case-insensitive, full match)."""
        rx = re.compile(pattern, re.IGNORECASE) if isinstance(pattern, str) else pattern
        return [i for i, name in enumerate(self.header) if rx.fullmatch(name)]

    def cells(self, index: int) -> pd.Series:
        """Column ``index`` as stripped text (blank cells as ``""``)."""
        return self.body.iloc[:, index].fillna("").astype(str).str.strip()

    def numbers(self, index: int, rows: np.ndarray | None = None) -> np.ndarray:
        """Column ``index`` as float64; a blank or non-numeric cell is a one-line error."""
        column = self.body.iloc[:, index]
        if rows is not None:
            column = column[rows]
        values = None
        if pd.api.types.is_numeric_dtype(column.dtype):
            values = column.to_numpy(dtype=float)
        else:
            try:
                # float() accepts surrounding whitespace and refuses anything
                # else, so only a file with a bad cell takes the slow path.
                text = column.to_numpy(dtype=object)
                if self.decimal_comma:
                    text = np.char.replace(text.astype(str), ",", ".")
                values = np.asarray(text, dtype=np.float64)
            except (ValueError, TypeError):
                cells = column.fillna("").astype(str).str.strip()
                if self.decimal_comma:
                    cells = cells.str.replace(",", ".", regex=False)
                values = pd.to_numeric(cells, errors="coerce").to_numpy(dtype=float)
        bad = np.flatnonzero(~np.isfinite(values))
        if len(bad):
            row = int(bad[0])
            line = self.line_of(column.index[row])
            raw = column.iloc[row]
            blank = raw is None or (isinstance(raw, float) and np.isnan(raw)) or (
                isinstance(raw, str) and not raw.strip()
            )
            what = "is empty" if blank else f"is not a number: {str(raw).strip()!r}"
            raise RecordingError(f"{self.where} line {line}: column '{self.header[index]}' {what}")
        return values

    def blank_rows(self, indices: Sequence[int]) -> np.ndarray:
        """Rows where every one of ``indices`` is blank (padding of a shorter column)."""
        blank = np.ones(len(self.body), dtype=bool)
        for i in indices:
            blank &= self.body.iloc[:, i].isna().to_numpy()
        return blank

    def line_of(self, row: int) -> int:
        return int(row) + self.first_line


def read_table(
    text: str,
    where: str,
    header_line: int = 0,
    sep: str | None = None,
    decimal_comma: bool | None = None,
) -> Table:
    """Parse ``text`` whose header is on line ``header_line`` (0-based).

    Parameters
    ----------
    sep
        Field separator; sniffed from the header line when ``None``.
    decimal_comma
        Whether numbers use a decimal comma; guessed when ``None`` (only
        possible when the separator is not a comma).
    """
    lines = text.splitlines()
    if header_line >= len(lines):
        raise RecordingError(f"{where}: no header line found")
    head = lines[header_line]
    sep = sep or sniff_separator(head)
    header = split_header(head, sep)
    body_text = "\n".join(lines[header_line + 1 :])
    if not body_text.strip():
        raise RecordingError(f"{where}: has a header but no samples")
    try:
        body = pd.read_csv(
            io.StringIO(body_text),
            sep=sep,
            header=None,
            # Numbers parse in C; only blank cells are missing values, so that
            # "NaN" or "null" typed into a sensor column is reported, not lost.
            keep_default_na=False,
            na_values=[""],
            low_memory=False,
            skip_blank_lines=False,
            names=range(len(header)),
            index_col=False,
            engine="python" if len(sep) > 1 else "c",
        )
    except (ValueError, pd.errors.ParserError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", first)
        if m:
            # pandas counts body lines; users count file lines.
            line = int(m.group(2)) + header_line + 1
            raise RecordingError(
                f"{where} line {line}: {m.group(3)} fields, but the header has {m.group(1)}"
            ) from None
        raise RecordingError(f"{where}: malformed table ({first})") from None
    # Trailing blank lines are not samples.
    nonblank = body.notna().any(axis=1).to_numpy()
    if not nonblank.any():
        raise RecordingError(f"{where}: has a header but no samples")
    body = body.iloc[: int(np.flatnonzero(nonblank)[-1]) + 1]
    if decimal_comma is None:
        decimal_comma = sep != "," and bool(body.head(50).apply(
            lambda s: s.astype(str).str.fullmatch(r"-?\d+,\d+([eE][-+]?\d+)?").any()
        ).any())
    return Table(
        where, header, body, first_line=header_line + 2, decimal_comma=decimal_comma, sep=sep
    )


@dataclass
class Stream:
    """One sensor's samples on its own clock.

    ``time_s`` strictly increases; ``values`` is ``(n, 3)`` in the unit the
    importer converted to (m/s^2 for acceleration, deg/s for rotation rate).
    """

    where: str
    time_s: np.ndarray
    values: np.ndarray
    notes: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.time_s)

    @property
    def period_s(self) -> float:
        return float(np.median(np.diff(self.time_s))) if len(self.time_s) > 1 else float("nan")


def make_stream(where: str, time_s: np.ndarray, values: np.ndarray) -> Stream:
    """Order samples by time and drop repeated timestamps (kept: the first).

    Phone apps occasionally write a sample twice or slightly out of order
    (buffered sensor events); neither is lost motion, so this is repaired and
    counted, not refused.
    """
    time_s = np.asarray(time_s, dtype=float)
    values = np.asarray(values, dtype=float).reshape(len(time_s), 3)
    if len(time_s) < 2:
        raise RecordingError(f"{where}: fewer than 2 samples")
    notes = []
    if np.any(np.diff(time_s) < 0):
        order = np.argsort(time_s, kind="stable")
        time_s, values = time_s[order], values[order]
        notes.append(f"{where}: samples re-ordered by time")
    dup = np.flatnonzero(np.diff(time_s) == 0) + 1
    if len(dup):
        keep = np.ones(len(time_s), dtype=bool)
        keep[dup] = False
        time_s, values = time_s[keep], values[keep]
        notes.append(f"{where}: {len(dup)} repeated timestamp(s) dropped")
    if len(time_s) < 2:
        raise RecordingError(f"{where}: fewer than 2 distinct sample times")
    return Stream(where, time_s, values, notes)
