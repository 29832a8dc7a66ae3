"""gaitback: running gait and posture analysis from one sacrum-mounted IMU."""

from typing import Any

from gaitback.errors import GaitbackError, RecordingError
from gaitback.recording import Recording, RecordingMeta, read_recording, write_recording
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


def __getattr__(name: str) -> Any:
    # The signal core pulls in scipy.signal (about a second): load it on first
    # use, so that `gaitback --help` and the acquisition commands start fast.
    if name == "analyze":
        from gaitback.api import analyze

        return analyze
    raise AttributeError(f"module 'gaitback' has no attribute {name!r}")
