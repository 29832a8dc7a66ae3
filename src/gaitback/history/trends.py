"""Key metrics across sessions, and the runner's personal baseline."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from gaitback.history.sessions import (
    KEY_METRICS,
    finite_or_none,
    list_sessions,
    parse_time,
    recording_identity,
)
from gaitback.history.store import DbPath, resolve_db_path
from gaitback.recording import Recording

if TYPE_CHECKING:
    from gaitback.core.result import AnalysisResult

#: Metrics shown as trends (the issue's list: cadence, contact, lean, pelvic drop L/R, impact).
TREND_METRICS: tuple[str, ...] = (
    "cadence_spm",
    "contact_ms",
    "forward_lean_deg",
    "pelvic_drop_left_deg",
    "pelvic_drop_right_deg",
    "impact_g",
)

TREND_SUMMARY_COLUMNS: tuple[str, ...] = (
    "metric",
    "sessions",
    "first",
    "latest",
    "earlier_mean",
    "recent_mean",
    "change",
    "slope_per_week",
)

#: Metrics in the personal baseline: the key metrics plus the other summary keys the
#: feedback layer compares with the runner's own history.
BASELINE_METRICS: tuple[str, ...] = (
    *KEY_METRICS,
    "braking_g",
    "contact_balance_left_pct",
    "loading_rate_gps",
    "flight_ms",
)

_SECONDS_PER_WEEK = 7 * 24 * 3600.0

#: Trend slopes need sessions spread over at least this many weeks.
TREND_MIN_WEEKS = 2.0

#: Sessions with less running than this are clips, too short to stand for a normal run.
BASELINE_MIN_RUNNING_S = 120.0

#: With a known speed, runs within this fraction of it (and at least
#: ``BASELINE_SPEED_TOLERANCE_MPS``) count as "similar speed": cadence, contact time and
#: impact all change with speed, so faster or slower runs are no reference.
BASELINE_SPEED_TOLERANCE_FRACTION = 0.10
BASELINE_SPEED_TOLERANCE_MPS = 0.3


def trends(
    db: DbPath = None, metrics: Sequence[str] = TREND_METRICS, last: int | None = None
) -> pd.DataFrame:
    """Per-session values of ``metrics``, oldest first (``last``: only the most recent N).

    Columns: ``id``, ``started_at``, ``started_ts`` and one per metric (NaN when missing).
    """
    unknown = [m for m in metrics if m not in KEY_METRICS]
    if unknown:
        raise ValueError(f"not a stored key metric: {unknown}; choose from {KEY_METRICS}")
    frame = list_sessions(db)[["id", "started_at", "started_ts", *metrics]]
    if last is not None:
        frame = frame.tail(last)
    return frame.reset_index(drop=True)


def trend_summary(frame: pd.DataFrame, n: int = 5) -> pd.DataFrame:
    """How each metric moved: first and latest value, mean of the last ``n`` sessions
    against the ``n`` before them, and the least-squares slope per week.

    ``frame`` is a :func:`trends` table; metrics with no values get a row of NaN.
    """
    metrics = [c for c in frame.columns if c in KEY_METRICS]
    rows = []
    for metric in metrics:
        values = frame[metric].to_numpy(dtype=float)
        times = frame["started_ts"].to_numpy(dtype=float)
        ok = np.isfinite(values)
        values, times = values[ok], times[ok]
        recent = values[-n:]
        earlier = values[-2 * n : -n] if len(values) > n else values[:0]
        slope = np.nan
        weeks = (times - times[0]) / _SECONDS_PER_WEEK if len(times) else times
        # A slope per week from runs a few days apart is noise scaled up (issue 15 saw
        # +8328 steps/min per week from two runs on one day): two weeks at least.
        if len(values) >= 2 and np.ptp(weeks) >= TREND_MIN_WEEKS:
            slope = float(np.polyfit(weeks, values, 1)[0])
        recent_mean = float(recent.mean()) if len(recent) else np.nan
        earlier_mean = float(earlier.mean()) if len(earlier) else np.nan
        rows.append(
            {
                "metric": metric,
                "sessions": len(values),
                "first": float(values[0]) if len(values) else np.nan,
                "latest": float(values[-1]) if len(values) else np.nan,
                "earlier_mean": earlier_mean,
                "recent_mean": recent_mean,
                "change": recent_mean - earlier_mean,
                "slope_per_week": slope,
            }
        )
    return pd.DataFrame(rows, columns=list(TREND_SUMMARY_COLUMNS))


def personal_baseline(
    db: DbPath = None,
    n: int = 5,
    *,
    min_sessions: int = 3,
    exclude: AnalysisResult | Recording | str | None = None,
    before: datetime | str | None = None,
    speed_mps: float | None = None,
    min_running_s: float = BASELINE_MIN_RUNNING_S,
) -> dict[str, float]:
    """The runner's recent mean of each key metric, for comparisons with one run.

    Parameters
    ----------
    db
        Store path (default store if ``None``).
    n
        Mean over the last ``n`` sessions that have the metric.
    min_sessions
        A metric is left out unless at least this many sessions have it; with
        fewer sessions than this the result is empty.
    exclude
        The run being judged (result, recording or recording identity), so a
        re-analysed run is not compared with itself.
    before
        Only sessions started before this time (for judging an older run).
    speed_mps
        Speed of the run being judged, when known: only sessions of similar known speed
        (see ``BASELINE_SPEED_TOLERANCE_*``) are used.
    min_running_s
        Sessions with less running than this are left out.

    Simulated and bundled recordings (``demo``) and sessions the runner excluded
    (``gaitback history exclude N``) are never part of the baseline.

    Returns
    -------
    dict
        ``{summary key: mean}`` for metrics in ``BASELINE_METRICS`` with enough history.
    """
    if not resolve_db_path(db).exists():
        # No history yet: don't create a store as a side effect of a read.
        return {}
    frame = list_sessions(db, with_json=True)
    frame = frame[~frame["demo"] & ~frame["user_excluded"]]
    frame = frame[frame["running_s"].fillna(0.0) >= min_running_s]
    if speed_mps is not None and math.isfinite(speed_mps) and speed_mps > 0:
        speeds = np.array(
            [finite_or_none(s.get("speed_mps")) or np.nan for s in frame["summary"]], dtype=float
        )
        tolerance = max(BASELINE_SPEED_TOLERANCE_FRACTION * speed_mps,
                        BASELINE_SPEED_TOLERANCE_MPS)
        frame = frame[np.abs(speeds - speed_mps) <= tolerance]
    if exclude is not None:
        if isinstance(exclude, str):
            identity = exclude
        else:
            recording = exclude if isinstance(exclude, Recording) else exclude.recording
            identity = recording_identity(recording)
        frame = frame[frame["recording_id"] != identity]
    if before is not None:
        limit = parse_time(before) if isinstance(before, str) else before
        if limit is not None:
            if limit.tzinfo is None:
                limit = limit.astimezone()
            frame = frame[frame["started_ts"] < limit.timestamp()]
    baseline: dict[str, float] = {}
    for metric in BASELINE_METRICS:
        if metric in KEY_METRICS:
            column = frame[metric].to_numpy(dtype=float)
        else:
            column = np.array([finite_or_none(s.get(metric)) for s in frame["summary"]],
                              dtype=float)
        values = column[np.isfinite(column)][-n:]
        if len(values) >= max(min_sessions, 1):
            baseline[metric] = float(values.mean())
    return baseline
