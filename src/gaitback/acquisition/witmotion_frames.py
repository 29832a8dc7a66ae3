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
#: Frames after which the cycle of frame kinds counts as learnt even if the first
#: kind never came round again (a device sends at most a dozen kinds per sample).
_CYCLE_MAX = 32


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
    """0x55 frames from a byte stream -> samples (acc + gyro pairs).

    The device repeats a fixed cycle of frame kinds (e.g. acc, gyro, angle), one
    cycle per sample, and every frame is 11 bytes. So the bytes skipped between two
    valid frames say how many frame slots, hence sample slots, went by: a sample
    whose frames were all corrupted still counts as lost, and the samples after it
    keep their true time. A sample is recorded only when its acc and gyro frames
    both arrived valid. A skip that is not a whole number of frames means bytes
    vanished: the next frame goes to a later sample slot (so the count of lost
    samples is then a lower bound, and frames are never paired across the break).
    Bytes that vanish in exact multiples of a frame leave no trace at all.
    """

    def __init__(self, has_gyro: bool = True) -> None:
        super().__init__(has_gyro)
        self._buf = b""
        self._skipped = 0  # bytes thrown away since the last valid frame
        self._kinds: list[int] = []  # the device's cycle of frame kinds, ascending
        self._last: tuple[int, int] | None = None  # (sample slot, kind) of the last frame
        self._open = np.zeros((0, FRAME), dtype=np.uint8)  # frames of the open sample slot
        self._next_slot = 0  # first sample slot not yet output
        # Frames held until one whole cycle of kinds has been seen (the cycle is learnt).
        self._early: list[tuple[np.ndarray, np.ndarray]] | None = []

    def _frames(self, buf: bytes, stats: DecodeStats) -> tuple[np.ndarray, np.ndarray, int]:
        """Valid frames ``(k, 11)``, bytes skipped before each, bytes used."""
        arr = np.frombuffer(buf, dtype=np.uint8)
        rows: list[np.ndarray] = []
        skips: list[np.ndarray] = []
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
                skip = np.zeros(n_ok, dtype=np.int64)
                skip[0] = skipped
                skips.append(skip)
                skipped = 0
            pos += n_ok * FRAME
            if n_ok == k:
                break
            if arr[pos] == HEAD and (arr[pos + 1] & 0xF0) == 0x50:
                stats.checksum_failures += 1
            nxt = self._resync(arr, pos + 1)
            if nxt is None:
                # No frame start ahead: keep a tail that may begin the next frame.
                tail = arr[max(pos + 1, len(arr) - FRAME + 1) :]
                heads = np.flatnonzero(tail == HEAD)
                keep_from = (len(arr) - len(tail) + int(heads[0])) if len(heads) else len(arr)
                stats.bytes_skipped += keep_from - pos
                skipped += keep_from - pos
                pos = keep_from
                break
            stats.bytes_skipped += nxt - pos
            skipped += nxt - pos
            pos = nxt
        self._skipped = skipped
        if not rows:
            return np.zeros((0, FRAME), dtype=np.uint8), np.zeros(0, dtype=np.int64), pos
        return np.concatenate(rows), np.concatenate(skips), pos

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

    def _learn_kinds(self, kinds: np.ndarray, skips: np.ndarray) -> None:
        """Add the kinds of frames that directly follow another valid frame to the cycle.

        A frame found by resynchronising inside garbage may be a chance match; one
        right after a valid frame is not, so only those teach the cycle.
        """
        clean = kinds[skips == 0]
        if len(self._kinds) == 0 and len(kinds):
            clean = np.append(clean, kinds[0])  # the very first frame starts the stream
        new = set(np.unique(clean).tolist()) - set(self._kinds)
        if new:
            self._kinds = sorted(set(self._kinds) | new)

    def _feed(self, data: bytes) -> Samples:
        stats = DecodeStats()
        buf = self._buf + data
        frames, skips, used = self._frames(buf, stats)
        self._buf = buf[used:]
        stats.packets_ok += len(frames)
        if self._early is not None:
            self._early.append((frames, skips))
            frames = np.concatenate([f for f, _ in self._early])
            skips = np.concatenate([k for _, k in self._early])
            # Known once the first kind comes round again (or after plenty of frames).
            if not len(frames) or (
                len(frames) < _CYCLE_MAX and np.count_nonzero(frames[:, 1] == frames[0, 1]) < 2
            ):
                return Samples.empty(self.has_gyro, stats)
            self._early = None
        if not len(frames):
            return self._emit(np.zeros((0, FRAME), np.uint8), np.zeros(0, np.int64), 0, stats)
        kinds = frames[:, 1].astype(np.int64)
        self._learn_kinds(kinds, skips)
        # Frames of a kind outside the cycle (chance matches in garbage) are skipped bytes.
        in_cycle = np.isin(kinds, self._kinds)
        if not in_cycle.all():
            extra = np.where(in_cycle, 0, skips + FRAME)
            kept = np.flatnonzero(in_cycle)
            # Bytes of dropped frames go to the next kept frame (or carry to the next call).
            target = np.searchsorted(kept, np.flatnonzero(~in_cycle))
            add = np.zeros(len(kept) + 1, dtype=np.int64)
            np.add.at(add, target, extra[~in_cycle])
            frames, kinds, skips = frames[kept], kinds[kept], skips[kept] + add[:-1]
            self._skipped += int(add[-1])
            if not len(frames):
                return self._emit(
                    np.zeros((0, FRAME), np.uint8), np.zeros(0, np.int64), 0, stats
                )
        cycle = len(self._kinds)
        position = np.zeros(256, dtype=np.int64)
        position[self._kinds] = np.arange(cycle)
        pos = position[kinds]
        # Frame slots from the previous frame: 1 + whole frames skipped, then on to the
        # next slot holding this frame's kind (bytes that vanished break the 11-byte grid).
        if self._last is None:
            prev_slot, prev_pos = 0, int(pos[0]) - 1  # anchor: the first frame is in slot 0
            skips = skips.copy()
            skips[0] = 0
        else:
            prev_slot, prev_pos = self._last[0], int(position[self._last[1]])
        prev_positions = np.concatenate([[prev_pos], pos[:-1]])
        step = 1 + skips // FRAME
        step += (pos - prev_positions - step) % cycle
        # A skip that is not whole frames means bytes vanished (or came from nowhere):
        # the grid is broken there, so never pair frames across it.
        broken = (skips % FRAME != 0) & (prev_positions + step < cycle)
        step[broken] += cycle
        frame_slot = (prev_slot * cycle + prev_pos) + np.cumsum(step)
        sample_slot = frame_slot // cycle
        self._last = (int(sample_slot[-1]), int(kinds[-1]))
        # The last sample slot is closed once the frame that completes a sample has come.
        last_needed = position[GYRO] if self.has_gyro and GYRO in self._kinds else position[ACC]
        closed_until = int(sample_slot[-1]) - (0 if pos[-1] >= last_needed else 1)
        frames = np.concatenate([self._open, frames])
        slots = np.concatenate([self._open_slots(), sample_slot])
        done = slots <= closed_until
        self._open = frames[~done]
        self._open_slot = int(slots[~done][0]) if (~done).any() else None
        return self._emit(frames[done], slots[done], closed_until + 1, stats)

    def _open_slots(self) -> np.ndarray:
        if not len(self._open):
            return np.zeros(0, dtype=np.int64)
        return np.full(len(self._open), self._open_slot, dtype=np.int64)

    def _emit(
        self, frames: np.ndarray, slots: np.ndarray, end_slot: int, stats: DecodeStats
    ) -> Samples:
        """Samples of the slots before ``end_slot``; slots without acc and gyro are lost."""
        start = self._next_slot
        end_slot = max(end_slot, start)
        kinds = frames[:, 1]
        acc_slots = slots[kinds == ACC]
        if self.has_gyro:
            gyr_slots = slots[kinds == GYRO]
            index = np.intersect1d(acc_slots, gyr_slots, assume_unique=True)
            gyr_raw = frames[kinds == GYRO][np.isin(gyr_slots, index), 2:8]
            gyr_raw = gyr_raw.copy().view("<i2").reshape(-1, 3)
        else:
            index, gyr_raw = acc_slots, None
        acc_raw = frames[kinds == ACC][np.isin(acc_slots, index), 2:8]
        acc_raw = acc_raw.copy().view("<i2").reshape(-1, 3)
        # Lost: every slot in [start, end_slot) that did not become a sample, as runs.
        bounds = np.concatenate([[start - 1], index, [end_slot]])
        missing = np.diff(bounds) - 1
        runs = np.flatnonzero(missing > 0)
        stats.lost_samples += int(missing.sum())
        stats.gaps.extend((int(bounds[r] + 1), int(missing[r])) for r in runs)
        self._next_slot = end_slot
        acc, gyr = _scale(acc_raw, gyr_raw, self.has_gyro)
        return Samples(
            sample_index=index.astype(np.int64), acc_mps2=acc, gyr_dps=gyr, stats=stats
        )


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
