"""Figures from the benchmarks other parts of the project own (live mode, acquisition).

``benchmarks/live_bench.py`` and ``benchmarks/acquisition_bench.py`` are written
alongside this runner. Contract (see benchmarks/README.md): a module-level
``run_benchmark(quick: bool = False) -> dict`` returning flat figures with units in
the names (e.g. ``latency_p50_ms``, ``cpu_pct``, ``samples_per_s``). A module
without it is run as a script and the tail of its output is quoted verbatim. A
missing module is reported as "not available": never a made-up number. Files written
before this contract are called through a small adapter (``ADAPTERS``) that uses the
functions they do have, with the run lengths stated below.
"""

from __future__ import annotations

import argparse
import importlib.util
import inspect
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
#: Figures of a benchmark that only prints text.
OUTPUT_TAIL_LINES = 20


@dataclass
class ExternalResult:
    """What one external benchmark produced.

    ``status`` is ``ok``, ``text`` (script output quoted), ``not available`` or
    ``failed``; ``detail`` says why when it is not ``ok``.
    """

    name: str
    status: str
    figures: dict[str, Any] = field(default_factory=dict)
    text: str = ""
    detail: str = ""
    seconds: float = 0.0


#: Simulated hours of live data (a full run: the live bench's own default is 2 h, too long
#: for the 10-minute budget; 0.5 h still covers its 10-minute memory-growth check).
LIVE_HOURS, LIVE_HOURS_QUICK = 0.5, 0.1
#: Samples per delivered block in the live bench (its default).
LIVE_BLOCK_SAMPLES = 8
#: Seconds of 1 kHz data for the acquisition bench (its own defaults).
ACQ_OFFLINE_S, ACQ_REALTIME_S = 60.0, 10.0


@dataclass(frozen=True)
class Adapter:
    """How to call a benchmark file that predates the ``run_benchmark`` contract."""

    needs: tuple[str, ...]
    run: Callable[[Any, bool], dict[str, Any]]

    def fits(self, module: Any) -> bool:
        """All the names this adapter calls exist in the module."""
        return all(hasattr(module, n) for n in self.needs)


def _live(module: Any, quick: bool) -> dict[str, Any]:
    hours = LIVE_HOURS_QUICK if quick else LIVE_HOURS
    figures = module.run(module.DEFAULT, hours, LIVE_BLOCK_SAMPLES)
    return {"simulated_hours": hours, **figures}


def _acquisition(module: Any, quick: bool) -> dict[str, Any]:
    offline_s = 10.0 if quick else ACQ_OFFLINE_S
    realtime_s = 3.0 if quick else ACQ_REALTIME_S
    with tempfile.TemporaryDirectory(prefix="gaitback-acq-bench-") as tmp:
        offline_pct = float(module.offline(offline_s, Path(tmp)))
        realtime_pct, n_samples, lost = module.realtime(realtime_s, Path(tmp))
    rate_hz = float(module.RATE_HZ)
    return {
        "offline_cpu_pct_of_one_core_at_1khz_6axis": offline_pct,
        # Same measurement as a rate: samples per CPU-second of decode + stream + record.
        "offline_decode_record_samples_per_cpu_s": rate_hz / (offline_pct / 100.0),
        "realtime_pty_cpu_pct_of_one_core_at_1khz": float(realtime_pct),
        "realtime_samples": int(n_samples),
        "realtime_lost_samples": int(lost),
    }


#: Benchmark file stem -> adapter, used only when the file has no ``run_benchmark``.
ADAPTERS: dict[str, Adapter] = {
    "live_bench": Adapter(("run", "DEFAULT"), _live),
    "acquisition_bench": Adapter(("offline", "realtime", "RATE_HZ"), _acquisition),
}


def _load(path: Path, module_name: str) -> Any:
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def figures_collect(path: Path, quick: bool) -> dict[str, Any]:
    """In the child: load the file and get its figures by contract or adapter.

    Returns ``{"figures": {...}}``, ``{"script": True}`` (no callable contract: run
    it as a script) or ``{"error": "..."}``.
    """
    name = path.stem
    try:
        module = _load(path, f"_gaitback_bench_{name}")
    except Exception as exc:  # someone else's file: report, do not crash the run
        first = str(exc).splitlines()[0] if str(exc) else ""
        return {"error": f"import failed: {type(exc).__name__}: {first}"}
    func = getattr(module, "run_benchmark", None)
    adapter = ADAPTERS.get(name)
    try:
        if callable(func):
            takes_quick = "quick" in inspect.signature(func).parameters
            figures = func(quick=quick) if takes_quick else func()
            if not isinstance(figures, dict):
                return {
                    "error": f"run_benchmark returned {type(figures).__name__}, expected a dict"
                }
        elif adapter is not None and adapter.fits(module):
            figures = adapter.run(module, quick)
        else:
            return {"script": True}
    except Exception as exc:
        return {"error": f"{type(exc).__name__}: {str(exc)[:200]}"}
    return {"figures": figures}


def external_run(
    filename: str, quick: bool = False, timeout_s: float = 240.0, bench_dir: Path = BENCH_DIR
) -> ExternalResult:
    """Run ``bench_dir/filename`` in a fresh process; never raises for its failures.

    A fresh process, so that its CPU and memory figures are its own, not this
    runner's (which has pandas, skdh and the comparison's data loaded).
    """
    path = bench_dir / filename
    name = path.stem
    if not path.exists():
        return ExternalResult(name, "not available", detail=f"benchmarks/{filename} not present")
    start = time.perf_counter()
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", str(path)]
    outcome = _spawn([*cmd, *(["--quick"] if quick else [])], bench_dir.parent, timeout_s)
    if "figures" in outcome:
        return ExternalResult(
            name, "ok", figures=outcome["figures"], seconds=time.perf_counter() - start
        )
    if "error" in outcome:
        return ExternalResult(
            name, "failed", detail=outcome["error"], seconds=time.perf_counter() - start
        )
    # No function contract: run it as a script and quote what it prints.
    # No options: a script's own flags are unknown here, and its defaults are its benchmark.
    try:
        proc = subprocess.run(
            [sys.executable, str(path)],
            capture_output=True,
            text=True,
            timeout=timeout_s,
            cwd=bench_dir.parent,
            env=dict(os.environ),
            check=False,
        )
    except subprocess.TimeoutExpired:
        return ExternalResult(
            name,
            "failed",
            detail=f"no result within {timeout_s:.0f} s",
            seconds=time.perf_counter() - start,
        )
    tail = "\n".join(proc.stdout.strip().splitlines()[-OUTPUT_TAIL_LINES:])
    if proc.returncode != 0:
        err = (proc.stderr.strip().splitlines() or [""])[-1]
        return ExternalResult(
            name,
            "failed",
            text=tail,
            detail=f"exited {proc.returncode}: {err}",
            seconds=time.perf_counter() - start,
        )
    return ExternalResult(
        name,
        "text",
        text=tail,
        detail="no run_benchmark(); output quoted",
        seconds=time.perf_counter() - start,
    )


def _spawn(cmd: list[str], cwd: Path, timeout_s: float) -> dict[str, Any]:
    try:
        proc = subprocess.run(
            cmd,
            capture_output=True,
            text=True,
            timeout=timeout_s,
            cwd=cwd,
            env=dict(os.environ),
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"error": f"no result within {timeout_s:.0f} s"}
    lines = proc.stdout.strip().splitlines()
    try:
        # The benchmark may print on its own; our JSON is the last line.
        return json.loads(lines[-1]) if lines else {"error": "no output"}
    except json.JSONDecodeError:
        err = (proc.stderr.strip().splitlines() or [""])[-1]
        return {"error": f"exited {proc.returncode}: {err}"}


def main(argv: list[str] | None = None) -> int:
    """Child entry: ``--child FILE [--quick]`` prints one JSON line."""
    parser = argparse.ArgumentParser(description="run one external benchmark (child)")
    parser.add_argument("--child", type=Path, required=True)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    # Their files import gaitback and may import siblings from the repository root.
    sys.path.insert(0, str(args.child.resolve().parent.parent))
    print(json.dumps(figures_collect(args.child, args.quick), default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
