"""What a sacral sensor adds to the force: soft tissue, swing leg, tail, loose mount.

The centre of mass feels exactly ``GRF / m``. A sensor strapped over the sacrum does
not: it sits on soft tissue that wobbles when the heel hits, the pelvis moves relative
to the centre of mass as the swing leg is decelerated before touchdown and after
toe-off, and a belt or a side-of-hip mount only partly follows the pelvis. Every
component here is, over each running step, an acceleration of the sensor *relative*
to the centre of mass, so its integral over the step is zero (to rounding on the
internal grid): mass moves around, no impulse is created, and the mean vertical
specific force over whole strides stays 1 g. The truth (foot strike, toe-off) stays the
force's. Model and calibration: docs/simulator.md, "Sacral sensor".
"""

from __future__ import annotations

import numpy as np
from scipy.signal import bilinear, lfilter

from gaitback.sim.gait import RunSteps
from gaitback.sim.params import SimParams


def _step_index(t_s: np.ndarray, steps: RunSteps, lead_s: float) -> tuple[np.ndarray, np.ndarray]:
    """Step owning each sample: ``[FS_i - lead, FS_{i+1} - lead)``; -1 outside the run."""
    idx = np.searchsorted(steps.foot_strike_s - lead_s, t_s, side="right") - 1
    end = steps.foot_strike_s[-1] + steps.step_s[-1] - lead_s
    idx = np.where(t_s >= end, -1, idx)
    return idx, idx >= 0


def impact_wobble_g(t_s: np.ndarray, steps: RunSteps, params: SimParams) -> np.ndarray:
    """Soft-tissue (wobbling-mass) response to the heel strike, in g.

    The tissue under the sensor is pushed by the impact: a load that rises with the
    heel-strike transient (``sin^2`` over ``impact_rise_ms`` up to the transient's
    height, BW) and is released over ``tissue_release_ms`` (``cos^2``). A damped
    mass-spring (``tissue_hz``, ``tissue_damping_ratio``, unit static gain, causal)
    driven by that load's rate, times ``tissue_gain_g_per_bw_per_s``, gives a spike
    that overshoots the force while the heel loads, then a shallower dip and a ring
    while the tissue is released. The load starts and ends at 0, so its rate, and the
    response, integrate to zero over each step.
    """
    out = np.zeros(len(t_s))
    gain = params.tissue_gain_g_per_bw_per_s
    if steps.n == 0 or gain == 0 or len(t_s) < 2:
        return out
    idx = np.searchsorted(steps.foot_strike_s, t_s, side="right") - 1
    valid = idx >= 0
    i = np.where(valid, idx, 0)
    dt = t_s - steps.foot_strike_s[i]
    rise = steps.rise_s[i]
    release = params.tissue_release_ms / 1000
    height = steps.transient_bw[i]
    loading = valid & (dt > 0) & (dt < rise)
    released = valid & (dt >= rise) & (dt < rise + release)
    # d/dt of I sin^2(pi dt / (2 t_r)), then of I cos^2(pi (dt - t_r) / (2 t_rel)), BW/s.
    rate_bw_per_s = np.where(
        loading, height * np.pi / (2 * rise) * np.sin(np.pi * dt / rise), 0.0
    ) - np.where(
        released, height * np.pi / (2 * release) * np.sin(np.pi * (dt - rise) / release), 0.0
    )
    fs_hz = 1.0 / (t_s[1] - t_s[0])
    w_n = 2 * np.pi * params.tissue_hz
    b, a = bilinear([w_n**2], [1.0, 2 * params.tissue_damping_ratio * w_n, w_n**2], fs=fs_hz)
    return gain * lfilter(b, a, rate_bw_per_s)


def pre_contact_g(t_s: np.ndarray, steps: RunSteps, params: SimParams) -> np.ndarray:
    """Swing-leg/pelvis rise before touchdown: a raised-cosine bump peaking at foot strike.

    Height ``pre_contact_g``, rising from ``pre_contact_lead_ms`` before the foot
    strike and fading over as long after it (where the force takes over). Not before
    the first running step, which starts from standing (no swing).
    """
    out = np.zeros(len(t_s))
    if steps.n == 0 or params.pre_contact_g == 0:
        return out
    lead_s = params.pre_contact_lead_ms / 1000
    idx = np.searchsorted(steps.foot_strike_s, t_s + lead_s, side="right") - 1
    i = np.clip(idx, 0, steps.n - 1)
    x = (t_s - steps.foot_strike_s[i]) / lead_s
    # The first running step starts from standing: no swing leg to decelerate.
    live = (idx >= 1) & (np.abs(x) < 1)
    out[live] = params.pre_contact_g * 0.5 * (1 + np.cos(np.pi * x[live]))
    return out


def toe_off_tail_g(t_s: np.ndarray, steps: RunSteps, params: SimParams) -> np.ndarray:
    """Tail after toe-off: ``tail_g`` at toe-off, decaying with ``tail_decay_ms``.

    It builds up (``sin^2``) over one decay time before toe-off, so it is continuous,
    and it ends at the next foot strike.
    """
    out = np.zeros(len(t_s))
    if steps.n == 0 or params.tail_g == 0:
        return out
    tau_s = params.tail_decay_ms / 1000
    toe_off = steps.toe_off_s
    idx = np.searchsorted(toe_off - tau_s, t_s, side="right") - 1
    i = np.clip(idx, 0, steps.n - 1)
    x = t_s - toe_off[i]
    live = (idx >= 0) & (t_s < steps.foot_strike_s[i] + steps.step_s[i])
    build = live & (x < 0)
    decay = live & (x >= 0)
    out[build] = params.tail_g * np.sin(0.5 * np.pi * (x[build] / tau_s + 1)) ** 2
    out[decay] = params.tail_g * np.exp(-x[decay] / tau_s)
    return out


def balance_per_step(
    extra_g: np.ndarray, t_s: np.ndarray, steps: RunSteps, lead_s: float
) -> np.ndarray:
    """Make ``extra_g`` integrate to zero over each step.

    Each step's net area (over ``[FS_i - lead, FS_{i+1} - lead)``) is taken back in
    proportion to the stance's own half-sine, ``sin(pi tau)``: the sensor's relative
    motion is paid for while the foot is loaded, not in flight, and the balance is
    zero at foot strike and toe-off, so no edge moves.
    """
    if steps.n == 0 or not extra_g.any():
        return extra_g
    idx, valid = _step_index(t_s, steps, lead_s)
    i = np.where(valid, idx, 0)
    area = np.bincount(i[valid], weights=extra_g[valid], minlength=steps.n)
    tau = (t_s - steps.foot_strike_s[i]) / steps.contact_s[i]
    shape = np.where(valid & (tau > 0) & (tau < 1), np.sin(np.pi * np.clip(tau, 0, 1)), 0.0)
    norm = np.bincount(i[valid], weights=shape[valid], minlength=steps.n)
    scale = np.divide(area, norm, out=np.zeros(steps.n), where=norm > 0)
    return extra_g - shape * scale[i]


def sacral_extra_g(t_s: np.ndarray, steps: RunSteps, params: SimParams) -> np.ndarray:
    """All relative-motion components of the sacral vertical reading, balanced per step."""
    extra = impact_wobble_g(t_s, steps, params)
    rel = pre_contact_g(t_s, steps, params) + toe_off_tail_g(t_s, steps, params)
    lead_s = params.pre_contact_lead_ms / 1000
    return extra + balance_per_step(rel, t_s, steps, lead_s)


def loose_mount(
    vertical_g: np.ndarray, t_s: np.ndarray, steps: RunSteps, params: SimParams
) -> np.ndarray:
    """A belt or side-of-hip mount: compliance (low-pass) and a flight floor.

    ``mount_cutoff_hz`` > 0: the sensor follows the pelvis through a critically damped
    mass-spring of that natural frequency (causal, unit static gain: smooths and
    delays, keeps every integral). ``flight_floor_g`` > 0: the reading never falls
    much below that level in flight (a smooth floor, 0.05 g wide); what the floor adds
    is taken back during the same step's stance, so the mean stays 1 g.
    """
    out = vertical_g
    if params.mount_cutoff_hz > 0 and len(t_s) > 1:
        w_n = 2 * np.pi * params.mount_cutoff_hz
        fs_hz = 1.0 / (t_s[1] - t_s[0])
        b, a = bilinear([w_n**2], [1.0, 2 * w_n, w_n**2], fs=fs_hz)
        # Start from rest at the first value (standing) rather than from zero.
        out = lfilter(b, a, out - out[0]) + out[0]
    if params.flight_floor_g > 0 and steps.n > 0:
        width = 0.05
        floor = params.flight_floor_g
        raised = floor + width * np.logaddexp(0.0, (out - floor) / width)
        lifted = raised - out
        lead_s = params.pre_contact_lead_ms / 1000
        _, valid = _step_index(t_s, steps, lead_s)
        lifted = np.where(valid, lifted, 0.0)
        out = out + balance_per_step(lifted, t_s, steps, lead_s)
    return out
