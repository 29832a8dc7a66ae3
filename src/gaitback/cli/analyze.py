"""``gaitback analyze``: a recording in, steps + summary + findings + report out."""

from __future__ import annotations

import argparse
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

from gaitback.cli import interop

if TYPE_CHECKING:
    from gaitback.core.result import AnalysisResult

#: (summary key, label, unit, decimals) in display order.
SUMMARY_ROWS: tuple[tuple[str, str, str, int], ...] = (
    ("duration_s", "Recording", "s", 1),
    ("running_s", "Running", "s", 1),
    ("n_steps", "Steps", "", 0),
    ("cadence_spm", "Cadence", "steps/min", 1),
    ("contact_ms", "Contact time", "ms", 0),
    ("flight_ms", "Flight time", "ms", 0),
    ("duty_factor", "Duty factor", "", 2),
    ("contact_balance_left_pct", "Contact balance (left)", "%", 1),
    ("contact_symmetry_pct", "Contact asymmetry", "%", 1),
    ("vertical_oscillation_cm", "Vertical oscillation", "cm", 1),
    ("vertical_ratio_pct", "Vertical ratio", "%", 1),
    ("step_length_m", "Step length", "m", 2),
    ("impact_g", "Impact (peak vertical)", "g", 2),
    ("loading_rate_gps", "Loading rate", "g/s", 0),
    ("braking_g", "Braking", "g", 2),
    ("forward_lean_deg", "Forward lean", "deg", 1),
    ("pelvic_drop_left_deg", "Pelvic drop, left stance", "deg", 1),
    ("pelvic_drop_right_deg", "Pelvic drop, right stance", "deg", 1),
    ("pelvic_rotation_deg", "Pelvic rotation", "deg", 1),
    ("step_regularity", "Step regularity", "", 2),
    ("contact_cv_pct", "Contact time variability (CV)", "%", 1),
)


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
    p.add_argument("--speed", type=float, metavar="M_PER_S", help="treadmill speed in m/s")
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
    source = Path(args.recording)
    out = Path(args.out) if args.out else Path.cwd() / f"{source.stem}-gaitback"
    err = Console(stderr=True)
    console = Console()
    progress_ctx = _progress(err) if err.is_terminal and not args.json else nullcontext(None)
    with progress_ctx as progress:
        from gaitback.api import analyze

        result = analyze(
            interop.analyze_source(args, source),
            speed_mps=args.speed,
            height_m=args.height,
            fmt=args.fmt,
            axes=args.axes,
            acc_unit=args.acc_unit,
            progress=progress,
        )
    interop_paths = interop.analyze_extras(result, args, out)  # --compare, --fit
    findings = _feedback(result, args, out)
    paths = result.to_dir(out)
    paths.update(interop_paths)
    if not args.no_report and (out / "report.html").exists():
        paths["report"] = out / "report.html"
    saved = _save(result, args)
    if args.json:
        import json

        print(json.dumps(result.summary_json(), indent=2))
        return 0
    console.print(summary_table(result))
    for line in result.warnings:
        console.print(f"[yellow]note:[/yellow] {line}")
    if findings:
        from gaitback.feedback import findings_print

        findings_print(findings, console)
    for name, path in paths.items():
        console.print(f"{name:>8}: {path}")
    if saved:
        console.print(f"{'history':>8}: {saved}")
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


def _feedback(result: AnalysisResult, args: argparse.Namespace, out: Path) -> list[Any]:
    from gaitback.feedback import feedback_process

    baseline = None
    if not args.no_save:
        from gaitback.history import personal_baseline

        try:
            baseline = personal_baseline(args.db, exclude=result) or None
        except Exception:
            baseline = None
    out.mkdir(parents=True, exist_ok=True)
    report = None if args.no_report else out / "report.html"
    return feedback_process(
        result, thresholds_path=args.thresholds, baseline=baseline, report_path=report
    )


def _save(result: AnalysisResult, args: argparse.Namespace) -> str | None:
    if args.no_save or not result.has_running:
        return None
    from gaitback.history import default_db_path, save_analysis

    session_id = save_analysis(
        result, db=args.db, shoe=args.shoe, surface=args.surface, notes=args.notes
    )
    return f"session {session_id} in {args.db or default_db_path()}"


def _fmt(value: Any, decimals: int) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.{decimals}f}"
    return str(value)


def summary_table(result: AnalysisResult) -> Table:
    """The summary as a two-column table, with the data-quality caption."""
    s = result.summary
    table = Table(title=f"gaitback: {result.recording.source}", title_justify="left")
    table.add_column("metric")
    table.add_column("value", justify="right")
    table.add_column("unit")
    for key, label, unit, decimals in SUMMARY_ROWS:
        if key not in s or (s[key] is None and key in ("vertical_ratio_pct", "step_length_m")):
            continue
        table.add_row(label, _fmt(s[key], decimals), unit)
    lean_ref = s.get("lean_reference")
    table.caption = (
        f"{s.get('sample_rate_hz', 0):.0f} Hz, "
        f"{'gyro' if s.get('has_gyro') else 'no gyro'}, "
        f"{s.get('lost_samples', 0)} lost samples; lean relative to {lean_ref}"
    )
    return table
