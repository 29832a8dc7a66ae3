"""The API layer: load what the user gives, then run the pure signal core.

``gaitback.analyze(path_or_recording, ...)`` is this module's :func:`analyze`;
the pipeline itself (:func:`gaitback.core.pipeline.gait_process`) reads no file
and changes nothing it is given.
"""

from __future__ import annotations

import os

import pandas as pd

from gaitback.core.activity import ActivityParams
from gaitback.core.events import EventParams
from gaitback.core.pipeline import Progress, gait_process
from gaitback.core.result import AnalysisResult
from gaitback.heap import heap_warm
from gaitback.recording import Recording, RecordingMeta, recording_from_frame

Source = str | os.PathLike[str] | pd.DataFrame | Recording


def _recording_of(
    source: Source,
    fmt: str | None = None,
    axes: str | dict[str, str] | None = None,
    acc_unit: str | None = None,
) -> Recording:
    """A :class:`Recording` from a path (any supported format), a data frame or a recording."""
    if isinstance(source, Recording):
        return source
    if isinstance(source, pd.DataFrame):
        return recording_from_frame(source, RecordingMeta())
    from gaitback.importers import recording_load

    return recording_load(source, fmt=fmt, axes=axes, acc_unit=acc_unit)


def analyze(
    source: Source,
    speed_mps: float | None = None,
    height_m: float | None = None,
    fmt: str | None = None,
    axes: str | dict[str, str] | None = None,
    acc_unit: str | None = None,
    progress: Progress | None = None,
    activity_params: ActivityParams = ActivityParams(),  # noqa: B008
    event_params: EventParams = EventParams(),  # noqa: B008
) -> AnalysisResult:
    """Analyse a running recording.

    Parameters
    ----------
    source
        Path to a recording (canonical CSV or an importable format), a data
        frame in the canonical layout, or a :class:`Recording` (left untouched).
    speed_mps
        Treadmill speed; overrides the sidecar's ``treadmill_speed_mps``.
    height_m
        Runner height; overrides the sidecar's ``runner.height_m``.
    fmt
        Force an import format (see ``gaitback.importers``).
    axes
        Sensor mounting, e.g. ``"x=up,y=left,z=backward"``; overrides the sidecar.
    acc_unit
        ``"g"`` when a canonical-layout file holds acceleration in g.
    progress
        Called as ``progress(stage, fraction_done)``.
    activity_params, event_params
        Algorithm parameters (documented on their classes).

    Returns
    -------
    AnalysisResult
        Steps, summary, segments and body-frame signals. A recording without
        running gives an empty, well-formed result and a warning.
    """
    heap_warm()
    if progress is not None:
        progress("reading", 0.0)
    rec = _recording_of(source, fmt, axes, acc_unit)
    return gait_process(rec, speed_mps, height_m, progress, activity_params, event_params)
