"""The findings as data: one small rule table per mechanical cause.

Each :class:`FindingRule` lists the metrics it reads, which threshold entry judges each
(``thresholds.toml``, section = the finding id), in which direction, and whether the metric
decides, only informs, or is exploratory; its personal-baseline items; when it cannot be
judged; which other finding explains it; and its advice keys. One engine
(:mod:`gaitback.feedback.engine`) runs them all. Rules of the house:

- a signal feeds one finding: no metric appears in two findings' ``metrics``;
- a threshold without a published cut-off is either set from real recordings (the
  thresholds file says which) or the metric only ``informs``;
- loading rate from an accelerometer is ``exploratory`` (Kiernan et al. 2023): it never
  raises a finding.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from gaitback.feedback.evidence import Direction, Role


@dataclass(frozen=True)
class MetricRule:
    """How one metric takes part in a finding.

    Attributes
    ----------
    key
        Summary key or derived metric (``gaitback.feedback.engine.DERIVED``).
    threshold
        Entry name in the finding's thresholds section (``baseline`` section for
        personal-baseline items).
    direction
        Which way is worse (:data:`gaitback.feedback.evidence.Direction`).
    role
        ``decides``, ``informs`` or ``exploratory``.
    decides_if
        A condition of the run (``gaitback.feedback.engine.CONDITIONS``) without which the
        metric only informs, e.g. lean decides only relative to a standing posture.
    speed_adjusted
        Shift the cut-offs with the known speed (cadence).
    needs_gyro
        Missing values are explained by the lack of a gyroscope.
    """

    key: str
    threshold: str
    direction: Direction
    role: Role = "decides"
    decides_if: str | None = None
    speed_adjusted: bool = False
    needs_gyro: bool = False


@dataclass(frozen=True)
class FindingRule:
    """One mechanical cause of lower-back pain, as a table.

    Attributes
    ----------
    id
        Finding id.
    metrics
        Absolute evidence, in display order.
    baseline
        Items compared with the runner's recent runs (at most ``watch`` on their own).
    corroborate
        ``act`` needs two deciding metrics to agree (indirect sacral proxies).
    requires
        Conditions (``engine.CONDITIONS``) without which the finding is not evaluated.
    low_confidence_if
        Conditions that make the confidence low.
    trusted
        Metric whose flag alone gives medium confidence (otherwise two agreeing proxies do).
    explained_by
        ``(finding id, metric, only)``: when that finding is raised by that metric, this
        one is merged into it (one cause, one finding) -- provided its own flagged deciding
        metrics are all in ``only`` (an empty ``only``: whatever flagged it).
    advice
        Keys of :data:`gaitback.feedback.advice.TIPS`, in order.
    """

    id: str
    metrics: tuple[MetricRule, ...]
    baseline: tuple[MetricRule, ...] = ()
    corroborate: bool = True
    requires: tuple[str, ...] = ()
    low_confidence_if: tuple[str, ...] = ()
    trusted: str | None = None
    explained_by: tuple[tuple[str, str, tuple[str, ...]], ...] = ()
    advice: tuple[str, ...] = ()


M = MetricRule

RULES: Final[tuple[FindingRule, ...]] = (
    FindingRule(
        id="overstriding",
        metrics=(
            M("cadence_spm", "cadence_spm", "low", speed_adjusted=True),
            M("contact_ms", "contact_ms", "high"),
            M("braking_g", "braking_g", "high", role="informs"),
        ),
        baseline=(
            M("contact_ms", "contact_ms", "high"),
            M("cadence_spm", "cadence_spm", "low"),
            M("braking_g", "braking_g", "high"),
        ),
        low_confidence_if=("no_speed",),
        # Contact time that grows over the run lifts its mean: that is fatigue, not a
        # stride that overreaches from the start (unless cadence also says so).
        explained_by=(("fatigue", "contact_ms_trend", ("contact_ms",)),),
        advice=("cadence", "gait_analysis"),
    ),
    FindingRule(
        id="leaning",
        metrics=(
            M("forward_lean_deg", "forward_lean_deg", "high", decides_if="standing_reference"),
        ),
        baseline=(M("forward_lean_deg", "forward_lean_deg", "high"),),
        corroborate=False,
        requires=("lean_measured",),
        low_confidence_if=("no_standing_reference", "no_gyro"),
        advice=("hip_flexors_hamstrings", "core", "run_tall"),
    ),
    FindingRule(
        id="uneven_surface",
        metrics=(
            M("obliquity_flight_deg", "obliquity_flight_deg", "magnitude", needs_gyro=True),
            M("step_regularity", "step_regularity", "low"),
            M("impact_cv_pct", "impact_cv_pct", "high", role="informs"),
        ),
        low_confidence_if=("poor_recording",),
        advice=("vary_surface", "check_on_level"),
    ),
    FindingRule(
        id="pelvic_drop",
        metrics=(
            M("pelvic_drop_side_difference_deg", "side_difference_deg", "magnitude",
              needs_gyro=True),
            M("stance_drop_left_deg", "pelvic_drop_deg", "high", role="informs", needs_gyro=True),
            M("stance_drop_right_deg", "pelvic_drop_deg", "high", role="informs",
              needs_gyro=True),
        ),
        baseline=(
            M("stance_drop_left_deg", "pelvic_drop_deg", "high"),
            M("stance_drop_right_deg", "pelvic_drop_deg", "high"),
        ),
        corroborate=False,
        requires=("both_drops",),
        trusted="pelvic_drop_side_difference_deg",
        advice=("hip_abductors", "step_downs", "gait_analysis"),
    ),
    FindingRule(
        id="asymmetry",
        metrics=(
            M("contact_balance_left_pct", "contact_balance_left_pct", "balance",
              decides_if="sides_known"),
            M("contact_symmetry_pct", "contact_symmetry_pct", "magnitude"),
            M("impact_symmetry_pct", "impact_symmetry_pct", "magnitude", role="informs"),
        ),
        baseline=(M("contact_balance_left_pct", "contact_balance_left_pct", "balance"),),
        requires=("sides_or_alternate",),
        low_confidence_if=("alternate_steps",),
        explained_by=(("uneven_surface", "obliquity_flight_deg", ()),),
        advice=("imbalances", "shoes_wear", "gait_analysis"),
    ),
    FindingRule(
        id="high_impact",
        metrics=(
            M("impact_g", "impact_g", "high"),
            M("vertical_oscillation_cm", "vertical_oscillation_cm", "high"),
            M("loading_rate_gps", "loading_rate_gps", "high", role="exploratory"),
        ),
        baseline=(
            M("impact_g", "impact_g", "high"),
            M("vertical_oscillation_cm", "vertical_oscillation_cm", "high"),
        ),
        low_confidence_if=("poor_recording",),
        advice=("shoes", "soft_surfaces", "gradual"),
    ),
    FindingRule(
        id="fatigue",
        metrics=(
            M("contact_ms_trend", "contact_ms_trend", "high"),
            M("cadence_spm_trend", "cadence_spm_trend", "low"),
            M("forward_lean_deg_trend", "forward_lean_deg_trend", "high"),
            M("impact_g_trend", "impact_g_trend", "high"),
            M("pelvic_drop_deg_trend", "pelvic_drop_deg_trend", "high", needs_gyro=True),
        ),
        low_confidence_if=("short_run",),
        advice=("ten_percent", "cross_train", "walk_breaks"),
    ),
)

FINDING_IDS: Final = tuple(rule.id for rule in RULES)
RULES_BY_ID: Final = {rule.id: rule for rule in RULES}
