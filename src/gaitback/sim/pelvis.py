"""Pelvis orientation: smooth angle trajectories, rotations and angular velocity.

Angles follow docs/architecture.md: ``R = Rz(yaw) @ Ry(pitch) @ Rx(roll)`` maps pelvis
coordinates to body coordinates (x forward, y left, z up). Pitch > 0 tilts the pelvis
forward, roll > 0 lifts its left side, yaw > 0 turns it to the left.
"""

from __future__ import annotations

import numpy as np
from scipy.interpolate import CubicSpline

from gaitback.sim.gait import STREAM_SWAY, RunSteps, Timeline, WalkSteps, rng_for
from gaitback.sim.params import SimParams

#: Time over which posture blends between standing and locomotion, s; the blend lies
#: inside the walking/running segment so that standing stays pure standing.
RAMP_S = 1.0
#: Sway frequencies (Hz): slow postural sway, a few tenths of a degree.
SWAY_HZ = (0.11, 0.23, 0.37)
WALK_LEAN_DEG = 2.0
WALK_ROTATION_DEG = 6.0
WALK_DROP_DEG = 3.0
WALK_PITCH_OSC_DEG = 1.0


def smoothstep(x: np.ndarray) -> np.ndarray:
    """C2 ramp from 0 (x <= 0) to 1 (x >= 1): 6x^5 - 15x^4 + 10x^3."""
    x = np.clip(x, 0.0, 1.0)
    return x * x * x * (x * (6 * x - 15) + 10)


def stance_bump(tau: np.ndarray) -> np.ndarray:
    """sin^3(pi tau) on [0, 1], 0 outside: peak 1 at mid-stance, C2 at both ends."""
    inside = (tau > 0) & (tau < 1)
    return np.where(inside, np.sin(np.pi * np.clip(tau, 0, 1)) ** 3, 0.0)


def _envelope(t: np.ndarray, up: tuple[float, float], down: tuple[float, float]) -> np.ndarray:
    rise = smoothstep((t - up[0]) / max(up[1] - up[0], 1e-9))
    fall = 1 - smoothstep((t - down[0]) / max(down[1] - down[0], 1e-9))
    return rise * fall


def _phase_spline(foot_strike_s: np.ndarray, end_s: float) -> CubicSpline:
    """C2 gait phase: equals k at the k-th foot strike (and at the end of the segment)."""
    knots = np.append(foot_strike_s, end_s)
    mean_step = float(np.mean(np.diff(knots))) if len(knots) > 1 else 0.5
    before = knots[0] - mean_step * np.arange(3, 0, -1)
    after = knots[-1] + mean_step * np.arange(1, 4)
    x = np.concatenate([before, knots, after])
    return CubicSpline(x, np.arange(len(x), dtype=float) - 3, bc_type="natural")


def pelvis_angles_deg(
    t_s: np.ndarray,
    params: SimParams,
    timeline: Timeline,
    run: RunSteps,
    walk: WalkSteps | None,
) -> np.ndarray:
    """Roll, pitch, yaw (degrees), shape ``(n, 3)``, at times ``t_s``."""
    roll = np.zeros(len(t_s))
    pitch = np.zeros(len(t_s))
    yaw = np.zeros(len(t_s))
    rng = rng_for(params.seed, STREAM_SWAY)
    for angle in (roll, pitch, yaw):
        phases = rng.uniform(0, 2 * np.pi, len(SWAY_HZ))
        for f_hz, ph in zip(SWAY_HZ, phases, strict=True):
            angle += params.sway_deg / len(SWAY_HZ) * np.sin(2 * np.pi * f_hz * t_s + ph)

    if run.n:
        rs, re = timeline.run_start_s, timeline.run_end_s
        ramp = min(RAMP_S, (re - rs) / 4)
        sel = (t_s > rs) & (t_s < re)
        t = t_s[sel]
        env = _envelope(t, (rs, rs + ramp), (re - ramp, re))
        phase = _phase_spline(run.foot_strike_s, re)(t)
        progress = np.clip((t - rs) / max(re - rs, 1e-9), 0, 1)
        lean = params.forward_lean_deg + params.fatigue_lean_deg * progress
        pitch[sel] += env * (lean + params.pitch_oscillation_deg / 2 * np.sin(2 * np.pi * phase))
        # Left foot strike with the left hip forward: the pelvis faces right (yaw < 0).
        yaw[sel] += -env * run.side[0] * params.pelvic_rotation_deg / 2 * np.cos(np.pi * phase)
        roll[sel] += env * params.camber_deg
        roll[sel] += _stance_bumps(t, run.foot_strike_s, run.contact_s, run.side * run.drop_deg)

    walking = timeline.run_start_s > timeline.walk_start_s
    if walk is not None and len(walk.foot_strike_s) and walking:
        ws, we = timeline.walk_start_s, timeline.run_start_s
        ramp = min(RAMP_S, (we - ws) / 4)
        sel = (t_s > ws) & (t_s < we)
        t = t_s[sel]
        env = _envelope(t, (ws, ws + ramp), (we - ramp, we))
        phase = _phase_spline(walk.foot_strike_s, walk.foot_strike_s[-1] + walk.step_s[-1])(t)
        pitch[sel] += env * (WALK_LEAN_DEG + WALK_PITCH_OSC_DEG / 2 * np.sin(2 * np.pi * phase))
        yaw[sel] += -env * walk.side[0] * WALK_ROTATION_DEG / 2 * np.cos(np.pi * phase)
        bumps = _stance_bumps(t, walk.foot_strike_s, walk.contact_s, walk.side * WALK_DROP_DEG)
        roll[sel] += env * bumps
    return np.column_stack([roll, pitch, yaw])


def _stance_bumps(t: np.ndarray, fs: np.ndarray, contact: np.ndarray,
                  signed_deg: np.ndarray) -> np.ndarray:
    """Sum of ``signed_deg_i * stance_bump`` over the (at most two) stances covering t."""
    out = np.zeros(len(t))
    idx = np.searchsorted(fs, t, side="right") - 1
    for lag in (0, 1):
        j = idx - lag
        valid = j >= 0
        jj = np.where(valid, j, 0)
        tau = (t - fs[jj]) / contact[jj]
        out += np.where(valid, signed_deg[jj] * stance_bump(tau), 0.0)
    return out


def body_rates_dps(angles_deg: np.ndarray, dt_s: float) -> np.ndarray:
    """Pelvis angular velocity in the pelvis frame, vee(R^T dR/dt), deg/s.

    The ZYX Euler-rate map is exact; the angle rates are second-order central
    differences at the (internal, >= 1 kHz) grid.
    """
    rad = np.deg2rad(angles_deg)
    roll, pitch = rad[:, 0], rad[:, 1]
    d_roll, d_pitch, d_yaw = np.gradient(rad, dt_s, axis=0).T
    wx = d_roll - d_yaw * np.sin(pitch)
    wy = d_pitch * np.cos(roll) + d_yaw * np.cos(pitch) * np.sin(roll)
    wz = -d_pitch * np.sin(roll) + d_yaw * np.cos(pitch) * np.cos(roll)
    return np.rad2deg(np.column_stack([wx, wy, wz]))


def rotation_matrices(angles_deg: np.ndarray) -> np.ndarray:
    """``Rz(yaw) @ Ry(pitch) @ Rx(roll)``, shape ``(n, 3, 3)`` (pelvis -> body)."""
    r, p, y = np.deg2rad(np.atleast_2d(angles_deg)).T
    cr, sr, cp, sp, cy, sy = np.cos(r), np.sin(r), np.cos(p), np.sin(p), np.cos(y), np.sin(y)
    return np.stack(
        [
            np.stack([cy * cp, cy * sp * sr - sy * cr, cy * sp * cr + sy * sr], axis=-1),
            np.stack([sy * cp, sy * sp * sr + cy * cr, sy * sp * cr - cy * sr], axis=-1),
            np.stack([-sp, cp * sr, cp * cr], axis=-1),
        ],
        axis=-2,
    )


def body_to_pelvis(vec_body: np.ndarray, angles_deg: np.ndarray) -> np.ndarray:
    """``R^T v`` row by row without forming matrices: Rx(-roll) Ry(-pitch) Rz(-yaw) v."""
    r, p, y = np.deg2rad(angles_deg).T
    x, yv, z = vec_body.T
    c, s = np.cos(y), np.sin(y)
    x, yv = c * x + s * yv, -s * x + c * yv
    c, s = np.cos(p), np.sin(p)
    x, z = c * x - s * z, s * x + c * z
    c, s = np.cos(r), np.sin(r)
    yv, z = c * yv + s * z, -s * yv + c * z
    return np.column_stack([x, yv, z])


def euler_zyx_matrix(angles_deg: tuple[float, float, float]) -> np.ndarray:
    """One ``Rz @ Ry @ Rx`` matrix from (x, y, z) angles in degrees."""
    return rotation_matrices(np.asarray(angles_deg, dtype=float))[0]
