"""The one engine that runs the finding rules (:mod:`gaitback.feedback.rules`).

For each rule: check its requirements, compare every metric with its threshold (creating
each :class:`~gaitback.feedback.evidence.Evidence` once, complete), combine the deciding
levels into a severity and a confidence. Merging findings that share a cause, and the
wording, happen afterwards in :mod:`gaitback.feedback.findings`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import pandas as pd

from gaitback import schema as col
from gaitback.feedback.evidence import (
    METRIC_LABELS,
    RANK,
    SEVERITIES,
    Evidence,
    evidence_make,
    number,
)
from gaitback.feedback.rules import FindingRule, MetricRule
from gaitback.feedback.thresholds import Threshold, Thresholds


@dataclass(frozen=True)
class Context:
    """What the rules read: one run's values, its data quality, thresholds and baseline."""

    values: Mapping[str, float | None]
    summary: Mapping[str, Any]
    steps: pd.DataFrame
    thresholds: Thresholds
    baseline: Mapping[str, float]
    has_gyro: bool
    speed_mps: float | None

    def get(self, key: str) -> float | None:
        return number(self.values.get(key, self.summary.get(key)))

    def th(self, section: str, name: str) -> Threshold:
        return self.thresholds[section][name]

    def parameter(self, name: str) -> float:
        return self.th("confidence", name).value or 0.0

    @property
    def quality_issue(self) -> str:
        """Why step-to-step variability may be inflated by the recording, or ``""``."""
        issues = []
        rate = self.get("sample_rate_hz")
        if rate is not None and rate < self.parameter("min_sample_rate_hz"):
            issues.append(f"the sample rate is {rate:.0f} Hz")
        lost, duration = self.get("lost_samples"), self.get("duration_s")
        if lost and rate and duration:
            lost_pct = 100.0 * lost / (lost + rate * duration)
            if lost_pct > self.parameter("max_lost_pct"):
                issues.append(f"{lost:.0f} samples ({lost_pct:.1f} %) were lost")
        return " and ".join(issues)


def derived_values(summary: Mapping[str, Any]) -> dict[str, float | None]:
    """Metrics the rules read that the summary does not hold as such.

    ``pelvic_drop_side_difference_deg``: left minus right stance drop, each measured from
    the pelvis level in flight (``stance_drop_*``), so neither a camber nor the mean shift an
    asymmetric drop causes is subtracted twice. Summaries without them (the live one) fall
    back to the raw per-side drops. ``pelvic_drop_deg_trend``: the side that worsened most.
    """
    out: dict[str, float | None] = {}
    for side in ("left", "right"):
        stance = number(summary.get(f"stance_drop_{side}_deg"))
        if stance is None:
            stance = number(summary.get(f"pelvic_drop_{side}_deg"))
        out[f"stance_drop_{side}_deg"] = stance
    left, right = out["stance_drop_left_deg"], out["stance_drop_right_deg"]
    out["pelvic_drop_side_difference_deg"] = (
        left - right if left is not None and right is not None else None
    )
    trends = [number(summary.get(f"pelvic_drop_{s}_deg_trend")) for s in ("left", "right")]
    trends = [t for t in trends if t is not None]
    # A single trend over both sides (simulator truth files) is used as it is.
    out["pelvic_drop_deg_trend"] = (
        max(trends) if trends else number(summary.get("pelvic_drop_deg_trend"))
    )
    return out


def _sides_assigned(ctx: Context) -> bool:
    sides = ctx.steps[col.SIDE] if col.SIDE in ctx.steps.columns else pd.Series(dtype=object)
    return bool(sides.isin([col.SIDE_LEFT, col.SIDE_RIGHT]).any())


def _alternate(ctx: Context) -> bool:
    return not _sides_assigned(ctx) and ctx.summary.get("symmetry_basis") == "alternate steps"


#: Named conditions of a run, used by the rules' ``requires``, ``decides_if`` and
#: ``low_confidence_if``.
CONDITIONS: Final[dict[str, Callable[[Context], bool]]] = {
    "standing_reference": lambda c: c.summary.get("lean_reference") == "standing",
    "no_standing_reference": lambda c: c.summary.get("lean_reference") != "standing",
    "no_gyro": lambda c: not c.has_gyro,
    "no_speed": lambda c: c.speed_mps is None,
    "poor_recording": lambda c: bool(c.quality_issue),
    "lean_measured": lambda c: c.get("forward_lean_deg") is not None,
    "both_drops": lambda c: c.get("stance_drop_left_deg") is not None
    and c.get("stance_drop_right_deg") is not None,
    "sides_known": _sides_assigned,
    "sides_or_alternate": lambda c: _sides_assigned(c) or _alternate(c),
    "alternate_steps": _alternate,
    "short_run": lambda c: (c.get("running_s") or 0.0) < c.parameter("min_running_s"),
}

#: What is missing when a required condition fails.
REQUIRED: Final = {
    "lean_measured": "forward tilt of the pelvis",
    "both_drops": "pelvic drop per side",
    "sides_or_alternate": "left/right step assignment",
}

#: Why a finding is not evaluated when a required condition fails.
UNMET: Final = {
    "lean_measured": "the forward tilt of the pelvis was not measured.",
    "both_drops": "pelvic drop was not measured for both sides.",
    "sides_or_alternate": "steps could not be assigned to the left or right foot.",
}
UNMET_NO_GYRO: Final = {
    "lean_measured": "this recording has no gyroscope, and the tilt of the pelvis cannot be "
    "tracked through running impacts from the accelerometer alone.",
    "both_drops": "this recording has no gyroscope; pelvic drop cannot be measured from the "
    "accelerometer alone, so gaitback does not guess.",
}


@dataclass(frozen=True)
class Assessment:
    """One rule applied to one run, before wording and merging."""

    rule: FindingRule
    evidence: tuple[Evidence, ...] = ()
    missing: tuple[str, ...] = ()
    severity: str = "ok"
    confidence: str = "low"
    not_evaluated: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def raised(self) -> bool:
        return self.severity in ("watch", "act")

    def flags(self, metric: str) -> bool:
        """True when ``metric``'s own (absolute, deciding) evidence is beyond ``watch``."""
        return any(
            e.metric == metric and e.reference is None and e.counts and e.level != "ok"
            for e in self.evidence
        )


def _speed_band(ctx: Context, th: Threshold) -> tuple[Threshold, str]:
    """Cadence bands shifted with the known speed: fine at an easy pace is low when fast."""
    if ctx.speed_mps is None:
        return th, "cadence (no speed given: absolute band)"
    slope = ctx.th("overstriding", "cadence_speed_slope_spm_per_mps").value or 0.0
    ref = ctx.th("overstriding", "reference_speed_mps").value or ctx.speed_mps
    shift = slope * (ctx.speed_mps - ref)
    band = Threshold(
        watch=None if th.watch is None else th.watch + shift,
        act=None if th.act is None else th.act + shift,
        value=None,
        source=f"{th.source}; shifted {shift:+.1f} steps/min for {ctx.speed_mps:.2f} m/s "
        f"({slope:g} steps/min per m/s from {ref:g} m/s)",
    )
    return band, f"cadence (band for {ctx.speed_mps * 3.6:.1f} km/h)"


def _metric_evidence(
    rule: FindingRule, m: MetricRule, ctx: Context
) -> tuple[Evidence | None, str]:
    value = ctx.get(m.key)
    if value is None:
        label = METRIC_LABELS.get(m.key, (m.key, "", 0))[0]
        return None, label + (", needs a gyroscope" if m.needs_gyro and not ctx.has_gyro else "")
    th = ctx.th(rule.id, m.threshold)
    label = None
    if m.speed_adjusted:
        th, label = _speed_band(ctx, th)
    role = m.role
    if m.decides_if is not None and not CONDITIONS[m.decides_if](ctx):
        role = "informs"
    return evidence_make(m.key, value, th, m.direction, role=role, label=label), ""


def _baseline_evidence(rule: FindingRule, ctx: Context) -> list[Evidence]:
    out = []
    for m in rule.baseline:
        value, reference = ctx.get(m.key), number(ctx.baseline.get(m.key))
        if value is None or reference is None:
            continue
        th = ctx.th("baseline", m.threshold)
        out.append(evidence_make(m.key, value, th, m.direction, reference=reference))
    return out


def _severity(evidence: list[Evidence], corroborate: bool) -> str:
    """Combine the deciding levels.

    With ``corroborate`` a single flagged proxy caps the severity at ``watch``: these
    findings rest on indirect sacral proxies, so ``act`` needs two of them to agree.
    Personal-baseline evidence alone raises at most ``watch``; informing and exploratory
    evidence never raises.
    """
    deciding = [e for e in evidence if e.counts]
    flagged = [e for e in deciding if e.reference is None and e.level != "ok"]
    worst = max((RANK[e.level] for e in flagged), default=0)
    if corroborate and len(flagged) == 1:
        worst = min(worst, 1)
    if worst == 0 and any(e.level != "ok" for e in deciding if e.reference is not None):
        worst = 1
    return SEVERITIES[worst]


def assess(rule: FindingRule, ctx: Context) -> Assessment:
    """Apply one rule to one run."""
    for need in rule.requires:
        if not CONDITIONS[need](ctx):
            gyro = not ctx.has_gyro and need in UNMET_NO_GYRO
            what = REQUIRED[need] + (", needs a gyroscope" if gyro else "")
            why = (UNMET_NO_GYRO if gyro else UNMET)[need]
            return Assessment(rule, missing=(what,), severity="not_evaluated", not_evaluated=why)
    evidence: list[Evidence] = []
    missing: list[str] = []
    for m in rule.metrics:
        ev, lacking = _metric_evidence(rule, m, ctx)
        if ev is not None:
            evidence.append(ev)
        else:
            missing.append(lacking)
    if not evidence:
        why = "none of its metrics could be measured in this recording."
        return Assessment(rule, (), tuple(missing), "not_evaluated", "low", why)
    evidence += _baseline_evidence(rule, ctx)
    severity = _severity(evidence, rule.corroborate)
    if rule.id == "uneven_surface" and severity == "act" and ctx.quality_issue:
        # Irregularity may come from the recording rather than the ground.
        severity = "watch"
    n_flagged = sum(e.counts and e.reference is None and e.level != "ok" for e in evidence)
    trusted = rule.trusted is not None and any(
        e.metric == rule.trusted and e.level != "ok" for e in evidence
    )
    if rule.trusted is not None:
        confidence = "medium" if trusted else "low"
    else:
        confidence = "medium" if n_flagged >= 2 or (n_flagged == 0 and not missing) else "low"
    if any(CONDITIONS[c](ctx) for c in rule.low_confidence_if):
        confidence = "low"
    return Assessment(rule, tuple(evidence), tuple(missing), severity, confidence)
