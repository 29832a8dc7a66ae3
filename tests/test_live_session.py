"""``gaitback live`` end to end through the real serial path (device emulator on a pty)."""

from __future__ import annotations

import io
import json
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from rich.console import Console

from gaitback import schema as col
from gaitback.acquisition.emulator import DeviceEmulator
from gaitback.acquisition.profiles import load_profile
from gaitback.acquisition.stream import AcquisitionStream
from gaitback.acquisition.transport import open_transport
from gaitback.cli.main import main
from gaitback.live.session import LiveOptions, run_session
from gaitback.live.sound import CueSpeaker
from gaitback.present.dashboard import DashboardState, PlainDashboard, RichDashboard, big_text
from gaitback.recording import read_recording

RECORDINGS = Path(__file__).resolve().parent.parent / "recordings" / "synthetic"
SPEEDUP = 10.0


def _match(found: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Distance from each wanted time to the nearest found time."""
    j = np.clip(np.searchsorted(found, wanted), 1, len(found) - 1)
    return np.minimum(np.abs(found[j] - wanted), np.abs(found[j - 1] - wanted))


def _shift(found: np.ndarray, wanted: np.ndarray) -> float:
    """The time shift (grid of 1 ms up to 2 s) that puts most found events near wanted ones."""
    shifts = np.arange(0.0, 2.0, 0.001)
    hits = [np.sum(_match(np.sort(found + s), wanted) < 0.01) for s in shifts]
    return float(shifts[int(np.argmax(hits))])


def test_demo_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    record = tmp_path / "run.csv"
    out = tmp_path / "out"
    code = main(
        ["live", "--demo", "--speedup", str(SPEEDUP), "--duration", "30", "--record",
         str(record), "--out", str(out), "--quiet"]
    )  # fmt: skip
    assert code == 0
    printed = capsys.readouterr().out
    # When the run ends the summary and the findings stay on screen, not only file paths.
    assert "Cadence" in printed and "steps/min" in printed
    assert "Not enough running to judge" in printed  # 30 s of a demo run
    for name in ("report.html", "summary.json", "steps.csv", "live_steps.csv"):
        assert (out / name).exists(), name
        assert str(out / name) in printed
    rec = read_recording(record)
    assert rec.duration_s == pytest.approx(30.0, abs=0.5)
    assert rec.sample_rate_hz == 200.0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["speed_mps"] == 3.0  # from the demo recording's sidecar
    assert "findings" in summary and (out / "report.html").read_text().lstrip().startswith("<")
    # Steps against the simulator's truth: the running part inside the recorded 30 s.
    truth = json.loads((RECORDINGS / "baseline.truth.json").read_text())
    strikes = np.array([s["foot_strike_s"] for s in truth["steps"]])
    strikes = strikes[(strikes > 10.0) & (strikes < 28.0)]
    offline = pd.read_csv(out / "steps.csv")
    live = pd.read_csv(out / "live_steps.csv")
    assert len(strikes) > 40
    # The recording's clock starts at the first sample received (the emulated device
    # streams from START), the truth's at the source's: find that shift first.
    offset = _shift(offline[col.FOOT_STRIKE].to_numpy(), strikes)
    assert 0.0 <= offset < 2.0
    for table in (offline, live):
        found = np.sort(table[col.FOOT_STRIKE].to_numpy() + offset)
        assert _match(found, strikes).max() < 0.02
    # Live and offline analyses of the same recording agree to the sample.
    assert _match(np.sort(live[col.FOOT_STRIKE].to_numpy()), offline[col.FOOT_STRIKE].to_numpy()[
        (offline[col.FOOT_STRIKE] > 10.0) & (offline[col.FOOT_STRIKE] < 28.0)
    ]).max() <= 1.0 / 200.0  # fmt: skip


def test_disconnect_and_reconnect_mid_run(tmp_path: Path) -> None:
    profile = load_profile("gaitback-serial")
    recording = read_recording(RECORDINGS / "baseline.csv")
    link = tmp_path / "imu"
    emulator = DeviceEmulator(profile, recording, speed=SPEEDUP, link_path=link).start()

    def factory():
        return open_transport(profile, port=str(link))

    stream = AcquisitionStream(profile, factory, backoff_initial_s=0.05, backoff_max_s=0.2)
    lines = io.StringIO()
    options = LiveOptions(tmp_path / "run.csv", tmp_path / "out", speed_mps=3.0, quiet=True)
    unplugged_at: list[float] = []

    def unplug() -> None:
        unplugged_at.append(emulator.device_time_s())
        emulator.unplug()
        threading.Timer(0.3, emulator.replug).start()

    timer = threading.Timer(25.0 / SPEEDUP, unplug)
    timer.start()
    updates = []
    done: list[float] = []

    def stop_when() -> bool:
        if emulator.finished.is_set() and not done:
            done.append(0.0)
            return False
        return bool(done)

    try:
        outcome = run_session(
            stream,
            options,
            PlainDashboard(lines, interval_s=0.5),
            CueSpeaker(quiet=True),
            stop_when=stop_when,
            on_step=updates.append,
        )
    finally:
        timer.cancel()
        emulator.stop()
    text = lines.getvalue()
    assert "disconnected" in text and "reconnected" in text
    assert outcome.reconnects == 1
    assert stream.lost_samples > 0.2 * SPEEDUP * 200 * 0.5  # most of the 0.3 s x10 away
    # Metrics resume: steady steps after the hole, and the data-quality line shows it.
    lost_end = max(g.end_s for g in stream.gaps)
    after = [u for u in updates if u.foot_strike_s > lost_end]
    assert len(after) > 40
    gaps_after = np.diff([u.foot_strike_s for u in after])
    big = int(np.argmax(gaps_after))
    around = [round(u.foot_strike_s, 3) for u in after][big - 3 : big + 4]
    assert np.all(gaps_after < 0.5), (lost_end, around)
    assert f"lost {stream.lost_samples} samples" in text
    assert outcome.paths["report"].exists()
    assert read_recording(options.record_path).meta.extra["lost_samples"] == stream.lost_samples


def test_dashboards_show_figures_and_quality() -> None:
    state = DashboardState(
        connection="DISCONNECTED - reconnecting",
        effective_rate_hz=198.7,
        nominal_rate_hz=200.0,
        lost_samples=12,
        n_steps=40,
        summary={"cadence_spm": 171.4, "contact_ms": 248.2, "contact_balance_left_pct": 50.2,
                 "impact_g": 2.13, "forward_lean_deg": 6.2, "pelvic_drop_left_deg": 5.1,
                 "pelvic_drop_right_deg": 4.9},
        cue="cadence low: quicker, shorter steps",
        cue_severity="act",
    )  # fmt: skip
    console = Console(file=io.StringIO(), width=120, height=40, force_terminal=True)
    board = RichDashboard(console=console)
    board.update(state)
    console.print(board._render())
    screen = console.file.getvalue()
    assert "DISCONNECTED" in screen and "lost 12 samples" in screen and "199/200 Hz" in screen
    assert "CADENCE LOW" in screen
    assert big_text("171").splitlines()[0] in screen  # the cadence in block figures
    plain = io.StringIO()
    PlainDashboard(plain, interval_s=0.0).update(state)
    line = plain.getvalue()
    assert "cadence 171 steps/min" in line and "contact 248 ms" in line
    assert "pelvic drop L/R 5/5°" in line and "L/R balance 50.2 % left" in line
    assert "\x1b" not in line  # no terminal codes in plain mode


def test_tiles_take_the_colour_of_their_threshold_level() -> None:
    from gaitback.feedback import thresholds_load

    th = thresholds_load()
    cadence_act = th["overstriding"]["cadence_spm"].act - 5.0
    state = DashboardState(
        summary={"cadence_spm": cadence_act, "contact_ms": 240.0, "impact_g": 2.2,
                 "contact_balance_left_pct": 50.1, "forward_lean_deg": 5.0,
                 "pelvic_drop_left_deg": 4.0, "pelvic_drop_right_deg": 9.0},
        thresholds=th,
    )
    levels = dict(zip([f[0] for f in state.figures()], state.levels(), strict=True))
    assert levels["cadence"] == "act"
    assert levels["contact"] == levels["impact"] == levels["forward tilt"] == "ok"
    assert levels["pelvic drop L/R"] == "act"  # 5° side difference
    console = Console(file=io.StringIO(), width=120, height=40, force_terminal=True,
                      color_system="standard")
    board = RichDashboard(console=console)
    board.update(state)
    console.print(board._render())
    screen = console.file.getvalue()
    assert "cadence (act)" in screen
    assert "\x1b[31m" in screen or "\x1b[1;31m" in screen  # red for act


def test_big_text_glyphs() -> None:
    rows = big_text("1.5").splitlines()
    assert len(rows) == 5 and len({len(r) for r in rows}) == 1
    assert big_text("8").count("█") == 13


def test_cli_rejects_bad_options(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["live", "--demo", "--speedup", "0"]) == 2
    assert "--speedup must be positive" in capsys.readouterr().err
    assert main(["live"]) == 2
    assert "--profile is required" in capsys.readouterr().err
    assert main(["live", "--demo", "--from", str(tmp_path / "none.csv")]) == 2
    assert "not found" in capsys.readouterr().err
    assert main(["live", "--demo", "--record", str(tmp_path / "x.txt")]) == 2


def test_ctrl_c_ends_the_run_with_the_report(tmp_path: Path) -> None:
    record = tmp_path / "run.csv"
    proc = subprocess.Popen(
        [sys.executable, "-m", "gaitback.cli.main", "live", "--demo", "--speedup", "10",
         "--record", str(record), "--quiet"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 30.0
    # Interrupt once the run is under way (the recording holds data).
    while time.monotonic() < deadline and proc.poll() is None:
        if record.exists() and record.stat().st_size > 50_000:
            break
        time.sleep(0.1)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    report = tmp_path / "run-analysis" / "report.html"
    assert f"report: {report}" in out and report.exists()
    assert "Traceback" not in err
    rec = read_recording(record)
    assert 2.0 < rec.duration_s < 60.0  # stopped early, cleanly closed


def test_final_analysis_saves_the_run_to_history(tmp_path: Path) -> None:
    """A live run lands in the session history once, after the recording is closed."""
    import shutil

    from gaitback.history import list_sessions
    from gaitback.live.session import LiveOptions, final_analysis

    source = Path(__file__).resolve().parents[1] / "recordings" / "synthetic" / "baseline.csv"
    record = tmp_path / "live.csv"
    shutil.copy(source, record)
    shutil.copy(source.with_suffix(".json"), record.with_suffix(".json"))
    db = tmp_path / "sessions.sqlite"
    options = LiveOptions(record_path=record, out_dir=tmp_path / "out", db=str(db))
    paths, _ = final_analysis(options)
    assert paths["history"] == db
    final_analysis(options)  # the same recording again: updated, not duplicated
    sessions = list_sessions(str(db))
    assert len(sessions) == 1
    truth = json.loads(source.with_suffix(".truth.json").read_text())
    assert abs(sessions.iloc[0]["running_s"] - truth["summary"]["running_s"]) < 3.0
