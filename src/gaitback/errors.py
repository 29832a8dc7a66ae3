"""Error types whose message is meant for the user, one line, no traceback."""


class GaitbackError(Exception):
    """An error caused by the user's input or environment.

    The CLI prints ``str(error)`` as a single line and exits non-zero.
    """


class RecordingError(GaitbackError, ValueError):
    """A recording file (or data frame) is unreadable or invalid."""
