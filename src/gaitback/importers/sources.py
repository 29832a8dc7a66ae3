"""What the user pointed at: one file, a folder, or a zip of an app's export."""

from __future__ import annotations

import os
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from gaitback.errors import RecordingError
from gaitback.importers.tables import decode

#: Bytes read to recognise a file by its first lines.
HEAD_BYTES = 8192
#: Largest file of an export read (bytes, after decompression). A 3-hour 6-axis
#: phone export is about 200 MB in all, its largest file less; anything bigger
#: is not a run (a zip bomb, a video), and parsing it would take gigabytes.
MAX_MEMBER_BYTES = 400_000_000


@dataclass
class Source:
    """Uniform read access to the files of an export.

    ``members`` are paths relative to the folder or zip (``/``-separated); for
    a single file, its name only.
    """

    path: Path
    kind: str  # "file", "dir" or "zip"
    members: list[str] = field(default_factory=list)

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> Source:
        path = Path(path)
        if not path.exists():
            raise RecordingError(f"{path}: no such file or folder")
        if path.is_dir():
            members = sorted(
                p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file()
            )
            return cls(path, "dir", members)
        if zipfile.is_zipfile(path):
            try:
                with zipfile.ZipFile(path) as zf:
                    members = sorted(i.filename for i in zf.infolist() if not i.is_dir())
            except (zipfile.BadZipFile, OSError) as exc:
                raise RecordingError(f"{path}: damaged zip file ({exc})") from None
            return cls(path, "zip", members)
        return cls(path, "file", [path.name])

    def label(self, member: str) -> str:
        """How messages name a member: the file path, or ``archive.zip:member``."""
        if self.kind == "zip":
            return f"{self.path}:{member}"
        if self.kind == "dir":
            return str(self.path / member)
        return str(self.path)

    def read_bytes(self, member: str, limit: int | None = None) -> bytes:
        where = self.label(member)
        try:
            if self.kind == "zip":
                with zipfile.ZipFile(self.path) as zf:
                    info = zf.getinfo(member)
                    if not limit and info.file_size > MAX_MEMBER_BYTES:
                        raise RecordingError(_too_large(where, info.file_size))
                    with zf.open(info) as fh:
                        # The declared size may lie: never decompress past the cap.
                        raw = fh.read(limit or MAX_MEMBER_BYTES + 1)
            else:
                target = self.path / member if self.kind == "dir" else self.path
                with open(target, "rb") as fh:
                    raw = fh.read(limit or MAX_MEMBER_BYTES + 1)
            if not limit and len(raw) > MAX_MEMBER_BYTES:
                raise RecordingError(_too_large(where, len(raw)))
            return raw
        except (OSError, zipfile.BadZipFile, KeyError, EOFError, zlib.error) as exc:
            raise RecordingError(f"{where}: cannot read ({exc})") from None

    def read_text(self, member: str) -> str:
        """The member decoded as text (at most :data:`MAX_MEMBER_BYTES`)."""
        return decode(self.read_bytes(member), self.label(member))

    def head(self, member: str) -> str:
        """The first few kB of a member as text ('' when empty or binary)."""
        raw = self.read_bytes(member, HEAD_BYTES)
        try:
            return decode(raw, self.label(member))
        except RecordingError:
            return ""

    def tables(self) -> list[str]:
        """Members that may be text tables (csv/txt/tsv), metadata folders excluded."""
        out = []
        for m in self.members:
            p = PurePosixPath(m)
            if p.name.startswith(".") or "__MACOSX" in p.parts:
                continue
            if self.kind != "file" and p.suffix.lower() not in (".csv", ".txt", ".tsv"):
                continue
            out.append(m)
        return out

    def by_name(self, name: str) -> list[str]:
        """Members whose base name is ``name`` (case-insensitive)."""
        return [m for m in self.members if PurePosixPath(m).name.lower() == name.lower()]


def _too_large(where: str, size: int) -> str:
    return (
        f"{where}: {'more than ' if size > MAX_MEMBER_BYTES else ''}{size / 1e6:.0f} MB, "
        f"larger than any phone export reaches (a 3-hour 6-axis export is about 200 MB; "
        f"limit {MAX_MEMBER_BYTES / 1e6:.0f} MB per file): not a recording"
    )
