"""Sample times from the sample index, and the host clock's view of the device clock.

Samples arrive in bursts (USB frames, BLE connection events), so arrival times
are sample times plus a variable, always positive latency. Sample times are
therefore rebuilt from the sample index; the mapping to host time is fitted on
the *lower envelope* of arrival times (the least-delayed read in each window),
which also measures the device's clock drift against the host's.
"""

from __future__ import annotations

import numpy as np


class HostClockFit:
    """Fit ``host_time = offset_s + index * period_s`` on the lower envelope of arrivals.

    Parameters
    ----------
    nominal_rate_hz
        The device's nominal sample rate.
    window_s
        One envelope point (the minimum delay) per window of this length.
    max_windows
        Windows kept for the fit (older ones are forgotten, so slow drift is followed).
    """

    def __init__(
        self, nominal_rate_hz: float, window_s: float = 0.5, max_windows: int = 1200
    ) -> None:
        self.nominal_period_s = 1.0 / nominal_rate_hz
        self.window_s = window_s
        self.max_windows = max_windows
        self._win_start: float | None = None
        self._cur: tuple[float, int] | None = None  # (least residual, its index) in this window
        self._points: list[tuple[float, int]] = []
        self._fit: tuple[float, float] | None = None

    def add(self, last_index: int, arrival_s: float) -> None:
        """Note that sample ``last_index`` was available at host time ``arrival_s``."""
        residual = arrival_s - last_index * self.nominal_period_s
        if self._win_start is None:
            self._win_start = arrival_s
        if arrival_s - self._win_start >= self.window_s:
            if self._cur is not None:
                self._points.append(self._cur)
                del self._points[: -self.max_windows]
                self._fit = None
            self._cur = None
            self._win_start = arrival_s
        if self._cur is None or residual < self._cur[0]:
            self._cur = (residual, last_index)
            self._fit = None

    def _solve(self) -> tuple[float, float]:
        if self._fit is not None:
            return self._fit
        points = self._points + ([self._cur] if self._cur is not None else [])
        if not points:
            return (0.0, 0.0)
        res = np.array([p[0] for p in points])
        idx = np.array([p[1] for p in points], dtype=float)
        if len(points) >= 3 and np.ptp(idx) > 0:
            slope, offset = np.polyfit(idx - idx[0], res, 1)
            # The envelope must stay under every point: shift the line down to the lowest.
            offset += float(np.min(res - (offset + slope * (idx - idx[0])))) + 0.0
            offset -= slope * idx[0]
            self._fit = (float(offset), float(slope))
        else:
            self._fit = (float(res.min()), 0.0)
        return self._fit

    @property
    def period_s(self) -> float:
        """Host seconds between samples."""
        return self.nominal_period_s + self._solve()[1]

    @property
    def measured_rate_hz(self) -> float:
        return 1.0 / self.period_s

    @property
    def drift_ppm(self) -> float:
        """How much slower (+) the device's sample clock runs than nominal, per host clock."""
        return self._solve()[1] / self.nominal_period_s * 1e6

    @property
    def n_windows(self) -> int:
        return len(self._points) + (self._cur is not None)

    def host_time(self, index: np.ndarray | int) -> np.ndarray:
        """Estimated host ``time.monotonic()`` at which sample ``index`` was taken (plus the
        smallest transport latency, which cannot be seen from the host)."""
        offset, slope = self._solve()
        return offset + np.asarray(index, dtype=float) * (self.nominal_period_s + slope)
