"""Window statistics of the activity classifier against numpy's own."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

from gaitback.core.activity import (
    PERIODICITY_RATE_HZ,
    PERIODICITY_WINDOW_S,
    ActivityParams,
    _window_percentiles,
    periodicity_windows,
)


@pytest.mark.parametrize("width", [1, 2, 3, 7, 100, 101, 200])
def test_window_percentiles_are_numpys(width: int) -> None:
    rng = np.random.default_rng(width)
    # Rounded values: ties, as a 16-bit sensor gives them.
    x = rng.standard_normal(6000).round(2)
    windows = sliding_window_view(x, width)[::3]
    for q in [(5.0, 95.0), (95.0,), (0.0, 50.0, 100.0), (12.5, 87.5)]:
        ours = _window_percentiles(windows, q, chunk=257)
        assert ours.shape == (len(q), len(windows))
        np.testing.assert_allclose(ours, np.percentile(windows, q, axis=1), rtol=0, atol=1e-12)


def _regularity_by_definition(x: np.ndarray, centres: np.ndarray, rate_hz: float):
    """Step and stride regularity written out window by window (slow, plain)."""
    params = ActivityParams()
    every = max(1, int(rate_hz // PERIODICITY_RATE_HZ))
    x, centres, rate_hz = x[::every], centres // every, rate_hz / every
    width = min(len(x), max(8, int(round(PERIODICITY_WINDOW_S * rate_hz))))
    lo = max(1, int(60.0 / params.running_cadence_spm[1] * rate_hz))
    hi = int(np.ceil(60.0 / params.running_cadence_spm[0] * rate_hz))
    top = min(2 * hi + 1, width - 1)
    step, stride = [], []
    for centre in centres:
        start = int(np.clip(centre - width // 2, 0, len(x) - width))
        w = x[start : start + width] - x[start : start + width].mean()
        acf = np.array([w[: width - k] @ w[k:] * width / (width - k) for k in range(top + 1)])
        acf = acf / acf[0] if acf[0] > 1e-12 * width else np.zeros_like(acf)
        k = lo + int(np.argmax(acf[lo : hi + 1]))
        step.append(acf[k])
        stride.append(max(acf[min(2 * k + d, top)] for d in (-1, 0, 1)))
    return np.array(step), np.array(stride)


@pytest.mark.parametrize("rate_hz", [100.0, 200.0])
def test_periodicity_windows_are_the_autocorrelation(rate_hz: float) -> None:
    rng = np.random.default_rng(int(rate_hz))
    t = np.arange(int(60 * rate_hz)) / rate_hz
    # Steps at a drifting cadence in the first half, broadband noise after.
    phase = 2 * np.pi * np.cumsum(2.6 + 0.3 * np.sin(2 * np.pi * t / 20)) / rate_hz
    x = 1.0 + np.where(t < 30, 1.2 * np.maximum(np.sin(phase), 0) ** 3, 0.0)
    x += 0.05 * rng.standard_normal(len(t))
    hop = int(round(0.25 * rate_hz))
    for centres in (np.arange(0, len(t), hop), rng.integers(0, len(t), 40)):
        ours = periodicity_windows(x, centres, rate_hz)
        plain = _regularity_by_definition(x, centres, rate_hz)
        np.testing.assert_allclose(ours, plain, rtol=0, atol=1e-9)
    assert ours[0].max() > 0.8 and ours[0].min() < 0.5  # both kinds of window were seen


def test_magnitude_is_numpys_row_norm_bit_for_bit() -> None:
    from gaitback.core.conditioning import magnitude

    block = np.random.default_rng(7).standard_normal((3, 5001)) * 9.81
    rows = block.T  # sample-major view of column-contiguous data, as a recording's
    assert np.array_equal(magnitude(rows), np.linalg.norm(rows, axis=1))
