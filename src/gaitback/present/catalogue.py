"""Key metrics for people: label, unit, left and right, typical range and its source.

Labels, units and decimals come from the feedback layer's one table
(:data:`gaitback.feedback.evidence.METRIC_LABELS`); typical ranges are the ``ok`` side of
the thresholds that judge each metric (``thresholds.toml``), with their sources, so the
report and the findings can never disagree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pandas as pd

from gaitback import schema as col
from gaitback.feedback.evidence import METRIC_LABELS
from gaitback.feedback.rules import RULES, MetricRule
from gaitback.feedback.thresholds import Thresholds
from gaitback.numbers import MISSING, finite, number_text


@dataclass(frozen=True)
class MetricRow:
    """One row of the key-metrics table.

    Attributes
    ----------
    key
        Summary key of the whole-run value (also the label's key).
    left, right
        Summary keys of the per-side values, or a step column (``step:<column>``).
    note
        Shown after the label, e.g. ``exploratory``.
    """

    key: str
    left: str | None = None
    right: str | None = None
    note: str = ""


KEY_METRICS: Final[tuple[MetricRow, ...]] = (
    MetricRow("cadence_spm"),
    MetricRow("step_length_m"),
    MetricRow("contact_ms", "contact_left_ms", "contact_right_ms"),
    MetricRow("flight_ms", f"step:{col.FLIGHT}", f"step:{col.FLIGHT}"),
    MetricRow("contact_balance_left_pct"),
    MetricRow("vertical_oscillation_cm"),
    MetricRow("vertical_ratio_pct"),
    MetricRow("impact_g", "impact_left_g", "impact_right_g"),
    MetricRow("braking_g", f"step:{col.BRAKING}", f"step:{col.BRAKING}",
              note="shown for reference"),
    # "exploratory" is in the schema's label already.
    MetricRow("loading_rate_gps", f"step:{col.LOADING_RATE}", f"step:{col.LOADING_RATE}"),
    MetricRow("forward_lean_deg"),
    MetricRow("stance_drop_deg", "stance_drop_left_deg", "stance_drop_right_deg"),
    MetricRow("obliquity_flight_deg"),
    MetricRow("pelvic_rotation_deg", f"step:{col.PELVIC_ROTATION}",
              f"step:{col.PELVIC_ROTATION}"),
    MetricRow("step_regularity"),
    MetricRow("impact_cv_pct"),
    MetricRow("contact_cv_pct"),
)

#: Key-metric rows whose typical range is judged by another entry than their own key.
_RANGE_KEY: Final = {
    "stance_drop_deg": "pelvic_drop_side_difference_deg",
}


def _rules_by_metric() -> dict[str, tuple[str, MetricRule]]:
    return {m.key: (rule.id, m) for rule in RULES for m in rule.metrics}


def typical_range(key: str, thresholds: Thresholds) -> tuple[str, str]:
    """``(range text, source)`` for a metric: the ``ok`` side of its ``watch`` cut-off."""
    found = _rules_by_metric().get(_RANGE_KEY.get(key, key))
    if found is None:
        return MISSING, ""
    section, rule = found
    th = thresholds[section][rule.threshold]
    _, unit, decimals = METRIC_LABELS.get(rule.key, (key, "", 1))
    cut = number_text(th.watch, decimals, unit)
    text = {
        "high": f"up to {cut}",
        "low": f"{cut} or more",
        "balance": f"50 ± {number_text(th.watch, decimals)} %",
        "magnitude": f"within ±{cut}",
    }[rule.direction]
    if key in _RANGE_KEY:
        text = f"left − right {text}"
    return text, th.source


def _side_value(spec: str | None, side: str, summary: Mapping[str, Any],
                steps: pd.DataFrame) -> float | None:
    if spec is None:
        return None
    if not spec.startswith("step:"):
        return finite(summary.get(spec))
    column = spec.removeprefix("step:")
    if column not in steps.columns or col.SIDE not in steps.columns:
        return None
    values = pd.to_numeric(steps.loc[steps[col.SIDE] == side, column], errors="coerce")
    values = values[np.isfinite(values)]
    return float(values.mean()) if len(values) else None


def key_metric_rows(
    summary: Mapping[str, Any],
    steps: pd.DataFrame,
    thresholds: Thresholds,
    baseline: Mapping[str, float] | None = None,
) -> list[dict[str, str]]:
    """The key-metrics table as text cells, one dict per metric that was measured.

    Keys: ``label``, ``value``, ``left``, ``right``, ``difference``, ``typical``,
    ``source``, ``recent``. No internal key name appears in any cell.
    """
    rows = []
    baseline = baseline or {}
    for row in KEY_METRICS:
        label, unit, decimals = METRIC_LABELS.get(row.key, (row.key, "", 1))
        left = _side_value(row.left, col.SIDE_LEFT, summary, steps)
        right = _side_value(row.right, col.SIDE_RIGHT, summary, steps)
        value = finite(summary.get(row.key))
        if value is None and left is not None and right is not None:
            value = (left + right) / 2.0
        if value is None and left is None and right is None:
            continue
        typical, source = typical_range(row.key, thresholds)
        difference = (
            number_text(left - right, decimals, unit, signed=True)
            if left is not None and right is not None else MISSING
        )
        rows.append(
            {
                "label": label + (f" ({row.note})" if row.note else ""),
                "value": number_text(value, decimals, unit),
                "left": number_text(left, decimals, unit),
                "right": number_text(right, decimals, unit),
                "difference": difference,
                "typical": typical,
                "source": source,
                "recent": number_text(baseline.get(row.key), decimals, unit),
            }
        )
    return rows
