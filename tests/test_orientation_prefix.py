"""Quaternion prefix products (the gyroscope integration) against exact compositions."""

from __future__ import annotations

import numpy as np
import pytest

from gaitback.core.orientation import quat_from_rotvec, quat_multiply, quat_prefix_products


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
