"""Export (JSON, CSV) and idempotent, all-or-nothing import of the store."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from gaitback.history import (
    HistoryError,
    add_shoe,
    export_data,
    export_store,
    import_store,
    list_sessions,
    list_shoes,
    retire_shoe,
    save_analysis,
)
from test_history_support import isolated_store, make_result, run_result, write_run  # noqa: F401

FINDINGS = [{"id": "overstriding", "severity": "warning", "message": "long contact"}]


def _fill(tmp_path: Path, db: Path) -> None:
    add_shoe("Road", db, brand="Nike", model="Pegasus", warn_miles=250)
    add_shoe("Old", db)
    retire_shoe("Old", db)
    save_analysis(
        run_result(tmp_path, "a", seed=1, started_at="2026-03-02T07:00:00+01:00", speed_mps=3.0),
        db, shoe="Road", surface="treadmill", notes="felt good",
    )
    save_analysis(
        make_result(
            write_run(tmp_path, "b", seed=2, started_at="2026-03-05T18:30:00+01:00"),
            findings=FINDINGS, contact_ms=281.0,
        ),
        db, shoe="Old", distance_m=7000.0,
    )
    save_analysis(run_result(tmp_path, "c", seed=3, started_at="2026-03-10T07:00:00+01:00"), db)


def _comparable(db: Path) -> tuple[list[dict], list[tuple]]:
    data = export_data(db)
    sessions = sorted(data["sessions"], key=lambda s: s["recording_id"])
    shoes = sorted(
        (s.name, s.brand, s.model, s.retired_at, s.warn_miles, s.replace_miles, s.distance_m)
        for s in list_shoes(db)
    )
    return sessions, shoes


def test_json_export_then_import_into_a_new_store_reproduces_it(tmp_path: Path) -> None:
    src, dst = tmp_path / "src.sqlite", tmp_path / "dst.sqlite"
    _fill(tmp_path, src)
    export_store(tmp_path / "all.json", src)
    counts = import_store(tmp_path / "all.json", dst)
    assert counts == {"shoes_added": 2, "shoes_updated": 0, "sessions_added": 3,
                      "sessions_updated": 0}
    assert _comparable(dst) == _comparable(src)
    b = next(s for s in export_data(dst)["sessions"] if s["distance_m"] == 7000.0)
    assert b["findings"] == FINDINGS
    assert b["summary"]["contact_ms"] == 281.0
    assert b["shoe"] == "Old"
    # Key metric columns are rebuilt from the imported summary.
    assert sorted(list_sessions(dst)["contact_ms"]) == [250.0, 250.0, 281.0]


def test_import_is_idempotent(tmp_path: Path) -> None:
    src, dst = tmp_path / "src.sqlite", tmp_path / "dst.sqlite"
    _fill(tmp_path, src)
    export_store(tmp_path / "all.json", src)
    import_store(tmp_path / "all.json", dst)
    once = _comparable(dst)
    counts = import_store(tmp_path / "all.json", dst)
    assert counts == {"shoes_added": 0, "shoes_updated": 2, "sessions_added": 0,
                      "sessions_updated": 3}
    assert _comparable(dst) == once
    # Importing a store into itself changes nothing either.
    import_store(tmp_path / "all.json", src)
    assert len(list_sessions(src)) == 3


def test_export_file_is_documented_json(tmp_path: Path) -> None:
    db = tmp_path / "s.sqlite"
    _fill(tmp_path, db)
    data = json.loads(export_store(tmp_path / "x.json", db).read_text())
    assert data["format"] == "gaitback-history/1"
    assert len(data["sessions"]) == 3 and len(data["shoes"]) == 2
    assert data["sessions"][0]["started_at"] == "2026-03-02T07:00:00+01:00"
    assert data["sessions"][0]["distance_m"] == pytest.approx(3.0 * 1800.0)


def test_csv_export_has_one_row_per_session(tmp_path: Path) -> None:
    db = tmp_path / "s.sqlite"
    _fill(tmp_path, db)
    frame = pd.read_csv(export_store(tmp_path / "x.csv", db))
    assert len(frame) == 3
    assert frame["distance_m"].tolist()[:2] == pytest.approx([5400.0, 7000.0])
    assert frame["shoe"].tolist()[:2] == ["Road", "Old"]
    assert json.loads(frame["findings_json"].iloc[1]) == FINDINGS
    assert json.loads(frame["summary_json"].iloc[1])["contact_ms"] == 281.0


def test_failed_import_changes_nothing(tmp_path: Path) -> None:
    src = tmp_path / "src.sqlite"
    _fill(tmp_path, src)
    data = export_data(src)
    data["shoes"] = [{"name": "Brand new"}]  # "Road" and "Old" are not defined
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(data))
    dst = tmp_path / "dst.sqlite"
    with pytest.raises(HistoryError, match="unknown shoe"):
        import_store(path, dst)
    assert list_sessions(dst).empty
    assert list_shoes(dst) == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "invalid JSON"),
        ('{"format": "something-else"}', "not a gaitback history export"),
        ('{"format": "gaitback-history/1", "sessions": [{"started_at": "2026-01-01"}]}',
         "recording_id is missing"),
        ('{"format": "gaitback-history/1", "sessions": {}}', "must be a list"),
    ],
)
def test_bad_import_files_are_one_line_errors(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(HistoryError, match=message) as info:
        import_store(path)
    assert "\n" not in str(info.value)


def test_import_of_csv_or_missing_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "x.csv").write_text("id\n1\n")
    with pytest.raises(HistoryError, match="reads a JSON export"):
        import_store(tmp_path / "x.csv")
    with pytest.raises(HistoryError, match="no such file"):
        import_store(tmp_path / "missing.json")
    with pytest.raises(HistoryError, match=r"\.json or \.csv"):
        export_store(tmp_path / "x.xlsx")
