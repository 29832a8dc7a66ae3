"""Running dynamics per second of running, from the step table (pure functions).

A running watch writes one FIT record per second. gaitback measures per step, so
the record stamped ``T`` (whole seconds of wall-clock time) carries the means
over the running steps whose foot strike falls in ``[T, T + 1)``. Seconds
without a foot strike (standing, walking, a gap) get no record.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from gaitback import columns as col


def _mean(values: pd.Series) -> float:
    finite = pd.to_numeric(values, errors="coerce").dropna()
    return float(finite.mean()) if len(finite) else math.nan


def _balance_left_pct(group: pd.DataFrame) -> float:
    """100 × mean left contact / (mean left + mean right); NaN unless both feet are in.

    Means, not sums: a second holds two steps of one foot and one of the other
    as often as not, which sums would read as a 2:1 imbalance.
    """
    left = _side_mean(group, col.SIDE_LEFT, col.CONTACT)
    right = _side_mean(group, col.SIDE_RIGHT, col.CONTACT)
    total = left + right
    return float(100.0 * left / total) if total > 0 else math.nan


def _side_mean(group: pd.DataFrame, side: str, name: str) -> float:
    return _mean(group.loc[group[col.SIDE] == side, name])


def _derived(row: dict[str, float], step_ms: float, speed_mps: float | None) -> None:
    """Cadence, contact %, step length and vertical ratio from the means of one window.

    Contact % is of the stride (two steps), as running watches write FIT's
    ``stance_time_percent`` (about 35-40 % when running): 100 × duty factor.
    """
    row[col.CADENCE_SPM] = 60000.0 / step_ms if step_ms > 0 else math.nan
    contact = row[col.CONTACT]
    row[col.CONTACT_PCT] = 100.0 * contact / (2.0 * step_ms) if step_ms > 0 else math.nan
    if speed_mps and step_ms > 0:
        step_length_m = speed_mps * step_ms / 1000.0
        row[col.STEP_LENGTH] = step_length_m
        # As watches define it: oscillation over step length (their "stride" is one step).
        row[col.VERTICAL_RATIO] = row[col.VERTICAL_OSCILLATION] / step_length_m
        row[col.SPEED] = float(speed_mps)
    else:
        row[col.STEP_LENGTH] = row[col.VERTICAL_RATIO] = row[col.SPEED] = math.nan


def per_second(
    steps: pd.DataFrame, start_unix_s: float, time0_s: float, speed_mps: float | None
) -> pd.DataFrame:
    """One row per whole second of wall-clock time that holds a running foot strike.

    Parameters
    ----------
    steps
        The step table (``gaitback.columns.STEP_COLUMNS``), running steps only.
    start_unix_s
        Wall-clock time (Unix seconds) of the recording's first sample.
    time0_s
        The recording's first ``time_s``: foot strike ``t`` happened at
        ``start_unix_s + t - time0_s``.
    speed_mps
        Running speed when known (treadmill); enables step length, vertical
        ratio and speed.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`gaitback.columns.DYNAMICS_COLUMNS`; ``unix_time_s`` is an
        integer second, NaN where a value cannot be computed (e.g. the balance
        of a second with steps of one foot only).
    """
    if steps.empty:
        return pd.DataFrame(columns=list(col.DYNAMICS_COLUMNS))
    strike_unix = start_unix_s + pd.to_numeric(steps[col.FOOT_STRIKE]) - time0_s
    second = np.floor(strike_unix.to_numpy(dtype=float)).astype(np.int64)
    rows = []
    for unix_s, group in steps.groupby(second, sort=True):
        row: dict[str, float] = {col.UNIX_TIME: int(unix_s)}
        for name in (col.CONTACT, col.VERTICAL_OSCILLATION, col.PELVIC_ROTATION,
                     col.FORWARD_LEAN, col.BRAKING, col.IMPACT):
            row[name] = _mean(group[name])
        row[col.CONTACT_BALANCE] = _balance_left_pct(group)
        # pelvic_drop_left_deg is the mean over LEFT stances (docs/architecture.md).
        row[col.PELVIC_DROP_LEFT] = _side_mean(group, col.SIDE_LEFT, col.PELVIC_DROP)
        row[col.PELVIC_DROP_RIGHT] = _side_mean(group, col.SIDE_RIGHT, col.PELVIC_DROP)
        _derived(row, _mean(group[col.STEP_TIME]), speed_mps)
        rows.append(row)
    return pd.DataFrame(rows, columns=list(col.DYNAMICS_COLUMNS))


def session_averages(summary: Mapping[str, Any]) -> dict[str, float]:
    """The summary's values for every dynamics column (NaN when missing).

    ``contact_pct`` is 100 × ``duty_factor`` (mean contact / two mean step times).
    """

    def value(key: str) -> float:
        v = summary.get(key)
        return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else math.nan

    out = {name: value(name) for name in col.DYNAMICS_COLUMNS if name != col.UNIX_TIME}
    out[col.CONTACT_PCT] = 100.0 * value("duty_factor")
    return out
