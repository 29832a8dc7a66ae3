"""Options shared by ``analyze`` and ``convert`` for other tools' files.

A logger's CSV (``--columns``, ``--time-unit``, ``--gyro-unit``), FIT export
(``--fit``) and a watch's run side by side (``--compare``). Kept apart from
the subcommands so that each of them adds one block of arguments and one call.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from gaitback import schema as col
from gaitback.errors import GaitbackError

if TYPE_CHECKING:
    from gaitback.core.result import AnalysisResult
    from gaitback.recording import Recording

#: File written by ``--fit`` into the output folder.
FIT_NAME = "run.fit"
#: Accepted by ``--acc-unit`` (``mps2`` is the older spelling of ``m/s2``).
ACC_UNITS = ("g", "m/s2", "mps2")


def add_logger_arguments(parser: argparse.ArgumentParser) -> None:
    """``--columns``, ``--time-unit`` and ``--gyro-unit`` (``--acc-unit`` exists already)."""
    parser.add_argument(
        "--columns",
        metavar="MAP",
        help="a logger CSV's columns, e.g. time=timestamp,acc_x=accX,acc_y=accY,acc_z=accZ,"
        "gyr_x=gyroX,gyr_y=gyroY,gyr_z=gyroZ (see docs/importing.md)",
    )
    parser.add_argument(
        "--time-unit", choices=("s", "ms", "us", "ns"),
        help="unit of the --columns time column (inferred from the sample spacing if not given)",
    )
    parser.add_argument(
        "--gyro-unit", choices=("deg/s", "rad/s"),
        help="unit of the --columns gyroscope columns (inferred if not given)",
    )


def add_analyze_arguments(parser: argparse.ArgumentParser) -> None:
    """The logger options plus ``--fit`` and ``--compare``."""
    add_logger_arguments(parser)
    parser.add_argument(
        "--fit", action="store_true",
        help=f"also write {FIT_NAME}, a FIT activity with running dynamics, into --out",
    )
    parser.add_argument(
        "--compare", metavar="WATCH.fit",
        help="a watch's FIT file of the same run: compare its running dynamics with gaitback's",
    )


def _mapping_given(args: argparse.Namespace) -> bool:
    return any(getattr(args, k, None) for k in ("columns", "time_unit", "gyro_unit"))


def load_with_mapping(args: argparse.Namespace, source: Path) -> Recording:
    """Read ``source`` with every import option given on the command line."""
    from gaitback.importers import recording_load

    return recording_load(
        source, fmt=args.fmt, axes=args.axes, acc_unit=args.acc_unit,
        columns=args.columns, time_unit=args.time_unit, gyro_unit=args.gyro_unit,
    )


def analyze_source(args: argparse.Namespace, source: Path) -> Path | Recording:
    """What ``analyze`` should read: ``source``, or it already read through ``--columns``.

    The ``--compare`` file is read here too, before the analysis, so that a bad
    file is reported at once (kept as ``args.compare_watch``).
    """
    if getattr(args, "compare", None):
        from gaitback.fitfiles.run import read_watch

        args.compare_watch = read_watch(args.compare)
    return load_with_mapping(args, source) if _mapping_given(args) else source


def analyze_extras(result: AnalysisResult, args: argparse.Namespace, out: Path) -> dict[str, Path]:
    """Run ``--compare`` and ``--fit`` (before the report, which shows both); paths written."""
    paths: dict[str, Path] = {}
    if args.compare:
        from gaitback.fitfiles.compare import WHOLE_RUN
        from gaitback.fitfiles.run import compare_with_watch

        result.compare = compare_with_watch(
            result, args.compare, getattr(args, "compare_watch", None)
        )
        if result.compare.basis == WHOLE_RUN:
            result.warnings.append(f"--compare: {result.compare.note}")
    if args.fit:
        from gaitback.fitfiles.run import export_fit

        target = out / FIT_NAME
        result.warnings.extend(export_fit(result, target))
        paths["fit"] = target
    return paths


def convert_fit(source: Path, out: Path) -> str:
    """``convert`` of a FIT file: its running-dynamics records as CSV; the line to print."""
    from gaitback.fitfiles.read import read_watch_fit

    watch = read_watch_fit(source)
    try:
        table = watch.records.copy()
        # Unix seconds need 10 digits before the point; the rest keep 6 significant.
        table[col.UNIX_TIME] = table[col.UNIX_TIME].map(lambda v: "" if v != v else f"{v:.3f}")
        table.to_csv(out, index=False, float_format="%.6g", na_rep="")
        out.with_suffix(".json").write_text(
            json.dumps(
                {
                    "imported_from": str(source),
                    "import_format": "fit",
                    "device": watch.device,
                    "clock": "utc" if watch.has_clock else "device (no wall clock)",
                    "fields": watch.sources,
                    "averages": {k: v for k, v in watch.averages.items() if v == v},
                },
                indent=2,
            ) + "\n",
            encoding="utf-8",
        )
    except OSError as exc:
        raise GaitbackError(f"--out {out}: cannot write ({exc.strerror or exc})") from None
    return (
        f"{source.name} holds no raw IMU data (FIT keeps a watch's per-second summaries): "
        f"wrote its {len(watch.records)} running-dynamics records to {out} and "
        f"{out.with_suffix('.json').name}; analyse your sensor's recording with "
        f"--compare {source.name} to put the two side by side"
    )
