"""gaitback's run and a watch's run of the same session, side by side (pure functions).

When both have a wall-clock time, each second gaitback measured is paired with
the watch record nearest in time (at most 1 s apart) and every quantity is
averaged over the seconds where both have it: the same running time. Without
a clock on one side, the whole-run averages are compared, and the comparison
says so.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from gaitback import columns as col
from gaitback.fitfiles.read import WatchRun

TIME_ALIGNED = "time-aligned"
WHOLE_RUN = "whole-run averages"
#: How far apart a gaitback second and a watch record may be to be paired.
PAIRING_TOLERANCE_S = 1.0
WATCH_SUFFIX = "_watch"
#: Traces' time column: seconds from the start of the compared time.
ELAPSED = "elapsed_s"


@dataclass
class Comparison:
    """The comparison: per-quantity entries, how it was made, and the two traces.

    ``traces`` has ``elapsed_s`` (:data:`ELAPSED`, from the start of the compared time), each
    quantity of :data:`gaitback.columns.COMPARED` as gaitback measured it and
    the same name with ``_watch`` appended. Time-aligned traces share one
    time axis; otherwise ``elapsed_s`` of the watch rows counts from the
    watch's own first record (rows of one side have NaN for the other).
    """

    entries: dict[str, dict[str, float | None]]
    basis: str
    note: str
    overlap_s: float | None
    watch_file: str
    watch_device: str
    watch_sources: dict[str, str]
    traces: pd.DataFrame

    def to_json(self) -> dict[str, Any]:
        """The ``compare`` object of ``summary.json`` (JSON-safe)."""
        out: dict[str, Any] = {key: dict(value) for key, value in self.entries.items()}
        out.update(
            basis=self.basis,
            note=self.note,
            overlap_s=self.overlap_s,
            watch_file=self.watch_file,
            watch_device=self.watch_device,
            watch_fields=dict(self.watch_sources),
        )
        return out


def _finite(value: float | None) -> float | None:
    return float(value) if value is not None and math.isfinite(value) else None


def _entry(ours: float | None, watch: float | None) -> dict[str, float | None]:
    ours, watch = _finite(ours), _finite(watch)
    diff = ours - watch if ours is not None and watch is not None else None
    return {"gaitback": ours, "watch": watch, "difference": diff}


def _pair(ours: pd.DataFrame, watch: pd.DataFrame) -> pd.DataFrame:
    left = ours.loc[:, [col.UNIX_TIME, *col.COMPARED]].sort_values(col.UNIX_TIME)
    right = watch.loc[:, [col.UNIX_TIME, *col.COMPARED]].dropna(subset=[col.UNIX_TIME])
    right = right.sort_values(col.UNIX_TIME).rename(
        columns={name: name + WATCH_SUFFIX for name in col.COMPARED}
    )
    left[col.UNIX_TIME] = left[col.UNIX_TIME].astype(float)
    right[col.UNIX_TIME] = right[col.UNIX_TIME].astype(float)
    paired = pd.merge_asof(
        left, right, on=col.UNIX_TIME, direction="nearest", tolerance=PAIRING_TOLERANCE_S
    )
    watch_cols = [name + WATCH_SUFFIX for name in col.COMPARED]
    return paired[paired[watch_cols].notna().any(axis=1)].reset_index(drop=True)


def _aligned(paired: pd.DataFrame) -> dict[str, dict[str, float | None]]:
    entries = {}
    for name in col.COMPARED:
        both = paired[[name, name + WATCH_SUFFIX]].dropna()
        if both.empty:
            entries[name] = _entry(None, None)
        else:
            entries[name] = _entry(float(both[name].mean()), float(both.iloc[:, 1].mean()))
    return entries


def _whole_run(
    ours_avg: Mapping[str, float], watch: WatchRun
) -> dict[str, dict[str, float | None]]:
    entries = {}
    for name in col.COMPARED:
        watch_value = watch.averages.get(name, math.nan)
        if not math.isfinite(watch_value):
            values = watch.records[name].to_numpy(dtype=float)
            watch_value = float(np.nanmean(values)) if np.isfinite(values).any() else math.nan
        entries[name] = _entry(ours_avg.get(name), watch_value)
    return entries


def _elapsed(times: pd.Series) -> np.ndarray:
    values = times.to_numpy(dtype=float)
    finite = values[np.isfinite(values)]
    return values - finite.min() if len(finite) else np.full(len(values), np.nan)


def _elapsed_traces(ours: pd.DataFrame, watch: pd.DataFrame) -> pd.DataFrame:
    """Each side against its own elapsed time (no common clock)."""
    mine = ours.loc[:, list(col.COMPARED)].copy()
    mine.insert(0, ELAPSED, _elapsed(ours[col.UNIX_TIME]))
    theirs = watch.loc[:, list(col.COMPARED)].rename(
        columns={name: name + WATCH_SUFFIX for name in col.COMPARED}
    )
    theirs.insert(0, ELAPSED, _elapsed(watch[col.UNIX_TIME]))
    return pd.concat([mine, theirs], ignore_index=True)


def compare_runs(
    ours: pd.DataFrame,
    ours_avg: Mapping[str, float],
    ours_has_clock: bool,
    watch: WatchRun,
    watch_file: str,
) -> Comparison:
    """Compare gaitback's per-second dynamics with a watch's records.

    Parameters
    ----------
    ours
        :func:`gaitback.fitfiles.dynamics.per_second` of the recording.
    ours_avg
        :func:`gaitback.fitfiles.dynamics.session_averages` of the recording.
    ours_has_clock
        Whether ``ours`` is on wall-clock time (the recording had ``started_at``).
    watch
        :func:`gaitback.fitfiles.read.read_watch_fit` of the watch's file.
    watch_file
        The watch file's name, for the record.
    """
    common = {
        "watch_file": watch_file,
        "watch_device": watch.device,
        "watch_sources": watch.sources,
    }
    if ours_has_clock and watch.has_clock:
        paired = _pair(ours, watch.records)
        if len(paired):
            start = float(paired[col.UNIX_TIME].iloc[0])
            traces = paired.drop(columns=[col.UNIX_TIME])
            traces.insert(0, ELAPSED, paired[col.UNIX_TIME] - start)
            return Comparison(
                _aligned(paired), TIME_ALIGNED,
                f"{len(paired)} seconds of running paired in time with the watch's records",
                float(len(paired)), traces=traces, **common,
            )
        note = ("the watch's records and the recording do not overlap in time: "
                "whole-run averages compared instead")
    elif not ours_has_clock:
        note = ("the recording has no start time (started_at): whole-run averages compared, "
                "not the same seconds")
    else:
        note = "the watch file has no clock: whole-run averages compared, not the same seconds"
    return Comparison(
        _whole_run(ours_avg, watch), WHOLE_RUN, note, None,
        traces=_elapsed_traces(ours, watch.records), **common,
    )
