"""Feedback: relate a run's metrics to the mechanical causes of lower-back pain.

``findings_evaluate`` turns an :class:`~gaitback.core.result.AnalysisResult` into
findings (overstriding, leaning, uneven surface, pelvic drop, asymmetry, high impact,
fatigue) against the thresholds in ``thresholds.toml``. The layer below the
presentation: the report (:mod:`gaitback.present`) shows findings, and
:func:`gaitback.workflow.feedback_process` evaluates and writes it in one call.
"""

from gaitback.feedback.findings import (
    FINDING_IDS,
    NOT_EVALUATED,
    Evidence,
    Finding,
    findings_evaluate,
)
from gaitback.feedback.thresholds import Threshold, Thresholds, thresholds_load

__all__ = [
    "FINDING_IDS",
    "NOT_EVALUATED",
    "Evidence",
    "Finding",
    "Threshold",
    "Thresholds",
    "findings_evaluate",
    "thresholds_load",
]
