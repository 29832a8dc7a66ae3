"""``gaitback analyze``: a recording in, steps + summary + findings + report out."""

from __future__ import annotations

import argparse
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console

from gaitback.cli import interop

if TYPE_CHECKING:
    pass

def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "analyze",
        help="analyse a recorded session (steps, contact, impact, lean, pelvic drop, findings)",
        description=(
            "Analyse a recording: a gaitback CSV (with its .json sidecar) or a file from "
            "phyphox, Sensor Logger, MetaBase or WitMotion (detected automatically). Writes "
            "steps.csv, summary.json and report.html into --out, prints the summary and "
            "the findings, and saves the session to your history."
        ),
    )
    p.add_argument("recording", help="recording file (or folder/zip for two-file sources)")
    p.add_argument("--out", metavar="DIR", help="output folder (default: ./<stem>-gaitback)")
    p.add_argument(
        "--speed",
        metavar="SPEED",
        help="treadmill speed: 12km/h, 7.5mph, 3.3m/s, pace 5:00/km or 8:00/mi (bare number: m/s)",
    )
    p.add_argument("--height", type=float, metavar="M", help="runner height in metres")
    p.add_argument("--format", dest="fmt", metavar="FMT", help="force the input format")
    p.add_argument(
        "--axes",
        metavar="MAP",
        help="sensor mounting, e.g. x=up,y=left,z=backward (overrides the sidecar)",
    )
    p.add_argument(
        "--acc-unit",
        choices=["g", "m/s2", "mps2"],
        help="unit of the acc columns when the file is not in m/s^2",
    )
    p.add_argument("--thresholds", metavar="FILE", help="TOML file overriding finding thresholds")
    p.add_argument("--no-report", action="store_true", help="skip report.html")
    p.add_argument("--no-save", action="store_true", help="do not save to the session history")
    p.add_argument("--db", metavar="FILE", help="session history database (default: $GAITBACK_DB)")
    p.add_argument("--shoe", help="shoe worn (see 'gaitback shoes add')")
    p.add_argument("--surface", help="surface, e.g. treadmill, road, trail")
    p.add_argument("--notes", help="free-text notes saved with the session")
    p.add_argument("--json", action="store_true", help="print summary.json to stdout instead")
    # Other tools' files: logger CSV mapping, --fit, --compare (gaitback.cli.interop).
    interop.add_analyze_arguments(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from gaitback.speed import speed_option

    speed_mps = speed_option(args.speed)
    source = Path(args.recording)
    out = Path(args.out) if args.out else Path.cwd() / f"{source.stem}-gaitback"
    err = Console(stderr=True)
    console = Console()
    progress_ctx = _progress(err) if err.is_terminal and not args.json else nullcontext(None)
    with progress_ctx as progress:
        from gaitback.api import analyze

        result = analyze(
            interop.analyze_source(args, source),
            speed_mps=speed_mps,
            height_m=args.height,
            fmt=args.fmt,
            axes=args.axes,
            acc_unit=args.acc_unit,
            progress=progress,
        )
    interop_paths = interop.analyze_extras(result, args, out)  # --compare, --fit
    from gaitback.workflow import SessionOptions, session_process

    out.mkdir(parents=True, exist_ok=True)
    options = SessionOptions(
        report_path=None if args.no_report else out / "report.html",
        thresholds_path=args.thresholds,
        history=not args.no_save,
        db=args.db,
        shoe=args.shoe,
        surface=args.surface,
        notes=args.notes,
    )
    paths: dict[str, Path] = {}

    def show(findings: list[Any]) -> None:
        paths.update(result.to_dir(out))
        paths.update(interop_paths)
        if options.report_path is not None and Path(options.report_path).exists():
            paths["report"] = Path(options.report_path)
        if args.json:
            import json

            print(json.dumps(result.summary_json(), indent=2))
            return
        from gaitback.present.text import summary_table

        console.print(summary_table(result))
        for line in result.warnings:
            console.print(f"[yellow]note:[/yellow] {line}")
        if findings:
            from gaitback.present.text import findings_print

            findings_print(findings, console)
        for name, path in paths.items():
            console.print(f"{name:>8}: {path}")

    # Saved last: whatever happens to the history store, the results are out already.
    outcome = session_process(result, options, show)
    if outcome.saved and not args.json:
        console.print(f"{'history':>8}: {outcome.saved}")
    return 0


def _progress(err: Console) -> Any:
    from contextlib import contextmanager

    from rich.progress import BarColumn, Progress, TextColumn

    @contextmanager
    def ctx():  # type: ignore[no-untyped-def]
        with Progress(
            TextColumn("{task.description:<14}"), BarColumn(), console=err, transient=True
        ) as bar:
            task = bar.add_task("reading", total=1.0)

            def update(stage: str, fraction: float) -> None:
                bar.update(task, description=stage, completed=fraction)

            yield update

    return ctx()
