"""Evidence: one metric of one run compared with its thresholds.

An :class:`Evidence` is created once, complete, and never edited afterwards: every field
(level, cut-off, comparison, label) is decided by :func:`evidence_make` from the metric's
rule and the run's value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from gaitback import schema as col
from gaitback.feedback.thresholds import Threshold
from gaitback.numbers import finite, number_text

SEVERITIES: Final = ("ok", "watch", "act")
RANK: Final = {"ok": 0, "watch": 1, "act": 2}

#: How a value is compared with its cut-offs.
#: high: above is worse; low: below is worse; balance: distance from 50 % is worse;
#: magnitude: distance from 0 is worse.
Direction = Literal["high", "low", "balance", "magnitude"]

#: What a metric may do in a finding.
#: decides: its level counts toward the severity.
#: informs: shown with its level, never raises a finding (no published cut-off and real
#: healthy values that overlap the faults it would flag).
#: exploratory: like informs, and labelled so: its measurement itself is unvalidated.
Role = Literal["decides", "informs", "exploratory"]

COMPARISON: Final = {"high": ">", "low": "<", "balance": "|x - 50| >", "magnitude": "|x| >"}

#: metric -> (label, unit, decimals), for explanations and the report.
METRIC_LABELS: Final = {
    **{k.key: (k.label, k.unit, k.decimals) for k in col.SUMMARY},
    # Derived by the findings engine (docs/findings.md), not summary keys.
    "pelvic_drop_deg_trend": ("change in pelvic drop over the run (worse side)", "°", 1),
    "pelvic_drop_side_difference_deg": ("left/right pelvic-drop difference", "°", 1),
    "stance_drop_deg": ("pelvic drop in stance (other side drops)", "°", 1),
}


#: A finite float, or ``None`` for anything else (missing, NaN, text, booleans).
number = finite


def metric_text(metric: str, value: float | None, unit: str | None = None) -> str:
    """``value`` with the metric's decimals and unit, e.g. ``"268 ms"``, ``"4.2°"``."""
    _, default_unit, decimals = METRIC_LABELS.get(metric, (metric, "", 1))
    return number_text(value, decimals, default_unit if unit is None else unit)


def level_of(value: float, th: Threshold, direction: Direction) -> tuple[str, float | None]:
    """Severity of one value alone, and the cut-off that decided it."""
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
        if (x < cut) if direction == "low" else (x > cut):
            return name, cut
    return "ok", th.watch


@dataclass(frozen=True)
class Evidence:
    """One metric compared with its threshold.

    Attributes
    ----------
    metric
        Summary key (or derived metric, see ``docs/findings.md``).
    value
        The value measured in this run.
    threshold
        The cut-off that decided ``level``: ``act`` when reached, otherwise ``watch``.
    comparison
        How ``value`` is compared: ``>``, ``<``, ``|x - 50| >``, ``|x| >``, or for
        personal-baseline items ``x - baseline >`` / ``<`` and
        ``|x - 50| - |baseline - 50| >``.
    source
        Where the threshold comes from.
    level
        ``ok``, ``watch`` or ``act`` for this metric alone.
    watch, act
        Both cut-offs, for display.
    label, unit
        Plain-language name and unit.
    reference
        For personal-baseline evidence, the runner's recent mean; ``None`` otherwise.
    role
        ``decides``, ``informs`` or ``exploratory`` (see :data:`Role`).
    """

    metric: str
    value: float
    threshold: float | None
    comparison: str
    source: str
    level: str
    watch: float | None = None
    act: float | None = None
    label: str = ""
    unit: str = ""
    reference: float | None = None
    role: str = "decides"

    @property
    def counts(self) -> bool:
        """True when this evidence may raise its finding."""
        return self.role == "decides"

    def describe(self) -> str:
        """One plain-language clause with the measured value and the cut-off crossed."""
        value = metric_text(self.metric, self.value, self.unit)
        if self.reference is not None:
            delta = self.value - self.reference
            change = metric_text(self.metric, abs(delta), self.unit)
            word = "higher" if delta >= 0 else "lower"
            recent = metric_text(self.metric, self.reference, self.unit)
            text = f"{self.label} was {value}, {change} {word} than your recent runs ({recent})"
        else:
            text = f"{self.label} was {value}"
        if self.role == "exploratory":
            text += " (exploratory measure)"
        if self.level == "ok":
            return text
        word = {"high": "above", "low": "below"}.get(_direction_of(self.comparison), "beyond")
        cut = metric_text(self.metric, self.threshold, self.unit)
        if self.comparison.startswith("|x - 50|") or "baseline - 50" in self.comparison:
            cut = f"{cut} from an even 50 %"
        elif self.comparison.startswith("|x|"):
            cut = f"±{cut}"
        return f"{text}, {word} the {self.level} level ({cut})"


def _direction_of(comparison: str) -> str:
    if comparison.endswith("<"):
        return "low"
    if comparison in (">", "x - baseline >"):
        return "high"
    return "magnitude"


def evidence_make(
    metric: str,
    value: float,
    th: Threshold,
    direction: Direction,
    *,
    role: Role = "decides",
    reference: float | None = None,
    label: str | None = None,
) -> Evidence:
    """Compare one value with its threshold (with ``reference``: its change from it)."""
    default_label, unit, _ = METRIC_LABELS.get(metric, (metric, "", 1))
    if reference is None:
        level, cut = level_of(value, th, direction)
        comparison = COMPARISON[direction]
    elif direction == "balance":
        # What matters is the distance from an even 50 %, not the raw share.
        level, cut = level_of(abs(value - 50.0) - abs(reference - 50.0), th, "high")
        comparison = "|x - 50| - |baseline - 50| >"
    else:
        level, cut = level_of(value - reference, th, direction)
        comparison = f"x - baseline {COMPARISON[direction]}"
    return Evidence(
        metric=metric,
        value=value,
        threshold=cut,
        comparison=comparison,
        source=th.source,
        level=level,
        watch=th.watch,
        act=th.act,
        label=label or default_label,
        unit=unit,
        reference=reference,
        role=role,
    )
