"""``gaitback emulate``: play a recording as a device over a virtual serial port."""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from gaitback.acquisition.emulator import DeviceEmulator
from gaitback.acquisition.profiles import load_profile
from gaitback.recording import read_recording


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "emulate",
        help="play a recording as a device on a virtual serial port",
        description="Play a recording as PROFILE's device, in real time, over a virtual "
        "serial port (a pty) whose path is printed; then record it with "
        "`gaitback record --profile PROFILE --port PATH`. Runs until the recording "
        "ends or Ctrl-C.",
    )
    parser.add_argument("--profile", required=True, help="a serial device profile")
    parser.add_argument("--from", dest="source", required=True, help="recording CSV to play")
    parser.add_argument(
        "--loss-pct", type=float, default=0.0, help="drop this %% of packets (default 0)"
    )
    parser.add_argument(
        "--speed", type=float, default=1.0, help="playback speed factor (default 1.0)"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the packet loss pattern")
    parser.add_argument("--link", help="also make this symlink to the port (a stable path)")
    parser.set_defaults(func=handler)


def handler(args: argparse.Namespace) -> int:
    profile = load_profile(args.profile)
    recording = read_recording(args.source)
    emulator = DeviceEmulator(
        profile,
        recording,
        speed=args.speed,
        loss_pct=args.loss_pct,
        seed=args.seed,
        link_path=args.link,
    )
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    emulator.start()
    try:
        print(emulator.port, flush=True)
        print(
            f"gaitback: emulating {profile.name} from {args.source} "
            f"({recording.duration_s:.1f} s at x{args.speed:g}); Ctrl-C to stop",
            file=sys.stderr,
            flush=True,
        )
        while not stop.is_set() and not emulator.finished.wait(0.2):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()
        signal.signal(signal.SIGTERM, previous)
    print(
        f"gaitback: sent {len(emulator.sent_indices)} samples, dropped "
        f"{len(emulator.dropped_indices)} on purpose, {len(emulator.unsent_indices)} unsent",
        file=sys.stderr,
    )
    return 0
