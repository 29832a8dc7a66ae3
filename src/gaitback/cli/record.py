"""``gaitback record``: stream a device to a canonical recording."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from pathlib import Path

from gaitback.acquisition.calibration import device_key, load_calibration
from gaitback.acquisition.recorder import RecordSummary, record_stream
from gaitback.acquisition.stream import AcquisitionStream
from gaitback.cli.device_options import add_device_arguments, print_event, transport_factory
from gaitback.errors import GaitbackError
from gaitback.recording import sidecar_path

#: Seconds without data before the recording stops (as ``live --give-up``).
DEFAULT_GIVE_UP_S = 60.0
#: Exit status when the device went silent: what was recorded is kept.
EXIT_NO_DATA = 1


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "record",
        help="record a sensor (serial or BLE) to a recording CSV",
        description="Record a device to a canonical recording (CSV + sidecar), flushed "
        "every half second. Reconnects after an unplug or a BLE drop and marks the gap. "
        "Ctrl-C stops cleanly.",
    )
    add_device_arguments(parser)
    parser.add_argument("--out", required=True, help="output CSV path")
    parser.add_argument("--duration", type=float, help="stop after this many seconds")
    parser.add_argument(
        "--give-up",
        type=float,
        default=DEFAULT_GIVE_UP_S,
        metavar="SECONDS",
        help="stop when the device sends no data for this long, connected or not "
        "(default %(default)g); exit status 1",
    )
    parser.add_argument(
        "--force", action="store_true", help="overwrite --out (and its sidecar) if it exists"
    )
    parser.add_argument("--no-calibration", action="store_true", help="ignore a saved calibration")
    parser.set_defaults(func=handler)


def handler(args: argparse.Namespace) -> int:
    for value, flag in ((args.duration, "--duration"), (args.give_up, "--give-up")):
        if value is not None and not value > 0:
            raise GaitbackError(f"{flag} must be positive, got {value}")
    out = Path(args.out)
    if not args.force:
        for path in (out, sidecar_path(out)):
            if path.exists():
                raise GaitbackError(f"{path} exists; use --force to overwrite it")
    profile, factory = transport_factory(args)
    calibration = None
    if not args.no_calibration:
        calibration = load_calibration(profile.name, device_key(args.port, args.address, args.name))
        if calibration is not None:
            print(f"gaitback: using calibration from {calibration.created_at}", file=sys.stderr)
    stream = AcquisitionStream(
        profile, factory, calibration=calibration, give_up_after_s=args.give_up
    )
    summary = asyncio.run(_run(stream, args))
    if summary.stopped_by:
        print(f"gaitback: {summary.stopped_by}; recording stopped", file=sys.stderr, flush=True)
    print(summary.describe())
    return EXIT_NO_DATA if summary.stopped_by else 0


async def _run(stream: AcquisitionStream, args: argparse.Namespace) -> RecordSummary:
    task = asyncio.current_task()
    loop = asyncio.get_running_loop()
    assert task is not None
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, task.cancel)
    print(f"gaitback: recording to {args.out} (Ctrl-C to stop)", file=sys.stderr, flush=True)
    return await record_stream(
        stream, args.out, duration_s=args.duration, on_item=print_event, stop_on_give_up=True
    )
