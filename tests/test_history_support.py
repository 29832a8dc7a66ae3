"""Builders shared by the history tests: real recordings on disk, analysis results with
realistic summaries, and a store isolated in the test's temporary directory.

Imported by the other ``test_history_*`` modules; holds no tests itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from gaitback import schema as col
from gaitback.core.result import AnalysisResult
from gaitback.recording import RecordingMeta, read_recording, recording_from_frame, write_recording

#: A plausible treadmill run (sacral sensor; see docs/shared domain notes for ranges).
BASE_SUMMARY: dict[str, Any] = {
    "duration_s": 1900.0,
    "running_s": 1800.0,
    "n_steps": 5100,
    "cadence_spm": 170.0,
    "contact_ms": 250.0,
    "flight_ms": 103.0,
    "step_ms": 353.0,
    "duty_factor": 0.354,
    "vertical_oscillation_cm": 8.9,
    "impact_g": 2.4,
    "loading_rate_gps": 60.0,
    "braking_g": 0.5,
    "forward_lean_deg": 7.5,
    "lean_reference": "standing",
    "pelvic_drop_left_deg": 5.1,
    "pelvic_drop_right_deg": 6.0,
    "pelvic_rotation_deg": 9.0,
    "contact_balance_left_pct": 49.6,
    "sample_rate_hz": 100.0,
    "lost_samples": 0,
    "has_gyro": True,
}


@pytest.fixture(autouse=True)
def isolated_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point every default location into ``tmp_path`` so no test touches the user's store."""
    db = tmp_path / "store" / "sessions.sqlite"
    monkeypatch.setenv("GAITBACK_DB", str(db))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return db


def write_run(
    directory: Path,
    name: str,
    *,
    seed: int,
    started_at: str | None = None,
    speed_mps: float | None = None,
) -> Path:
    """A short real recording file (2 s at 100 Hz, gravity on z); distinct per seed."""
    rng = np.random.default_rng(seed)
    n = 200
    acc = rng.normal(0.0, 1.5, (n, 3)) + np.array([0.0, 0.0, col.STANDARD_GRAVITY_MPS2])
    frame = pd.DataFrame({col.TIME: np.arange(n) / 100.0})
    for column, values in zip(col.ACC, acc.T, strict=True):
        frame[column] = values
    meta = RecordingMeta(
        sample_rate_hz=100.0, treadmill_speed_mps=speed_mps, started_at=started_at
    )
    path = directory / f"{name}.csv"
    write_recording(recording_from_frame(frame, meta), path)
    return path


def make_result(
    path: Path, findings: list[dict[str, Any]] | None = None, **summary: Any
) -> AnalysisResult:
    """An :class:`AnalysisResult` for the recording at ``path`` with ``BASE_SUMMARY``
    overridden by ``summary``."""
    recording = read_recording(path)
    values = {**BASE_SUMMARY, **summary}
    return AnalysisResult(
        steps=pd.DataFrame(columns=list(col.STEP_COLUMNS)),
        summary=values,
        segments=pd.DataFrame({"start_s": [], "end_s": [], "activity": []}),
        signals=pd.DataFrame(),
        recording=recording,
        findings=list(findings or []),
    )


def run_result(
    directory: Path,
    name: str,
    *,
    seed: int,
    started_at: str,
    speed_mps: float | None = None,
    **summary: Any,
) -> AnalysisResult:
    """``write_run`` then ``make_result``."""
    path = write_run(directory, name, seed=seed, started_at=started_at, speed_mps=speed_mps)
    return make_result(path, **summary)
