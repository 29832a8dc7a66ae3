"""Live analysis benchmark: publication latency, CPU share, memory over a long run.

Run from the repository root::

    python -m benchmarks.live_bench              # 2-hour simulated run (a few minutes)
    python -m benchmarks.live_bench --hours 0.1  # quick look

Model: the device delivers blocks of ``--block`` samples in real time (a block
arrives when its last sample exists) to one consumer thread that runs
:class:`gaitback.live.LiveAnalyzer`. Each block's processing time is measured
(``perf_counter``); a block waits while the consumer is busy. A step's latency
is from the arrival of the block holding the sample that completed the step's
data window (``StepUpdate.ready_s``) to the end of the processing call that
published it. CPU share = process CPU time / data time. Memory = resident set
size sampled every simulated 10 minutes while the running part of a bundled
recording is played in a loop.
"""

from __future__ import annotations

import argparse
import os
import time
import tracemalloc
from pathlib import Path

import numpy as np

from gaitback.live import LiveAnalyzer
from gaitback.recording import read_recording

REPO = Path(__file__).resolve().parent.parent
DEFAULT = REPO / "recordings" / "synthetic" / "baseline.csv"
#: Steady running inside the bundled recordings (s).
LOOP_START_S, LOOP_END_S = 9.0, 56.0


def rss_mib() -> float:
    """Resident set size of this process in MiB (Linux)."""
    with open("/proc/self/statm", encoding="ascii") as fh:
        pages = int(fh.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def run(source: Path, hours: float, block: int, trace: bool = False) -> dict[str, float | str]:
    rec = read_recording(source)
    fs = rec.sample_rate_hz
    t_all = rec.time_s
    keep = (t_all >= LOOP_START_S) & (t_all < LOOP_END_S)
    acc_loop = rec.acc_mps2[keep]
    gyr_loop = rec.gyr_dps[keep] if rec.has_gyro else None
    loop_n = len(acc_loop)
    total_n = int(hours * 3600 * fs)
    live = LiveAnalyzer(
        fs, rec.has_gyro, speed_mps=rec.meta.treadmill_speed_mps, axes=rec.meta.axes
    )
    # Standing first, so the run has its lean reference as a real session would.
    stand = t_all < 7.0
    live.push_arrays(
        t_all[stand] - t_all[0],
        rec.acc_mps2[stand],
        None if gyr_loop is None else rec.gyr_dps[stand],
    )
    t0 = float(t_all[stand][-1] - t_all[0]) + 1.0 / fs
    # Preallocated, so that the benchmark's own bookkeeping does not grow the heap.
    latencies = np.empty(int(hours * 3600 * 5) + 16)
    busy_until = 0.0
    if trace:
        tracemalloc.start()
    memory: list[tuple[float, float]] = [(0.0, rss_mib())]
    traced: list[float] = []
    next_memory_s = 600.0
    cpu0 = time.process_time()
    n_steps = 0
    done = 0
    while done < total_n:
        n = min(block, total_n - done)
        idx = (np.arange(done, done + n)) % loop_n
        t = t0 + np.arange(done, done + n) / fs
        arrival = float(t[-1])
        start = max(arrival, busy_until)
        c0 = time.perf_counter()
        updates = live.push_arrays(t, acc_loop[idx], None if gyr_loop is None else gyr_loop[idx])
        busy_until = start + (time.perf_counter() - c0)
        for u in updates:
            # The block holding the completing sample arrived when its last sample existed.
            k = int(np.ceil((u.ready_s - t0) * fs + 1e-9))
            k_block_end = (k // block + 1) * block - 1
            ready_arrival = t0 + min(k_block_end, done + n - 1) / fs
            latencies[n_steps] = busy_until - ready_arrival
            n_steps += 1
        done += n
        if t[-1] - t0 >= next_memory_s:
            memory.append((t[-1] - t0, rss_mib()))
            if trace:
                traced.append(tracemalloc.get_traced_memory()[0] / 2**20)
            next_memory_s += 600.0
    cpu = time.process_time() - cpu0
    data_s = total_n / fs
    lat = latencies[:n_steps] * 1000.0
    mem = np.array(memory)
    after_warmup = mem[mem[:, 0] >= 600.0, 1] if len(mem) > 2 else mem[:, 1]
    out: dict[str, float | str] = {
        "data_s": data_s,
        "sample_rate_hz": fs,
        "block_samples": block,
        "steps": n_steps,
        "cpu_s": cpu,
        "cpu_pct_of_one_core": 100.0 * cpu / data_s,
        "latency_p50_ms": float(np.percentile(lat, 50)),
        "latency_p99_ms": float(np.percentile(lat, 99)),
        "latency_max_ms": float(lat.max()),
        "rss_start_mib": float(mem[0, 1]),
        "rss_first_10min_mib": float(after_warmup[0]),
        "rss_end_mib": float(mem[-1, 1]),
        "rss_growth_after_10min_mib": float(after_warmup[-1] - after_warmup[0]),
        "ring_samples": live.ring.capacity,
        "rss_every_10min_mib": " ".join(f"{m:.1f}" for m in mem[:, 1]),
    }
    if trace:
        # Python-heap bytes held (tracemalloc), every 10 simulated minutes.
        out["traced_every_10min_mib"] = " ".join(f"{m:.3f}" for m in traced)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from", dest="source", type=Path, default=DEFAULT)
    parser.add_argument("--hours", type=float, default=2.0)
    parser.add_argument("--block", type=int, default=8, help="samples per delivered block")
    parser.add_argument(
        "--trace", action="store_true", help="also trace Python allocations (slower; not for CPU)"
    )
    args = parser.parse_args()
    result = run(args.source, args.hours, args.block, args.trace)
    width = max(len(k) for k in result)
    for key, value in result.items():
        print(
            f"{key:<{width}}  {value:.2f}"
            if isinstance(value, float)
            else f"{key:<{width}}  {value}"
        )


if __name__ == "__main__":
    main()
