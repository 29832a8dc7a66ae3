"""``feedback_process``: findings, summary entry and report in one call for the CLI."""

from __future__ import annotations

import os
from collections.abc import Mapping

from gaitback.core.result import AnalysisResult
from gaitback.feedback.findings import Finding, findings_evaluate
from gaitback.feedback.thresholds import thresholds_load


def feedback_process(
    result: AnalysisResult,
    thresholds_path: str | os.PathLike[str] | None = None,
    baseline: Mapping[str, float] | None = None,
    report_path: str | os.PathLike[str] | None = None,
    session: Mapping[str, str | None] | None = None,
) -> list[Finding]:
    """Evaluate the findings, store them on ``result`` and optionally write the report.

    Parameters
    ----------
    result
        The analysis; ``result.findings`` is replaced by the findings' ``to_dict()``, so
        ``summary.json`` (``result.to_dir``) carries the same content as the report.
    thresholds_path
        User TOML merged over the shipped thresholds (``--thresholds FILE``).
    baseline
        Summary key -> the runner's recent mean (session history), or ``None``.
    report_path
        Where to write ``report.html``; no report when ``None``.
    session
        What the runner said about the run (``shoe``, ``surface``, ``notes``), for the
        report's header.

    Returns
    -------
    list of Finding
        Every finding, in :data:`gaitback.feedback.findings.FINDING_IDS` order.

    Raises
    ------
    GaitbackError
        On a bad thresholds file.
    """
    thresholds = thresholds_load(thresholds_path)
    findings = findings_evaluate(result, thresholds=thresholds, baseline=baseline)
    result.findings = [f.to_dict() for f in findings]
    if report_path is not None:
        # Presentation sits above the feedback layer: imported when a report is wanted.
        from gaitback.present.session_report import report_write

        report_write(
            result, findings, report_path, baseline=baseline, session=session,
            thresholds=thresholds,
        )
    return findings
