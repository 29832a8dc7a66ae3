"""Live treadmill mode: session control and cues.

``LiveAnalyzer`` drives the core incrementally (the causal maths lives in
``gaitback.core.*_online``) and is pure (no I/O): push sample blocks, get each step
shortly after its toe-off, ask for the rolling summary of the last 30 s.
``Coach`` turns findings into cues with hysteresis. ``gaitback.live.session`` wires
them to the acquisition stream, the recorder, the dashboard
(``gaitback.present.dashboard``) and the sounds.
"""

from gaitback.live.analyzer import LiveAnalyzer, StepUpdate
from gaitback.live.coaching import CUE_TEXT, Coach, Cue

__all__ = ["CUE_TEXT", "Coach", "Cue", "LiveAnalyzer", "StepUpdate"]
