"""gaitback and scikit-digital-health on the same recordings: speed and accuracy vs truth.

Both tools read the same canonical CSV through :func:`gaitback.read_recording`
(skdh has no reader for it), so both timings include the same file read. skdh is
run as a user would: ``GaitLumbar().predict`` with its defaults (the whole recording
taken as gait, axes estimated from the data, AP-CWT events), accelerations in g.

skdh is a walking algorithm. Its "stance time" is the time from a step's initial
contact (IC) to the final contact (FC) of the same foot, found after the next IC,
because in walking both feet are on the ground around each IC (double support). In
running there is no double support, so that span covers this foot's contact, the
flight, and the next step's contact up to skdh's FC estimate: it is compared with
the running contact time only because it is what skdh reports as stance.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import gaitback
from gaitback import schema as col
from gaitback.evaluation import MATCH_TOLERANCE_S, accuracy
from gaitback.sim import load_truth

#: Looser matching that only asks "one detected step per true step" (step counting):
#: half the step time at 200 steps/min, so one match can never span two steps.
STEP_COUNT_TOLERANCE_S = 0.150

#: skdh wants unix timestamps; recordings start near 0 s, so shift them by a fixed epoch
#: (float64 keeps ~0.2 us resolution there) and subtract it again from its results.
SKDH_EPOCH_S = 1_700_000_000.0

GAITBACK = "gaitback"
SKDH = "skdh"


@dataclass
class Case:
    """One recording with its simulator truth."""

    name: str
    path: Path
    truth_steps: pd.DataFrame
    truth_summary: dict[str, Any]


@dataclass
class ToolRun:
    """One tool on one recording: what it found and how long it took.

    ``error`` is set (one line) when the tool could not run; ``steps`` is then empty.
    """

    tool: str
    case: str
    n_samples: int
    seconds: float
    steps: pd.DataFrame
    summary: dict[str, Any]
    error: str | None = None
    notes: list[str] = field(default_factory=list)


def case_load(csv_path: str | Path) -> Case:
    """A recording plus its ``<stem>.truth.json``."""
    path = Path(csv_path)
    truth = load_truth(path)
    return Case(path.stem, path, pd.DataFrame(truth["steps"]), truth["summary"])


def gaitback_run(case: Case) -> ToolRun:
    """``gaitback.analyze(path)``, timed including reading the CSV."""
    start = time.perf_counter()
    result = gaitback.analyze(case.path)
    seconds = time.perf_counter() - start
    return ToolRun(
        GAITBACK,
        case.name,
        result.recording.n_samples,
        seconds,
        result.steps,
        result.summary,
        notes=list(result.warnings),
    )


def skdh_available() -> str | None:
    """None if ``skdh.gait`` imports, else the one-line reason it does not."""
    try:
        import skdh.gait  # noqa: F401
    except Exception as exc:  # any import failure is a fact to report, not to hide
        return f"scikit-digital-health not importable ({type(exc).__name__}: {exc})"
    return None


def skdh_steps(result: dict[str, Any]) -> tuple[pd.DataFrame, dict[str, Any]]:
    """skdh's per-step output as a gaitback-style step table and a summary.

    ``foot_strike_s`` = IC, ``toe_off_s`` = IC + skdh stance time (its FC of the same
    foot), ``side`` unknown (skdh does not label feet). Cadence = 60 / mean step time,
    the same definition gaitback uses.
    """
    strike_s = np.asarray(result.get("IC Timestamp", []), float) - SKDH_EPOCH_S
    stance_s = np.asarray(result.get("stance time", np.full(len(strike_s), np.nan)), float)
    step_s = np.asarray(result.get("step time", np.full(len(strike_s), np.nan)), float)
    order = np.argsort(strike_s)
    steps = pd.DataFrame(
        {
            col.FOOT_STRIKE: strike_s[order],
            col.TOE_OFF: (strike_s + stance_s)[order],
            col.SIDE: col.SIDE_UNKNOWN,
            col.CONTACT: (stance_s * 1000.0)[order],
            col.STEP_TIME: (step_s * 1000.0)[order],
        }
    )
    finite = step_s[np.isfinite(step_s)]
    summary = {
        "cadence_spm": float(60.0 / finite.mean()) if len(finite) else None,
        "contact_ms": float(np.nanmean(stance_s) * 1000.0) if np.isfinite(stance_s).any() else None,
    }
    return steps, summary


def skdh_run(case: Case) -> ToolRun:
    """skdh ``GaitLumbar`` with its defaults, timed including reading the same CSV.

    Never raises for a failure of skdh itself: the error goes into ``ToolRun.error``.
    """
    reason = skdh_available()
    if reason:
        return ToolRun(SKDH, case.name, 0, float("nan"), pd.DataFrame(), {}, error=reason)
    from skdh.gait import GaitLumbar

    start = time.perf_counter()
    rec = gaitback.read_recording(case.path)
    accel_g = rec.acc_mps2 / col.STANDARD_GRAVITY_MPS2
    height_m = rec.meta.runner.get("height_m")
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            # day_window=None: recordings are minutes long, not days.
            result = GaitLumbar(day_window=None).predict(
                time=rec.time_s + SKDH_EPOCH_S,
                accel=accel_g,
                fs=rec.sample_rate_hz,
                height=height_m,
            )
    except Exception as exc:  # skdh crashing on running data is a result to report
        seconds = time.perf_counter() - start
        message = str(exc).splitlines()[0] if str(exc) else ""
        return ToolRun(
            SKDH,
            case.name,
            rec.n_samples,
            seconds,
            pd.DataFrame(),
            {},
            error=f"skdh crashed: {type(exc).__name__}: {message}",
        )
    seconds = time.perf_counter() - start
    steps, summary = skdh_steps(result)
    notes = sorted({str(w.message).splitlines()[0][:160] for w in caught})
    return ToolRun(SKDH, case.name, rec.n_samples, seconds, steps, summary, notes=notes)


def run_score(run: ToolRun, case: Case) -> dict[str, Any]:
    """Accuracy of one run against truth, at 40 ms and at step-counting tolerance.

    Keys of :func:`gaitback.evaluation.accuracy` (40 ms matching) plus the same
    with a ``count_`` prefix for :data:`STEP_COUNT_TOLERANCE_S` matching.
    """
    if run.error is not None:
        return {}
    steps = run.steps if len(run.steps) else pd.DataFrame(columns=list(col.STEP_COLUMNS))
    strict = accuracy(
        steps, run.summary, case.truth_steps, case.truth_summary, tolerance_s=MATCH_TOLERANCE_S
    )
    loose = accuracy(
        steps, run.summary, case.truth_steps, case.truth_summary, tolerance_s=STEP_COUNT_TOLERANCE_S
    )
    # Cadence is a session figure: it does not depend on step matching.
    found, true = run.summary.get("cadence_spm"), case.truth_summary.get("cadence_spm")
    cadence_error = found - true if found is not None and true is not None else None
    return {
        **strict,
        **{f"count_{k}": v for k, v in loose.items()},
        "cadence_error_spm": cadence_error,
    }


@dataclass
class ToolTotals:
    """A tool's figures over all recordings of a comparison."""

    tool: str
    samples: int = 0
    seconds: float = 0.0
    scores: dict[str, dict[str, Any]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    notes: dict[str, list[str]] = field(default_factory=dict)

    @property
    def samples_per_s(self) -> float | None:
        """Throughput over the recordings it could analyse."""
        return self.samples / self.seconds if self.seconds > 0 else None

    def pooled_f1(self, prefix: str = "") -> float | None:
        """F1 from step counts summed over recordings (long recordings weigh more)."""
        scored = [s for s in self.scores.values() if s]
        if not scored:
            return None
        n_true = sum(s[f"{prefix}n_true"] for s in scored)
        n_found = sum(s[f"{prefix}n_found"] for s in scored)
        n_match = sum(s[f"{prefix}n_matched"] for s in scored)
        return 2 * n_match / (n_true + n_found) if n_true + n_found else None

    def mean_of(self, key: str, absolute: bool = False) -> float | None:
        """Mean of a per-recording figure over recordings where it exists."""
        values = [s.get(key) for s in self.scores.values() if s]
        values = [abs(v) if absolute else v for v in values if v is not None and np.isfinite(v)]
        return float(np.mean(values)) if values else None


def compare(
    csv_paths: list[Path], tools: tuple[str, ...] = (GAITBACK, SKDH), repeats: int = 1
) -> dict[str, ToolTotals]:
    """Run every tool on every recording; return per-tool totals and per-recording scores.

    Each tool runs ``repeats`` times per recording, the tools taking turns so that
    load from other processes hits both alike; the fastest run's time counts (both
    tools are deterministic, so the scores are those of any run).
    """
    runners = {GAITBACK: gaitback_run, SKDH: skdh_run}
    totals = {tool: ToolTotals(tool) for tool in tools}
    cases = [case_load(p) for p in csv_paths]
    for case in cases:
        best: dict[str, ToolRun] = {}
        for _ in range(max(1, repeats)):
            for tool in tools:
                run = runners[tool](case)
                if tool not in best or run.error is not None or run.seconds < best[tool].seconds:
                    best[tool] = run
        for tool, run in best.items():
            tot = totals[tool]
            if run.notes:
                tot.notes[case.name] = run.notes
            if run.error is not None:
                tot.errors[case.name] = run.error
                tot.scores[case.name] = {}
                continue
            tot.samples += run.n_samples
            tot.seconds += run.seconds
            tot.scores[case.name] = run_score(run, case)
    return totals
