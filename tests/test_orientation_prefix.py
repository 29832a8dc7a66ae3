"""Quaternion prefix products (the gyroscope integration) against exact compositions."""

from __future__ import annotations

import numpy as np
import pytest

from gaitback.core.quaternions import quat_from_rotvec, quat_multiply, quat_prefix_products


@pytest.mark.parametrize("n", [1, 7, 64, 65, 5000, 70_001])
def test_rotations_about_one_axis_add_up(n: int) -> None:
    # Rotations about one axis commute: the k-th product is the rotation by the sum.
    rng = np.random.default_rng(n)
    angle_rad = rng.uniform(-0.05, 0.05, n)
    axis = np.array([1.0, -2.0, 0.5]) / np.linalg.norm([1.0, -2.0, 0.5])
    q = quat_from_rotvec(axis[:, None] * angle_rad[None])
    total = np.cumsum(angle_rad)
    expected = np.concatenate([np.cos(total / 2)[None], axis[:, None] * np.sin(total / 2)])
    np.testing.assert_allclose(quat_prefix_products(q), expected, atol=1e-12)


def test_general_rotations_compose_in_order() -> None:
    # Non-commuting rotations: compare with the product taken one sample at a time.
    rng = np.random.default_rng(3)
    q = quat_from_rotvec(rng.normal(0.0, 0.3, (3, 1000)))
    running = q[:, 0]
    expected = [running]
    for k in range(1, q.shape[1]):
        running = quat_multiply(running, q[:, k])
        expected.append(running)
    np.testing.assert_allclose(quat_prefix_products(q, block=16), np.array(expected).T, atol=1e-12)


def test_long_inputs_are_processed_in_chunks_with_the_same_result(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Small chunks so that several chunk boundaries fall inside a short signal.
    from gaitback.core import orientation

    monkeypatch.setattr(orientation, "CHUNK", 1000)
    fs, n = 200.0, 4321
    rate_dps = 30.0 * np.sin(np.linspace(0, 6, n))  # about z, so angles just add up
    gyr = np.zeros((3, n))
    gyr[2] = rate_dps
    q = orientation.orientation_integrate(gyr, fs, np.array([1.0, 0.0, 0.0, 0.0]))
    # Trapezoidal integral of the rate, the integrator's own rule, done by hand.
    steps_deg = 0.5 * (rate_dps[1:] + rate_dps[:-1]) / fs
    yaw = np.radians(np.concatenate([[0.0], np.cumsum(steps_deg)]))
    np.testing.assert_allclose(q[0], np.cos(yaw / 2), atol=1e-12)
    np.testing.assert_allclose(q[3], np.sin(yaw / 2), atol=1e-12)
    np.testing.assert_allclose(q[1:3], 0.0, atol=1e-12)

    # Rotating x by those quaternions gives (cos yaw, sin yaw, 0), chunked or not.
    x = np.broadcast_to(np.array([[1.0], [0.0], [0.0]]), (3, n))
    expected = np.stack([np.cos(yaw), np.sin(yaw), np.zeros(n)])
    np.testing.assert_allclose(orientation.quat_rotate(q, x), expected, atol=1e-12)
    up = orientation.quat_between(expected, np.broadcast_to(orientation._UP, (3, n)))
    np.testing.assert_allclose(orientation.quat_rotate(up, expected)[2], 1.0, atol=1e-12)
    one = np.array([[1.0], [0.0], [0.0], [0.0]])
    np.testing.assert_allclose(orientation.quat_multiply(one, q), q, atol=1e-15)
