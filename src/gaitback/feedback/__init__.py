"""Feedback: relate a run's metrics to the mechanical causes of lower-back pain.

``findings_evaluate`` turns an :class:`~gaitback.core.result.AnalysisResult` into
findings (overstriding, leaning, uneven surface, pelvic drop, asymmetry, high impact,
fatigue) against the thresholds in ``thresholds.toml``; ``feedback_process`` evaluates and
has :mod:`gaitback.present` write the report.
"""

from gaitback.feedback.findings import (
    FINDING_IDS,
    NOT_EVALUATED,
    Evidence,
    Finding,
    findings_evaluate,
)
from gaitback.feedback.process import feedback_process
from gaitback.feedback.thresholds import Threshold, Thresholds, thresholds_load

#: Presentation lives in gaitback.present; these names stay importable from here.
_PRESENT = {
    "report_html": "gaitback.present.session_report",
    "report_write": "gaitback.present.session_report",
    "findings_format": "gaitback.present.text",
    "findings_print": "gaitback.present.text",
}


def __getattr__(name: str):
    if name in _PRESENT:
        import importlib

        return getattr(importlib.import_module(_PRESENT[name]), name)
    raise AttributeError(f"module 'gaitback.feedback' has no attribute {name!r}")

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
