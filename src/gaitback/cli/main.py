"""``gaitback`` entry point: one subcommand per module, errors as one line."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from gaitback.errors import GaitbackError
from gaitback.version import __version__

#: Modules under ``gaitback.cli`` that each define ``register(subparsers)``.
#: ``register`` adds one or more subparsers and sets ``func`` on each; ``func``
#: takes the parsed namespace and returns the exit code.
COMMAND_MODULES = (
    "simulate",
    "analyze",
    "batch",
    "convert",
    "devices",
    "record",
    "calibrate",
    "emulate",
    "live",
    "history",
    "shoes",
)

EXIT_USAGE = 2
EXIT_INTERNAL = 70
EXIT_INTERRUPTED = 130


#: Commands that never read or write Arrow data. pandas imports pyarrow, when
#: installed, on its own import (to back string columns): ~35 MB and 0.1-0.3 s,
#: a seventh of what `gaitback analyze` of an hour's recording needs in all.
WITHOUT_PYARROW = frozenset({"analyze"})


def _pyarrow_skip(command: str | None) -> None:
    """Keep pandas from importing pyarrow in a fresh process running ``command``.

    Only before pandas is imported (never in a process that already uses it),
    and only for commands in :data:`WITHOUT_PYARROW`: pandas then behaves as it
    does where pyarrow is not installed, which it supports.
    """
    if command in WITHOUT_PYARROW and "pandas" not in sys.modules:
        sys.modules.setdefault("pyarrow", None)  # type: ignore[arg-type]


def _command_of(argv: list[str]) -> str | None:
    """The subcommand asked for, when it is one module's own name (else ``None``)."""
    command = next((a for a in argv if not a.startswith("-")), None)
    return command if command in COMMAND_MODULES else None


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The whole CLI, or only ``command``'s module when one is named.

    Each module imports what its commands need (serial, BLE, asyncio, ...); a
    run of one command need not import the others'.
    """
    parser = argparse.ArgumentParser(
        prog="gaitback",
        description=(
            "Running gait and posture analysis from one IMU clipped on the sacrum: "
            "steps, contact and flight time, impact, forward lean and pelvic drop, "
            "related to the mechanical causes of lower-back pain in runners."
        ),
    )
    parser.add_argument("--version", action="version", version=f"gaitback {__version__}")
    parser.add_argument(
        "--debug", action="store_true", help="show full tracebacks for unexpected errors"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES if command is None else (command,):
        try:
            module = importlib.import_module(f"gaitback.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"gaitback.cli.{name}":
                continue
            raise
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command = _command_of(argv)
    _pyarrow_skip(command)
    parser = build_parser(command)
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    debug = args.debug or bool(os.environ.get("GAITBACK_DEBUG"))
    try:
        return int(args.func(args) or 0)
    except GaitbackError as exc:
        if debug:
            raise
        print(f"gaitback: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("gaitback: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return 0
    except Exception as exc:
        if debug:
            raise
        print(
            f"gaitback: internal error: {type(exc).__name__}: {exc} "
            "(run with --debug for the traceback, and please report it)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
