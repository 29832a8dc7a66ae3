"""The gaitback stream protocol (docs/stream-protocol.md): encoders and decoders.

Binary packet, all integers little-endian::

    off size field
    0   2    sync 0xA5 0x5A
    2   1    version (1)
    3   1    flags: bit0 = gyro present
    4   2    payload length L = bytes from offset 6 up to the CRC
    6   2    seq, uint16 packet counter (+1 per packet, wraps)
    8   4    sample_index of the first sample, uint32 (+n per packet, wraps)
    12  4    t_us, device clock at the first sample, uint32 microseconds (wraps)
    16  2    sample_rate_hz, uint16
    18  1    n, samples in this packet (1..MAX_SAMPLES)
    19  1    acc_range_g (2, 4, 8, 16): acc = raw / 32768 * range  [g]
    20  2    gyro_range_dps (125 .. 4000): gyr = raw / 32768 * range  [deg/s]
    22  n*12 (or n*6 without gyro) samples: ax ay az [gx gy gz] int16
    ..  2    CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF) over bytes 2 .. end of samples

Text variant, one line per sample::

    <sample_index>,<t_us>,<ax_g>,<ay_g>,<az_g>[,<gx_dps>,<gy_dps>,<gz_dps>][*CCCC]\n

``CCCC`` is the same CRC-16 over the characters before ``*``, 4 hex digits.
Lines starting with ``#`` are comments.
"""

from __future__ import annotations

import binascii
import math
import struct

import numpy as np

from gaitback.acquisition.decoder_base import (
    CounterUnwrap,
    Decoder,
    DecodeStats,
    IndexTracker,
    Samples,
    concat_samples,
    g_to_mps2,
)

SYNC = b"\xa5\x5a"
VERSION = 1
FLAG_GYRO = 0x01
HEADER = struct.Struct("<2sBBHHIIHBBH")
HEADER_SIZE = HEADER.size  # 22
CRC_SIZE = 2
MAX_SAMPLES = 64
#: The largest packet a decoder accepts (bigger length fields are garbage).
MAX_PACKET = HEADER_SIZE + MAX_SAMPLES * 12 + CRC_SIZE


def crc16(data: bytes, init: int = 0xFFFF) -> int:
    """CRC-16/CCITT-FALSE (``binascii.crc_hqx`` is this CRC with a free initial value)."""
    return binascii.crc_hqx(data, init)


def quantise(values: np.ndarray, full_scale: float) -> np.ndarray:
    """Physical values -> int16 raw counts at ``full_scale`` (saturating)."""
    raw = np.rint(np.asarray(values, dtype=float) / full_scale * 32768.0)
    return np.clip(raw, -32768, 32767).astype("<i2")


def encode_packet(
    seq: int,
    sample_index: int,
    t_us: int,
    acc_g: np.ndarray,
    gyr_dps: np.ndarray | None = None,
    sample_rate_hz: int = 200,
    acc_range_g: int = 16,
    gyro_range_dps: int = 2000,
) -> bytes:
    """One binary packet.

    Parameters
    ----------
    seq
        Packet counter (taken modulo 2**16).
    sample_index
        Index of the first sample (modulo 2**32).
    t_us
        Device time of the first sample, microseconds (modulo 2**32).
    acc_g
        ``(n, 3)`` specific force in g.
    gyr_dps
        ``(n, 3)`` angular rate in deg/s, or None.
    """
    acc_g = np.atleast_2d(np.asarray(acc_g, dtype=float))
    n = len(acc_g)
    if not 1 <= n <= MAX_SAMPLES:
        raise ValueError(f"a packet holds 1..{MAX_SAMPLES} samples, got {n}")
    raw = quantise(acc_g, acc_range_g)
    flags = 0
    if gyr_dps is not None:
        raw = np.hstack([raw, quantise(np.atleast_2d(gyr_dps), gyro_range_dps)])
        flags |= FLAG_GYRO
    body = raw.astype("<i2").tobytes()
    length = HEADER_SIZE - 6 + len(body)
    header = HEADER.pack(
        SYNC,
        VERSION,
        flags,
        length,
        seq % 2**16,
        sample_index % 2**32,
        t_us % 2**32,
        int(sample_rate_hz),
        n,
        int(acc_range_g),
        int(gyro_range_dps),
    )
    packet = header + body
    return packet + struct.pack("<H", crc16(packet[2:]))


class GaitbackBinaryDecoder(Decoder):
    """Decoder for binary gaitback packets over a byte stream or one packet per read."""

    device_counter = True

    def __init__(self, has_gyro: bool = True, packetized: bool = False) -> None:
        super().__init__(has_gyro)
        self.packetized = packetized
        self._buf = b""
        self._index = IndexTracker(2**32)
        self._seq = CounterUnwrap(2**16)
        self._last_seq: int | None = None
        self._clock = CounterUnwrap(2**32)

    def _feed(self, data: bytes) -> Samples:
        stats = DecodeStats()
        buf = self._buf + data
        parts: list[Samples] = []
        pos = 0
        while True:
            start = buf.find(SYNC, pos)
            if start < 0:
                # Keep a trailing 0xA5: it may be the first sync byte of the next read.
                keep = 1 if pos < len(buf) and buf[-1] == SYNC[0] else 0
                stats.bytes_skipped += len(buf) - pos - keep
                pos = len(buf) - keep
                break
            stats.bytes_skipped += start - pos
            pos = start
            if len(buf) - pos < 6:
                break
            version, _flags, length = buf[pos + 2], buf[pos + 3], buf[pos + 4] | buf[pos + 5] << 8
            total = 6 + length + CRC_SIZE
            if version != VERSION or not HEADER_SIZE + CRC_SIZE <= total <= MAX_PACKET:
                stats.bytes_skipped += 1
                pos += 1
                continue
            if len(buf) - pos < total:
                break
            packet = buf[pos : pos + total]
            sample = self._decode(packet, stats)
            if sample is None:
                stats.bytes_skipped += 1
                pos += 1
                continue
            parts.append(sample)
            pos += total
        self._buf = buf[pos:]
        if self.packetized:
            # One notification is one packet: nothing carries over to the next.
            stats.bytes_skipped += len(self._buf)
            self._buf = b""
        out = concat_samples(parts, self.has_gyro)
        out.stats.add(stats)
        return out

    def _decode(self, packet: bytes, stats: DecodeStats) -> Samples | None:
        (_, _, flags, length, seq, first, t_us, rate, n, acc_range, gyro_range) = (
            HEADER.unpack_from(packet)
        )
        per_sample = 12 if flags & FLAG_GYRO else 6
        if n < 1 or length != HEADER_SIZE - 6 + n * per_sample:
            return None
        (crc,) = struct.unpack_from("<H", packet, len(packet) - 2)
        if crc != crc16(packet[2:-2]):
            stats.checksum_failures += 1
            return None
        if rate == 0 or acc_range == 0 or (per_sample == 12 and gyro_range == 0):
            return None
        if self.has_gyro and per_sample != 12:
            return None
        raw = np.frombuffer(packet, dtype="<i2", count=n * per_sample // 2, offset=HEADER_SIZE)
        raw = raw.reshape(n, per_sample // 2).astype(float)
        stats.packets_ok += 1
        # (the profile promises gyro: an acc-only packet would make ragged rows, so
        # such packets were refused above)
        index, dup = self._index.place(first, n, stats, self._arrival_s, float(rate))
        t0 = self._clock(t_us)
        if dup == n:
            return Samples.empty(self.has_gyro)  # all of it came already
        seq_u = self._seq(seq)
        if self._last_seq is not None and seq_u > self._last_seq:
            stats.lost_packets += seq_u - self._last_seq - 1
        self._last_seq = seq_u if self._last_seq is None else max(seq_u, self._last_seq)
        gyr = raw[dup:, 3:6] * (gyro_range / 32768.0) if self.has_gyro else None
        return Samples(
            sample_index=index + np.arange(dup, n, dtype=np.int64),
            acc_mps2=g_to_mps2(raw[dup:, 0:3] * (acc_range / 32768.0)),
            gyr_dps=gyr,
            device_time_s=t0 * 1e-6 + np.arange(dup, n) / rate,
            sample_rate_hz=float(rate),
        )


def encode_text_line(
    sample_index: int,
    t_us: int,
    acc_g: np.ndarray,
    gyr_dps: np.ndarray | None = None,
    checksum: bool = True,
    decimals: int = 4,
) -> bytes:
    """One text-variant line (what a ``Serial.print`` sketch writes)."""
    values = [f"{v:.{decimals}f}" for v in np.asarray(acc_g, dtype=float)]
    if gyr_dps is not None:
        values += [f"{v:.{decimals - 1}f}" for v in np.asarray(gyr_dps, dtype=float)]
    body = ",".join([str(int(sample_index)), str(int(t_us)), *values])
    if checksum:
        body += f"*{crc16(body.encode('ascii')):04X}"
    return (body + "\n").encode("ascii")


class GaitbackTextDecoder(Decoder):
    """Decoder for the text variant.

    Parameters
    ----------
    checksum
        ``"required"``: lines without a valid ``*CCCC`` are dropped (corruption can
        never pass as data). ``"auto"``: unchecked lines are accepted until the first
        checksummed line, then checksums are required. ``"optional"``: unchecked lines
        are always accepted (simple sketches; a corrupted digit then goes unnoticed).
    max_line
        A longer run without a newline is garbage and skipped.
    """

    device_counter = True

    def __init__(
        self,
        has_gyro: bool = True,
        sample_rate_hz: float | None = None,
        checksum: str = "required",
        max_line: int = 256,
    ) -> None:
        super().__init__(has_gyro)
        if checksum not in ("required", "auto", "optional"):
            raise ValueError(f"checksum must be required, auto or optional, not {checksum!r}")
        self.sample_rate_hz = sample_rate_hz
        self.checksum = checksum
        self.max_line = max_line
        self._buf = b""
        self._index = IndexTracker(2**32)
        self._clock = CounterUnwrap(2**32)

    def _feed(self, data: bytes) -> Samples:
        stats = DecodeStats()
        buf = self._buf + data
        lines = buf.split(b"\n")
        self._buf = lines.pop()
        if len(self._buf) > self.max_line:
            stats.bytes_skipped += len(self._buf)
            self._buf = b""
        rows: list[tuple[int, float, list[float]]] = []
        for line in lines:
            parsed = self._parse(line.strip(b"\r"), stats)
            if parsed is None:
                stats.bytes_skipped += len(line) + 1
            else:
                rows.append(parsed)
        if not rows:
            return Samples.empty(self.has_gyro, stats)
        parts = []
        for raw_index, t_us, values in rows:
            index, dup = self._index.place(
                raw_index, 1, stats, self._arrival_s, self.sample_rate_hz
            )
            t0 = self._clock(int(t_us))
            if not dup:
                parts.append((index, t0 * 1e-6, values))
        stats.packets_ok += len(rows)
        if not parts:
            return Samples.empty(self.has_gyro, stats)
        index = np.array([p[0] for p in parts], dtype=np.int64)
        values = np.array([p[2] for p in parts], dtype=float)
        return Samples(
            sample_index=index,
            acc_mps2=g_to_mps2(values[:, 0:3]),
            gyr_dps=values[:, 3:6] if self.has_gyro else None,
            device_time_s=np.array([p[1] for p in parts]),
            sample_rate_hz=self.sample_rate_hz,
            stats=stats,
        )

    def _parse(self, line: bytes, stats: DecodeStats) -> tuple[int, float, list[float]] | None:
        if not line or line.startswith(b"#"):
            return None
        if b"*" in line:
            body, _, crc_text = line.rpartition(b"*")
            try:
                ok = int(crc_text, 16) == crc16(body) and len(crc_text) == 4
            except ValueError:
                ok = False
            if not ok:
                stats.checksum_failures += 1
                return None
            if self.checksum == "auto":
                self.checksum = "required"
            line = body
        elif self.checksum == "required":
            return None
        fields = line.split(b",")
        if len(fields) != (8 if self.has_gyro else 5) and not (
            not self.has_gyro and len(fields) == 8
        ):
            return None
        try:
            index = int(fields[0])
            t_us = int(fields[1])
            values = [float(f) for f in fields[2:]]
        except ValueError:
            return None
        if not (0 <= index < 2**32 and 0 <= t_us < 2**32):
            return None
        if not all(math.isfinite(v) for v in values):
            return None
        return index, float(t_us), values if self.has_gyro else values[:3]
