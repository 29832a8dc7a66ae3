"""Findings: which of the article's mechanical causes show up in one analysed run.

The causes are data (:mod:`gaitback.feedback.rules`), run by one engine
(:mod:`gaitback.feedback.engine`). This module adds what the runner reads: the
enough-data rule, merging findings that share a cause, and the wording. How each finding
is decided is documented in ``docs/findings.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, Final

import pandas as pd

from gaitback.core.result import AnalysisResult
from gaitback.feedback import advice
from gaitback.feedback.engine import CONDITIONS, Assessment, Context, assess, derived_values
from gaitback.feedback.evidence import SEVERITIES, Evidence, number
from gaitback.feedback.rules import FINDING_IDS, RULES
from gaitback.feedback.thresholds import Thresholds, thresholds_load

__all__ = [
    "CONFIDENCES",
    "FINDING_IDS",
    "NOT_EVALUATED",
    "SEVERITIES",
    "Evidence",
    "Finding",
    "findings_evaluate",
]

NOT_EVALUATED: Final = "not_evaluated"
CONFIDENCES: Final = ("low", "medium", "high")

#: Explanation of every finding when the run is too short to judge.
NOT_ENOUGH: Final = "Not enough running to judge"


@dataclass(frozen=True)
class Finding:
    """One mechanical cause, assessed for one run.

    Attributes
    ----------
    id
        One of :data:`FINDING_IDS`.
    title
        Name shown to the runner.
    severity
        ``ok``, ``watch``, ``act``, or ``not_evaluated`` when the run lacks the data (then
        ``missing`` says what).
    confidence
        ``low``, ``medium`` or ``high``; sacral proxies never reach ``high``.
    evidence
        Metrics compared with thresholds, each naming its source and role.
    explanation
        Plain language, with the numbers of this run.
    advice
        What to do, from the article; empty unless raised.
    missing
        What data was lacking.
    merged_into
        The finding that explains this one (one cause, one finding); its severity is then
        ``ok`` and the advice is given there.
    """

    id: str
    title: str
    severity: str
    confidence: str
    evidence: tuple[Evidence, ...] = ()
    explanation: str = ""
    advice: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    merged_into: str | None = None

    @property
    def evaluated(self) -> bool:
        return self.severity != NOT_EVALUATED

    @property
    def raised(self) -> bool:
        """True when the severity is ``watch`` or ``act``."""
        return self.severity in ("watch", "act")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping (the ``findings`` entries of ``summary.json``)."""
        out = asdict(self)
        out["evidence"] = [asdict(e) for e in self.evidence]
        out["advice"] = list(self.advice)
        out["missing"] = list(self.missing)
        out["evaluated"] = self.evaluated
        return out


def _not_evaluated(fid: str, missing: tuple[str, ...], why: str) -> Finding:
    return Finding(
        id=fid,
        title=advice.TITLES[fid],
        severity=NOT_EVALUATED,
        confidence="low",
        explanation=f"Not evaluated: {why}",
        missing=missing,
    )


def _join(evidence: list[Evidence]) -> str:
    return "; ".join(e.describe() for e in evidence)


def _details(a: Assessment, ctx: Context) -> dict[str, str]:
    """Fields for the wording templates of :data:`advice.WORDING`."""
    flagged = [e for e in a.evidence if e.counts and e.level != "ok"]
    out = {"flagged": _join(flagged)}
    left, right = ctx.get("stance_drop_left_deg"), ctx.get("stance_drop_right_deg")
    if left is not None and right is not None:
        out["worse"] = (
            "left stance (the right side drops)" if left > right
            else "right stance (the left side drops)"
        )
    balance = ctx.get("contact_balance_left_pct")
    if CONDITIONS["alternate_steps"](ctx):
        out["heavier"] = "Every other step differs: one side works differently from the other."
    elif balance is not None and balance != 50.0:
        side = "left" if balance > 50 else "right"
        out["heavier"] = f"The {side} foot stays longer on the ground."
    else:
        out["heavier"] = "Left and right differ."
    return out


def _context_notes(a: Assessment, ctx: Context) -> list[str]:
    """Sentences that depend on this run's data (speed, reference, quality, sides)."""
    fid = a.rule.id
    notes = []
    if fid == "overstriding" and ctx.speed_mps is None:
        notes.append(
            "Without the speed (treadmill or --speed) the cadence is judged on an absolute band."
        )
    if fid == "leaning":
        if ctx.summary.get("lean_reference") == "standing":
            notes.append("Tilt is measured relative to your standing posture at the start.")
        else:
            notes.append(
                "There was no standing period to compare with, so the tilt is measured from "
                "vertical and includes how the sensor sits on your pelvis: it is shown, not "
                "judged. Stand still for 5 seconds before you start running to have it judged."
            )
    if fid == "uneven_surface":
        tilt = ctx.get("obliquity_flight_deg")
        if tilt is not None and abs(tilt) >= 0.05:
            side = "left" if tilt > 0 else "right"
            notes.append(f"Through the stride the pelvis sat {abs(tilt):.1f}° higher on the "
                         f"{side}.")
        if ctx.quality_issue:
            notes.append(
                f"Recording quality limits this: {ctx.quality_issue}, which inflates "
                "step-to-step variability, so act is not given on these grounds."
            )
    if fid == "asymmetry" and CONDITIONS["alternate_steps"](ctx):
        notes.append(
            "Without a gyroscope the steps cannot be labelled left or right, so alternate "
            "steps are compared: the size of an imbalance is measured, not its side."
        )
    if fid == "fatigue":
        running = ctx.get("running_s")
        if running is not None:
            notes.append(f"This run had {running / 60:.1f} min of running.")
    return notes


def _explanation(a: Assessment, ctx: Context, merged: list[Assessment]) -> str:
    lead_ok, lead_raised, note = advice.WORDING[a.rule.id]
    fields = _details(a, ctx)
    parts = [lead_raised.format(**fields) if a.raised else lead_ok]
    if a.raised:
        parts.append(advice.WHY[a.rule.id])
        baseline = [e for e in a.evidence if e.reference is not None and e.level != "ok"]
        if baseline:
            text = _join(baseline)
            parts.append(text[:1].upper() + text[1:] + ".")
    for other in merged:
        flagged = [e for e in other.evidence if e.counts and e.level != "ok"]
        parts.append(
            f"The same cause explains a left/right difference: {_join(flagged)}."
            if other.rule.id == "asymmetry"
            else f"The same cause explains: {_join(flagged)}."
        )
    within = [e for e in a.evidence if e.level == "ok" and e.reference is None and e.counts]
    if within:
        parts.append(f"Within the reference range: {_join(within)}.")
    parts += _context_notes(a, ctx)
    parts.append(note)
    return " ".join(p for p in parts if p)


def _merge_target(a: Assessment, by_id: Mapping[str, Assessment]) -> str | None:
    if not a.raised:
        return None
    own = {e.metric for e in a.evidence if e.counts and e.reference is None and e.level != "ok"}
    for other_id, metric, only in a.rule.explained_by:
        other = by_id.get(other_id)
        if other is None or not other.raised or not other.flags(metric):
            continue
        if not only or own <= set(only):
            return other_id
    return None


def _build(a: Assessment, ctx: Context, by_id: Mapping[str, Assessment],
           targets: Mapping[str, str | None]) -> Finding:
    fid = a.rule.id
    if a.severity == NOT_EVALUATED:
        return _not_evaluated(fid, a.missing, a.not_evaluated)
    target = targets[fid]
    if target is not None:
        flagged = _join([e for e in a.evidence if e.counts and e.level != "ok"])
        explanation = (
            f"{flagged[:1].upper()}{flagged[1:]}, which the same cause explains: "
            f"see \"{advice.TITLES[target]}\"."
        )
        return Finding(fid, advice.TITLES[fid], "ok", a.confidence, a.evidence, explanation,
                       (), a.missing, merged_into=target)
    merged = [by_id[o] for o, t in targets.items() if t == fid]
    tips = tuple(advice.TIPS[k] for k in a.rule.advice) if a.raised else ()
    return Finding(fid, advice.TITLES[fid], a.severity, a.confidence, a.evidence,
                   _explanation(a, ctx, merged), tips, a.missing)


def _has_gyro(result: AnalysisResult) -> bool:
    flag = result.summary.get("has_gyro")
    if flag is not None:
        return bool(flag)
    return bool(getattr(result.recording, "has_gyro", False))


def _speed_mps(result: AnalysisResult) -> float | None:
    speed = number(result.summary.get("speed_mps"))
    if speed is None:
        meta = getattr(result.recording, "meta", None)
        speed = number(getattr(meta, "treadmill_speed_mps", None))
    return speed if speed is not None and speed > 0 else None


def enough_running(summary: Mapping[str, Any], thresholds: Thresholds) -> str:
    """``""`` when the run is long enough to judge, else why not (one sentence)."""
    running_s = number(summary.get("running_s")) or 0.0
    n_steps = int(number(summary.get("n_steps")) or 0)
    min_s = thresholds["confidence"]["min_judge_running_s"].value or 0.0
    min_steps = int(thresholds["confidence"]["min_judge_steps"].value or 0)
    if running_s >= min_s and n_steps >= min_steps:
        return ""
    return (
        f"{NOT_ENOUGH}: this recording has {running_s:.0f} s and {n_steps} steps of running; "
        f"advice needs at least {min_s:.0f} s and {min_steps} steps. The metrics are shown, "
        "but this is too little running to say what they mean for your back."
    )


def findings_evaluate(
    result: AnalysisResult,
    thresholds: Thresholds | None = None,
    baseline: Mapping[str, float] | None = None,
    *,
    require_enough_running: bool = True,
) -> list[Finding]:
    """Assess every finding for one analysed run.

    Parameters
    ----------
    result
        The analysis (``gaitback.analyze``): its ``summary`` and ``steps``.
    thresholds
        From :func:`gaitback.feedback.thresholds_load`; the shipped defaults when ``None``.
    baseline
        Summary key -> the runner's recent mean (session history). Adds personal-baseline
        evidence; alone it raises a finding to ``watch`` at most.
    require_enough_running
        Below ``confidence.min_judge_running_s`` seconds or ``min_judge_steps`` steps of
        running every finding is ``not_evaluated`` ("not enough running to judge"). Live
        cues on a rolling window turn this off.

    Returns
    -------
    list of Finding
        One per id in :data:`FINDING_IDS`, in that order, always all of them.
    """
    th = thresholds if thresholds is not None else thresholds_load()
    if not result.has_running:
        why = "no running was detected in this recording."
        return [_not_evaluated(fid, ("running steps",), why) for fid in FINDING_IDS]
    if require_enough_running:
        short = enough_running(result.summary, th)
        if short:
            return [
                Finding(fid, advice.TITLES[fid], NOT_EVALUATED, "low", explanation=short,
                        missing=("enough running",))
                for fid in FINDING_IDS
            ]
    ctx = Context(
        values=derived_values(result.summary),
        summary=result.summary,
        steps=result.steps if result.steps is not None else pd.DataFrame(),
        thresholds=th,
        baseline=baseline or {},
        has_gyro=_has_gyro(result),
        speed_mps=_speed_mps(result),
    )
    by_id = {rule.id: assess(rule, ctx) for rule in RULES}
    targets = {fid: _merge_target(a, by_id) for fid, a in by_id.items()}
    return [_build(by_id[fid], ctx, by_id, targets) for fid in FINDING_IDS]

