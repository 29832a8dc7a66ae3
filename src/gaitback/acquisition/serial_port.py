"""Serial backend (pyserial): USB CDC, UART bridges, Bluetooth SPP, virtual ptys.

The port is read from the asyncio loop through ``loop.add_reader`` on its file
descriptor, so no thread is needed and each chunk is stamped with its arrival
time as soon as the loop sees it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from typing import Any

import serial

from gaitback.acquisition.profiles import DeviceProfile
from gaitback.acquisition.transport import Transport, TransportDisconnected, TransportError

_READ_MAX = 65536


class SerialTransport(Transport):
    """A serial port as a :class:`Transport` (a byte stream: ``packetized`` is False).

    Parameters
    ----------
    profile
        Gives the baud rate.
    port
        Device path, e.g. ``/dev/ttyUSB0`` or a pty follower path.
    baudrate
        Overrides the profile's.
    coalesce_s
        Chunks arriving within this time are handed out as one read (stamped with the
        last chunk's arrival): at 1 kHz a device may send a packet every few ms, and
        decoding a few together costs much less CPU; 0 hands out every chunk.
    """

    packetized = False

    def __init__(
        self,
        profile: DeviceProfile,
        port: str,
        baudrate: int | None = None,
        coalesce_s: float = 0.02,
        **_: Any,
    ) -> None:
        self.coalesce_s = coalesce_s
        self._pending = bytearray()
        self._pending_s = 0.0
        self._timer: asyncio.TimerHandle | None = None
        self.port = port
        self.baudrate = baudrate or profile.baudrate
        self.description = f"serial {port} @ {self.baudrate}"
        self.profile = profile
        self._serial: serial.Serial | None = None
        self._queue: asyncio.Queue[tuple[bytes, float] | BaseException] = asyncio.Queue()
        self._loop: asyncio.AbstractEventLoop | None = None

    async def open(self) -> None:
        try:
            ser = serial.Serial(self.port, self.baudrate, timeout=0, write_timeout=1.0)
        except (serial.SerialException, OSError, ValueError) as exc:
            code = getattr(exc, "errno", None)
            reason = os.strerror(code) if isinstance(code, int) else str(exc)
            raise TransportError(f"cannot open serial port {self.port}: {reason}") from None
        with contextlib.suppress(serial.SerialException, OSError):
            ser.reset_input_buffer()
        self._serial = ser
        self._queue = asyncio.Queue()
        self._loop = asyncio.get_running_loop()
        self._loop.add_reader(ser.fileno(), self._on_readable)
        for command in self.profile.connect_commands:
            try:
                await self.write(command)
            except TransportDisconnected:
                await self.close()
                raise TransportError(f"{self.port}: device went away while configuring") from None
            await asyncio.sleep(self.profile.command_delay_s)

    def _on_readable(self) -> None:
        ser = self._serial
        if ser is None:
            return
        try:
            data = ser.read(min(max(ser.in_waiting, 1), _READ_MAX))
        except (serial.SerialException, OSError) as exc:
            self._detach()
            self._deliver()  # what arrived before the unplug still counts
            self._queue.put_nowait(TransportDisconnected(f"{self.port} disconnected ({exc})"))
            return
        if not data:
            return
        self._pending += data
        self._pending_s = time.monotonic()
        if self.coalesce_s <= 0:
            self._deliver()
        elif self._timer is None and self._loop is not None:
            self._timer = self._loop.call_later(self.coalesce_s, self._deliver)

    def _deliver(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._pending:
            self._queue.put_nowait((bytes(self._pending), self._pending_s))
            self._pending.clear()

    def _detach(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._serial is not None and self._loop is not None:
            with contextlib.suppress(Exception):
                self._loop.remove_reader(self._serial.fileno())

    async def read(self) -> tuple[bytes, float]:
        if self._serial is None:
            raise TransportDisconnected(f"{self.port} is not open")
        item = await self._queue.get()
        if isinstance(item, BaseException):
            raise item
        return item

    async def write(self, data: bytes) -> None:
        if self._serial is None:
            raise TransportDisconnected(f"{self.port} is not open")
        try:
            self._serial.write(data)
        except (serial.SerialException, OSError) as exc:
            raise TransportDisconnected(f"{self.port}: write failed ({exc})") from None

    async def close(self) -> None:
        if self._serial is not None:
            for command in self.profile.disconnect_commands:
                with contextlib.suppress(Exception):
                    self._serial.write(command)
                    self._serial.flush()
        self._detach()
        ser, self._serial = self._serial, None
        if ser is not None:
            with contextlib.suppress(Exception):
                ser.close()


def list_ports() -> list[tuple[str, str]]:
    """Serial ports present: ``(device, description)``."""
    from serial.tools import list_ports as lp

    return [
        (p.device, "" if p.description in (None, "n/a") else p.description) for p in lp.comports()
    ]
