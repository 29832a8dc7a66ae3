"""BLE end to end: unmodified bleak -> emulated BlueZ (BlueZoo) -> a GATT peripheral.

The peripheral runs on the emulated second adapter and streams gaitback binary
packets; :class:`gaitback.acquisition.ble.BleTransport` on the first adapter
finds it, connects, sends the profile's commands and receives every notification.
The samples decoded must equal the ones sent, value for value, with none lost.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator

import numpy as np
import pytest

from ble_support.bluez import (
    CENTRAL_ADAPTER,
    PERIPHERAL_ADDRESS,
    EmulatedBluez,
    emulated_bluez,
    missing_requirements,
    running_peripheral,
)
from ble_support.stream_data import KnownStream, known_stream
from gaitback.acquisition.ble import BleTransport
from gaitback.acquisition.decoder_factory import make_decoder
from gaitback.acquisition.profiles import load_profile
from gaitback.acquisition.transport import TransportDisconnected, TransportError

SENSOR_NAME = "gaitback-e2e"
#: Longest wait for the whole stream beyond its nominal duration.
SLACK_S = 10.0


@pytest.fixture
def bluez(monkeypatch: pytest.MonkeyPatch) -> Iterator[EmulatedBluez]:
    """A fresh emulated BlueZ per test (BlueZoo 1.0.2 cannot reconnect to a device)."""
    reason = missing_requirements()
    if reason:
        pytest.skip(f"emulated BlueZ unavailable: {reason}")
    with emulated_bluez() as bus:
        monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", bus.bus_address)
        yield bus


@pytest.fixture
def profile():
    return load_profile("gaitback-ble")


async def _receive_all(
    transport: BleTransport, n_packets: int, timeout_s: float
) -> tuple[list[bytes], list[float]]:
    packets: list[bytes] = []
    arrivals: list[float] = []
    await transport.open()
    try:
        async with asyncio.timeout(timeout_s):
            while len(packets) < n_packets:
                data, arrival_s = await transport.read()
                packets.append(data)
                arrivals.append(arrival_s)
    except TimeoutError:
        pass  # a packet went missing: the count check below says how many
    finally:
        await transport.close()
    return packets, arrivals


def _check_stream_received(profile, stream: KnownStream, received: list[bytes]) -> None:
    # The decoder the profile names, in one-notification-per-packet mode as for BLE.
    decoder = make_decoder(profile, packetized=True)
    parts = [decoder.feed(packet) for packet in received]
    index = np.concatenate([p.sample_index for p in parts])
    acc = np.concatenate([p.acc_mps2 for p in parts])
    gyr = np.concatenate([p.gyr_dps for p in parts])
    want_index, want_acc, want_gyr = stream.samples_of(list(range(len(stream.packets))))
    assert len(index) == len(want_index)
    np.testing.assert_array_equal(index, want_index)
    np.testing.assert_allclose(acc, want_acc, rtol=0, atol=1e-9)
    np.testing.assert_allclose(gyr, want_gyr, rtol=0, atol=1e-9)
    assert decoder.total.packets_ok == len(stream.packets)
    assert decoder.total.lost_packets == 0
    assert decoder.total.lost_samples == 0
    assert decoder.total.checksum_failures == 0
    assert decoder.total.bytes_skipped == 0


@pytest.mark.parametrize(
    ("rate_hz", "samples_per_packet", "n_packets", "select_by"),
    [
        (50, 4, 60, "name"),
        (50, 4, 60, "address"),
        (100, 2, 120, "profile"),
    ],
)
def test_bleak_receives_every_sample_through_emulated_bluez(
    bluez: EmulatedBluez,
    profile,
    rate_hz: int,
    samples_per_packet: int,
    n_packets: int,
    select_by: str,
) -> None:
    stream = known_stream(
        n_packets, samples_per_packet, sample_rate_hz=rate_hz * samples_per_packet, seed=5
    )
    target = {
        "name": {"name": SENSOR_NAME},
        "address": {"address": PERIPHERAL_ADDRESS},
        # Neither: the profile's service UUID / name prefix pick the sensor.
        "profile": {},
    }[select_by]
    with running_peripheral(
        bluez,
        name=SENSOR_NAME,
        service_uuid=profile.ble_service_uuid,
        notify_uuid=profile.ble_notify_uuid,
        write_uuid=profile.ble_write_uuid,
        packets=stream.packets,
        rate_hz=rate_hz,
        # Like the reference firmware: stream only after the profile's START command.
        start_command=profile.connect_commands[0],
    ) as sensor:
        transport = BleTransport(profile, adapter=CENTRAL_ADAPTER, timeout_s=5.0, **target)
        assert transport.packetized
        received, arrivals = asyncio.run(
            _receive_all(transport, n_packets, n_packets / rate_hz + SLACK_S)
        )
        assert sensor.proc.poll() is None, "the emulated sensor died"
        writes = sensor.writes()

    assert len(received) == n_packets, f"{n_packets - len(received)} notifications lost"
    _check_stream_received(profile, stream, received)
    # One notification per packet, stamped on arrival with the host's monotonic clock.
    assert received == stream.packets
    assert np.all(np.diff(arrivals) >= 0)
    # Real-time streaming, not one burst: arrivals span about the stream's duration.
    assert arrivals[-1] - arrivals[0] > 0.5 * (n_packets - 1) / rate_hz
    # The profile's connect commands went out on open, its disconnect commands on close.
    assert writes == [*profile.connect_commands, *profile.disconnect_commands]
    assert transport.open_count == 1
    assert not transport.is_connected


def test_read_after_close_reports_disconnected(bluez: EmulatedBluez, profile) -> None:
    stream = known_stream(20, 4, sample_rate_hz=200, seed=6)

    async def scenario() -> None:
        transport = BleTransport(profile, name=SENSOR_NAME, adapter=CENTRAL_ADAPTER, timeout_s=5)
        await transport.open()
        data, _ = await asyncio.wait_for(transport.read(), 5)
        assert data == stream.packets[0]
        await transport.close()
        await transport.close()  # twice is fine
        with pytest.raises(TransportDisconnected):
            # Whatever was still queued may come first; then the disconnect.
            for _ in range(len(stream.packets) + 1):
                await asyncio.wait_for(transport.read(), 5)

    with running_peripheral(
        bluez,
        name=SENSOR_NAME,
        service_uuid=profile.ble_service_uuid,
        notify_uuid=profile.ble_notify_uuid,
        write_uuid=profile.ble_write_uuid,
        packets=stream.packets,
        rate_hz=50,
    ):
        asyncio.run(scenario())


def test_absent_device_is_a_one_line_error_within_the_timeout(
    bluez: EmulatedBluez, profile
) -> None:
    transport = BleTransport(
        profile, name="no-such-sensor", adapter=CENTRAL_ADAPTER, timeout_s=1.5
    )

    async def scenario() -> None:
        async with asyncio.timeout(10):
            await transport.open()

    with pytest.raises(TransportError) as info:
        asyncio.run(scenario())
    message = str(info.value)
    assert "not found" in message
    assert "no-such-sensor" in message
    assert "\n" not in message
    assert os.environ["DBUS_SYSTEM_BUS_ADDRESS"] == bluez.bus_address
