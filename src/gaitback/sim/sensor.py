"""The IMU: mount rotation, clip ringing, bandwidth, noise, bias, ADC, saturation, loss."""

from __future__ import annotations

import numpy as np
from scipy.signal import butter, sosfiltfilt

from gaitback.recording import axes_matrix
from gaitback.schema import STANDARD_GRAVITY_MPS2 as G
from gaitback.sim.gait import STREAM_BIAS, STREAM_LOSS, STREAM_NOISE, RunSteps, rng_for
from gaitback.sim.params import SimParams
from gaitback.sim.pelvis import euler_zyx_matrix


def mount_matrix(params: SimParams) -> np.ndarray:
    """``R_mount`` with ``pelvis = R_mount @ sensor``: misalignment on top of the nominal axes."""
    return euler_zyx_matrix(tuple(params.misalignment_deg)) @ axes_matrix(params.axes)


def ringing_g(
    t_s: np.ndarray, steps: RunSteps, peak_bw: np.ndarray, params: SimParams
) -> np.ndarray:
    """Damped oscillation of the clip after each running foot strike, in g.

    It starts at zero at the foot strike (so it moves no event) and its amplitude is
    proportional to the step's peak vertical force.
    """
    out = np.zeros(len(t_s))
    if steps.n == 0 or params.ringing_g_per_bw == 0:
        return out
    idx = np.searchsorted(steps.foot_strike_s, t_s, side="right") - 1
    valid = idx >= 0
    i = np.where(valid, idx, 0)
    dt = t_s - steps.foot_strike_s[i]
    decay_s = params.ringing_decay_ms / 1000
    live = valid & (dt < 8 * decay_s) & (dt < steps.step_s[i])
    dt, i = dt[live], i[live]
    out[live] = (
        params.ringing_g_per_bw
        * peak_bw[i]
        * np.exp(-dt / decay_s)
        * np.sin(2 * np.pi * params.ringing_hz * dt)
    )
    return out


def band_limit(values: np.ndarray, internal_rate_hz: float, params: SimParams) -> np.ndarray:
    """Zero-phase 4th-order Butterworth low-pass at ``bandwidth_fraction * fs`` (no delay)."""
    cutoff = params.bandwidth_fraction * params.sample_rate_hz
    sos = butter(4, cutoff, fs=internal_rate_hz, output="sos")
    return sosfiltfilt(sos, values, axis=0)


def _adc(values: np.ndarray, full_scale: float, bits: int) -> np.ndarray:
    clipped = np.clip(values, -full_scale, full_scale)
    if bits == 0:
        return clipped
    lsb = 2 * full_scale / 2**bits
    return np.clip(np.round(clipped / lsb) * lsb, -full_scale, full_scale)


def digitise(acc_mps2: np.ndarray, gyr_dps: np.ndarray | None,
             params: SimParams) -> tuple[np.ndarray, np.ndarray | None, dict[str, list[float]]]:
    """Add bias and white noise, saturate and quantise; return the biases drawn too."""
    noise = rng_for(params.seed, STREAM_NOISE)
    bias_rng = rng_for(params.seed, STREAM_BIAS)
    acc_bias = bias_rng.normal(0, params.acc_bias_mps2, 3)
    gyr_bias = bias_rng.normal(0, params.gyr_bias_dps, 3)
    acc = acc_mps2 + acc_bias + noise.normal(0, params.acc_noise_mps2, acc_mps2.shape)
    acc = _adc(acc, params.acc_range_g * G, params.adc_bits)
    gyr = None
    if gyr_dps is not None:
        gyr = gyr_dps + gyr_bias + noise.normal(0, params.gyr_noise_dps, gyr_dps.shape)
        gyr = _adc(gyr, params.gyr_range_dps, params.adc_bits)
    biases = {"acc_bias_mps2": acc_bias.tolist(), "gyr_bias_dps": gyr_bias.tolist()}
    return acc, gyr, biases


def kept_samples(n: int, params: SimParams) -> np.ndarray:
    """Boolean mask of samples that arrive: whole packets are lost with the given probability.

    The first and last packets always arrive, so the session's extent is known.
    """
    keep = np.ones(n, dtype=bool)
    if params.packet_loss_pct <= 0 or n == 0:
        return keep
    rng = rng_for(params.seed, STREAM_LOSS)
    n_packets = -(-n // params.packet_samples)
    lost = rng.random(n_packets) < params.packet_loss_pct / 100
    lost[0] = lost[-1] = False
    return ~np.repeat(lost, params.packet_samples)[:n]
