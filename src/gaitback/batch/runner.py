"""Run the per-file function over many recordings: in-process, on a process pool or on Dask.

Every backend runs the same :func:`gaitback.batch.task.analyze_file`; only how the tasks
travel differs. Results come back to this process, which alone writes the results
folder, one recording at a time (:class:`gaitback.batch.store.ResultStore`).
"""

from __future__ import annotations

import os
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gaitback.batch.store import ResultStore
from gaitback.batch.task import (
    BLAS_THREAD_VARS,
    STATUS_OK,
    FileResult,
    FileTask,
    analyze_file,
    options_key,
)
from gaitback.errors import GaitbackError

#: Tasks in flight per worker: enough to keep every worker busy, few enough that an
#: interrupted batch loses little and the client never holds the whole list of futures.
_IN_FLIGHT_PER_WORKER = 2
#: Tries per file when its worker dies under it (the culprit, or a file beside it).
_ATTEMPTS = 2


@dataclass
class BatchCounts:
    """How a batch went."""

    total: int = 0
    ok: int = 0
    failed: int = 0
    skipped: int = 0
    #: Of the skipped: unchanged recordings that failed in an earlier run (their
    #: errors are in ``errors`` too; ``retry_errors`` analyses them again).
    failed_before: int = 0
    interrupted: bool = False
    errors: list[tuple[str, str]] = field(default_factory=list)

    @property
    def finished(self) -> int:
        return self.ok + self.failed + self.skipped


def usable_cores() -> int:
    """CPUs this process may run on (its affinity mask), not the machine's count."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


@contextmanager
def _blas_env_for_children() -> Iterator[None]:
    """One BLAS thread in every worker process started inside this block.

    Spawned workers inherit the environment and read it when numpy loads, before
    any of our code runs in them.
    """
    saved = {k: os.environ.get(k) for k in BLAS_THREAD_VARS}
    os.environ.update(dict.fromkeys(BLAS_THREAD_VARS, "1"))
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


class _InlineBackend:
    """``--jobs 1``: the same function in this process, no pool to start."""

    workers = 1

    def submit(self, task: FileTask) -> Any:
        from concurrent.futures import Future

        future: Future[FileResult] = Future()
        future.set_result(analyze_file(task))
        return future

    def wait_any(self, pending: set[Any]) -> tuple[set[Any], set[Any]]:
        return set(pending), set()

    def close(self, cancel: bool) -> None:
        return None


class _PoolBackend:
    """A local process pool (``spawn``: no threads or locks copied from this process)."""

    def __init__(self, jobs: int) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        self.workers = jobs
        self._new_pool = lambda: ProcessPoolExecutor(
            jobs, mp_context=multiprocessing.get_context("spawn")
        )
        self.pool = self._new_pool()

    def submit(self, task: FileTask) -> Any:
        from concurrent.futures.process import BrokenProcessPool

        try:
            return self.pool.submit(analyze_file, task)
        except BrokenProcessPool:
            # A worker died (killed, out of memory): the pool is unusable, start anew.
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.pool = self._new_pool()
            return self.pool.submit(analyze_file, task)

    def wait_any(self, pending: set[Any]) -> tuple[set[Any], set[Any]]:
        from concurrent.futures import FIRST_COMPLETED, wait

        done, rest = wait(pending, return_when=FIRST_COMPLETED)
        return set(done), set(rest)

    def close(self, cancel: bool) -> None:
        self.pool.shutdown(wait=True, cancel_futures=cancel)


class _DaskBackend:
    """A Dask distributed cluster: workers read the paths, results return here."""

    def __init__(self, scheduler: str | Any) -> None:
        try:
            from distributed import Client
        except ImportError:
            raise GaitbackError(
                "--scheduler needs Dask distributed: pip install 'gaitback[batch]'"
            ) from None
        try:
            self.client = (
                Client(scheduler, timeout="20s")
                if isinstance(scheduler, str)
                else Client(scheduler)
            )
        except (OSError, TimeoutError) as exc:
            raise GaitbackError(f"cannot reach the Dask scheduler {scheduler}: {exc}") from None
        threads = self.client.nthreads()
        self.workers = max(1, sum(threads.values()))

    def submit(self, task: FileTask) -> Any:
        # pure=False: a file re-read after it changed is new work, not a cached result.
        return self.client.submit(analyze_file, task, pure=False)

    def wait_any(self, pending: set[Any]) -> tuple[set[Any], set[Any]]:
        from distributed import wait

        done, rest = wait(list(pending), return_when="FIRST_COMPLETED")
        return set(done), set(rest)

    def close(self, cancel: bool) -> None:
        self.client.close()


def _worker_lost(task: FileTask, exc: BaseException) -> FileResult:
    """The row for a file whose worker died (killed, out of memory) or never answered."""
    from gaitback.version import __version__

    return FileResult(
        task.path,
        {
            "recording": task.path,
            "content_hash": None,
            "gaitback_version": __version__,
            "options": options_key(task.options),
            "status": "error",
            "error": f"worker failed on this file: {type(exc).__name__}: {exc}".strip(),
        },
    )


def batch_run(
    paths: Sequence[Path],
    out_dir: str | os.PathLike[str],
    options: dict[str, Any] | None = None,
    jobs: int | None = None,
    scheduler: str | Any | None = None,
    reports: bool = False,
    retry_errors: bool = False,
    progress: Callable[[BatchCounts, float], None] | None = None,
) -> BatchCounts:
    """Analyse ``paths`` into ``out_dir``, reusing results already there.

    Parameters
    ----------
    paths
        Recordings (see :func:`gaitback.batch.sources.sources_expand`).
    out_dir
        Results folder; created when missing, resumed when it holds earlier results.
    options
        Keyword arguments for :func:`gaitback.analyze`, the same for every file.
    jobs
        Local worker processes (default: the usable cores); 1 runs in this process.
    scheduler
        A Dask scheduler address (``tcp://host:8786``) or a ``distributed`` cluster
        object; replaces the local pool.
    reports
        Also write ``reports/<stem>-<id>.html`` per recording.
    retry_errors
        Analyse failed recordings again even when unchanged.
    progress
        Called after every finished recording with the counts and the seconds elapsed.

    Returns
    -------
    BatchCounts
        ``interrupted`` is set when Ctrl-C stopped the batch; what finished is kept
        and merged, and the next run resumes from there.
    """
    from gaitback.version import __version__

    options = dict(options or {})
    store = ResultStore(out_dir)
    done = store.done(__version__, options_key(options), retry_errors)
    earlier = {
        path: str(row.get("error"))
        for path, row in store.rows().items()
        if path in done and row.get("status") != STATUS_OK
    }
    tasks = [FileTask(str(p), options, reports, done.get(str(p))) for p in paths]
    counts = BatchCounts(total=len(tasks))
    started = time.perf_counter()
    if scheduler is not None:
        backend: Any = _DaskBackend(scheduler)
    elif (jobs or usable_cores()) <= 1 or len(tasks) <= 1:
        backend = _InlineBackend()
    else:
        backend = None
    with _blas_env_for_children():
        if backend is None:
            backend = _PoolBackend(min(jobs or usable_cores(), len(tasks)))
        try:
            _drive(backend, tasks, store, counts, started, progress, earlier)
        except KeyboardInterrupt:
            counts.interrupted = True
        finally:
            backend.close(cancel=True)
            store.merge()
    return counts


def _drive(
    backend: Any,
    tasks: list[FileTask],
    store: ResultStore,
    counts: BatchCounts,
    started: float,
    progress: Callable[[BatchCounts, float], None] | None,
    earlier_errors: dict[str, str],
) -> None:
    """Keep a bounded number of tasks in flight; persist each result as it lands."""
    queue = deque((task, 1) for task in tasks)
    pending: dict[Any, tuple[FileTask, int]] = {}
    limit = max(1, backend.workers * _IN_FLIGHT_PER_WORKER)
    while True:
        while len(pending) < limit and queue:
            task, attempt = queue.popleft()
            pending[backend.submit(task)] = (task, attempt)
        if not pending:
            return
        done, _ = backend.wait_any(set(pending))
        for future in done:
            task, attempt = pending.pop(future)
            try:
                result = future.result()
            except KeyboardInterrupt:
                raise
            except BaseException as exc:  # a dead worker must not end the batch
                if attempt < _ATTEMPTS:
                    # Every file in flight fails when one worker dies; only the one
                    # that kills its worker again becomes an error row.
                    queue.append((task, attempt + 1))
                    continue
                result = _worker_lost(task, exc)
            if result.skipped:
                counts.skipped += 1
                if task.path in earlier_errors:
                    counts.failed_before += 1
                    counts.errors.append((task.path, earlier_errors[task.path]))
            else:
                store.add(result)
                if result.session.get("status") == STATUS_OK:
                    counts.ok += 1
                else:
                    counts.failed += 1
                    counts.errors.append((task.path, str(result.session.get("error"))))
            if progress is not None:
                progress(counts, time.perf_counter() - started)
