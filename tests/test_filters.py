"""The numpy filters, peak picker and binomial test against scipy, their reference."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal, stats

from gaitback.core.conditioning import lowpass
from gaitback.core.events import binomial_p_even
from gaitback.core.filters import fft_length, lagged_products
from gaitback.core.peaks import peaks_find

RATE_HZ = 200.0


def _walk(rng: np.random.Generator, n: int) -> np.ndarray:
    t = np.arange(n) / RATE_HZ
    return np.cumsum(rng.standard_normal(n)) * 0.1 + np.sin(2 * np.pi * 2.8 * t)


@pytest.mark.parametrize("n", [40, 300, 1000, 20_000, 150_000, 400_001])
@pytest.mark.parametrize(("cutoff_hz", "order"), [(0.25, 2), (3.0, 4), (8.0, 4), (50.0, 4)])
def test_lowpass_is_sosfiltfilt(n: int, cutoff_hz: float, order: int) -> None:
    """Same output as scipy's sosfiltfilt with a butter design, ends included
    (past twice ``BLOCK_FFT_LENGTH``, the long signal is filtered in overlapping blocks, a
    few at a time)."""
    rng = np.random.default_rng(n + int(cutoff_hz * 10))
    x = _walk(rng, n)
    sos = signal.butter(order, cutoff_hz / (RATE_HZ / 2), output="sos")
    want = signal.sosfiltfilt(sos, x, padlen=min(3 * (2 * len(sos) + 1), n - 1))
    got = lowpass(x, cutoff_hz, RATE_HZ, order=order)
    assert np.max(np.abs(got - want)) <= 1e-6 * np.ptp(x)


def test_lowpass_columns_and_axis() -> None:
    """Columns are filtered independently, along the axis asked for."""
    rng = np.random.default_rng(7)
    x = np.stack([_walk(rng, 5000) for _ in range(3)], axis=1)
    sos = signal.butter(4, 20.0 / (RATE_HZ / 2), output="sos")
    want = signal.sosfiltfilt(sos, x, axis=0, padlen=15)
    assert np.allclose(lowpass(x, 20.0, RATE_HZ), want, atol=1e-8)
    assert np.allclose(lowpass(x.T, 20.0, RATE_HZ, axis=1), want.T, atol=1e-8)


def test_fft_length_is_smooth_and_minimal() -> None:
    for n in (1, 2, 7, 97, 1000, 720_193):
        m = fft_length(n)
        assert m >= n and _is_smooth(m)
        smaller = [j for j in range(n, m) if _is_smooth(j)]
        assert not smaller


def _is_smooth(k: int) -> bool:
    for p in (2, 3, 5):
        while k % p == 0:
            k //= p
    return k == 1


@pytest.mark.parametrize("seed", range(40))
def test_peaks_match_find_peaks(seed: int) -> None:
    """Height, distance and prominence rules give scipy's peaks (tie-free signals)."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(20, 4000))
    smooth = signal.sosfiltfilt(signal.butter(2, 0.1, output="sos"), rng.standard_normal(n))
    for x in (smooth, np.cumsum(rng.standard_normal(n))):
        for height, distance, prominence in ((-10.0, 1, 0.0), (0.0, 5, 0.5), (0.2, 30, 0.1)):
            want, _ = signal.find_peaks(
                x, height=height, distance=distance, prominence=prominence or None
            )
            assert np.array_equal(peaks_find(x, height, distance, prominence), want)


def test_peaks_flat_tops_counted_once_in_the_middle() -> None:
    x = np.round(np.cumsum(np.random.default_rng(3).standard_normal(3000)), 0)
    want, _ = signal.find_peaks(x)
    assert np.array_equal(peaks_find(x, -np.inf), want)


@pytest.mark.parametrize("n", [*range(1, 40), 1023, 1024, 1025, 5000])
def test_binomial_p_matches_scipy(n: int) -> None:
    for k in {0, 1, n // 2, n // 2 + 1, int(0.6 * n), int(0.75 * n), n - 1, n}:
        if 0 <= k <= n:
            want = stats.binomtest(k, n, 0.5).pvalue
            assert binomial_p_even(k, n) == pytest.approx(want, rel=1e-8, abs=1e-300)


def test_one_spectrum_serves_several_cutoffs() -> None:
    """Lowpasses: each cut-off as its own sosfiltfilt, from one forward transform."""
    from gaitback.core.filters import Lowpasses

    rng = np.random.default_rng(11)
    for n in (600, 90_000):
        x = _walk(rng, n)
        bank = Lowpasses(x, RATE_HZ, 6.0)
        for cutoff_hz in (6.0, 8.0, 20.0, 50.0):
            sos = signal.butter(4, cutoff_hz / (RATE_HZ / 2), output="sos")
            want = signal.sosfiltfilt(sos, x, padlen=15)
            assert np.max(np.abs(bank(cutoff_hz) - want)) <= 1e-6 * np.ptp(x)
        with pytest.raises(ValueError):
            bank(3.0)


@pytest.mark.parametrize("n", [5, 333, 10_000, 65_537, 300_001])
def test_lagged_products_are_the_dot_products(n: int) -> None:
    """Each lag's sum of products, as written out, with no wrap-around."""
    x = np.random.default_rng(n).standard_normal(n)
    max_lag = min(n - 1, 150)
    want = [float(np.dot(x[: n - k], x[k:])) for k in range(max_lag + 1)]
    assert np.allclose(lagged_products(x, max_lag), want, rtol=1e-9, atol=1e-9)
