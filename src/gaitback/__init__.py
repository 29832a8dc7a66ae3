"""gaitback: running gait and posture analysis from one sacrum-mounted IMU."""

from typing import Any

from gaitback.errors import GaitbackError, RecordingError
from gaitback.version import __version__

__all__ = [
    "GaitbackError",
    "Recording",
    "RecordingError",
    "RecordingMeta",
    "__version__",
    "analyze",
    "read_recording",
    "write_recording",
]

#: Public names loaded on first use, and the module that holds each. Importing
#: them eagerly would import pandas (and, through it, pyarrow when installed)
#: before the CLI knows which command runs (see ``gaitback.cli.main``).
_LAZY = {
    "analyze": "gaitback.api",
    "Recording": "gaitback.recording",
    "RecordingMeta": "gaitback.recording",
    "read_recording": "gaitback.recording",
    "write_recording": "gaitback.recording",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'gaitback' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
