"""The one transport interface: bytes in and out of a device, whatever carries them.

Only backends import a device library: :mod:`gaitback.acquisition.serial_port`
(pyserial) and :mod:`gaitback.acquisition.ble` (bleak). Everything else talks to
a :class:`Transport` obtained from :func:`open_transport`, which imports the
backend lazily so that a missing library only matters to the user of that backend.
"""

from __future__ import annotations

import abc
import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from gaitback.errors import GaitbackError

if TYPE_CHECKING:
    from gaitback.acquisition.profiles import DeviceProfile


class TransportError(GaitbackError):
    """The device cannot be reached or talked to (one-line message for the user)."""


class TransportDisconnected(TransportError):
    """The device went away while open (USB unplug, BLE disconnect)."""


class Transport(abc.ABC):
    """A connection to one device.

    Attributes
    ----------
    description
        Human-readable name of the endpoint, e.g. ``"serial /dev/ttyUSB0 @ 115200"``.
    packetized
        True when every :meth:`read` returns exactly one device packet (a BLE
        notification); False for a byte stream (serial), where packets may be
        split or merged across reads.
    """

    description: str = "<transport>"
    packetized: bool = False

    @abc.abstractmethod
    async def open(self) -> None:
        """Connect, arm the data stream and send the profile's ``connect_commands``
        (pausing ``command_delay_s`` after each). Raise :class:`TransportError` with
        one clear line on failure."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Send the profile's ``disconnect_commands`` (best effort) and disconnect;
        never raises, safe to call twice and after a disconnect."""

    @abc.abstractmethod
    async def write(self, data: bytes) -> None:
        """Send bytes to the device (configuration commands)."""

    @abc.abstractmethod
    async def read(self) -> tuple[bytes, float]:
        """Wait for the next chunk of bytes.

        Returns
        -------
        data, arrival_s
            The bytes and the host's ``time.monotonic()`` when they arrived.

        Raises
        ------
        TransportDisconnected
            When the device is gone.
        """

    async def __aenter__(self) -> Transport:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


#: Backend module (under ``gaitback.acquisition``) and class per profile transport kind.
BACKENDS: dict[str, tuple[str, str]] = {
    "serial": ("serial_port", "SerialTransport"),
    "ble": ("ble", "BleTransport"),
}


def transport_class(kind: str) -> type[Transport]:
    """The backend class for ``kind`` (``"serial"`` or ``"ble"``), imported lazily."""
    try:
        module_name, class_name = BACKENDS[kind]
    except KeyError:
        raise TransportError(
            f"unknown transport {kind!r}; expected one of {sorted(BACKENDS)}"
        ) from None
    try:
        module = importlib.import_module(f"gaitback.acquisition.{module_name}")
    except ModuleNotFoundError as exc:
        raise TransportError(
            f"the {kind} transport is not available ({exc.name} is not installed)"
        ) from None
    return getattr(module, class_name)


def open_transport(
    profile: DeviceProfile,
    port: str | None = None,
    address: str | None = None,
    name: str | None = None,
    **kw: Any,
) -> Transport:
    """Create (not yet open) the transport a profile needs.

    Parameters
    ----------
    profile
        The device profile; its ``transport`` picks the backend.
    port
        Serial device path (serial profiles).
    address, name
        BLE address or advertised name (BLE profiles); with neither, the first device
        advertising the profile's service or name prefix.
    **kw
        Passed to the backend constructor (e.g. ``timeout_s``, ``backend`` for tests).

    Returns
    -------
    Transport
        Call ``await transport.open()`` (or use ``async with``) before reading.
    """
    cls = transport_class(profile.transport)
    if profile.transport == "serial":
        if not port:
            raise TransportError(f"profile {profile.name} is a serial device: give --port")
        if address or name:
            raise TransportError(
                f"profile {profile.name} is a serial device: give --port, not --address/--name"
            )
        return cls(profile=profile, port=port, **kw)  # type: ignore[call-arg]
    if port:
        raise TransportError(
            f"profile {profile.name} is a BLE device: give --address or --name, not --port"
        )
    # Without address or name, a BLE backend takes the first device advertising the
    # profile's service UUID or name prefix.
    return cls(profile=profile, address=address, name=name, **kw)  # type: ignore[call-arg]


@dataclass(frozen=True)
class FoundDevice:
    """A device seen by a scan."""

    address: str
    name: str | None
    rssi_dbm: int | None = None


async def scan_devices(kind: str = "ble", timeout_s: float = 5.0, **kw: Any) -> list[FoundDevice]:
    """Scan for devices with a backend's module-level ``async def scan(timeout_s, **kw)``.

    Raises
    ------
    TransportError
        When the backend cannot scan (e.g. no Bluetooth adapter), one line.
    """
    cls = transport_class(kind)
    module = importlib.import_module(cls.__module__)
    scan = getattr(module, "scan", None)
    if scan is None:
        raise TransportError(f"the {kind} transport cannot scan for devices")
    return list(await scan(timeout_s=timeout_s, **kw))
