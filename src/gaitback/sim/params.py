"""Simulation parameters: one dataclass, every field with its unit in the name."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

from gaitback.errors import GaitbackError
from gaitback.recording import validate_axes

#: Physics runs at >= 1 kHz; this bounds memory (about 1 GB per 4 million samples).
MAX_INTERNAL_SAMPLES = 15_000_000

#: Nominal mount of a clip on the waistband over the sacrum: x up, y left, z out of the back.
DEFAULT_AXES: dict[str, str] = {"x": "up", "y": "left", "z": "backward"}


@dataclass
class SimParams:
    """Everything that defines one simulated session.

    Parameters
    ----------
    seed
        Seed of every random draw (step variability, noise, bias, packet loss).
    sample_rate_hz
        Output (sensor) sample rate.
    start_time_s
        Time of the first sample; samples are at ``start_time_s + k / sample_rate_hz``.
    standing_before_s
        Quiet standing before the first walking/running step.
    walking_s
        Walking between the first standing period and the run (0 = none).
    running_s
        Running duration; the run ends at the first foot strike at or after this span.
    standing_after_s
        Quiet standing after the run.
    treadmill_speed_mps
        Belt speed (constant); written to the sidecar.
    height_m, leg_length_m, mass_kg
        The runner; the mass scales forces to specific force (it cancels).
    cadence_spm
        Running step rate at the start of the run, steps per minute.
    contact_ms
        Mean ground contact time per running step at the start of the run.
    step_cv_pct
        Coefficient of variation of step time (step-to-step variability).
    contact_cv_pct
        Coefficient of variation of contact time.
    start_side
        ``"L"``, ``"R"``, or ``"random"`` (drawn from the seed) for the first running step.
    impact_transient_bw
        Height of the heel-strike transient added to the active vGRF peak, body weights
        (0 for a midfoot/forefoot striker).
    impact_rise_ms
        Time from foot strike to the transient's peak (its half-width), ms.
    braking_bw
        Peak braking (backward) ground reaction force, body weights; propulsion mirrors it.
    mediolateral_bw
        Peak mediolateral force toward the midline during stance, body weights.
    forward_lean_deg
        Pelvis pitch while running relative to the standing posture (positive = forward).
    pitch_oscillation_deg
        Peak-to-peak pitch oscillation at step frequency.
    pelvic_drop_left_deg
        Obliquity bump during LEFT stances (left side up, right side drops), deg.
    pelvic_drop_right_deg
        Obliquity bump during RIGHT stances (right side up, left side drops), deg.
    pelvic_rotation_deg
        Peak-to-peak pelvis yaw over a stride.
    camber_deg
        Constant obliquity offset while running (sloped surface), positive = left side up.
    loading_cv_pct
        Random per-step loading variation (uneven surface); keeps each step's impulse.
    loading_asymmetry_pct
        Left minus right loading, percent of the mean (positive = left loads harder and
        shorter).
    obliquity_noise_deg
        Standard deviation of the random per-step change of the obliquity bump.
    fatigue_contact_ms
        Contact-time increase reached at the end of the run (linear drift).
    fatigue_cadence_spm
        Cadence decrease reached at the end of the run.
    fatigue_lean_deg
        Forward-lean increase reached at the end of the run.
    fatigue_drop_deg
        Pelvic-drop increase (both sides) reached at the end of the run.
    walking_cadence_spm
        Walking step rate.
    sway_deg
        Amplitude of the slow postural sway of each pelvis angle (always present).
    axes
        Nominal mount: the body direction of each sensor axis (what the sidecar says).
    misalignment_deg
        Extra mount rotation (x, y, z) in degrees, applied as ``Rz @ Ry @ Rx`` on top of
        the nominal axes; the sidecar does not know it.
    ringing_g_per_bw
        Clip/soft-tissue ringing amplitude per body weight of the step's peak force, g.
    ringing_hz
        Ringing frequency.
    ringing_decay_ms
        Ringing exponential decay time constant.
    tissue_hz
        Natural frequency of the soft tissue (wobbling mass) under the sensor, Hz.
    tissue_damping_ratio
        Damping ratio of that mass-spring (dimensionless, < 1 rings).
    tissue_gain_g_per_bw_per_s
        Soft-tissue response per unit loading rate of the impact transient: g of
        relative acceleration per BW/s (0 = sensor rigidly on the bone).
    tissue_release_ms
        Time over which the impact's push on the tissue is released after the
        transient's peak (slower than its rise: the dip is shallower than the spike).
    pre_contact_g
        Rise of the sacral reading before touchdown from swing-leg/pelvis motion: its
        height at foot strike, g (larger downhill).
    pre_contact_lead_ms
        How long before foot strike that rise starts (and how long it fades after).
    tail_g
        Sacral reading left at toe-off once the force has gone, g.
    tail_decay_ms
        Exponential decay time of that tail after toe-off.
    mount_cutoff_hz
        Compliance of a belt or loose mount: natural frequency of the critically
        damped mass-spring through which the sensor follows the pelvis (0 = rigid clip).
    flight_floor_g
        Lowest vertical reading in flight of a belt or side-of-hip mount that never
        reads free fall, g (0 = none).
    bandwidth_fraction
        Zero-phase low-pass cut-off as a fraction of the sample rate (anti-alias, no delay).
    acc_noise_mps2, gyr_noise_dps
        White-noise standard deviation per axis.
    acc_bias_mps2, gyr_bias_dps
        Standard deviation of the constant per-axis bias (drawn from the seed).
    acc_range_g, gyr_range_dps
        Full scale; values beyond are clipped (saturation).
    adc_bits
        Converter resolution over the full range (0 = no quantisation).
    packet_samples
        Samples per packet for packet loss.
    packet_loss_pct
        Probability that a packet is lost, percent; lost rows are absent from the CSV.
    accelerometer_only
        Write no gyro columns.
    faults
        Names of the injected faults (documentation only, copied to the truth file).
    notes
        Free text for the sidecar.
    """

    seed: int = 0
    sample_rate_hz: float = 200.0
    start_time_s: float = 0.0
    standing_before_s: float = 8.0
    walking_s: float = 0.0
    running_s: float = 50.0
    standing_after_s: float = 5.0
    treadmill_speed_mps: float = 3.0
    height_m: float = 1.75
    leg_length_m: float = 0.92
    mass_kg: float = 70.0
    cadence_spm: float = 170.0
    contact_ms: float = 250.0
    step_cv_pct: float = 2.0
    contact_cv_pct: float = 3.0
    start_side: str = "L"
    impact_transient_bw: float = 0.6
    impact_rise_ms: float = 30.0
    braking_bw: float = 0.35
    mediolateral_bw: float = 0.07
    forward_lean_deg: float = 6.0
    pitch_oscillation_deg: float = 2.0
    pelvic_drop_left_deg: float = 5.0
    pelvic_drop_right_deg: float = 5.0
    pelvic_rotation_deg: float = 10.0
    camber_deg: float = 0.0
    loading_cv_pct: float = 0.0
    loading_asymmetry_pct: float = 0.0
    obliquity_noise_deg: float = 0.0
    fatigue_contact_ms: float = 0.0
    fatigue_cadence_spm: float = 0.0
    fatigue_lean_deg: float = 0.0
    fatigue_drop_deg: float = 0.0
    walking_cadence_spm: float = 108.0
    sway_deg: float = 0.3
    axes: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_AXES))
    misalignment_deg: tuple[float, float, float] = (0.0, 0.0, 0.0)
    ringing_g_per_bw: float = 0.05
    ringing_hz: float = 20.0
    ringing_decay_ms: float = 10.0
    tissue_hz: float = 25.0
    tissue_damping_ratio: float = 0.6
    tissue_gain_g_per_bw_per_s: float = 0.04
    tissue_release_ms: float = 50.0
    pre_contact_g: float = 0.1
    pre_contact_lead_ms: float = 60.0
    tail_g: float = 0.35
    tail_decay_ms: float = 20.0
    mount_cutoff_hz: float = 0.0
    flight_floor_g: float = 0.0
    bandwidth_fraction: float = 0.4
    acc_noise_mps2: float = 0.05
    gyr_noise_dps: float = 0.1
    acc_bias_mps2: float = 0.05
    gyr_bias_dps: float = 0.5
    acc_range_g: float = 16.0
    gyr_range_dps: float = 2000.0
    adc_bits: int = 16
    packet_samples: int = 10
    packet_loss_pct: float = 0.0
    accelerometer_only: bool = False
    faults: tuple[str, ...] = ()
    notes: str = ""

    def replace(self, **changes: Any) -> SimParams:
        """A copy with some fields changed (the axes mapping is copied, never shared)."""
        changes.setdefault("axes", dict(self.axes))
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping of every field (tuples as lists)."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            out[f.name] = list(value) if isinstance(value, tuple) else value
        out["axes"] = dict(self.axes)
        return out

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> SimParams:
        """Inverse of :meth:`to_dict`; unknown keys are an error."""
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(raw) - names)
        if unknown:
            raise GaitbackError(f"unknown simulation parameter(s): {', '.join(unknown)}")
        values = dict(raw)
        for key in ("misalignment_deg", "faults"):
            if key in values:
                values[key] = tuple(values[key])
        return cls(**values).validated()

    def validated(self) -> SimParams:
        """Check ranges; raise :class:`GaitbackError` with one line naming the field."""
        positive = (
            "sample_rate_hz", "cadence_spm", "contact_ms", "mass_kg", "height_m",
            "leg_length_m", "walking_cadence_spm", "impact_rise_ms", "ringing_hz",
            "ringing_decay_ms", "acc_range_g", "gyr_range_dps", "tissue_hz",
            "tissue_damping_ratio", "tissue_release_ms", "pre_contact_lead_ms", "tail_decay_ms",
        )
        for name in positive:
            if not getattr(self, name) > 0:
                raise GaitbackError(f"{name} must be > 0, got {getattr(self, name)!r}")
        non_negative = (
            "standing_before_s", "walking_s", "running_s", "standing_after_s",
            "treadmill_speed_mps", "step_cv_pct", "contact_cv_pct", "impact_transient_bw",
            "braking_bw", "mediolateral_bw", "pitch_oscillation_deg", "pelvic_rotation_deg",
            "loading_cv_pct", "obliquity_noise_deg", "sway_deg", "ringing_g_per_bw",
            "acc_noise_mps2", "gyr_noise_dps", "acc_bias_mps2", "gyr_bias_dps",
            "tissue_gain_g_per_bw_per_s", "pre_contact_g", "tail_g", "mount_cutoff_hz",
        )
        for name in non_negative:
            if not getattr(self, name) >= 0:
                raise GaitbackError(f"{name} must be >= 0, got {getattr(self, name)!r}")
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, float | int) and not math.isfinite(value):
                raise GaitbackError(f"{f.name} must be a finite number, got {value!r}")
        if not all(math.isfinite(float(a)) for a in self.misalignment_deg):
            raise GaitbackError("misalignment_deg must be finite numbers")
        total_s = self.running_s + self.walking_s + self.standing_before_s + self.standing_after_s
        internal_hz = max(1000.0, 5 * self.sample_rate_hz)
        if total_s * internal_hz > MAX_INTERNAL_SAMPLES:
            raise GaitbackError(
                f"session too long to simulate in memory ({total_s:.0f} s at "
                f"{self.sample_rate_hz:g} Hz); keep it under "
                f"{MAX_INTERNAL_SAMPLES / internal_hz / 3600:.1f} h"
            )
        if self.running_s + self.walking_s + self.standing_before_s + self.standing_after_s < 1:
            raise GaitbackError("the session must last at least 1 s in all")
        if not 0 < self.bandwidth_fraction <= 0.5:
            raise GaitbackError(
                f"bandwidth_fraction must be in (0, 0.5], got {self.bandwidth_fraction!r}"
            )
        if not 0 <= self.flight_floor_g < 1:
            raise GaitbackError(f"flight_floor_g must be in [0, 1), got {self.flight_floor_g!r}")
        if not 0 <= self.packet_loss_pct < 50:
            raise GaitbackError(f"packet_loss_pct must be in [0, 50), got {self.packet_loss_pct}")
        if self.packet_samples < 1:
            raise GaitbackError(f"packet_samples must be >= 1, got {self.packet_samples}")
        if self.adc_bits != 0 and not 4 <= self.adc_bits <= 32:
            raise GaitbackError(f"adc_bits must be 0 (off) or 4..32, got {self.adc_bits}")
        if self.start_side not in ("L", "R", "random"):
            raise GaitbackError(f"start_side must be L, R or random, got {self.start_side!r}")
        if len(self.misalignment_deg) != 3:
            raise GaitbackError("misalignment_deg needs three angles (x, y, z)")
        step_s = 60.0 / self.cadence_spm
        if self.running_s > 0 and self.contact_ms / 1000 >= 0.95 * step_s:
            raise GaitbackError(
                f"contact_ms {self.contact_ms:g} leaves no flight at cadence "
                f"{self.cadence_spm:g} spm (step {1000 * step_s:.0f} ms); running needs a flight"
            )
        if self.running_s > 0 and 2 * self.impact_rise_ms >= 0.8 * self.contact_ms:
            raise GaitbackError("impact_rise_ms must be well below half of contact_ms")
        final_cadence = self.cadence_spm - self.fatigue_cadence_spm
        if final_cadence <= 60 or self.contact_ms + self.fatigue_contact_ms <= 50:
            raise GaitbackError("fatigue drift takes cadence or contact time out of range")
        validate_axes(self.axes, where="axes")
        return self
