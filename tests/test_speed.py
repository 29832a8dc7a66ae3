"""Speed in the runner's units: one parser for analyze, live and simulate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gaitback.cli.main import main
from gaitback.errors import GaitbackError
from gaitback.speed import speed_parse

BUNDLED = Path(__file__).parents[1] / "recordings" / "synthetic" / "baseline.csv"
MILE_M = 1609.344  # international mile


@pytest.mark.parametrize(
    ("text", "mps"),
    [
        ("12km/h", 12000 / 3600),
        ("12 km/h", 12000 / 3600),
        ("10.8kph", 3.0),
        ("7.5mph", 7.5 * MILE_M / 3600),
        ("3.3m/s", 3.3),
        ("3.3", 3.3),
        ("5:00/km", 1000 / 300),
        ("4:30 min/km", 1000 / 270),
        ("8:00/mi", MILE_M / 480),
    ],
)
def test_speeds_and_paces_in_metres_per_second(text, mps):
    assert speed_parse(text) == pytest.approx(mps)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("12", "did you mean 12km/h"),
        ("0.5", "not a running speed"),
        ("60km/h", "not a running speed"),
        ("fast", "not a speed"),
        ("5:00/parsec", "unknown pace unit"),
        ("3 furlongs/h", "unknown unit"),
    ],
)
def test_bad_speeds_are_one_clear_line(text, says):
    with pytest.raises(GaitbackError) as info:
        speed_parse(text)
    message = str(info.value)
    assert says in message and "\n" not in message


def test_analyze_with_a_bare_treadmill_reading_stops_with_one_line(capsys, tmp_path):
    code = main(["analyze", str(BUNDLED), "--speed", "12", "--no-save", "--out", str(tmp_path)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code != 0
    assert len(err) == 1 and "km/h" in err[0]
    assert not (tmp_path / "summary.json").exists()


def test_analyze_takes_km_per_hour(capsys, tmp_path):
    code = main(
        ["analyze", str(BUNDLED), "--speed", "12km/h", "--no-save", "--out", str(tmp_path),
         "--json"]
    )
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["speed_mps"] == pytest.approx(12 / 3.6)
    # Step length = speed x step time: a plausible 1.1-1.3 m, not the 4 m of 12 m/s.
    assert 1.0 < summary["step_length_m"] < 1.4


def test_simulate_takes_a_pace(tmp_path, capsys):
    out = tmp_path / "run.csv"
    code = main(["simulate", "--out", str(out), "--speed", "5:00/km", "--running-s", "5",
                 "--standing-before-s", "1", "--standing-after-s", "1"])
    assert code == 0
    sidecar = json.loads(out.with_suffix(".json").read_text())
    assert sidecar["treadmill_speed_mps"] == pytest.approx(1000 / 300)
