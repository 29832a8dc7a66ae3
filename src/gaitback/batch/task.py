"""The per-file function every batch backend runs: one path in, one row (+ steps) out.

It runs in a local worker process or on a Dask worker, reads the path itself and never
raises for a bad recording: the error becomes the row's ``error`` text. It imports only
what it needs, so a worker pays for the signal core once and for the report only when
reports were asked for.
"""

from __future__ import annotations

import hashlib
import os
import platform
import time
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gaitback.heap import arrays_heap

#: Environment variables that cap BLAS/OpenMP pools; read when numpy loads its BLAS.
BLAS_THREAD_VARS = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
)

_HASH_CHUNK_BYTES = 1 << 20

STATUS_OK = "ok"
STATUS_ERROR = "error"


@dataclass(frozen=True)
class FileTask:
    """What a worker needs to analyse one recording.

    Attributes
    ----------
    path
        The recording, as the worker will open it (absolute).
    options
        Keyword arguments for :func:`gaitback.analyze` (``speed_mps``, ``height_m``, ...).
    report
        Also render ``report.html`` (returned as text, written by the client).
    done_hash
        Content hash of the earlier result for this path with the same version and
        options; when the file still hashes to it, the worker returns at once.
    """

    path: str
    options: dict[str, Any] = field(default_factory=dict)
    report: bool = False
    done_hash: str | None = None


@dataclass
class FileResult:
    """What comes back to the client for one recording."""

    path: str
    session: dict[str, Any]
    steps: Any = None  # pandas DataFrame, None when skipped or failed
    report_html: str | None = None
    skipped: bool = False


def content_hash(path: str | os.PathLike[str]) -> str:
    """BLAKE2b of everything the analysis reads: the file and its sidecar, or a folder.

    A canonical CSV's ``.json`` sidecar changes the analysis (mounting axes, speed),
    so it is part of the hash; a folder export hashes every file with its name.
    """
    path = Path(path)
    digest = hashlib.blake2b(digest_size=20)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file())
        names = [p.relative_to(path).as_posix() for p in files]
    else:
        files = [path]
        names = [path.name]
        sidecar = path.with_suffix(".json")
        if path.suffix.lower() == ".csv" and sidecar.is_file():
            files.append(sidecar)
            names.append(sidecar.name)
    for name, file in zip(names, files, strict=True):
        digest.update(name.encode() + b"\0")
        with open(file, "rb") as fh:
            while chunk := fh.read(_HASH_CHUNK_BYTES):
                digest.update(chunk)
        digest.update(b"\0")
    return "blake2b:" + digest.hexdigest()


def one_blas_thread() -> AbstractContextManager[Any]:
    """Limit BLAS/OpenMP pools of this process to one thread while analysing.

    Workers run one file per core, so a multi-threaded BLAS would only oversubscribe.
    The environment variables cover a worker started before numpy loads;
    ``threadpoolctl`` (in the ``batch`` extra) covers one that already loaded it,
    such as a Dask worker.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return nullcontext()
    return threadpool_limits(limits=1)


def _error_text(exc: BaseException) -> str:
    from gaitback.errors import GaitbackError

    text = " ".join(str(exc).split()) or type(exc).__name__
    if isinstance(exc, GaitbackError):
        return text
    return f"internal error: {type(exc).__name__}: {text}"


def analyze_file(task: FileTask) -> FileResult:
    """Analyse one recording for a batch; never raises for a bad file.

    Parameters
    ----------
    task
        The path, the analysis options and what to skip.

    Returns
    -------
    FileResult
        ``session`` holds ``recording``, ``content_hash``, ``gaitback_version``,
        ``options``, ``status`` (``ok`` or ``error``), ``error``, ``warnings``,
        ``analysis_s``, ``host`` and, when the analysis succeeded, every summary key.
    """
    from gaitback.version import __version__

    started = time.perf_counter()
    session: dict[str, Any] = {
        "recording": task.path,
        "content_hash": None,
        "gaitback_version": __version__,
        "options": options_key(task.options),
        "status": STATUS_ERROR,
        "error": None,
        "warnings": None,
        "analysis_s": None,
        "host": platform.node(),
    }
    try:
        session["content_hash"] = content_hash(task.path)
    except OSError as exc:
        session["error"] = f"{task.path}: cannot read ({exc.strerror or exc})"
        return FileResult(task.path, session)
    if task.done_hash is not None and session["content_hash"] == task.done_hash:
        return FileResult(task.path, session, skipped=True)
    steps = report_html = None
    try:
        with one_blas_thread(), arrays_heap():
            from gaitback.api import analyze

            result = analyze(task.path, **task.options)
            if task.report:
                import tempfile

                from gaitback.workflow import SessionOptions, session_feedback

                # The same workflow as `analyze`, without the history: a batch is
                # nobody's personal baseline. The worker renders; the client writes.
                with tempfile.TemporaryDirectory() as tmp:
                    page = Path(tmp) / "report.html"
                    session_feedback(result, SessionOptions(report_path=page, history=False))
                    report_html = page.read_text(encoding="utf-8")
        from gaitback.core.result import json_safe

        session.update(json_safe(result.summary))
        session["warnings"] = "; ".join(result.warnings) or None
        session["status"] = STATUS_OK
        steps = result.steps
    except MemoryError:
        session["error"] = f"{task.path}: out of memory"
    except Exception as exc:  # a bad file is a row with its error, whatever it raised
        session["error"] = _error_text(exc)
    session["analysis_s"] = round(time.perf_counter() - started, 4)
    return FileResult(task.path, session, steps, report_html)


def options_key(options: dict[str, Any]) -> str:
    """A stable text form of the analysis options (part of what makes a result reusable)."""
    import json

    return json.dumps({k: v for k, v in sorted(options.items()) if v is not None})
