"""``gaitback batch``: many recordings in, one sessions table and one steps table out."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from gaitback.errors import GaitbackError

#: Exit status when the batch finished but some recordings failed (rows with errors).
EXIT_SOME_FAILED = 1
EXIT_INTERRUPTED = 130
_ERRORS_SHOWN = 10


# --- SPEED PARSER --------------------------------------------------------------------
# Batch takes plain m/s for now. When gaitback's shared speed parser (12km/h, 5:00/km)
# lands for analyze/live/simulate, replace this one function by it; nothing else in
# batch parses speeds.
def speed_arg(text: str) -> float:
    """``--speed`` value -> m/s, in the runner's units (``12km/h``, ``5:00/km``, ``3.3``)."""
    from gaitback.errors import GaitbackError
    from gaitback.speed import speed_parse

    try:
        return speed_parse(text)
    except GaitbackError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


# -------------------------------------------------------------------------------------


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "batch",
        help="analyse many recordings into sessions.parquet and steps.parquet",
        description=(
            "Analyse every recording SOURCES name (folders, glob patterns, recording files, "
            "text files listing paths) into RES/sessions.parquet (one row per recording, "
            "errors included) and RES/steps.parquet. Re-running skips recordings already "
            "analysed with the same content, gaitback version and options, so an "
            "interrupted batch resumes. Nothing is saved to the session history. "
            "Exit status: 0 all analysed, 1 some recordings failed, in this run or unchanged "
            "since an earlier one (see the error column), "
            "2 bad arguments, 130 interrupted. See docs/batch.md."
        ),
    )
    p.add_argument("sources", nargs="+", metavar="SOURCE", help="folder, glob, file or list file")
    p.add_argument("--out", required=True, metavar="RES", help="results folder")
    p.add_argument(
        "--jobs", type=int, metavar="N", help="worker processes (default: the usable cores)"
    )
    p.add_argument(
        "--scheduler",
        metavar="tcp://HOST:PORT",
        help="run on this Dask distributed scheduler instead of local processes",
    )
    p.add_argument("--reports", action="store_true", help="also write reports/<name>.html")
    p.add_argument("--retry-errors", action="store_true", help="analyse failed recordings again")
    p.add_argument(
        "--speed",
        type=speed_arg,
        metavar="SPEED",
        help="treadmill speed: 3.3 (m/s), 12km/h, 7.5mph, 5:00/km, 8:00/mi",
    )
    p.add_argument("--height", type=float, metavar="M", help="runner height in metres")
    p.add_argument("--format", dest="fmt", metavar="FMT", help="force the input format")
    p.add_argument("--axes", metavar="MAP", help="sensor mounting, e.g. x=up,y=left,z=backward")
    p.add_argument("--acc-unit", choices=["g", "mps2"], help="unit of the acc columns")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from rich.console import Console

    from gaitback.batch import batch_run, sources_expand

    if args.jobs is not None and args.jobs < 1:
        raise GaitbackError(f"--jobs must be at least 1, got {args.jobs}")
    out = Path(args.out)
    paths = sources_expand(args.sources, skip=out)
    if not paths:
        raise GaitbackError("no recordings found in " + ", ".join(args.sources))
    options = {
        "speed_mps": args.speed,
        "height_m": args.height,
        "fmt": args.fmt,
        "axes": args.axes,
        "acc_unit": args.acc_unit,
    }
    err = Console(stderr=True)
    with _progress_bar(err, len(paths)) as update:
        counts = batch_run(
            paths,
            out,
            options={k: v for k, v in options.items() if v is not None},
            jobs=args.jobs,
            scheduler=args.scheduler,
            reports=args.reports,
            retry_errors=args.retry_errors,
            progress=update,
        )
    console = Console()
    before = (
        f", of which {counts.failed_before} failed earlier (--retry-errors tries again)"
        if counts.failed_before
        else ""
    )
    console.print(
        f"{counts.total} recordings: {counts.ok} analysed, {counts.failed} failed, "
        f"{counts.skipped} already done{before}"
    )
    for path, error in counts.errors[:_ERRORS_SHOWN]:
        # Reader errors already start with the path; others get it in front.
        line = error if error.startswith(path) else f"{path}: {error}"
        console.print(f"[red]failed:[/red] {line}", highlight=False, soft_wrap=True)
    if len(counts.errors) > _ERRORS_SHOWN:
        console.print(f"... and {len(counts.errors) - _ERRORS_SHOWN} more (column 'error')")
    console.print(f"sessions: {out / 'sessions.parquet'}\n   steps: {out / 'steps.parquet'}")
    if counts.interrupted:
        err.print(
            f"gaitback: interrupted after {counts.finished} of {counts.total} recordings; "
            "results so far are saved, run the same command to resume"
        )
        return EXIT_INTERRUPTED
    return EXIT_SOME_FAILED if counts.failed or counts.failed_before else 0


def _progress_bar(err: Any, total: int) -> Any:
    """A rich progress bar on a terminal (counts, rate, time left); silent otherwise."""
    from contextlib import contextmanager

    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    @contextmanager
    def ctx():  # type: ignore[no-untyped-def]
        with Progress(
            TextColumn("batch"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[detail]}"),
            TimeElapsedColumn(),
            TextColumn("left"),
            TimeRemainingColumn(),
            console=err,
            disable=not err.is_terminal,
        ) as bar:
            task = bar.add_task("batch", total=total, detail="")

            def update(counts: Any, elapsed_s: float) -> None:
                analysed = counts.ok + counts.failed
                rate = analysed / elapsed_s if elapsed_s > 0 else 0.0
                bar.update(
                    task,
                    completed=counts.finished,
                    detail=f"{counts.failed} failed, {counts.skipped} skipped, {rate:.2f} files/s",
                )

            yield update

    return ctx()
