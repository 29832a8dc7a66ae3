"""``gaitback record``: stream a device to a canonical recording."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys

from gaitback.acquisition.calibration import device_key, load_calibration
from gaitback.acquisition.recorder import RecordSummary, record_stream
from gaitback.acquisition.stream import AcquisitionStream
from gaitback.cli.device_options import add_device_arguments, print_event, transport_factory
from gaitback.errors import GaitbackError


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
    parser.add_argument("--no-calibration", action="store_true", help="ignore a saved calibration")
    parser.set_defaults(func=handler)


def handler(args: argparse.Namespace) -> int:
    if args.duration is not None and not args.duration > 0:
        raise GaitbackError(f"--duration must be positive, got {args.duration}")
    profile, factory = transport_factory(args)
    calibration = None
    if not args.no_calibration:
        calibration = load_calibration(profile.name, device_key(args.port, args.address, args.name))
        if calibration is not None:
            print(f"gaitback: using calibration from {calibration.created_at}", file=sys.stderr)
    stream = AcquisitionStream(profile, factory, calibration=calibration)
    summary = asyncio.run(_run(stream, args))
    print(summary.describe())
    return 0


async def _run(stream: AcquisitionStream, args: argparse.Namespace) -> RecordSummary:
    task = asyncio.current_task()
    loop = asyncio.get_running_loop()
    assert task is not None
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, task.cancel)
    print(f"gaitback: recording to {args.out} (Ctrl-C to stop)", file=sys.stderr, flush=True)
    return await record_stream(stream, args.out, duration_s=args.duration, on_item=print_event)
