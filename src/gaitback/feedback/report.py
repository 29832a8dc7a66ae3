"""The session report: one self-contained HTML file (inline CSS, plots as data URIs)."""

from __future__ import annotations

import html
import math
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from gaitback.core.result import AnalysisResult
from gaitback.feedback import advice, plots
from gaitback.feedback.compare_section import compare_section_html
from gaitback.feedback.findings import METRIC_LABELS, Finding

_ORDER = {"act": 0, "watch": 1, "ok": 2, "not_evaluated": 3}
_BADGE = {"act": "act", "watch": "watch", "ok": "ok", "not_evaluated": "not evaluated"}

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:980px;
margin:0 auto;padding:1.2em;color:#222;line-height:1.45;background:#fafafa}
h1{margin-bottom:.1em}h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:1.6em}
.quality{color:#555;font-size:.92em}.card{background:#fff;border:1px solid #ddd;
border-left:6px solid #999;border-radius:6px;padding:.6em 1em;margin:.8em 0}
.card.act{border-left-color:#c0392b}.card.watch{border-left-color:#e6a700}
.card.ok{border-left-color:#2e8b57}.card.not_evaluated{border-left-color:#bbb;color:#666}
.badge{display:inline-block;padding:.05em .55em;border-radius:1em;font-size:.8em;
font-weight:600;color:#fff;background:#999;margin-left:.5em;vertical-align:middle}
.badge.act{background:#c0392b}.badge.watch{background:#b58100}.badge.ok{background:#2e8b57}
.conf{color:#555;font-size:.85em;margin-left:.5em}
table{border-collapse:collapse;width:100%;font-size:.88em;margin:.4em 0}
th,td{border-bottom:1px solid #e5e5e5;text-align:left;padding:.25em .5em;vertical-align:top}
th{background:#f0f0f0}td.num{text-align:right;white-space:nowrap}
td.src{color:#666;font-size:.9em}.lvl-act{color:#c0392b;font-weight:600}
.lvl-watch{color:#b58100;font-weight:600}.lvl-ok{color:#2e8b57}
.warn{background:#fff4f0;border:1px solid #e8b4a8;border-radius:6px;padding:.6em 1em}
.note{background:#f3f3f3;border-radius:6px;padding:.6em 1em;color:#444}
img{max-width:100%;height:auto;display:block;margin:.6em 0}
.missing{color:#777;font-size:.88em}footer{color:#777;font-size:.85em;margin-top:2em}
"""

#: Summary keys in reading order; anything else follows alphabetically.
_SUMMARY_ORDER = (
    "duration_s", "running_s", "n_steps", "cadence_spm", "contact_ms", "flight_ms", "step_ms",
    "duty_factor", "vertical_oscillation_cm", "impact_g", "loading_rate_gps", "braking_g",
    "forward_lean_deg", "lean_reference", "pelvic_drop_left_deg", "pelvic_drop_right_deg",
    "pelvic_rotation_deg", "contact_balance_left_pct", "contact_symmetry_pct",
    "impact_symmetry_pct", "step_regularity", "stride_regularity", "contact_cv_pct",
    "step_cv_pct", "impact_cv_pct", "speed_mps", "stride_length_m", "vertical_ratio_pct",
)
_UNITS = {
    "_s": "s", "_spm": "steps/min", "_ms": "ms", "_cm": "cm", "_g": "g", "_gps": "g/s",
    "_deg": "°", "_pct": "%", "_mps": "m/s", "_m": "m", "_hz": "Hz",
}
_SKIP_IN_TABLE = {"findings", "warnings"}


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _unit(key: str) -> str:
    base = key.removesuffix("_trend")
    for suffix, unit in sorted(_UNITS.items(), key=lambda kv: -len(kv[0])):
        if base.endswith(suffix):
            return unit
    return ""


def _value(value: Any, decimals: int = 2) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return "—"
        text = f"{value:.{decimals}f}"
        return text.lstrip("-") if text.lstrip("-").strip("0.") == "" else text
    return str(value)


def _as_dict(finding: Finding | Mapping[str, Any]) -> Mapping[str, Any]:
    return finding.to_dict() if isinstance(finding, Finding) else finding


def _evidence_table(evidence: list[Mapping[str, Any]]) -> str:
    if not evidence:
        return ""
    rows = []
    for ev in evidence:
        decimals = METRIC_LABELS.get(ev["metric"], ("", "", 2))[2]
        unit = ev.get("unit", "")
        value = _value(ev["value"], decimals)
        if ev.get("reference") is not None:
            value += f" (your recent mean {_value(ev['reference'], decimals)})"
        cuts = []
        for name in ("watch", "act"):
            if ev.get(name) is not None:
                cuts.append(f"{name} {ev['comparison']} {_value(ev[name], decimals)}")
        rows.append(
            f"<tr><td>{_e(ev['label'] or ev['metric'])}<br><code>{_e(ev['metric'])}</code></td>"
            f"<td class='num'>{_e(value)}{'' if unit == '°' else ' '}{_e(unit)}</td>"
            f"<td>{_e('; '.join(cuts))}</td>"
            f"<td class='lvl-{_e(ev['level'])}'>{_e(ev['level'])}</td>"
            f"<td class='src'>{_e(ev['source'])}</td></tr>"
        )
    return (
        "<table><tr><th>metric</th><th>this run</th><th>thresholds</th><th>level</th>"
        "<th>source of threshold</th></tr>" + "".join(rows) + "</table>"
    )


def _finding_card(finding: Mapping[str, Any]) -> str:
    severity = finding["severity"]
    parts = [
        f"<div class='card {_e(severity)}' id='finding-{_e(finding['id'])}'>",
        f"<h3>{_e(finding['title'])}<span class='badge {_e(severity)}'>"
        f"{_e(_BADGE.get(severity, severity))}</span>",
    ]
    if severity != "not_evaluated":
        parts.append(f"<span class='conf'>confidence: {_e(finding['confidence'])}</span>")
    parts.append("</h3>")
    parts.append(f"<p>{_e(finding['explanation'])}</p>")
    if finding["advice"]:
        tips = "".join(f"<li>{_e(tip)}</li>" for tip in finding["advice"])
        parts.append(f"<p><strong>What you can do</strong></p><ul>{tips}</ul>")
    if severity != "not_evaluated":
        parts.append(
            f"<details{' open' if severity != 'ok' else ''}><summary>Evidence</summary>"
            f"{_evidence_table(list(finding['evidence']))}</details>"
        )
    if finding["missing"]:
        parts.append(
            "<p class='missing'>Missing data: " + _e("; ".join(finding["missing"])) + "</p>"
        )
    parts.append("</div>")
    return "".join(parts)


def _quality_line(result: AnalysisResult) -> str:
    s = result.summary
    rec = result.recording
    rate = s.get("sample_rate_hz") or getattr(rec, "sample_rate_hz", None)
    lost = s.get("lost_samples")
    if lost is None:
        lost = getattr(rec, "lost_samples", None)
    gyro = s.get("has_gyro")
    if gyro is None:
        gyro = getattr(rec, "has_gyro", None)
    items = [
        f"sample rate {_value(rate, 0)} Hz" if rate else "sample rate unknown",
        f"lost samples {_value(lost)}",
        f"gyroscope {_value(gyro) if gyro is not None else 'unknown'}",
        f"lean reference {_value(s.get('lean_reference'))}",
    ]
    if s.get("running_s") is not None and s.get("duration_s") is not None:
        items.append(
            f"running {_value(s['running_s'] / 60, 1)} of {_value(s['duration_s'] / 60, 1)} min"
        )
    speed = s.get("speed_mps")
    if speed is not None:
        items.append(f"treadmill {_value(speed)} m/s")
    return "Data quality: " + " · ".join(items)


def _summary_table(summary: Mapping[str, Any]) -> str:
    keys = [k for k in _SUMMARY_ORDER if k in summary]
    keys += sorted(k for k in summary if k not in keys and k not in _SKIP_IN_TABLE)
    rows = "".join(
        f"<tr><td><code>{_e(k)}</code></td><td class='num'>{_e(_value(summary[k]))}</td>"
        f"<td>{_e(_unit(k))}</td></tr>"
        for k in keys
    )
    return f"<table><tr><th>metric</th><th>value</th><th>unit</th></tr>{rows}</table>"


def _plot_section(result: AnalysisResult) -> str:
    signals = result.signals
    steps = result.steps
    blocks = []
    gyro = result.summary.get("has_gyro")
    if gyro is None:
        gyro = getattr(result.recording, "has_gyro", False)
    posture_note = (
        "Forward lean and pelvic obliquity were not available for this run."
        if gyro
        else "Forward lean and pelvic obliquity need a gyroscope; this recording has none, "
        "so they are not shown."
    )
    figures = [
        ("Step by step", plots.plot_timeline(steps),
         "Per-step cadence, ground contact and impact; the black line is a rolling median."),
        ("Left vs right", plots.plot_left_right(steps),
         "Left/right comparison needs steps assigned to each foot; none were."),
        ("Posture over the run", plots.plot_posture(signals, steps), posture_note),
        ("Average stride", plots.plot_stride_average(signals, steps),
         "Not enough complete strides to average."),
    ]
    for title, fig, note in figures:
        blocks.append(f"<h3>{_e(title)}</h3>")
        if fig is None:
            blocks.append(f"<p class='note'>{_e(note)}</p>")
            continue
        uri = plots.figure_data_uri(fig)
        alt = f"{title} plot"
        blocks.append(f"<img src='{uri}' alt='{_e(alt)}'>")
        if title == "Posture over the run" and not gyro:
            blocks.append(
                "<p class='note'>No gyroscope: the lean shown is estimated from the "
                "accelerometer alone, and pelvic obliquity needs a gyroscope.</p>"
            )
        if title == "Step by step":
            blocks.append(f"<p class='missing'>{_e(note)}</p>")
    return "".join(blocks)


def report_html(result: AnalysisResult, findings: Iterable[Finding | Mapping[str, Any]]) -> str:
    """The report as one HTML string (see :func:`report_write`)."""
    items = sorted((_as_dict(f) for f in findings), key=lambda f: _ORDER.get(f["severity"], 9))
    source = getattr(result.recording, "source", "") or ""
    # In-memory recordings have a placeholder source such as "<DataFrame>".
    name = os.path.basename(str(source)) if not str(source).startswith("<") else ""
    name = name or "recording"
    raised = [f for f in items if f["severity"] in ("watch", "act")]
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>gaitback report: {_e(name)}</title><style>{_CSS}</style></head><body>",
        f"<h1>Running report</h1><p><strong>{_e(name)}</strong></p>",
        f"<p class='quality'>{_e(_quality_line(result))}</p>",
    ]
    parts += [f"<p class='quality'>Note: {_e(w)}</p>" for w in result.warnings]
    parts.append("<h2>Findings</h2>")
    if not result.has_running:
        parts.append(
            "<p class='note'><strong>No running was detected in this recording.</strong> "
            "The findings below need running steps; record at least a few minutes of "
            "running with the sensor clipped on the sacrum.</p>"
        )
    elif raised:
        names = ", ".join(f["title"].lower() for f in raised)
        parts.append(f"<p>This run shows signs of: <strong>{_e(names)}</strong>.</p>")
    else:
        parts.append("<p>No mechanical cause stood out in this run.</p>")
    parts += [_finding_card(f) for f in items]
    relief = "".join(f"<li>{_e(t)}</li>" for t in advice.RELIEF)
    parts.append(f"<h2>If your back already hurts</h2><ul>{relief}</ul>")
    signs = "".join(f"<li>{_e(t)}</li>" for t in advice.WARNING_SIGNS)
    parts.append(
        f"<h2>When to see a professional</h2><div class='warn'><p>{_e(advice.WARNING_INTRO)}"
        f"</p><ul>{signs}</ul></div>"
    )
    parts.append("<h2>Summary</h2>")
    parts.append(_summary_table(result.summary))
    parts.append(compare_section_html(result))
    parts.append("<h2>Plots</h2>")
    if result.has_running:
        parts.append(_plot_section(result))
    else:
        parts.append("<p class='note'>No running was detected, so there is nothing to plot.</p>")
    parts.append(f"<footer>{_e(advice.DISCLAIMER)}</footer></body></html>")
    return "\n".join(parts)


def report_write(
    result: AnalysisResult,
    findings: Iterable[Finding | Mapping[str, Any]],
    path: str | os.PathLike[str],
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

    Returns
    -------
    Path
        The file written.
    """
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(report_html(result, findings), encoding="utf-8")
    return out
