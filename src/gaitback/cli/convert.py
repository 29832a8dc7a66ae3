"""``gaitback convert``: any supported recording -> canonical CSV plus sidecar."""

from __future__ import annotations

import argparse
from pathlib import Path

from gaitback.cli import interop
from gaitback.errors import GaitbackError
from gaitback.importers import FORMATS, is_fit_file
from gaitback.recording import write_recording


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "convert",
        help="convert a phone/device export to gaitback's recording format",
        description=(
            "Read a recording (canonical CSV, phyphox, Sensor Logger, MbientLab MetaBase, "
            "WitMotion PC log, or any logger's CSV with --columns; a file, folder or zip) and "
            "write it as a canonical CSV with its JSON sidecar. A FIT file has no raw IMU "
            "data: its running-dynamics records are written instead. See docs/importing.md."
        ),
    )
    parser.add_argument("source", metavar="SRC", help="file, folder or zip to read")
    parser.add_argument("--out", required=True, metavar="FILE.csv", help="CSV to write")
    parser.add_argument(
        "--format", dest="fmt", metavar="F", help=f"force the input format ({', '.join(FORMATS)})"
    )
    parser.add_argument(
        "--acc-unit",
        choices=interop.ACC_UNITS,
        help="acceleration unit of the input when its label is wrong or missing",
    )
    parser.add_argument(
        "--axes",
        metavar="x=D,y=D,z=D",
        help="body direction of each sensor axis, e.g. x=up,y=left,z=backward",
    )
    parser.add_argument("--force", action="store_true", help="overwrite FILE.csv if it exists")
    interop.add_logger_arguments(parser)
    parser.set_defaults(func=handler)


def handler(args: argparse.Namespace) -> int:
    out = Path(args.out)
    source = Path(args.source)
    if out.suffix.lower() != ".csv":
        raise GaitbackError(f"--out {out}: the recording file must end in .csv")
    if source.exists() and out.exists() and out.resolve() == source.resolve():
        raise GaitbackError(f"--out {out}: is the input file; choose another name")
    if out.exists() and not args.force:
        raise GaitbackError(f"--out {out}: already exists (use --force to overwrite)")
    if source.is_file() and is_fit_file(source):
        print(interop.convert_fit(source, out))
        return 0
    recording = interop.load_with_mapping(args, source)
    try:
        written = write_recording(recording, out)
    except OSError as exc:
        raise GaitbackError(f"--out {out}: cannot write ({exc.strerror or exc})") from None
    rate = recording.sample_rate_hz
    print(
        f"wrote {written} ({recording.n_samples} samples, {recording.duration_s:.1f} s, "
        f"{rate:.1f} Hz, gyro {'yes' if recording.has_gyro else 'no'}, "
        f"{recording.lost_samples} lost) and {written.with_suffix('.json').name}"
    )
    return 0
