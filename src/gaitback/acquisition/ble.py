"""BLE transport (bleak): one GATT notification in, one device packet out.

The only module of gaitback that imports bleak. :class:`BleTransport` finds the
device by a fresh scan on every :meth:`~BleTransport.open` (BlueZ object paths go
stale across disconnects), connects, arms notifications on the profile's notify
characteristic, then writes the profile's connect commands (a device such as
Movesense starts streaming on a command, so notifications must be armed first).

Notifications are taken by a plain callback that only enqueues ``(bytes,
time.monotonic())``: in bleak 3 a coroutine callback would spawn one asyncio
task per packet, and the arrival stamp would be taken when that task runs, not
when the notification came in.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bleak import BleakClient, BleakScanner
from bleak.backends.client import BaseBleakClient
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData
from bleak.exc import BleakBluetoothNotAvailableError, BleakError

from gaitback.acquisition.transport import Transport, TransportDisconnected, TransportError

if TYPE_CHECKING:
    from bleak.backends.characteristic import BleakGATTCharacteristic

    from gaitback.acquisition.profiles import DeviceProfile

#: Default time allowed for scanning (per attempt) and for connecting, seconds.
DEFAULT_TIMEOUT_S = 10.0
#: Time allowed for each best-effort step of a close (commands, stop notify, disconnect).
CLOSE_STEP_TIMEOUT_S = 2.0

#: ``finder(address, name, profile, timeout_s, adapter) -> device or None``.
DeviceFinder = Callable[
    [str | None, str | None, "DeviceProfile", float, str | None],
    Awaitable[BLEDevice | None],
]

# Marks a disconnect in the notification queue, behind every packet that arrived first.
_DISCONNECTED = object()


@dataclass(frozen=True)
class ScanResult:
    """One advertiser seen by :func:`scan`."""

    address: str
    name: str
    rssi_dbm: int | None
    service_uuids: tuple[str, ...]


#: Environment variable naming the BlueZ adapter to use (``hci1``) when none is given.
ADAPTER_ENV = "GAITBACK_BLE_ADAPTER"


def _bluez_args(adapter: str | None) -> dict[str, Any]:
    # With several adapters BlueZ has no fixed default (bleak picks any powered one).
    adapter = adapter or os.environ.get(ADAPTER_ENV) or None
    return {"bluez": {"adapter": adapter}} if adapter else {}


def bluetooth_unavailable_message(exc: BaseException) -> str | None:
    """One line saying why Bluetooth cannot be used, or None if ``exc`` is not about that.

    Parameters
    ----------
    exc
        An exception raised by bleak (or by the D-Bus connection under it).
    """
    if isinstance(exc, BleakBluetoothNotAvailableError):
        return f"Bluetooth is not available: {exc.args[0] if exc.args else exc}"
    if isinstance(exc, FileNotFoundError | ConnectionRefusedError):
        # bleak could not reach the system D-Bus socket at all.
        return "Bluetooth is not available: no system D-Bus (is this Linux with BlueZ running?)"
    text = str(exc)
    if "org.bluez" in text and ("ServiceUnknown" in text or "not provided" in text):
        return "Bluetooth is not available: BlueZ is not running (start bluetoothd)"
    if isinstance(exc, BleakError) and "adapter" in text and "not found" in text:
        return f"Bluetooth is not available: {text}"
    return None


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


def _matches(
    device: BLEDevice,
    adv: AdvertisementData,
    address: str | None,
    name: str | None,
    profile: DeviceProfile,
) -> bool:
    advertised_name = adv.local_name or device.name or ""
    if address:
        return device.address.upper() == address.upper()
    if name:
        return advertised_name == name
    # Neither given: the first device that advertises the profile's service or name prefix.
    service = (profile.ble_service_uuid or "").lower()
    if service and service in (u.lower() for u in adv.service_uuids):
        return True
    prefix = profile.ble_name_prefix
    return bool(prefix) and advertised_name.startswith(prefix)


async def find_device(
    address: str | None,
    name: str | None,
    profile: DeviceProfile,
    timeout_s: float,
    adapter: str | None = None,
) -> BLEDevice | None:
    """Scan until the wanted device advertises, or ``timeout_s`` passes.

    Parameters
    ----------
    address, name
        Bluetooth address, or exact advertised name; with neither, the first device
        advertising the profile's service UUID or name prefix.
    profile
        The device profile.
    timeout_s
        Longest scan.
    adapter
        BlueZ adapter name (``"hci0"``); None for ``$GAITBACK_BLE_ADAPTER`` or else
        the default adapter.

    Returns
    -------
    BLEDevice or None
        None when nothing matching was seen.
    """
    loop = asyncio.get_running_loop()
    found: asyncio.Future[BLEDevice] = loop.create_future()

    def on_advertisement(device: BLEDevice, adv: AdvertisementData) -> None:
        if not found.done() and _matches(device, adv, address, name, profile):
            found.set_result(device)

    # A callback registered before the scan starts, rather than bleak's
    # find_device_by_filter: that one only sees advertisements arriving after
    # the scan has started, and a device that advertises once (slow advertisers,
    # or BlueZ reporting a device as the scan starts) would be missed.
    async with BleakScanner(detection_callback=on_advertisement, **_bluez_args(adapter)):
        try:
            return await asyncio.wait_for(found, timeout_s)
        except TimeoutError:
            return None


async def scan(timeout_s: float = 5.0, adapter: str | None = None) -> list[ScanResult]:
    """List the BLE advertisers seen during ``timeout_s`` (for ``gaitback devices --scan``).

    Parameters
    ----------
    timeout_s
        How long to scan.
    adapter
        BlueZ adapter name; None for ``$GAITBACK_BLE_ADAPTER`` or else the default.

    Returns
    -------
    list of ScanResult
        Sorted by signal strength, strongest first.

    Raises
    ------
    TransportError
        One line when there is no Bluetooth adapter, no BlueZ or no D-Bus.
    """
    try:
        found = await BleakScanner.discover(
            timeout=timeout_s, return_adv=True, **_bluez_args(adapter)
        )
    except Exception as exc:
        message = bluetooth_unavailable_message(exc)
        raise TransportError(message or f"BLE scan failed: {_one_line(exc)}") from None
    results = [
        ScanResult(
            address=device.address,
            name=adv.local_name or device.name or "",
            rssi_dbm=adv.rssi,
            service_uuids=tuple(adv.service_uuids),
        )
        for device, adv in found.values()
    ]
    return sorted(results, key=lambda r: -(r.rssi_dbm if r.rssi_dbm is not None else -999))


def scan_sync(timeout_s: float = 5.0, adapter: str | None = None) -> list[ScanResult]:
    """:func:`scan` for synchronous callers (the CLI)."""
    return asyncio.run(scan(timeout_s, adapter))


class BleTransport(Transport):
    """A BLE GATT device whose notifications carry the data.

    Parameters
    ----------
    profile
        Device profile with ``ble_service_uuid``, ``ble_notify_uuid`` and optionally
        ``ble_write_uuid`` and connect / disconnect commands.
    address, name
        Bluetooth address or exact advertised name; with neither, the first device
        advertising the profile's service UUID or name prefix is used.
    adapter
        BlueZ adapter (``"hci0"``); None for ``$GAITBACK_BLE_ADAPTER`` or else
        the first powered adapter.
    timeout_s
        Longest scan and longest connect, each.
    backend
        A :class:`bleak.backends.client.BaseBleakClient` subclass given to
        :class:`bleak.BleakClient` (tests inject a fake client here). With a
        backend, an address and no ``finder``, the address is used without a scan.
    finder
        Replaces the scan that locates the device (see :data:`DeviceFinder`); used
        together with ``backend`` where there is no BlueZ.
    """

    packetized = True

    def __init__(
        self,
        profile: DeviceProfile,
        address: str | None = None,
        name: str | None = None,
        *,
        adapter: str | None = None,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        backend: type[BaseBleakClient] | None = None,
        finder: DeviceFinder | None = None,
    ) -> None:
        if not profile.ble_notify_uuid:
            raise TransportError(f"profile {profile.name} has no BLE notify characteristic")
        self.profile = profile
        self.address = address
        self.name = name
        self.adapter = adapter
        self.timeout_s = float(timeout_s)
        self.backend = backend
        self._finder: DeviceFinder = finder or find_device
        self._client: BleakClient | None = None
        self._queue: asyncio.Queue[Any] = asyncio.Queue()
        self._connected = False
        target = address or (f"name {name!r}" if name else f"any {profile.name} device")
        self.description = f"BLE {target}"
        #: Number of successful opens (a reconnect is a second open).
        self.open_count = 0

    @property
    def is_connected(self) -> bool:
        """True between a successful :meth:`open` and a disconnect or :meth:`close`."""
        return self._connected

    async def open(self) -> None:
        """Scan, connect, arm notifications, send the connect commands.

        Raises
        ------
        TransportError
            One line: Bluetooth unavailable, device not found, connect failed.
        """
        if self._connected:
            return
        # A fresh queue: whatever the last connection left has been read or is stale.
        self._queue = asyncio.Queue()
        device = await self._find()
        client = BleakClient(
            device,
            disconnected_callback=self._on_disconnect,
            timeout=self.timeout_s,
            backend=self.backend,
            **_bluez_args(self.adapter),
        )
        try:
            await client.connect()
        except asyncio.CancelledError:
            # Cancelled mid-connect (the session is stopping): leave no link behind.
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.disconnect(), CLOSE_STEP_TIMEOUT_S)
            raise
        except Exception as exc:
            raise self._error("cannot connect to", exc) from None
        if not client.is_connected:
            # The link dropped while connecting; the disconnect callback saw nothing to end.
            raise TransportError(
                f"cannot connect to {self.description}: link lost while connecting"
            )
        self._client = client
        self._connected = True
        try:
            await client.start_notify(self.profile.ble_notify_uuid, self._on_notify)
            for command in self.profile.connect_commands:
                await self.write(command)
                if self.profile.command_delay_s > 0:
                    await asyncio.sleep(self.profile.command_delay_s)
        except (TransportError, asyncio.CancelledError):
            await self._drop_client()
            raise
        except Exception as exc:
            await self._drop_client()
            raise self._error("cannot start notifications on", exc) from None
        self.description = f"BLE {client.address} ({self.profile.name})"
        self.open_count += 1

    async def close(self) -> None:
        """Stop the device (disconnect commands), stop notifications, disconnect.

        Every step is best effort with a bounded wait: closing a device that is
        already gone must not hang nor raise. Safe to call twice.
        """
        client = self._client
        if client is None:
            return
        if self._connected:
            for command in self.profile.disconnect_commands:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(self._write_raw(client, command), CLOSE_STEP_TIMEOUT_S)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(
                    client.stop_notify(self.profile.ble_notify_uuid), CLOSE_STEP_TIMEOUT_S
                )
        await self._drop_client()

    async def write(self, data: bytes) -> None:
        """Write ``data`` to the profile's write characteristic.

        Raises
        ------
        TransportError
            The profile has no write characteristic, or the write failed.
        TransportDisconnected
            Not connected.
        """
        if self._client is None or not self._connected:
            raise TransportDisconnected(f"{self.description}: not connected")
        if not self.profile.ble_write_uuid:
            raise TransportError(
                f"profile {self.profile.name} has no BLE write characteristic for commands"
            )
        try:
            await self._write_raw(self._client, data)
        except Exception as exc:
            raise self._error("cannot write to", exc) from None

    async def read(self) -> tuple[bytes, float]:
        """Next notification and its host arrival time (``time.monotonic()``).

        Packets that arrived before a disconnect are all returned first.

        Raises
        ------
        TransportDisconnected
            The device disconnected (or the transport was closed) and every
            packet received before that has been read.
        """
        if self._queue.empty() and not self._connected:
            raise TransportDisconnected(f"{self.description}: disconnected")
        item = await self._queue.get()
        if item is _DISCONNECTED:
            raise TransportDisconnected(f"{self.description}: disconnected")
        return item

    # -- internals -------------------------------------------------------------

    async def _find(self) -> BLEDevice | str:
        if self.backend is not None and self._finder is find_device and self.address:
            # An injected client backend does not go through BlueZ; an address is enough.
            return self.address
        try:
            device = await self._finder(
                self.address, self.name, self.profile, self.timeout_s, self.adapter
            )
        except Exception as exc:
            message = bluetooth_unavailable_message(exc)
            raise TransportError(message or f"BLE scan failed: {_one_line(exc)}") from None
        if device is None:
            raise TransportError(
                f"{self.description} not found after scanning {self.timeout_s:g} s "
                "(is it on, in range and not connected to another app?)"
            )
        return device

    async def _write_raw(self, client: BleakClient, data: bytes) -> None:
        await client.write_gatt_char(self.profile.ble_write_uuid, data)

    def _on_notify(self, _characteristic: BleakGATTCharacteristic, data: bytearray) -> None:
        # Called on the event loop for every notification: stamp and enqueue, nothing more.
        self._queue.put_nowait((bytes(data), time.monotonic()))

    def _on_disconnect(self, _client: BleakClient) -> None:
        was_connected = self._connected
        self._connected = False
        if was_connected:
            self._queue.put_nowait(_DISCONNECTED)

    async def _drop_client(self) -> None:
        client, self._client = self._client, None
        was_connected = self._connected
        self._connected = False
        if was_connected:
            # Wake a reader blocked in read(): the transport is gone.
            self._queue.put_nowait(_DISCONNECTED)
        if client is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.disconnect(), CLOSE_STEP_TIMEOUT_S)

    def _error(self, what: str, exc: BaseException) -> TransportError:
        message = bluetooth_unavailable_message(exc)
        if message:
            return TransportError(message)
        if isinstance(exc, TimeoutError):
            return TransportError(
                f"{what} {self.description}: timed out after {self.timeout_s:g} s"
            )
        return TransportError(f"{what} {self.description}: {_one_line(exc)}")
