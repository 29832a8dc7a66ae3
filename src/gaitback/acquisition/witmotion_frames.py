"""WitMotion WT901 family on the wire: 0x55 serial frames and 0x55 0x61 BLE packets.

(The text logs WitMotion's PC app saves are read by :mod:`gaitback.importers.witmotion`.)

Serial frame (11 bytes): ``0x55, type, 8 data bytes, checksum = sum(bytes[0:10]) & 0xFF``;
type 0x51 = acc (int16 x, y, z, temperature), 0x52 = gyro (x, y, z, voltage),
0x53 = angles; scales ``raw / 32768 * 16 g`` and ``raw / 32768 * 2000 deg/s``.
One sample is an acc frame followed by a gyro frame. 0x55 also occurs inside
data, so frames are only accepted where the checksum matches, never by 0x55 alone.

BLE packet (WT901BLECL, 20 bytes): ``0x55 0x61`` + 9 int16 LE: acc xyz (g), gyro xyz
(deg/s), roll/pitch/yaw (deg), same scales. It has no checksum (the BLE link's own
CRC protects it), so a notification is only accepted whole: n x 20 bytes, each
starting 0x55 0x61.

Neither format numbers its samples: a frame lost before reaching the host is
invisible here, but a frame dropped for its checksum leaves a numbered gap.
"""

from __future__ import annotations

import numpy as np

from gaitback.acquisition.decoder_base import Decoder, DecodeStats, Samples, g_to_mps2

FRAME = 11
HEAD = 0x55
ACC = 0x51
GYRO = 0x52
ANGLE = 0x53
BLE_FLAG = 0x61
BLE_PACKET = 20
ACC_RANGE_G = 16.0
GYRO_RANGE_DPS = 2000.0
#: Resync search window, to bound the work spent on a long run of garbage.
_SEARCH = 4096


def _frame(kind: int, values: np.ndarray) -> np.ndarray:
    """Rows of 11-byte frames for int16 ``values`` ``(n, 4)``."""
    n = len(values)
    out = np.zeros((n, FRAME), dtype=np.uint8)
    out[:, 0] = HEAD
    out[:, 1] = kind
    out[:, 2:10] = np.ascontiguousarray(values.astype("<i2")).view(np.uint8).reshape(n, 8)
    out[:, 10] = out[:, :10].sum(axis=1, dtype=np.int64) & 0xFF
    return out


def _raw(values: np.ndarray, full_scale: float) -> np.ndarray:
    return np.clip(np.rint(values / full_scale * 32768.0), -32768, 32767)


def encode_serial(acc_g: np.ndarray, gyr_dps: np.ndarray, with_angles: bool = False) -> bytes:
    """Frames for ``n`` samples: 0x51 then 0x52 (then a zero 0x53 if asked) per sample."""
    acc_g = np.atleast_2d(np.asarray(acc_g, dtype=float))
    gyr_dps = np.atleast_2d(np.asarray(gyr_dps, dtype=float))
    n = len(acc_g)
    pad = np.zeros((n, 1))
    frames = [
        _frame(ACC, np.hstack([_raw(acc_g, ACC_RANGE_G), pad])),
        _frame(GYRO, np.hstack([_raw(gyr_dps, GYRO_RANGE_DPS), pad])),
    ]
    if with_angles:
        frames.append(_frame(ANGLE, np.zeros((n, 4))))
    return np.stack(frames, axis=1).tobytes()


def encode_ble(acc_g: np.ndarray, gyr_dps: np.ndarray) -> list[bytes]:
    """One 20-byte notification per sample (angles zero)."""
    acc_g = np.atleast_2d(np.asarray(acc_g, dtype=float))
    gyr_dps = np.atleast_2d(np.asarray(gyr_dps, dtype=float))
    n = len(acc_g)
    raw = np.hstack([_raw(acc_g, ACC_RANGE_G), _raw(gyr_dps, GYRO_RANGE_DPS), np.zeros((n, 3))])
    body = raw.astype("<i2")
    head = bytes([HEAD, BLE_FLAG])
    return [head + row.tobytes() for row in body]


def _scale(
    raw_acc: np.ndarray, raw_gyr: np.ndarray | None, has_gyro: bool
) -> tuple[np.ndarray, np.ndarray | None]:
    acc = g_to_mps2(raw_acc.astype(float) * (ACC_RANGE_G / 32768.0))
    gyr = raw_gyr.astype(float) * (GYRO_RANGE_DPS / 32768.0) if has_gyro else None
    return acc, gyr


class WitmotionSerialDecoder(Decoder):
    """0x55 frames from a byte stream -> samples (acc + gyro pairs)."""

    def __init__(self, has_gyro: bool = True) -> None:
        super().__init__(has_gyro)
        self._buf = b""
        self._pending_acc: np.ndarray | None = None  # raw acc frame waiting for its gyro
        self._pending_break = False
        self._skipped = False  # bytes were thrown away since the last frame
        self._next_index = 0

    def _frames(self, buf: bytes, stats: DecodeStats) -> tuple[np.ndarray, np.ndarray, int]:
        """Valid frames ``(k, 11)``, whether bytes were skipped before each, bytes used."""
        arr = np.frombuffer(buf, dtype=np.uint8)
        rows: list[np.ndarray] = []
        breaks: list[np.ndarray] = []
        skipped = self._skipped
        pos = 0
        while len(arr) - pos >= FRAME:
            # Fast path: a clean stream is frame after frame, checked all at once.
            k = (len(arr) - pos) // FRAME
            block = arr[pos : pos + k * FRAME].reshape(k, FRAME)
            ok = (
                (block[:, 0] == HEAD)
                & ((block[:, 1] & 0xF0) == 0x50)
                & ((block[:, :10].sum(axis=1, dtype=np.int64) & 0xFF) == block[:, 10])
            )
            n_ok = k if ok.all() else int(np.argmin(ok))
            if n_ok:
                rows.append(block[:n_ok])
                brk = np.zeros(n_ok, dtype=bool)
                brk[0] = skipped
                breaks.append(brk)
                skipped = False
            pos += n_ok * FRAME
            if n_ok == k:
                break
            if arr[pos] == HEAD and (arr[pos + 1] & 0xF0) == 0x50:
                stats.checksum_failures += 1
            skipped = True
            nxt = self._resync(arr, pos + 1)
            if nxt is None:
                # No frame start ahead: keep a tail that may begin the next frame.
                tail = arr[max(pos + 1, len(arr) - FRAME + 1) :]
                heads = np.flatnonzero(tail == HEAD)
                keep_from = (len(arr) - len(tail) + int(heads[0])) if len(heads) else len(arr)
                stats.bytes_skipped += keep_from - pos
                pos = keep_from
                break
            stats.bytes_skipped += nxt - pos
            pos = nxt
        self._skipped = skipped
        if not rows:
            return np.zeros((0, FRAME), dtype=np.uint8), np.zeros(0, dtype=bool), pos
        return np.concatenate(rows), np.concatenate(breaks), pos

    @staticmethod
    def _resync(arr: np.ndarray, start: int) -> int | None:
        """First position >= start where a valid frame begins, or None."""
        while start <= len(arr) - FRAME:
            window = arr[start : min(len(arr), start + _SEARCH + FRAME)].astype(np.int64)
            m = len(window) - FRAME + 1
            csum = np.concatenate([[0], np.cumsum(window)])
            sums = (csum[10 : 10 + m] - csum[:m]) & 0xFF
            ok = (
                (window[:m] == HEAD)
                & ((window[1 : 1 + m] & 0xF0) == 0x50)
                & (sums == window[10 : 10 + m])
            )
            hits = np.flatnonzero(ok)
            if len(hits):
                return start + int(hits[0])
            start += m
        return None

    def _feed(self, data: bytes) -> Samples:
        stats = DecodeStats()
        buf = self._buf + data
        frames, breaks, used = self._frames(buf, stats)
        self._buf = buf[used:]
        stats.packets_ok += len(frames)
        kinds = frames[:, 1]
        keep = (kinds == ACC) | (kinds == GYRO) if self.has_gyro else kinds == ACC
        # A byte run skipped before a dropped (angle, ...) frame still separates the
        # kept frames around it: carry it to the next kept frame.
        brk_cum = np.cumsum(breaks)
        kept_idx = np.flatnonzero(keep)
        before = np.concatenate([[0], brk_cum[kept_idx[:-1]]]) if len(kept_idx) else brk_cum[:0]
        kept_breaks = (brk_cum[kept_idx] - before) > 0
        frames = frames[keep]
        if not self.has_gyro:
            return self._emit(frames, None, np.ones(len(frames), bool), stats)
        if self._pending_acc is not None:
            frames = np.vstack([self._pending_acc[None, :], frames])
            kept_breaks = np.concatenate([[self._pending_break], kept_breaks])
            self._pending_acc = None
        kinds = frames[:, 1]
        if len(frames) and kinds[-1] == ACC:
            self._pending_acc = frames[-1]
            self._pending_break = bool(kept_breaks[-1])
            frames, kinds, kept_breaks = frames[:-1], kinds[:-1], kept_breaks[:-1]
        # A sample slot opens at every acc frame, and at a gyro frame whose acc was lost.
        # An acc pairs only with the gyro frame right after it, nothing skipped between:
        # the format has no sample number, so adjacency is all that ties them.
        nxt = np.append(kinds[1:], 0)
        nxt_break = np.append(kept_breaks[1:], True)
        prev = np.insert(kinds[:-1], 0, 0)
        acc_slot = kinds == ACC
        orphan_gyro = (kinds == GYRO) & ((prev != ACC) | kept_breaks)
        slot = acc_slot | orphan_gyro
        complete = acc_slot & (nxt == GYRO) & ~nxt_break
        paired = complete[np.flatnonzero(slot)]
        pairs = np.flatnonzero(complete)
        acc = frames[pairs, 2:8].copy().view("<i2").reshape(-1, 3)
        gyr = frames[pairs + 1, 2:8].copy().view("<i2").reshape(-1, 3)
        return self._emit_pairs(acc, gyr, paired, stats)

    def _emit(
        self, frames: np.ndarray, _gyr: None, paired: np.ndarray, stats: DecodeStats
    ) -> Samples:
        acc = frames[:, 2:8].copy().view("<i2").reshape(-1, 3)
        return self._emit_pairs(acc, None, paired, stats)

    def _emit_pairs(
        self,
        acc_raw: np.ndarray,
        gyr_raw: np.ndarray | None,
        paired: np.ndarray,
        stats: DecodeStats,
    ) -> Samples:
        """``paired[i]`` says whether slot ``i`` became a sample; the others are lost."""
        index = self._next_index + np.arange(len(paired), dtype=np.int64)
        self._next_index += len(paired)
        lost = index[~paired]
        stats.lost_samples += len(lost)
        stats.gaps.extend((int(i), 1) for i in lost)
        acc, gyr = _scale(acc_raw, gyr_raw, self.has_gyro)
        return Samples(sample_index=index[paired], acc_mps2=acc, gyr_dps=gyr, stats=stats)


class WitmotionBleDecoder(Decoder):
    """0x55 0x61 notifications -> samples; a notification is accepted only whole."""

    packetized = True

    def __init__(self, has_gyro: bool = True) -> None:
        super().__init__(has_gyro)
        self._next_index = 0

    def _feed(self, data: bytes) -> Samples:
        stats = DecodeStats()
        k = len(data) // BLE_PACKET
        arr = np.frombuffer(data, dtype=np.uint8)
        if k == 0 or len(data) % BLE_PACKET:
            # Register replies (0x55 0x71) and broken notifications land here.
            stats.bytes_skipped += len(data)
            return Samples.empty(self.has_gyro, stats)
        rows = arr.reshape(k, BLE_PACKET)
        if not ((rows[:, 0] == HEAD) & (rows[:, 1] == BLE_FLAG)).all():
            stats.bytes_skipped += len(data)
            return Samples.empty(self.has_gyro, stats)
        raw = rows[:, 2:].copy().view("<i2").reshape(k, 9)
        stats.packets_ok += k
        index = self._next_index + np.arange(k, dtype=np.int64)
        self._next_index += k
        acc, gyr = _scale(raw[:, 0:3], raw[:, 3:6], self.has_gyro)
        return Samples(sample_index=index, acc_mps2=acc, gyr_dps=gyr, stats=stats)
