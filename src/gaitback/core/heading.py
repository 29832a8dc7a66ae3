"""Which way is forward: the braking signature of running, or the declared mount.

After foot strike the body brakes while the vertical force rises, and it
propels while the force falls, so forward acceleration is anti-correlated
with the rate of change of vertical force. The lateral force alternates sign
from step to step and averages out. The horizontal direction of
``mean(f_h * d f_z / dt)`` therefore points backward.
"""

from __future__ import annotations

import numpy as np

from gaitback.core.conditioning import lowpass
from gaitback.core.quaternions import (
    quat_about_z,
    quat_conjugate,
    quat_mean,
    quat_multiply,
    quat_rotate,
)
from gaitback.recording import axes_matrix


def braking_signature(f_world: np.ndarray, sample_rate_hz: float) -> np.ndarray:
    """Horizontal force times the rate of change of vertical force ``(2, m)``.

    ``f_world`` ``(3, m)`` is level specific force, as block means at about
    :data:`gaitback.core.orientation.SIGNATURE_RATE_HZ`: its 20-Hz smoothing
    needs no more, and only its average over many strides is used.
    """
    out = np.empty((2, f_world.shape[1]))
    if f_world.shape[1] < 2:
        out[:] = 0.0
        return out
    dvz = np.gradient(lowpass(f_world[2], 20.0, sample_rate_hz)) * sample_rate_hz
    for row in range(2):
        out[row] = lowpass(f_world[row], 20.0, sample_rate_hz)
        out[row] *= dvz
    return out


def heading_of(signature: np.ndarray, mask: np.ndarray, sample_rate_hz: float) -> float | None:
    """Angle of the forward direction in the world's horizontal plane.

    From a :func:`braking_signature` over the running ``mask`` (see the module
    doc); ``None`` when there is too little running to learn from.
    """
    count = int(np.count_nonzero(mask))
    if count < sample_rate_hz:
        return None
    c = signature @ mask.astype(float)
    if not np.any(c):
        return None
    return float(np.arctan2(-c[1], -c[0]))


def heading_from_axes(
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


def block_headings(
    q: np.ndarray,
    signatures: list[np.ndarray],
    signature_masks: list[np.ndarray],
    rate: float,
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
        for i, (signature, mask) in enumerate(zip(signatures, signature_masks, strict=True)):
            angles[i] = heading_of(signature, mask, rate)
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


def heading_consistent(signature: np.ndarray, fs: float, running: np.ndarray) -> bool:
    """Whether the first and second halves of the running agree on the heading (< 30 deg)."""
    idx = np.flatnonzero(running)
    if len(idx) < 4 * fs:
        return True
    half = np.zeros_like(running)
    half[idx[: len(idx) // 2]] = True
    a = heading_of(signature, half, fs)
    b = heading_of(signature, running & ~half, fs)
    if a is None or b is None:
        return False
    return abs(np.angle(np.exp(1j * (a - b)))) < np.radians(30.0)
