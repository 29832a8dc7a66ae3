"""gaitback: running gait and posture analysis from one sacrum-mounted IMU."""

from gaitback.errors import GaitbackError, RecordingError
from gaitback.recording import Recording, RecordingMeta, read_recording, write_recording
from gaitback.core.process import analyze  # noqa: E402  (after recording: it depends on it)

__version__ = "0.1.0"

__all__ = [
    "analyze",
    "GaitbackError",
    "Recording",
    "RecordingError",
    "RecordingMeta",
    "__version__",
    "read_recording",
    "write_recording",
]
