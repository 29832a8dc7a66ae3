"""Personal-baseline hygiene: demos, clips, excluded sessions and other speeds stay out."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from gaitback.cli.main import main
from gaitback.history import list_sessions, personal_baseline, save_analysis
from test_history_support import isolated_store, make_result, run_result, write_run  # noqa: F401

REAL_CONTACTS = [240.0, 250.0, 260.0]


def _real_runs(tmp_path: Path, **summary: float) -> list[int]:
    ids = []
    for i, contact in enumerate(REAL_CONTACTS):
        path = write_run(
            tmp_path, f"real{i}", seed=500 + i, started_at=f"2026-03-{2 + i:02d}T07:00:00+00:00"
        )
        ids.append(save_analysis(make_result(path, contact_ms=contact, **summary)))
    return ids


def _mark_simulated(csv_path: Path, how: dict[str, object]) -> None:
    sidecar = csv_path.with_suffix(".json")
    meta = json.loads(sidecar.read_text())
    meta.update(how)
    sidecar.write_text(json.dumps(meta))


@pytest.mark.parametrize("mark", [{"device": "gaitback-sim"}, {"simulated": True}])
def test_simulated_recordings_are_stored_but_never_compared_against(
    tmp_path: Path, mark: dict[str, object]
) -> None:
    _real_runs(tmp_path)
    for i in range(4):
        path = write_run(tmp_path, f"sim{i}", seed=600 + i, started_at=f"2026-03-1{i}T07:00")
        _mark_simulated(path, mark)
        save_analysis(make_result(path, contact_ms=400.0))
    sessions = list_sessions()
    assert len(sessions) == 7
    assert sessions["demo"].sum() == 4
    assert personal_baseline()["contact_ms"] == pytest.approx(np.mean(REAL_CONTACTS))


def test_the_bundled_quick_start_recording_is_a_demo(tmp_path: Path) -> None:
    # The Quick start's file: analysed and saved, but never "your recent runs".
    bundled = Path(__file__).parents[1] / "recordings" / "synthetic" / "baseline.csv"
    copy = tmp_path / "baseline.csv"
    shutil.copy(bundled, copy)
    shutil.copy(bundled.with_suffix(".json"), copy.with_suffix(".json"))
    save_analysis(make_result(copy))
    assert list_sessions()["demo"].tolist() == [True]


def test_short_clips_are_left_out(tmp_path: Path) -> None:
    _real_runs(tmp_path)
    for i in range(3):
        save_analysis(
            run_result(
                tmp_path, f"clip{i}", seed=700 + i, started_at=f"2026-03-2{i}T07:00",
                contact_ms=400.0, running_s=45.0,
            )
        )
    assert personal_baseline()["contact_ms"] == pytest.approx(np.mean(REAL_CONTACTS))


def test_history_exclude_and_include(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ids = _real_runs(tmp_path)
    odd = run_result(
        tmp_path, "odd", seed=800, started_at="2026-03-20T07:00", contact_ms=400.0
    )
    odd_id = save_analysis(odd)
    assert personal_baseline()["contact_ms"] == pytest.approx(np.mean([*REAL_CONTACTS, 400.0]))

    assert main(["history", "exclude", str(odd_id)]) == 0
    assert "left out of your personal baseline" in capsys.readouterr().out
    assert personal_baseline()["contact_ms"] == pytest.approx(np.mean(REAL_CONTACTS))
    # Re-analysing the same recording does not let it back in.
    save_analysis(odd)
    assert personal_baseline()["contact_ms"] == pytest.approx(np.mean(REAL_CONTACTS))
    assert len(list_sessions()) == len(ids) + 1

    assert main(["history", "include", str(odd_id)]) == 0
    assert personal_baseline()["contact_ms"] == pytest.approx(np.mean([*REAL_CONTACTS, 400.0]))


def test_history_exclude_of_an_unknown_session_is_one_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["history", "exclude", "99"]) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "99" in err[0]


def test_with_a_known_speed_only_runs_of_similar_speed_count(tmp_path: Path) -> None:
    _real_runs(tmp_path, speed_mps=3.0)
    for i in range(3):
        path = write_run(tmp_path, f"fast{i}", seed=900 + i, started_at=f"2026-03-1{i}T07:00")
        save_analysis(make_result(path, contact_ms=200.0, speed_mps=4.5))
    assert personal_baseline(speed_mps=3.1)["contact_ms"] == pytest.approx(np.mean(REAL_CONTACTS))
    assert personal_baseline(speed_mps=4.5)["contact_ms"] == pytest.approx(200.0)
    # Unknown speed: every eligible run.
    everything = [*REAL_CONTACTS, 200.0, 200.0, 200.0]
    assert personal_baseline(n=10)["contact_ms"] == pytest.approx(np.mean(everything))
