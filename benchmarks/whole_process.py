"""``gaitback analyze`` as a user runs it, against the time pandas needs to read the file.

Both are whole processes (interpreter start, imports, reading, and for gaitback the
analysis, the findings, ``report.html``, ``steps.csv`` and ``summary.json``), each in a
fresh child pinned to one CPU with one BLAS/OpenMP thread; wall time is taken by the
parent from start to exit, peak memory is the child's own VmHWM. The two alternate, so
that load from other work on a shared machine falls on both alike; the fastest of each
counts. The session history is never touched: the child runs with ``--no-save`` and
``GAITBACK_DB`` pointing into a temporary folder.

``python benchmarks/whole_process.py --child-cli FILE OUT`` and ``--child-read FILE`` are
the children.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if __name__ == "__main__":  # run as a child script: make ``benchmarks`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.offline import _rss_mb, child_env

#: Issue 17 targets for the 1-hour 200 Hz 6-axis file.
TARGET_RATIO = 3.5
TARGET_PEAK_MB = 250.0


def _timed_child(args: list[str], env: dict[str, str], timeout_s: float) -> dict[str, Any]:
    cpu = min(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None

    def pin() -> None:
        if cpu is not None:
            os.sched_setaffinity(0, {cpu})

    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    try:
        proc = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=False,
            preexec_fn=pin,  # pinned before the interpreter starts, imports included
        )
    except subprocess.TimeoutExpired:
        return {"error": f"did not finish within {timeout_s:.0f} s"}
    wall_s = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_s = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode != 0:
        lines = (proc.stderr or proc.stdout).strip().splitlines()
        return {"error": f"child exited {proc.returncode}: {lines[-1] if lines else ''}"}
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["wall_s"] = wall_s
    out["cpu_s"] = cpu_s
    return out


def cli_vs_read_measure(
    path: str | os.PathLike[str], repeats: int = 3, timeout_s: float = 400.0
) -> dict[str, Any]:
    """Whole-process ``gaitback analyze`` (with report) and ``pandas.read_csv`` of ``path``.

    Returns
    -------
    dict
        ``cli`` and ``read``: ``wall_s`` (fastest), ``all_wall_s``, ``cpu_s`` (least
        user + system CPU), ``peak_rss_mb`` (largest); ``ratio`` (fastest cli / fastest
        read), ``cpu_ratio``; ``history_written`` (must be False); or ``error``.
    """
    runs: dict[str, list[dict[str, Any]]] = {"cli": [], "read": []}
    with tempfile.TemporaryDirectory(prefix="gaitback-bench-cli-") as tmp:
        env = child_env(GAITBACK_DB=str(Path(tmp) / "history.sqlite"))
        # One untimed run of each first: bytecode written, the file in the page cache.
        out_dir = str(Path(tmp) / "out")
        for args in (["--child-read", str(path)], ["--child-cli", str(path), out_dir]):
            warm = _timed_child(args, env, timeout_s)
            if "error" in warm:
                return {"error": warm["error"]}
        for _ in range(max(1, repeats)):
            for kind, args in (
                ("read", ["--child-read", str(path)]),
                ("cli", ["--child-cli", str(path), str(Path(tmp) / "out")]),
            ):
                run = _timed_child(args, env, timeout_s)
                if "error" in run:
                    return {"error": f"{kind}: {run['error']}"}
                runs[kind].append(run)
        touched_history = (Path(tmp) / "history.sqlite").exists()
    out: dict[str, Any] = {"repeats": max(1, repeats), "history_written": touched_history}
    for kind, rs in runs.items():
        out[kind] = {
            "wall_s": min(r["wall_s"] for r in rs),
            "all_wall_s": [r["wall_s"] for r in rs],
            "cpu_s": min(r["cpu_s"] for r in rs),
            "peak_rss_mb": max(r["peak_rss_mb"] for r in rs),
        }
    out["ratio"] = out["cli"]["wall_s"] / out["read"]["wall_s"]
    # CPU time is less disturbed than wall time by other work on a shared machine.
    out["cpu_ratio"] = out["cli"]["cpu_s"] / out["read"]["cpu_s"]
    return out


def _child_read(path: str) -> None:
    import pandas as pd

    frame = pd.read_csv(path)
    print(json.dumps({"rows": len(frame), "peak_rss_mb": _rss_mb()}))


def _child_cli(path: str, out_dir: str) -> None:
    from gaitback.cli.main import main

    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
        code = main(["analyze", path, "--out", out_dir, "--no-save"])
    if code != 0:
        raise SystemExit(f"gaitback analyze exited {code}")
    if not (Path(out_dir) / "report.html").exists():
        raise SystemExit("gaitback analyze wrote no report.html")
    print(json.dumps({"peak_rss_mb": _rss_mb()}))


def main(argv: list[str] | None = None) -> int:
    """Child entries only; ``benchmarks/run.py`` drives the measurement."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child-read", metavar="FILE")
    parser.add_argument("--child-cli", nargs=2, metavar=("FILE", "OUT"))
    args = parser.parse_args(argv)
    if args.child_read:
        _child_read(args.child_read)
    elif args.child_cli:
        _child_cli(*args.child_cli)
    else:
        parser.error("use benchmarks/run.py")
    return 0


if __name__ == "__main__":
    sys.exit(main())
