"""A streaming session: connect, decode, time-stamp, survive disconnects.

``async for item in AcquisitionStream(profile, factory):`` yields
:class:`SampleBlock` objects and events (:class:`Connected`, :class:`Disconnected`,
:class:`Reconnected`, :class:`Gap`). Stop it by cancelling the task that iterates
(or by leaving the loop and calling ``aclose()``): the transport is then closed
(it sends the profile's disconnect commands; ``open`` sent the connect commands).

Time base: ``time_s = session_index / sample_rate_hz``, where ``session_index``
is continuous over the whole session and lost samples are missing numbers. Over
a reconnect, the device's own counter gives the exact number of lost samples
when it kept running; otherwise the host clock estimates it (``Gap.exact`` False).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import numpy as np

from gaitback.acquisition.calibration import Calibration
from gaitback.acquisition.decoder_base import Decoder, DecodeStats, Samples
from gaitback.acquisition.decoder_factory import make_decoder
from gaitback.acquisition.profiles import DeviceProfile
from gaitback.acquisition.timing import HostClockFit
from gaitback.acquisition.transport import Transport, TransportDisconnected, TransportError


@dataclass
class SampleBlock:
    """Consecutive decoded samples (a lost sample splits blocks with a :class:`Gap` first).

    Attributes
    ----------
    time_s
        ``(n,)`` seconds since the session's first sample, from the sample index.
    sample_index
        ``(n,)`` int64 session-wide index (``time_s * sample_rate_hz``).
    acc_mps2
        ``(n, 3)`` specific force in m/s^2, sensor frame.
    gyr_dps
        ``(n, 3)`` angular rate in deg/s, sensor frame, gyro bias removed when a
        calibration is applied; None for accelerometer-only devices.
    host_time_s
        ``(n,)`` estimated host ``time.monotonic()`` of each sample (for latency).
    """

    time_s: np.ndarray
    sample_index: np.ndarray
    acc_mps2: np.ndarray
    gyr_dps: np.ndarray | None
    host_time_s: np.ndarray

    def __len__(self) -> int:
        return len(self.time_s)


@dataclass(frozen=True)
class Connected:
    """The first connection is up."""

    description: str


@dataclass(frozen=True)
class Disconnected:
    """The device went away; ``time_s`` is the last sample's time."""

    reason: str
    time_s: float


@dataclass(frozen=True)
class Reconnected:
    """Back after a disconnect, after ``attempts`` tries."""

    description: str
    attempts: int


@dataclass(frozen=True)
class Gap:
    """``n_lost`` samples missing between ``start_s`` (last sample before) and ``end_s``
    (first sample after). ``exact`` is False when estimated from the host clock."""

    n_lost: int
    start_s: float
    end_s: float
    exact: bool = True
    cause: str = "sequence"


StreamItem = SampleBlock | Connected | Disconnected | Reconnected | Gap


@dataclass
class _Connection:
    decoder: Decoder
    offset: int | None = None  # session_index = device index + offset


@dataclass
class AcquisitionStream:
    """One acquisition session over a transport made by ``transport_factory``.

    Parameters
    ----------
    profile
        The device profile.
    transport_factory
        Makes a fresh, unopened transport (called again for every reconnect, so a BLE
        backend rescans).
    calibration
        Applied to every block (gyro bias) when given.
    reconnect
        Reconnect after a disconnect (else the stream ends).
    backoff_initial_s, backoff_max_s
        Reconnect delays double from the first to the second.
    give_up_after_s
        Raise :class:`TransportError` when the device sends no sample for this long,
        whether it is gone or connected but silent (None: never).
    stall_timeout_s
        No data for this long counts as a disconnect.
    """

    profile: DeviceProfile
    transport_factory: Callable[[], Transport]
    calibration: Calibration | None = None
    reconnect: bool = True
    backoff_initial_s: float = 0.2
    backoff_max_s: float = 5.0
    give_up_after_s: float | None = None
    stall_timeout_s: float = 3.0
    stats: DecodeStats = field(default_factory=DecodeStats)
    gaps: list[Gap] = field(default_factory=list)
    disconnects: list[Disconnected] = field(default_factory=list)
    n_samples: int = 0

    def __post_init__(self) -> None:
        self.sample_rate_hz = float(self.profile.sample_rate_hz)
        self.clock = HostClockFit(self.sample_rate_hz)
        self._last_index: int | None = None  # session index of the last sample
        self._last_device_index: int | None = None
        self._last_counter_kind = False
        self._last_data_s: float | None = None  # monotonic time of the last sample
        self.description = ""

    @property
    def lost_samples(self) -> int:
        return sum(g.n_lost for g in self.gaps)

    def __aiter__(self) -> AsyncIterator[StreamItem]:
        return self._run()

    async def _run(self) -> AsyncIterator[StreamItem]:
        attempts = 0
        first = True
        while True:
            transport = self.transport_factory()
            try:
                await transport.open()
            except TransportError as exc:
                await transport.close()
                if first or not self.reconnect:
                    raise
                attempts += 1
                if self._given_up():
                    raise TransportError(
                        f"device did not come back within {self.give_up_after_s:g} s ({exc})"
                    ) from None
                delay = min(self.backoff_max_s, self.backoff_initial_s * 2 ** (attempts - 1))
                await asyncio.sleep(delay)
                continue
            self.description = transport.description
            if self._last_data_s is None:
                self._last_data_s = time.monotonic()  # silence counts from the connection
            yield (
                Connected(transport.description)
                if first
                else Reconnected(transport.description, attempts)
            )
            first, attempts = False, 0
            conn = _Connection(make_decoder(self.profile, transport.packetized))
            try:
                async for item in self._read_loop(transport, conn):
                    yield item
            except (TransportDisconnected, TimeoutError) as exc:
                silent_s = time.monotonic() - self._last_data_s
                reason = str(exc) or f"no data for {silent_s:.1f} s"
                event = Disconnected(reason, self._time_of(self._last_index))
                self.disconnects.append(event)
                yield event
            finally:
                with contextlib.suppress(Exception):
                    await asyncio.shield(transport.close())
            if not self.reconnect:
                return
            if self._given_up():
                # Connected but silent (or gone) all that time: reopening will not help.
                raise TransportError(f"no data from the device for {self.give_up_after_s:g} s")
            await asyncio.sleep(self.backoff_initial_s)

    def _given_up(self) -> bool:
        """Whether the device has sent no sample for ``give_up_after_s``."""
        if self.give_up_after_s is None or self._last_data_s is None:
            return False
        return time.monotonic() - self._last_data_s >= self.give_up_after_s

    async def _read_loop(
        self, transport: Transport, conn: _Connection
    ) -> AsyncIterator[StreamItem]:
        while True:
            timeout_s = self.stall_timeout_s
            if self.give_up_after_s is not None and self._last_data_s is not None:
                # Wake up when the give-up time is reached, not at the next stall check.
                left_s = self._last_data_s + self.give_up_after_s - time.monotonic()
                timeout_s = min(timeout_s, max(0.0, left_s) + 0.01)
            async with asyncio.timeout(timeout_s):
                data, arrival_s = await transport.read()
            samples = conn.decoder.feed(data, arrival_s)
            self.stats.add(samples.stats)
            if len(samples):
                self._last_data_s = time.monotonic()
                for item in self._place(samples, arrival_s, conn):
                    yield item

    def _time_of(self, index: int | None) -> float:
        return float("nan") if index is None else index / self.sample_rate_hz

    def _place(self, samples: Samples, arrival_s: float, conn: _Connection) -> list[StreamItem]:
        out: list[StreamItem] = []
        dev = samples.sample_index
        if conn.offset is None:
            if self._last_index is None:
                if samples.sample_rate_hz:
                    # The device's own rate wins over the profile's nominal one.
                    self.sample_rate_hz = float(samples.sample_rate_hz)
                    self.clock = HostClockFit(self.sample_rate_hz)
                conn.offset = -int(dev[0])
            else:
                missing, exact = self._missing_across_reconnect(
                    conn.decoder, int(dev[0]), len(dev), arrival_s
                )
                conn.offset = self._last_index + 1 + missing - int(dev[0])
                if missing > 0:
                    out.append(
                        Gap(
                            missing,
                            self._time_of(self._last_index),
                            self._time_of(self._last_index + missing + 1),
                            exact,
                            "disconnect",
                        )
                    )
        # Only now: the first block may just have set the rate.
        period = 1.0 / self.sample_rate_hz
        for first_missing, n in samples.stats.gaps:
            start = first_missing + conn.offset
            estimated = first_missing in samples.stats.estimated_gaps
            out.append(
                Gap(
                    n,
                    (start - 1) * period,
                    (start + n) * period,
                    not estimated,
                    "restart" if estimated else "sequence",
                )
            )
        self.gaps.extend(g for g in out if isinstance(g, Gap))
        index = dev + conn.offset
        self.clock.add(int(index[-1]), arrival_s)
        gyr = samples.gyr_dps
        if self.calibration is not None:
            gyr = self.calibration.apply_gyro(gyr)
        out.append(
            SampleBlock(
                time_s=index * period,
                sample_index=index,
                acc_mps2=samples.acc_mps2,
                gyr_dps=gyr,
                host_time_s=self.clock.host_time(index),
            )
        )
        self._last_index = int(index[-1])
        self._last_device_index = int(dev[-1])
        self._last_counter_kind = conn.decoder.device_counter
        self.n_samples += len(index)
        return out

    def _missing_across_reconnect(
        self, decoder: Decoder, first_dev: int, n: int, arrival_s: float
    ) -> tuple[int, bool]:
        """Samples lost while the device was away, and whether the count is exact."""
        assert self._last_index is not None
        period = self.clock.period_s  # host seconds per sample, measured once there is data
        host_last = float(self.clock.host_time(self._last_index))
        host_first = arrival_s - (n - 1) * period
        by_host = max(0, int(round((host_first - host_last) / period)) - 1)
        if (
            decoder.device_counter
            and self._last_counter_kind
            and self._last_device_index is not None
        ):
            by_counter = (first_dev - self._last_device_index - 1) % 2**32
            # Trust the counter only when it roughly agrees with the host clock: a
            # restarted device counts again from 0, which shows as a huge or tiny jump.
            if by_counter <= 1.5 * by_host + 1.0 / period:
                return by_counter, True
        return by_host, False
