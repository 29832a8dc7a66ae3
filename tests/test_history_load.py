"""Weekly load: sums per ISO week, change from the week before, the 10 % rule."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from itertools import pairwise
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gaitback.history import history_weeks, save_analysis, weekly_load
from test_history_support import isolated_store, run_result  # noqa: F401

MONDAY = date(2026, 3, 2)  # ISO 2026-W10


def _sessions(rows: list[tuple[str, float | None, float | None]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "started_at": [r[0] for r in rows],
            "distance_m": [np.nan if r[1] is None else r[1] for r in rows],
            "running_s": [np.nan if r[2] is None else r[2] for r in rows],
            "duration_s": [3600.0] * len(rows),
        }
    )


def test_weekly_distance_and_time_are_the_sums_put_in() -> None:
    weeks = weekly_load(
        _sessions(
            [
                ("2026-03-02T07:00:00+00:00", 5000.0, 1800.0),  # Mon W10
                ("2026-03-04T07:00:00+00:00", 8000.0, 2700.0),
                ("2026-03-08T20:00:00+00:00", 3000.0, 1000.0),  # Sun W10
                ("2026-03-09T07:00:00+00:00", 6000.0, 2000.0),  # Mon W11
            ]
        )
    )
    assert weeks["week"].tolist() == ["2026-W10", "2026-W11"]
    assert weeks["week_start"].tolist() == ["2026-03-02", "2026-03-09"]
    assert weeks["sessions"].tolist() == [3, 1]
    assert weeks["distance_m"].tolist() == [16000.0, 6000.0]
    assert weeks["running_s"].tolist() == [5500.0, 2000.0]
    assert weeks["change_pct"].iloc[1] == pytest.approx(100 * (6000 - 16000) / 16000)
    assert weeks["rule_broken"].tolist() == [False, False]


@pytest.mark.parametrize(
    ("previous_m", "this_m", "broken"),
    [
        (1000.0, 1100.0, False),  # exactly +10 %
        (1000.0, 1101.0, True),
        (10000.0, 11000.0, False),
        (10000.0, 11000.5, True),
        (20000.0, 12000.0, False),  # a drop
        (7300.0, 8030.0, False),  # +10 % where 7300 * 1.1 is not exact in binary
    ],
)
def test_ten_percent_rule_boundary(previous_m: float, this_m: float, broken: bool) -> None:
    weeks = weekly_load(
        _sessions(
            [("2026-03-03T07:00:00+00:00", previous_m, 1.0), ("2026-03-10T07:00", this_m, 1.0)]
        )
    )
    assert weeks["rule_broken"].tolist() == [False, broken]


@settings(max_examples=60, deadline=None)
@given(
    weekly_m=st.lists(st.integers(0, 60_000), min_size=1, max_size=12),
    splits=st.lists(st.integers(1, 3), min_size=12, max_size=12),
    rule_pct=st.sampled_from([5, 10, 20]),
)
def test_rule_flagged_exactly_when_increase_exceeds_the_limit(
    weekly_m: list[int], splits: list[int], rule_pct: int
) -> None:
    rows = []
    for week, (total, parts) in enumerate(zip(weekly_m, splits, strict=False)):
        # Split the week's distance over several sessions on different days.
        pieces = [total // parts] * parts
        pieces[0] += total - sum(pieces)
        for day, piece in enumerate(pieces):
            when = datetime(2026, 3, 2, 7) + timedelta(weeks=week, days=2 * day)
            rows.append((when.isoformat(), float(piece), 600.0))
    weeks = weekly_load(_sessions(rows), rule_pct=float(rule_pct))
    assert weeks["distance_m"].tolist() == [float(d) for d in weekly_m]
    expected = [False] + [
        prev > 0 and 100 * (this - prev) > rule_pct * prev
        for prev, this in pairwise(weekly_m)
    ]
    assert weeks["rule_broken"].tolist() == expected


def test_empty_weeks_are_listed_and_break_the_comparison() -> None:
    weeks = weekly_load(
        _sessions(
            [("2026-03-03T07:00:00+00:00", 5000.0, 1.0), ("2026-03-17T07:00:00+00:00", 9000.0, 1.0)]
        )
    )
    assert weeks["week"].tolist() == ["2026-W10", "2026-W11", "2026-W12"]
    assert weeks["sessions"].tolist() == [1, 0, 1]
    assert weeks["distance_m"].tolist() == [5000.0, 0.0, 9000.0]
    assert np.isnan(weeks["change_pct"].iloc[2])
    assert not weeks["rule_broken"].any()


def test_iso_weeks_across_the_year_end() -> None:
    # 2026 starts on a Thursday so it has 53 ISO weeks; 2027-01-03 (Sunday) is in 2026-W53.
    weeks = weekly_load(
        _sessions(
            [
                ("2026-12-28T07:00:00+00:00", 1000.0, 1.0),
                ("2027-01-03T07:00:00+00:00", 1000.0, 1.0),
                ("2027-01-04T07:00:00+00:00", 1000.0, 1.0),
            ]
        )
    )
    assert weeks["week"].tolist() == ["2026-W53", "2027-W01"]
    assert weeks["distance_m"].tolist() == [2000.0, 1000.0]


def test_week_follows_the_runners_local_date() -> None:
    # Sunday 23:30 in New York is Monday in UTC; the runner ran on Sunday.
    weeks = weekly_load(
        _sessions(
            [
                ("2026-03-02T07:00:00-05:00", 1000.0, 1.0),
                ("2026-03-08T23:30:00-05:00", 2000.0, 1.0),
            ]
        )
    )
    assert weeks["week"].tolist() == ["2026-W10"]
    assert weeks["distance_m"].tolist() == [3000.0]


def test_unknown_distances_are_counted_not_guessed() -> None:
    weeks = weekly_load(
        _sessions(
            [("2026-03-03T07:00:00+00:00", 4000.0, 1200.0), ("2026-03-04T07:00", None, None)]
        )
    )
    assert weeks["distance_m"].tolist() == [4000.0]
    assert weeks["unknown_distance"].tolist() == [1]
    # Without a running time the session's whole duration counts as time.
    assert weeks["running_s"].tolist() == [1200.0 + 3600.0]


def test_history_weeks_from_the_store(tmp_path: Path) -> None:
    plan = [  # (day offset from MONDAY, speed m/s, running s)
        (0, 3.0, 1800.0),
        (3, 2.5, 2400.0),
        (7, 3.0, 3000.0),
        (9, 3.0, 1200.0),
    ]
    for i, (day, speed, running) in enumerate(plan):
        started = datetime.combine(MONDAY + timedelta(days=day), datetime.min.time())
        save_analysis(
            run_result(
                tmp_path, f"r{i}", seed=i, started_at=started.isoformat() + "+00:00",
                speed_mps=speed, running_s=running,
            )
        )
    weeks = history_weeks()
    week1 = 3.0 * 1800 + 2.5 * 2400
    week2 = 3.0 * 3000 + 3.0 * 1200
    assert weeks["distance_m"].tolist() == pytest.approx([week1, week2])
    assert weeks["rule_broken"].tolist() == [False, week2 > 1.1 * week1]
    assert weeks["rule_broken"].iloc[1]  # 12.6 km after 11.4 km is +10.5 %
