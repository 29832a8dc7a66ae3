"""``gaitback calibrate``: a few seconds standing still -> gyro bias and gravity direction."""

from __future__ import annotations

import argparse
import asyncio
import sys

import numpy as np

from gaitback.acquisition.calibration import (
    compute_calibration,
    device_key,
    save_calibration,
)
from gaitback.acquisition.stream import AcquisitionStream, SampleBlock
from gaitback.cli.device_options import add_device_arguments, print_event, transport_factory
from gaitback.errors import GaitbackError
from gaitback.recording import axes_matrix


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "calibrate",
        help="measure gyro bias and mount direction while standing still",
        description="Stand still, sensor clipped on, for a few seconds: measures the gyro "
        "bias and which sensor axis points up, saved per device under calibration/ and "
        "applied automatically by gaitback record.",
    )
    add_device_arguments(parser)
    parser.add_argument(
        "--seconds", type=float, default=5.0, help="how long to stand still (default 5)"
    )
    parser.set_defaults(func=handler)


def handler(args: argparse.Namespace) -> int:
    if not args.seconds > 0:
        raise GaitbackError(f"--seconds must be positive, got {args.seconds}")
    profile, factory = transport_factory(args)
    print(f"gaitback: stand still for {args.seconds:g} s ...", file=sys.stderr, flush=True)
    # No reconnecting here: a device that stops talking should end calibration with an error.
    stream = AcquisitionStream(profile, factory, reconnect=False)
    acc, gyr = asyncio.run(_collect(stream, args.seconds))
    key = device_key(args.port, args.address, args.name)
    cal = compute_calibration(profile.name, key, acc, gyr, args.seconds)
    path = save_calibration(cal)
    bias = (
        "no gyro"
        if cal.gyro_bias_dps is None
        else "gyro bias " + ", ".join(f"{v:+.2f}" for v in cal.gyro_bias_dps) + " deg/s"
    )
    print(f"saved {path}: {bias}; up is sensor {cal.up_axis()} (|g| {cal.acc_norm_mps2:.2f} m/s^2)")
    if profile.axes:
        up_body = axes_matrix(profile.axes).T @ np.array([0.0, 0.0, 1.0])
        if float(np.dot(up_body, cal.gravity_sensor)) < 0.8:
            print(
                f"gaitback: warning: profile {profile.name} says up is sensor "
                f"{_axis_name(up_body)}, but gravity is along {cal.up_axis()}; "
                "check how the sensor is clipped on",
                file=sys.stderr,
            )
    return 0


def _axis_name(vector: np.ndarray) -> str:
    k = int(np.argmax(np.abs(vector)))
    return ("+" if vector[k] > 0 else "-") + "xyz"[k]


async def _collect(
    stream: AcquisitionStream, seconds: float
) -> tuple[np.ndarray, np.ndarray | None]:
    acc: list[np.ndarray] = []
    gyr: list[np.ndarray] = []
    collected = 0.0
    iterator = aiter(stream)
    try:
        async for item in iterator:
            print_event(item)
            if isinstance(item, SampleBlock):
                acc.append(item.acc_mps2)
                if item.gyr_dps is not None:
                    gyr.append(item.gyr_dps)
                collected = float(item.time_s[-1])
                if collected >= seconds:
                    break
    finally:
        await iterator.aclose()  # type: ignore[attr-defined]
    if not acc:
        raise GaitbackError("no samples received; is the device streaming?")
    return np.concatenate(acc), (np.concatenate(gyr) if gyr else None)
