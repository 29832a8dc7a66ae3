"""gaitback: running gait and posture analysis from one sacrum-mounted IMU."""

from gaitback.core.process import analyze
from gaitback.errors import GaitbackError, RecordingError
from gaitback.recording import Recording, RecordingMeta, read_recording, write_recording

__version__ = "0.1.0"

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
