"""Play a canonical recording as a device, in real time, over a virtual serial port.

The emulator owns the leader side of a pty (``os.openpty``, follower in raw mode);
any serial program, pyserial included, opens the follower path as it would a
USB device. :meth:`DeviceEmulator.unplug` closes the leader (readers then get
the same error as a USB unplug) and :meth:`DeviceEmulator.replug` makes a new pty;
give ``link_path`` to get a stable path (a symlink, like ``/dev/serial/by-id``)
that survives re-plugging.

A device that waits for START begins sampling at the first START; from then on its
clock keeps running while unplugged or stopped (the samples of that time are never
sent), as on a battery-powered device.
"""

from __future__ import annotations

import contextlib
import errno
import os
import select
import threading
import time
import tty
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gaitback.acquisition import protocol, witmotion_frames
from gaitback.acquisition.profiles import DeviceProfile
from gaitback.columns import STANDARD_GRAVITY_MPS2
from gaitback.errors import GaitbackError
from gaitback.recording import Recording

SERIAL_PROTOCOLS = ("gaitback-binary", "gaitback-text", "witmotion-serial")
#: Longest wait for the reader to drain the pty before a packet is dropped as overflow.
_WRITE_WAIT_S = 0.5


@dataclass
class _Packet:
    due_s: float  # device time at which the packet's last sample exists
    data: bytes
    first_index: int
    n: int


def build_packets(profile: DeviceProfile, recording: Recording) -> tuple[list[_Packet], float]:
    """Encode a recording as the device would send it; also return the sample rate used.

    Sample indices come from the recording's time stamps, so a gap in the recording
    is a gap in the device's counter.
    """
    if profile.transport != "serial" or profile.protocol not in SERIAL_PROTOCOLS:
        raise GaitbackError(
            f"profile {profile.name} is not a serial device; emulate a serial profile "
            f"(protocols {', '.join(SERIAL_PROTOCOLS)})"
        )
    if profile.has_gyro and not recording.has_gyro:
        raise GaitbackError(
            f"{recording.source} has no gyro columns but profile {profile.name} sends gyro"
        )
    rate = float(recording.sample_rate_hz)
    if profile.protocol != "gaitback-binary" and abs(rate - profile.sample_rate_hz) > 1e-6 * rate:
        # Only the binary packets announce their rate; for the others the reader
        # trusts the profile, so playing another rate would mislabel time.
        raise GaitbackError(
            f"{recording.source} is sampled at {rate:g} Hz but {profile.name} streams at "
            f"{profile.sample_rate_hz:g} Hz; use a recording at that rate or a profile "
            "with that sample_rate_hz"
        )
    t = recording.time_s
    index = np.rint((t - t[0]) * rate).astype(np.int64)
    acc_g = recording.acc_mps2 / STANDARD_GRAVITY_MPS2
    gyr = recording.gyr_dps if profile.has_gyro else None
    packets: list[_Packet] = []
    if profile.protocol == "gaitback-binary":
        per = max(1, min(protocol.MAX_SAMPLES, profile.samples_per_packet))
        # Packets hold consecutive samples: cut at every gap, then every `per` samples.
        breaks = np.flatnonzero(np.diff(index) != 1) + 1
        starts: list[int] = []
        for run_start, run_end in zip(np.r_[0, breaks], np.r_[breaks, len(index)], strict=True):
            starts.extend(range(int(run_start), int(run_end), per))
        ends = [*starts[1:], len(index)]
        for seq, (a, b) in enumerate(zip(starts, ends, strict=True)):
            b = min(b, a + per)
            data = protocol.encode_packet(
                seq,
                int(index[a]),
                int(round(index[a] / rate * 1e6)),
                acc_g[a:b],
                None if gyr is None else gyr[a:b],
                sample_rate_hz=int(round(rate)),
                acc_range_g=int(profile.acc_range_g),
                gyro_range_dps=int(profile.gyro_range_dps),
            )
            packets.append(_Packet(index[b - 1] / rate, data, int(index[a]), b - a))
    elif profile.protocol == "gaitback-text":
        for k in range(len(index)):
            data = protocol.encode_text_line(
                int(index[k]),
                int(round(index[k] / rate * 1e6)),
                acc_g[k],
                None if gyr is None else gyr[k],
            )
            packets.append(_Packet(index[k] / rate, data, int(index[k]), 1))
    else:
        g = gyr if gyr is not None else np.zeros_like(acc_g)
        frames = witmotion_frames.encode_serial(acc_g, g, with_angles=True)
        size = len(frames) // len(index)
        for k in range(len(index)):
            packets.append(
                _Packet(index[k] / rate, frames[k * size : (k + 1) * size], int(index[k]), 1)
            )
    return packets, rate


class DeviceEmulator:
    """A recording played as ``profile``'s device on a pty.

    Parameters
    ----------
    profile
        A serial profile (gaitback binary / text, WitMotion serial).
    recording
        What the device "measures".
    speed
        Playback speed factor (1.0 = real time).
    loss_pct
        Percentage of packets dropped on purpose (seeded), for loss tests.
    seed
        Seed of the loss, duplication and corruption patterns.
    duplicate_pct
        Percentage of packets (lines) sent twice in a row, as a flaky link or
        firmware retry does (numbered protocols only: WitMotion numbers nothing, so a
        repeat there would be a new sample).
    corrupt_pct
        Percentage of packets sent with a byte flipped in each frame, so that every
        frame fails its checksum (for WitMotion both the acc and the gyro frame).
    link_path
        If given, a symlink to the current pty follower (stable across replugs).
    require_start
        Stream only after the host sends ``START\\n`` (default: for gaitback protocols
        whose profile has connect commands).

    Attributes
    ----------
    sent_indices, dropped_indices, unsent_indices
        Sample indices written to the port, dropped by ``loss_pct``, and never sent
        (unplugged, not started, or the reader did not drain the port).
    duplicated_indices, corrupted_indices
        Sample indices written twice (also in ``sent_indices``, once), and written
        corrupted (not in ``sent_indices``).
    """

    def __init__(
        self,
        profile: DeviceProfile,
        recording: Recording,
        speed: float = 1.0,
        loss_pct: float = 0.0,
        seed: int = 0,
        link_path: str | os.PathLike[str] | None = None,
        require_start: bool | None = None,
        duplicate_pct: float = 0.0,
        corrupt_pct: float = 0.0,
    ) -> None:
        if speed <= 0:
            raise GaitbackError(f"--speed must be positive, got {speed}")
        for value, flag in (
            (loss_pct, "--loss-pct"),
            (duplicate_pct, "--duplicate-pct"),
            (corrupt_pct, "--corrupt-pct"),
        ):
            if not 0 <= value < 100:
                raise GaitbackError(f"{flag} must be in [0, 100), got {value}")
        if duplicate_pct and profile.protocol == "witmotion-serial":
            raise GaitbackError(
                "WitMotion frames carry no sample number: a repeated one is a new sample, "
                "so --duplicate-pct needs a gaitback profile"
            )
        self.duplicate_pct = duplicate_pct
        self.corrupt_pct = corrupt_pct
        self.profile = profile
        self.packets, self.sample_rate_hz = build_packets(profile, recording)
        self.speed = speed
        self.loss_pct = loss_pct
        self._rng = np.random.default_rng(seed)
        self.link_path = Path(link_path) if link_path else None
        if require_start is None:
            require_start = profile.protocol.startswith("gaitback") and bool(
                profile.connect_commands
            )
        self.require_start = require_start
        self.streaming = not require_start
        self.sent_indices: list[int] = []
        self.dropped_indices: list[int] = []
        self.unsent_indices: list[int] = []
        self.duplicated_indices: list[int] = []
        self.corrupted_indices: list[int] = []
        self.finished = threading.Event()
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._leader: int | None = None
        self._follower: int | None = None
        self.follower_path = ""
        self._thread: threading.Thread | None = None
        self._cmd_buf = b""
        self._overflowing = False
        self._next = 0
        self._t0: float | None = None

    # -- the port ---------------------------------------------------------------------

    @property
    def port(self) -> str:
        """The path a serial reader should open."""
        return str(self.link_path) if self.link_path else self.follower_path

    def _plug(self) -> None:
        leader, follower = os.openpty()
        tty.setraw(follower)
        os.set_blocking(leader, False)
        self._leader, self._follower = leader, follower
        self.follower_path = os.ttyname(follower)
        if self.link_path:
            tmp = self.link_path.with_name(self.link_path.name + ".tmp")
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            tmp.symlink_to(self.follower_path)
            os.replace(tmp, self.link_path)

    def unplug(self) -> None:
        """Close the leader end: the reader sees the device vanish."""
        with self._lock:
            if self.link_path:
                with contextlib.suppress(FileNotFoundError):
                    self.link_path.unlink()
            for fd in (self._leader, self._follower):
                if fd is not None:
                    with contextlib.suppress(OSError):
                        os.close(fd)
            self._leader = self._follower = None
            self.streaming = not self.require_start
            self._cmd_buf = b""

    def replug(self) -> None:
        """A new pty (a new device node; the link, if any, follows it)."""
        with self._lock:
            if self._leader is None:
                self._plug()

    @property
    def plugged(self) -> bool:
        return self._leader is not None

    # -- running ----------------------------------------------------------------------

    def start(self) -> DeviceEmulator:
        """Create the port and start playing in a background thread."""
        with self._lock:
            if self._leader is None:
                self._plug()
        self._t0 = None if self.require_start else time.monotonic()
        self._thread = threading.Thread(target=self._run, name="gaitback-emulator", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop playing and remove the port."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.unplug()

    def __enter__(self) -> DeviceEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def device_time_s(self) -> float:
        """Playback time; it starts at :meth:`start`, or at the first START command when
        the device waits for one (firmware that begins sampling when told to)."""
        if self._t0 is None:
            return -1.0
        return (time.monotonic() - self._t0) * self.speed

    def _run(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                self._read_commands()
                now = self.device_time_s()
                while self._next < len(self.packets) and self.packets[self._next].due_s <= now:
                    self._emit(self.packets[self._next])
                    self._next += 1
                done = self._next >= len(self.packets)
                leader = self._leader
            if done:
                self.finished.set()
            if done and self._stop.wait(0.02):
                break
            wait = 0.02
            if not done and now >= 0:
                wait = min(wait, max(0.0, (self.packets[self._next].due_s - now) / self.speed))
            if leader is not None and wait > 0:
                with contextlib.suppress(OSError, ValueError):
                    select.select([leader], [], [], wait)
            elif wait > 0:
                time.sleep(wait)

    def _indices(self, packet: _Packet) -> range:
        return range(packet.first_index, packet.first_index + packet.n)

    def _emit(self, packet: _Packet) -> None:
        if self._leader is None or not self.streaming:
            self.unsent_indices.extend(self._indices(packet))
            return
        if self.loss_pct and self._rng.random() * 100 < self.loss_pct:
            self.dropped_indices.extend(self._indices(packet))
            return
        corrupt = bool(self.corrupt_pct) and self._rng.random() * 100 < self.corrupt_pct
        twice = bool(self.duplicate_pct) and self._rng.random() * 100 < self.duplicate_pct
        data = self._corrupted(packet.data) if corrupt else packet.data
        if not self._write_all(data):
            self.unsent_indices.extend(self._indices(packet))
            return
        if corrupt:
            self.corrupted_indices.extend(self._indices(packet))
            return
        self.sent_indices.extend(self._indices(packet))
        if twice and self._write_all(data):
            self.duplicated_indices.extend(self._indices(packet))

    def _corrupted(self, data: bytes) -> bytes:
        """``data`` with one bit flipped in the payload of every frame it holds."""
        out = bytearray(data)
        if self.profile.protocol == "witmotion-serial":
            for start in range(0, len(out), witmotion_frames.FRAME):
                out[start + 4] ^= 0x01  # a data byte: the checksum no longer matches
        else:
            out[len(out) // 2] ^= 0x01  # inside the samples (binary) or a number (text)
        return bytes(out)

    def _write_all(self, data: bytes) -> bool:
        view = memoryview(data)
        # Nobody reading (port closed): fail fast instead of stalling playback each time.
        deadline = time.monotonic() + (0.0 if self._overflowing else _WRITE_WAIT_S)
        while view:
            try:
                n = os.write(self._leader, view)  # type: ignore[arg-type]
                view = view[n:]
            except BlockingIOError:
                if time.monotonic() > deadline:
                    self._overflowing = True
                    return False
                select.select([], [self._leader], [], 0.01)
            except OSError as exc:
                if exc.errno in (errno.EIO, errno.EBADF):
                    return False
                raise
        self._overflowing = False
        return True

    def _read_commands(self) -> None:
        if self._leader is None:
            return
        try:
            data = os.read(self._leader, 4096)
        except (BlockingIOError, OSError):
            return
        self._cmd_buf = (self._cmd_buf + data)[-256:]
        while b"\n" in self._cmd_buf:
            line, self._cmd_buf = self._cmd_buf.split(b"\n", 1)
            command = line.strip().upper()
            if command == b"START":
                self.streaming = True
                if self._t0 is None:
                    self._t0 = time.monotonic()
            elif command == b"STOP" and self.require_start:
                self.streaming = False
