"""Saving analysed sessions: identity, updates, distance, metadata; the personal baseline."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from gaitback.history import (
    HistoryError,
    add_shoe,
    edit_session,
    list_sessions,
    personal_baseline,
    recording_identity,
    save_analysis,
)
from gaitback.recording import read_recording
from test_history_support import (  # noqa: F401
    BASE_SUMMARY,
    isolated_store,
    make_result,
    run_result,
    write_run,
)


def test_resaving_the_same_recording_updates_one_row(tmp_path: Path) -> None:
    run = write_run(tmp_path, "run", seed=1, started_at="2026-03-02T07:00:00+00:00")
    first = save_analysis(make_result(run, contact_ms=250.0))
    second = save_analysis(make_result(run, contact_ms=236.0))
    sessions = list_sessions()
    assert first == second
    assert len(sessions) == 1
    assert sessions["contact_ms"].tolist() == [236.0]


def test_identity_is_the_sha256_of_the_file_so_a_moved_copy_is_the_same_session(
    tmp_path: Path,
) -> None:
    import hashlib

    run = write_run(tmp_path, "run", seed=2, started_at="2026-03-02T07:00:00+00:00")
    expected = "sha256:" + hashlib.sha256(run.read_bytes()).hexdigest()
    assert recording_identity(read_recording(run)) == expected

    moved = tmp_path / "archive" / "renamed.csv"
    moved.parent.mkdir()
    shutil.copy(run, moved)
    shutil.copy(run.with_suffix(".json"), moved.with_suffix(".json"))
    save_analysis(make_result(run))
    save_analysis(make_result(moved))
    sessions = list_sessions()
    assert len(sessions) == 1
    assert sessions["recording_path"].tolist() == [str(moved)]


def test_different_recordings_are_different_sessions(tmp_path: Path) -> None:
    a = run_result(tmp_path, "a", seed=3, started_at="2026-03-02T07:00:00+00:00")
    b = run_result(tmp_path, "b", seed=4, started_at="2026-03-03T07:00:00+00:00")
    assert save_analysis(a) != save_analysis(b)
    assert len(list_sessions()) == 2


def test_distance_is_treadmill_speed_times_running_time(tmp_path: Path) -> None:
    from_meta = run_result(
        tmp_path, "m", seed=5, started_at="2026-03-02T07:00:00+00:00", speed_mps=3.2,
        running_s=1500.0,
    )
    from_summary = run_result(
        tmp_path, "s", seed=6, started_at="2026-03-03T07:00:00+00:00", speed_mps=None,
        running_s=1200.0,
    )
    from_summary.summary["speed_mps"] = 2.5
    no_speed = run_result(tmp_path, "n", seed=7, started_at="2026-03-04T07:00:00+00:00")
    ids = [save_analysis(r) for r in (from_meta, from_summary, no_speed)]
    by_id = list_sessions().set_index("id")
    assert by_id.loc[ids[0], "distance_m"] == pytest.approx(3.2 * 1500.0)
    assert by_id.loc[ids[1], "distance_m"] == pytest.approx(2.5 * 1200.0)
    assert np.isnan(by_id.loc[ids[2], "distance_m"])
    assert by_id.loc[ids[0], "distance_source"] == "treadmill"


def test_entered_distance_wins_and_survives_reanalysis(tmp_path: Path) -> None:
    result = run_result(
        tmp_path, "r", seed=8, started_at="2026-03-02T07:00:00+00:00", speed_mps=3.0
    )
    save_analysis(result, distance_m=5000.0)
    save_analysis(result)  # re-analysis without an entered distance
    row = list_sessions().iloc[0]
    assert row["distance_m"] == 5000.0
    assert row["distance_source"] == "entered"


def test_shoe_surface_notes_are_stored_and_kept_on_reanalysis(tmp_path: Path) -> None:
    add_shoe("Pegasus 40")
    result = run_result(tmp_path, "r", seed=9, started_at="2026-03-02T07:00:00+00:00")
    save_analysis(result, shoe="pegasus 40", surface="treadmill", notes="easy, back ok")
    save_analysis(result)
    row = list_sessions().iloc[0]
    assert (row["shoe"], row["surface"], row["notes"]) == (
        "Pegasus 40",
        "treadmill",
        "easy, back ok",
    )


def test_edit_session_sets_fields(tmp_path: Path) -> None:
    add_shoe("Trail")
    sid = save_analysis(run_result(tmp_path, "r", seed=10, started_at="2026-03-02T07:00"))
    edit_session(sid, shoe="Trail", surface="trail", distance_m=7100.0)
    row = list_sessions().iloc[0]
    assert (row["shoe"], row["surface"], row["distance_m"]) == ("Trail", "trail", 7100.0)
    with pytest.raises(HistoryError, match="no session with id 999"):
        edit_session(999, notes="x")


def test_started_at_comes_from_the_sidecar(tmp_path: Path) -> None:
    save_analysis(run_result(tmp_path, "r", seed=11, started_at="2026-03-02T07:15:00+01:00"))
    row = list_sessions().iloc[0]
    assert row["started_at"] == "2026-03-02T07:15:00+01:00"
    assert row["started_ts"] == pytest.approx(1772432100.0)  # 06:15 UTC


def test_summary_and_findings_round_trip_with_nan_as_null(tmp_path: Path) -> None:
    findings = [{"id": "long_contact", "severity": "warning", "value": 312.0}]
    result = make_result(
        write_run(tmp_path, "r", seed=12, started_at="2026-03-02T07:00"),
        findings=findings,
        impact_g=float("nan"),
    )
    save_analysis(result)
    row = list_sessions(with_json=True).iloc[0]
    assert row["findings"] == findings
    assert row["summary"]["impact_g"] is None
    assert row["summary"]["cadence_spm"] == BASE_SUMMARY["cadence_spm"]
    assert np.isnan(row["impact_g"])
    # Stored text is strict JSON (no NaN tokens) for any other reader.
    conn = sqlite3.connect(tmp_path / "store" / "sessions.sqlite")
    text = conn.execute("SELECT summary_json FROM sessions").fetchone()[0]
    conn.close()
    json.loads(text, parse_constant=lambda c: pytest.fail(f"non-standard JSON {c}"))


@pytest.mark.parametrize("bad", [-1.0, float("nan"), float("inf")])
def test_bad_entered_distance_is_refused(tmp_path: Path, bad: float) -> None:
    result = run_result(tmp_path, "r", seed=13, started_at="2026-03-02T07:00")
    with pytest.raises(HistoryError, match="distance"):
        save_analysis(result, distance_m=bad)


# ----------------------------------------------------------------------------- baseline

CONTACTS = [260.0, 255.0, 250.0, 245.0, 240.0, 235.0, 230.0]


def _save_series(tmp_path: Path, n: int) -> list:
    results = []
    for i in range(n):
        result = run_result(
            tmp_path, f"r{i}", seed=300 + i, started_at=f"2026-03-{2 + i:02d}T07:00:00+00:00",
            contact_ms=CONTACTS[i], cadence_spm=160.0 + i, impact_g=None,
            braking_g=0.40 + 0.01 * i,
        )
        save_analysis(result)
        results.append(result)
    return results


def test_baseline_is_the_mean_of_the_last_n_sessions(tmp_path: Path) -> None:
    _save_series(tmp_path, 7)
    baseline = personal_baseline(n=5)
    assert baseline["contact_ms"] == pytest.approx(np.mean(CONTACTS[2:7]))
    assert baseline["cadence_spm"] == pytest.approx(np.mean([162, 163, 164, 165, 166]))
    assert baseline["pelvic_drop_left_deg"] == pytest.approx(BASE_SUMMARY["pelvic_drop_left_deg"])
    assert "impact_g" not in baseline  # no session has it
    # Summary keys the feedback layer compares beyond the stored key-metric columns.
    assert baseline["braking_g"] == pytest.approx(np.mean([0.42, 0.43, 0.44, 0.45, 0.46]))
    expected_balance = BASE_SUMMARY["contact_balance_left_pct"]
    assert baseline["contact_balance_left_pct"] == pytest.approx(expected_balance)


def test_baseline_is_empty_with_fewer_than_three_sessions(tmp_path: Path) -> None:
    _save_series(tmp_path, 2)
    assert personal_baseline() == {}


def test_baseline_excludes_the_run_being_judged(tmp_path: Path) -> None:
    results = _save_series(tmp_path, 6)
    baseline = personal_baseline(n=5, exclude=results[-1])
    assert baseline["contact_ms"] == pytest.approx(np.mean(CONTACTS[0:5]))
    before = personal_baseline(n=5, before="2026-03-05T00:00:00+00:00")
    assert before["contact_ms"] == pytest.approx(np.mean(CONTACTS[0:3]))


def test_baseline_without_a_store_is_empty_and_creates_nothing(tmp_path: Path) -> None:
    db = tmp_path / "never" / "sessions.sqlite"
    assert personal_baseline(db) == {}
    assert not db.exists()


def test_findings_given_as_dataclasses_are_stored_as_mappings(tmp_path: Path) -> None:
    from dataclasses import dataclass

    @dataclass
    class Finding:
        id: str
        severity: str

    result = make_result(write_run(tmp_path, "r", seed=14, started_at="2026-03-02T07:00"))
    result.findings = [Finding("leaning", "watch")]
    save_analysis(result)
    assert list_sessions(with_json=True).iloc[0]["findings"] == [
        {"id": "leaning", "severity": "watch"}
    ]
