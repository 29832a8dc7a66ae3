"""Shoes: mileage is the sum of session distances; warning and replace thresholds; CLI."""

from __future__ import annotations

from pathlib import Path

import pytest

from gaitback.cli.main import main
from gaitback.history import (
    METRES_PER_MILE,
    HistoryError,
    add_shoe,
    edit_session,
    list_shoes,
    retire_shoe,
    save_analysis,
    shoe_status,
)
from test_history_support import isolated_store, run_result  # noqa: F401


def test_mile_is_the_international_mile() -> None:
    assert METRES_PER_MILE == 1609.344


@pytest.mark.parametrize(
    ("miles", "status"),
    [(0.0, "ok"), (299.99, "ok"), (300.0, "warning"), (499.99, "warning"), (500.0, "replace"),
     (800.0, "replace")],
)
def test_default_status_thresholds(miles: float, status: str) -> None:
    assert shoe_status(miles * METRES_PER_MILE, 300.0, 500.0) == status


def test_retired_shoe_status_is_retired_whatever_the_mileage() -> None:
    assert shoe_status(900 * METRES_PER_MILE, 300, 500, retired_at="2026-01-01") == "retired"


def test_mileage_is_the_sum_of_the_shoes_session_distances(tmp_path: Path) -> None:
    add_shoe("Road")
    add_shoe("Trail", brand="Hoka", model="Speedgoat", warn_miles=100, replace_miles=150)
    plan = [("Road", 100_000.0), ("Trail", 120_000.0), ("Road", 150_000.0),
            ("Trail", 80_000.0), (None, 9_000.0)]
    for i, (shoe, distance) in enumerate(plan):
        result = run_result(tmp_path, f"r{i}", seed=i, started_at=f"2026-03-{2 + i:02d}T07:00")
        save_analysis(result, shoe=shoe, distance_m=distance)
    shoes = {s.name: s for s in list_shoes()}
    assert shoes["Road"].distance_m == 250_000.0
    assert shoes["Road"].sessions == 2
    assert shoes["Road"].distance_km == 250.0
    assert shoes["Road"].distance_miles == pytest.approx(250_000 / 1609.344)
    assert shoes["Road"].status == "ok"  # 155 miles
    assert shoes["Trail"].distance_m == 200_000.0  # 124.3 miles: past 100, below 150
    assert shoes["Trail"].status == "warning"
    assert (shoes["Trail"].brand, shoes["Trail"].model) == ("Hoka", "Speedgoat")


def test_moving_a_session_to_another_shoe_moves_its_mileage(tmp_path: Path) -> None:
    add_shoe("A")
    add_shoe("B")
    sid = save_analysis(
        run_result(tmp_path, "r", seed=1, started_at="2026-03-02T07:00"), shoe="A",
        distance_m=10_000.0,
    )
    edit_session(sid, shoe="B")
    shoes = {s.name: s.distance_m for s in list_shoes()}
    assert shoes == {"A": 0.0, "B": 10_000.0}


def test_retire_keeps_mileage_and_can_be_hidden(tmp_path: Path) -> None:
    add_shoe("Old")
    save_analysis(
        run_result(tmp_path, "r", seed=1, started_at="2026-03-02T07:00"), shoe="Old",
        distance_m=5000.0,
    )
    retire_shoe("old")
    (old,) = list_shoes()
    assert old.retired_at is not None
    assert old.distance_m == 5000.0
    assert old.status == "retired"
    assert list_shoes(include_retired=False) == []


def test_shoe_names_are_unique_ignoring_case() -> None:
    add_shoe("Pegasus")
    with pytest.raises(HistoryError, match="already exists"):
        add_shoe("pegasus")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"warn_miles": 0}, "warn-miles"), ({"warn_miles": 600}, "above the replace"),
     ({"replace_miles": float("nan")}, "replace-miles")],
)
def test_bad_limits_are_refused(kwargs: dict, message: str) -> None:
    with pytest.raises(HistoryError, match=message):
        add_shoe("X", **kwargs)


# ----------------------------------------------------------------------------- CLI


def test_cli_add_list_retire(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "cli.sqlite"
    assert main(["shoes", "add", "Pegasus 40", "--warn-miles", "2", "--replace-miles", "4",
                 "--db", str(db)]) == 0
    assert main(["shoes", "--db", str(db), "add", "Spare"]) == 0
    save_analysis(
        run_result(tmp_path, "r", seed=1, started_at="2026-03-02T07:00"), db,
        shoe="Pegasus 40", distance_m=5000.0,  # 3.1 miles: past 2, below 4
    )
    capsys.readouterr()
    assert main(["shoes", "list", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    pegasus = next(line for line in out.splitlines() if line.startswith("Pegasus 40"))
    assert "5.0" in pegasus and "3.1" in pegasus and "warning" in pegasus
    spare = next(line for line in out.splitlines() if line.startswith("Spare"))
    assert spare.split()[-1] == "ok"
    assert "Shoe 'Pegasus 40' has 3 miles" in out

    assert main(["shoes", "retire", "Spare", "--db", str(db)]) == 0
    capsys.readouterr()
    assert main(["shoes", "list", "--active", "--db", str(db)]) == 0
    assert "Spare" not in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["shoes", "retire", "Nope"], "unknown shoe 'Nope'"),
        (["shoes", "add", "  "], "needs a name"),
        (["shoes", "add", "X", "--warn-miles", "-5"], "warn-miles"),
    ],
)
def test_cli_errors_are_one_line_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("gaitback: error: ") and message in err
    assert err.count("\n") == 1
