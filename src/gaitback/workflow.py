"""The session workflow: analysis -> personal baseline -> findings -> report -> history.

One implementation for every front end: ``gaitback analyze``, the end of a live
session and ``gaitback batch`` (which keeps the history out of it).
:func:`feedback_process` is its history-free core: findings and report in one call. The
analysis itself is :func:`gaitback.api.analyze`; this module decides what
happens with its result, and never lets the history store hide a result: the
baseline falls back to none and a failed save is a warning line.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from gaitback.core.result import AnalysisResult
from gaitback.feedback.findings import Finding, findings_evaluate
from gaitback.feedback.thresholds import thresholds_load


@dataclass(frozen=True)
class SessionOptions:
    """What to do with an analysis.

    Attributes
    ----------
    report_path
        Where to write ``report.html``; no report when ``None``.
    thresholds_path
        User thresholds (TOML) over the shipped ones.
    history
        Whether the session history is used: the personal baseline is read
        from it and the session is saved to it (``--no-save`` turns both off).
    db
        History store path (``None``: ``$GAITBACK_DB`` or the default).
    shoe, surface, notes
        What the runner said about the run (saved, and shown in the report).
    """

    report_path: str | os.PathLike[str] | None = None
    thresholds_path: str | os.PathLike[str] | None = None
    history: bool = True
    db: str | os.PathLike[str] | None = None
    shoe: str | None = None
    surface: str | None = None
    notes: str | None = None


@dataclass
class SessionOutcome:
    """What :func:`session_process` did: the findings, and where the session was saved."""

    findings: list[Finding]
    saved: str | None = None


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
        # Imported when a report is wanted: it pulls in matplotlib.
        from gaitback.present.session_report import report_write

        report_write(
            result, findings, report_path, baseline=baseline, session=session,
            thresholds=thresholds,
        )
    return findings


def session_feedback(result: AnalysisResult, options: SessionOptions) -> list[Finding]:
    """Personal baseline -> findings -> report (``result.findings`` is filled in)."""
    baseline = None
    if options.history:
        from gaitback.history import personal_baseline

        try:
            baseline = personal_baseline(
                options.db, exclude=result, speed_mps=result.summary.get("speed_mps")
            ) or None
        except Exception:
            # No baseline rather than no report; a store that cannot be used is
            # reported when saving fails the same way.
            baseline = None
    if options.report_path is not None:
        Path(options.report_path).parent.mkdir(parents=True, exist_ok=True)
    session = {"shoe": options.shoe, "surface": options.surface, "notes": options.notes}
    return feedback_process(
        result,
        thresholds_path=options.thresholds_path,
        baseline=baseline,
        report_path=options.report_path,
        session=session,
    )


def session_save(result: AnalysisResult, options: SessionOptions) -> str | None:
    """Save to the history: ``"session N in PATH"``, or ``None`` (not asked, no running,
    or a store that cannot take it, which is one warning line naming ``--no-save``)."""
    if not options.history or not result.has_running:
        return None
    from gaitback.history import StoreUnavailable, default_db_path, save_analysis

    try:
        session_id = save_analysis(
            result,
            db=options.db,
            shoe=options.shoe,
            surface=options.surface,
            notes=options.notes,
            report_path=str(options.report_path) if options.report_path else None,
        )
    except StoreUnavailable as exc:
        print(
            f"gaitback: warning: not saved to the session history: {exc} "
            "(--no-save skips saving)",
            file=sys.stderr,
            flush=True,
        )
        return None
    return f"session {session_id} in {options.db or default_db_path()}"


def session_process(
    result: AnalysisResult,
    options: SessionOptions,
    show: Callable[[list[Finding]], None] | None = None,
) -> SessionOutcome:
    """The whole workflow after the analysis.

    ``show`` is called with the findings before anything is saved, so that the
    results are out whatever happens to the history store.
    """
    findings = session_feedback(result, options)
    if show is not None:
        show(findings)
    return SessionOutcome(findings, session_save(result, options))
