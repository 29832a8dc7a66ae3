"""An emulated BLE sensor: a GATT server + advertisement registered with (emulated) BlueZ.

Run as a script on the private bus (``DBUS_SYSTEM_BUS_ADDRESS``); it registers a
primary service with one notify characteristic and one write characteristic on
the given adapter, advertises ``--name`` with the service UUID, prints ``ready``
and, once a central has started notifications (and, with ``--start-on HEX``, has
written that command, as gaitback firmware waits for ``START``), sends every
packet of ``--packets`` (one hex-encoded notification per line) at ``--rate-hz``
on an absolute schedule. Bytes written to the write characteristic are appended,
hex-encoded, to ``--writes-log``. It then idles until terminated.

The D-Bus server side uses dbus-fast (a bleak dependency), as a real BlueZ
peripheral application would.
"""
# No ``from __future__ import annotations``: dbus-fast reads the D-Bus signatures
# from the annotations themselves.

import argparse
import asyncio
import signal
import sys
from pathlib import Path

from dbus_fast import BusType, Message, MessageType
from dbus_fast.aio import MessageBus
from dbus_fast.service import PropertyAccess, ServiceInterface, dbus_property, method

APP_PATH = "/org/gaitback/peripheral"
SERVICE_PATH = f"{APP_PATH}/service0"
NOTIFY_PATH = f"{SERVICE_PATH}/char0"
WRITE_PATH = f"{SERVICE_PATH}/char1"
ADVERT_PATH = "/org/gaitback/advertisement0"


class GattService(ServiceInterface):
    def __init__(self, uuid: str) -> None:
        super().__init__("org.bluez.GattService1")
        self._uuid = uuid

    @dbus_property(access=PropertyAccess.READ)
    def UUID(self) -> "s":  # noqa: F821
        return self._uuid

    @dbus_property(access=PropertyAccess.READ)
    def Primary(self) -> "b":  # noqa: F821
        return True


class NotifyCharacteristic(ServiceInterface):
    """Streams the packets, in order, at a fixed rate once notifications start."""

    def __init__(
        self, uuid: str, packets: list[bytes], rate_hz: float, wait_for_start: bool
    ) -> None:
        super().__init__("org.bluez.GattCharacteristic1")
        self._uuid = uuid
        self._packets = packets
        self._rate_hz = rate_hz
        self._value = b""
        self._notifying = False
        self._started = not wait_for_start
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        """The start command arrived."""
        self._started = True
        self._maybe_stream()

    def _maybe_stream(self) -> None:
        if self._notifying and self._started and self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._stream())

    @dbus_property(access=PropertyAccess.READ)
    def UUID(self) -> "s":  # noqa: F821
        return self._uuid

    @dbus_property(access=PropertyAccess.READ)
    def Service(self) -> "o":  # noqa: F821
        return SERVICE_PATH

    @dbus_property(access=PropertyAccess.READ)
    def Flags(self) -> "as":  # noqa: F722
        return ["read", "notify"]

    @dbus_property(access=PropertyAccess.READ)
    def Value(self) -> "ay":  # noqa: F821
        return self._value

    @dbus_property(access=PropertyAccess.READ)
    def Notifying(self) -> "b":  # noqa: F821
        return self._notifying

    @method()
    def ReadValue(self, options: "a{sv}") -> "ay":  # noqa: F821, F722
        return self._value

    @method()
    def StartNotify(self) -> None:
        if self._notifying:
            return
        self._notifying = True
        self.emit_properties_changed({"Notifying": True})
        self._maybe_stream()

    @method()
    def StopNotify(self) -> None:
        self._notifying = False
        self.emit_properties_changed({"Notifying": False})

    @method()
    def Confirm(self) -> None:
        # BlueZoo confirms every value it relays; nothing to do for notifications.
        return

    async def _stream(self) -> None:
        loop = asyncio.get_running_loop()
        start_s = loop.time()
        period_s = 1.0 / self._rate_hz
        for index, packet in enumerate(self._packets):
            # Absolute schedule: a late packet does not delay the ones after it.
            delay_s = start_s + index * period_s - loop.time()
            if delay_s > 0:
                await asyncio.sleep(delay_s)
            self._value = packet
            self.emit_properties_changed({"Value": packet})
        print("streamed", len(self._packets), flush=True)


class WriteCharacteristic(ServiceInterface):
    def __init__(
        self,
        uuid: str,
        log_path: Path | None,
        start_command: bytes | None,
        notifier: NotifyCharacteristic,
    ) -> None:
        super().__init__("org.bluez.GattCharacteristic1")
        self._uuid = uuid
        self._log_path = log_path
        self._start_command = start_command
        self._notifier = notifier

    @dbus_property(access=PropertyAccess.READ)
    def UUID(self) -> "s":  # noqa: F821
        return self._uuid

    @dbus_property(access=PropertyAccess.READ)
    def Service(self) -> "o":  # noqa: F821
        return SERVICE_PATH

    @dbus_property(access=PropertyAccess.READ)
    def Flags(self) -> "as":  # noqa: F722
        return ["write", "write-without-response"]

    @method()
    def WriteValue(self, value: "ay", options: "a{sv}") -> None:  # noqa: F821, F722
        if self._log_path is not None:
            with self._log_path.open("a") as log:
                log.write(bytes(value).hex() + "\n")
        if self._start_command is not None and bytes(value) == self._start_command:
            self._notifier.start()


class Advertisement(ServiceInterface):
    def __init__(self, name: str, service_uuid: str) -> None:
        super().__init__("org.bluez.LEAdvertisement1")
        self._name = name
        self._service_uuid = service_uuid

    @dbus_property(access=PropertyAccess.READ)
    def Type(self) -> "s":  # noqa: F821
        return "peripheral"

    @dbus_property(access=PropertyAccess.READ)
    def ServiceUUIDs(self) -> "as":  # noqa: F722
        return [self._service_uuid]

    @dbus_property(access=PropertyAccess.READ)
    def LocalName(self) -> "s":  # noqa: F821
        return self._name

    @dbus_property(access=PropertyAccess.READ)
    def Discoverable(self) -> "b":  # noqa: F821
        # BlueZoo only reports an LE advertiser that is discoverable.
        return True

    @method()
    def Release(self) -> None:
        return


async def _call(bus: MessageBus, path: str, interface: str, member: str, obj_path: str) -> None:
    reply = await bus.call(
        Message(
            destination="org.bluez",
            path=path,
            interface=interface,
            member=member,
            signature="oa{sv}",
            body=[obj_path, {}],
        )
    )
    if reply.message_type == MessageType.ERROR:
        raise RuntimeError(f"{member} failed: {reply.error_name} {reply.body}")


async def run(args: argparse.Namespace) -> None:
    packets = [bytes.fromhex(line) for line in Path(args.packets).read_text().split()]
    bus = await MessageBus(bus_type=BusType.SYSTEM).connect()
    bus.export(SERVICE_PATH, GattService(args.service))
    start_command = bytes.fromhex(args.start_on) if args.start_on else None
    notifier = NotifyCharacteristic(args.notify, packets, args.rate_hz, start_command is not None)
    bus.export(NOTIFY_PATH, notifier)
    if args.write:
        log_path = Path(args.writes_log) if args.writes_log else None
        bus.export(WRITE_PATH, WriteCharacteristic(args.write, log_path, start_command, notifier))
    bus.export(ADVERT_PATH, Advertisement(args.name, args.service))
    adapter_path = f"/org/bluez/{args.adapter}"
    await _call(bus, adapter_path, "org.bluez.GattManager1", "RegisterApplication", APP_PATH)
    await _call(
        bus, adapter_path, "org.bluez.LEAdvertisingManager1", "RegisterAdvertisement", ADVERT_PATH
    )
    print("ready", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    bus.disconnect()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--adapter", default="hci1")
    parser.add_argument("--name", required=True)
    parser.add_argument("--service", required=True)
    parser.add_argument("--notify", required=True)
    parser.add_argument("--write", default="")
    parser.add_argument("--packets", required=True, help="file: one hex notification a line")
    parser.add_argument("--rate-hz", type=float, default=50.0)
    parser.add_argument("--writes-log", default="")
    parser.add_argument("--start-on", default="", help="hex command that starts the stream")
    asyncio.run(run(parser.parse_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
