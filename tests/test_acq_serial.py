"""Serial acquisition end to end, no hardware: the emulator writes a device's bytes
on a pty leader; pyserial reads the follower through the real stack (transport,
decoder, stream, recorder, canonical writer and reader).

Ground truth is the emulated recording plus the emulator's log of which sample
indices it sent, dropped on purpose, or could not send (unplugged).
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from gaitback.acquisition.emulator import DeviceEmulator
from gaitback.acquisition.profiles import load_profile
from gaitback.acquisition.recorder import record_stream
from gaitback.acquisition.stream import (
    AcquisitionStream,
    Connected,
    Disconnected,
    Gap,
    Reconnected,
)
from gaitback.acquisition.transport import open_transport
from gaitback.recording import find_gaps, read_recording
from test_acq_support import ACC_TOL_MPS2, GYR_TOL_DPS, running_recording, write_running

pytestmark = pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs POSIX ptys")

RATE_HZ = 200.0


async def record_until_finished(emulator, profile, out, events, after_s=0.4, **stream_kw):
    """Record until the emulator has played everything (plus ``after_s``), then stop."""
    stream = AcquisitionStream(
        profile, lambda: open_transport(profile, port=emulator.port), **stream_kw
    )
    task = asyncio.create_task(record_stream(stream, out, on_item=events.append))
    while not emulator.finished.is_set():
        await asyncio.sleep(0.05)
        if task.done():
            break
    await asyncio.sleep(after_s)
    task.cancel()
    return await task, stream


def recorded_indices(path: Path, first_sent: int) -> tuple[np.ndarray, object]:
    rec = read_recording(path)
    return np.rint(rec.time_s * RATE_HZ).astype(np.int64) + first_sent, rec


def test_binary_protocol_records_every_sample_without_loss(tmp_path):
    source = running_recording(4.0, RATE_HZ, seed=1)
    profile = load_profile("gaitback-serial")
    events: list = []
    with DeviceEmulator(profile, source, speed=4.0, link_path=tmp_path / "tty") as emulator:
        summary, _ = asyncio.run(
            record_until_finished(emulator, profile, tmp_path / "run.csv", events)
        )
    sent = np.array(emulator.sent_indices)
    assert len(sent) > 0.9 * source.n_samples  # what was streamed after START
    index, rec = recorded_indices(tmp_path / "run.csv", int(sent[0]))
    assert rec.n_samples == len(sent) == summary.n_samples
    np.testing.assert_array_equal(index, sent)
    np.testing.assert_allclose(rec.acc_mps2, source.acc_mps2[index], atol=ACC_TOL_MPS2, rtol=0)
    np.testing.assert_allclose(rec.gyr_dps, source.gyr_dps[index], atol=GYR_TOL_DPS, rtol=0)
    assert rec.meta.extra["lost_samples"] == 0 and rec.meta.extra["gaps"] == []
    assert rec.meta.sample_rate_hz == RATE_HZ
    assert rec.meta.axes == {"x": "up", "y": "left", "z": "backward"}
    assert summary.interrupted and isinstance(events[0], Connected)


def test_injected_loss_is_counted_exactly(tmp_path):
    source = running_recording(4.0, RATE_HZ, seed=2)
    profile = load_profile("gaitback-serial")
    events: list = []
    with DeviceEmulator(
        profile, source, speed=4.0, loss_pct=15, seed=3, link_path=tmp_path / "tty"
    ) as emulator:
        summary, _ = asyncio.run(
            record_until_finished(emulator, profile, tmp_path / "lossy.csv", events)
        )
    sent = np.array(emulator.sent_indices)
    dropped = np.array(emulator.dropped_indices)
    # Drops before the first or after the last received packet cannot be seen by anyone.
    interior = int(np.sum((dropped > sent[0]) & (dropped < sent[-1])))
    assert interior > 20
    index, rec = recorded_indices(tmp_path / "lossy.csv", int(sent[0]))
    np.testing.assert_array_equal(index, sent)  # nothing invented, nothing filled in
    assert summary.lost_samples == interior
    assert rec.meta.extra["lost_samples"] == interior
    assert sum(g[2] for g in rec.meta.extra["gaps"]) == interior
    assert int(rec.gaps["missing_samples"].sum()) == interior
    gap_events = [e for e in events if isinstance(e, Gap)]
    assert all(e.exact for e in gap_events) and sum(e.n_lost for e in gap_events) == interior


@pytest.mark.parametrize("name", ["gaitback-text", "witmotion-wt901-serial"])
def test_other_serial_protocols_end_to_end(tmp_path, name):
    profile = load_profile(name)
    rate_hz = profile.sample_rate_hz  # these formats do not announce their rate
    source = running_recording(3.0, rate_hz, seed=4)
    events: list = []
    with DeviceEmulator(profile, source, speed=3.0, link_path=tmp_path / "tty") as emulator:
        summary, stream = asyncio.run(
            record_until_finished(emulator, profile, tmp_path / "run.csv", events)
        )
    rec = read_recording(tmp_path / "run.csv")
    sent = np.array(emulator.sent_indices)
    # WitMotion numbers nothing: bytes sent before the port was opened are flushed, so
    # locate the first recorded sample among the sent ones by its values.
    err = np.abs(source.acc_mps2[sent] - rec.acc_mps2[0]).max(axis=1)
    start = int(np.argmin(err))
    expected = sent[start:]
    assert rec.n_samples == len(expected) and len(expected) > 0.8 * source.n_samples
    assert summary.lost_samples == 0 and stream.stats.checksum_failures == 0
    # Text carries 4 decimals of g and 3 of deg/s; WitMotion is 16-bit.
    acc_tol = 0.5e-4 * 9.80665 + 1e-5 if name == "gaitback-text" else ACC_TOL_MPS2
    gyr_tol = 0.5e-3 + 1e-4 if name == "gaitback-text" else GYR_TOL_DPS
    np.testing.assert_allclose(rec.acc_mps2, source.acc_mps2[expected], atol=acc_tol, rtol=0)
    np.testing.assert_allclose(rec.gyr_dps, source.gyr_dps[expected], atol=gyr_tol, rtol=0)
    np.testing.assert_allclose(rec.time_s, (expected - expected[0]) / rate_hz, atol=1e-6)


def test_unplug_then_reconnect_marks_the_gap(tmp_path):
    source = running_recording(3.5, RATE_HZ, seed=5)
    profile = load_profile("gaitback-serial")
    events: list = []
    emulator = DeviceEmulator(profile, source, speed=1.0, link_path=tmp_path / "tty")

    async def scenario():
        async def unplug_later():
            await asyncio.sleep(1.0)
            emulator.unplug()  # the port vanishes, like a USB cable pulled out
            await asyncio.sleep(0.7)
            emulator.replug()

        plug = asyncio.create_task(unplug_later())
        result = await record_until_finished(
            emulator, profile, tmp_path / "run.csv", events, backoff_initial_s=0.05
        )
        await plug
        return result

    with emulator:
        summary, _ = asyncio.run(scenario())
    kinds = [type(e) for e in events if not hasattr(e, "acc_mps2")]
    assert kinds == [Connected, Disconnected, Reconnected, Gap]
    sent = np.array(emulator.sent_indices)
    index, rec = recorded_indices(tmp_path / "run.csv", int(sent[0]))
    np.testing.assert_array_equal(index, sent)
    missing = int(sent[-1] - sent[0] + 1 - len(sent))
    assert missing > 0.5 * RATE_HZ  # ~0.7 s away plus reconnecting
    gap = next(e for e in events if isinstance(e, Gap))
    assert gap.exact and gap.n_lost == missing and gap.cause == "disconnect"
    assert summary.lost_samples == missing == rec.meta.extra["lost_samples"]
    assert rec.meta.extra["disconnects"] == 1
    # The recording continues after the gap, on the same time base.
    gaps = find_gaps(rec.time_s, RATE_HZ)
    assert len(gaps) == 1 and int(gaps["missing_samples"].iloc[0]) == missing
    assert rec.time_s[-1] > gap.end_s + 1.0
    np.testing.assert_allclose(rec.acc_mps2, source.acc_mps2[index], atol=ACC_TOL_MPS2, rtol=0)


def test_kill_9_leaves_a_readable_recording(tmp_path):
    """A recording process killed with SIGKILL loses at most its last second."""
    source_path = write_running(tmp_path / "source.csv", duration_s=8.0, rate_hz=RATE_HZ)
    source = read_recording(source_path)
    profile = load_profile("gaitback-serial")
    out = tmp_path / "killed.csv"
    with DeviceEmulator(profile, source, speed=1.0, link_path=tmp_path / "tty") as emulator:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gaitback.cli.main",
                "record",
                "--profile",
                "gaitback-serial",
                "--port",
                emulator.port,
                "--out",
                str(out),
            ],
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            for line in proc.stderr:  # type: ignore[union-attr]
                if "connected" in line:
                    break
            connected_at = time.monotonic()
            time.sleep(2.5)
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
            streamed_s = time.monotonic() - connected_at
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == -signal.SIGKILL
    rec = read_recording(out)
    sent = np.array(emulator.sent_indices)
    # Lost at most the last second (flush interval 0.5 s) of what was streamed.
    assert rec.n_samples >= (streamed_s - 1.0) * RATE_HZ
    index = np.rint(rec.time_s * RATE_HZ).astype(np.int64) + sent[0]
    np.testing.assert_array_equal(index, sent[: rec.n_samples])
    np.testing.assert_allclose(rec.acc_mps2, source.acc_mps2[index], atol=ACC_TOL_MPS2, rtol=0)


@pytest.mark.parametrize("name", ["gaitback-serial", "gaitback-text"])
def test_duplicated_packets_are_dropped_and_counted_end_to_end(tmp_path, name):
    """8 % of packets (lines) sent twice, 5 % dropped: every row at its true time."""
    profile = load_profile(name)
    rate_hz = profile.sample_rate_hz
    source = running_recording(3.0, rate_hz, seed=7)
    events: list = []
    with DeviceEmulator(
        profile, source, speed=3.0, loss_pct=5, duplicate_pct=8, seed=8,
        link_path=tmp_path / "tty",
    ) as emulator:  # fmt: skip
        summary, stream = asyncio.run(
            record_until_finished(emulator, profile, tmp_path / "dup.csv", events)
        )
    sent = np.array(emulator.sent_indices)
    duplicated = np.array(emulator.duplicated_indices)
    dropped = np.array(emulator.dropped_indices)
    assert len(duplicated) > 10
    rec = read_recording(tmp_path / "dup.csv")
    index = np.rint(rec.time_s * rate_hz).astype(np.int64) + int(sent[0])
    np.testing.assert_array_equal(index, sent)  # each once, at its true time
    np.testing.assert_allclose(rec.acc_mps2, source.acc_mps2[index], atol=0.01, rtol=0)
    interior = int(np.sum((dropped > sent[0]) & (dropped < sent[-1])))
    assert summary.lost_samples == interior == rec.meta.extra["lost_samples"]
    # A repeat of the very last packet may still be on its way when recording stops.
    assert len(duplicated) - 8 <= stream.stats.duplicates <= len(duplicated)
    assert rec.meta.extra["acquisition"]["duplicates_dropped"] == stream.stats.duplicates
    assert stream.stats.resets == 0


def test_doubly_corrupted_witmotion_samples_are_counted_end_to_end(tmp_path):
    """6 % of samples with both frames (and the angle frame) corrupted on the wire:
    each is a counted lost sample and the rows after it keep their true time."""
    profile = load_profile("witmotion-wt901-serial")
    rate_hz = profile.sample_rate_hz
    source = running_recording(3.0, rate_hz, seed=9)
    events: list = []
    with DeviceEmulator(
        profile, source, speed=3.0, corrupt_pct=6, seed=10, link_path=tmp_path / "tty"
    ) as emulator:
        summary, stream = asyncio.run(
            record_until_finished(emulator, profile, tmp_path / "wit.csv", events)
        )
    sent = np.array(emulator.sent_indices)
    corrupted = np.array(emulator.corrupted_indices)
    rec = read_recording(tmp_path / "wit.csv")
    # WitMotion numbers nothing: find the first recorded sample among the sent ones.
    first = sent[int(np.argmin(np.abs(source.acc_mps2[sent] - rec.acc_mps2[0]).max(axis=1)))]
    expected = sent[sent >= first]
    index = np.rint(rec.time_s * rate_hz).astype(np.int64) + int(first)
    np.testing.assert_array_equal(index, expected)
    np.testing.assert_allclose(rec.acc_mps2, source.acc_mps2[index], atol=ACC_TOL_MPS2, rtol=0)
    np.testing.assert_allclose(rec.gyr_dps, source.gyr_dps[index], atol=GYR_TOL_DPS, rtol=0)
    interior = int(np.sum((corrupted > first) & (corrupted < expected[-1])))
    assert interior > 5
    assert summary.lost_samples == interior == rec.meta.extra["lost_samples"]
    # The corrupted bytes were all skipped (acc, gyro and angle frames: 33 bytes each).
    assert stream.stats.bytes_skipped >= 33 * interior and stream.stats.checksum_failures > 0
