"""Weekly training load and the 10 % rule."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd

from gaitback.history.sessions import list_sessions
from gaitback.history.store import DbPath

#: Raise weekly distance by no more than this (the common "10 % rule").
DEFAULT_RULE_PCT = 10.0

#: Distances are in metres; an increase must beat the limit by more than this
#: to count, so that 1000 m -> 1100 m (exactly 10 %) is not flagged by rounding.
_TOLERANCE_M = 1e-6

WEEK_COLUMNS: tuple[str, ...] = (
    "week",
    "week_start",
    "sessions",
    "distance_m",
    "running_s",
    "unknown_distance",
    "change_pct",
    "rule_broken",
)


def iso_week_start(stamp: datetime | date) -> date:
    """Monday of the ISO week holding ``stamp`` (in the time zone the stamp carries)."""
    day = stamp.date() if isinstance(stamp, datetime) else stamp
    return day - timedelta(days=day.weekday())


def weekly_load(sessions: pd.DataFrame, rule_pct: float = DEFAULT_RULE_PCT) -> pd.DataFrame:
    """Distance and time per ISO week, and the change from the week before.

    Parameters
    ----------
    sessions
        ``started_at`` (ISO 8601), ``distance_m`` (NaN when unknown), ``running_s``
        and ``duration_s`` (time counts running time, else the whole duration).
    rule_pct
        A week is flagged (``rule_broken``) when its distance exceeds the previous
        week's by more than this many percent. Weeks after an empty week are not
        flagged (there is nothing to compare with).

    Returns
    -------
    pandas.DataFrame
        One row per calendar week from the first session's to the last one's,
        empty weeks included, columns ``WEEK_COLUMNS``.
    """
    if len(sessions) == 0:
        return pd.DataFrame({c: [] for c in WEEK_COLUMNS})
    starts = [iso_week_start(datetime.fromisoformat(str(s))) for s in sessions["started_at"]]
    distance = pd.to_numeric(sessions["distance_m"], errors="coerce").to_numpy(dtype=float)
    running = pd.to_numeric(sessions["running_s"], errors="coerce").to_numpy(dtype=float)
    if "duration_s" in sessions:
        whole = pd.to_numeric(sessions["duration_s"], errors="coerce").to_numpy(dtype=float)
        running = np.where(np.isfinite(running), running, whole)
    per_session = pd.DataFrame(
        {
            "week_start": starts,
            "distance_m": np.nan_to_num(distance, nan=0.0),
            "running_s": np.nan_to_num(running, nan=0.0),
            "unknown_distance": ~np.isfinite(distance),
            "sessions": 1,
        }
    )
    grouped = per_session.groupby("week_start").sum()
    first, last = min(starts), max(starts)
    all_weeks = [first + timedelta(weeks=i) for i in range((last - first).days // 7 + 1)]
    weeks = grouped.reindex(all_weeks, fill_value=0)
    dist = weeks["distance_m"].to_numpy(dtype=float)
    prev = np.concatenate([[np.nan], dist[:-1]])
    has_prev = np.isfinite(prev) & (prev > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        change = np.where(has_prev, 100.0 * (dist - prev) / prev, np.nan)
    broken = has_prev & (dist > prev * (1.0 + rule_pct / 100.0) + _TOLERANCE_M)
    iso = [d.isocalendar() for d in all_weeks]
    return pd.DataFrame(
        {
            "week": [f"{y}-W{w:02d}" for y, w, _ in iso],
            "week_start": [d.isoformat() for d in all_weeks],
            "sessions": weeks["sessions"].to_numpy(dtype=int),
            "distance_m": dist,
            "running_s": weeks["running_s"].to_numpy(dtype=float),
            "unknown_distance": weeks["unknown_distance"].to_numpy(dtype=int),
            "change_pct": change,
            "rule_broken": broken,
        }
    )


def history_weeks(db: DbPath = None, rule_pct: float = DEFAULT_RULE_PCT) -> pd.DataFrame:
    """:func:`weekly_load` of every session in the store."""
    return weekly_load(list_sessions(db), rule_pct=rule_pct)
