"""The pelvis frame: the sensor's mount on it, and its angles (lean, obliquity, rotation).

Shared by the offline estimate (:mod:`gaitback.core.orientation`) and the live
one (:mod:`gaitback.core.orientation_online`).
"""

from __future__ import annotations

import math

import numpy as np

from gaitback.core.quaternions import CHUNK, euler_zyx_deg, quat_conjugate, quat_multiply
from gaitback.recording import axes_matrix


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
