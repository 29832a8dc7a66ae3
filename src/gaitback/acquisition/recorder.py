"""Record a stream to the canonical recording, incrementally and crash-safe.

Rows go through :class:`gaitback.recording.RecordingWriter` and are flushed to
the OS at least every ``flush_interval_s`` (so ``kill -9`` loses at most that
much; the file stays readable up to its last complete row). Lost samples are
absent rows, counted in the sidecar (``lost_samples``) and listed as
``gaps: [[start_s, end_s, n_missing], ...]``; nothing is interpolated.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from gaitback.acquisition.stream import (
    AcquisitionStream,
    Connected,
    Disconnected,
    Gap,
    Reconnected,
    SampleBlock,
    StreamItem,
)
from gaitback.acquisition.transport import TransportError
from gaitback.recording import RecordingMeta, RecordingWriter, sidecar_path


@dataclass
class RecordSummary:
    """What a recording session produced."""

    path: Path
    n_samples: int = 0
    duration_s: float = 0.0
    lost_samples: int = 0
    lost_exact: bool = True
    gaps: list[list[float]] = field(default_factory=list)
    disconnects: int = 0
    checksum_failures: int = 0
    bytes_skipped: int = 0
    duplicates: int = 0
    clock_drift_ppm: float | None = None
    interrupted: bool = False
    #: Why the recording ended early (the device went silent or away), else None.
    stopped_by: str | None = None

    def describe(self) -> str:
        """One line for the user."""
        if self.n_samples == 0:
            return f"no samples received; nothing written to {self.path}"
        lost = f"{self.lost_samples}" + ("" if self.lost_exact else " (estimated)")
        text = (
            f"recorded {self.n_samples} samples ({self.duration_s:.1f} s) to {self.path}; "
            f"lost {lost} samples in {len(self.gaps)} gap(s)"
        )
        if self.disconnects:
            text += f", {self.disconnects} disconnect(s)"
        if self.checksum_failures:
            text += f", {self.checksum_failures} bad packet(s) dropped"
        if self.duplicates:
            text += f", {self.duplicates} repeated sample(s) dropped"
        return text


class Recorder:
    """Write sample blocks and gap events to ``path`` (CSV + sidecar).

    Parameters
    ----------
    path
        Output CSV.
    meta
        Sidecar (sample rate, axes, device ...); acquisition facts are added to it.
    has_gyro
        Whether the gyro columns are written.
    flush_interval_s
        Longest time rows stay in the process' buffer.
    clock
        Monotonic clock (injectable for tests).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        meta: RecordingMeta,
        has_gyro: bool,
        flush_interval_s: float = 0.5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.writer = RecordingWriter(path, meta, has_gyro=has_gyro)
        self.has_gyro = has_gyro
        self.flush_interval_s = flush_interval_s
        self._clock = clock
        self._last_flush = clock()
        self._last_write = clock()
        self.batch_interval_s = min(0.1, flush_interval_s)
        self._pending: list[SampleBlock] = []
        self._pending_rows = 0
        self._meta_dirty = False
        self.summary = RecordSummary(path=Path(path))
        self._first_time: float | None = None
        self._last_time: float | None = None

    def handle(self, item: StreamItem) -> None:
        """Take one stream item."""
        if isinstance(item, SampleBlock):
            self._write(item)
        elif isinstance(item, Gap):
            self.summary.lost_samples += item.n_lost
            self.summary.lost_exact &= item.exact
            self.summary.gaps.append([round(item.start_s, 6), round(item.end_s, 6), item.n_lost])
            self._meta_dirty = True  # rewritten at the next flush, not once per gap
        elif isinstance(item, Disconnected):
            self.summary.disconnects += 1
            self._update_meta()
            self.flush()
        if self._clock() - self._last_flush >= self.flush_interval_s:
            self.flush()

    def _write(self, block: SampleBlock) -> None:
        # Rows are gathered and formatted in batches: one writer call per batch costs
        # far less than one per (small) block.
        self._pending.append(block)
        self._pending_rows += len(block)
        self.summary.n_samples += len(block)
        if self._first_time is None:
            self._first_time = float(block.time_s[0])
        self._last_time = float(block.time_s[-1])
        self.summary.duration_s = self._last_time - self._first_time
        if self._clock() - self._last_write >= self.batch_interval_s:
            self._drain()

    def _drain(self) -> None:
        if not self._pending:
            return
        blocks, self._pending, self._pending_rows = self._pending, [], 0
        parts = [
            np.concatenate([b.time_s for b in blocks])[:, None],
            np.concatenate([b.acc_mps2 for b in blocks]),
        ]
        if self.has_gyro:
            parts.append(np.concatenate([b.gyr_dps for b in blocks]))  # type: ignore[misc]
        self.writer.write(np.hstack(parts))
        self._last_write = self._clock()

    def flush(self) -> None:
        self._drain()
        self.writer.flush()
        if self._meta_dirty:
            self._update_meta()
        self._last_flush = self._clock()

    def _update_meta(self, **more: Any) -> None:
        self._meta_dirty = False
        self.writer.update_meta(
            lost_samples=self.summary.lost_samples,
            lost_samples_exact=self.summary.lost_exact,
            gaps=self.summary.gaps,
            disconnects=self.summary.disconnects,
            **more,
        )

    def close(self, stream: AcquisitionStream | None = None) -> RecordSummary:
        """Flush, write the final sidecar (with the stream's counters) and close."""
        more: dict[str, Any] = {}
        if stream is not None:
            self.summary.checksum_failures = stream.stats.checksum_failures
            self.summary.bytes_skipped = stream.stats.bytes_skipped
            self.summary.duplicates = stream.stats.duplicates
            more["acquisition"] = {
                "transport": stream.description,
                "packets_ok": stream.stats.packets_ok,
                "checksum_failures": stream.stats.checksum_failures,
                "bytes_skipped": stream.stats.bytes_skipped,
                "device_resets": stream.stats.resets,
                "duplicates_dropped": stream.stats.duplicates,
            }
            if stream.clock.n_windows >= 3:
                self.summary.clock_drift_ppm = round(stream.clock.drift_ppm, 1)
                more["acquisition"]["clock_drift_ppm"] = self.summary.clock_drift_ppm
                more["acquisition"]["measured_sample_rate_hz"] = round(
                    stream.clock.measured_rate_hz, 4
                )
            if self.writer.meta.sample_rate_hz != stream.sample_rate_hz:
                self.writer.meta.sample_rate_hz = stream.sample_rate_hz
        self._drain()
        self._update_meta(**more)
        self.writer.close()
        if self.summary.n_samples == 0:
            # A header-only file is not a recording (the reader refuses it): leave none.
            for path in (self.writer.path, sidecar_path(self.writer.path)):
                path.unlink(missing_ok=True)
        return self.summary


def recording_meta(stream: AcquisitionStream, notes: str | None = None) -> RecordingMeta:
    """Sidecar for a new recording from this stream's profile and calibration."""
    profile = stream.profile
    extra: dict[str, Any] = {"profile": profile.name, "lost_samples": 0, "gaps": []}
    if stream.calibration is not None:
        cal = stream.calibration
        extra["calibration"] = {
            "gyro_bias_dps_removed": cal.gyro_bias_dps,
            "gravity_sensor": cal.gravity_sensor,
            "up_axis": cal.up_axis(),
            "created_at": cal.created_at,
        }
    return RecordingMeta(
        sample_rate_hz=profile.sample_rate_hz,
        axes=dict(profile.axes) if profile.axes else None,
        device=f"{profile.name}: {profile.description}".strip(": "),
        started_at=dt.datetime.now(dt.UTC).astimezone().isoformat(timespec="seconds"),
        notes=notes,
        extra=extra,
    )


async def record_stream(
    stream: AcquisitionStream,
    path: str | os.PathLike[str],
    duration_s: float | None = None,
    on_item: Callable[[StreamItem], None] | None = None,
    flush_interval_s: float = 0.5,
    stop_on_give_up: bool = False,
) -> RecordSummary:
    """Record ``stream`` to ``path`` until ``duration_s`` of samples, cancellation or its end.

    The file is created once the device is connected (a wrong port leaves no empty
    file behind). Cancelling the task that runs this (Ctrl-C) stops the recording
    cleanly: the file is closed and the summary returned with ``interrupted`` set.

    Parameters
    ----------
    stop_on_give_up
        When the stream gives up after the first connection (the device sent nothing
        for its ``give_up_after_s``), end the recording and return the summary with
        ``stopped_by`` set, instead of raising.

    Raises
    ------
    TransportError
        The first connection failed, or (without ``stop_on_give_up``) the device
        stayed away too long.
    """
    recorder: Recorder | None = None
    iterator = aiter(stream)
    interrupted = False
    stopped_by: str | None = None
    try:
        async for item in iterator:
            if recorder is None:
                recorder = Recorder(
                    path,
                    recording_meta(stream),
                    stream.profile.has_gyro,
                    flush_interval_s=flush_interval_s,
                )
            recorder.handle(item)
            if on_item is not None:
                on_item(item)
            if (
                duration_s is not None
                and isinstance(item, SampleBlock)
                and recorder.summary.duration_s >= duration_s
            ):
                break
    except asyncio.CancelledError:
        task = asyncio.current_task()
        if task is not None:
            task.uncancel()
        interrupted = True
    except TransportError as exc:
        if not (stop_on_give_up and recorder is not None):
            raise
        stopped_by = str(exc)
    finally:
        with contextlib.suppress(Exception):
            await iterator.aclose()  # type: ignore[attr-defined]
        summary = recorder.close(stream) if recorder is not None else RecordSummary(Path(path))
    summary.interrupted = interrupted
    summary.stopped_by = stopped_by
    return summary


__all__ = [
    "Connected",
    "Reconnected",
    "RecordSummary",
    "Recorder",
    "record_stream",
    "recording_meta",
]
