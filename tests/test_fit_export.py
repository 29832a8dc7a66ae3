"""``gaitback analyze --fit``: run.fit decoded by Garmin's FIT SDK and by fitparse.

gaitback writes FIT with fit-tool; neither decoder here shares code with it.
Expected values come from the FIT profile's documented units (cadence in
strides/min, stance_time in ms, vertical_oscillation and step_length in mm),
from steps.csv / summary.json of the same analysis, and from the simulator's
truth file.
"""

from __future__ import annotations

import json
import math
import os
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest

from fit_support import BUNDLED, copy_baseline, fitparse_decode, garmin_decode, unix_s
from gaitback import schema as col
from gaitback.cli.main import main

STARTED_AT = "2026-11-25T10:00:00.250+00:00"
START_UNIX_S = datetime.fromisoformat(STARTED_AT).timestamp()
DEV_FIELDS = {  # FIT developer field name -> (summary key, units)
    "pelvic_drop_left": ("pelvic_drop_left_deg", "deg"),
    "pelvic_drop_right": ("pelvic_drop_right_deg", "deg"),
    "pelvic_rotation": ("pelvic_rotation_deg", "deg"),
    "forward_lean": ("forward_lean_deg", "deg"),
    "braking": ("braking_g", "g"),
    "impact": ("impact_g", "g"),
}


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("fit_export")
    csv = copy_baseline(root / "in", STARTED_AT)
    out = root / "out"
    assert main(["analyze", str(csv), "--out", str(out), "--fit", "--no-save",
                 "--no-report"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    steps = pd.read_csv(out / "steps.csv")
    truth = json.loads((BUNDLED / "baseline.truth.json").read_text())
    first_sample_s = float(pd.read_csv(csv, usecols=[col.TIME], nrows=1)[col.TIME].iloc[0])
    return {"fit": out / "run.fit", "summary": summary, "steps": steps, "truth": truth,
            "garmin": garmin_decode(out / "run.fit"), "fitparse": fitparse_decode(out / "run.fit"),
            "time0_s": first_sample_s}


def test_fit_is_a_complete_activity(exported):
    msgs = exported["garmin"]
    assert msgs["file_id_mesgs"][0]["type"] == "activity"
    assert msgs["device_info_mesgs"]
    events = [(e["event"], e["event_type"]) for e in msgs["event_mesgs"]]
    assert events[0] == ("timer", "start") and events[-1][0] == "timer"
    assert events[-1][1] in ("stop", "stop_all")
    assert len(msgs["lap_mesgs"]) == 1 and len(msgs["session_mesgs"]) == 1
    assert msgs["activity_mesgs"][0]["num_sessions"] == 1
    session = msgs["session_mesgs"][0]
    assert session["sport"] == "running" and session["sub_sport"] == "treadmill"
    # fitparse reads the same structure, with the CRC checked.
    names = set(exported["fitparse"])
    assert {"file_id", "device_info", "event", "record", "lap", "session", "activity"} <= names


def test_timestamps_come_from_started_at(exported):
    session = exported["garmin"]["session_mesgs"][0]
    summary = exported["summary"]
    # FIT date-times are whole seconds.
    assert unix_s(session["start_time"]) == math.floor(START_UNIX_S)
    assert session["total_elapsed_time"] == pytest.approx(summary["duration_s"], abs=1e-3)
    steps = exported["steps"]
    strike_unix = START_UNIX_S + steps[col.FOOT_STRIKE] - exported["time0_s"]
    expected_seconds = sorted(set(np.floor(strike_unix).astype(int)))
    records = exported["garmin"]["record_mesgs"]
    assert [int(unix_s(r["timestamp"])) for r in records] == expected_seconds


def _expected_records(exported) -> dict[int, dict[str, float]]:
    """Per whole second: the means of steps.csv's steps striking in it."""
    steps = exported["steps"].copy()
    steps["second"] = np.floor(START_UNIX_S + steps[col.FOOT_STRIKE] - exported["time0_s"])
    out = {}
    for second, g in steps.groupby("second"):
        left = g.loc[g[col.SIDE] == "L", col.CONTACT].mean()
        right = g.loc[g[col.SIDE] == "R", col.CONTACT].mean()
        step_ms = g[col.STEP_TIME].mean()
        out[int(second)] = {
            "strides_per_min": 30000.0 / step_ms,
            "stance_time": g[col.CONTACT].mean(),
            "balance": 100 * left / (left + right) if left == left and right == right else None,
            "vo_mm": 10 * g[col.VERTICAL_OSCILLATION].mean(),
            "step_length_mm": 3.0 * step_ms,  # treadmill 3.0 m/s x step time in ms
            # % of the stride (two steps), as watches write it.
            "stance_pct": 100 * g[col.CONTACT].mean() / (2 * step_ms),
        }
    return out


def test_records_carry_running_dynamics_in_fit_units(exported):
    expected = _expected_records(exported)
    records = exported["garmin"]["record_mesgs"]
    assert len(records) >= 45  # ~50 s of running
    for r in records:
        want = expected[int(unix_s(r["timestamp"]))]
        # cadence (uint8) + fractional_cadence (1/128): strides per minute.
        strides = r["cadence"] + r["fractional_cadence"]
        assert strides == pytest.approx(want["strides_per_min"], abs=1 / 128 + 1e-9)
        assert 75 < strides < 100  # strides, not steps (a runner takes ~170 steps/min)
        # Half a unit of the field's resolution (0.1), plus what steps.csv's six
        # significant figures leave out of the expectation (0.005 ms on a contact,
        # 3 x 0.0005 mm on a step length): a mean on a rounding boundary may go
        # either way.
        assert r["stance_time"] == pytest.approx(want["stance_time"], abs=0.05 + 0.005)
        assert r["vertical_oscillation"] == pytest.approx(want["vo_mm"], abs=0.05 + 1e-4)
        assert r["step_length"] == pytest.approx(want["step_length_mm"], abs=0.05 + 0.0015)
        # One unit of the field's resolution (scale 100): the writer may round either way.
        assert r["stance_time_percent"] == pytest.approx(want["stance_pct"], abs=0.01)
        assert 30 < r["stance_time_percent"] < 45
        assert r["vertical_ratio"] == pytest.approx(
            want["vo_mm"] / want["step_length_mm"] * 100, abs=0.006
        )
        assert r["enhanced_speed"] == pytest.approx(3.0, abs=1e-3)
        if want["balance"] is None:
            assert r.get("stance_time_balance") is None
        else:
            assert r["stance_time_balance"] == pytest.approx(want["balance"], abs=0.01)


def test_session_and_lap_carry_the_summary(exported):
    s = exported["summary"]
    for summary_mesg in (exported["garmin"]["session_mesgs"][0],
                         exported["garmin"]["lap_mesgs"][0]):
        strides = summary_mesg["avg_running_cadence"] + summary_mesg["avg_fractional_cadence"]
        assert strides == pytest.approx(s["cadence_spm"] / 2, abs=1 / 128)
        assert summary_mesg["avg_stance_time"] == pytest.approx(s["contact_ms"], abs=0.05)
        assert summary_mesg["avg_stance_time_balance"] == pytest.approx(
            s["contact_balance_left_pct"], abs=0.01)  # one unit of resolution (scale 100)
        assert summary_mesg["avg_vertical_oscillation"] == pytest.approx(
            s["vertical_oscillation_cm"] * 10, abs=0.05)
        assert summary_mesg["avg_vertical_ratio"] == pytest.approx(
            s["vertical_ratio_pct"], abs=0.01)
        assert summary_mesg["avg_step_length"] == pytest.approx(s["step_length_m"] * 1000, abs=0.05)
        assert summary_mesg["enhanced_avg_speed"] == pytest.approx(3.0, abs=1e-3)
        assert summary_mesg["total_strides"] == s["n_steps"] // 2
        assert summary_mesg["avg_stance_time_percent"] == pytest.approx(
            100 * s["duty_factor"], abs=0.01)


def test_session_matches_simulator_truth(exported):
    """The chain IMU -> steps -> FIT lands near what the simulated runner did."""
    truth = exported["truth"]["summary"]
    session = exported["garmin"]["session_mesgs"][0]
    strides = session["avg_running_cadence"] + session["avg_fractional_cadence"]
    assert 2 * strides == pytest.approx(truth["cadence_spm"], abs=1.0)
    assert session["avg_stance_time"] == pytest.approx(truth["contact_ms"], abs=10.0)
    # Vertical oscillation is left out here: the realistic sacral sensor rides on
    # soft tissue, so the sacrum's bounce is not the centre of mass's (see
    # docs/simulator.md); test_records_carry... checks it against summary.json.
    assert session["avg_stance_time_balance"] == pytest.approx(
        truth["contact_balance_left_pct"], abs=1.0)


def test_developer_fields_have_names_units_and_summary_values(exported):
    # fitparse resolves developer fields to their names and units.
    session = exported["fitparse"]["session"][0]
    s = exported["summary"]
    for name, (key, units) in DEV_FIELDS.items():
        value, unit = session[name]
        assert unit == units
        assert value == pytest.approx(s[key], rel=1e-6)  # float32
    # Garmin's SDK sees the same descriptions.
    descriptions = {d["field_name"]: d["units"]
                    for d in exported["garmin"]["field_description_mesgs"]}
    assert descriptions == {name: units for name, (_, units) in DEV_FIELDS.items()}
    records = exported["fitparse"]["record"]
    assert all("pelvic_drop_left" in r or "pelvic_drop_right" in r for r in records)


def test_without_started_at_the_file_time_is_used_and_said(tmp_path, capsys):
    csv = copy_baseline(tmp_path / "in", started_at=None)
    mtime = datetime(2026, 5, 1, 8, 0, 0, tzinfo=UTC).timestamp()
    os.utime(csv, (mtime, mtime))
    out = tmp_path / "out"
    assert main(["analyze", str(csv), "--out", str(out), "--fit", "--no-save",
                 "--no-report"]) == 0
    printed = capsys.readouterr().out
    assert "started_at" in printed and "modification time" in printed
    summary = json.loads((out / "summary.json").read_text())
    assert any("modification time" in w for w in summary["warnings"])
    session = garmin_decode(out / "run.fit")["session_mesgs"][0]
    # The file was last written as the recording ended.
    assert unix_s(session["start_time"]) == pytest.approx(mtime - summary["duration_s"], abs=1.0)
