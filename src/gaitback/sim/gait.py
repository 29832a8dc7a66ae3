"""Session timeline and footfall sequences (running and walking).

Every running step is defined by its foot strike ``FS_i``, contact time ``Tc_i``
and step time ``T_i`` (``TO_i = FS_i + Tc_i``, ``FS_{i+1} = FS_i + T_i``) plus its
force-shape parameters; the forces and the pelvis motion are functions of this table.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gaitback.sim.params import SimParams

#: Seed streams, one per purpose, so that changing one option leaves the others' draws alone.
(STREAM_STEPS, STREAM_WALK, STREAM_SWAY, STREAM_NOISE, STREAM_BIAS, STREAM_LOSS,
 STREAM_SIDE) = range(7)

#: Walking: each foot's stance lasts this many step times (> 1 means double support).
WALK_STANCE_STEPS = 1.2
WALK_STEP_CV = 0.02


def rng_for(seed: int, stream: int) -> np.random.Generator:
    """Independent generator for one purpose of one seed."""
    return np.random.default_rng([int(seed), int(stream)])


@dataclass
class Timeline:
    """Segment boundaries (absolute times, s)."""

    start_s: float
    walk_start_s: float
    run_start_s: float
    run_end_s: float
    end_s: float

    def segments(self) -> list[dict[str, object]]:
        """Non-empty segments as ``{"activity", "start_s", "end_s"}``."""
        spans = [
            ("standing", self.start_s, self.walk_start_s),
            ("walking", self.walk_start_s, self.run_start_s),
            ("running", self.run_start_s, self.run_end_s),
            ("standing", self.run_end_s, self.end_s),
        ]
        return [
            {"activity": a, "start_s": round(s, 6), "end_s": round(e, 6)}
            for a, s, e in spans
            if e - s > 1e-9
        ]


@dataclass
class RunSteps:
    """Running footfalls, one entry per step (arrays of equal length ``n``).

    ``side`` is +1 for left, -1 for right. ``amplitude_bw`` is the active half-sine
    height that makes the step's vertical impulse exactly one body weight times ``step_s``.
    """

    foot_strike_s: np.ndarray
    contact_s: np.ndarray
    step_s: np.ndarray
    side: np.ndarray
    amplitude_bw: np.ndarray
    transient_bw: np.ndarray
    rise_s: np.ndarray
    braking_bw: np.ndarray
    mediolateral_bw: np.ndarray
    drop_deg: np.ndarray

    @property
    def n(self) -> int:
        return len(self.foot_strike_s)

    @property
    def toe_off_s(self) -> np.ndarray:
        return self.foot_strike_s + self.contact_s


@dataclass
class WalkSteps:
    """Walking footfalls: foot strike, stance duration, side (+1 L, -1 R), amplitude."""

    foot_strike_s: np.ndarray
    contact_s: np.ndarray
    step_s: np.ndarray
    side: np.ndarray
    amplitude_bw: np.ndarray


#: Walking vGRF per foot: A * (sin(pi tau) + WALK_SHAPE_K * sin(3 pi tau)), the double hump.
WALK_SHAPE_K = 0.25
#: Integral over tau in [0, 1] of the walking shape.
WALK_SHAPE_AREA = 2 / np.pi + WALK_SHAPE_K * 2 / (3 * np.pi)


def build_timeline(params: SimParams, run_end_s: float) -> Timeline:
    t0 = params.start_time_s
    walk_start = t0 + params.standing_before_s
    run_start = walk_start + params.walking_s
    return Timeline(
        start_s=t0,
        walk_start_s=walk_start,
        run_start_s=run_start,
        run_end_s=run_end_s,
        end_s=run_end_s + params.standing_after_s,
    )


def running_steps(params: SimParams, run_start_s: float) -> tuple[RunSteps, float]:
    """Draw the running footfalls; return them and the end of the run.

    The run ends at the first foot strike at or after ``run_start + running_s``; that
    landing is the start of the standing period, not a running step.
    """
    rng = rng_for(params.seed, STREAM_STEPS)
    if params.start_side == "random":
        side0 = 1 if rng_for(params.seed, STREAM_SIDE).random() < 0.5 else -1
    else:
        side0 = 1 if params.start_side == "L" else -1
    duration = params.running_s
    end_target = run_start_s + duration
    rise_s = params.impact_rise_ms / 1000
    rows: list[tuple[float, ...]] = []
    fs = run_start_s
    side = side0
    # A loop over steps (a few thousand at most), not over samples: each step's mean
    # depends on where the drift has got to at its foot strike.
    while duration > 0 and fs < end_target - 1e-9:
        progress = (fs - run_start_s) / duration
        cadence = params.cadence_spm - params.fatigue_cadence_spm * progress
        mean_step_s = 60.0 / cadence
        step_s = mean_step_s * (1 + params.step_cv_pct / 100 * rng.standard_normal())
        step_s = float(np.clip(step_s, 0.7 * mean_step_s, 1.3 * mean_step_s))
        load = 1 + params.loading_cv_pct / 100 * rng.standard_normal()
        load += side * params.loading_asymmetry_pct / 200
        load = float(np.clip(load, 0.6, 1.4))
        mean_contact_s = (params.contact_ms + params.fatigue_contact_ms * progress) / 1000
        contact_s = mean_contact_s * (1 + params.contact_cv_pct / 100 * rng.standard_normal())
        # Harder loading on the same impulse means a shorter, higher contact.
        contact_s /= load
        contact_s = float(np.clip(contact_s, 3.0 * rise_s, 0.92 * step_s))
        drop = params.pelvic_drop_left_deg if side > 0 else params.pelvic_drop_right_deg
        drop += params.fatigue_drop_deg * progress
        drop += params.obliquity_noise_deg * rng.standard_normal()
        rows.append((fs, contact_s, step_s, side, load, max(drop, 0.0)))
        fs += step_s
        side = -side
    if not rows:
        return _empty_run(), run_start_s
    arr = np.array(rows, dtype=float)
    fs_arr, contact, step, sides, load, drop = arr.T
    transient = params.impact_transient_bw * load
    rise = np.full(len(arr), rise_s)
    # Impulse balance: A*Tc*2/pi + I*t_rise = T  (BW*s), so the mean vGRF over the step is 1 BW.
    amplitude = (step - transient * rise) * np.pi / (2 * contact)
    braking = params.braking_bw * load
    ml = np.full(len(arr), params.mediolateral_bw)
    return (
        RunSteps(fs_arr, contact, step, sides, amplitude, transient, rise, braking, ml, drop),
        float(fs),
    )


def _empty_run() -> RunSteps:
    e = np.zeros(0)
    return RunSteps(e, e, e, e, e, e, e, e, e, e)


def walking_steps(params: SimParams, walk_start_s: float, walk_end_s: float) -> WalkSteps:
    """Walking footfalls from ``walk_start_s - step`` (the foot already down) to the end."""
    rng = rng_for(params.seed, STREAM_WALK)
    mean_step_s = 60.0 / params.walking_cadence_spm
    n = int(np.ceil((walk_end_s - walk_start_s) / mean_step_s)) + 3
    step = mean_step_s * (1 + WALK_STEP_CV * rng.standard_normal(n))
    fs = walk_start_s - step[0] + np.concatenate([[0.0], np.cumsum(step[:-1])])
    keep = fs < walk_end_s
    fs, step = fs[keep], step[keep]
    side = np.where(np.arange(len(fs)) % 2 == 0, -1.0, 1.0)
    contact = WALK_STANCE_STEPS * step
    amplitude = step / (contact * WALK_SHAPE_AREA)
    return WalkSteps(fs, contact, step, side, amplitude)
