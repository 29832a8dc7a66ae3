"""Simulator physics: the oracle must obey mechanics, not merely look like running.

Every check here is against a physical law or a documented convention
(docs/architecture.md, docs/simulator.md), computed independently of the simulator's
own truth code: impulse-momentum, free fall in flight, rigid-body kinematics, the
mount convention of gaitback.recording.axes_matrix.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from gaitback import columns as col
from gaitback.errors import GaitbackError
from gaitback.recording import axes_matrix
from gaitback.sim import SimParams, SimResult, simulate

G = col.STANDARD_GRAVITY_MPS2


def _rot_zyx(angles_deg: np.ndarray) -> np.ndarray:
    """Rz(yaw) @ Ry(pitch) @ Rx(roll), written out here from elementary rotations."""
    out = []
    for roll, pitch, yaw in np.deg2rad(np.atleast_2d(angles_deg)):
        cr, sr = np.cos(roll), np.sin(roll)
        cp, sp = np.cos(pitch), np.sin(pitch)
        cy, sy = np.cos(yaw), np.sin(yaw)
        rx = np.array([[1, 0, 0], [0, cr, -sr], [0, sr, cr]])
        ry = np.array([[cp, 0, sp], [0, 1, 0], [-sp, 0, cp]])
        rz = np.array([[cy, -sy, 0], [sy, cy, 0], [0, 0, 1]])
        out.append(rz @ ry @ rx)
    return np.array(out)


def _mount(result: SimResult) -> np.ndarray:
    mount = result.truth["mount"]
    return _rot_zyx(np.array(mount["misalignment_deg"]))[0] @ axes_matrix(mount["axes"])


def _sensor_in_body(result: SimResult, remove_bias: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Accelerometer samples rotated back to the body frame with the true orientation."""
    rec = result.recording
    t = rec.time_s
    acc = rec.acc_mps2
    if remove_bias:
        acc = acc - np.array(result.truth["sensor"]["acc_bias_mps2"])
    sig = result.signals.set_index(np.round(result.signals[col.TIME].to_numpy(), 6))
    angles = sig.loc[np.round(t, 6), ["roll_deg", "pitch_deg", "yaw_deg"]].to_numpy()
    r_sensor_to_body = _rot_zyx(angles) @ _mount(result)
    return t, np.einsum("nij,nj->ni", r_sensor_to_body, acc)


@pytest.fixture(scope="module")
def baseline() -> SimResult:
    return simulate(SimParams(seed=7, running_s=20.0, standing_before_s=3.0,
                              standing_after_s=2.0))


#: A sensor rigidly at the centre of mass: no soft tissue, swing-leg rise or tail.
RIGID = dict(tissue_gain_g_per_bw_per_s=0.0, pre_contact_g=0.0, tail_g=0.0)


@pytest.fixture(scope="module")
def rigid() -> SimResult:
    return simulate(SimParams(seed=7, running_s=20.0, standing_before_s=3.0,
                              standing_after_s=2.0, **RIGID))


@pytest.fixture(scope="module")
def belt() -> SimResult:
    return simulate(SimParams(seed=10, running_s=20.0, standing_before_s=3.0,
                              standing_after_s=2.0, mount_cutoff_hz=10.0,
                              flight_floor_g=0.55, pre_contact_g=0.4,
                              impact_transient_bw=1.2))


@pytest.fixture(scope="module")
def rotated() -> SimResult:
    return simulate(SimParams(seed=8, running_s=15.0, standing_before_s=3.0,
                              standing_after_s=2.0,
                              axes={"x": "left", "y": "down", "z": "backward"},
                              misalignment_deg=(6.0, 15.0, -8.0), loading_cv_pct=12.0,
                              camber_deg=2.5, **RIGID))


def _whole_strides(steps: pd.DataFrame) -> tuple[float, float]:
    fs = steps[col.FOOT_STRIKE].to_numpy()
    n = (len(fs) - 1) // 2 * 2
    return float(fs[0]), float(fs[n])


@pytest.mark.parametrize("which", ["baseline", "rotated", "belt", "rigid"])
def test_mean_vertical_specific_force_over_whole_strides_is_1g(which, request):
    result = request.getfixturevalue(which)
    start, end = _whole_strides(result.steps)
    t, f_body = _sensor_in_body(result)
    sel = (t >= start) & (t < end)
    assert f_body[sel, 2].mean() / G == pytest.approx(1.0, abs=0.01)
    sig = result.signals
    sel = (sig[col.TIME] >= start) & (sig[col.TIME] < end)
    assert sig.loc[sel, "fz_mps2"].mean() / G == pytest.approx(1.0, abs=0.01)


def _per_step_impulse(result: SimResult, column: str) -> np.ndarray:
    """Integral of a signals column over each step, in body weight x step time."""
    sig = result.signals
    t = sig[col.TIME].to_numpy()
    f = sig[column].to_numpy()
    fs = result.steps[col.FOOT_STRIKE].to_numpy()
    out = []
    for a, b in zip(fs[:-1], fs[1:], strict=True):
        # Trapezoid over the samples in the step plus the exact end points by interpolation.
        tt = np.concatenate([[a], t[(t > a) & (t < b)], [b]])
        out.append(np.trapezoid(np.interp(tt, t, f), tt) / (G * (b - a)))
    return np.array(out)


def test_vertical_impulse_per_step_is_body_weight_times_step_time(baseline):
    impulse = _per_step_impulse(baseline, "fz_mps2")
    assert np.all(np.abs(impulse - 1) < 0.01)


def test_ap_impulse_per_step_is_zero_at_constant_speed(baseline, rotated):
    for result in (baseline, rotated):
        impulse = _per_step_impulse(result, "fx_mps2")
        # In body weights x step time: zero net horizontal momentum change per step.
        assert np.abs(impulse).max() < 0.005
    start, end = _whole_strides(rotated.steps)
    t, f_body = _sensor_in_body(rotated)
    sel = (t >= start) & (t < end)
    assert abs(f_body[sel, 0].mean()) / G < 0.01


def test_ml_force_pushes_toward_the_midline(baseline):
    sig, steps = baseline.signals, baseline.steps
    t = sig[col.TIME].to_numpy()
    for _, step in steps.iterrows():
        mid = (t > step[col.FOOT_STRIKE] + 0.3 * step[col.CONTACT] / 1000) & (
            t < step[col.TOE_OFF] - 0.3 * step[col.CONTACT] / 1000
        )
        fy = sig.loc[mid, "fy_mps2"].mean()
        # Left stance pushes the body right (-y), right stance left (+y).
        assert fy < 0 if step[col.SIDE] == col.SIDE_LEFT else fy > 0


def test_flight_is_free_fall_and_stance_is_loaded(rigid, rotated):
    # A sensor rigidly at the centre of mass reads free fall in flight; the sacral
    # components that break this on purpose are checked in test_sacral_* below.
    for result in (rigid, rotated):
        t, f_body = _sensor_in_body(result)
        steps = result.steps
        fs = steps[col.FOOT_STRIKE].to_numpy()
        to = steps[col.TOE_OFF].to_numpy()
        contact_s = steps[col.CONTACT].to_numpy() / 1000
        n_flight = 0
        for i in range(len(fs) - 1):
            # Away from the edges by the band limit's smoothing (~2 samples).
            flight = (t > to[i] + 0.012) & (t < fs[i + 1] - 0.012)
            n_flight += flight.sum()
            assert np.all(np.abs(f_body[flight, 2]) < 0.08 * G)
            mid = (t > fs[i] + 0.4 * contact_s[i]) & (t < fs[i] + 0.6 * contact_s[i])
            assert np.all(f_body[mid, 2] > 1.2 * G)
        assert n_flight > 5 * len(fs)
        # The true force itself: exactly zero in flight, positive inside stance.
        sig = result.signals
        ts, fz = sig[col.TIME].to_numpy(), sig["fz_mps2"].to_numpy()
        for i in range(len(fs) - 1):
            assert np.all(fz[(ts > to[i]) & (ts < fs[i + 1])] == 0)
            assert np.all(fz[(ts > fs[i]) & (ts < to[i])] > 0)


def test_truth_impact_and_oscillation_match_the_kinematics(baseline):
    sig, steps = baseline.signals, baseline.steps
    t = sig[col.TIME].to_numpy()
    fz = sig["fz_mps2"].to_numpy()
    # Vertical position by double integration of a = f - g over the running segment.
    run = (t >= steps[col.FOOT_STRIKE].iloc[0]) & (t < baseline.truth["segments"][1]["end_s"])
    a = fz[run] - G
    dt = t[1] - t[0]
    v = np.concatenate([[0], np.cumsum((a[1:] + a[:-1]) / 2) * dt])
    v -= v.mean()
    z = np.concatenate([[0], np.cumsum((v[1:] + v[:-1]) / 2) * dt])
    tr = t[run]
    for _, step in steps.iloc[:-1].iterrows():
        stance = (t >= step[col.FOOT_STRIKE]) & (t <= step[col.TOE_OFF])
        assert step[col.IMPACT] == pytest.approx(fz[stance].max() / G, rel=0.02)
        next_strike = step[col.FOOT_STRIKE] + step[col.STEP_TIME] / 1000
        window = (tr >= step[col.FOOT_STRIKE]) & (tr <= next_strike)
        # The bounce: height about the straight line joining the two foot strikes.
        zw = z[window]
        bounce = zw - np.linspace(zw[0], zw[-1], len(zw))
        assert 100 * np.ptp(bounce) == pytest.approx(step[col.VERTICAL_OSCILLATION], abs=0.3)
    # Typical sacral bounce of a 3 m/s runner: 5-10 cm; peak vertical force 2-3 g.
    assert 5 < steps[col.VERTICAL_OSCILLATION].mean() < 10
    assert 1.8 < steps[col.IMPACT].mean() < 3.2


@pytest.mark.parametrize("noisy", [False, True])
def test_gyro_integration_reproduces_the_true_orientation(noisy):
    params = SimParams(seed=3, running_s=10.0, standing_before_s=2.0, standing_after_s=1.0,
                       misalignment_deg=(4.0, -12.0, 7.0))
    if not noisy:
        params = params.replace(gyr_noise_dps=0.0, gyr_bias_dps=0.0, adc_bits=0)
    result = simulate(params)
    rec = result.recording
    # The constant bias the truth reports is the only systematic gyro error.
    t, gyr = rec.time_s, rec.gyr_dps - np.array(result.truth["sensor"]["gyr_bias_dps"])
    sig = result.signals
    angles = sig[["roll_deg", "pitch_deg", "yaw_deg"]].to_numpy()
    mount = _mount(result)
    omega_pelvis = np.deg2rad(gyr @ mount.T)  # pelvis = R_mount @ sensor
    start = int(np.searchsorted(t, 4.0))
    stop = int(np.searchsorted(t, 9.0))
    r = _rot_zyx(angles[start])[0]
    errors = []
    for k in range(start, stop):
        w = 0.5 * (omega_pelvis[k] + omega_pelvis[k + 1])
        theta = np.linalg.norm(w) * (t[k + 1] - t[k])
        axis = w / np.linalg.norm(w)
        kx = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
        r = r @ (np.eye(3) + np.sin(theta) * kx + (1 - np.cos(theta)) * kx @ kx)
        err = r.T @ _rot_zyx(angles[k + 1])[0]
        errors.append(np.degrees(np.arccos(np.clip((np.trace(err) - 1) / 2, -1, 1))))
    # Over 5 s of running (some 14 steps, 10 deg rotation swings) the drift stays tiny.
    assert max(errors) < 0.5


def test_angular_velocity_is_vee_of_rt_dr_dt():
    result = simulate(SimParams(seed=4, sample_rate_hz=1000.0, running_s=4.0,
                                standing_before_s=1.0, standing_after_s=1.0,
                                pelvic_rotation_deg=14.0, forward_lean_deg=10.0))
    sig = result.signals
    t = sig[col.TIME].to_numpy()
    r = _rot_zyx(sig[["roll_deg", "pitch_deg", "yaw_deg"]].to_numpy())
    dr = (r[2:] - r[:-2]) / (t[2:] - t[:-2])[:, None, None]
    skew = np.einsum("nji,njk->nik", r[1:-1], dr)
    omega_fd = np.degrees(np.column_stack([skew[:, 2, 1], skew[:, 0, 2], skew[:, 1, 0]]))
    omega = sig[["wx_dps", "wy_dps", "wz_dps"]].to_numpy()[1:-1]
    rms_err = np.sqrt(np.mean((omega - omega_fd) ** 2))
    assert rms_err < 0.005 * np.sqrt(np.mean(omega**2))


def test_standing_reads_gravity_along_the_mount_axes(rotated):
    # Nominal axes x=left, y=down, z=backward: at rest, with the misalignment undone,
    # the accelerometer reads +g on -y.
    rec = rotated.recording
    standing = rec.time_s < 2.5
    acc = rec.acc_mps2[standing].mean(axis=0)
    assert np.linalg.norm(acc) == pytest.approx(G, rel=0.01)
    mount = rotated.truth["mount"]
    mis = _rot_zyx(np.array(mount["misalignment_deg"]))[0]
    nominal = axes_matrix(mount["axes"])
    # What a perfectly aligned sensor would read: pelvis = mis @ nominal @ sensor.
    aligned = nominal.T @ mis @ nominal @ acc
    assert aligned == pytest.approx([0, -G, 0], abs=0.15)
    # The misalignment is real: the raw reading is off the nominal axis by ~15-20 deg.
    tilt = np.degrees(np.arccos(-acc[1] / np.linalg.norm(acc)))
    assert 10 < tilt < 25


def test_pelvic_angles_follow_the_parameters(baseline):
    steps = baseline.steps
    left = steps[steps[col.SIDE] == "L"]
    right = steps[steps[col.SIDE] == "R"]
    p = SimParams()
    sway = p.sway_deg
    assert left[col.PELVIC_DROP].mean() == pytest.approx(p.pelvic_drop_left_deg, abs=sway)
    assert right[col.PELVIC_DROP].mean() == pytest.approx(p.pelvic_drop_right_deg, abs=sway)
    rotation = steps[col.PELVIC_ROTATION].dropna()
    assert rotation.mean() == pytest.approx(p.pelvic_rotation_deg, abs=2 * sway)
    # Mean pitch in stance: the lean plus part of the step-frequency oscillation.
    assert steps[col.FORWARD_LEAN].mean() == pytest.approx(
        p.forward_lean_deg, abs=p.pitch_oscillation_deg / 2 + sway
    )


def test_obliquity_sign_convention(baseline):
    # Left stance: left side up (positive roll) at mid-stance, right stance the opposite.
    sig, steps = baseline.signals, baseline.steps
    t = sig[col.TIME].to_numpy()
    for _, step in steps.iterrows():
        mid = step[col.FOOT_STRIKE] + 0.5 * step[col.CONTACT] / 1000
        roll = np.interp(mid, t, sig["roll_deg"].to_numpy())
        assert roll > 3 if step[col.SIDE] == "L" else roll < -3


def test_walking_has_no_flight_and_standing_is_still():
    result = simulate(SimParams(seed=5, standing_before_s=4.0, walking_s=8.0, running_s=6.0,
                                standing_after_s=3.0))
    segs = {s["activity"] + str(i): s for i, s in enumerate(result.truth["segments"])}
    walk = segs["walking1"]
    sig = result.signals
    t = sig[col.TIME].to_numpy()
    walking = (t > walk["start_s"] + 0.6) & (t < walk["end_s"])
    assert sig.loc[walking, "fz_mps2"].min() > 0.3 * G
    steps = result.truth["walking_steps"]
    step_s = np.diff([s[col.FOOT_STRIKE] for s in steps])
    assert np.mean(step_s) == pytest.approx(60 / SimParams().walking_cadence_spm, rel=0.05)
    standing = t < 4.0
    for name in ("roll_deg", "pitch_deg", "yaw_deg"):
        assert np.abs(sig.loc[standing, name]).max() < 0.5
    assert np.all(sig.loc[standing, "fz_mps2"] == G)


def test_packet_loss_removes_rows_and_truth_lists_the_gaps():
    params = SimParams(seed=9, sample_rate_hz=100.0, running_s=20.0, packet_samples=5,
                       packet_loss_pct=2.0)
    result = simulate(params)
    t = result.recording.time_s
    k = np.rint((t - params.start_time_s) * params.sample_rate_hz)
    # Kept samples sit exactly on the nominal grid; nothing is interpolated.
    assert np.allclose(t, params.start_time_s + k / params.sample_rate_hz, atol=1e-9)
    expected_total = len(result.signals)
    lost = expected_total - len(t)
    assert lost > 0 and lost % params.packet_samples == 0
    assert result.truth["lost_samples"] == lost
    assert sum(g[2] for g in result.truth["gaps"]) == lost
    for start, end, missing in result.truth["gaps"]:
        assert round((end - start) * params.sample_rate_hz) - 1 == missing


def test_fatigue_drifts_in_the_documented_direction():
    params = SimParams(seed=11, running_s=60.0, fatigue_contact_ms=30.0,
                       fatigue_cadence_spm=8.0, fatigue_lean_deg=6.0, fatigue_drop_deg=3.0)
    s = simulate(params).truth["summary"]
    # Last third minus first third of a linear drift is 2/3 of the full change.
    assert s["contact_ms_trend"] == pytest.approx(20.0, abs=6.0)
    assert s["cadence_spm_trend"] == pytest.approx(-8 * 2 / 3, abs=2.0)
    assert s["forward_lean_deg_trend"] == pytest.approx(4.0, abs=0.7)
    assert s["pelvic_drop_deg_trend"] == pytest.approx(2.0, abs=0.7)


def test_accelerometer_only_has_no_gyro_and_no_gyro_truth():
    result = simulate(SimParams(seed=12, running_s=5.0, standing_before_s=1.0,
                                standing_after_s=1.0, accelerometer_only=True))
    assert not result.recording.has_gyro
    assert all(s[col.PELVIC_DROP] is None for s in result.truth["steps"])
    assert result.truth["summary"]["has_gyro"] is False


def test_saturation_and_quantisation():
    params = SimParams(seed=13, running_s=5.0, standing_before_s=1.0, standing_after_s=1.0,
                       acc_range_g=2.0, adc_bits=8, impact_transient_bw=1.0)
    acc = simulate(params).recording.acc_mps2
    full = 2.0 * G
    assert np.abs(acc).max() <= full + 1e-9
    assert np.isclose(np.abs(acc).max(), full, atol=2 * full / 2**8)
    lsb = 2 * full / 2**8
    # 5 written decimals round each level by at most 5e-6.
    assert np.allclose(acc / lsb, np.round(acc / lsb), atol=1e-3)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    cadence=st.floats(150, 195),
    contact=st.floats(170, 290),
    transient=st.floats(0, 1.5),
    loading_cv=st.floats(0, 15),
    seed=st.integers(0, 2**16),
)
def test_impulse_balance_holds_for_any_running_parameters(cadence, contact, transient,
                                                          loading_cv, seed):
    params = SimParams(seed=seed, cadence_spm=cadence, contact_ms=contact,
                       impact_transient_bw=transient, loading_cv_pct=loading_cv,
                       running_s=4.0, standing_before_s=0.5, standing_after_s=0.5,
                       sample_rate_hz=100.0)
    try:
        params.validated()
    except GaitbackError:
        assume(False)  # no flight left at this cadence: refused (tested in test_sim_cli)
    result = simulate(params)
    steps = result.steps
    assert np.all(steps[col.FLIGHT].dropna() > 0)
    assert np.all(steps[col.CONTACT] > 0)
    impulse = _per_step_impulse(result, "fz_mps2")
    assert np.all(np.abs(impulse - 1) < 0.02)


def _vertical_g(result: SimResult) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Time, sensed vertical (body frame, bias removed) and true force, in g."""
    t, f_body = _sensor_in_body(result)
    sig = result.signals.set_index(np.round(result.signals[col.TIME].to_numpy(), 6))
    force = sig.loc[np.round(t, 6), "fz_mps2"].to_numpy()
    return t, f_body[:, 2] / G, force / G


def test_sacral_reading_integrates_to_the_force_over_every_step(baseline, belt):
    """Soft tissue, swing leg, tail and belt move the sensor relative to the centre of
    mass: over each step they add no impulse (the sensed and the true vertical impulse
    agree), although sample by sample they differ by up to ~1 g."""
    for result in (baseline, belt):
        t, sensed, force = _vertical_g(result)
        fs = result.steps[col.FOOT_STRIKE].to_numpy()
        lead = result.truth["params"]["pre_contact_lead_ms"] / 1000
        # Whole steps, shifted by the rise's lead so that each step's rise is inside.
        edges = np.searchsorted(t, fs[1:] - lead)
        dt = t[1] - t[0]
        per_step_sensed = np.add.reduceat(sensed, edges)[:-1] * dt
        per_step_force = np.add.reduceat(force, edges)[:-1] * dt
        step_s = np.diff(fs[1:])
        assert np.abs(per_step_sensed - per_step_force).max() < 0.02 * step_s.min()
        assert np.abs(sensed - force).max() > 0.5


def test_sacral_spike_overshoots_the_force_then_dips_and_a_tail_follows_toe_off(baseline):
    t, sensed, force = _vertical_g(baseline)
    steps = baseline.steps
    overshoot, dip, at_toe_off, at_strike = [], [], [], []
    for _, step in steps.iloc[1:-1].iterrows():
        fs, to = step[col.FOOT_STRIKE], step[col.TOE_OFF]
        early = (t >= fs) & (t < fs + 0.045)
        overshoot.append((sensed[early] - force[early]).max())
        k = np.flatnonzero(early)[np.argmax(sensed[early])]
        after = slice(k, k + int(0.05 / (t[1] - t[0])))
        dip.append((sensed[after] - force[after]).min())
        at_toe_off.append(np.interp(to + 0.01, t, sensed))
        at_strike.append(np.interp(fs - 0.02, t, sensed))
    # Calibrated on level rearfoot running (docs/simulator.md): spike 1-1.5 g above
    # the force, a dip below it, a few tenths of a g 10 ms after toe-off.
    assert 0.8 < np.median(overshoot) < 1.8
    assert np.median(dip) < -0.3
    assert 0.1 < np.median(at_toe_off) < 0.5
    assert 0.0 < np.median(at_strike) < 0.2


def test_belt_mount_never_reads_free_fall(belt, baseline):
    t, sensed, _ = _vertical_g(belt)
    steps = belt.steps
    run = (t > steps[col.FOOT_STRIKE].iloc[1]) & (t < steps[col.TOE_OFF].iloc[-2])
    floor = belt.truth["params"]["flight_floor_g"]
    assert sensed[run].min() > floor - 0.1
    # ... while the clip at the sacrum does get near free fall.
    t0, sensed0, _ = _vertical_g(baseline)
    run0 = (t0 > baseline.steps[col.FOOT_STRIKE].iloc[1]) & (
        t0 < baseline.steps[col.TOE_OFF].iloc[-2])
    assert sensed0[run0].min() < 0.15
