"""The HTML report: one self-contained file with findings first, summary, plots."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from gaitback.feedback import advice, findings_evaluate
from gaitback.present.session_report import report_write
from test_feedback_support import make_result, make_result_without_running

CHART_START = re.compile(r"<svg\b[^>]*\brole=\"img\"")
SVG_TAG = re.compile(r"<svg\b|</svg>")


def charts(html: str) -> list[ET.Element]:
    """Every inline ``<svg role="img">`` chart of the page, each parsed as XML on its own."""
    found = []
    for start in CHART_START.finditer(html):
        depth = 0
        for tag in SVG_TAG.finditer(html, start.start()):
            depth += 1 if tag.group(0) == "<svg" else -1
            if depth == 0:
                found.append(ET.fromstring(html[start.start():tag.end()]))
                break
        else:
            raise AssertionError("an <svg> chart is not closed")
    return found


def drawn_paths(chart: ET.Element) -> list[str]:
    """Path data of the drawn series (lines, dots, ±SD fills, bars' whiskers)."""
    return [p.get("d", "") for p in chart.iter("path")
            if p.get("class") in ("line", "dots", "fill", "error")]


def check_chart(chart: ET.Element) -> None:
    assert chart.tag == "svg" and chart.get("role") == "img"
    assert chart.get("aria-label") and chart.get("viewBox")
    assert chart.findtext("title")
    assert chart.find(".//rect[@class='area']") is not None
    assert drawn_paths(chart) and all(d.strip() for d in drawn_paths(chart))


def external_references(html: str) -> list[str]:
    """Every src/href/url() value that is not an embedded data: URI or a page anchor."""
    refs = re.findall(r"""(?:src|href)\s*=\s*["']([^"']*)["']""", html, flags=re.I)
    refs += re.findall(r"""url\(\s*["']?([^"')]*)""", html, flags=re.I)
    refs += re.findall(r"@import", html)
    return [r for r in refs if not (r.startswith("data:") or r.startswith("#"))]


def render(tmp_path, result, name="report.html"):
    findings = findings_evaluate(result)
    path = report_write(result, findings, tmp_path / name)
    return path.read_text(encoding="utf-8"), findings


@pytest.fixture(scope="module")
def faults_report(tmp_path_factory):
    """One report with raised findings, shared by the read-only checks (rendering is slow)."""
    result = make_result(seed=4, cadence_spm=150.0, contact_ms=295.0, braking_g=0.6,
                         forward_lean_deg=17.0)
    html, findings = render(tmp_path_factory.mktemp("faults"), result)
    return html, findings, result


@pytest.fixture(scope="module")
def acc_only_report(tmp_path_factory):
    result = make_result(has_gyro=False, lean_reference="vertical")
    html, findings = render(tmp_path_factory.mktemp("acc_only"), result)
    return html, findings, result


@pytest.fixture(scope="module")
def no_running_report(tmp_path_factory):
    html, findings = render(tmp_path_factory.mktemp("none"), make_result_without_running())
    return html, findings


def test_report_is_single_file_with_findings_summary_and_four_plots(faults_report):
    html, findings, _ = faults_report
    assert external_references(html) == []
    assert "<img" not in html
    figures = charts(html)
    assert len(figures) == 4  # timeline, step cycles left vs right, posture, left/right bars
    for chart in figures:
        check_chart(chart)
    names = [chart.get("aria-label") for chart in figures]
    assert names[0].startswith("Step by step plot") and names[3].startswith("Left vs right")
    # Findings with evidence and advice first, then the key measures, then the plots.
    order = [html.index(h) for h in ("<h2>Findings", "<h2>Key measures", "<h2>Plots")]
    assert order == sorted(order)
    assert html.index("Overstriding") < html.index("<h2>Key measures")
    for finding in findings:
        assert f"id='finding-{finding.id}'" in html
    assert "shorter, quicker steps" in html
    assert "typical" in html and "COROS" in html


def test_report_writes_exactly_one_file(tmp_path):
    report_write(make_result_without_running(), [], tmp_path / "sub" / "report.html")
    assert [p.name for p in (tmp_path / "sub").iterdir()] == ["report.html"]


def test_raised_findings_come_before_ok_ones(faults_report):
    html, findings, _ = faults_report
    severity = {f.id: f.severity for f in findings}
    assert severity["leaning"] == "act" and severity["high_impact"] == "ok"
    assert html.index("id='finding-leaning'") < html.index("id='finding-high_impact'")


def test_key_measures_show_this_runs_values_and_no_internal_names(faults_report):
    html, _, result = faults_report
    assert f"{result.summary['contact_ms']:.0f} ms" in html
    assert f"{result.summary['cadence_spm']:.0f} steps/min" in html
    for key in result.summary:
        if "_" in key:  # summary keys are snake_case; the report shows labels only
            assert key not in html, key


def test_warning_signs_and_no_diagnosis_in_every_report(faults_report, no_running_report):
    for html in (faults_report[0], no_running_report[0]):
        assert "When to see a professional" in html
        for sign in advice.WARNING_SIGNS:
            assert sign.replace("'", "&#x27;") in html
        assert "immediate medical attention" in html
        assert "does not diagnose" in html


def test_data_quality_line(acc_only_report):
    html = acc_only_report[0]
    line = re.search(r"Data quality</th><td>[^<]*", html).group(0)
    assert "100 Hz" in line
    assert "no samples lost" in line
    assert "no gyroscope" in line
    assert "relative to vertical" in line


def test_accelerometer_only_report_renders_with_a_note_for_posture(acc_only_report):
    html = acc_only_report[0]
    assert len(charts(html)) == 3
    assert "need a gyroscope" in html
    assert external_references(html) == []
    assert "not evaluated" in html


def test_no_running_report_says_so_explicitly(no_running_report):
    html, findings = no_running_report
    assert "No running was detected in this recording" in html
    assert charts(html) == []
    assert all(f.severity == "not_evaluated" for f in findings)
    assert external_references(html) == []


def test_text_is_escaped(tmp_path):
    result = make_result_without_running()
    result.warnings.append("odd <script>alert(1)</script> note")
    html, _ = render(tmp_path, result)
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


def test_unassigned_sides_skip_the_left_right_plot(tmp_path):
    html, _ = render(tmp_path, make_result(sides_known=False, running_s=40.0))
    assert len(charts(html)) == 2  # timeline and posture; no per-side plots
    assert "needs steps assigned to each foot" in html


def test_report_accepts_stored_finding_dicts(tmp_path):
    result = make_result(seed=5, running_s=90.0, forward_lean_deg=17.0)
    stored = [f.to_dict() for f in findings_evaluate(result)]
    html = report_write(result, stored, tmp_path / "report.html").read_text(encoding="utf-8")
    assert "Forward lean" in html and "planks" in html
