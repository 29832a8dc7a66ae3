"""Trends of key metrics across sessions."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from gaitback.history import TREND_METRICS, save_analysis, trend_summary, trends
from test_history_support import isolated_store, run_result  # noqa: F401

START = datetime(2026, 3, 2, 7, 0)


def _weekly_runs(tmp_path: Path, contact_ms: list[float], order: list[int] | None = None) -> None:
    """One run a week; saved in ``order`` (default chronological)."""
    for i in order or range(len(contact_ms)):
        started = (START + timedelta(weeks=i)).isoformat() + "+00:00"
        save_analysis(
            run_result(tmp_path, f"w{i}", seed=i, started_at=started, contact_ms=contact_ms[i],
                       cadence_spm=165.0 + 0.5 * i)
        )


def test_trends_are_chronological_whatever_the_save_order(tmp_path: Path) -> None:
    contacts = [262.0, 258.0, 251.0, 249.0]
    _weekly_runs(tmp_path, contacts, order=[2, 0, 3, 1])
    frame = trends()
    assert frame["contact_ms"].tolist() == contacts
    assert list(frame.columns) == ["id", "started_at", "started_ts", *TREND_METRICS]
    assert trends(last=2)["contact_ms"].tolist() == contacts[-2:]


def test_trend_summary_slope_and_means_match_a_linear_series(tmp_path: Path) -> None:
    contacts = [270.0 - 2.0 * i for i in range(8)]  # -2 ms per week
    _weekly_runs(tmp_path, contacts)
    summary = trend_summary(trends(), n=5).set_index("metric")
    contact = summary.loc["contact_ms"]
    assert contact["sessions"] == 8
    assert contact["first"] == 270.0 and contact["latest"] == 256.0
    assert contact["slope_per_week"] == pytest.approx(-2.0)
    assert contact["recent_mean"] == pytest.approx(np.mean(contacts[3:]))
    assert contact["earlier_mean"] == pytest.approx(np.mean(contacts[:3]))
    assert contact["change"] == pytest.approx(np.mean(contacts[3:]) - np.mean(contacts[:3]))
    assert summary.loc["cadence_spm", "slope_per_week"] == pytest.approx(0.5)
    # Constant metric: no slope.
    assert summary.loc["impact_g", "slope_per_week"] == pytest.approx(0.0, abs=1e-9)


def test_trend_summary_with_one_session_has_no_slope(tmp_path: Path) -> None:
    _weekly_runs(tmp_path, [250.0])
    contact = trend_summary(trends()).set_index("metric").loc["contact_ms"]
    assert contact["latest"] == 250.0
    assert np.isnan(contact["slope_per_week"]) and np.isnan(contact["change"])


def test_unknown_metric_is_refused() -> None:
    with pytest.raises(ValueError, match="not a stored key metric"):
        trends(metrics=["heart_rate_bpm"])


def test_no_slope_from_runs_closer_than_two_weeks(tmp_path: Path) -> None:
    # Two runs on one day and one a week later: a per-week slope would be noise scaled up.
    for i, (hours, contact) in enumerate([(0, 250.0), (3, 262.0), (24 * 7, 255.0)]):
        started = (START + timedelta(hours=hours)).isoformat() + "+00:00"
        save_analysis(run_result(tmp_path, f"d{i}", seed=40 + i, started_at=started,
                                 contact_ms=contact))
    contact = trend_summary(trends()).set_index("metric").loc["contact_ms"]
    assert contact["sessions"] == 3
    assert np.isnan(contact["slope_per_week"])
