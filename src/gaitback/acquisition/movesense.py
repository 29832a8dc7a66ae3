"""Movesense GATT SensorData notifications (IMU6).

Assumed layout of one notification (domain.md; not verified on hardware)::

    [0x02 = data][ref: the subscription reference][uint32 LE timestamp, ms]
    [n x (acc x, y, z) float32 LE, m/s^2][n x (gyro x, y, z) float32 LE, deg/s]

with ``n = (len - 6) / 24`` (8 at 104 Hz), the timestamp being the sensor's clock at
the first sample. There is no sequence number: lost notifications are found from
the timestamp step between packets (``round(dt * rate) - n_previous``).

The millisecond clock wraps after 2**32 ms (49.7 days of uptime): it is unwrapped
modulo its width, so a wrap is a small step forward. A notification whose timestamp
repeats one already received is a duplicate and dropped; a timestamp far behind
(more than 2 s) is a restart; a jump forward further than the host clock allows is
a glitch or restart too, and its gap is estimated from the host clock.
"""

from __future__ import annotations

import struct

import numpy as np

from gaitback.acquisition.decoder_base import (
    CounterUnwrap,
    Decoder,
    DecodeStats,
    Samples,
    SampleSequencer,
)

DATA = 0x02
HEADER = 6


def subscribe_command(ref: int, rate_hz: int = 104) -> bytes:
    """``[0x01, ref] + "/Meas/IMU6/<rate>"``."""
    return bytes([0x01, ref]) + f"/Meas/IMU6/{rate_hz}".encode("ascii")


def encode_packet(ref: int, timestamp_ms: int, acc_mps2: np.ndarray, gyr_dps: np.ndarray) -> bytes:
    """One notification (what the sensor sends)."""
    acc = np.asarray(acc_mps2, dtype="<f4").reshape(-1, 3)
    gyr = np.asarray(gyr_dps, dtype="<f4").reshape(-1, 3)
    head = struct.pack("<BBI", DATA, ref, timestamp_ms % 2**32)
    return head + acc.tobytes() + gyr.tobytes()


class MovesenseDecoder(Decoder):
    """Notifications -> samples; index gaps inferred from the millisecond timestamp."""

    packetized = True

    def __init__(self, ref: int, sample_rate_hz: float, has_gyro: bool = True) -> None:
        super().__init__(has_gyro)
        self.ref = ref
        self.sample_rate_hz = sample_rate_hz
        self._clock_ms = CounterUnwrap(2**32)
        self._sequencer = SampleSequencer()
        # (unwrapped ms, sample index) of the last accepted notification's first sample
        self._ref: tuple[int, int] | None = None

    def _feed(self, data: bytes) -> Samples:
        stats = DecodeStats()
        body = len(data) - HEADER
        if body <= 0 or body % 24 or data[0] != DATA or data[1] != self.ref:
            stats.bytes_skipped += len(data)
            return Samples.empty(self.has_gyro, stats)
        n = body // 24
        (ms,) = struct.unpack_from("<I", data, 2)
        values = np.frombuffer(data, dtype="<f4", offset=HEADER).astype(float)
        if not np.isfinite(values).all():
            stats.bytes_skipped += len(data)
            return Samples.empty(self.has_gyro, stats)
        stats.packets_ok += 1
        ms_u = self._clock_ms(ms)
        if self._ref is None:
            claimed = 0
        else:
            # Relative to the last notification, so the device's rate error never adds up.
            ref_ms, ref_index = self._ref
            claimed = ref_index + int(round((ms_u - ref_ms) * 1e-3 * self.sample_rate_hz))
        before = stats.lost_samples
        index, dup = self._sequencer.settle(
            claimed, n, stats, self._arrival_s, self.sample_rate_hz
        )
        if dup == n:
            return Samples.empty(self.has_gyro, stats)
        self._ref = (ms_u, index)
        if stats.lost_samples > before and n:
            stats.lost_packets += int(round((stats.lost_samples - before) / n))
        acc = values[: n * 3].reshape(n, 3)[dup:]
        gyr = values[n * 3 :].reshape(n, 3)[dup:]
        return Samples(
            sample_index=index + np.arange(dup, n, dtype=np.int64),
            acc_mps2=acc,
            gyr_dps=gyr if self.has_gyro else None,
            device_time_s=ms_u * 1e-3 + np.arange(dup, n) / self.sample_rate_hz,
            sample_rate_hz=self.sample_rate_hz,
            stats=stats,
        )
