"""Bundled scenarios: the catalogue behind recordings/synthetic/."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gaitback.sim.params import SimParams

if TYPE_CHECKING:
    from gaitback.sim.engine import SimResult

_BASE = SimParams(seed=1, notes="gaitback bundled synthetic recording")

#: Scenario name -> parameters. Every fault is a set of parameter changes on the baseline.
PRESETS: dict[str, SimParams] = {
    "baseline": _BASE.replace(seed=101),
    "overstriding": _BASE.replace(
        seed=102,
        cadence_spm=150.0,  # -12 % for the same 3.0 m/s
        contact_ms=290.0,
        braking_bw=0.6,
        impact_transient_bw=1.2,
        impact_rise_ms=25.0,
        faults=("overstriding",),
    ),
    "forward_lean": _BASE.replace(seed=103, forward_lean_deg=16.0, faults=("forward_lean",)),
    "pelvic_drop_right": _BASE.replace(
        seed=104,
        pelvic_drop_left_deg=4.0,
        # Drop of the LEFT side during RIGHT stances (weak right hip abductors).
        pelvic_drop_right_deg=9.0,
        faults=("pelvic_drop",),
    ),
    "uneven_surface": _BASE.replace(
        seed=105,
        loading_cv_pct=12.0,
        loading_asymmetry_pct=6.0,
        obliquity_noise_deg=1.5,
        camber_deg=2.5,
        step_cv_pct=4.0,
        faults=("uneven_surface",),
    ),
    "fatigue": _BASE.replace(
        seed=106,
        sample_rate_hz=100.0,
        running_s=180.0,
        fatigue_contact_ms=30.0,
        fatigue_cadence_spm=8.0,
        fatigue_lean_deg=6.0,
        fatigue_drop_deg=3.0,
        faults=("fatigue",),
    ),
    "acc_only": _BASE.replace(seed=107, accelerometer_only=True),
    "lowcost_100hz": _BASE.replace(
        seed=108,
        sample_rate_hz=100.0,
        acc_noise_mps2=0.4,
        gyr_noise_dps=1.5,
        acc_bias_mps2=0.3,
        gyr_bias_dps=3.0,
        adc_bits=10,
        acc_range_g=8.0,
        packet_samples=5,
        packet_loss_pct=1.5,
    ),
    "rotated_mount": _BASE.replace(
        seed=109,
        axes={"x": "left", "y": "down", "z": "backward"},
        misalignment_deg=(6.0, 15.0, -8.0),
    ),
    "stand_walk_run": _BASE.replace(
        seed=110, standing_before_s=8.0, walking_s=15.0, running_s=40.0, standing_after_s=5.0
    ),
    # A runner wearing the sensor on an elastic belt (or at the side of the hip): it
    # follows the pelvis through a ~10 Hz compliance and never reads free fall.
    "belt_mount": _BASE.replace(
        seed=112, mount_cutoff_hz=10.0, flight_floor_g=0.55, faults=("loose_mount",)
    ),
    # Downhill (about -10 %): harder heel strikes, a bigger soft-tissue spike and a
    # larger, earlier rise before touchdown (Alcantara et al. 2022 trials).
    "downhill": _BASE.replace(
        seed=113,
        impact_transient_bw=1.3,
        impact_rise_ms=25.0,
        tissue_gain_g_per_bw_per_s=0.028,
        pre_contact_g=0.4,
        pre_contact_lead_ms=80.0,
        braking_bw=0.45,
        faults=("downhill",),
    ),
    "high_impact": _BASE.replace(
        seed=111, impact_transient_bw=1.5, impact_rise_ms=20.0, faults=("high_impact",)
    ),
    # The Quick start's run: three minutes of easy treadmill running, enough for advice
    # (60 s and 150 steps at least), at a phone-like 100 Hz to keep the file small.
    "treadmill_3min": _BASE.replace(seed=121, sample_rate_hz=100.0, running_s=180.0),
}

def fault_changes(name: str) -> dict[str, Any]:
    """The parameter changes a named fault makes to the baseline (from its preset).

    Raises
    ------
    ValueError
        For a name no preset injects.
    """
    base = PRESETS["baseline"]
    for params in PRESETS.values():
        if name in params.faults:
            return {
                f.name: getattr(params, f.name)
                for f in dataclasses.fields(params)
                if f.name not in ("seed", "notes", "faults")
                and getattr(params, f.name) != getattr(base, f.name)
            }
    known = sorted({f for p in PRESETS.values() for f in p.faults})
    raise ValueError(f"unknown fault {name!r}; known faults: {', '.join(known)}")


#: Scenarios written to recordings/synthetic/ (high_impact is a preset only).
BUNDLED: tuple[str, ...] = (
    "baseline",
    "overstriding",
    "forward_lean",
    "pelvic_drop_right",
    "uneven_surface",
    "fatigue",
    "acc_only",
    "lowcost_100hz",
    "rotated_mount",
    "stand_walk_run",
    "treadmill_3min",
)


def bundled_regenerate(out_dir: str | os.PathLike[str]) -> dict[str, SimResult]:
    """Write every bundled scenario as ``<out_dir>/<name>.csv`` (+ sidecar + truth)."""
    from gaitback.sim.engine import simulate, write_simulation

    out = Path(out_dir)
    results = {}
    for name in BUNDLED:
        result = simulate(PRESETS[name])
        write_simulation(result, out / f"{name}.csv")
        results[name] = result
    return results
