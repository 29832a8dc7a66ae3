"""``gaitback devices``: the device profiles, serial ports and (with --scan) BLE devices."""

from __future__ import annotations

import argparse
import asyncio

from gaitback.acquisition.profiles import list_profiles, profile_dirs


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "devices",
        help="list device profiles, serial ports and (--scan) BLE devices",
        description="List the device profiles gaitback knows, the serial ports present "
        "and, with --scan, the BLE devices advertising nearby.",
    )
    parser.add_argument("--scan", action="store_true", help="scan for BLE devices")
    parser.add_argument("--seconds", type=float, default=5.0, help="BLE scan duration (default 5)")
    parser.set_defaults(func=handler)


def handler(args: argparse.Namespace) -> int:
    profiles = list_profiles()
    print("Device profiles (use with --profile):")
    width = max((len(p.name) for p in profiles), default=10)
    for p in profiles:
        print(f"  {p.name:<{width}}  {p.transport:<6} {p.sample_rate_hz:>6g} Hz  {p.description}")
    if not profiles:
        print(f"  none found in {', '.join(str(d) for d in profile_dirs())}")
    from gaitback.acquisition.serial_port import list_ports

    ports = list_ports()
    print("Serial ports:" if ports else "Serial ports: none found")
    for device, description in ports:
        print(f"  {device}  {description}")
    if args.scan:
        from gaitback.acquisition.transport import scan_devices

        found = asyncio.run(scan_devices("ble", timeout_s=args.seconds))
        print(f"BLE devices ({len(found)} found in {args.seconds:g} s):")
        for d in found:
            rssi = f"{d.rssi_dbm} dBm" if d.rssi_dbm is not None else ""
            print(f"  {d.address}  {d.name or '?':<24} {rssi}")
    return 0
