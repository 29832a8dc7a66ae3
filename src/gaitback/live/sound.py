"""Audible cues: the terminal bell, and speech through ``espeak-ng`` when installed."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import sys
from typing import TextIO


class CueSpeaker:
    """Sound a cue without ever blocking the analysis.

    Parameters
    ----------
    quiet
        No sound at all (visual cues only).
    speech
        Speak through ``espeak-ng`` when it is on the PATH.
    bell_stream
        Where the bell character goes (the terminal).
    """

    def __init__(self, quiet: bool = False, speech: bool = True, bell_stream: TextIO | None = None):
        self.quiet = quiet
        self.espeak = shutil.which("espeak-ng") if speech and not quiet else None
        self.bell_stream = bell_stream if bell_stream is not None else sys.stderr
        self._speaking: subprocess.Popen[bytes] | None = None
        self.n_spoken = 0
        self.n_bells = 0

    def say(self, text: str) -> None:
        if self.quiet:
            return
        with contextlib.suppress(OSError, ValueError):
            self.bell_stream.write("\a")
            self.bell_stream.flush()
            self.n_bells += 1
        if self.espeak is None:
            return
        if self._speaking is not None and self._speaking.poll() is None:
            return  # still saying the previous cue: never queue speech behind the runner
        with contextlib.suppress(OSError):
            self._speaking = subprocess.Popen(
                [self.espeak, "-s", "160", text],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            self.n_spoken += 1

    def close(self) -> None:
        """Let a cue in progress finish briefly, then stop it."""
        proc = self._speaking
        if proc is not None and proc.poll() is None:
            try:
                proc.wait(timeout=2.0)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
