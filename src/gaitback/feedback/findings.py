"""Findings: which of the article's mechanical causes show up in one analysed run.

Each finding combines several metrics of the summary (``docs/architecture.md``) against
the thresholds (``thresholds.toml``) into a severity, a confidence, the evidence and advice.
How each finding is decided is documented in ``docs/findings.md``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Final, Literal

import numpy as np
import pandas as pd

from gaitback import columns as col
from gaitback.core.result import AnalysisResult
from gaitback.feedback import advice
from gaitback.feedback.thresholds import Threshold, Thresholds, thresholds_load

SEVERITIES: Final = ("ok", "watch", "act")
NOT_EVALUATED: Final = "not_evaluated"
CONFIDENCES: Final = ("low", "medium", "high")
FINDING_IDS: Final = (
    "overstriding",
    "leaning",
    "uneven_surface",
    "pelvic_drop",
    "asymmetry",
    "high_impact",
    "fatigue",
)
_RANK: Final = {"ok": 0, "watch": 1, "act": 2}

#: How a value is compared with its cut-offs.
#: high: above is worse; low: below is worse; balance: distance from 50 % is worse;
#: magnitude: distance from 0 is worse.
Direction = Literal["high", "low", "balance", "magnitude"]

#: metric -> (label, unit, decimals), for explanations and the report.
METRIC_LABELS: Final = {
    "cadence_spm": ("cadence", "steps/min", 0),
    "contact_ms": ("ground contact time", "ms", 0),
    "flight_ms": ("flight time", "ms", 0),
    "step_ms": ("step time", "ms", 0),
    "braking_g": ("braking peak", "g", 2),
    "loading_rate_gps": ("loading rate", "g/s", 1),
    "impact_g": ("impact peak", "g", 2),
    "vertical_oscillation_cm": ("vertical oscillation", "cm", 1),
    "forward_lean_deg": ("forward lean", "°", 1),
    "forward_lean_deg_trend": ("change in forward lean over the run", "°", 1),
    "obliquity_offset_deg": ("mean pelvic obliquity (side tilt)", "°", 1),
    "contact_balance_left_pct": ("left share of contact time", "%", 1),
    "contact_symmetry_pct": ("contact-time symmetry index", "%", 1),
    "impact_symmetry_pct": ("impact symmetry index", "%", 1),
    "impact_cv_pct": ("step-to-step impact variability", "%", 1),
    "step_regularity": ("step regularity", "", 2),
    "pelvic_drop_left_deg": ("pelvic drop in left stance (right side drops)", "°", 1),
    "pelvic_drop_right_deg": ("pelvic drop in right stance (left side drops)", "°", 1),
    "pelvic_drop_deg": ("largest side's pelvic drop", "°", 1),
    "pelvic_drop_side_difference_deg": ("left/right pelvic-drop difference", "°", 1),
    "contact_ms_trend": ("change in contact time over the run", "ms", 0),
    "cadence_spm_trend": ("change in cadence over the run", "steps/min", 1),
    "impact_g_trend": ("change in impact peak over the run", "g", 2),
    "pelvic_drop_deg_trend": ("change in pelvic drop over the run", "°", 1),
}


@dataclass
class Evidence:
    """One metric compared with its threshold.

    Attributes
    ----------
    metric
        Summary key (or derived metric name, see ``docs/findings.md``).
    value
        The value measured in this run (``None`` when missing).
    threshold
        The cut-off that decided ``level``: ``act`` when reached, otherwise ``watch``.
    comparison
        How ``value`` is compared: ``>``, ``<``, ``|x - 50| >`` or ``|x| >``.
    source
        Where the threshold comes from.
    level
        ``ok``, ``watch`` or ``act`` for this metric alone.
    watch, act
        Both cut-offs, for display.
    label, unit
        Human-readable name and unit.
    reference
        For personal-baseline evidence, the runner's recent mean; ``None`` otherwise.
    """

    metric: str
    value: float | None
    threshold: float | None
    comparison: str
    source: str
    level: str
    watch: float | None = None
    act: float | None = None
    label: str = ""
    unit: str = ""
    reference: float | None = None

    def describe(self) -> str:
        """One plain-language clause with the measured value and the cut-off crossed."""
        value = _fmt(self.metric, self.value, self.unit)
        if self.reference is not None:
            delta = (self.value or 0.0) - self.reference
            change = _fmt(self.metric, abs(delta), self.unit)
            word = "higher" if delta >= 0 else "lower"
            text = (
                f"{self.label} was {value}, {change} {word} than your recent runs "
                f"({_fmt(self.metric, self.reference, self.unit)})"
            )
        else:
            text = f"{self.label} was {value}"
        if self.level == "ok":
            return text
        rule = {
            ">": "above",
            "<": "below",
            "|x - 50| >": "more than this far from 50 %:",
            "|x| >": "beyond ±",
        }.get(self.comparison, self.comparison)
        cut = _fmt(self.metric, self.threshold, self.unit)
        return f"{text} ({rule} the {self.level} level of {cut})"


@dataclass
class Finding:
    """One mechanical cause, assessed for one run.

    Attributes
    ----------
    id
        One of :data:`FINDING_IDS`.
    title
        Name shown to the runner.
    severity
        ``ok``, ``watch``, ``act``, or ``not_evaluated`` when the run lacks the data
        (then ``missing`` says what).
    confidence
        ``low``, ``medium`` or ``high``: how far the measurement and thresholds support
        the severity (see ``docs/findings.md``). Sacral proxies never reach ``high``
        where the literature has no accepted cut-off.
    evidence
        Metrics compared with thresholds, each naming its source.
    explanation
        Plain language, with the numbers of this run.
    advice
        What to do, from the article; empty when the severity is ``ok``.
    missing
        What data was lacking (empty when everything needed was there).
    """

    id: str
    title: str
    severity: str
    confidence: str
    evidence: list[Evidence] = field(default_factory=list)
    explanation: str = ""
    advice: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

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
        out["evaluated"] = self.evaluated
        return out


def _num(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _fmt(metric: str, value: float | None, unit: str) -> str:
    if value is None:
        return "n/a"
    decimals = METRIC_LABELS.get(metric, ("", "", 1))[2]
    text = f"{value:.{decimals}f}"
    if text.lstrip("-").strip("0.") == "":
        text = text.lstrip("-")  # no "-0 ms"
    if unit == "°":
        return f"{text}°"
    return f"{text} {unit}".rstrip()


def _level(value: float, th: Threshold, direction: Direction) -> tuple[str, float | None]:
    """Severity of one value, and the cut-off that decided it."""
    if direction == "balance":
        x = abs(value - 50.0)
    elif direction == "magnitude":
        x = abs(value)
    else:
        x = value
    for name in ("act", "watch"):
        cut = getattr(th, name)
        if cut is None:
            continue
        beyond = x < cut if direction == "low" else x > cut
        if beyond:
            return name, cut
    return "ok", th.watch


_COMPARISON: Final = {"high": ">", "low": "<", "balance": "|x - 50| >", "magnitude": "|x| >"}


def _evidence(
    metric: str,
    value: float,
    th: Threshold,
    direction: Direction,
    reference: float | None = None,
) -> Evidence:
    level, cut = _level(value if reference is None else value - reference, th, direction)
    label, unit, _ = METRIC_LABELS.get(metric, (metric, "", 1))
    return Evidence(
        metric=metric,
        value=value,
        threshold=cut,
        comparison=_COMPARISON[direction],
        source=th.source,
        level=level,
        watch=th.watch,
        act=th.act,
        label=label,
        unit=unit,
        reference=reference,
    )


@dataclass
class _Context:
    summary: Mapping[str, Any]
    steps: pd.DataFrame
    signals: pd.DataFrame
    thresholds: Thresholds
    baseline: Mapping[str, float]
    has_gyro: bool
    running_s: float | None
    speed_mps: float | None

    def get(self, key: str) -> float | None:
        return _num(self.summary.get(key))

    def th(self, section: str, name: str) -> Threshold:
        return self.thresholds[section][name]

    @property
    def quality_issue(self) -> str:
        """Why step-to-step variability may be inflated by the recording, or ``""``."""
        issues = []
        rate = self.get("sample_rate_hz")
        min_rate = self.th("confidence", "min_sample_rate_hz").value or 0.0
        if rate is not None and rate < min_rate:
            issues.append(f"the sample rate is {rate:.0f} Hz")
        lost = self.get("lost_samples")
        duration = self.get("duration_s")
        if lost and rate and duration:
            lost_pct = 100.0 * lost / (lost + rate * duration)
            if lost_pct > (self.th("confidence", "max_lost_pct").value or 0.0):
                issues.append(f"{lost:.0f} samples ({lost_pct:.1f} %) were lost")
        return " and ".join(issues)

    @property
    def short_run(self) -> bool:
        limit = self.th("confidence", "min_running_s").value or 0.0
        return self.running_s is None or self.running_s < limit


def _collect(
    ctx: _Context, section: str, items: list[tuple[str, str, Direction]], missing_why: str = ""
) -> tuple[list[Evidence], list[str]]:
    """Evidence for ``(summary key, threshold name, direction)`` items, and what was missing."""
    evidence: list[Evidence] = []
    missing: list[str] = []
    for key, name, direction in items:
        value = ctx.get(key)
        if value is None:
            label = METRIC_LABELS.get(key, (key, "", 0))[0]
            missing.append(f"{label} ({key}){missing_why}")
            continue
        evidence.append(_evidence(key, value, ctx.th(section, name), direction))
    return evidence, missing


def _baseline_evidence(ctx: _Context, items: list[tuple[str, str, Direction]]) -> list[Evidence]:
    """Evidence comparing this run with the runner's recent mean (personal baseline)."""
    out = []
    for key, name, direction in items:
        value = ctx.get(key)
        reference = _num(ctx.baseline.get(key))
        if value is None or reference is None:
            continue
        th = ctx.th("baseline", name)
        if direction == "balance":
            # Compare the distance from 50 %, which is what matters, not the raw share.
            ev = _evidence(key, value, th, "high", reference=None)
            level, cut = _level(abs(value - 50.0) - abs(reference - 50.0), th, "high")
            ev.level, ev.threshold, ev.reference = level, cut, reference
            ev.comparison = "|x - 50| - |baseline - 50| >"
        else:
            ev = _evidence(key, value, th, direction, reference=reference)
            ev.comparison = f"x - baseline {_COMPARISON[direction]}"
        out.append(ev)
    return out


def _severity(evidence: list[Evidence], corroborate: bool) -> str:
    """Combine per-metric levels.

    With ``corroborate`` a single flagged proxy caps the severity at ``watch``: these
    findings rest on indirect sacral proxies, so ``act`` needs two of them to agree.
    Personal-baseline evidence alone raises at most ``watch``.
    """
    absolute = [e for e in evidence if e.reference is None]
    flagged = [e for e in absolute if e.level != "ok"]
    worst = max((_RANK[e.level] for e in flagged), default=0)
    if corroborate and len(flagged) == 1:
        worst = min(worst, 1)
    if worst == 0 and any(e.level != "ok" for e in evidence if e.reference is not None):
        worst = 1
    return SEVERITIES[worst]


def _explain(lead: str, evidence: list[Evidence], tail: str = "") -> str:
    flagged = [e for e in evidence if e.level != "ok"]
    rest = [e for e in evidence if e.level == "ok"]
    parts = [lead]
    if flagged:
        text = "; ".join(e.describe() for e in flagged)
        parts.append(text[:1].upper() + text[1:] + ".")
    if rest:
        within = "; ".join(e.describe() for e in rest)
        parts.append(f"Within the reference range: {within}.")
    if tail:
        parts.append(tail)
    return " ".join(p for p in parts if p)


def _finding(
    fid: str,
    severity: str,
    confidence: str,
    evidence: list[Evidence],
    explanation: str,
    missing: list[str],
) -> Finding:
    raised = severity in ("watch", "act")
    return Finding(
        id=fid,
        title=advice.TITLES[fid],
        severity=severity,
        confidence=confidence,
        evidence=evidence,
        explanation=explanation,
        advice=list(advice.ADVICE[fid]) if raised else [],
        missing=missing,
    )


def _not_evaluated(fid: str, missing: list[str], why: str) -> Finding:
    return Finding(
        id=fid,
        title=advice.TITLES[fid],
        severity=NOT_EVALUATED,
        confidence="low",
        explanation=f"Not evaluated: {why}",
        missing=missing,
    )


def _overstriding(ctx: _Context) -> Finding:
    fid = "overstriding"
    evidence: list[Evidence] = []
    missing: list[str] = []
    cadence = ctx.get("cadence_spm")
    if cadence is None:
        missing.append("cadence (cadence_spm)")
    else:
        band = ctx.th(fid, "cadence_spm")
        note = "no treadmill speed, absolute band"
        if ctx.speed_mps is not None:
            # Shift the bands with speed: a cadence that is fine at an easy pace is low fast.
            slope = ctx.th(fid, "cadence_speed_slope_spm_per_mps").value or 0.0
            ref = ctx.th(fid, "reference_speed_mps").value or ctx.speed_mps
            shift = slope * (ctx.speed_mps - ref)
            band = Threshold(
                watch=None if band.watch is None else band.watch + shift,
                act=None if band.act is None else band.act + shift,
                value=None,
                source=f"{band.source}; shifted {shift:+.1f} steps/min for "
                f"{ctx.speed_mps:.2f} m/s ({slope:g} steps/min per m/s from {ref:g} m/s)",
            )
            note = f"bands adjusted for {ctx.speed_mps:.2f} m/s"
        ev = _evidence("cadence_spm", cadence, band, "low")
        ev.label = f"cadence ({note})"
        evidence.append(ev)
    more, lacking = _collect(
        ctx,
        fid,
        [
            ("contact_ms", "contact_ms", "high"),
            ("braking_g", "braking_g", "high"),
            ("loading_rate_gps", "loading_rate_gps", "high"),
        ],
    )
    evidence += more
    missing += lacking
    if not evidence:
        return _not_evaluated(fid, missing, "none of the overstriding proxies could be measured.")
    evidence += _baseline_evidence(
        ctx,
        [
            ("contact_ms", "contact_ms", "high"),
            ("cadence_spm", "cadence_spm", "low"),
            ("braking_g", "braking_g", "high"),
        ],
    )
    severity = _severity(evidence, corroborate=True)
    n_flagged = sum(e.level != "ok" for e in evidence if e.reference is None)
    confidence = "medium" if (n_flagged >= 2 or (n_flagged == 0 and not missing)) else "low"
    if severity == "ok":
        lead = "No sign of overstriding from the sacral proxies."
    elif n_flagged >= 2:
        lead = f"{n_flagged} of the overstriding proxies point the same way."
    else:
        lead = "One overstriding proxy is out of range; the others do not confirm it."
    tail = (
        "A sensor on the sacrum cannot see where the foot lands; there is no accepted sacral "
        "cut-off for overstriding, so this combines indirect signs (cadence for the speed, "
        "contact time, braking, loading rate)."
    )
    if ctx.speed_mps is None:
        tail += " Without the treadmill speed the cadence is judged on an absolute band."
    if severity != "ok":
        tail = f"{advice.WHY[fid]} {tail}"
    return _finding(fid, severity, confidence, evidence, _explain(lead, evidence, tail), missing)


def _leaning(ctx: _Context) -> Finding:
    fid = "leaning"
    why = "" if ctx.has_gyro else ", needs a gyroscope"
    evidence, missing = _collect(
        ctx,
        fid,
        [
            ("forward_lean_deg", "forward_lean_deg", "high"),
            ("forward_lean_deg_trend", "forward_lean_deg_trend", "high"),
        ],
        why,
    )
    if not evidence:
        reason = (
            "this recording has no gyroscope, and forward lean cannot be tracked through "
            "running impacts from the accelerometer alone."
            if not ctx.has_gyro
            else "forward lean was not measured."
        )
        return _not_evaluated(fid, missing, reason)
    evidence += _baseline_evidence(ctx, [("forward_lean_deg", "forward_lean_deg", "high")])
    severity = _severity(evidence, corroborate=False)
    reference = ctx.summary.get("lean_reference")
    if reference == "standing":
        ref_text = "Lean is measured relative to your standing posture at the start."
        confidence = "medium"
    else:
        ref_text = (
            "There was no standing period to calibrate against, so lean is measured from "
            "vertical and includes how the sensor sits on your pelvis; treat the absolute "
            "value with caution (the change over the run is more reliable)."
        )
        confidence = "low"
    if ctx.short_run and any(e.metric.endswith("_trend") and e.level != "ok" for e in evidence):
        confidence = "low"
    if not ctx.has_gyro:
        # Accelerometer-only lean is the mean gravity direction, blurred by running impacts.
        confidence = "low"
        ref_text += " Without a gyroscope lean comes from the accelerometer alone."
    lead = "Forward lean looks fine." if severity == "ok" else "The pelvis leans forward more."
    tail = (
        f"{ref_text} Some lean is normal: about 10-18° of trunk flexion lowers knee load but "
        "shifts it to the hip and back (Teng & Powers 2014)."
    )
    if severity != "ok":
        tail = f"{advice.WHY[fid]} {tail}"
    return _finding(fid, severity, confidence, evidence, _explain(lead, evidence, tail), missing)


def _obliquity_offset_deg(ctx: _Context) -> tuple[float | None, str]:
    """Mean pelvic obliquity while running (positive: left side higher)."""
    from_summary = ctx.get("obliquity_offset_deg")
    if from_summary is not None:
        return from_summary, "summary"
    sig = ctx.signals
    if "obliquity_deg" in sig.columns and col.TIME in sig.columns and len(ctx.steps):
        t = sig[col.TIME].to_numpy(dtype=float)
        start = float(ctx.steps[col.FOOT_STRIKE].min())
        end = float(ctx.steps[col.TOE_OFF].max())
        values = sig["obliquity_deg"].to_numpy(dtype=float)[(t >= start) & (t <= end)]
        values = values[np.isfinite(values)]
        if values.size:
            return float(values.mean()), "signals"
    left, right = ctx.get("pelvic_drop_left_deg"), ctx.get("pelvic_drop_right_deg")
    if left is not None and right is not None:
        # A steady tilt o adds o to every left-stance drop and removes it from right ones.
        return (left - right) / 2.0, "drops"
    return None, ""


def _uneven_surface(ctx: _Context) -> Finding:
    fid = "uneven_surface"
    evidence, missing = _collect(
        ctx,
        fid,
        [
            ("contact_balance_left_pct", "contact_balance_left_pct", "balance"),
            ("impact_cv_pct", "impact_cv_pct", "high"),
            ("step_regularity", "step_regularity", "low"),
        ],
    )
    offset, how = _obliquity_offset_deg(ctx)
    if offset is None:
        missing.append(
            "pelvic obliquity offset"
            + (", needs a gyroscope" if not ctx.has_gyro else " (no obliquity signal)")
        )
    else:
        evidence.insert(
            0,
            _evidence(
                "obliquity_offset_deg", offset, ctx.th(fid, "obliquity_offset_deg"), "magnitude"
            ),
        )
    if not evidence:
        return _not_evaluated(fid, missing, "no loading-balance or regularity metrics.")
    severity = _severity(evidence, corroborate=True)
    n_flagged = sum(e.level != "ok" for e in evidence)
    confidence = "medium" if n_flagged >= 2 or (n_flagged == 0 and not missing) else "low"
    quality = ctx.quality_issue
    if quality and severity == "act":
        # Irregularity may come from the recording rather than the ground.
        severity = "watch"
    if ctx.short_run or quality:
        confidence = "low"
    if severity == "ok":
        lead = "Loading was even and regular from step to step."
    else:
        lead = "Loading was uneven: one-sided or irregular from step to step."
    tail = (
        "A steady one-sided tilt or loading points to a cambered surface or to your own "
        "left/right imbalance; irregular loading points to an uneven surface. The sensor "
        "cannot tell the two apart, so compare with a run on a level surface."
    )
    if quality:
        tail += (
            f" Recording quality limits this: {quality}, which inflates step-to-step "
            "variability, so act is not given on these grounds."
        )
    if offset is not None:
        side = "left" if offset > 0 else "right"
        basis = " (estimated from the left/right pelvic drops)" if how == "drops" else ""
        tail = (
            f"On average the pelvis sat {abs(offset):.1f}° higher on the {side}{basis}. " + tail
        )
    if severity != "ok":
        tail = f"{advice.WHY[fid]} {tail}"
    return _finding(fid, severity, confidence, evidence, _explain(lead, evidence, tail), missing)


def _pelvic_drop(ctx: _Context) -> Finding:
    fid = "pelvic_drop"
    left, right = ctx.get("pelvic_drop_left_deg"), ctx.get("pelvic_drop_right_deg")
    if left is None or right is None:
        missing = ["pelvic drop per side (pelvic_drop_left_deg, pelvic_drop_right_deg)"]
        if not ctx.has_gyro:
            return _not_evaluated(
                fid,
                [m + ", needs a gyroscope" for m in missing],
                "this recording has no gyroscope; pelvic drop cannot be measured from the "
                "accelerometer alone, so gaitback does not guess.",
            )
        return _not_evaluated(fid, missing, "pelvic drop was not measured for both sides.")
    offset, _ = _obliquity_offset_deg(ctx)
    # A steady side tilt (camber) adds to one side's drop and removes from the other's;
    # it is not a drop, so the side difference is judged with it taken out.
    difference = left - right - (2.0 * offset if offset is not None else 0.0)
    ev_diff = _evidence(
        "pelvic_drop_side_difference_deg",
        difference,
        ctx.th(fid, "side_difference_deg"),
        "magnitude",
    )
    if offset is not None:
        ev_diff.label += f" (steady tilt of {offset:.1f}° removed)"
    evidence = [
        _evidence("pelvic_drop_left_deg", left, ctx.th(fid, "pelvic_drop_deg"), "high"),
        _evidence("pelvic_drop_right_deg", right, ctx.th(fid, "pelvic_drop_deg"), "high"),
        ev_diff,
    ]
    drop_baseline = []
    for key in ("pelvic_drop_left_deg", "pelvic_drop_right_deg"):
        value, reference = ctx.get(key), _num(ctx.baseline.get(key))
        if value is not None and reference is not None:
            drop_baseline.append(
                _evidence(key, value, ctx.th("baseline", "pelvic_drop_deg"), "high", reference)
            )
    evidence += drop_baseline
    severity = _severity(evidence, corroborate=False)
    # Side differences and trends are more trustworthy from the sacrum than absolute angles.
    confidence = "medium" if ev_diff.level != "ok" else "low"
    if severity == "ok":
        lead = "Pelvic drop was moderate and similar on both sides."
    else:
        worse = "left stance (right hip drops)" if left > right else "right stance (left hip drops)"
        lead = f"The pelvis drops more than expected, mostly in {worse}."
    tail = (
        "Pelvic angles from one sacral sensor are approximate (commercial sacral sensors "
        "failed validation against motion capture, Ruiz-Malagón 2023); the left/right "
        "difference and changes between your runs are more meaningful than the absolute angle."
    )
    if severity != "ok":
        tail = f"{advice.WHY[fid]} {tail}"
    return _finding(fid, severity, confidence, evidence, _explain(lead, evidence, tail), [])


def _asymmetry(ctx: _Context) -> Finding:
    fid = "asymmetry"
    sides = ctx.steps[col.SIDE] if col.SIDE in ctx.steps.columns else pd.Series(dtype=object)
    assigned = sides.isin([col.SIDE_LEFT, col.SIDE_RIGHT])
    # Without left/right labels the analysis may still compare alternate steps: the size
    # of an imbalance is measurable, which side it is on is not.
    alternate = not assigned.any() and ctx.summary.get("symmetry_basis") == "alternate steps"
    if not assigned.any() and not alternate:
        return _not_evaluated(
            fid,
            ["left/right step assignment"],
            "steps could not be assigned to the left or right foot.",
        )
    items: list[tuple[str, str, Direction]] = [
        ("contact_symmetry_pct", "contact_symmetry_pct", "magnitude"),
        ("impact_symmetry_pct", "impact_symmetry_pct", "magnitude"),
    ]
    if not alternate:
        items.insert(0, ("contact_balance_left_pct", "contact_balance_left_pct", "balance"))
    evidence, missing = _collect(ctx, fid, items)
    if not evidence:
        return _not_evaluated(fid, missing, "no left/right balance metrics.")
    evidence += _baseline_evidence(
        ctx, [("contact_balance_left_pct", "contact_balance_left_pct", "balance")]
    )
    severity = _severity(evidence, corroborate=True)
    unknown_pct = 100.0 * float((~assigned).mean()) if len(sides) else 0.0
    n_flagged = sum(e.level != "ok" for e in evidence if e.reference is None)
    confidence = "medium" if n_flagged != 1 and not alternate else "low"
    balance = ctx.get("contact_balance_left_pct")
    if severity == "ok":
        lead = "Left and right were balanced."
    elif alternate:
        lead = "Every other step differs: one side works differently from the other."
    elif balance is not None and balance != 50.0:
        heavier = "left" if balance > 50 else "right"
        lead = f"The {heavier} side spends longer on the ground or lands harder."
    else:
        lead = "Left and right differ."
    if alternate:
        tail = (
            "Without a gyroscope the steps cannot be labelled left or right, so alternate "
            "steps are compared: the size of an imbalance is measured, not its side."
        )
    else:
        tail = (
            "Left/right assignment from a sacral sensor is not perfect (about 82 % correct "
            "for one published method, Kiernan 2023)"
        )
        tail += f"; {unknown_pct:.0f} % of steps could not be assigned." if unknown_pct else "."
    if severity != "ok":
        tail = f"{advice.WHY[fid]} {tail}"
    return _finding(fid, severity, confidence, evidence, _explain(lead, evidence, tail), missing)


def _high_impact(ctx: _Context) -> Finding:
    fid = "high_impact"
    evidence, missing = _collect(
        ctx,
        fid,
        [
            ("impact_g", "impact_g", "high"),
            ("loading_rate_gps", "loading_rate_gps", "high"),
            ("vertical_oscillation_cm", "vertical_oscillation_cm", "high"),
        ],
    )
    if not evidence:
        return _not_evaluated(fid, missing, "impact was not measured.")
    evidence += _baseline_evidence(
        ctx,
        [
            ("impact_g", "impact_g", "high"),
            ("vertical_oscillation_cm", "vertical_oscillation_cm", "high"),
        ],
    )
    severity = _severity(evidence, corroborate=True)
    impact = next((e for e in evidence if e.metric == "impact_g" and e.reference is None), None)
    confidence = "medium" if impact is not None and not ctx.quality_issue else "low"
    lead = "Impact was in the usual range." if severity == "ok" else "Impact was high."
    tail = (
        "The sacral impact peak tracks the ground reaction force in body weights "
        "(about 2-3 g in typical running, Patoz 2022)."
    )
    if severity != "ok":
        tail = f"{advice.WHY[fid]} {tail}"
    return _finding(fid, severity, confidence, evidence, _explain(lead, evidence, tail), missing)


def _pelvic_drop_trend(ctx: _Context) -> tuple[str | None, float | None]:
    candidates = [
        k
        for k in ctx.summary
        if k.startswith("pelvic_drop") and k.endswith("_trend") and ctx.get(k) is not None
    ]
    if not candidates:
        return None, None
    # With per-side trends, the side that worsened most is the one that matters.
    key = max(candidates, key=lambda k: ctx.get(k) or -math.inf)
    return key, ctx.get(key)


def _fatigue(ctx: _Context) -> Finding:
    fid = "fatigue"
    evidence, missing = _collect(
        ctx,
        fid,
        [
            ("contact_ms_trend", "contact_ms_trend", "high"),
            ("cadence_spm_trend", "cadence_spm_trend", "low"),
            ("forward_lean_deg_trend", "forward_lean_deg_trend", "high"),
            ("impact_g_trend", "impact_g_trend", "high"),
        ],
    )
    key, drop_trend = _pelvic_drop_trend(ctx)
    if key is not None and drop_trend is not None:
        ev = _evidence(
            "pelvic_drop_deg_trend", drop_trend, ctx.th(fid, "pelvic_drop_deg_trend"), "high"
        )
        ev.metric = key
        evidence.append(ev)
    elif ctx.has_gyro:
        missing.append("change in pelvic drop over the run (pelvic_drop_*_trend)")
    else:
        missing.append("change in pelvic drop over the run, needs a gyroscope")
    # Lean drift without a gyro cannot be measured; say why instead of a bare key name.
    if not ctx.has_gyro:
        missing = [
            m + ", needs a gyroscope" if m.endswith("(forward_lean_deg_trend)") else m
            for m in missing
        ]
    if not evidence:
        return _not_evaluated(fid, missing, "no trends over the run were available.")
    severity = _severity(evidence, corroborate=True)
    n_flagged = sum(e.level != "ok" for e in evidence)
    confidence = "medium" if n_flagged >= 2 or n_flagged == 0 else "low"
    running = ctx.running_s
    if ctx.short_run:
        confidence = "low"
    if severity == "ok":
        lead = "Form held steady from the first to the last third of the run."
    else:
        lead = "Form drifted between the first and the last third of the run."
    tail = "Trends compare the last third of the running steps with the first third"
    tail += f" of {running / 60:.1f} min of running." if running is not None else "."
    if ctx.short_run:
        tail += " This run is short, so trends rest on few steps."
    if severity != "ok":
        tail = f"{advice.WHY[fid]} {tail}"
    return _finding(fid, severity, confidence, evidence, _explain(lead, evidence, tail), missing)


_EVALUATORS: Final = {
    "overstriding": _overstriding,
    "leaning": _leaning,
    "uneven_surface": _uneven_surface,
    "pelvic_drop": _pelvic_drop,
    "asymmetry": _asymmetry,
    "high_impact": _high_impact,
    "fatigue": _fatigue,
}


def _has_gyro(result: AnalysisResult) -> bool:
    flag = result.summary.get("has_gyro")
    if flag is not None:
        return bool(flag)
    try:
        return bool(result.recording.has_gyro)
    except AttributeError:
        return False


def _speed_mps(result: AnalysisResult) -> float | None:
    speed = _num(result.summary.get("speed_mps"))
    if speed is None:
        meta = getattr(result.recording, "meta", None)
        speed = _num(getattr(meta, "treadmill_speed_mps", None))
    return speed if speed is not None and speed > 0 else None


def findings_evaluate(
    result: AnalysisResult,
    thresholds: Thresholds | None = None,
    baseline: Mapping[str, float] | None = None,
) -> list[Finding]:
    """Assess every finding for one analysed run.

    Parameters
    ----------
    result
        The analysis (``gaitback.analyze``): its ``summary``, ``steps`` and ``signals``.
    thresholds
        From :func:`gaitback.feedback.thresholds_load`; the shipped defaults when ``None``.
    baseline
        Summary key -> the runner's recent mean (from the session history). Adds
        personal-baseline evidence; alone it raises a finding to ``watch`` at most.

    Returns
    -------
    list of Finding
        One per id in :data:`FINDING_IDS`, in that order, always all of them: a finding the
        data cannot support has severity ``not_evaluated`` and says what is missing.
    """
    th = thresholds if thresholds is not None else thresholds_load()
    if not result.has_running:
        why = "no running was detected in this recording."
        return [_not_evaluated(fid, ["running steps"], why) for fid in FINDING_IDS]
    ctx = _Context(
        summary=result.summary,
        steps=result.steps,
        signals=result.signals if result.signals is not None else pd.DataFrame(),
        thresholds=th,
        baseline=baseline or {},
        has_gyro=_has_gyro(result),
        running_s=_num(result.summary.get("running_s")),
        speed_mps=_speed_mps(result),
    )
    return [_EVALUATORS[fid](ctx) for fid in FINDING_IDS]
