"""Causal side assignment: the live counterpart of :func:`gaitback.core.events.sides_assign`.

Per stance, the lateral force pushes toward the midline (-y on a left stance)
and the swing side drops (obliquity up on a left stance). Offline, the vote is
taken over each whole run of regular steps; live, over the steps of the current
run seen so far, and a stance gets a side as soon as that evidence is clear.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from gaitback import schema as col
from gaitback.core.events import side_evidence_scale, side_vote
from gaitback.core.ranges import mean_between

#: Longest step (s): beyond it the next contact starts a new bout.
MAX_STEP_S = 1.0
#: Steps of the current run whose evidence is kept.
HISTORY_STEPS = 200
#: Recent step times kept to tell a regular step from a break in the run.
RECENT_STEPS = 20


class SideTracker:
    """Left/right parity of the current run of regular steps, decided online."""

    def __init__(self) -> None:
        self._raw: deque[np.ndarray] = deque(maxlen=HISTORY_STEPS)
        self._parities: deque[int] = deque(maxlen=HISTORY_STEPS)
        self._parity = 0
        self._last_strike_s: float | None = None
        self._step_s: deque[float] = deque(maxlen=RECENT_STEPS)

    @property
    def median_step_s(self) -> float | None:
        """Median recent step time of the current run, ``None`` before its second step."""
        return float(np.median(self._step_s)) if self._step_s else None

    def assign(
        self,
        time_s: np.ndarray,
        lateral_g: np.ndarray,
        obliquity_deg: np.ndarray,
        foot_strike_s: np.ndarray,
        toe_off_s: np.ndarray,
    ) -> np.ndarray:
        """Sides of new stances, in time order, each seen once.

        Parameters
        ----------
        time_s
            Grid times of the signals.
        lateral_g
            Body-frame lateral force in g, low-passed at
            :data:`gaitback.core.signals.SIDE_CUTOFF_HZ`.
        obliquity_deg
            Pelvis roll.
        foot_strike_s, toe_off_s
            The new stances.

        Returns
        -------
        numpy.ndarray
            ``"L"``, ``"R"`` or ``"?"`` (evidence not yet clear) per stance.
        """
        i0 = np.searchsorted(time_s, foot_strike_s)
        i1 = np.maximum(np.searchsorted(time_s, toe_off_s), i0 + 1)
        raw = np.column_stack(
            [-mean_between(lateral_g, i0, i1), mean_between(obliquity_deg, i0, i1)]
        )
        out = np.full(len(foot_strike_s), col.SIDE_UNKNOWN, dtype=object)
        for k, strike in enumerate(foot_strike_s):
            if self._last_strike_s is not None:
                step = strike - self._last_strike_s
                median = float(np.median(self._step_s)) if self._step_s else step
                if step >= 1.5 * median or step > MAX_STEP_S:
                    self._raw.clear()
                    self._parities.clear()
                    self._parity = 0
                    self._step_s.clear()
                else:
                    self._step_s.append(step)
                    self._parity ^= 1
            self._last_strike_s = float(strike)
            self._raw.append(raw[k])
            self._parities.append(self._parity)
            # The same robust evidence and vote as the offline core, over the
            # steps of the current run seen so far.
            z = side_evidence_scale(np.array(self._raw)).sum(axis=1)
            signs = np.where(np.array(self._parities) == 0, 1.0, -1.0)
            decision = side_vote(signs * z)
            if decision == 0:
                continue
            left = (self._parity == 0) == (decision > 0)
            out[k] = col.SIDE_LEFT if left else col.SIDE_RIGHT
        return out
