"""``gaitback simulate``: write a simulated recording with its ground truth."""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import sys
from typing import Any, NoReturn

from gaitback.errors import GaitbackError
from gaitback.sim import BUNDLED, PRESETS, SimParams

#: Fields with a hand-written command-line form.
_SPECIAL = {"axes", "misalignment_deg", "faults", "accelerometer_only", "start_side"}


def field_help() -> dict[str, str]:
    """Each SimParams field's description, taken from its numpydoc ``Parameters`` section."""
    doc = SimParams.__doc__ or ""
    section = doc.split("Parameters\n    ----------\n", 1)[-1]
    helps: dict[str, str] = {}
    names: list[str] = []
    for line in section.splitlines():
        if re.match(r"^    \S", line):
            names = [n.strip() for n in line.strip().split(",")]
            for n in names:
                helps[n] = ""
        elif line.strip() and names:
            for n in names:
                helps[n] = (helps[n] + " " + line.strip()).strip()
    return helps


def _option(name: str) -> str:
    return "--" + name.replace("_", "-")


def _axes(text: str) -> dict[str, str]:
    text = text.strip()
    if text.startswith("{"):
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            raise argparse.ArgumentTypeError(f"not a JSON object: {text!r}") from None
        if not isinstance(value, dict):
            raise argparse.ArgumentTypeError(f"not a JSON object: {text!r}")
        return {str(k): str(v) for k, v in value.items()}
    pairs = [p.split("=", 1) for p in text.split(",") if p.strip()]
    if any(len(p) != 2 for p in pairs):
        raise argparse.ArgumentTypeError(f"expected x=DIR,y=DIR,z=DIR, got {text!r}")
    return {k.strip(): v.strip() for k, v in pairs}


def register(subparsers: Any) -> None:
    """Add the ``simulate`` subcommand."""
    parser = subparsers.add_parser(
        "simulate",
        help="write a simulated sacrum-IMU running recording with its ground truth",
        description=(
            "Simulate a sacrum-mounted IMU on a treadmill runner and write FILE.csv, its "
            "sidecar FILE.json and the ground truth FILE.truth.json. Options override the "
            "preset (default: baseline). Units are in the option names."
        ),
    )
    _one_line_errors(parser)
    parser.add_argument("--out", metavar="FILE.csv", help="recording to write")
    parser.add_argument(
        "--preset", default="baseline", choices=sorted(PRESETS),
        help="scenario to start from (default: baseline)",
    )
    parser.add_argument(
        "--bundled", metavar="DIR",
        help=f"regenerate every bundled recording into DIR ({', '.join(BUNDLED)})",
    )
    helps = field_help()
    group = parser.add_argument_group("simulation parameters (default: the preset's value)")
    for f in dataclasses.fields(SimParams):
        text = helps.get(f.name, "")
        if f.name in _SPECIAL:
            continue
        kind = int if f.type in ("int", int) else float if f.type in ("float", float) else str
        group.add_argument(_option(f.name), type=kind, default=None, metavar=kind.__name__.upper(),
                           help=text)
    group.add_argument("--speed", default=None, metavar="SPEED",
                       help="treadmill speed in your units: 12km/h, 7.5mph, 3.3m/s, 5:00/km, "
                       "8:00/mi (same as --treadmill-speed-mps)")
    group.add_argument("--start-side", choices=("L", "R", "random"), default=None,
                       help=helps["start_side"])
    group.add_argument("--axes", type=_axes, default=None, metavar="x=DIR,y=DIR,z=DIR",
                       help=helps["axes"] + " DIR: forward, backward, left, right, up, down.")
    group.add_argument("--misalignment-deg", type=float, nargs=3, default=None,
                       metavar=("X", "Y", "Z"), help=helps["misalignment_deg"])
    group.add_argument("--faults", default=None, metavar="NAME[,NAME]",
                       help=helps["faults"] + " Comma separated.")
    group.add_argument("--accelerometer-only", action=argparse.BooleanOptionalAction,
                       default=None, help=helps["accelerometer_only"])
    parser.set_defaults(func=run)


def _one_line_errors(parser: argparse.ArgumentParser) -> None:
    """Report bad options as one line (the CLI's error convention), exit 2."""

    def error(message: str) -> NoReturn:
        print(f"gaitback simulate: error: {message} (see gaitback simulate --help)",
              file=sys.stderr)
        raise SystemExit(2)

    parser.error = error  # type: ignore[method-assign]


def params_from_args(args: argparse.Namespace) -> SimParams:
    """The preset with every option given on the command line applied."""
    changes: dict[str, Any] = {}
    if getattr(args, "faults", None):
        # A named fault injects its preset's parameter changes; options given as well win.
        from gaitback.sim.presets import fault_changes

        for name in (v.strip() for v in args.faults.split(",") if v.strip()):
            try:
                changes.update(fault_changes(name))
            except ValueError as exc:
                raise GaitbackError(str(exc)) from None
    for f in dataclasses.fields(SimParams):
        value = getattr(args, f.name, None)
        if value is None:
            continue
        if f.name == "misalignment_deg":
            value = tuple(value)
        elif f.name == "faults":
            value = tuple(v.strip() for v in value.split(",") if v.strip())
        changes[f.name] = value
    if getattr(args, "speed", None) is not None:
        from gaitback.speed import speed_parse

        if "treadmill_speed_mps" in changes:
            raise GaitbackError("give --speed or --treadmill-speed-mps, not both")
        changes["treadmill_speed_mps"] = speed_parse(args.speed)
    try:
        return PRESETS[args.preset].replace(**changes).validated()
    except (TypeError, ValueError) as exc:
        raise GaitbackError(str(exc)) from None


def run(args: argparse.Namespace) -> int:
    if args.bundled:
        from gaitback.sim import bundled_regenerate

        results = bundled_regenerate(args.bundled)
        for name, result in results.items():
            s = result.truth["summary"]
            print(f"wrote {args.bundled}/{name}.csv (+ .json, .truth.json): "
                  f"{s['n_steps']} steps, {s['duration_s']:.1f} s")
        return 0
    if not args.out:
        raise GaitbackError("give --out FILE.csv (or --bundled DIR)")
    params = params_from_args(args)
    from gaitback.sim import simulate, write_simulation

    result = simulate(params)
    paths = write_simulation(result, args.out)
    s = result.truth["summary"]
    print(
        f"wrote {paths['csv']}, {paths['sidecar']}, {paths['truth']}: "
        f"{result.recording.n_samples} samples at {params.sample_rate_hz:g} Hz, "
        f"{s['duration_s']:.1f} s, {s['n_steps']} running steps, "
        f"{result.truth['lost_samples']} samples lost"
    )
    return 0
