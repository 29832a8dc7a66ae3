"""The stream's reconnect and gap logic against a scripted transport.

The transport is the outermost boundary (a device that can restart, stall or vanish
on cue), so it is the one thing faked here; decoders, timing and gaps are real.
"""

from __future__ import annotations

import asyncio
import time

import numpy as np
import pytest

from gaitback.acquisition import protocol
from gaitback.acquisition.profiles import load_profile
from gaitback.acquisition.stream import (
    AcquisitionStream,
    Connected,
    Disconnected,
    Gap,
    Reconnected,
    SampleBlock,
)
from gaitback.acquisition.transport import Transport, TransportDisconnected, TransportError

RATE_HZ = 200
PER = 8


def packets(first_index: int, n_packets: int) -> list[bytes]:
    acc = np.tile([1.0, 0.0, 0.0], (PER, 1))
    return [
        protocol.encode_packet(
            k,
            first_index + k * PER,
            (first_index + k * PER) * 5000,
            acc,
            np.zeros((PER, 3)),
            sample_rate_hz=RATE_HZ,
        )
        for k in range(n_packets)
    ]


class ScriptedDevice(Transport):
    """Plays one script per connection: packets in real time, then an ending."""

    packetized = False

    def __init__(self, script: list[bytes], ending: str, opens: list) -> None:
        self.description = f"scripted #{len(opens)}"
        self._script = list(script)
        self._ending = ending
        opens.append(self)

    async def open(self) -> None:
        if self._ending == "refuse":
            raise TransportError("device not found")

    async def close(self) -> None:
        pass

    async def write(self, data: bytes) -> None:
        pass

    async def read(self) -> tuple[bytes, float]:
        if self._script:
            await asyncio.sleep(PER / RATE_HZ)
            return self._script.pop(0), time.monotonic()
        if self._ending == "unplug":
            raise TransportDisconnected("unplugged")
        await asyncio.sleep(3600)  # "stall": silent but connected
        raise AssertionError("unreachable")


async def run(stream: AcquisitionStream, n_blocks: int) -> list:
    items: list = []
    async for item in stream:
        items.append(item)
        if sum(isinstance(i, SampleBlock) for i in items) >= n_blocks:
            break
    return items


def test_device_restart_gives_an_estimated_gap_from_the_host_clock():
    """Away ~0.5 s, and the device's counter restarted: the gap comes from the host clock."""
    opens: list = []
    scripts = iter(
        [
            (packets(1000, 40), "unplug"),  # 1.6 s of data, then unplugged
            ([], "refuse"),  # not back yet
            (packets(0, 10), "unplug"),  # restarted: counting from 0 again
        ]
    )

    def factory():
        script, ending = next(scripts)
        return ScriptedDevice(script, ending, opens)

    stream = AcquisitionStream(
        load_profile("gaitback-serial"), factory, backoff_initial_s=0.25, backoff_max_s=0.25
    )
    items = asyncio.run(run(stream, 50))
    kinds = [type(i) for i in items if not isinstance(i, SampleBlock)]
    assert kinds == [Connected, Disconnected, Reconnected, Gap]
    gap = next(i for i in items if isinstance(i, Gap))
    assert not gap.exact and gap.cause == "disconnect"
    # Away for: backoff 0.25 + failed open + backoff 0.25 + the first packet's 40 ms,
    # i.e. ~0.5-0.6 s of samples at 200 Hz (generous bounds: shared CI machine).
    assert 0.4 * RATE_HZ <= gap.n_lost <= 1.5 * RATE_HZ
    times = np.concatenate([b.time_s for b in items if isinstance(b, SampleBlock)])
    assert np.all(np.diff(times) > 0)
    assert np.count_nonzero(np.diff(times) > 1.5 / RATE_HZ) == 1  # exactly the one gap
    assert stream.lost_samples == gap.n_lost


def test_a_silent_device_is_reopened_after_the_stall_timeout():
    opens: list = []
    scripts = iter([(packets(0, 5), "stall"), (packets(80, 5), "stall")])
    stream = AcquisitionStream(
        load_profile("gaitback-serial"),
        lambda: ScriptedDevice(*next(scripts), opens),
        stall_timeout_s=0.3,
        backoff_initial_s=0.01,
    )
    items = asyncio.run(run(stream, 6))
    assert len(opens) == 2
    disconnect = next(i for i in items if isinstance(i, Disconnected))
    assert "no data" in disconnect.reason
    gap = next(i for i in items if isinstance(i, Gap))
    # The device kept counting while silent (0..39 sent, then 80..): exact from its counter.
    assert gap.exact and gap.n_lost == 80 - 5 * PER


def test_first_connection_failure_raises_at_once():
    opens: list = []
    stream = AcquisitionStream(
        load_profile("gaitback-serial"), lambda: ScriptedDevice([], "refuse", opens)
    )
    with pytest.raises(TransportError, match="device not found"):
        asyncio.run(run(stream, 1))
    assert len(opens) == 1


def test_interrupted_before_any_sample_leaves_no_file(tmp_path):
    from gaitback.acquisition.recorder import record_stream

    opens: list = []
    stream = AcquisitionStream(
        load_profile("gaitback-serial"), lambda: ScriptedDevice([], "stall", opens)
    )

    async def scenario():
        task = asyncio.create_task(record_stream(stream, tmp_path / "empty.csv"))
        await asyncio.sleep(0.3)
        task.cancel()
        return await task

    summary = asyncio.run(scenario())
    assert summary.interrupted and summary.n_samples == 0
    assert not (tmp_path / "empty.csv").exists() and not (tmp_path / "empty.json").exists()


def test_the_device_rate_stamps_the_first_block_too():
    """A 100 Hz device under a 200 Hz profile: every sample at index / 100 Hz (issue 14).

    The packets carry their rate; sample 8..15 are lost, so the second block must
    start at 16 / 100 Hz = 0.16 s and the gap span 0.07-0.16 s.
    """
    device_rate_hz = 100
    acc = np.tile([1.0, 0.0, 0.0], (PER, 1))
    sent = [0, 2, 3]  # packet 1 (samples 8..15) never arrives
    script = [
        protocol.encode_packet(
            k, k * PER, k * PER * 10_000, acc, np.zeros((PER, 3)), sample_rate_hz=device_rate_hz
        )
        for k in sent
    ]
    profile = load_profile("gaitback-serial")
    assert profile.sample_rate_hz != device_rate_hz  # the situation under test
    opens: list = []
    stream = AcquisitionStream(profile, lambda: ScriptedDevice(script, "stall", opens))
    items = asyncio.run(run(stream, 3))
    blocks = [i for i in items if isinstance(i, SampleBlock)]
    times = np.concatenate([b.time_s for b in blocks])
    expected_index = np.concatenate([np.arange(k * PER, (k + 1) * PER) for k in sent])
    np.testing.assert_allclose(times, expected_index / device_rate_hz, rtol=0, atol=1e-12)
    gap = next(i for i in items if isinstance(i, Gap))
    assert gap.n_lost == PER
    assert gap.start_s == pytest.approx(0.07) and gap.end_s == pytest.approx(0.16)
    assert stream.sample_rate_hz == device_rate_hz
