"""Findings with hysteresis and cue pacing (live mode), and the sound of a cue."""

from __future__ import annotations

import io
import json
import stat
from pathlib import Path

import numpy as np
import pytest

from gaitback.feedback.findings import Finding
from gaitback.live import CUE_TEXT, Coach, LiveAnalyzer
from gaitback.live.sound import CueSpeaker
from gaitback.recording import read_recording

RECORDINGS = Path(__file__).resolve().parent.parent / "recordings" / "synthetic"


def _findings(**severities: str) -> list[Finding]:
    return [Finding(fid, fid, sev, "medium") for fid, sev in severities.items()]


def test_enters_only_after_consecutive_raised_evaluations() -> None:
    coach = Coach(enter_n=3, leave_n=3, cue_interval_s=0.0)
    # Flapping at the threshold never shows.
    for k, sev in enumerate(["watch", "ok", "watch", "ok", "watch", "watch", "ok"]):
        assert coach.observe(_findings(leaning=sev), float(k)) is None
    assert coach.active() == []
    cues = [coach.observe(_findings(leaning="watch"), 10.0 + k) for k in range(3)]
    assert cues[:2] == [None, None]
    assert cues[2] is not None and cues[2].finding_id == "leaning"
    assert cues[2].text == CUE_TEXT["leaning"]
    assert coach.active() == [("leaning", "watch")]


def test_leaves_only_when_clearly_ok() -> None:
    coach = Coach(enter_n=2, leave_n=3, cue_interval_s=0.0)
    for k in range(2):
        coach.observe(_findings(overstriding="act"), float(k))
    assert coach.active() == [("overstriding", "act")]
    # One or two ok evaluations between raised ones do not clear it.
    for k, sev in enumerate(["ok", "ok", "watch", "ok", "ok"]):
        coach.observe(_findings(overstriding=sev), 10.0 + k)
        assert coach.active(), sev
    coach.observe(_findings(overstriding="ok"), 20.0)
    assert coach.active() == []
    # Not evaluated (e.g. no gyro) is no evidence: the state is kept.
    for k in range(2):
        coach.observe(_findings(pelvic_drop="act"), 30.0 + k)
    coach.observe(_findings(pelvic_drop="not_evaluated"), 40.0)
    assert coach.active() == [("pelvic_drop", "act")]


def test_at_most_one_cue_per_interval_worst_first() -> None:
    coach = Coach(enter_n=1, leave_n=1, cue_interval_s=20.0, repeat_s=60.0)
    times = np.arange(0.0, 120.0, 2.0)
    cues = [coach.observe(_findings(leaning="watch", high_impact="act"), t) for t in times]
    given = [c for c in cues if c is not None]
    assert given[0].finding_id == "high_impact" and given[0].time_s == 0.0
    assert np.all(np.diff([c.time_s for c in given]) >= 20.0)
    # Both are cued, and a still-raised finding is repeated only after repeat_s.
    assert {c.finding_id for c in given} == {"high_impact", "leaning"}
    for fid in ("high_impact", "leaning"):
        assert np.all(np.diff([c.time_s for c in given if c.finding_id == fid]) >= 60.0)


@pytest.mark.parametrize("name", [
    "overstriding",
    # A clean run cues nothing: loading rate (read on the soft-tissue spike of a real
    # sacrum) is exploratory and decides no finding alone.
    "baseline",
])
def test_rolling_findings_cue_the_injected_fault(name: str) -> None:
    truth = json.loads((RECORDINGS / f"{name}.truth.json").read_text())
    rec = read_recording(RECORDINGS / f"{name}.csv")
    live = LiveAnalyzer(rec.sample_rate_hz, rec.has_gyro, rec.meta.treadmill_speed_mps)
    coach = Coach()
    t, acc, gyr = rec.time_s, rec.acc_mps2, rec.gyr_dps
    cues = []
    next_eval = 2.0
    for i in range(0, len(t), 16):
        live.push_arrays(t[i : i + 16], acc[i : i + 16], gyr[i : i + 16])
        if t[min(i + 15, len(t) - 1)] >= next_eval:
            next_eval += 2.0
            cue = coach.update(live.rolling_result(), float(t[i]))
            if cue is not None:
                cues.append(cue)
    cued = {c.finding_id for c in cues}
    if "overstriding" in truth["faults"]:
        assert "overstriding" in cued
        assert cues[0].text == "cadence low: quicker, shorter steps"
    else:
        assert truth["faults"] == [] and "overstriding" not in cued and "leaning" not in cued


def test_speaker_bell_speech_and_quiet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A stand-in espeak-ng on PATH (the outermost boundary: the speech program).
    said = tmp_path / "said.txt"
    fake = tmp_path / "espeak-ng"
    fake.write_text(f'#!/bin/sh\nfor a; do last="$a"; done\necho "$last" >> {said}\n')
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{tmp_path}")
    bell = io.StringIO()
    speaker = CueSpeaker(bell_stream=bell)
    speaker.say("cadence low: quicker, shorter steps")
    speaker.close()
    assert bell.getvalue() == "\a"
    assert said.read_text().strip() == "cadence low: quicker, shorter steps"
    quiet_bell = io.StringIO()
    quiet = CueSpeaker(quiet=True, bell_stream=quiet_bell)
    quiet.say("land softer")
    quiet.close()
    assert quiet_bell.getvalue() == "" and quiet.espeak is None and quiet.n_spoken == 0
