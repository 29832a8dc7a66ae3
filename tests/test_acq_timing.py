"""Host-clock fit against simulated arrivals with known drift and bursty latency."""

from __future__ import annotations

import numpy as np
import pytest

from gaitback.acquisition.timing import HostClockFit


@pytest.mark.parametrize("drift_ppm", [-300.0, 0.0, 150.0])
def test_drift_and_offset_recovered_from_bursty_arrivals(drift_ppm):
    rng = np.random.default_rng(7)
    rate_hz = 200.0
    true_period_s = (1 + drift_ppm * 1e-6) / rate_hz
    start_s = 1000.0
    min_latency_s = 0.003
    fit = HostClockFit(rate_hz)
    # BLE-like bursts: 8-sample packets, delivered in groups of 1-4 every connection event
    # with an exponential extra delay; the least-delayed packets define the envelope.
    last = 7
    while last < 120 * rate_hz:
        burst = rng.integers(1, 5)
        last += 8 * burst
        taken_s = start_s + last * true_period_s
        fit.add(last, taken_s + min_latency_s + rng.exponential(0.02))
    assert fit.drift_ppm == pytest.approx(drift_ppm, abs=10)
    assert fit.measured_rate_hz == pytest.approx(1 / true_period_s, rel=1e-5)
    # Sample times on the host clock: within a few ms of (true time + smallest latency),
    # while individual arrivals are off by up to ~100 ms.
    index = np.arange(0, int(120 * rate_hz), 1000)
    host = fit.host_time(index)
    truth = start_s + index * true_period_s + min_latency_s
    assert np.max(np.abs(host - truth)) < 0.004


def test_too_few_points_falls_back_to_nominal_rate():
    fit = HostClockFit(100.0)
    fit.add(9, 5.0)
    assert fit.drift_ppm == 0.0
    assert fit.host_time(9) == pytest.approx(5.0)
    assert fit.host_time(109) == pytest.approx(6.0)
