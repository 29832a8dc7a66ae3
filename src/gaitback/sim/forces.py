"""Ground reaction force, in body weights and the body frame (x forward, y left, z up).

Specific force of the centre of mass is ``GRF / m``, so in g it equals the GRF in
body weights: 1 when standing, 0 in flight.
"""

from __future__ import annotations

import numpy as np

from gaitback.sim.gait import WALK_SHAPE_K, RunSteps, Timeline, WalkSteps


def running_grf_bw(t_s: np.ndarray, steps: RunSteps) -> np.ndarray:
    """GRF ``(n, 3)`` of the running steps at times ``t_s`` (0 outside their stances)."""
    out = np.zeros((len(t_s), 3))
    if steps.n == 0:
        return out
    idx = np.searchsorted(steps.foot_strike_s, t_s, side="right") - 1
    valid = idx >= 0
    i = np.where(valid, idx, 0)
    dt = t_s - steps.foot_strike_s[i]
    stance = valid & (dt > 0) & (dt < steps.contact_s[i])
    i, dt = i[stance], dt[stance]
    tau = dt / steps.contact_s[i]
    rise = steps.rise_s[i]
    transient = np.where(dt < 2 * rise, np.sin(np.pi * dt / (2 * rise)) ** 2, 0.0)
    out[stance, 2] = steps.amplitude_bw[i] * np.sin(np.pi * tau) + steps.transient_bw[i] * transient
    # Braking then propulsion of equal impulse: the belt speed is kept.
    out[stance, 0] = -steps.braking_bw[i] * np.sin(2 * np.pi * tau)
    # Toward the midline: a left stance pushes right (-y).
    out[stance, 1] = -steps.side[i] * steps.mediolateral_bw[i] * np.sin(np.pi * tau)
    return out


def walking_grf_bw(t_s: np.ndarray, steps: WalkSteps, ap_bw: float = 0.15,
                   ml_bw: float = 0.04) -> np.ndarray:
    """GRF of walking: the sum of the (up to two) feet on the ground."""
    out = np.zeros((len(t_s), 3))
    if len(steps.foot_strike_s) == 0:
        return out
    idx = np.searchsorted(steps.foot_strike_s, t_s, side="right") - 1
    # Stance lasts longer than a step, so the previous foot may still be down.
    for lag in (0, 1):
        j = idx - lag
        valid = j >= 0
        jj = np.where(valid, j, 0)
        dt = t_s - steps.foot_strike_s[jj]
        stance = valid & (dt > 0) & (dt < steps.contact_s[jj])
        jj = jj[stance]
        tau = dt[stance] / steps.contact_s[jj]
        shape = np.sin(np.pi * tau) + WALK_SHAPE_K * np.sin(3 * np.pi * tau)
        out[stance, 2] += steps.amplitude_bw[jj] * shape
        out[stance, 0] += -ap_bw * np.sin(2 * np.pi * tau)
        out[stance, 1] += -steps.side[jj] * ml_bw * np.sin(np.pi * tau)
    return out


def session_grf_bw(t_s: np.ndarray, timeline: Timeline, run: RunSteps,
                   walk: WalkSteps | None) -> np.ndarray:
    """GRF over the whole session: standing = 1 BW up, then walking, running, standing."""
    out = np.zeros((len(t_s), 3))
    standing = (t_s < timeline.walk_start_s) | (t_s >= timeline.run_end_s)
    out[standing, 2] = 1.0
    walking = (t_s >= timeline.walk_start_s) & (t_s < timeline.run_start_s)
    if walk is not None and walking.any():
        out[walking] = walking_grf_bw(t_s[walking], walk)
    running = (t_s >= timeline.run_start_s) & (t_s < timeline.run_end_s)
    if running.any():
        out[running] = running_grf_bw(t_s[running], run)
    return out
