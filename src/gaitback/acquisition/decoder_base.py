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
        Times the device's counter went backwards (device restarted).
    """

    packets_ok: int = 0
    checksum_failures: int = 0
    bytes_skipped: int = 0
    lost_packets: int = 0
    lost_samples: int = 0
    gaps: list[tuple[int, int]] = field(default_factory=list)
    resets: int = 0

    def add(self, other: DecodeStats) -> None:
        """Accumulate ``other`` into ``self``."""
        self.packets_ok += other.packets_ok
        self.checksum_failures += other.checksum_failures
        self.bytes_skipped += other.bytes_skipped
        self.lost_packets += other.lost_packets
        self.lost_samples += other.lost_samples
        self.gaps.extend(other.gaps)
        self.resets += other.resets


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

    def feed(self, data: bytes) -> Samples:
        """Decode ``data`` (plus what was kept from earlier calls)."""
        out = self._feed(bytes(data))
        self.total.add(out.stats)
        return out

    @abc.abstractmethod
    def _feed(self, data: bytes) -> Samples: ...


class IndexTracker:
    """Turn a device's wrapping counter into a continuous sample index, noting gaps.

    Parameters
    ----------
    modulus
        The counter wraps at this value (``2**32`` for a uint32).
    """

    def __init__(self, modulus: int = 2**32) -> None:
        self.modulus = modulus
        self._offset = 0
        self._last_raw: int | None = None
        self.next_index: int | None = None

    def place(self, raw_first: int, n: int, stats: DecodeStats | None = None) -> int:
        """Continuous index of a packet's first sample (raw counter ``raw_first``)."""
        if self._last_raw is None or self.next_index is None:
            index = raw_first
        else:
            step = (raw_first - self._last_raw) % self.modulus
            if raw_first < self._last_raw and step < self.modulus // 2:
                self._offset += self.modulus  # wrapped
            index = raw_first + self._offset
            if index < self.next_index:
                # The counter went backwards: the device restarted. Continue numbering
                # without a gap, since how long it was away is unknown here.
                if stats is not None:
                    stats.resets += 1
                self._offset += self.next_index - index
                index = self.next_index
            elif index > self.next_index and stats is not None:
                missing = index - self.next_index
                stats.lost_samples += missing
                stats.gaps.append((self.next_index, missing))
        self._last_raw = raw_first
        self.next_index = index + n
        return index


def g_to_mps2(values_g: np.ndarray) -> np.ndarray:
    return values_g * STANDARD_GRAVITY_MPS2
