"""BLE link loss and reconnect, through bleak with a fake client backend.

BlueZoo 1.0.2 cannot reconnect to the same emulated device, so the radio is
faked one level down: :class:`bleak.BleakClient` runs unmodified with
``backend=`` a :class:`~bleak.backends.client.BaseBleakClient` subclass whose
sensor keeps sampling while the link is down (those packets are lost, and the
sensor records which). Ground truth is what the sensor delivered and lost.
"""

from __future__ import annotations

import asyncio
import time

import numpy as np
import pytest

from ble_support.fake_backend import FakeSensor, fake_backend, fake_finder
from ble_support.stream_data import known_stream
from gaitback.acquisition.ble import BleTransport
from gaitback.acquisition.profiles import load_profile
from gaitback.acquisition.stream import (
    AcquisitionStream,
    Connected,
    Disconnected,
    Gap,
    Reconnected,
    SampleBlock,
)
from gaitback.acquisition.transport import TransportDisconnected, TransportError

ADDRESS = "C0:FF:EE:00:00:01"
PACKET_RATE_HZ = 50
SAMPLES_PER_PACKET = 4  # 200 Hz, as the gaitback-ble profile says


@pytest.fixture
def profile():
    return load_profile("gaitback-ble")


def _sensor(profile, n_packets: int, seed: int):
    stream = known_stream(
        n_packets, SAMPLES_PER_PACKET, PACKET_RATE_HZ * SAMPLES_PER_PACKET, seed=seed
    )
    sensor = FakeSensor(
        ADDRESS,
        profile.ble_service_uuid,
        profile.ble_notify_uuid,
        profile.ble_write_uuid,
        stream.packets,
        PACKET_RATE_HZ,
    )
    return stream, sensor


def test_stream_reconnects_with_backoff_and_marks_the_exact_gap(profile) -> None:
    stream, sensor = _sensor(profile, n_packets=80, seed=11)
    sensor.drop_after_packets = {19}  # link lost right after the 20th packet
    sensor.refuse_next_connects = 0
    finder, scans = fake_finder(sensor)
    backend = fake_backend(sensor)

    def factory() -> BleTransport:
        return BleTransport(profile, address=ADDRESS, timeout_s=1.0, backend=backend, finder=finder)

    session = AcquisitionStream(
        profile, factory, backoff_initial_s=0.05, backoff_max_s=0.2, stall_timeout_s=2.0
    )
    events: list[tuple[float, object]] = []

    async def run() -> None:
        items = session.__aiter__()
        try:
            async with asyncio.timeout(10):
                async for item in items:
                    events.append((time.monotonic(), item))
                    if isinstance(item, Disconnected):
                        # The radio stays out of range for two more connection attempts.
                        sensor.refuse_next_connects = 2
                    received = sum(len(i) for _, i in events if isinstance(i, SampleBlock))
                    if sensor.finished.is_set() and received == (
                        len(sensor.delivered) * SAMPLES_PER_PACKET
                    ):
                        break
        except TimeoutError:
            pass  # something went missing: the checks below say what
        finally:
            await items.aclose()
            await sensor.stop()

    asyncio.run(run())

    kinds = [type(item) for _, item in events if not isinstance(item, SampleBlock)]
    assert kinds == [Connected, Disconnected, Reconnected, Gap]
    reconnected = next(item for _, item in events if isinstance(item, Reconnected))
    assert reconnected.attempts == 2
    # Every open rescans first: the first connect, two refused attempts, the reconnect.
    assert len(scans) == 4
    assert sensor.connect_attempts == 4
    # Back-off: at least the stream's pause plus the two retry delays (0.05 + 0.05 + 0.1 s).
    t_down = next(t for t, item in events if isinstance(item, Disconnected))
    t_up = next(t for t, item in events if isinstance(item, Reconnected))
    assert t_up - t_down >= 0.2 - 0.02

    # Nothing that arrived was lost, nothing invented: the samples are exactly the
    # delivered ones, at their own indices, so the gap sits where the link was down.
    assert sensor.lost, "the link was down for a while: packets must have been lost"
    assert sensor.delivered[0] == 0 and sensor.delivered[-1] == len(stream.packets) - 1
    blocks = [item for _, item in events if isinstance(item, SampleBlock)]
    index = np.concatenate([b.sample_index for b in blocks])
    acc = np.concatenate([b.acc_mps2 for b in blocks])
    gyr = np.concatenate([b.gyr_dps for b in blocks])
    want_index, want_acc, want_gyr = stream.samples_of(sensor.delivered)
    np.testing.assert_array_equal(index, want_index)
    np.testing.assert_allclose(acc, want_acc, rtol=0, atol=1e-9)
    np.testing.assert_allclose(gyr, want_gyr, rtol=0, atol=1e-9)
    np.testing.assert_allclose(
        np.concatenate([b.time_s for b in blocks]), want_index / profile.sample_rate_hz
    )

    gap = next(item for _, item in events if isinstance(item, Gap))
    assert gap.cause == "disconnect"
    assert gap.exact
    assert gap.n_lost == len(sensor.lost) * SAMPLES_PER_PACKET
    assert session.lost_samples == gap.n_lost
    last_before = (sensor.lost[0] * SAMPLES_PER_PACKET - 1) / profile.sample_rate_hz
    first_after = ((sensor.lost[-1] + 1) * SAMPLES_PER_PACKET) / profile.sample_rate_hz
    assert gap.start_s == pytest.approx(last_before)
    assert gap.end_s == pytest.approx(first_after)
    # Notifications were re-armed and the device restarted by its command on each connection.
    start, stop = profile.connect_commands[0], profile.disconnect_commands[0]
    assert sensor.writes == [[start], [start, stop]]


def test_transport_delivers_queued_packets_then_reports_the_disconnect(profile) -> None:
    stream, sensor = _sensor(profile, n_packets=40, seed=12)
    sensor.drop_after_packets = {9}
    finder, scans = fake_finder(sensor)
    transport = BleTransport(
        profile, address=ADDRESS, timeout_s=1.0, backend=fake_backend(sensor), finder=finder
    )

    async def run() -> tuple[list[bytes], list[bytes]]:
        first: list[bytes] = []
        second: list[bytes] = []
        try:
            await transport.open()
            # Let the link drop with packets still unread in the queue.
            while not sensor.lost:
                await asyncio.sleep(0.01)
            assert not transport.is_connected
            with pytest.raises(TransportDisconnected):
                for _ in range(len(stream.packets)):
                    first.append((await asyncio.wait_for(transport.read(), 2))[0])
            with pytest.raises(TransportDisconnected):
                await transport.write(b"X")
            await asyncio.wait_for(transport.close(), 5)  # a gone device: no hang
            # The same object opens again: rescan, connect, re-arm notifications.
            await transport.open()
            assert transport.is_connected
            for _ in range(5):
                second.append((await asyncio.wait_for(transport.read(), 2))[0])
        finally:
            await transport.close()
            await sensor.stop()
        return first, second

    first, second = asyncio.run(run())
    assert first == stream.packets[:10]
    lost_then_next = sensor.delivered[10]
    assert lost_then_next > 10
    assert second == stream.packets[lost_then_next : lost_then_next + 5]
    assert len(scans) == 2
    assert transport.open_count == 2
    # No stop command went to a device that was already gone; one on the final close.
    start, stop = profile.connect_commands[0], profile.disconnect_commands[0]
    assert sensor.writes == [[start], [start, stop]]


def test_failed_connect_is_one_line(profile) -> None:
    _, sensor = _sensor(profile, n_packets=1, seed=13)
    sensor.refuse_next_connects = 1
    finder, _ = fake_finder(sensor)
    transport = BleTransport(
        profile, address=ADDRESS, timeout_s=1.0, backend=fake_backend(sensor), finder=finder
    )
    with pytest.raises(TransportError) as info:
        asyncio.run(transport.open())
    message = str(info.value)
    assert message.startswith("cannot connect to BLE C0:FF:EE:00:00:01")
    assert "out of range" in message
    assert "\n" not in message
    assert not transport.is_connected


def test_device_not_found_by_the_scan_is_one_line(profile) -> None:
    _, sensor = _sensor(profile, n_packets=1, seed=14)

    async def nothing_found(*_args) -> None:
        return None

    transport = BleTransport(
        profile, name="gaitback-x", timeout_s=0.5, backend=fake_backend(sensor),
        finder=nothing_found,
    )
    with pytest.raises(TransportError, match=r"^BLE name 'gaitback-x' not found after scanning"):
        asyncio.run(transport.open())
    assert sensor.connect_attempts == 0
