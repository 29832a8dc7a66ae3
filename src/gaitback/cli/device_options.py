"""Device options and connection messages shared by `record`, `calibrate` and `live`.

Command-line glue (argparse, stderr) for the acquisition layer, which itself
prints nothing and parses no arguments.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from gaitback.acquisition.profiles import DeviceProfile, load_profile
from gaitback.acquisition.stream import Connected, Disconnected, Gap, Reconnected, StreamItem
from gaitback.acquisition.transport import Transport, open_transport


def add_device_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--profile", required=True, help="device profile name or .toml path (gaitback devices)"
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--port", help="serial port, e.g. /dev/ttyUSB0 (serial profiles)")
    where.add_argument("--address", help="BLE address (BLE profiles)")
    where.add_argument("--name", help="BLE advertised name (BLE profiles)")


def transport_factory(args: argparse.Namespace) -> tuple[DeviceProfile, Callable[[], Transport]]:
    profile = load_profile(args.profile)
    # Fail now, with the message, rather than at the first connection attempt.
    open_transport(profile, port=args.port, address=args.address, name=args.name)
    return profile, lambda: open_transport(
        profile, port=args.port, address=args.address, name=args.name
    )


def print_event(item: StreamItem) -> None:
    """One line on stderr per connection event."""
    if isinstance(item, Connected):
        msg = f"connected: {item.description}"
    elif isinstance(item, Reconnected):
        msg = f"reconnected: {item.description}"
    elif isinstance(item, Disconnected):
        msg = f"disconnected at {item.time_s:.2f} s: {item.reason}; reconnecting"
    elif isinstance(item, Gap):
        how = "" if item.exact else " (estimated)"
        msg = f"gap: {item.n_lost} samples lost{how} {item.start_s:.2f}-{item.end_s:.2f} s"
    else:
        return
    print(f"gaitback: {msg}", file=sys.stderr, flush=True)
