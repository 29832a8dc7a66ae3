"""Simulator of a sacrum IMU on a treadmill runner: the test oracle with exact ground truth.

``simulate(SimParams(...))`` returns the recording the sensor would write, its truth
(per-step events and metrics by the definitions of docs/architecture.md) and the true
kinematics. The model is documented in docs/simulator.md.
"""

from gaitback.sim.engine import SimResult, load_truth, simulate, truth_path, write_simulation
from gaitback.sim.params import DEFAULT_AXES, SimParams
from gaitback.sim.presets import BUNDLED, PRESETS, bundled_regenerate

__all__ = [
    "BUNDLED",
    "DEFAULT_AXES",
    "PRESETS",
    "SimParams",
    "SimResult",
    "bundled_regenerate",
    "load_truth",
    "simulate",
    "truth_path",
    "write_simulation",
]
