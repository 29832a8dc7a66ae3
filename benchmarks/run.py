"""One command for every gaitback benchmark: ``python benchmarks/run.py``.

1. gaitback and scikit-digital-health on the same simulated recordings (throughput,
   accuracy against the simulator's truth, ratios);
2. gaitback's own figures: a 1-hour 200 Hz 6-axis recording analysed on one core
   (time, x real time, peak memory), live latency and CPU share, acquisition decode
   throughput (from the live and acquisition benchmarks when present);
3. the tables, with the machine they ran on, printed and written to
   benchmarks/results.md.
"""

from __future__ import annotations

import os

# Before numpy is imported anywhere: every figure here is "on one core".
for _name in (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
):
    os.environ.setdefault(_name, "1")

import argparse  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # run as a script: make ``benchmarks`` importable
    sys.path.insert(0, str(REPO))

from benchmarks import report  # noqa: E402
from benchmarks.external import ExternalResult, external_run  # noqa: E402
from benchmarks.machine import load_average, machine_info  # noqa: E402
from benchmarks.offline import (  # noqa: E402
    analyze_measure,
    long_recording_write,
    skdh_measure,
)
from benchmarks.peers import GAITBACK, SKDH, compare  # noqa: E402
from benchmarks.report_batch import speed_section, throughput_section  # noqa: E402
from benchmarks.throughput import (  # noqa: E402
    dask_measure,
    extrapolate,
    folder_write,
    pool_measure,
    usable_cores,
)
from benchmarks.whole_process import cli_vs_read_measure  # noqa: E402

DEFAULT_RECORDINGS = REPO / "recordings" / "synthetic"
DEFAULT_OUT = REPO / "benchmarks" / "results.md"
#: Sections ``--only`` can pick: skdh comparison, the 1-hour file, batch throughput,
#: the live and acquisition benchmarks.
SECTIONS = ("real", "peers", "hour", "throughput", "external")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options."""
    p = argparse.ArgumentParser(prog="python benchmarks/run.py", description=__doc__.split("\n")[0])
    p.add_argument(
        "--recordings",
        type=Path,
        default=DEFAULT_RECORDINGS,
        help="folder of <name>.csv + <name>.truth.json (default: the bundled ones)",
    )
    p.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help="markdown file to write (default: benchmarks/results.md)",
    )
    p.add_argument(
        "--hour-s",
        type=float,
        default=3600.0,
        help="length of the long offline recording, s (default 3600)",
    )
    p.add_argument("--skip-hour", action="store_true", help="skip the long offline recording")
    p.add_argument("--no-skdh", action="store_true", help="run gaitback alone")
    p.add_argument(
        "--repeats",
        type=int,
        default=3,
        help="timed runs per tool and recording, and fresh processes timing "
        "the long analysis; the fastest counts (default 3)",
    )
    p.add_argument(
        "--profile",
        type=int,
        default=25,
        metavar="N",
        help="cProfile top N entries of the long analysis (0: no profile)",
    )
    p.add_argument(
        "--skip-external",
        action="store_true",
        help="do not run benchmarks/live_bench.py and acquisition_bench.py",
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help="ask the live/acquisition benchmarks for their quick mode",
    )
    p.add_argument(
        "--only",
        metavar="LIST",
        help=f"comma-separated sections to run, of {','.join(SECTIONS)} (default: all)",
    )
    p.add_argument(
        "--batch-n", type=int, default=200, help="recordings in the throughput folder (200)"
    )
    p.add_argument("--batch-minutes", type=float, default=10.0, help="length of each, min (10)")
    p.add_argument(
        "--batch-distinct",
        type=int,
        default=4,
        help="distinct simulated runs in that folder, the rest are copies (4)",
    )
    args = p.parse_args(argv)
    chosen = set(SECTIONS) if args.only is None else {x.strip() for x in args.only.split(",")}
    unknown = chosen - set(SECTIONS)
    if unknown:
        p.error(f"--only: unknown section(s) {', '.join(sorted(unknown))}; use {SECTIONS}")
    if args.skip_hour:
        chosen.discard("hour")
    if args.skip_external:
        chosen.discard("external")
    args.sections = chosen
    return args


def main(argv: list[str] | None = None) -> int:
    """Run everything, print the tables, write the results file."""
    args = parse_args(argv)
    started = time.perf_counter()
    info = machine_info()
    csv_paths = sorted(
        p for p in args.recordings.glob("*.csv") if p.with_name(p.stem + ".truth.json").exists()
    )
    if not csv_paths:
        print(
            f"run.py: error: no <name>.csv with <name>.truth.json in {args.recordings}",
            file=sys.stderr,
        )
        return 2

    def log(msg: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f} s] {msg}", file=sys.stderr, flush=True)

    real = None
    if "real" in args.sections:
        from benchmarks.realdata import DEFAULT_TRIALS, realdata_markdown, realdata_run

        log(f"real force-plate trials in {DEFAULT_TRIALS}")
        real = realdata_markdown(realdata_run(DEFAULT_TRIALS), DEFAULT_TRIALS)

    tools = (GAITBACK,) if args.no_skdh else (GAITBACK, SKDH)
    totals = None
    if "peers" in args.sections:
        log(f"comparing {', '.join(tools)} on {len(csv_paths)} recordings")
        totals = compare(csv_paths, tools, repeats=args.repeats)

    gen = measured = skdh_long = cli = None
    if "hour" in args.sections:
        with tempfile.TemporaryDirectory(prefix="gaitback-bench-") as tmp:
            log(f"simulating a {args.hour_s:g} s 200 Hz 6-axis recording")
            gen_start = time.perf_counter()
            gen = long_recording_write(Path(tmp) / "long_run.csv", duration_s=args.hour_s)
            gen["seconds"] = time.perf_counter() - gen_start
            log(f"analysing it in a one-core child process ({gen['n_samples']:,} samples)")
            measured = analyze_measure(gen["path"], profile_top=args.profile, repeats=args.repeats)
            log("whole-process gaitback analyze against pandas.read_csv, one-core children")
            cli = cli_vs_read_measure(gen["path"], repeats=args.repeats)
            if not args.no_skdh:
                log("skdh on the same long recording, one-core child process")
                skdh_long = skdh_measure(gen["path"])

    folder = pool = dask = extrapolation = None
    if "throughput" in args.sections:
        with tempfile.TemporaryDirectory(prefix="gaitback-bench-batch-") as tmp:
            log(
                f"simulating {args.batch_distinct} runs of {args.batch_minutes:g} min, "
                f"copied to {args.batch_n} recordings"
            )
            runs = Path(tmp) / "runs"
            folder = folder_write(runs, args.batch_n, args.batch_minutes * 60, args.batch_distinct)
            log(f"batch on the local pool ({usable_cores()} workers)")
            pool = pool_measure(runs, usable_cores())
            log("batch on a two-worker Dask LocalCluster")
            dask = dask_measure(runs, workers=2)
        if "error" not in pool:
            hour_cpu = None
            if measured is not None and "error" not in measured:
                hour_cpu = measured["warm_cpu_seconds"] * 3600.0 / measured["recording_s"]
            # Scale the measured rate to ten-minute recordings (the analysis is linear).
            per_10min = pool["per_core_s"] * args.batch_minutes / 10.0
            extrapolation = extrapolate(per_10min, hour_cpu)

    if "external" not in args.sections:
        live = ExternalResult("live_bench", "skipped", detail="not selected")
        acquisition = ExternalResult("acquisition_bench", "skipped", detail="not selected")
    else:
        log("live benchmark")
        live = external_run("live_bench.py", quick=args.quick)
        log("acquisition benchmark")
        acquisition = external_run("acquisition_bench.py", quick=args.quick)

    text = render(
        args,
        info,
        totals,
        len(csv_paths),
        gen,
        measured,
        skdh_long,
        live,
        acquisition,
        time.perf_counter() - started,
        {"cli": cli, "folder": folder, "pool": pool, "dask": dask, "extrapolation": extrapolation},
        real,
    )
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    log(f"wrote {args.out}")
    return 0


def render(
    args: argparse.Namespace,
    info: dict,
    totals: dict | None,
    n_recordings: int,
    gen: dict | None,
    measured: dict | None,
    skdh_long: dict | None,
    live: ExternalResult,
    acquisition: ExternalResult,
    total_s: float,
    batch: dict | None = None,
    real: str | None = None,
) -> str:
    """The whole results document."""
    command = "python benchmarks/run.py" + ("" if argv_tail() == "" else f" {argv_tail()}")
    parts = [
        "# gaitback benchmark results",
        "",
        f"Generated by `{command}` in {total_s:.0f} s. Do not edit by hand.",
        "",
        "## Machine",
        "",
        report.machine_section(info, load_average()),
        "",
        "## 0. Real running with force-plate truth (first: real data is the judge)",
        "",
        (
            real.split("\n", 2)[2].replace("\n## ", "\n### ")
            if real is not None
            else "Not run (`--only` without `real`)."
        ),
        "",
        "## 1. gaitback vs scikit-digital-health (skdh.gait.GaitLumbar) on the simulator",
        "",
    ]
    if totals is None:
        parts += ["Not run (`--only` without `peers`).", ""]
    else:
        parts += [
            f"Recordings: `{_rel(args.recordings)}` ({n_recordings} simulated sessions with "
            "exact truth: 100-200 Hz, standing/walking/running, faults, acc-only, rotated "
            "mount, packet loss). skdh is run with its defaults (`GaitLumbar(day_window=None)"
            ".predict(time, accel_g, fs, height)`: whole recording as gait, axes estimated, "
            "AP-CWT events); it is a walking algorithm (McCamley IC/FC, double support), "
            "so on running its IC/FC mean walking events, not running contact.",
            "",
            report.peers_section(totals, n_recordings),
            "",
            "### Per recording",
            "",
            report.per_recording_section(totals),
            "",
            "### Warnings and errors the tools gave",
            "",
            report.notes_section(totals),
            "",
        ]
    parts += ["## 2. gaitback's own figures", ""]
    if gen is not None:
        parts += [
            f"Long recording simulated in {gen['seconds']:.0f} s (not part of the "
            "figures), analysed by `gaitback.analyze(path)` in a fresh child process.",
            "",
        ]
    parts += [report.offline_section(gen, measured, live, acquisition), ""]
    if measured is not None and "error" not in measured and skdh_long is not None:
        parts += [
            "### The same long recording through skdh (one fresh one-core process, one run)",
            "",
            report.long_peer_section(measured, skdh_long),
            "",
        ]
    batch = batch or {}
    parts += [
        "## 3. Issue 17: whole `gaitback analyze` against reading the file, and batch",
        "",
        "Each figure is a fresh child process pinned to one CPU with one BLAS/OpenMP thread; "
        "read and analyze children alternate and the fastest of each counts. On a shared "
        "machine the wall times rise with other load (see the load average above); the CPU "
        "times and ratios move less.",
        "",
        speed_section(batch.get("cli"), measured),
        "",
        "### Batch throughput",
        "",
        throughput_section(
            batch.get("folder"), batch.get("pool"), batch.get("dask"), batch.get("extrapolation")
        ),
        "",
    ]
    quoted = report.external_text([live, acquisition])
    if quoted:
        parts += [quoted, ""]
    if measured and measured.get("profile"):
        parts += [
            "### Where the time goes (cProfile of a further run of the long analysis)",
            "",
            "```",
            measured["profile"].strip(),
            "```",
            "",
        ]
    return "\n".join(parts)


def argv_tail() -> str:
    """The options this run was given, for the provenance line."""
    return " ".join(sys.argv[1:]) if Path(sys.argv[0]).name == "run.py" else ""


def _rel(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(REPO))
    except ValueError:
        return str(path)


if __name__ == "__main__":
    sys.exit(main())
