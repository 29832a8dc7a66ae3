"""Smoke tests of the benchmark machinery (benchmarks/) on seconds of data.

Timings are measurements, so only their structure is checked; scoring is checked
against the simulator's truth and against hand-made outputs with known errors.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import gaitback
from gaitback import schema as col
from gaitback.sim import PRESETS, simulate, write_simulation

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks import offline, peers, run  # noqa: E402
from benchmarks.external import external_run  # noqa: E402

SAMPLE_RATE_HZ = 200.0


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One 15-s session (2 s standing, 12 s running, 1 s standing) with truth."""
    out = tmp_path_factory.mktemp("bench_recordings")
    params = PRESETS["baseline"].replace(
        seed=8_001, standing_before_s=2.0, running_s=12.0, standing_after_s=1.0
    )
    write_simulation(simulate(params), out / "tiny.csv")
    return out


@pytest.fixture(scope="module")
def tiny_case(tiny_dir: Path) -> peers.Case:
    return peers.case_load(tiny_dir / "tiny.csv")


def _fake_run(case: peers.Case, shift_s: float, contact_ms: float | None = None) -> peers.ToolRun:
    """The truth itself, strikes shifted by ``shift_s``: a tool with a known error."""
    truth = case.truth_steps
    steps = pd.DataFrame(
        {
            col.FOOT_STRIKE: truth[col.FOOT_STRIKE] + shift_s,
            col.TOE_OFF: truth[col.TOE_OFF] + shift_s,
            col.SIDE: truth[col.SIDE],
            col.CONTACT: truth[col.CONTACT] if contact_ms is None else contact_ms,
        }
    )
    summary = {"cadence_spm": case.truth_summary["cadence_spm"] + 1.0}
    return peers.ToolRun("fake", case.name, 1, 1.0, steps, summary)


def test_score_of_truth_itself_is_perfect(tiny_case: peers.Case) -> None:
    score = peers.run_score(_fake_run(tiny_case, 0.0), tiny_case)
    assert score["f1"] == 1.0 and score["count_f1"] == 1.0
    assert score["foot_strike_mae_ms"] == pytest.approx(0.0, abs=1e-9)
    assert score["contact_rmse_ms"] == pytest.approx(0.0, abs=1e-9)
    assert score["cadence_error_spm"] == pytest.approx(1.0)


def test_late_strikes_fail_40ms_but_count_at_150ms(tiny_case: peers.Case) -> None:
    # 90 ms late: what skdh's walking IC does on running data.
    score = peers.run_score(_fake_run(tiny_case, 0.090, contact_ms=450.0), tiny_case)
    assert score["f1"] == 0.0
    assert score["count_f1"] == 1.0
    assert score["count_foot_strike_bias_ms"] == pytest.approx(90.0, abs=1e-6)
    true_contact = tiny_case.truth_steps[col.CONTACT].to_numpy()
    expected_rmse = float(np.sqrt(np.mean((450.0 - true_contact) ** 2)))
    assert score["count_contact_rmse_ms"] == pytest.approx(expected_rmse, rel=1e-9)


def test_skdh_adapter_reads_its_documented_keys() -> None:
    # skdh's result: "IC Timestamp" unix s, "stance time" and "step time" in s.
    ic_s = np.array([10.0, 10.35, 10.70])
    result = {
        "IC Timestamp": ic_s + peers.SKDH_EPOCH_S,
        "stance time": np.array([0.46, 0.45, np.nan]),
        "step time": np.array([0.35, 0.35, np.nan]),
    }
    steps, summary = peers.skdh_steps(result)
    np.testing.assert_allclose(steps[col.FOOT_STRIKE], ic_s, atol=1e-6)
    np.testing.assert_allclose(steps[col.CONTACT][:2], [460.0, 450.0], atol=1e-3)
    assert (steps[col.SIDE] == col.SIDE_UNKNOWN).all()
    assert summary["cadence_spm"] == pytest.approx(60 / 0.35)


def test_compare_gaitback_accuracy_against_truth(tiny_dir: Path) -> None:
    totals = peers.compare([tiny_dir / "tiny.csv"], (peers.GAITBACK,))
    gb = totals[peers.GAITBACK]
    assert not gb.errors
    score = gb.scores["tiny"]
    # Issue 3 targets at 200 Hz, measured against the simulator's truth.
    assert score["f1"] >= 0.995
    assert score["foot_strike_mae_ms"] <= 5.0
    assert abs(score["cadence_error_spm"]) <= 0.5
    assert gb.samples == len(gaitback.read_recording(tiny_dir / "tiny.csv").data)
    assert gb.samples_per_s is not None and gb.samples_per_s > 0


def test_skdh_runs_or_says_why(tiny_case: peers.Case) -> None:
    result = peers.skdh_run(tiny_case)
    assert result.tool == peers.SKDH
    if result.error is not None:
        assert "\n" not in result.error
        if peers.skdh_available() is not None:
            assert "not importable" in result.error
        return
    assert set(result.steps.columns) >= {col.FOOT_STRIKE, col.TOE_OFF, col.CONTACT}
    assert result.seconds > 0
    score = peers.run_score(result, tiny_case)
    assert 0.0 <= score["f1"] <= 1.0 and 0.0 <= score["count_f1"] <= 1.0


def test_long_recording_is_one_continuous_200hz_file(tmp_path: Path) -> None:
    info = offline.long_recording_write(tmp_path / "long.csv", duration_s=20.0, chunk_s=8.0)
    rec = gaitback.read_recording(tmp_path / "long.csv")
    assert rec.has_gyro
    assert rec.n_samples == info["n_samples"]
    np.testing.assert_allclose(np.diff(rec.time_s), 1 / SAMPLE_RATE_HZ, atol=1e-6)
    assert 20.0 <= rec.duration_s <= 21.0
    assert rec.meta.sample_rate_hz == SAMPLE_RATE_HZ

    measured = offline.analyze_measure(tmp_path / "long.csv")
    assert "error" not in measured, measured.get("error")
    assert measured["n_samples"] == rec.n_samples
    assert measured["seconds"] > 0 and measured["cpu_seconds"] > 0
    assert measured["peak_rss_mb"] >= measured["import_rss_mb"] > 0
    # Steps of the stitched chunks are the truth's steps (none lost at the seam).
    assert abs(measured["n_steps"] - info["n_true_steps"]) <= 1
    # The true sides keep alternating across the seams, as in one continuous run.
    truth = pd.read_csv(info["truth_path"])
    assert len(truth) == info["n_true_steps"]
    assert (truth[col.SIDE].to_numpy()[1:] != truth[col.SIDE].to_numpy()[:-1]).all()
    figures = measured["truth"]
    assert figures["side_known_pct"] >= 99.0 and figures["side_correct_pct"] >= 99.0
    for key in ("pelvic_drop_left_deg", "pelvic_drop_right_deg", "pelvic_rotation_deg"):
        assert abs(figures[key] - figures[f"true_{key}"]) <= 1.0, (key, figures)


def test_external_benchmarks_reported_never_invented(tmp_path: Path) -> None:
    missing = external_run("live_bench.py", bench_dir=tmp_path)
    assert missing.status == "not available" and not missing.figures
    (tmp_path / "ok_bench.py").write_text(
        "def run_benchmark(quick=False):\n    return {'latency_p50_ms': 12.5, 'quick': quick}\n"
    )
    ok = external_run("ok_bench.py", quick=True, bench_dir=tmp_path)
    assert ok.status == "ok" and ok.figures == {"latency_p50_ms": 12.5, "quick": True}
    (tmp_path / "bad_bench.py").write_text("def run_benchmark():\n    raise OSError('no pty')\n")
    bad = external_run("bad_bench.py", bench_dir=tmp_path)
    assert bad.status == "failed" and "no pty" in bad.detail


def test_external_benchmark_without_contract(tmp_path: Path) -> None:
    # The live bench's own API (run(source, hours, block) -> dict) goes through its adapter.
    (tmp_path / "live_bench.py").write_text(
        "DEFAULT = 'rec.csv'\n"
        "def run(source, hours, block):\n"
        "    return {'latency_p50_ms': 5.0, 'hours': hours, 'block': block}\n"
    )
    live = external_run("live_bench.py", quick=True, bench_dir=tmp_path)
    assert live.status == "ok"
    assert live.figures["latency_p50_ms"] == 5.0 and live.figures["hours"] > 0
    # Anything else is run as a script and its output quoted, not parsed into numbers.
    (tmp_path / "text_bench.py").write_text("print('decode: 0.7 % of one core')\n")
    text = external_run("text_bench.py", bench_dir=tmp_path)
    assert text.status == "text" and text.text == "decode: 0.7 % of one core"
    assert not text.figures


def test_run_end_to_end_writes_results(tiny_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "results.md"
    code = run.main(
        [
            "--recordings",
            str(tiny_dir),
            "--out",
            str(out),
            "--hour-s",
            "20",
            "--profile",
            "0",
            "--repeats",
            "1",
            "--skip-external",
            "--batch-n",
            "3",
            "--batch-minutes",
            "0.5",
            "--batch-distinct",
            "1",
        ]
    )
    assert code == 0
    text = out.read_text(encoding="utf-8")
    for heading in (
        "## Machine",
        "gaitback vs scikit-digital-health",
        "gaitback's own figures",
        "load average",
        "numpy",
        "samples/s",
        "step F1",
        "cannot: skdh does not label feet",
        "live mode",
        "acquisition decode",
        "same long recording through skdh",
        "ratio analyze / read",
        "recordings / core-second",
        "local process pool",
        "Dask LocalCluster, 2 workers",
        "one-hour sessions",
    ):
        assert heading in text
    assert "failed" not in text.split("## 3.")[1].split("### Where")[0]
    assert "| session history written by the benchmark | no | no | meets |" in text
    # The long file's own figures are measurements: present, not checked for size.
    assert "x real time" in text and "peak resident memory" in text


def test_run_rejects_a_folder_without_truth(tmp_path: Path) -> None:
    assert run.main(["--recordings", str(tmp_path), "--out", str(tmp_path / "r.md")]) == 2
