"""Live treadmill mode: incremental analysis, findings with hysteresis, dashboard, cues.

``LiveAnalyzer`` is pure (no I/O): push sample blocks, get each step shortly after
its toe-off, ask for the rolling summary of the last 30 s. ``gaitback.live.session``
wires it to the acquisition stream, the recorder, the dashboard and the cues.
"""

from gaitback.live.analyzer import LiveAnalyzer, StepUpdate
from gaitback.live.coaching import CUE_TEXT, Coach, Cue

__all__ = ["CUE_TEXT", "Coach", "Cue", "LiveAnalyzer", "StepUpdate"]
