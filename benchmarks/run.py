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

DEFAULT_RECORDINGS = REPO / "recordings" / "synthetic"
DEFAULT_OUT = REPO / "benchmarks" / "results.md"


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
    return p.parse_args(argv)


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

    tools = (GAITBACK,) if args.no_skdh else (GAITBACK, SKDH)
    log(f"comparing {', '.join(tools)} on {len(csv_paths)} recordings")
    totals = compare(csv_paths, tools, repeats=args.repeats)

    gen = measured = skdh_long = None
    if not args.skip_hour:
        with tempfile.TemporaryDirectory(prefix="gaitback-bench-") as tmp:
            log(f"simulating a {args.hour_s:g} s 200 Hz 6-axis recording")
            gen_start = time.perf_counter()
            gen = long_recording_write(Path(tmp) / "long_run.csv", duration_s=args.hour_s)
            gen["seconds"] = time.perf_counter() - gen_start
            log(f"analysing it in a one-core child process ({gen['n_samples']:,} samples)")
            measured = analyze_measure(gen["path"], profile_top=args.profile, repeats=args.repeats)
            if not args.no_skdh:
                log("skdh on the same long recording, one-core child process")
                skdh_long = skdh_measure(gen["path"])

    if args.skip_external:
        live = ExternalResult("live_bench", "skipped", detail="--skip-external")
        acquisition = ExternalResult("acquisition_bench", "skipped", detail="--skip-external")
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
    )
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    log(f"wrote {args.out}")
    return 0


def render(
    args: argparse.Namespace,
    info: dict,
    totals: dict,
    n_recordings: int,
    gen: dict | None,
    measured: dict | None,
    skdh_long: dict | None,
    live: ExternalResult,
    acquisition: ExternalResult,
    total_s: float,
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
        "## 1. gaitback vs scikit-digital-health (skdh.gait.GaitLumbar)",
        "",
        f"Recordings: `{_rel(args.recordings)}` ({n_recordings} simulated sessions with "
        "exact truth: 100-200 Hz, standing/walking/running, faults, acc-only, rotated mount, "
        "packet loss). skdh is run with its defaults (`GaitLumbar(day_window=None)"
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
        "## 2. gaitback's own figures",
        "",
    ]
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
