"""What every decoder returns, and the bookkeeping they share.

A decoder is a small stateful object: ``feed(data) -> Samples``. It keeps a
partial packet for the next call, resynchronises on garbage, drops and counts
packets whose checksum fails, and numbers samples with a continuous
``sample_index`` in which lost samples are missing numbers (never filled).
"""

from __future__ import annotations

import abc
import dataclasses
from dataclasses import dataclass, field

import numpy as np

from gaitback.columns import STANDARD_GRAVITY_MPS2

_EMPTY_I = np.zeros(0, dtype=np.int64)


@dataclass
class DecodeStats:
    """Counts for one ``feed`` call (or summed over a session).

    Attributes
    ----------
    packets_ok
        Packets (frames) decoded and accepted.
    checksum_failures
        Packets dropped because their checksum / CRC did not match.
    bytes_skipped
        Bytes thrown away while resynchronising (garbage, broken packets).
    lost_packets
        Packets missing from the sequence numbers.
    lost_samples
        Samples missing from the sample index (never filled in).
    gaps
        ``(first_missing_index, n_missing)`` per gap, in ``sample_index`` numbers.
    resets
        Times the device's counter jumped far backwards (device restarted), or
        forwards further than the host clock allows.
    duplicates
        Samples that arrived a second time (a repeated packet or line) and were dropped.
    estimated_gaps
        First missing index of the gaps in ``gaps`` whose size came from the host
        clock (around a restart) rather than from the device's counter.
    """

    packets_ok: int = 0
    checksum_failures: int = 0
    bytes_skipped: int = 0
    lost_packets: int = 0
    lost_samples: int = 0
    gaps: list[tuple[int, int]] = field(default_factory=list)
    resets: int = 0
    duplicates: int = 0
    estimated_gaps: list[int] = field(default_factory=list)

    def add(self, other: DecodeStats) -> None:
        """Accumulate ``other`` into ``self``."""
        self.packets_ok += other.packets_ok
        self.checksum_failures += other.checksum_failures
        self.bytes_skipped += other.bytes_skipped
        self.lost_packets += other.lost_packets
        self.lost_samples += other.lost_samples
        self.gaps.extend(other.gaps)
        self.resets += other.resets
        self.duplicates += other.duplicates
        self.estimated_gaps.extend(other.estimated_gaps)


@dataclass
class Samples:
    """Decoded samples, in the sensor frame.

    Attributes
    ----------
    sample_index
        int64 ``(n,)``, strictly increasing; a missing number is a lost sample.
    acc_mps2
        ``(n, 3)`` specific force in m/s^2.
    gyr_dps
        ``(n, 3)`` angular rate in degrees/s, or None for accelerometer-only data.
    device_time_s
        ``(n,)`` device clock in seconds when the protocol carries one, else None.
    sample_rate_hz
        Rate announced by the device, when the protocol carries it, else None.
    stats
        Counts for this call.
    """

    sample_index: np.ndarray
    acc_mps2: np.ndarray
    gyr_dps: np.ndarray | None
    device_time_s: np.ndarray | None = None
    sample_rate_hz: float | None = None
    stats: DecodeStats = field(default_factory=DecodeStats)

    def __len__(self) -> int:
        return len(self.sample_index)

    @classmethod
    def empty(cls, has_gyro: bool, stats: DecodeStats | None = None) -> Samples:
        return cls(
            sample_index=_EMPTY_I.copy(),
            acc_mps2=np.zeros((0, 3)),
            gyr_dps=np.zeros((0, 3)) if has_gyro else None,
            stats=stats or DecodeStats(),
        )


def concat_samples(parts: list[Samples], has_gyro: bool) -> Samples:
    """Join per-packet pieces (all with or all without gyro and device time)."""
    stats = DecodeStats()
    for p in parts:
        stats.add(p.stats)
    parts = [p for p in parts if len(p)]
    if not parts:
        return Samples.empty(has_gyro, stats)
    if len(parts) == 1:
        return dataclasses.replace(parts[0], stats=stats)
    gyro = [p.gyr_dps for p in parts]
    dev = [p.device_time_s for p in parts]
    return Samples(
        sample_index=np.concatenate([p.sample_index for p in parts]),
        acc_mps2=np.concatenate([p.acc_mps2 for p in parts]),
        gyr_dps=np.concatenate(gyro) if all(g is not None for g in gyro) else None,  # type: ignore[arg-type]
        device_time_s=np.concatenate(dev) if all(d is not None for d in dev) else None,  # type: ignore[arg-type]
        sample_rate_hz=parts[-1].sample_rate_hz,
        stats=stats,
    )


class Decoder(abc.ABC):
    """Bytes -> :class:`Samples`, keeping state between calls."""

    #: Whether each ``feed`` must be exactly one transport packet (BLE notification).
    packetized: bool = False
    #: Whether ``sample_index`` is the device's own counter (continues across reconnects).
    device_counter: bool = False

    def __init__(self, has_gyro: bool = True) -> None:
        self.has_gyro = has_gyro
        self.total = DecodeStats()
        self._arrival_s: float | None = None

    def feed(self, data: bytes, arrival_s: float | None = None) -> Samples:
        """Decode ``data`` (plus what was kept from earlier calls).

        Parameters
        ----------
        data
            Bytes as read from the transport.
        arrival_s
            Host ``time.monotonic()`` when ``data`` arrived; lets a decoder check a
            jump of the device's counter against the time that really passed.
        """
        self._arrival_s = arrival_s
        out = self._feed(bytes(data))
        self.total.add(out.stats)
        return out

    @abc.abstractmethod
    def _feed(self, data: bytes) -> Samples: ...


#: A counter that goes back by more than this is a device restart; by less, a repeat
#: of samples already received (a duplicated packet or line), which is dropped.
RESTART_BACKSTEP_S = 2.0
#: Without a sample rate, the same limit in samples.
RESTART_BACKSTEP_SAMPLES = 1024
#: A forward jump is believed as lost samples only up to what the host clock allows:
#: ``margin x elapsed x rate + slack x rate`` (arrivals come in bursts, so generous).
HOST_MARGIN = 1.5
HOST_SLACK_S = 1.0


class CounterUnwrap:
    """A wrapping device counter -> an unbounded integer.

    Each value is placed at the signed step, modulo ``modulus``, nearest to the
    previous one, so a wrap is a small step forward, never a jump back.

    Parameters
    ----------
    modulus
        The counter wraps at this value (``2**32`` for a uint32).
    """

    def __init__(self, modulus: int = 2**32) -> None:
        self.modulus = modulus
        self._last_raw: int | None = None
        self.value: int | None = None

    def __call__(self, raw: int) -> int:
        if self._last_raw is None or self.value is None:
            self.value = int(raw)
        else:
            step = (int(raw) - self._last_raw) % self.modulus
            if step >= self.modulus // 2:
                step -= self.modulus
            self.value += step
        self._last_raw = int(raw)
        return self.value


class SampleSequencer:
    """Decide where a packet's samples go in the continuous sample index.

    Given the index a packet *claims* for its first sample (from the device's
    counter or clock), it notes lost samples when the claim is ahead of what came
    so far, drops samples that already came (duplicates), and treats a large
    backwards jump as a device restart. With arrival times and a rate it checks
    every forward jump against the host clock: a counter that claims more lost
    samples than the elapsed time allows has restarted or glitched, and the gap is
    estimated from the host clock instead.
    """

    def __init__(self) -> None:
        self.next_index: int | None = None
        self._last_arrival_s: float | None = None

    def settle(
        self,
        claimed: int,
        n: int,
        stats: DecodeStats,
        arrival_s: float | None = None,
        sample_rate_hz: float | None = None,
    ) -> tuple[int, int]:
        """``(index of the first sample, how many leading samples are duplicates)``.

        The returned index differs from ``claimed`` only after a restart.
        """
        if self.next_index is None:
            self.next_index = claimed + n
            self._last_arrival_s = arrival_s
            return claimed, 0
        expected = self.next_index
        host_s = None
        if arrival_s is not None and self._last_arrival_s is not None and sample_rate_hz:
            host_s = max(0.0, arrival_s - self._last_arrival_s)
        index = claimed
        if claimed < expected:
            backstep = expected - claimed
            limit = (
                RESTART_BACKSTEP_S * sample_rate_hz if sample_rate_hz else RESTART_BACKSTEP_SAMPLES
            )
            if backstep <= limit:
                dup = min(n, backstep)
                stats.duplicates += dup
                self.next_index = max(expected, claimed + n)
                if dup < n:
                    self._last_arrival_s = arrival_s
                return claimed, dup
            stats.resets += 1
            index = expected + self._host_estimate(host_s, n, sample_rate_hz)
        elif host_s is not None and sample_rate_hz:
            allowed = (HOST_MARGIN * host_s + HOST_SLACK_S) * sample_rate_hz
            if claimed - expected > allowed:
                stats.resets += 1
                index = expected + self._host_estimate(host_s, n, sample_rate_hz)
        missing = index - expected
        if missing > 0:
            stats.lost_samples += missing
            stats.gaps.append((expected, missing))
            if index != claimed:
                stats.estimated_gaps.append(expected)
        self.next_index = index + n
        self._last_arrival_s = arrival_s
        return index, 0

    @staticmethod
    def _host_estimate(host_s: float | None, n: int, sample_rate_hz: float | None) -> int:
        """Samples the host clock says were missed before a packet of ``n`` (0 unknown)."""
        if host_s is None or not sample_rate_hz:
            return 0
        return max(0, int(round(host_s * sample_rate_hz)) - n)


class IndexTracker:
    """Turn a device's wrapping sample counter into a continuous sample index.

    Parameters
    ----------
    modulus
        The counter wraps at this value (``2**32`` for a uint32).
    """

    def __init__(self, modulus: int = 2**32) -> None:
        self._counter = CounterUnwrap(modulus)
        self._sequencer = SampleSequencer()
        self._offset = 0  # continuous index - unwrapped counter (moves at restarts)

    @property
    def next_index(self) -> int | None:
        return self._sequencer.next_index

    def place(
        self,
        raw_first: int,
        n: int,
        stats: DecodeStats,
        arrival_s: float | None = None,
        sample_rate_hz: float | None = None,
    ) -> tuple[int, int]:
        """Index of a packet's first sample (raw counter ``raw_first``), and how many
        of its leading samples are duplicates to drop."""
        claimed = self._counter(raw_first) + self._offset
        index, dup = self._sequencer.settle(claimed, n, stats, arrival_s, sample_rate_hz)
        self._offset += index - claimed
        return index, dup


def g_to_mps2(values_g: np.ndarray) -> np.ndarray:
    return values_g * STANDARD_GRAVITY_MPS2
