"""``scan`` (for ``gaitback devices --scan``) against emulated BlueZ, and its one-line errors.

Each case builds the situation for real: a private D-Bus with no BlueZ on it,
BlueZ (BlueZoo) with no adapter, a missing D-Bus socket, an unknown adapter.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from ble_support.bluez import (
    CENTRAL_ADAPTER,
    PERIPHERAL_ADDRESS,
    EmulatedBluez,
    emulated_bluez,
    missing_requirements,
    private_bus,
    running_peripheral,
)
from ble_support.stream_data import known_stream
from gaitback.acquisition.ble import ADAPTER_ENV, BleTransport, scan_sync
from gaitback.acquisition.profiles import load_profile
from gaitback.acquisition.transport import TransportError


@pytest.fixture
def requirements() -> None:
    reason = missing_requirements()
    if reason:
        pytest.skip(f"emulated BlueZ unavailable: {reason}")


@pytest.fixture
def bluez(requirements, monkeypatch: pytest.MonkeyPatch) -> Iterator[EmulatedBluez]:
    with emulated_bluez() as bus:
        monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", bus.bus_address)
        yield bus


def _one_line_error(adapter: str | None = None) -> str:
    with pytest.raises(TransportError) as info:
        scan_sync(timeout_s=0.5, adapter=adapter)
    message = str(info.value)
    assert "\n" not in message
    return message


def test_scan_lists_the_advertising_sensor(bluez: EmulatedBluez) -> None:
    profile = load_profile("gaitback-ble")
    with running_peripheral(
        bluez,
        name="gaitback-scan",
        service_uuid=profile.ble_service_uuid,
        notify_uuid=profile.ble_notify_uuid,
        write_uuid=profile.ble_write_uuid,
        packets=known_stream(1, 1, 100, seed=1).packets,
        rate_hz=10,
    ):
        results = scan_sync(timeout_s=1.0, adapter=CENTRAL_ADAPTER)
    assert [r.address for r in results] == [PERIPHERAL_ADDRESS]
    assert results[0].name == "gaitback-scan"
    assert profile.ble_service_uuid in results[0].service_uuids


def test_scan_with_nothing_advertising_is_empty(bluez: EmulatedBluez) -> None:
    assert scan_sync(timeout_s=0.5, adapter=CENTRAL_ADAPTER) == []


def test_unknown_adapter(bluez: EmulatedBluez, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _one_line_error("hci7") == "Bluetooth is not available: adapter 'hci7' not found"
    # The same adapter named by the environment (for the CLI, which has no option for it).
    monkeypatch.setenv(ADAPTER_ENV, "hci9")
    assert _one_line_error() == "Bluetooth is not available: adapter 'hci9' not found"


def test_bluez_without_any_adapter(requirements, monkeypatch: pytest.MonkeyPatch) -> None:
    with emulated_bluez(adapters=()) as bus:
        monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", bus.bus_address)
        message = _one_line_error()
    assert message.startswith("Bluetooth is not available: No Bluetooth adapters found")


def test_dbus_without_bluez(requirements, monkeypatch: pytest.MonkeyPatch) -> None:
    with private_bus() as bus:
        monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", bus.bus_address)
        message = _one_line_error()
        # Opening a device says the same, rather than "not found".
        transport = BleTransport(load_profile("gaitback-ble"), name="x", timeout_s=0.5)
        with pytest.raises(TransportError) as info:
            asyncio.run(transport.open())
    assert message == "Bluetooth is not available: BlueZ is not running (start bluetoothd)"
    assert str(info.value) == message


def test_no_system_dbus(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Needs neither dbus-daemon nor BlueZoo: the socket simply is not there.
    monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", f"unix:path={tmp_path / 'no-bus'}")
    assert _one_line_error().startswith("Bluetooth is not available: no system D-Bus")


def test_cli_devices_scan_lists_the_sensor(
    bluez: EmulatedBluez, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from gaitback.cli.main import main

    # Two adapters: which one bleak takes by default is arbitrary; scan from the central.
    monkeypatch.setenv(ADAPTER_ENV, CENTRAL_ADAPTER)
    profile = load_profile("gaitback-ble")
    with running_peripheral(
        bluez,
        name="gaitback-cli",
        service_uuid=profile.ble_service_uuid,
        notify_uuid=profile.ble_notify_uuid,
        write_uuid=profile.ble_write_uuid,
        packets=known_stream(1, 1, 100, seed=2).packets,
        rate_hz=10,
    ):
        code = main(["devices", "--scan", "--seconds", "1.0"])
    out = capsys.readouterr().out
    assert code == 0
    line = next(x for x in out.splitlines() if PERIPHERAL_ADDRESS in x)
    assert "gaitback-cli" in line


def test_cli_devices_scan_without_bluez_is_one_line(
    requirements, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from gaitback.cli.main import main

    with private_bus() as bus:
        monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", bus.bus_address)
        code = main(["devices", "--scan", "--seconds", "0.5"])
    err = capsys.readouterr().err
    assert code == 2
    assert err == (
        "gaitback: error: Bluetooth is not available: BlueZ is not running (start bluetoothd)\n"
    )
