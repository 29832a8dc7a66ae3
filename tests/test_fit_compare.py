"""``--compare WATCH.fit`` and FIT in ``convert`` / ``analyze``.

Watch files are encoded with Garmin's FIT SDK (independent of fitdecode, which
gaitback reads with) and hold values constructed here, in the FIT profile's
units; gaitback's side is checked against its own steps.csv / summary.json.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import gaitback
from fit_support import (
    FIT_EPOCH,
    DeveloperField,
    WatchSecond,
    copy_baseline,
    encode_watch_fit,
)
from gaitback import schema as col
from gaitback.cli.main import main
from gaitback.fitfiles.run import compare_with_watch

STARTED_AT = datetime(2026, 11, 25, 10, 0, 0, tzinfo=UTC)
#: A watch's running values inside the run, in FIT units, and what they mean in gaitback's.
RUN_VALUES = {"cadence": 86, "fractional_cadence": 0.5, "stance_time": 260.0,
              "stance_time_balance": 49.5, "vertical_oscillation": 80.0,
              "vertical_ratio": 7.5, "step_length": 1100.0, "enhanced_speed": 3.0}
RUN_EXPECTED = {col.CADENCE_SPM: 173.0, col.CONTACT: 260.0, col.CONTACT_BALANCE: 49.5,
                col.VERTICAL_OSCILLATION: 8.0, col.VERTICAL_RATIO: 7.5, col.STEP_LENGTH: 1.1}
#: The same watch while warming up, before the recording: must not enter the comparison.
WARMUP_VALUES = {"cadence": 70, "fractional_cadence": 0.0, "stance_time": 400.0,
                 "stance_time_balance": 45.0, "vertical_oscillation": 50.0,
                 "vertical_ratio": 9.0, "step_length": 700.0, "enhanced_speed": 1.5}


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("compare")
    csv = copy_baseline(root / "in", STARTED_AT.isoformat())
    result = gaitback.analyze(csv)
    time0 = float(result.recording.time_s[0])
    strikes = STARTED_AT.timestamp() + result.steps[col.FOOT_STRIKE].to_numpy() - time0
    seconds = sorted(set(np.floor(strikes).astype(int)))
    return {"root": root, "csv": csv, "result": result, "seconds": seconds}


def _watch_around_run(path: Path, run: dict, shift_s: float = 0.0) -> Path:
    """Records every second from 60 s before the run to 10 s after it."""
    first, last = run["seconds"][0], run["seconds"][-1]
    records = []
    for t in range(first - 60, last + 11):
        values = RUN_VALUES if first - 1 <= t <= last + 1 else WARMUP_VALUES
        stamp = datetime.fromtimestamp(t + shift_s, tz=UTC)
        records.append(WatchSecond(stamp, **values))
    return encode_watch_fit(path, records)


def test_time_aligned_comparison_uses_the_same_running_seconds(run):
    watch = _watch_around_run(run["root"] / "garmin.fit", run)
    comparison = compare_with_watch(run["result"], watch)
    data = comparison.to_json()
    assert data["basis"] == "time-aligned"
    assert data["overlap_s"] == len(run["seconds"])
    summary = run["result"].summary
    for key, expected_watch in RUN_EXPECTED.items():
        entry = data[key]
        # The warm-up's values would pull any whole-file mean away from these.
        assert entry["watch"] == pytest.approx(expected_watch, abs=1e-3), key
        assert entry["difference"] == pytest.approx(entry["gaitback"] - entry["watch"], abs=1e-9)
    # gaitback's side: its per-second means over the run, close to its own summary.
    assert data[col.CONTACT]["gaitback"] == pytest.approx(summary["contact_ms"], abs=3.0)
    assert data[col.CADENCE_SPM]["gaitback"] == pytest.approx(summary["cadence_spm"], abs=2.0)
    assert data[col.STEP_LENGTH]["gaitback"] == pytest.approx(summary["step_length_m"], abs=0.02)
    assert data["watch_fields"][col.CONTACT] == "standard field stance_time"


def test_no_overlap_in_time_falls_back_to_averages_and_says_so(run):
    watch = _watch_around_run(run["root"] / "yesterday.fit", run, shift_s=-86400)
    data = compare_with_watch(run["result"], watch).to_json()
    assert data["basis"] == "whole-run averages"
    assert "do not overlap" in data["note"]
    assert data[col.CONTACT]["gaitback"] == pytest.approx(run["result"].summary["contact_ms"])


def test_recording_without_clock_compares_whole_run_averages(tmp_path, run):
    result = copy.deepcopy(run["result"])
    result.recording.meta.started_at = None
    start = datetime(2026, 1, 1, tzinfo=UTC)
    records = [WatchSecond(start + timedelta(seconds=i), **RUN_VALUES) for i in range(40)]
    # The session's own averages (what the watch says for the whole run) differ from
    # the records' mean on purpose: they are what a whole-run comparison must use.
    session = {"avg_stance_time": 270.0, "avg_vertical_oscillation": 85.0,
               "avg_stance_time_balance": 50.5}
    watch = encode_watch_fit(tmp_path / "w.fit", records, session=session)
    data = compare_with_watch(result, watch).to_json()
    assert data["basis"] == "whole-run averages"
    assert "started_at" in data["note"]
    assert data[col.CONTACT] == {
        "gaitback": pytest.approx(result.summary["contact_ms"]),
        "watch": pytest.approx(270.0, abs=0.05),
        "difference": pytest.approx(result.summary["contact_ms"] - 270.0, abs=0.05),
    }
    assert data[col.VERTICAL_OSCILLATION]["watch"] == pytest.approx(8.5, abs=0.005)
    assert data[col.CONTACT_BALANCE]["watch"] == pytest.approx(50.5, abs=0.005)
    # No session cadence was written: the records' mean stands in.
    assert data[col.CADENCE_SPM]["watch"] == pytest.approx(173.0, abs=1e-3)


def test_watch_without_clock_compares_whole_run_averages(tmp_path, run):
    # FIT date-times below 0x10000000 count from the device's power-on.
    start = FIT_EPOCH + timedelta(seconds=5000)
    records = [WatchSecond(start + timedelta(seconds=i), **RUN_VALUES) for i in range(30)]
    watch = encode_watch_fit(tmp_path / "noclock.fit", records)
    data = compare_with_watch(run["result"], watch).to_json()
    assert data["basis"] == "whole-run averages"
    assert "no clock" in data["note"]
    assert data[col.CONTACT]["watch"] == pytest.approx(260.0, abs=0.05)


def test_stryd_developer_fields_are_read_by_name_and_units(tmp_path, run):
    fields = [DeveloperField(0, "Power", "Watts"), DeveloperField(1, "Ground Time", "ms"),
              DeveloperField(2, "Vertical Oscillation", "cm"), DeveloperField(3, "Cadence", "spm"),
              DeveloperField(4, "Leg Spring Stiffness", "KN/m")]
    first, last = run["seconds"][0], run["seconds"][-1]
    records = [
        WatchSecond(datetime.fromtimestamp(t, tz=UTC), enhanced_speed=3.0,
                    developer={0: 250.0, 1: 255.0, 2: 7.6, 3: 171.0, 4: 11.2})
        for t in range(first, last + 1)
    ]
    watch = encode_watch_fit(tmp_path / "stryd.fit", records, manufacturer="stryd",
                             developer_fields=fields)
    data = compare_with_watch(run["result"], watch).to_json()
    assert data["basis"] == "time-aligned"
    assert data[col.CONTACT]["watch"] == pytest.approx(255.0, abs=1e-3)
    assert data[col.VERTICAL_OSCILLATION]["watch"] == pytest.approx(7.6, abs=1e-4)
    assert data[col.CADENCE_SPM]["watch"] == pytest.approx(171.0, abs=1e-3)
    assert "Ground Time" in data["watch_fields"][col.CONTACT]
    assert data[col.CONTACT_BALANCE]["watch"] is None  # Stryd has no balance
    assert "stryd" in data["watch_device"].lower()


def test_standard_fields_win_over_developer_fields(tmp_path, run):
    fields = [DeveloperField(1, "Ground Time", "ms")]
    first, last = run["seconds"][0], run["seconds"][-1]
    records = [WatchSecond(datetime.fromtimestamp(t, tz=UTC), **RUN_VALUES,
                           developer={1: 999.0}) for t in range(first, last + 1)]
    watch = encode_watch_fit(tmp_path / "both.fit", records, developer_fields=fields)
    data = compare_with_watch(run["result"], watch).to_json()
    assert data[col.CONTACT]["watch"] == pytest.approx(260.0, abs=1e-3)


def test_coros_file_with_standard_fields(tmp_path, run):
    first, last = run["seconds"][0], run["seconds"][-1]
    records = [WatchSecond(datetime.fromtimestamp(t, tz=UTC), **RUN_VALUES)
               for t in range(first, last + 1)]
    watch = encode_watch_fit(tmp_path / "coros.fit", records, manufacturer="coros")
    data = compare_with_watch(run["result"], watch).to_json()
    assert "coros" in data["watch_device"].lower()
    for key, expected in RUN_EXPECTED.items():
        assert data[key]["watch"] == pytest.approx(expected, abs=1e-3)


def test_cli_compare_writes_summary_and_report(run, capsys):
    watch = _watch_around_run(run["root"] / "cli.fit", run)
    out = run["root"] / "cli_out"
    assert main(["analyze", str(run["csv"]), "--out", str(out), "--compare", str(watch),
                 "--no-save"]) == 0
    compare = json.loads((out / "summary.json").read_text())["compare"]
    for key in col.COMPARED:
        assert set(compare[key]) == {"gaitback", "watch", "difference"}
        assert compare[key]["watch"] == pytest.approx(RUN_EXPECTED[key], abs=1e-3)
    report = (out / "report.html").read_text()
    assert "Side by side with your watch" in report
    assert 'role="img" aria-label="gaitback and watch traces"' in report
    assert "time-aligned" in report


@pytest.mark.parametrize("content", [b"", b"not a fit file at all", b"\x0e\x10" + b"\x00" * 40])
def test_bad_watch_file_is_one_line(tmp_path, run, capsys, content):
    bad = tmp_path / "bad.fit"
    bad.write_bytes(content)
    assert main(["analyze", str(run["csv"]), "--out", str(tmp_path / "o"), "--compare",
                 str(bad), "--no-save", "--no-report"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "bad.fit" in err and "Traceback" not in err
    assert not (tmp_path / "o").exists()  # refused before the analysis, nothing written


def test_analyze_on_a_fit_file_says_there_is_no_imu_data(tmp_path, capsys):
    watch = encode_watch_fit(tmp_path / "watch.fit", [
        WatchSecond(STARTED_AT + timedelta(seconds=i), **RUN_VALUES) for i in range(5)])
    assert main(["analyze", str(watch), "--no-save", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "no raw IMU data" in err and "--compare" in err


def test_convert_reads_fit_running_dynamics(tmp_path, capsys):
    stamps = [STARTED_AT + timedelta(seconds=i) for i in range(12)]
    watch = encode_watch_fit(tmp_path / "watch.fit", [WatchSecond(s, **RUN_VALUES) for s in stamps])
    out = tmp_path / "dynamics.csv"
    assert main(["convert", str(watch), "--out", str(out)]) == 0
    assert "no raw IMU data" in capsys.readouterr().out
    table = pd.read_csv(out)
    np.testing.assert_allclose(table[col.UNIX_TIME], [s.timestamp() for s in stamps])
    for key, expected in RUN_EXPECTED.items():
        np.testing.assert_allclose(table[key], expected, atol=1e-3)
    sidecar = json.loads(out.with_suffix(".json").read_text())
    assert sidecar["import_format"] == "fit" and sidecar["clock"] == "utc"
