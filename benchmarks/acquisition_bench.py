"""CPU cost of acquisition at 1 kHz, 6 axes: decode + time-stamp + record.

Two measurements, both as a percentage of one core per second of data:

1. ``offline``: 60 s of 1 kHz gaitback binary packets (10 samples each) fed through
   the real stream (decoder, timing, gap logic) and recorder (canonical CSV) from an
   in-memory transport, as fast as possible. CPU time / data duration.
2. ``realtime``: ``gaitback emulate`` in a subprocess plays 1 kHz over a pty; this
   process records it with pyserial for ``--seconds`` in real time. CPU time of this
   process (user + system) / wall time.

Run: ``python benchmarks/acquisition_bench.py [--seconds 10]``. Target: < 5 %.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from gaitback import schema as col
from gaitback.acquisition import protocol
from gaitback.acquisition.profiles import load_profile
from gaitback.acquisition.recorder import record_stream
from gaitback.acquisition.stream import AcquisitionStream
from gaitback.acquisition.transport import Transport, TransportDisconnected, open_transport
from gaitback.recording import RecordingMeta, recording_from_frame, write_recording

RATE_HZ = 1000
PER_PACKET = 10


def signal(seconds: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    n = int(seconds * RATE_HZ)
    t = np.arange(n) / RATE_HZ
    acc = np.c_[9.81 + 8 * np.sin(2 * np.pi * 2.8 * t), np.sin(t), np.cos(t)]
    gyr = rng.normal(0, 50, (n, 3))
    return t, acc, gyr


class MemoryTransport(Transport):
    """Hands out pre-encoded bytes in USB-sized chunks, then reports a disconnect."""

    packetized = False

    def __init__(self, data: bytes, chunk: int = 512) -> None:
        self.description = "memory"
        self._chunks = [data[i : i + chunk] for i in range(0, len(data), chunk)]
        self._pos = 0

    async def open(self) -> None:
        pass

    async def close(self) -> None:
        pass

    async def write(self, data: bytes) -> None:
        pass

    async def read(self) -> tuple[bytes, float]:
        if self._pos >= len(self._chunks):
            raise TransportDisconnected("end of data")
        self._pos += 1
        return self._chunks[self._pos - 1], time.monotonic()


def offline(seconds: float, out_dir: Path) -> float:
    _, acc, gyr = signal(seconds)
    packets = [
        protocol.encode_packet(
            k,
            i,
            i * 1000,
            acc[i : i + PER_PACKET] / 9.80665,
            gyr[i : i + PER_PACKET],
            sample_rate_hz=RATE_HZ,
        )
        for k, i in enumerate(range(0, len(acc), PER_PACKET))
    ]
    data = b"".join(packets)
    profile = dataclasses.replace(
        load_profile("gaitback-serial"), sample_rate_hz=RATE_HZ, connect_commands=()
    )
    stream = AcquisitionStream(profile, lambda: MemoryTransport(data), reconnect=False)
    start = time.process_time()
    summary = asyncio.run(record_stream(stream, out_dir / "offline.csv"))
    cpu = time.process_time() - start
    assert summary.n_samples == len(acc), summary
    return 100 * cpu / seconds


def realtime(seconds: float, out_dir: Path) -> tuple[float, int, int]:
    t, acc, gyr = signal(seconds + 20)
    frame = pd.DataFrame(np.c_[t, acc, gyr], columns=list(col.CANONICAL))
    source = write_recording(
        recording_from_frame(frame, RecordingMeta(sample_rate_hz=RATE_HZ)), out_dir / "src.csv"
    )
    profile_path = out_dir / "bench-1khz.toml"
    profile_path.write_text(
        'transport = "serial"\nprotocol = "gaitback-binary"\n'
        f"sample_rate_hz = {RATE_HZ}\nsamples_per_packet = {PER_PACKET}\n"
        '[serial]\nbaudrate = 921600\n[commands]\nconnect = ["53 54 41 52 54 0A"]\n'
    )
    emulator = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gaitback.cli.main",
            "emulate",
            "--profile",
            str(profile_path),
            "--from",
            str(source),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        port = emulator.stdout.readline().strip()  # type: ignore[union-attr]
        profile = load_profile(profile_path)
        stream = AcquisitionStream(profile, lambda: open_transport(profile, port=port))
        before = resource.getrusage(resource.RUSAGE_SELF)
        wall = time.monotonic()
        summary = asyncio.run(record_stream(stream, out_dir / "realtime.csv", duration_s=seconds))
        wall = time.monotonic() - wall
        after = resource.getrusage(resource.RUSAGE_SELF)
    finally:
        emulator.terminate()
        emulator.wait()
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return 100 * cpu / wall, summary.n_samples, summary.lost_samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="real-time run length")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        pct = offline(60.0, out)
        print(f"offline : decode + stream + record, 60 s of 1 kHz 6-axis: {pct:.2f} % of one core")
        pct, n, lost = realtime(args.seconds, out)
        print(
            f"realtime: pyserial over a pty + decode + record, {args.seconds:g} s at 1 kHz: "
            f"{pct:.2f} % of one core ({n} samples, {lost} lost)"
        )


if __name__ == "__main__":
    main()
