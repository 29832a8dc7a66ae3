"""The body-frame signals and the stances that the step metrics read.

Offline (:func:`gaitback.core.pipeline.gait_process`) these cover the whole
recording; live (:class:`gaitback.live.analyzer.LiveAnalyzer`) the last few
seconds. Both build them with :func:`body_signals`, so every metric is read
from signals filtered the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gaitback.core.conditioning import lowpass, lowpasses

#: Low-pass for peak values (impact, braking): keeps the heel-strike transient
#: (~20-40 ms wide) and attenuates clip/soft-tissue ringing above it.
PEAK_CUTOFF_HZ = 20.0

#: Low-pass of the lateral force read for the side of each stance (Hz).
SIDE_CUTOFF_HZ = 10.0


@dataclass(frozen=True)
class BodySignals:
    """Body-frame signals on a uniform grid (x forward, y left, z up).

    Attributes
    ----------
    time_s
        Grid times.
    sample_rate_hz
        Grid rate.
    vertical_peak_g, forward_peak_g
        Vertical / forward specific force in g, low-passed at
        :data:`PEAK_CUTOFF_HZ` (peaks, braking, oscillation).
    vertical_edge_g
        Vertical specific force in g, low-passed as the event detector reads
        edges (``EventParams.edge_cutoff_hz``; loading rate).
    lean_deg
        Pelvis pitch (forward lean), or ``None``.
    obliquity_deg, rotation_deg
        Pelvis roll and yaw; ``None`` without a gyroscope.
    """

    time_s: np.ndarray
    sample_rate_hz: float
    vertical_peak_g: np.ndarray
    vertical_edge_g: np.ndarray
    forward_peak_g: np.ndarray
    lean_deg: np.ndarray | None = None
    obliquity_deg: np.ndarray | None = None
    rotation_deg: np.ndarray | None = None


@dataclass(frozen=True)
class Stances:
    """The stances to measure, in time order.

    Attributes
    ----------
    foot_strike_s, toe_off_s
        Start and end of each ground contact.
    side
        ``"L"``, ``"R"`` or ``"?"`` per stance (``gaitback.schema`` side codes).
    segment_end_s
        Per stance, the end of its running segment: the last stance of a
        segment has no next foot strike, so no step/flight time or oscillation.
    active_peak_g
        Per stance, the active peak of vertical specific force with the impact
        transient removed (:class:`gaitback.core.events.StepEvents`), or
        ``None`` to use the peak of ``vertical_peak_g`` over the stance.
    """

    foot_strike_s: np.ndarray
    toe_off_s: np.ndarray
    side: np.ndarray
    segment_end_s: np.ndarray
    active_peak_g: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.foot_strike_s)


def body_signals(
    time_s: np.ndarray,
    sample_rate_hz: float,
    vertical_g: np.ndarray,
    forward_g: np.ndarray,
    edge_cutoff_hz: float,
    lean_deg: np.ndarray | None = None,
    obliquity_deg: np.ndarray | None = None,
    rotation_deg: np.ndarray | None = None,
) -> BodySignals:
    """Filter body-frame specific force for the step metrics.

    Parameters
    ----------
    time_s, sample_rate_hz
        Uniform grid.
    vertical_g, forward_g
        Body-frame vertical and forward specific force in g, unfiltered.
    edge_cutoff_hz
        The event detector's edge low-pass (``EventParams.edge_cutoff_hz``).
    lean_deg, obliquity_deg, rotation_deg
        Pelvis angles, passed through (``None`` where not measured).

    Returns
    -------
    BodySignals
    """
    vertical = lowpasses(vertical_g, sample_rate_hz, min(PEAK_CUTOFF_HZ, edge_cutoff_hz))
    return BodySignals(
        time_s=time_s,
        sample_rate_hz=float(sample_rate_hz),
        vertical_peak_g=vertical(PEAK_CUTOFF_HZ),
        vertical_edge_g=vertical(edge_cutoff_hz),
        forward_peak_g=lowpass(forward_g, PEAK_CUTOFF_HZ, sample_rate_hz),
        lean_deg=lean_deg,
        obliquity_deg=obliquity_deg,
        rotation_deg=rotation_deg,
    )
