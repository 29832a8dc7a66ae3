"""A fake bleak client backend for disconnect / reconnect tests.

BlueZoo 1.0.2 cannot reconnect to the same emulated device, so link loss is
tested here: :func:`fake_backend` returns a :class:`bleak.backends.client.BaseBleakClient`
subclass that :class:`bleak.BleakClient` drives exactly like a platform backend
(``BleakClient(..., backend=...)``), talking to a :class:`FakeSensor`.

The sensor keeps producing packets on its own clock whether or not a central
listens, like a real device: packets due while the link is down are lost, and
the sensor records which, so tests know the exact truth.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from typing import Any

from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.client import BaseBleakClient, NotifyCallback
from bleak.backends.descriptor import BleakGATTDescriptor
from bleak.backends.device import BLEDevice
from bleak.backends.service import BleakGATTService, BleakGATTServiceCollection
from bleak.exc import BleakError


class FakeSensor:
    """The peripheral behind the fake backend.

    Parameters
    ----------
    address
        Its Bluetooth address.
    service_uuid, notify_uuid, write_uuid
        Its GATT layout (one service, one notify and one write characteristic).
    packets
        Notifications it sends, in order, one every ``1 / rate_hz`` seconds from
        its first connection on.
    rate_hz
        Packet rate.
    """

    def __init__(
        self,
        address: str,
        service_uuid: str,
        notify_uuid: str,
        write_uuid: str | None,
        packets: list[bytes],
        rate_hz: float,
    ) -> None:
        self.address = address
        self.service_uuid = service_uuid
        self.notify_uuid = notify_uuid
        self.write_uuid = write_uuid
        self.packets = packets
        self.rate_hz = rate_hz
        #: Packet indices delivered to a listening central, and those sent into the void.
        self.delivered: list[int] = []
        self.lost: list[int] = []
        #: Bytes written by the central, per connection (list per connect).
        self.writes: list[list[bytes]] = []
        self.connect_attempts = 0
        #: Fail this many connection attempts after a link loss (radio still out of range).
        self.refuse_next_connects = 0
        self.drop_after_packets: set[int] = set()
        self._client: FakeClient | None = None
        self._callback: NotifyCallback | None = None
        self._task: asyncio.Task[None] | None = None
        self.finished = asyncio.Event()

    def device(self) -> BLEDevice:
        """What a scan would report for this sensor."""
        return BLEDevice(self.address, "gaitback-fake", details=None)

    # -- called by the fake client --------------------------------------------------

    def attach(self, client: FakeClient) -> None:
        self.connect_attempts += 1
        if self.refuse_next_connects > 0:
            self.refuse_next_connects -= 1
            raise BleakError("fake: connection attempt failed (device out of range)")
        self._client = client
        self.writes.append([])
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    def detach(self, client: FakeClient) -> None:
        if self._client is client:
            self._client = None
            self._callback = None

    def listen(self, client: FakeClient, callback: NotifyCallback | None) -> None:
        if self._client is client:
            self._callback = callback

    def drop_link(self) -> None:
        """Lose the radio link now (unsolicited disconnect, as out of range)."""
        client, self._client, self._callback = self._client, None, None
        if client is not None:
            client.link_lost()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        start_s = loop.time()
        for index, packet in enumerate(self.packets):
            delay_s = start_s + index / self.rate_hz - loop.time()
            if delay_s > 0:
                await asyncio.sleep(delay_s)
            if self._callback is not None:
                self._callback(bytearray(packet))
                self.delivered.append(index)
            else:
                self.lost.append(index)
            if index in self.drop_after_packets:
                self.drop_link()
        self.finished.set()


class FakeClient(BaseBleakClient):
    """Bleak client backend bound (by :func:`fake_backend`) to one :class:`FakeSensor`."""

    sensor: FakeSensor
    _handles = itertools.count(1)

    def __init__(
        self,
        address_or_ble_device: BLEDevice | str,
        *,
        disconnected_callback: Callable[[], None] | None = None,
        timeout: float = 10.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            address_or_ble_device, disconnected_callback=disconnected_callback, timeout=timeout
        )
        self._connected = False

    @property
    def name(self) -> str:
        return "gaitback-fake"

    @property
    def mtu_size(self) -> int:
        return 247

    @property
    def is_connected(self) -> bool:
        return self._connected

    async def connect(self, pair: bool, **kwargs: Any) -> None:
        if self.address.upper() != self.sensor.address.upper():
            raise BleakError(f"fake: no device {self.address}")
        self.sensor.attach(self)
        self.services = self._services()
        self._connected = True

    async def disconnect(self) -> None:
        self.sensor.detach(self)
        self._connected = False
        self.services = None

    def link_lost(self) -> None:
        self._connected = False
        self.services = None
        if self._disconnected_callback is not None:
            self._disconnected_callback()

    async def pair(self, *args: Any, **kwargs: Any) -> None:
        return None

    async def unpair(self) -> None:
        return None

    async def read_gatt_char(
        self, characteristic: BleakGATTCharacteristic, *, use_cached: bool = False, **kwargs: Any
    ) -> bytearray:
        raise BleakError("fake: reads not supported")

    async def read_gatt_descriptor(
        self, descriptor: BleakGATTDescriptor, *, use_cached: bool = False, **kwargs: Any
    ) -> bytearray:
        raise BleakError("fake: descriptors not supported")

    async def write_gatt_char(
        self, characteristic: BleakGATTCharacteristic, data: Any, response: bool
    ) -> None:
        self._require_connected()
        self.sensor.writes[-1].append(bytes(data))

    async def write_gatt_descriptor(self, descriptor: BleakGATTDescriptor, data: Any) -> None:
        raise BleakError("fake: descriptors not supported")

    async def start_notify(
        self, characteristic: BleakGATTCharacteristic, callback: NotifyCallback, **kwargs: Any
    ) -> None:
        self._require_connected()
        self.sensor.listen(self, callback)

    async def stop_notify(self, characteristic: BleakGATTCharacteristic) -> None:
        self.sensor.listen(self, None)

    def _require_connected(self) -> None:
        if not self._connected:
            raise BleakError("fake: not connected")

    def _services(self) -> BleakGATTServiceCollection:
        collection = BleakGATTServiceCollection()
        service = BleakGATTService(None, next(self._handles), self.sensor.service_uuid)
        collection.add_service(service)
        chars = [(self.sensor.notify_uuid, ["notify"])]
        if self.sensor.write_uuid:
            chars.append((self.sensor.write_uuid, ["write", "write-without-response"]))
        for uuid, properties in chars:
            characteristic = BleakGATTCharacteristic(
                None, next(self._handles), uuid, properties, lambda: 244, service
            )
            collection.add_characteristic(characteristic)
        return collection


def fake_backend(sensor: FakeSensor) -> type[BaseBleakClient]:
    """A :class:`FakeClient` subclass bound to ``sensor`` (give it as ``backend=``)."""
    return type("FakeBleakClient", (FakeClient,), {"sensor": sensor})


def fake_finder(sensor: FakeSensor) -> tuple[Callable[..., Any], list[int]]:
    """A device finder that 'scans' for ``sensor``, and the list counting its scans.

    The count lets a test check that every (re)connect rescans first.
    """
    scans: list[int] = []

    async def finder(address, name, profile, timeout_s, adapter):
        scans.append(1)
        return sensor.device()

    return finder, scans
