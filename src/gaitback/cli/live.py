"""``gaitback live``: real-time metrics and cues on a treadmill, then the full report."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from gaitback.errors import GaitbackError

DEFAULT_DEMO = Path(__file__).resolve().parents[3] / "recordings" / "synthetic" / "baseline.csv"
DEMO_PROFILE = "gaitback-serial"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "live",
        help="live treadmill mode: real-time dashboard and cues, then the report",
        description="Connect to a sensor, record, and show cadence, contact time, balance, "
        "impact, lean and pelvic drop while you run, with a spoken or beeped cue when form "
        "slips. Ctrl-C (or the device stopping) ends the run: the recording is analysed in "
        "full and the report written. --demo plays a bundled recording through the device "
        "emulator instead of a sensor.",
    )
    parser.add_argument("--profile", help="device profile name or .toml path (gaitback devices)")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--port", help="serial port, e.g. /dev/ttyUSB0 (serial profiles)")
    where.add_argument("--address", help="BLE address (BLE profiles)")
    where.add_argument("--name", help="BLE advertised name (BLE profiles)")
    parser.add_argument("--speed", type=float, help="treadmill speed in m/s")
    parser.add_argument("--record", help="recording CSV to write (default: live-<time>.csv)")
    parser.add_argument("--out", help="folder for the report (default: <record>-analysis)")
    parser.add_argument("--duration", type=float, help="stop after this many seconds of data")
    parser.add_argument("--quiet", action="store_true", help="no sound (visual cues only)")
    parser.add_argument(
        "--cue-interval",
        type=float,
        default=20.0,
        help="shortest time between two cues in seconds (default 20)",
    )
    parser.add_argument("--thresholds", help="TOML file overriding the feedback thresholds")
    parser.add_argument(
        "--no-save", action="store_true", help="do not save the run to the session history"
    )
    parser.add_argument("--db", metavar="FILE", help="session history database")
    parser.add_argument("--shoe", help="shoe worn (see 'gaitback shoes add')")
    parser.add_argument(
        "--give-up",
        type=float,
        default=60.0,
        help="end the run when the device stays away this long, in seconds (default 60)",
    )
    parser.add_argument("--no-calibration", action="store_true", help="ignore a saved calibration")
    demo = parser.add_argument_group("demo (no hardware)")
    demo.add_argument("--demo", action="store_true", help="stream a recording via the emulator")
    demo.add_argument(
        "--from", dest="source", help=f"recording to play (default {DEFAULT_DEMO.name})"
    )
    demo.add_argument(
        "--speedup", type=float, default=1.0, help="demo playback speed factor (default 1)"
    )
    parser.set_defaults(func=handler)


def _positive(value: float | None, flag: str) -> None:
    if value is not None and not value > 0:
        raise GaitbackError(f"{flag} must be positive, got {value}")


def handler(args: argparse.Namespace) -> int:
    # Imported here so `gaitback --help` stays fast and needs no serial/BLE stack.
    from gaitback.acquisition.profiles import load_profile
    from gaitback.acquisition.stream import AcquisitionStream
    from gaitback.acquisition.transport import open_transport
    from gaitback.live.session import LiveOptions, make_dashboard, run_session
    from gaitback.live.sound import CueSpeaker

    for value, flag in (
        (args.speed, "--speed"),
        (args.duration, "--duration"),
        (args.cue_interval, "--cue-interval"),
        (args.speedup, "--speedup"),
        (args.give_up, "--give-up"),
    ):
        _positive(value, flag)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    record_path = Path(args.record or f"live-{stamp}.csv")
    if record_path.suffix.lower() != ".csv":
        raise GaitbackError(f"--record must name a .csv file, got {record_path}")
    out_dir = Path(args.out) if args.out else record_path.with_name(record_path.stem + "-analysis")
    speed = args.speed
    emulator = None
    calibration = None
    if args.demo:
        from gaitback.acquisition.emulator import DeviceEmulator
        from gaitback.recording import read_recording

        if args.port or args.address or args.name:
            raise GaitbackError("--demo makes its own virtual port: drop --port/--address/--name")
        profile = load_profile(args.profile or DEMO_PROFILE)
        source = Path(args.source) if args.source else DEFAULT_DEMO
        if not source.exists():
            raise GaitbackError(f"demo recording not found: {source}")
        recording = read_recording(source)
        speed = speed or recording.meta.treadmill_speed_mps
        emulator = DeviceEmulator(profile, recording, speed=args.speedup).start()
        port = emulator.port
        print(
            f"gaitback: demo: {source.name} as {profile.name} on {port} (x{args.speedup:g})",
            file=sys.stderr,
        )

        def factory():
            return open_transport(profile, port=port)
    else:
        if args.source:
            raise GaitbackError("--from is for --demo")
        if not args.profile:
            raise GaitbackError("--profile is required (or use --demo)")
        from gaitback.acquisition.calibration import device_key, load_calibration
        from gaitback.cli.device_options import transport_factory

        profile, factory = transport_factory(args)
        if not args.no_calibration:
            calibration = load_calibration(
                profile.name, device_key(args.port, args.address, args.name)
            )
    stream = AcquisitionStream(
        profile, factory, calibration=calibration, give_up_after_s=args.give_up
    )
    options = LiveOptions(
        record_path=record_path,
        out_dir=out_dir,
        speed_mps=speed,
        duration_s=args.duration,
        quiet=args.quiet,
        cue_interval_s=args.cue_interval,
        thresholds_path=args.thresholds,
        # A demo replays someone else's run: it never goes into your history.
        save_history=not (args.no_save or args.demo),
        db=args.db,
        shoe=args.shoe,
    )
    stop_when = None
    if emulator is not None:
        stop_when = _after_finish(emulator)
    try:
        outcome = run_session(
            stream, options, make_dashboard(), CueSpeaker(quiet=args.quiet), stop_when=stop_when
        )
    finally:
        if emulator is not None:
            emulator.stop()
    print(outcome.record.describe() if outcome.record.n_samples else f"recording: {record_path}")
    if outcome.n_live_steps:
        print(f"live steps: {outcome.n_live_steps} -> {outcome.live_steps_path}")
    else:
        print("live steps: none (no running seen live)")
    for name in ("report", "summary", "steps"):
        print(f"{name}: {outcome.paths[name]}")
    return 0


def _after_finish(emulator, drain_s: float = 0.5):
    """Stop condition: the emulator has sent everything, plus time for the port to drain."""
    import time

    done_at: list[float] = []

    def stop() -> bool:
        if not emulator.finished.is_set():
            return False
        if not done_at:
            done_at.append(time.monotonic())
        return time.monotonic() - done_at[0] >= drain_s

    return stop
