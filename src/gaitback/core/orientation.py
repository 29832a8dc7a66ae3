"""Sensor orientation and the body frame (x forward, y left, z up).

Two facts of running carry the whole estimate, and neither needs tuning:

* Over whole strides the pelvis goes nowhere, so the mean specific force is
  gravity: its low-frequency part fixes *tilt* (which way is up), however
  violent the impacts inside each stride. The gyroscope, integrated exactly
  (quaternion prefix products), supplies everything faster than a stride.
* After foot strike the body brakes while the vertical force rises, and it
  propels while the force falls, so forward acceleration is anti-correlated
  with the rate of change of vertical force. The lateral force alternates
  sign from step to step and averages out. The horizontal direction of
  ``mean(f_h * d f_z / dt)`` therefore points backward: that fixes *heading*.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from gaitback.core.conditioning import (
    lowpass,
    lowpass_posture,
    moving_mean,
    posture_at,
    posture_coarse,
)
from gaitback.core.quaternions import (
    CHUNK,
    euler_zyx_deg,
    matrix_to_quat,
    quat_about_z,
    quat_between,
    quat_conjugate,
    quat_from_rotvec,
    quat_mean,
    quat_multiply,
    quat_prefix_products,
    quat_rotate,
    quat_to_matrix,
)
from gaitback.recording import axes_matrix

#: Cut-off separating "posture" (accelerometer) from "motion within a stride"
#: (gyroscope). Well below the stride frequency of any running (>= 1.1 Hz).
TILT_CUTOFF_HZ = 0.25

#: Rate the braking signature (heading) is computed at, Hz.
SIGNATURE_RATE_HZ = 100.0


# ----------------------------------------------------------------------------- estimates

_UP = np.array([[0.0], [0.0], [1.0]])


def tilt_from_acc(acc: np.ndarray, sample_rate_hz: float) -> np.ndarray:
    """Sensor-to-level quaternions ``(4, n)`` from the slow part of specific force ``(3, n)``.

    Each maps that sample's low-passed specific force onto +z; heading
    (rotation about z) is left arbitrary.
    """
    up = lowpass_posture(acc, TILT_CUTOFF_HZ, sample_rate_hz, axis=1)
    return quat_between(up, np.broadcast_to(_UP, up.shape))


def orientation_integrate(
    gyr: np.ndarray,
    sample_rate_hz: float,
    q0: np.ndarray,
    out: np.ndarray | None = None,
    bias_dps: np.ndarray | None = None,
) -> np.ndarray:
    """Integrate body angular rate ``(3, n)`` (deg/s) exactly from the initial ``q0``.

    Trapezoidal rate between samples; quaternion products by prefix scan.
    ``bias_dps`` ``(3,)`` is subtracted chunk by chunk (no full-length copy);
    the result is written into ``out`` ``(4, n)`` when given.
    """
    bias = np.zeros((3, 1)) if bias_dps is None else np.asarray(bias_dps, float).reshape(3, 1)
    n = gyr.shape[1]
    if out is None:
        out = np.empty((4, n))
    out[:, 0] = q0
    # Chunk by chunk, carrying the orientation reached: memory stays bounded by the
    # chunk, not by the recording (a one-hour file would need ~150 MB of temporaries).
    for start in range(1, n, CHUNK):
        stop = min(n, start + CHUNK)
        omega = np.radians(gyr[:, start - 1 : stop] - bias)
        mid = 0.5 * (omega[:, 1:] + omega[:, :-1]) / sample_rate_hz
        chain = np.concatenate([out[:, start - 1 : start], quat_from_rotvec(mid)], axis=1)
        out[:, start - 1 : stop] = quat_prefix_products(chain)
    return out


def tilt_correct(q: np.ndarray, acc: np.ndarray, sample_rate_hz: float) -> np.ndarray:
    """Remove slow tilt drift: the stride-averaged world specific force must be vertical.

    Updates ``q`` ``(4, n)`` in place and returns it.
    """
    slow, centres = posture_coarse(quat_rotate(q, acc).T, TILT_CUTOFF_HZ, sample_rate_hz)
    for start in range(0, q.shape[1], CHUNK):
        sl = slice(start, start + CHUNK)
        up = posture_at(slow, centres, np.arange(start, min(start + CHUNK, q.shape[1]))).T
        q[:, sl] = quat_multiply(quat_between(up, np.broadcast_to(_UP, up.shape)), q[:, sl])
    return q


def yaw_drift_remove(q: np.ndarray, sample_rate_hz: float) -> np.ndarray:
    """Hold the slow heading of the sensor still: rotate ``q`` ``(4, n)`` about world z.

    Integrated yaw drifts with any residual gyro bias (nothing like gravity
    pins it), a degree or more per minute. Over an hour the frame in which
    forward was found turns far enough to mix lean into obliquity, lateral
    force into forward force, and yaw wraps past +-180 deg. A runner's heading
    changes slowly next to a stride (treadmill: never), so everything in the
    yaw of a roughly horizontal sensor direction below the tilt cut-off is
    heading, or drift, and neither belongs in pelvic rotation: it is removed,
    leaving the within-stride rotation untouched. The low-pass acts on the
    direction's horizontal components, not its angle, so a wrap never
    disturbs it and moments when the direction is near vertical weigh little.
    Updates ``q`` in place and returns it.
    """
    # Mean posture from a subsample: it only picks a direction that stays horizontal.
    sample = q[:, :: max(1, q.shape[1] // 1000)]
    up_in_sensor = quat_rotate(quat_conjugate(quat_mean(sample)), _UP)[:, 0]
    axis = np.eye(3)[int(np.argmin(np.abs(up_in_sensor)))]
    probe = axis - np.dot(axis, up_in_sensor) * up_in_sensor
    probe = probe / np.linalg.norm(probe)
    smooth, centres = posture_coarse(_horizontal_xy(q, probe).T, TILT_CUTOFF_HZ, sample_rate_hz)
    for start in range(0, q.shape[1], CHUNK):
        sl = slice(start, start + CHUNK)
        xy = posture_at(smooth, centres, np.arange(start, min(start + CHUNK, q.shape[1])))
        q[:, sl] = quat_turn_z(q[:, sl], -np.arctan2(xy[:, 1], xy[:, 0]))
    return q


def _horizontal_xy(q: np.ndarray, v: np.ndarray) -> np.ndarray:
    """World x and y ``(2, n)`` of the fixed sensor vector ``v`` rotated by ``q`` ``(4, n)``."""
    w, x, y, z = q
    world_x = (1 - 2 * (y * y + z * z)) * v[0] + 2 * (x * y - w * z) * v[1]
    world_x += 2 * (x * z + w * y) * v[2]
    world_y = 2 * (x * y + w * z) * v[0] + (1 - 2 * (x * x + z * z)) * v[1]
    world_y += 2 * (y * z - w * x) * v[2]
    return np.stack([world_x, world_y])


def quat_turn_z(q: np.ndarray, angle_rad: np.ndarray) -> np.ndarray:
    """``Rz(angle) ⊗ q`` for quaternions ``(4, n)`` and one angle per sample."""
    c, s = np.cos(0.5 * angle_rad), np.sin(0.5 * angle_rad)
    w, x, y, z = q
    return np.stack([c * w - s * z, c * x - s * y, c * y + s * x, c * z + s * w])


def heading_rad(f_world: np.ndarray, sample_rate_hz: float, mask: np.ndarray) -> float | None:
    """Angle of the forward direction in the world's horizontal plane (see module doc).

    ``f_world`` ``(3, n)`` is level (z up) specific force; ``mask`` selects
    running samples. ``None`` when there is no running to learn from.
    """
    if mask.sum() < sample_rate_hz:
        return None
    return _heading_of(*_braking_signature(f_world, sample_rate_hz, mask))


def _braking_signature(
    f_world: np.ndarray, sample_rate_hz: float, mask: np.ndarray
) -> tuple[np.ndarray, np.ndarray, float]:
    """Horizontal force times the rate of change of vertical force ``(2, m)``.

    Computed on means of blocks of samples (about :data:`SIGNATURE_RATE_HZ`):
    its 20-Hz smoothing needs no more, and only its average over many strides
    is used. Returns the signature, ``mask`` at the same blocks (a block
    counts when all its samples do) and their rate.
    """
    every = max(1, int(sample_rate_hz // SIGNATURE_RATE_HZ))
    m = f_world.shape[1] // every
    rate = sample_rate_hz / every
    if every > 1:
        f_world = f_world[:, : m * every].reshape(3, m, every).mean(axis=2)
        mask = mask[: m * every].reshape(m, every).all(axis=1)
    dvz = np.gradient(lowpass(f_world[2], 20.0, rate)) * rate
    out = np.empty((2, f_world.shape[1]))
    for row in range(2):
        out[row] = lowpass(f_world[row], 20.0, rate)
        out[row] *= dvz
    return out, mask, rate


def _heading_of(signature: np.ndarray, mask: np.ndarray, sample_rate_hz: float) -> float | None:
    """:func:`heading_rad` over ``mask`` from a precomputed :func:`_braking_signature`."""
    if mask.sum() < sample_rate_hz:
        return None
    c = signature[:, mask].mean(axis=1)
    if not np.any(c):
        return None
    return float(np.arctan2(-c[1], -c[0]))


@dataclass
class Orientation:
    """Sensor-to-body rotation per sample and the pelvis angles derived from it.

    Attributes
    ----------
    q_body
        ``(4, n)`` unit quaternions: body-frame vector = ``q ⊗ v_sensor ⊗ q*``.
    lean_deg, obliquity_deg, rotation_deg
        Pelvis pitch, roll, yaw (see docs/architecture.md), relative to ``reference``.
    reference
        ``"standing"`` or ``"vertical"``.
    heading_source
        Where forward came from: ``"motion"`` (the braking signature),
        ``"sidecar axes"``, ``"uncertain"`` or ``"none"`` (no running).
    """

    q_body: np.ndarray
    lean_deg: np.ndarray
    obliquity_deg: np.ndarray
    rotation_deg: np.ndarray
    reference: str
    heading_source: str = "motion"

    def to_body(self, v_sensor: np.ndarray) -> np.ndarray:
        """Rotate sensor-frame vectors ``(n, 3)`` into the body frame ``(n, 3)``."""
        return quat_rotate(self.q_body, np.ascontiguousarray(v_sensor.T)).T

    def body_axis_in_sensor(self, axis: int, index: int) -> np.ndarray:
        """Body axis ``axis`` (0 forward, 1 left, 2 up) in sensor coordinates at ``index``."""
        return quat_to_matrix(self.q_body[:, index])[axis]


def nominal_mount(r_mean: np.ndarray, axes: dict[str, str] | None) -> np.ndarray:
    """The mount as declared (sidecar ``axes``) or snapped to the nearest sensor axes.

    ``r_mean`` is the mean sensor-to-body rotation matrix while running; its
    rows are the body axes in sensor coordinates.
    """
    if axes is not None:
        return axes_matrix(axes)
    rows = []
    for row in (r_mean[2], r_mean[0]):  # up, then forward
        j = int(np.argmax(np.abs(row)))
        axis = np.zeros(3)
        axis[j] = np.sign(row[j])
        rows.append(axis)
    up, forward = rows
    if abs(np.dot(up, forward)) > 0.5:
        return r_mean
    left = np.cross(up, forward)
    return np.array([forward, left, up])


def pelvis_angles(
    q_body: np.ndarray, q_mount: np.ndarray, centre_yaw: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(lean, obliquity, rotation) in degrees of the pelvis: ``q_body ⊗ q_mount*``."""
    n = q_body.shape[1]
    yaw, pitch, roll = np.empty(n), np.empty(n), np.empty(n)
    mount = quat_conjugate(q_mount)[:, None]
    for start in range(0, n, CHUNK):
        sl = slice(start, start + CHUNK)
        yaw[sl], pitch[sl], roll[sl] = euler_zyx_deg(quat_multiply(q_body[:, sl], mount))
    if len(yaw) == 0:
        return pitch, roll, yaw
    # Unwrapped, so that a step whose yaw crosses +-180 deg has its true range,
    # not one of nearly 360 deg.
    # (As np.unwrap with a 360-deg period, in place: an hour's copies are 6 MB each.)
    turns = np.diff(yaw)
    turns /= 360.0
    np.round(turns, out=turns)
    np.cumsum(turns, out=turns)
    turns *= 360.0
    yaw[1:] -= turns
    del turns
    if centre_yaw:
        yaw -= _mean_direction_deg(yaw)
    yaw -= 360.0 * np.round(np.median(yaw) / 360.0)
    return pitch, roll, yaw


def _mean_direction_deg(angle_deg: np.ndarray) -> float:
    """Circular mean of angles in degrees, summed chunk by chunk."""
    c = s = 0.0
    for start in range(0, len(angle_deg), CHUNK):
        part = np.radians(angle_deg[start : start + CHUNK])
        c += float(np.cos(part).sum())
        s += float(np.sin(part).sum())
    return math.degrees(math.atan2(s, c))


def orientation_estimate(
    acc_mps2: np.ndarray,
    gyr_dps: np.ndarray | None,
    sample_rate_hz: float,
    blocks: list[tuple[int, int]],
    running: np.ndarray,
    standing: np.ndarray,
    axes: dict[str, str] | None,
) -> Orientation:
    """Estimate the body frame for every sample.

    Parameters
    ----------
    acc_mps2, gyr_dps
        Uniform-grid sensor signals ``(n, 3)`` (``gyr_dps`` may be ``None``).
    blocks
        Contiguous index ranges; orientation is integrated within each.
    running, standing
        Boolean masks of samples in running / standing segments.
    axes
        The sidecar's nominal mount, used as the zero of lean when no standing
        period exists.
    """
    fs = sample_rate_hz
    # Component-major views, not copies: an hour of samples is 17 MB per array.
    acc = acc_mps2.T
    n = acc.shape[1]
    q = np.zeros((4, n))
    gyr = None
    if gyr_dps is not None:
        gyr, bias = gyr_dps.T, _gyro_bias(gyr_dps, standing, running)
    for start, stop in blocks:
        sl = slice(start, stop)
        if gyr is None or stop - start < 2:
            q[:, sl] = tilt_from_acc(acc[:, sl], fs)
            continue
        head = acc[:, start : min(stop, start + max(2, int(0.5 * fs)))].mean(axis=1)
        q0 = quat_between(head[:, None], _UP)[:, 0]
        block = orientation_integrate(gyr[:, sl], fs, q0, out=q[:, sl], bias_dps=bias)
        yaw_drift_remove(tilt_correct(block, acc[:, sl], fs), fs)
    del gyr
    # Samples inside long gaps belong to no block: give them the orientation of
    # the last sample before the gap, so that filters running over the whole
    # grid see finite values (their steps are never used).
    in_block = np.zeros(n, bool)
    for start, stop in blocks:
        in_block[start:stop] = True
    if not in_block.all() and in_block.any():
        idx = np.where(in_block, np.arange(n), -1)
        last = np.maximum.accumulate(idx)
        last[last < 0] = int(np.argmax(in_block))
        q = q[:, last]
    # Heading per block from the running physics; blocks without running take
    # the heading of the whole recording.
    f_world = quat_rotate(q, acc)
    # One filtering pass serves the recording's heading and its consistency check.
    signature, sig_running, sig_rate = _braking_signature(f_world, fs, running)
    default = _heading_of(signature, sig_running, sig_rate)
    declared = _heading_from_axes(q, axes, running)
    heading_source = "motion" if default is not None else "none"
    if not _heading_consistent(signature, sig_rate, sig_running):
        # The braking signature is too weak to trust (no clear braking phase):
        # the sidecar's declared mount gives the heading instead, if there is one.
        heading_source = "uncertain"
        if declared is not None:
            default, heading_source = declared, "sidecar axes"
    if len(blocks) == 1:
        # The usual case: the block has the recording's heading, not computed twice.
        angles: list[float | None] = [default or 0.0]
    else:
        angles = _block_headings(q, f_world, fs, blocks, running, heading_source, axes)
    del f_world, signature
    for (start, stop), angle in zip(blocks, angles, strict=True):
        sl = slice(start, stop)
        turn = quat_about_z(-(angle if angle is not None else (default or 0.0)))[:, None]
        quat_multiply(turn, q[:, sl], out=q[:, sl])

    if standing.sum() >= fs:
        # Trim the edges of standing periods: the window-based labels blur them.
        trim = np.convolve(standing, np.ones(int(fs)), "same") >= fs
        inner = standing & trim if trim.sum() >= 0.5 * fs else standing
        q_mount = quat_mean(q, inner)
        reference = "standing"
    else:
        basis = running if running.any() else np.ones(n, bool)
        r_mean = quat_to_matrix(quat_mean(q, basis))
        q_mount = matrix_to_quat(nominal_mount(r_mean, axes))
        reference = "vertical"
    lean, obliquity, rotation = pelvis_angles(q, q_mount, centre_yaw=reference == "vertical")
    if gyr_dps is None:
        # Without a gyroscope only the slow tilt is known; keep its per-stride mean.
        width = int(fs)
        lean = moving_mean(lean, width)
        obliquity = moving_mean(obliquity, width)
    return Orientation(q, lean, obliquity, rotation, reference, heading_source)


def _heading_from_axes(
    q: np.ndarray, axes: dict[str, str] | None, running: np.ndarray
) -> float | None:
    """World heading of the sensor axis the sidecar declares as forward."""
    if axes is None:
        return None
    return _axis_heading(q, axes_matrix(axes)[0], running)


def _axis_heading(q: np.ndarray, axis_in_sensor: np.ndarray, mask: np.ndarray) -> float | None:
    """World heading of a sensor axis, from the mean rotation over ``mask``
    (all samples when ``mask`` is empty); ``None`` when the axis is near vertical."""
    basis = mask if mask.any() else np.ones(q.shape[1], bool)
    world = quat_rotate(quat_mean(q, basis), axis_in_sensor[:, None])[:, 0]
    if np.hypot(world[0], world[1]) < 0.5:
        return None
    return float(np.arctan2(world[1], world[0]))


def _block_headings(
    q: np.ndarray,
    f_world: np.ndarray,
    fs: float,
    blocks: list[tuple[int, int]],
    running: np.ndarray,
    heading_source: str,
    axes: dict[str, str] | None,
) -> list[float | None]:
    """Heading of each block of a recording split by missing data.

    Each block's integration starts from its own arbitrary yaw, so one heading
    cannot serve them all. A block with running takes its heading from its own
    braking signature; any other block (standing, walking) is turned so that the
    sensor axis pointing forward in the running blocks (or the sidecar's
    declared forward axis, when the motion gives no heading) points forward in
    it too: the sensor is strapped on, so that axis is the same throughout.
    ``None`` means the recording's heading.
    """
    angles: list[float | None] = [None] * len(blocks)
    forward_in_sensor = None
    if heading_source != "motion":
        if axes is not None:
            forward_in_sensor = axes_matrix(axes)[0]
    else:
        for i, (start, stop) in enumerate(blocks):
            if running[start:stop].any():
                angles[i] = heading_rad(f_world[:, start:stop], fs, running[start:stop])
        turned = [i for i, a in enumerate(angles) if a is not None]
        if turned:
            # Forward in the sensor frame, from the running blocks' own rotations.
            start, stop = blocks[turned[0]]
            sl = slice(start, stop)
            turn = quat_about_z(-angles[turned[0]])[:, None]
            q_run = quat_multiply(turn, quat_mean(q[:, sl], running[sl])[:, None])
            forward = np.array([[1.0], [0.0], [0.0]])
            forward_in_sensor = quat_rotate(quat_conjugate(q_run), forward)[:, 0]
    if forward_in_sensor is None:
        return angles
    for i, (start, stop) in enumerate(blocks):
        if angles[i] is None:
            sl = slice(start, stop)
            angles[i] = _axis_heading(q[:, sl], forward_in_sensor, running[sl])
    return angles


def _heading_consistent(signature: np.ndarray, fs: float, running: np.ndarray) -> bool:
    """Whether the first and second halves of the running agree on the heading (< 30 deg)."""
    idx = np.flatnonzero(running)
    if len(idx) < 4 * fs:
        return True
    half = np.zeros_like(running)
    half[idx[: len(idx) // 2]] = True
    a = _heading_of(signature, half, fs)
    b = _heading_of(signature, running & ~half, fs)
    if a is None or b is None:
        return False
    return abs(np.angle(np.exp(1j * (a - b)))) < np.radians(30.0)


def _gyro_bias(gyr_dps: np.ndarray, standing: np.ndarray, running: np.ndarray) -> np.ndarray:
    """Gyro bias: mean rate while standing still, else over running (the pelvis
    comes back to the same posture every stride, so its mean rate is zero)."""
    for mask in (standing, running):
        if mask.sum() > 10:
            return gyr_dps[mask].mean(axis=0)
    return gyr_dps.mean(axis=0)
