"""The session report: one self-contained HTML file a runner can send to a physio.

Inline CSS (with A4 print rules), plots as inline SVG, no scripts, no links. Sections
in order: header (when, how long, how far, shoe, surface, notes, device, data quality),
findings (raised first), key metrics with typical ranges, plots, splits, the article's
advice and when to see a professional. Each section is a function of :class:`ReportData`
in :data:`SECTIONS`; a new section is one more function (``extra_sections``).
"""

from __future__ import annotations

import html
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gaitback import schema as col
from gaitback.core.result import AnalysisResult
from gaitback.feedback import advice
from gaitback.feedback.evidence import METRIC_LABELS
from gaitback.feedback.findings import Finding
from gaitback.feedback.thresholds import Thresholds, thresholds_load
from gaitback.numbers import (
    MISSING,
    duration_text,
    finite,
    number_text,
    pace_text,
    when_text,
)
from gaitback.present import plots
from gaitback.present.catalogue import key_metric_rows, typical_range
from gaitback.present.style import CSS

_ORDER = {"act": 0, "watch": 1, "ok": 2, "not_evaluated": 3}
_BADGE = {"act": "act", "watch": "watch", "ok": "ok", "not_evaluated": "not evaluated"}
_ROLE_NOTE = {"informs": "for reference", "exploratory": "exploratory"}


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


@dataclass(frozen=True)
class ReportData:
    """What every section reads."""

    result: AnalysisResult
    findings: tuple[Mapping[str, Any], ...]
    thresholds: Thresholds
    baseline: Mapping[str, float] = field(default_factory=dict)
    session: Mapping[str, str | None] = field(default_factory=dict)

    @property
    def summary(self) -> Mapping[str, Any]:
        return self.result.summary

    @property
    def speed_mps(self) -> float | None:
        speed = finite(self.summary.get("speed_mps"))
        if speed is None:
            speed = finite(getattr(self.result.recording.meta, "treadmill_speed_mps", None))
        return speed if speed is not None and speed > 0 else None


def _as_dict(finding: Finding | Mapping[str, Any]) -> Mapping[str, Any]:
    return finding.to_dict() if isinstance(finding, Finding) else finding


# ----------------------------------------------------------------------------- header


def _recording_name(result: AnalysisResult) -> str:
    source = str(getattr(result.recording, "source", "") or "")
    # In-memory recordings have a placeholder source such as "<simulated>".
    return "" if source.startswith("<") else os.path.basename(source)


def _quality(data: ReportData) -> str:
    s, rec = data.summary, data.result.recording
    rate = finite(s.get("sample_rate_hz")) or finite(getattr(rec, "sample_rate_hz", None))
    lost = finite(s.get("lost_samples")) or 0.0
    duration = finite(s.get("duration_s")) or 0.0
    lost_pct = 100.0 * lost / (lost + rate * duration) if rate and duration else None
    gyro = s.get("has_gyro", getattr(rec, "has_gyro", None))
    items = [
        f"{number_text(rate, 0, 'Hz')}",
        f"{number_text(lost_pct, 1, '%')} of samples lost" if lost else "no samples lost",
        "gyroscope" if gyro
        else "no gyroscope (pelvic drop, rotation and left/right need a gyroscope)",
        "tilt relative to your standing posture" if s.get("lean_reference") == "standing"
        else "no standing period: tilt relative to vertical",
    ]
    return ", ".join(items)


def section_header(data: ReportData) -> str:
    s, meta = data.summary, data.result.recording.meta
    running_s = finite(s.get("running_s"))
    rows = [
        ("Date", when_text(meta.started_at)),
        ("Duration", f"{duration_text(s.get('duration_s'))}, of which running "
                     f"{duration_text(running_s)} ({s.get('n_steps', 0)} steps)"),
    ]
    speed = data.speed_mps
    if speed is not None and running_s is not None:
        paces = f"{pace_text(speed)}, {pace_text(speed, 1609.344, '/mi')}"
        rows.append(("Distance and pace",
                     f"{number_text(speed * running_s / 1000.0, 2, 'km')} at "
                     f"{number_text(speed * 3.6, 1, 'km/h')} ({paces})"))
    for key, label in (("shoe", "Shoe"), ("surface", "Surface")):
        rows.append((label, data.session.get(key) or MISSING))
    notes = data.session.get("notes") or meta.notes
    if notes:
        rows.append(("Notes", notes))
    rows.append(("Device", meta.device or MISSING))
    rows.append(("Data quality", _quality(data)))
    name = _recording_name(data.result)
    cells = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in rows)
    warnings = "".join(f"<p class='quality'>Note: {_e(w)}</p>" for w in data.result.warnings)
    return (
        f"<header><h1>Running report</h1><p class='sub'>{_e(name)}</p></header>"
        f"<table class='facts'>{cells}</table>{warnings}"
    )


# ----------------------------------------------------------------------------- findings


def _evidence_table(evidence: Sequence[Mapping[str, Any]], thresholds: Thresholds) -> str:
    rows = []
    for ev in evidence:
        _, unit, decimals = METRIC_LABELS.get(ev["metric"], ("", ev.get("unit", ""), 2))
        value = number_text(ev["value"], decimals, unit)
        if ev.get("reference") is not None:
            typical = f"your recent runs {number_text(ev['reference'], decimals, unit)}"
        else:
            typical = typical_range(ev["metric"], thresholds)[0]
            if typical == MISSING and ev.get("watch") is not None:
                typical = f"watch at {number_text(ev['watch'], decimals, unit)}"
        role = _ROLE_NOTE.get(ev.get("role", "decides"), "")
        level = ev["level"] + (f" ({role})" if role else "")
        rows.append(
            f"<tr><td>{_e(ev['label'])}</td><td class='num'>{_e(value)}</td>"
            f"<td>{_e(typical)}</td><td class='lvl-{_e(ev['level'])}'>{_e(level)}</td>"
            f"<td class='src'>{_e(ev['source'])}</td></tr>"
        )
    return (
        "<table class='evidence'><tr><th>measure</th><th>this run</th><th>typical</th>"
        "<th>level</th><th>source</th></tr>" + "".join(rows) + "</table>"
    )


def _card(finding: Mapping[str, Any], thresholds: Thresholds) -> str:
    severity = finding["severity"]
    parts = [
        f"<div class='card {_e(severity)}' id='finding-{_e(finding['id'])}'>",
        f"<h3>{_e(finding['title'])}<span class='badge {_e(severity)}'>"
        f"{_e(_BADGE.get(severity, severity))}</span>"
        f"<span class='conf'>confidence: {_e(finding['confidence'])}</span></h3>",
        f"<p>{_e(finding['explanation'])}</p>",
    ]
    if finding["advice"]:
        tips = "".join(f"<li>{_e(tip)}</li>" for tip in finding["advice"])
        parts.append(f"<p><strong>What to do</strong></p><ul>{tips}</ul>")
    parts.append(_evidence_table(list(finding["evidence"]), thresholds))
    parts.append("</div>")
    return "".join(parts)


def section_findings(data: ReportData) -> str:
    items = sorted(data.findings, key=lambda f: _ORDER.get(f["severity"], 9))
    raised = [f for f in items if f["severity"] in ("watch", "act")]
    ok = [f for f in items if f["severity"] == "ok"]
    skipped = [f for f in items if f["severity"] == "not_evaluated"]
    parts = ["<h2>Findings</h2>"]
    if not data.result.has_running:
        parts.append(
            "<p class='note'><strong>No running was detected in this recording.</strong> "
            "Record at least a few minutes of running with the sensor clipped on the "
            "sacrum.</p>"
        )
    elif len(skipped) == len(items):
        parts.append(f"<p class='note'>{_e(skipped[0]['explanation'])}</p>")
    elif raised:
        names = ", ".join(f["title"].lower() for f in raised)
        parts.append(f"<p>This run shows signs of: <strong>{_e(names)}</strong>.</p>")
    else:
        parts.append("<p>No mechanical cause stood out in this run.</p>")
    parts += [_card(f, data.thresholds) for f in raised]
    if ok:
        lines = "".join(_line(f, _first_sentence(f)) for f in ok)
        parts.append(f"<h3>Checked, nothing stood out</h3><ul class='compact'>{lines}</ul>")
    if skipped:
        same = len({f["explanation"] for f in skipped}) == 1 and len(skipped) > 1
        lines = "".join(
            _line(f, "not evaluated" + ("" if same else ": " + f["explanation"].removeprefix(
                "Not evaluated: ")))
            for f in skipped
        )
        parts.append(f"<h3>Not judged</h3><ul class='compact'>{lines}</ul>")
    return "".join(parts)


def _first_sentence(finding: Mapping[str, Any]) -> str:
    if finding.get("merged_into"):
        return finding["explanation"]
    return finding["explanation"].split(". ")[0].rstrip(".") + "."


def _line(finding: Mapping[str, Any], text: str) -> str:
    return (f"<li id='finding-{_e(finding['id'])}'><strong>{_e(finding['title'])}</strong>: "
            f"{_e(text)}</li>")


# ----------------------------------------------------------------------------- metrics


def section_key_metrics(data: ReportData) -> str:
    if not data.result.has_running:
        return ""
    rows = key_metric_rows(data.summary, data.result.steps, data.thresholds, data.baseline)
    head = ("<tr><th>measure</th><th>run</th><th>left</th><th>right</th><th>left − right</th>"
            "<th>typical</th><th>your recent runs</th></tr>")
    body = "".join(
        f"<tr><td>{_e(r['label'])}</td><td class='num'>{_e(r['value'])}</td>"
        f"<td class='num'>{_e(r['left'])}</td><td class='num'>{_e(r['right'])}</td>"
        f"<td class='num'>{_e(r['difference'])}</td>"
        f"<td title='{_e(r['source'])}'>{_e(r['typical'])}</td>"
        f"<td class='num'>{_e(r['recent'])}</td></tr>"
        for r in rows
    )
    sources = sorted({r["source"] for r in rows if r["source"]})
    refs = "".join(f"<li>{_e(src)}</li>" for src in sources)
    return (
        "<h2>Key measures</h2>"
        "<p class='quality'>Left means steps on the left foot. Typical ranges are the "
        "thresholds gaitback judges by; their sources are listed below the table.</p>"
        f"<table class='metrics'>{head}{body}</table>"
        f"<div class='sources'><strong>Sources of the typical ranges</strong><ul>{refs}</ul>"
        "</div>"
    )


def _bands(thresholds: Thresholds) -> dict[str, plots.Band]:
    def upper(section: str, name: str) -> plots.Band:
        return (None, thresholds[section][name].watch)

    return {
        "cadence": (thresholds["overstriding"]["cadence_spm"].watch, None),
        "contact": upper("overstriding", "contact_ms"),
        "impact": upper("high_impact", "impact_g"),
    }


def section_plots(data: ReportData) -> str:
    if not data.result.has_running:
        return ""
    steps, signals = data.result.steps, data.result.signals
    lean_band = (None, data.thresholds["leaning"]["forward_lean_deg"].watch)
    figures = [
        ("Step by step", plots.plot_timeline(steps, _bands(data.thresholds)),
         "Not enough steps to plot."),
        ("Over the step, left vs right", plots.plot_stride_by_side(signals, steps),
         "Left/right step cycles need steps assigned to each foot (a gyroscope); none were."),
        ("Pelvis over the run", plots.plot_posture(steps, lean_band),
         "Pelvis angles need a gyroscope; this recording has none."),
        ("Left vs right", plots.plot_left_right(steps),
         "Left/right comparison needs steps assigned to each foot; none were."),
    ]
    blocks = ["<h2>Plots</h2>"]
    for title, chart, note in figures:
        blocks.append(f"<div class='figure'><h3>{_e(title)}</h3>")
        if chart is None:
            blocks.append(f"<p class='note'>{_e(note)}</p></div>")
            continue
        blocks.append(plots.chart_svg(chart, label=f"{title} plot: {chart.title}") + "</div>")
    return "".join(blocks)


def splits_table(steps: pd.DataFrame, speed_mps: float | None) -> pd.DataFrame:
    """Per km (speed known) or per 5 minutes of running: means of the per-step measures."""
    if steps.empty:
        return pd.DataFrame()
    strike = pd.to_numeric(steps[col.FOOT_STRIKE], errors="coerce").to_numpy(dtype=float)
    elapsed = strike - strike[0]
    if speed_mps is not None:
        split = np.floor(elapsed * speed_mps / 1000.0).astype(int)
        names = [f"km {k + 1}" for k in range(split.max() + 1)]
    else:
        split = np.floor(elapsed / 300.0).astype(int)
        names = [f"{5 * k}-{5 * (k + 1)} min" for k in range(split.max() + 1)]
    frame = steps.assign(split=split)
    with np.errstate(divide="ignore"):
        frame["cadence"] = 60000.0 / pd.to_numeric(frame[col.STEP_TIME], errors="coerce")
    cols = {"cadence": ("cadence_spm", 0), col.CONTACT: ("contact_ms", 0),
            col.IMPACT: ("impact_g", 2), col.FORWARD_LEAN: ("forward_lean_deg", 1),
            col.PELVIC_DROP: ("pelvic_drop_left_deg", 1)}
    rows = []
    for k, group in frame.groupby("split"):
        row = {"split": names[int(k)], "steps": str(len(group))}
        for column, (key, decimals) in cols.items():
            values = pd.to_numeric(group[column], errors="coerce")
            unit = METRIC_LABELS[key][1]
            row[column] = number_text(values.mean() if values.notna().any() else None,
                                      decimals, unit)
        rows.append(row)
    return pd.DataFrame(rows)


def section_splits(data: ReportData) -> str:
    table = splits_table(data.result.steps, data.speed_mps)
    if table.empty or len(table) < 2:
        return ""
    heads = {"split": "split", "steps": "steps", "cadence": "cadence",
             col.CONTACT: "contact time", col.IMPACT: "impact peak",
             col.FORWARD_LEAN: "forward tilt", col.PELVIC_DROP: "pelvic drop"}
    shown = [c for c in heads if c in table.columns
             and not (table[c] == MISSING).all()]
    head = "".join(f"<th>{_e(heads[c])}</th>" for c in shown)
    body = "".join(
        "<tr>" + "".join(f"<td class='num'>{_e(row[c])}</td>" for c in shown) + "</tr>"
        for _, row in table.iterrows()
    )
    per = "kilometre" if data.speed_mps is not None else "5 minutes of running"
    return (f"<h2>Splits</h2><p class='quality'>Per {per}: drift from split to split is "
            f"what fatigue looks like.</p><table class='splits'><tr>{head}</tr>{body}</table>")


# ----------------------------------------------------------------------------- advice


def section_advice(data: ReportData) -> str:
    relief = "".join(f"<li>{_e(t)}</li>" for t in advice.RELIEF)
    prevent = "".join(f"<li>{_e(t)}</li>" for t in advice.PREVENTION)
    signs = "".join(f"<li>{_e(t)}</li>" for t in advice.WARNING_SIGNS)
    return (
        f"<div class='advice'><h2>If your back already hurts</h2><ul>{relief}</ul>"
        f"<h2>Keeping your back healthy</h2><ul>{prevent}</ul></div>"
        f"<div class='warn'><h2>When to see a professional</h2><p>{_e(advice.WARNING_INTRO)}"
        f"</p><ul>{signs}</ul></div>"
    )


def section_compare(data: ReportData) -> str:
    """Side by side with a watch's file, when ``analyze --compare`` gave one."""
    if getattr(data.result, "compare", None) is None:
        return ""  # without importing the FIT readers
    from gaitback.present.compare_section import compare_section_html

    return compare_section_html(data.result)


#: The report, section by section.
Section = Callable[[ReportData], str]
SECTIONS: tuple[Section, ...] = (
    section_header,
    section_findings,
    section_key_metrics,
    section_compare,
    section_plots,
    section_splits,
    section_advice,
)


def report_html(
    result: AnalysisResult,
    findings: Iterable[Finding | Mapping[str, Any]],
    *,
    baseline: Mapping[str, float] | None = None,
    session: Mapping[str, str | None] | None = None,
    thresholds: Thresholds | None = None,
    extra_sections: Sequence[Section] = (),
) -> str:
    """The report as one HTML string (see :func:`report_write`)."""
    data = ReportData(
        result=result,
        findings=tuple(_as_dict(f) for f in findings),
        thresholds=thresholds if thresholds is not None else thresholds_load(),
        baseline=baseline or {},
        session=session or {},
    )
    name = _recording_name(result) or "recording"
    body = "".join(section(data) for section in (*SECTIONS, *extra_sections))
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>gaitback report: {_e(name)}</title><style>{CSS}</style></head><body>"
        f"{body}<footer>{_e(advice.DISCLAIMER)}</footer></body></html>"
    )


def report_write(
    result: AnalysisResult,
    findings: Iterable[Finding | Mapping[str, Any]],
    path: str | os.PathLike[str],
    **options: Any,
) -> Path:
    """Write the session report as one self-contained HTML file.

    Parameters
    ----------
    result
        The analysis.
    findings
        From :func:`gaitback.feedback.findings_evaluate` (objects or ``to_dict()`` mappings).
    path
        Output file, conventionally ``<out dir>/report.html``; parent directories are made.
    **options
        ``baseline`` (recent means), ``session`` (``shoe``, ``surface``, ``notes``),
        ``thresholds``, ``extra_sections`` (see :func:`report_html`).

    Returns
    -------
    Path
        The file written.
    """
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(report_html(result, findings, **options), encoding="utf-8")
    return out
