"""Batch throughput: recordings per core-second on the local pool and on a local Dask cluster.

A folder of ten-minute 200 Hz 6-axis runs is analysed by :func:`gaitback.batch.batch_run`
twice into fresh results folders: on the local process pool (one worker per usable core)
and on a ``dask.distributed.LocalCluster`` of two single-threaded worker processes on
loopback. Only ``--distinct`` different runs are simulated (the simulator is far slower
than the analysis); the others are byte copies, each analysed in full as its own file.

Figures: recordings per core-second = recordings / (wall time x cores), which is what
capacity planning needs, and recordings per CPU-second actually consumed by the workers.
The local pool's wall time includes starting its worker processes; the Dask cluster is
started before the clock (a cluster is long-lived) and its start time is given apart.
"""

from __future__ import annotations

import os
import resource
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

#: One-hour sessions of the extrapolation.
TARGET_SESSIONS = 10_000


def folder_write(
    folder: Path, n_recordings: int, duration_s: float = 600.0, distinct: int = 4
) -> dict[str, Any]:
    """Write ``n_recordings`` runs of ``duration_s`` into ``folder`` (``distinct`` simulated)."""
    from benchmarks.offline import long_recording_write

    folder.mkdir(parents=True, exist_ok=True)
    # Simulated beside the folder: the simulator also writes truth files, which are
    # not recordings and must not be in the batch.
    simulated = folder.parent / f"{folder.name}-simulated"
    simulated.mkdir(exist_ok=True)
    distinct = max(1, min(distinct, n_recordings))
    sources = []
    for i in range(distinct):
        path = simulated / f"run_{i:04d}.csv"
        long_recording_write(path, duration_s=duration_s, chunk_s=duration_s, seed=1000 + i)
        sources.append(path)
    for i in range(n_recordings):
        src = sources[i % distinct]
        shutil.copyfile(src, folder / f"run_{i:04d}.csv")
        shutil.copyfile(src.with_suffix(".json"), folder / f"run_{i:04d}.json")
    size = sum(p.stat().st_size for p in folder.glob("*.csv"))
    return {"n": n_recordings, "distinct": distinct, "duration_s": duration_s, "bytes": size}


def _children_cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def pool_measure(folder: Path, jobs: int) -> dict[str, Any]:
    """The local pool on ``folder``: wall, worker CPU, per core-second figures."""
    from gaitback.batch import batch_run, sources_expand

    paths = sources_expand([str(folder)])
    with tempfile.TemporaryDirectory(prefix="gaitback-bench-pool-") as out:
        cpu0, wall0 = _children_cpu_s(), time.perf_counter()
        counts = batch_run(paths, out, jobs=jobs)
        wall_s = time.perf_counter() - wall0
        # The pool's workers have exited and been reaped: their CPU is in RUSAGE_CHILDREN.
        cpu_s = _children_cpu_s() - cpu0
    return _figures(counts, wall_s, jobs, cpu_s)


def dask_measure(folder: Path, workers: int = 2) -> dict[str, Any]:
    """A two-worker LocalCluster (processes, one thread each, loopback) on ``folder``."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        return {"error": "dask distributed is not installed (pip install 'gaitback[batch]')"}
    from gaitback.batch import batch_run, sources_expand

    paths = sources_expand([str(folder)])

    def worker_cpu_s() -> float:
        import psutil

        times = psutil.Process().cpu_times()
        return times.user + times.system

    start = time.perf_counter()
    with (
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            env={"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"},
        ) as cluster,
        Client(cluster) as client,
    ):
        started_s = time.perf_counter() - start
        cpu0 = sum(client.run(worker_cpu_s).values())
        with tempfile.TemporaryDirectory(prefix="gaitback-bench-dask-") as out:
            wall0 = time.perf_counter()
            counts = batch_run(paths, out, scheduler=cluster.scheduler_address)
            wall_s = time.perf_counter() - wall0
        cpu_s = sum(client.run(worker_cpu_s).values()) - cpu0
    out_figures = _figures(counts, wall_s, workers, cpu_s)
    out_figures["cluster_start_s"] = started_s
    return out_figures


def _figures(counts: Any, wall_s: float, cores: int, cpu_s: float) -> dict[str, Any]:
    if counts.failed or counts.ok != counts.total:
        first = counts.errors[:1]
        return {"error": f"{counts.failed} of {counts.total} recordings failed: {first}"}
    return {
        "n": counts.total,
        "cores": cores,
        "wall_s": wall_s,
        "worker_cpu_s": cpu_s,
        "per_core_s": counts.total / (wall_s * cores),
        "per_cpu_s": counts.total / cpu_s if cpu_s > 0 else float("nan"),
    }


def extrapolate(per_core_s_10min: float, hour_cpu_s: float | None) -> dict[str, Any]:
    """Core-hours for :data:`TARGET_SESSIONS` one-hour sessions, two ways.

    ``from_batch`` scales the ten-minute batch rate by 6 (the analysis is linear in the
    samples; per-file start-up costs make this slightly pessimistic for one-hour files);
    ``from_hour`` uses the measured in-process CPU time of one one-hour file plus nothing
    for start-up (optimistic: no worker start, no hashing, no result writing).
    """
    out: dict[str, Any] = {"sessions": TARGET_SESSIONS}
    out["from_batch_core_h"] = TARGET_SESSIONS * 6.0 / per_core_s_10min / 3600.0
    if hour_cpu_s:
        out["from_hour_core_h"] = TARGET_SESSIONS * hour_cpu_s / 3600.0
    return out


def usable_cores() -> int:
    """Cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1
