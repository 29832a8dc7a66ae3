"""Causal running decision per step: the live counterpart of :mod:`gaitback.core.activity`.

Offline, :func:`gaitback.core.activity.activity_segments` labels whole windows and
puts a segment boundary between window centres. Live, each new foot strike is
judged with the same rule (:func:`gaitback.core.activity.running_at`) on the
window centred on it, or on the one a second later: the first step after
standing has standing in the first.
"""

from __future__ import annotations

import numpy as np

from gaitback.core.activity import PERIODICITY_WINDOW_S, running_at

#: A step also counts as running when the window this much later passes (s).
RUNNING_LATER_S = 1.0
#: Data needed after a strike to judge running on the later window: that
#: window's centre plus half the periodicity window (s).
RUNNING_LOOKAHEAD_S = RUNNING_LATER_S + 0.5 * PERIODICITY_WINDOW_S


def running_at_times(
    time_s: np.ndarray, magnitude_g: np.ndarray, at_s: np.ndarray, sample_rate_hz: float
) -> np.ndarray:
    """Whether the windows centred on the instants ``at_s`` pass the running rule.

    Parameters
    ----------
    time_s
        Grid times of ``magnitude_g``.
    magnitude_g
        Orientation-free ``|f|`` in g.
    at_s
        Instants to judge (e.g. foot strikes).
    sample_rate_hz
        Grid rate.

    Returns
    -------
    numpy.ndarray
        One bool per instant.
    """
    return running_at(magnitude_g, np.searchsorted(time_s, at_s), sample_rate_hz)


def running_steps(
    time_s: np.ndarray, magnitude_g: np.ndarray, foot_strike_s: np.ndarray, sample_rate_hz: float
) -> np.ndarray:
    """Whether each step is a running step: its window, or the one a second later, passes.

    Parameters
    ----------
    time_s, magnitude_g, sample_rate_hz
        As :func:`running_at_times`; the data must reach
        :data:`RUNNING_LOOKAHEAD_S` past the last foot strike for a final answer.
    foot_strike_s
        Foot strikes of the steps.

    Returns
    -------
    numpy.ndarray
        One bool per step.
    """
    now = running_at_times(time_s, magnitude_g, foot_strike_s, sample_rate_hz)
    later = running_at_times(time_s, magnitude_g, foot_strike_s + RUNNING_LATER_S, sample_rate_hz)
    return now | later
