"""The orientation's reduced-rate grid: what it keeps, and how it reads back.

Ground truth here is analytic: polynomials the interpolants must reproduce,
a rotation whose angle is known in closed form, a tone the anti-alias
triangle must null; and the full-rate estimate, for what the reduced rate costs.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gaitback.core.coarse import coarse_grid
from gaitback.core.orientation import orientation_integrate, spans_integrate
from gaitback.core.quaternions import quat_rotate

RATE_HZ = 200.0


def _grid(n: int, blocks: list[tuple[int, int]], every: int, acc=None, gyr=None):
    acc = np.zeros((n, 3)) if acc is None else acc
    mask = np.zeros(n, bool)
    return coarse_grid(acc, gyr, blocks, mask, mask, every, RATE_HZ)


@pytest.mark.parametrize("every", [2, 3, 5])
@pytest.mark.parametrize("n", [400, 401, 403])
def test_kept_samples_are_every_nth_and_each_blocks_last(every: int, n: int) -> None:
    grid = _grid(n, [(0, n)], every)
    expected = list(range(0, n, every))
    if expected[-1] != n - 1:
        expected.append(n - 1)
    assert grid.centres.tolist() == expected
    assert grid.spans_s[-1] == 0.0
    assert np.allclose(grid.spans_s[:-1] * RATE_HZ, np.diff(expected))


@pytest.mark.parametrize("every", [2, 4])
def test_read_back_is_exact_at_kept_samples_linear_between_and_cubic_exact(every: int) -> None:
    n = 1001
    grid = _grid(n, [(0, n)], every)
    t = np.arange(n, dtype=float)
    line = 0.3 * t - 2.0
    cubic = 1e-6 * (t - 400.0) ** 3 - 1e-3 * t**2
    out = grid.expand(np.stack([line[grid.centres.astype(int)]]), np.empty((1, n)))
    np.testing.assert_allclose(out[0], line, atol=1e-9)
    out = grid.expand(np.stack([cubic[grid.centres.astype(int)]]), np.empty((1, n)), cubic=True)
    # The cubic through four kept samples is the polynomial itself, away from the
    # ends (where it falls back to the line).
    inner = slice(2 * every, (len(grid.centres) - 3) * every)
    np.testing.assert_allclose(out[0, inner], cubic[inner], atol=1e-9)
    kept = grid.centres.astype(int)
    np.testing.assert_allclose(out[0, kept], cubic[kept], atol=1e-12)


def test_read_back_never_crosses_a_gap_and_holds_inside_it() -> None:
    n = 300
    blocks = [(0, 100), (140, 300)]
    grid = _grid(n, blocks, 2)
    values = np.where(grid.centres < 120, 1.0, 5.0)[None, :]
    out = grid.expand(values, np.empty((1, n)), cubic=True)
    assert np.all(out[0, :100] == 1.0)
    assert np.all(out[0, 100:140] == 1.0)  # inside the gap: the last sample before it
    assert np.all(out[0, 140:] == 5.0)


def test_triangle_nulls_a_tone_at_the_kept_rate() -> None:
    n, every = 2000, 4
    t = np.arange(n) / RATE_HZ
    acc = np.zeros((n, 3))
    acc[:, 0] = 1.0 + np.sin(2 * np.pi * (RATE_HZ / every) * t + 0.3)
    grid = _grid(n, [(0, n)], every, acc=acc)
    inner = grid.acc[0, 1:-2]
    np.testing.assert_allclose(inner, 1.0, atol=1e-9)


@pytest.mark.parametrize("every", [1, 2, 4])
def test_integration_on_kept_samples_follows_a_known_rotation(every: int) -> None:
    """A rate A sin(2 pi f t) about a tilted axis turns by A (1 - cos(2 pi f t)) / (2 pi f)."""
    n = 4001
    t = np.arange(n) / RATE_HZ
    amplitude_dps, f_hz = 150.0, 2.8
    axis = np.array([0.3, -0.5, 0.81])
    axis /= np.linalg.norm(axis)
    gyr = np.outer(amplitude_dps * np.sin(2 * np.pi * f_hz * t), axis)
    grid = _grid(n, [(0, n)], every, gyr=gyr)
    q0 = np.array([1.0, 0.0, 0.0, 0.0])
    q = spans_integrate(grid.gyr, grid.spans_s, q0)
    full = orientation_integrate(gyr.T, RATE_HZ, q0)
    at = t[grid.centres.astype(int)]
    angle = np.radians(amplitude_dps * (1 - np.cos(2 * np.pi * f_hz * at)) / (2 * np.pi * f_hz))
    probe = np.cross(axis, [1.0, 0.0, 0.0])
    probe /= np.linalg.norm(probe)
    turned = quat_rotate(q, np.broadcast_to(probe[:, None], (3, len(at))))
    expected = np.cos(angle) * probe[:, None] + np.sin(angle) * np.cross(axis, probe)[:, None]
    # The kept-sample integral is the full-rate trapezoid sum: as exact as it.
    full_turned = quat_rotate(full[:, grid.centres.astype(int)], probe[:, None])
    np.testing.assert_allclose(turned, full_turned, atol=1e-9)
    np.testing.assert_allclose(turned, expected, atol=2e-4)


@pytest.mark.parametrize("name", ["pelvic_drop_right", "lowcost_100hz"])
def test_reduced_rate_estimate_matches_the_full_rate_one(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The estimate at ORIENTATION_RATE_HZ against the same estimate on every sample.

    The reference is the full-rate estimate itself (every sample kept): what the
    reduced rate costs is read directly, per sample and per step, in degrees.
    """
    import gaitback
    from gaitback.core import orientation

    path = Path(__file__).resolve().parents[1] / "recordings" / "synthetic" / f"{name}.csv"
    recording = gaitback.read_recording(path)
    assert orientation.ORIENTATION_RATE_HZ < recording.meta.sample_rate_hz
    reduced = gaitback.analyze(recording)
    monkeypatch.setattr(orientation, "ORIENTATION_RATE_HZ", 1e6)  # every sample kept
    full = gaitback.analyze(recording)
    for angle in ("lean_deg", "obliquity_deg", "rotation_deg"):
        gap = np.abs(reduced.signals[angle].to_numpy() - full.signals[angle].to_numpy())
        assert np.nanmax(gap) < 0.1, angle
    assert len(reduced.steps) == len(full.steps) > 100
    for metric in ("pelvic_drop_deg", "forward_lean_deg", "pelvic_rotation_deg"):
        gap = np.abs(reduced.steps[metric].to_numpy() - full.steps[metric].to_numpy())
        assert np.nanmax(gap) < 0.05, metric


def test_a_span_reads_back_exactly_what_the_whole_expansion_does() -> None:
    """``expand_span`` against ``expand`` sliced, on random blocks, gaps and spans."""
    rng = np.random.default_rng(0)
    checked = 0
    for _ in range(200):
        n, every = int(rng.integers(5, 400)), int(rng.integers(1, 7))
        cuts = sorted(set(rng.integers(0, n, int(rng.integers(0, 5))).tolist()))
        edges = [0, *cuts, n]
        blocks = []
        for lo, hi in zip(edges[:-1], edges[1:], strict=True):
            start = lo + int(rng.integers(0, 3))  # a gap before some blocks
            if hi - start >= 2:
                blocks.append((start, hi))
        if not blocks:
            continue
        grid = _grid(n, blocks, every)
        values = rng.standard_normal((4, len(grid.centres)))
        whole = grid.expand(values, np.empty((4, n)))
        for _ in range(10):
            lo = int(rng.integers(0, n))
            hi = int(rng.integers(lo + 1, n + 1))
            assert np.array_equal(grid.expand_span(values, lo, hi), whole[:, lo:hi])
            checked += 1
    assert checked > 1000
