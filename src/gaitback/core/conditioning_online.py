"""Causal conditioning of a stream: the live counterpart of :mod:`gaitback.core.conditioning`.

Offline, :func:`gaitback.core.conditioning.signals_uniform` puts the whole
recording on a uniform grid, bridges short gaps linearly and splits it into
blocks at long ones. Live, samples arrive a block at a time, so the same rules
are applied as they come: repeated samples are dropped, a hole of up to
:data:`~gaitback.core.conditioning.MAX_BRIDGE_S` is filled by linear
interpolation from the last sample received, and a longer one is reported so
that the caller ends the current bout there.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from gaitback.core.conditioning import MAX_BRIDGE_S


@dataclass(frozen=True)
class StreamRun:
    """Consecutive uniform samples, ready for the causal orientation.

    Attributes
    ----------
    time_s
        ``(n,)`` sample times, one period apart (bridged samples included).
    acc_mps2, gyr_dps
        ``(n, 3)`` arrays (``gyr_dps`` ``None`` without a gyroscope).
    after_long_gap
        Whether a hole too long to bridge comes before this run.
    bridged
        ``(n,)`` True where a sample was interpolated across a short hole.
    """

    time_s: np.ndarray
    acc_mps2: np.ndarray
    gyr_dps: np.ndarray | None
    after_long_gap: bool
    bridged: np.ndarray


class OnlineConditioning:
    """Drop repeats, bridge short holes and flag long ones, block by block.

    Parameters
    ----------
    sample_rate_hz
        Nominal rate of the stream.
    max_bridge_s
        Holes missing up to this much data (the time between the samples
        either side, less one period) are bridged; longer ones set
        ``after_long_gap``.
    """

    def __init__(self, sample_rate_hz: float, max_bridge_s: float = MAX_BRIDGE_S) -> None:
        self.fs = float(sample_rate_hz)
        self.period_s = 1.0 / self.fs
        self.max_bridge_s = max_bridge_s
        #: Samples missing from the stream (bridged or not).
        self.lost_samples = 0
        self.first_t: float | None = None
        self.last_t: float | None = None
        self._last_acc: np.ndarray | None = None
        self._last_gyr: np.ndarray | None = None

    def runs(
        self, time_s: np.ndarray, acc_mps2: np.ndarray, gyr_dps: np.ndarray | None
    ) -> Iterator[StreamRun]:
        """The runs of consecutive samples in one received block, in order.

        A generator: the state (``last_t``, ``lost_samples``) has taken in each
        run by the time it is yielded, and not yet the runs after it.

        Parameters
        ----------
        time_s
            ``(n,)`` increasing sample times.
        acc_mps2, gyr_dps
            ``(n, 3)`` arrays (``gyr_dps`` may be ``None``).
        """
        t = np.asarray(time_s, dtype=float)
        if len(t) == 0:
            return
        if self.first_t is None:
            self.first_t = float(t[0])
        # Split at missing samples: short holes are bridged (as offline), long ones
        # end the current bout.
        breaks = np.flatnonzero(np.diff(t) > 1.5 * self.period_s) + 1
        for a, b in zip(np.r_[0, breaks], np.r_[breaks, len(t)], strict=True):
            run = self._join(t[a:b], acc_mps2[a:b], None if gyr_dps is None else gyr_dps[a:b])
            if run is not None:
                yield run

    def _join(self, t: np.ndarray, acc: np.ndarray, gyr: np.ndarray | None) -> StreamRun | None:
        """Join one run of consecutive samples onto what came before."""
        after_long_gap = False
        filled = 0
        if self.last_t is not None:
            fresh = t > self.last_t + 0.5 * self.period_s
            if not fresh.all():  # repeated samples (e.g. a resent packet)
                t, acc = t[fresh], acc[fresh]
                gyr = None if gyr is None else gyr[fresh]
                if len(t) == 0:
                    return None
            gap_s = t[0] - self.last_t
            missing = int(round(gap_s * self.fs)) - 1
            if missing > 0:
                self.lost_samples += missing
                if gap_s <= self.max_bridge_s + self.period_s + 1e-9:
                    t, acc, gyr = self._bridge(t, acc, gyr, missing)
                    filled = missing
                else:
                    after_long_gap = True
        self.last_t = float(t[-1])
        self._last_acc = acc[-1].copy()
        self._last_gyr = None if gyr is None else gyr[-1].copy()
        bridged = np.zeros(len(t), bool)
        bridged[:filled] = True
        return StreamRun(t, acc, gyr, after_long_gap, bridged)

    def _bridge(
        self, t: np.ndarray, acc: np.ndarray, gyr: np.ndarray | None, missing: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """Prepend linearly interpolated samples across a short hole."""
        assert self.last_t is not None and self._last_acc is not None
        frac = np.arange(1, missing + 1) / (missing + 1)
        t_fill = self.last_t + frac * (t[0] - self.last_t)
        acc_fill = self._last_acc + frac[:, None] * (acc[0] - self._last_acc)
        t = np.concatenate([t_fill, t])
        acc = np.concatenate([acc_fill, acc])
        if gyr is not None and self._last_gyr is not None:
            gyr = np.concatenate([self._last_gyr + frac[:, None] * (gyr[0] - self._last_gyr), gyr])
        return t, acc, gyr
