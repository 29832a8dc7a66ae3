"""Which recordings a batch covers: folders, globs and text files listing paths."""

from __future__ import annotations

import glob
import os
from collections.abc import Iterable
from pathlib import Path

from gaitback.errors import GaitbackError

#: File suffixes taken as recordings when walking a folder (canonical and app exports).
RECORDING_SUFFIXES = (".csv", ".tsv", ".txt", ".zip")
#: Suffixes of a text file that lists recordings, one path a line.
LIST_SUFFIXES = (".lst", ".list")
#: Names that make a folder one app export (phyphox, Sensor Logger) rather than a
#: folder of recordings.
_EXPORT_FILES = ("metadata.csv", "accelerometer.csv", "totalacceleration.csv")


def _is_export_dir(folder: Path) -> bool:
    """Whether ``folder`` is one recording: a phyphox, Sensor Logger or MetaBase export."""
    names = {p.name.lower(): p for p in folder.iterdir()}
    if "meta" in names and names["meta"].is_dir():
        return True
    if any(n in names for n in _EXPORT_FILES):
        return True
    # MetaBase writes <device>_<date>_<MAC>_Accelerometer....csv next to ..._Gyroscope...
    return any("_accelerometer" in n and n.endswith(".csv") for n in names) and any(
        "_gyroscope" in n and n.endswith(".csv") for n in names
    )


def _walk(folder: Path, skip: Path | None) -> Iterable[Path]:
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith(".") or (skip is not None and entry.resolve() == skip):
            continue
        if entry.is_dir():
            if _is_export_dir(entry):
                yield entry
            else:
                yield from _walk(entry, skip)
        elif entry.suffix.lower() in RECORDING_SUFFIXES:
            yield entry


def _list_file_paths(path: Path) -> list[Path] | None:
    """The paths a list file names, or ``None`` when ``path`` is not a list file.

    A ``.lst``/``.list`` file is always a list. Any other text file is one when
    its first line that is not blank or a ``#`` comment names an existing path,
    so that a WitMotion ``.txt`` log (whose first line is a header) stays a
    recording. Relative paths are taken from the list's own folder.
    """
    try:
        with open(path, encoding="utf-8") as fh:
            head = fh.read(65536)
    except (OSError, UnicodeDecodeError):
        return None
    lines = [ln.strip() for ln in head.splitlines()]
    entries = [ln for ln in lines if ln and not ln.startswith("#")]
    if not entries:
        return [] if path.suffix.lower() in LIST_SUFFIXES else None
    if path.suffix.lower() not in LIST_SUFFIXES and not (path.parent / entries[0]).exists():
        return None
    text = path.read_text(encoding="utf-8")
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            out.append(path.parent / os.path.expanduser(line))
    return out


def sources_expand(
    sources: Iterable[str], skip: str | os.PathLike[str] | None = None
) -> list[Path]:
    """Every recording that ``sources`` name, each once, in a stable order.

    Parameters
    ----------
    sources
        Folders (walked recursively: ``.csv``, ``.tsv``, ``.txt`` and ``.zip`` files,
        and sub-folders that are one app export), glob patterns (``**`` allowed),
        recording paths, and text files listing paths (see :func:`_list_file_paths`).
    skip
        A folder never to descend into (the batch's own output folder).

    Returns
    -------
    list of Path
        Absolute paths, in the order first named. A listed path that does not exist
        is kept: its analysis fails and becomes a row with that error.

    Raises
    ------
    GaitbackError
        When a source names nothing at all (a missing folder, a glob without matches).
    """
    skip_path = Path(skip).resolve() if skip is not None else None
    found: list[Path] = []
    for text in sources:
        path = Path(os.path.expanduser(text))
        if path.is_dir() and not _is_export_dir(path):
            found.extend(_walk(path, skip_path))
        elif path.exists():
            listed = _list_file_paths(path) if path.is_file() else None
            found.extend([path] if listed is None else listed)
        elif glob.has_magic(text):
            matches = sorted(glob.glob(os.path.expanduser(text), recursive=True))
            if not matches:
                raise GaitbackError(f"{text}: no file matches this pattern")
            for match in map(Path, matches):
                found.extend(
                    _walk(match, skip_path)
                    if match.is_dir() and not _is_export_dir(match)
                    else [match]
                )
        else:
            raise GaitbackError(f"{text}: no such file or folder")
    seen: set[Path] = set()
    unique = []
    for p in found:
        absolute = Path(os.path.abspath(p))
        if absolute not in seen:
            seen.add(absolute)
            unique.append(absolute)
    return unique
