"""Memory follows the data, not the clock: time jumps in recordings and exports.

A clock that jumps (a corrupt time cell, a device restart) used to make the
uniform grid, and the phone importers' gravity windows, span the whole jump.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import gaitback
from gaitback import schema as col
from gaitback.core.conditioning import MAX_GAP_FILL_S, signals_uniform
from gaitback.errors import GaitbackError, RecordingError
from gaitback.evaluation import accuracy
from gaitback.importers import recording_load
from gaitback.importers.merge import gravity_level_mps2
from gaitback.importers.tables import make_stream
from gaitback.recording import Recording, read_recording, write_recording
from gaitback.sim import PRESETS, simulate
from test_import_support import acc_columns, phyphox_table, running_recording

DAY_S = 86400.0


@pytest.fixture(scope="module")
def sim() -> gaitback.sim.SimResult:
    return simulate(PRESETS["baseline"].replace(seed=6006, running_s=60.0))


def _jumped(sim, at_s: float, jump_s: float) -> tuple[Recording, pd.DataFrame]:
    """The run with every sample from ``at_s`` on shifted by ``jump_s``; the truth likewise."""
    data = sim.recording.data.copy()
    later = data[col.TIME] >= at_s
    data.loc[later, col.TIME] += jump_s
    truth = sim.steps.copy()
    moved = truth[col.FOOT_STRIKE] >= at_s
    truth.loc[moved, [col.FOOT_STRIKE, col.TOE_OFF]] += jump_s
    return Recording(data, sim.recording.meta, "jumped.csv"), truth


def test_grid_is_built_per_block_across_a_long_jump(sim) -> None:
    rec, _ = _jumped(sim, 40.0, 50_000.0)
    uni = signals_uniform(rec)
    fs = rec.sample_rate_hz
    # The grid holds the data plus at most MAX_GAP_FILL_S of the gap, not 50 000 s.
    assert len(uni.time_s) <= rec.n_samples + MAX_GAP_FILL_S * fs + 1
    assert len(uni.blocks) == 2
    (a0, a1), (b0, b1) = uni.blocks
    assert uni.time_s[b0] == pytest.approx(rec.time_s[rec.time_s >= 40.0][0])
    assert b1 - b0 + a1 - a0 == rec.n_samples
    np.testing.assert_allclose(np.diff(uni.time_s[b0:b1]), 1 / fs, rtol=1e-9, atol=1e-9)


def test_run_with_a_jump_under_a_day_is_analysed_on_both_sides(sim) -> None:
    rec, truth = _jumped(sim, 40.0, 50_000.0)
    result = gaitback.analyze(rec)
    acc = accuracy(result.steps, result.summary, truth)
    # A step or two at the cut may be lost; none is invented.
    assert acc["precision"] == 1.0 and acc["recall"] >= 0.98, acc
    assert result.steps[col.FOOT_STRIKE].max() > 50_000.0
    # The jump is a gap: its samples are counted lost, as the gap finder says.
    assert result.summary["lost_samples"] >= 50_000 * rec.sample_rate_hz - 10


def test_reader_refuses_a_gap_longer_than_a_day_with_its_line(sim, tmp_path: Path) -> None:
    rec, _ = _jumped(sim, 30.0, 2 * DAY_S)
    path = write_recording(rec, tmp_path / "jump.csv")
    with pytest.raises(RecordingError) as err:
        read_recording(path)
    first_after = int(np.flatnonzero(rec.time_s >= 2 * DAY_S)[0])
    message = str(err.value)
    assert "\n" not in message and str(path) in message
    assert f"line {first_after + 2}:" in message and "day" in message


def test_cli_refuses_a_corrupt_time_cell_in_one_line(sim, tmp_path: Path) -> None:
    data = sim.recording.data.copy()
    data.loc[1000:, col.TIME] += 1e7
    path = write_recording(Recording(data, sim.recording.meta), tmp_path / "clock.csv")
    proc = subprocess.run(
        [sys.executable, "-m", "gaitback.cli.main", "analyze", str(path), "--no-save"],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "line 1002" in lines[0], proc.stderr


def test_phone_export_with_a_corrupt_time_cell_names_its_line(tmp_path: Path) -> None:
    rec = running_recording(duration_s=12.0, rate_hz=100.0, seed=4)
    t = rec.time_s.copy()
    t[500:] += 1e9  # one corrupt cell and everything after it
    path = tmp_path / "Raw Data.csv"
    path.write_text(phyphox_table(acc_columns(t, rec.acc_mps2)))
    with pytest.raises(GaitbackError) as err:
        recording_load(path)
    message = str(err.value)
    assert "\n" not in message and "line 502" in message and "day" in message


def test_gravity_check_windows_follow_the_data_not_the_clock() -> None:
    # 1e12 s after the first half: counting 2-s windows by the clock would need
    # 5e11 of them; the level must come out as gravity, at once.
    rng = np.random.default_rng(1)
    t = np.concatenate([np.arange(1000) / 100.0, 1e12 + np.arange(1000) / 100.0])
    acc = np.tile([0.0, 0.0, 9.80665], (2000, 1)) + rng.normal(0, 0.5, (2000, 3))
    stream = make_stream("clock.csv", t[:1000], acc[:1000])
    stream.time_s, stream.values = t, acc  # past make_stream's own one-day check
    assert gravity_level_mps2(stream) == pytest.approx(9.80665, abs=0.1)


def test_hour_long_file_with_a_clock_jump_stays_under_a_gigabyte(tmp_path: Path) -> None:
    # A stand-in for an hour at 200 Hz (720 000 rows): quiet standing noise would
    # do for the grid, but a real run also exercises the whole analysis.
    sim = simulate(PRESETS["baseline"].replace(seed=77, running_s=240.0))
    data = sim.recording.data
    reps = [data.assign(**{col.TIME: data[col.TIME] + k * 300.0}) for k in range(12)]
    frame = pd.concat(reps, ignore_index=True)
    frame.loc[frame[col.TIME] >= 1800.0, col.TIME] += 80_000.0  # just under a day
    path = write_recording(Recording(frame, sim.recording.meta), tmp_path / "hour.csv")
    code = textwrap.dedent(
        f"""
        import json, gaitback
        result = gaitback.analyze({str(path)!r})
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                peak_mb = int(line.split()[1]) / 1024
        print(json.dumps({{"peak_mb": peak_mb, "n_steps": len(result.steps),
                          "n_rows": result.recording.n_samples}}))
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["n_rows"] == len(frame) >= 12 * 240 * 200
    assert out["n_steps"] > 0.9 * 12 * len(sim.steps)
    assert out["peak_mb"] < 1024.0, out
