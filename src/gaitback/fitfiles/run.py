"""An analysed run to FIT, and next to a watch's FIT: the glue with I/O at its edges."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from gaitback.core.result import AnalysisResult
from gaitback.errors import GaitbackError
from gaitback.fitfiles.compare import Comparison, compare_runs
from gaitback.fitfiles.dynamics import per_second, session_averages
from gaitback.fitfiles.read import WatchRun, read_watch_fit
from gaitback.fitfiles.write import RunTiming, fit_activity_bytes, write_fit


def started_at_unix_s(started_at: str | None) -> float | None:
    """The sidecar's ``started_at`` (ISO 8601) as Unix time; ``None`` if absent or unreadable.

    A time without a UTC offset is taken as this computer's local time.
    """
    if not started_at:
        return None
    try:
        stamp = datetime.fromisoformat(str(started_at).strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return stamp.timestamp() if stamp.tzinfo else stamp.astimezone(UTC).timestamp()


def _source_mtime_s(result: AnalysisResult) -> float | None:
    source = str(getattr(result.recording, "source", "") or "")
    try:
        return os.path.getmtime(source)
    except OSError:
        return None


def _timing(result: AnalysisResult, warnings: list[str]) -> RunTiming:
    summary = result.summary
    duration_s = float(summary.get("duration_s") or result.recording.duration_s)
    running_s = float(summary.get("running_s") or 0.0)
    start = started_at_unix_s(result.recording.meta.started_at)
    if start is None:
        mtime = _source_mtime_s(result)
        # The file was last written when the recording ended.
        start = (mtime if mtime is not None else datetime.now(UTC).timestamp()) - duration_s
        warnings.append(
            "run.fit: the recording has no started_at, so its times come from the file's "
            "modification time; add started_at to the sidecar for true times"
        )
    return RunTiming(start, duration_s, running_s)


def export_fit(result: AnalysisResult, path: str | os.PathLike[str]) -> list[str]:
    """Write ``result`` as a FIT activity to ``path``; return warnings (one line each)."""
    warnings: list[str] = []
    timing = _timing(result, warnings)
    time0_s = float(result.recording.time_s[0])
    speed = result.summary.get("speed_mps")
    records = per_second(result.steps, timing.start_unix_s, time0_s, speed)
    data = fit_activity_bytes(
        records,
        session_averages(result.summary),
        timing,
        n_steps=int(result.summary.get("n_steps") or 0),
        treadmill=result.recording.meta.treadmill_speed_mps is not None,
    )
    try:
        write_fit(path, data)
    except OSError as exc:
        raise GaitbackError(f"{path}: cannot write ({exc.strerror or exc})") from None
    return warnings


def read_watch(watch_path: str | os.PathLike[str]) -> WatchRun:
    """The watch's FIT file, read (one-line errors for a missing or unreadable file)."""
    watch_path = Path(watch_path)
    if not watch_path.is_file():
        raise GaitbackError(f"--compare {watch_path}: no such file")
    return read_watch_fit(watch_path)


def compare_with_watch(
    result: AnalysisResult, watch_path: str | os.PathLike[str], watch: WatchRun | None = None
) -> Comparison:
    """Compare ``result`` with the running dynamics in a watch's FIT file.

    ``watch`` is the file already read (by :func:`read_watch`), if it was.
    """
    watch_path = Path(watch_path)
    if watch is None:
        watch = read_watch(watch_path)
    start = started_at_unix_s(result.recording.meta.started_at)
    time0_s = float(result.recording.time_s[0])
    speed = result.summary.get("speed_mps")
    ours = per_second(result.steps, start if start is not None else 0.0, time0_s, speed)
    averages = session_averages(result.summary)
    # Without a clock the per-second rows still order the run; only pairing needs one.
    return compare_runs(ours, averages, start is not None, watch, watch_path.name)
