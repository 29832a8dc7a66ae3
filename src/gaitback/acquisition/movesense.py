"""Movesense GATT SensorData notifications (IMU6).

Assumed layout of one notification (domain.md; not verified on hardware)::

    [0x02 = data][ref: the subscription reference][uint32 LE timestamp, ms]
    [n x (acc x, y, z) float32 LE, m/s^2][n x (gyro x, y, z) float32 LE, deg/s]

with ``n = (len - 6) / 24`` (8 at 104 Hz), the timestamp being the sensor's clock at
the first sample. There is no sequence number: lost notifications are found from
the timestamp step between packets (``round(dt * rate) - n_previous``).
"""

from __future__ import annotations

import struct

import numpy as np

from gaitback.acquisition.decoder_base import Decoder, DecodeStats, Samples

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
        self._last_ms: int | None = None
        self._last_n = 0
        self._next_index = 0
        self._ms_offset = 0

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
        acc = values[: n * 3].reshape(n, 3)
        gyr = values[n * 3 :].reshape(n, 3)
        index = self._next_index
        if self._last_ms is not None:
            if ms < self._last_ms and self._last_ms - ms > 2**31:
                self._ms_offset += 2**32
            dt_ms = ms + self._ms_offset - self._last_ms
            missing = int(round(dt_ms * 1e-3 * self.sample_rate_hz)) - self._last_n
            if missing > 0:
                stats.lost_samples += missing
                stats.lost_packets += int(round(missing / max(self._last_n, 1)))
                stats.gaps.append((index, missing))
                index += missing
            elif dt_ms < 0:
                stats.resets += 1
        self._last_ms = ms + self._ms_offset
        self._last_n = n
        self._next_index = index + n
        stats.packets_ok += 1
        return Samples(
            sample_index=index + np.arange(n, dtype=np.int64),
            acc_mps2=acc,
            gyr_dps=gyr if self.has_gyro else None,
            device_time_s=(ms + self._ms_offset) * 1e-3 + np.arange(n) / self.sample_rate_hz,
            sample_rate_hz=self.sample_rate_hz,
            stats=stats,
        )
