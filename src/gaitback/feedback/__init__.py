"""Feedback: relate a run's metrics to the mechanical causes of lower-back pain.

``findings_evaluate`` turns an :class:`~gaitback.core.result.AnalysisResult` into
findings (overstriding, leaning, uneven surface, pelvic drop, asymmetry, high impact,
fatigue) against the thresholds in ``thresholds.toml``; ``report_write`` writes the
self-contained HTML report; ``feedback_process`` does both for the CLI.
"""

from gaitback.feedback.findings import (
    FINDING_IDS,
    NOT_EVALUATED,
    Evidence,
    Finding,
    findings_evaluate,
)
from gaitback.feedback.process import feedback_process
from gaitback.feedback.report import report_html, report_write
from gaitback.feedback.text import findings_format, findings_print
from gaitback.feedback.thresholds import Threshold, Thresholds, thresholds_load

__all__ = [
    "FINDING_IDS",
    "NOT_EVALUATED",
    "Evidence",
    "Finding",
    "Threshold",
    "Thresholds",
    "feedback_process",
    "findings_evaluate",
    "findings_format",
    "findings_print",
    "report_html",
    "report_write",
    "thresholds_load",
]
