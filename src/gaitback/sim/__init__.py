"""Simulator of a sacrum IMU on a treadmill runner: the test oracle with exact ground truth.

``simulate(SimParams(...))`` returns the recording the sensor would write, its truth
(per-step events and metrics by the definitions of docs/architecture.md) and the true
kinematics. The model is documented in docs/simulator.md.
"""

from typing import Any

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


_ENGINE = ("SimResult", "load_truth", "simulate", "truth_path", "write_simulation")


def __getattr__(name: str) -> Any:
    # The engine needs scipy.signal; load it on first use so that building the
    # CLI (which only needs the parameters and presets) stays fast.
    if name in _ENGINE:
        from gaitback.sim import engine

        return getattr(engine, name)
    raise AttributeError(f"module 'gaitback.sim' has no attribute {name!r}")
