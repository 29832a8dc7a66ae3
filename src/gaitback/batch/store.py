"""A batch's results folder, written one recording at a time so that a stop keeps them.

Layout of ``RES``::

    sessions.parquet          one row per recording (merged at the end of each run)
    steps.parquet             every step, with its ``recording``
    reports/<stem>-<id>.html  with ``--reports``
    parts/sessions.jsonl      one JSON line per finished recording: the commit log
    parts/steps/<id>-<hash>.parquet

A recording's steps part is written (atomically) before its line is appended to
``sessions.jsonl``, and the line is flushed to disk before the next result is taken:
after a crash or Ctrl-C every line names a complete result, and a torn last line is
ignored (that recording is simply analysed again). The merged tables are rebuilt from
the parts, so they always agree with the log.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any

from gaitback import columns as col
from gaitback.batch.task import STATUS_OK, FileResult
from gaitback.errors import GaitbackError

SESSIONS_FILE = "sessions.parquet"
STEPS_FILE = "steps.parquet"
#: Steps of this many recordings are read before a row group is written.
_MERGE_GROUP = 64


def _pyarrow() -> Any:
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError:
        raise GaitbackError(
            "gaitback batch writes Parquet and needs pyarrow: pip install 'gaitback[batch]'"
        ) from None
    return pyarrow


def path_id(path: str) -> str:
    """A short, stable name for a recording's parts (its path may repeat across folders)."""
    return hashlib.blake2b(path.encode(), digest_size=8).hexdigest()


def steps_schema() -> Any:
    """The Arrow schema of ``steps.parquet``: ``recording``, then the step columns."""
    pa = _pyarrow()
    fields = [pa.field("recording", pa.string())]
    for name in col.STEP_COLUMNS:
        fields.append(pa.field(name, pa.string() if name == col.SIDE else pa.float64()))
    return pa.schema(fields)


class ResultStore:
    """Append-only results of one batch folder; see the module docstring for the layout."""

    def __init__(self, out_dir: str | os.PathLike[str]) -> None:
        _pyarrow()
        self.out = Path(out_dir)
        self.parts = self.out / "parts"
        self.steps_dir = self.parts / "steps"
        self.log_path = self.parts / "sessions.jsonl"
        try:
            self.steps_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise GaitbackError(f"{self.out}: cannot create the results folder ({exc})") from None
        self._end_torn_line()

    def _end_torn_line(self) -> None:
        """Close a line torn by a crash, so the next result starts a line of its own."""
        if not self.log_path.exists() or self.log_path.stat().st_size == 0:
            return
        with open(self.log_path, "rb+") as fh:
            fh.seek(-1, os.SEEK_END)
            if fh.read(1) != b"\n":
                fh.write(b"\n")

    # -- reading the log ---------------------------------------------------------------
    def rows(self) -> dict[str, dict[str, Any]]:
        """The latest logged row of every recording (a torn last line is ignored)."""
        latest: dict[str, dict[str, Any]] = {}
        if not self.log_path.exists():
            return latest
        with open(self.log_path, encoding="utf-8") as fh:
            for line in fh:
                try:
                    row = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if isinstance(row, dict) and "recording" in row:
                    latest[row["recording"]] = row
        return latest

    def done(self, version: str, options: str, retry_errors: bool) -> dict[str, str]:
        """Path -> content hash of results that a run with ``version`` and ``options`` reuses."""
        out = {}
        for path, row in self.rows().items():
            if row.get("gaitback_version") != version or row.get("options") != options:
                continue
            if retry_errors and row.get("status") != STATUS_OK:
                continue
            if row.get("content_hash"):
                out[path] = row["content_hash"]
        return out

    # -- writing one result ------------------------------------------------------------
    def _steps_part(self, path: str, content_hash: str) -> Path:
        return self.steps_dir / f"{path_id(path)}-{content_hash.split(':')[-1][:16]}.parquet"

    def report_path(self, path: str) -> Path:
        stem = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(path).stem)[:60] or "recording"
        return self.out / "reports" / f"{stem}-{path_id(path)}.html"

    def add(self, result: FileResult) -> None:
        """Persist one finished recording: steps part and report first, then its log line."""
        row = result.session
        if result.steps is not None and len(result.steps) and row.get("content_hash"):
            pa = _pyarrow()
            frame = result.steps.loc[:, list(col.STEP_COLUMNS)].copy()
            frame.insert(0, "recording", result.path)
            table = pa.Table.from_pandas(frame, schema=steps_schema(), preserve_index=False)
            _atomic(
                self._steps_part(result.path, row["content_hash"]),
                lambda tmp: pa.parquet.write_table(table, tmp),
            )
        if result.report_html is not None:
            target = self.report_path(result.path)
            target.parent.mkdir(parents=True, exist_ok=True)
            _atomic(target, lambda tmp: tmp.write_text(result.report_html, encoding="utf-8"))
        line = json.dumps(row, allow_nan=False, default=str) + "\n"
        with open(self.log_path, "a", encoding="utf-8") as fh:
            fh.write(line)
            fh.flush()
            os.fsync(fh.fileno())

    # -- the merged tables -------------------------------------------------------------
    def merge(self) -> tuple[Path, Path]:
        """Rebuild ``sessions.parquet`` and ``steps.parquet`` from the parts.

        Steps are streamed part by part into row groups, so memory stays bounded by
        :data:`_MERGE_GROUP` recordings whatever the batch size. Step parts that no
        logged row refers to any more (an older content of a file) are deleted.
        """
        import pandas as pd

        pa = _pyarrow()
        rows = list(self.rows().values())
        sessions = pd.DataFrame(rows)
        for name in sessions.columns:
            values = [r[name] for r in rows if r.get(name) is not None]
            # Counts stay integers when failed rows leave them empty (not float NaN).
            if values and all(type(v) is int for v in values):
                sessions[name] = sessions[name].astype("Int64")
            elif values and all(type(v) is bool for v in values):
                sessions[name] = sessions[name].astype("boolean")
        if sessions.empty:
            sessions = pd.DataFrame(columns=["recording", "content_hash", "status", "error"])
        sessions_path = self.out / SESSIONS_FILE
        _atomic(sessions_path, lambda tmp: sessions.to_parquet(tmp, index=False))

        wanted = {
            self._steps_part(r["recording"], r["content_hash"])
            for r in rows
            if r.get("status") == STATUS_OK and r.get("content_hash")
        }
        present = sorted(p for p in wanted if p.exists())
        schema = steps_schema()
        steps_path = self.out / STEPS_FILE

        def write(tmp: Path) -> None:
            with pa.parquet.ParquetWriter(tmp, schema) as writer:
                for i in range(0, len(present), _MERGE_GROUP):
                    group = [
                        pa.parquet.read_table(p, schema=schema)
                        for p in present[i : i + _MERGE_GROUP]
                    ]
                    writer.write_table(pa.concat_tables(group))

        _atomic(steps_path, write)
        for stale in self.steps_dir.glob("*.parquet"):
            if stale not in wanted:
                stale.unlink(missing_ok=True)
        return sessions_path, steps_path


def _atomic(target: Path, write: Any) -> None:
    """Write through a temporary file and rename, so ``target`` is never half written."""
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
