"""Findings from hand-made analysis results with known true values."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gaitback.feedback import (
    FINDING_IDS,
    findings_evaluate,
    thresholds_load,
)
from gaitback.present.text import findings_format
from gaitback.workflow import feedback_process
from test_feedback_support import make_result, make_result_without_running

SEEDS = (0, 1, 2)
RAISED = ("watch", "act")
DEFAULTS = thresholds_load()


def by_id(findings):
    return {f.id: f for f in findings}


@pytest.mark.parametrize("seed", SEEDS)
def test_clean_run_raises_nothing_and_lists_every_finding(seed):
    findings = findings_evaluate(make_result(seed=seed))
    assert [f.id for f in findings] == list(FINDING_IDS)
    assert {f.id: f.severity for f in findings} == dict.fromkeys(FINDING_IDS, "ok")
    assert all(not f.advice and not f.missing for f in findings)
    assert all(f.confidence in ("low", "medium", "high") for f in findings)


FAULTS = {
    # finding id -> fixture changes that put its metrics beyond the default thresholds
    "overstriding": {"cadence_spm": 150.0, "contact_ms": 295.0, "braking_g": 0.6},
    "leaning": {"forward_lean_deg": 16.0},
    "uneven_surface": {"camber_deg": 3.0, "impact_cv_pct": 11.0, "step_regularity": 0.85},
    "pelvic_drop": {"pelvic_drop_right_deg": 10.0, "pelvic_drop_left_deg": 4.0},
    "asymmetry": {"left_contact_extra_ms": 25.0},
    "high_impact": {"impact_g": 4.3, "vertical_oscillation_cm": 10.0},
    "fatigue": {"contact_drift_ms": 35.0, "cadence_drift_spm": 10.0},
}


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("fid", FAULTS)
def test_each_fault_raises_its_finding_with_advice(fid, seed):
    finding = by_id(findings_evaluate(make_result(seed=seed, **FAULTS[fid])))[fid]
    assert finding.severity in RAISED
    assert finding.advice, "a raised finding must say what to do"
    assert any(e.level in RAISED for e in finding.evidence)


def test_lean_growing_through_the_run_is_fatigue_not_leaning():
    # Mean lean stays below the watch level; only the drift is abnormal. A signal feeds one
    # finding: the drift belongs to fatigue.
    result = make_result(forward_lean_deg=5.0, lean_drift_deg=6.0)
    assert result.summary["forward_lean_deg"] < DEFAULTS["leaning"]["forward_lean_deg"].watch
    findings = by_id(findings_evaluate(result))
    assert findings["leaning"].severity == "ok"
    assert findings["fatigue"].severity in RAISED
    flagged = {e.metric for e in findings["fatigue"].evidence if e.level in RAISED}
    assert flagged == {"forward_lean_deg_trend"}


def test_overstriding_single_proxy_is_capped_at_watch_with_low_confidence():
    # Contact time far beyond "act", nothing else: one sacral proxy is not enough for act.
    result = make_result(contact_ms=330.0)
    finding = by_id(findings_evaluate(result))["overstriding"]
    contact = next(e for e in finding.evidence if e.metric == "contact_ms")
    assert contact.level == "act"
    assert finding.severity == "watch"
    assert finding.confidence == "low"


def test_overstriding_never_claims_high_confidence():
    result = make_result(cadence_spm=145.0, contact_ms=320.0, braking_g=0.9, loading_rate_gps=120)
    finding = by_id(findings_evaluate(result))["overstriding"]
    assert finding.severity == "act"
    assert finding.confidence != "high"
    assert "no accepted sacral cut-off" in finding.explanation


def test_cadence_band_moves_with_treadmill_speed():
    th = DEFAULTS["overstriding"]
    slope = th["cadence_speed_slope_spm_per_mps"].value
    ref = th["reference_speed_mps"].value
    # 166 steps/min is above the absolute watch band but low for 4.5 m/s.
    assert 166 > th["cadence_spm"].watch
    assert 166 < th["cadence_spm"].watch + slope * (4.5 - ref)
    slow = by_id(findings_evaluate(make_result(cadence_spm=166.0, speed_mps=ref)))
    fast = by_id(findings_evaluate(make_result(cadence_spm=166.0, speed_mps=4.5)))
    level = {
        name: next(e for e in fs["overstriding"].evidence if e.metric == "cadence_spm")
        for name, fs in (("slow", slow), ("fast", fast))
    }
    assert level["slow"].level == "ok"
    assert level["fast"].level == "watch"
    assert level["fast"].threshold == pytest.approx(th["cadence_spm"].watch + slope * 1.5)


def test_without_speed_the_absolute_band_is_used_and_said():
    result = make_result(speed_mps=None)
    assert "speed_mps" not in result.summary
    finding = by_id(findings_evaluate(result))["overstriding"]
    cadence = next(e for e in finding.evidence if e.metric == "cadence_spm")
    assert cadence.threshold == DEFAULTS["overstriding"]["cadence_spm"].watch
    assert "Without the speed" in finding.explanation


def test_accelerometer_only_says_what_is_missing_instead_of_guessing():
    findings = by_id(findings_evaluate(make_result(has_gyro=False)))
    for fid in ("leaning", "pelvic_drop"):
        assert findings[fid].severity == "not_evaluated"
        assert not findings[fid].evaluated
        assert findings[fid].missing
        assert all("gyroscope" in m for m in findings[fid].missing)
        assert not findings[fid].evidence
    # What the accelerometer does measure is still assessed.
    for fid in ("overstriding", "asymmetry", "high_impact"):
        assert findings[fid].severity == "ok"
    assert any("gyroscope" in m for m in findings["fatigue"].missing)
    assert any("gyroscope" in m for m in findings["uneven_surface"].missing)


def test_unassigned_sides_leave_asymmetry_unevaluated():
    findings = by_id(findings_evaluate(make_result(sides_known=False)))
    assert findings["asymmetry"].severity == "not_evaluated"
    assert findings["asymmetry"].missing


def test_no_running_gives_every_finding_not_evaluated():
    findings = findings_evaluate(make_result_without_running())
    assert [f.id for f in findings] == list(FINDING_IDS)
    assert all(f.severity == "not_evaluated" and f.missing for f in findings)
    assert all("no running" in f.explanation for f in findings)


@pytest.mark.parametrize("seed", SEEDS)
def test_evidence_values_are_the_analysis_values(seed):
    result = make_result(seed=seed, cadence_spm=150.0, forward_lean_deg=14.0, impact_g=3.3)
    for finding in findings_evaluate(result):
        for ev in finding.evidence:
            if ev.metric in result.summary:
                assert ev.value == pytest.approx(result.summary[ev.metric]), ev.metric
            assert ev.source, f"{finding.id}/{ev.metric} has no threshold source"
            assert ev.comparison


def test_explanations_quote_this_runs_numbers():
    a = make_result(seed=0, contact_ms=292.0)
    b = make_result(seed=1, contact_ms=312.0)
    texts = []
    for result in (a, b):
        finding = by_id(findings_evaluate(result))["overstriding"]
        measured = f"{result.summary['contact_ms']:.0f} ms"
        assert measured in finding.explanation
        texts.append(finding.explanation)
    assert texts[0] != texts[1]


def test_pelvic_drop_names_the_dropping_side():
    # RIGHT stances with a large drop: the left side of the pelvis drops.
    finding = by_id(findings_evaluate(make_result(pelvic_drop_right_deg=11.0)))["pelvic_drop"]
    assert finding.severity in RAISED
    assert "right stance (the left side drops)" in finding.explanation


def test_camber_tilt_is_not_mistaken_for_one_sided_drop():
    # A steady 3° tilt makes raw left-stance drops larger and right-stance drops smaller;
    # measured from the flight level, both stances drop the true 4°.
    result = make_result(camber_deg=3.0, pelvic_drop_left_deg=4.0, pelvic_drop_right_deg=4.0)
    findings = by_id(findings_evaluate(result))
    diff = next(
        e for e in findings["pelvic_drop"].evidence
        if e.metric == "pelvic_drop_side_difference_deg"
    )
    raw = result.summary["pelvic_drop_left_deg"] - result.summary["pelvic_drop_right_deg"]
    assert raw > DEFAULTS["pelvic_drop"]["side_difference_deg"].act
    assert diff.value == pytest.approx(0.0, abs=0.3)
    assert diff.level == "ok"
    assert findings["uneven_surface"].severity in RAISED
    assert findings["pelvic_drop"].severity == "ok"


def test_asymmetric_drop_is_not_halved_by_the_mean_obliquity_it_causes():
    # 3° vs 8°: the mean obliquity moves, but stance drops are measured from flight.
    result = make_result(pelvic_drop_left_deg=3.0, pelvic_drop_right_deg=8.0)
    result.summary["obliquity_offset_deg"] = -1.0
    finding = by_id(findings_evaluate(result))["pelvic_drop"]
    diff = next(e for e in finding.evidence if e.metric == "pelvic_drop_side_difference_deg")
    assert diff.value == pytest.approx(-5.0, abs=0.3)
    assert finding.severity == "act"
    assert "hip abduction" in " ".join(finding.advice)


def test_personal_baseline_adds_evidence_and_raises_watch():
    result = make_result(contact_ms=250.0)
    contact = result.summary["contact_ms"]
    baseline = {"contact_ms": contact - 20.0, "cadence_spm": result.summary["cadence_spm"]}
    plain = by_id(findings_evaluate(result))["overstriding"]
    personal = by_id(findings_evaluate(result, baseline=baseline))["overstriding"]
    assert plain.severity == "ok"
    assert personal.severity == "watch"
    ev = next(e for e in personal.evidence if e.reference is not None and e.metric == "contact_ms")
    assert ev.reference == pytest.approx(contact - 20.0)
    assert ev.level == "watch"
    assert "20 ms higher than your recent runs" in personal.explanation


def test_baseline_alone_never_reaches_act():
    result = make_result(contact_ms=250.0)
    baseline = {"contact_ms": result.summary["contact_ms"] - 60.0}
    finding = by_id(findings_evaluate(result, baseline=baseline))["overstriding"]
    assert finding.severity == "watch"


def test_to_dict_is_json_ready_and_complete():
    for finding in findings_evaluate(make_result(cadence_spm=150.0)):
        data = json.loads(json.dumps(finding.to_dict(), allow_nan=False))
        assert set(data) >= {
            "id", "severity", "confidence", "evidence", "explanation", "advice", "missing",
            "evaluated",
        }
        for ev in data["evidence"]:
            assert set(ev) >= {"metric", "value", "threshold", "comparison", "source"}


def test_feedback_process_stores_findings_in_summary_json(tmp_path):
    result = make_result(forward_lean_deg=16.0)
    findings = feedback_process(result, report_path=tmp_path / "report.html")
    assert (tmp_path / "report.html").is_file()
    paths = result.to_dir(tmp_path)
    stored = json.loads(paths["summary"].read_text())["findings"]
    assert [f["id"] for f in stored] == list(FINDING_IDS)
    assert stored == json.loads(json.dumps([f.to_dict() for f in findings]))
    assert {f["id"]: f["severity"] for f in stored}["leaning"] == "act"


def test_text_format_lists_every_finding_and_details_raised_ones():
    findings = findings_evaluate(make_result(forward_lean_deg=16.0, has_gyro=True))
    text = findings_format(findings)
    for finding in findings:
        assert finding.title in text
    assert "planks" in text
    assert "bladder or bowel" in text


def test_findings_print_uses_the_console():
    from rich.console import Console

    console = Console(record=True, width=120)
    from gaitback.present.text import findings_print

    findings_print(findings_evaluate(make_result(cadence_spm=148.0, contact_ms=300)), console)
    text = console.export_text()
    assert "Overstriding" in text
    assert "WATCH" in text or "ACT" in text


_SUMMARY_KEYS = (
    "cadence_spm", "contact_ms", "braking_g", "loading_rate_gps", "forward_lean_deg",
    "impact_g", "pelvic_drop_left_deg", "contact_balance_left_pct", "impact_cv_pct",
    "contact_ms_trend", "forward_lean_deg_trend",
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.dictionaries(
        st.sampled_from(_SUMMARY_KEYS),
        st.one_of(st.none(), st.just(math.nan), st.floats(-1e4, 1e4, allow_nan=False)),
    )
)
def test_any_summary_values_give_all_findings_without_crashing(values):
    result = _HYPOTHESIS_BASE
    summary = dict(_HYPOTHESIS_SUMMARY)
    summary.update(values)
    result.summary = summary
    findings = findings_evaluate(result)
    assert [f.id for f in findings] == list(FINDING_IDS)
    for finding in findings:
        assert finding.severity in ("ok", "watch", "act", "not_evaluated")
        if finding.severity == "not_evaluated":
            assert finding.missing
        for ev in finding.evidence:
            assert ev.value is not None and np.isfinite(ev.value)


_HYPOTHESIS_BASE = make_result(running_s=30.0)
_HYPOTHESIS_SUMMARY = dict(_HYPOTHESIS_BASE.summary)


def test_alternate_step_symmetry_is_used_when_sides_are_unknown():
    result = make_result(sides_known=False, has_gyro=False)
    result.summary.update(
        symmetry_basis="alternate steps", contact_symmetry_pct=12.0, impact_symmetry_pct=1.0
    )
    finding = by_id(findings_evaluate(result))["asymmetry"]
    assert finding.severity in RAISED
    assert finding.confidence == "low"
    assert {e.metric for e in finding.evidence} == {"contact_symmetry_pct", "impact_symmetry_pct"}
    assert "not its side" in finding.explanation


def test_poor_recording_quality_lowers_confidence_and_caps_uneven_surface():
    changes = {"camber_deg": 5.0, "step_regularity": 0.6}
    good = make_result(**changes, summary_overrides={"sample_rate_hz": 200.0})
    poor = make_result(**changes, summary_overrides={"lost_samples": 400, "sample_rate_hz": 200.0})
    assert by_id(findings_evaluate(good))["uneven_surface"].severity == "act"
    finding = by_id(findings_evaluate(poor))["uneven_surface"]
    assert finding.severity == "watch"
    assert finding.confidence == "low"
    assert "400 samples" in finding.explanation


def test_rules_are_consistent_data():
    from collections import Counter

    from gaitback.feedback import advice
    from gaitback.feedback.rules import RULES

    # A signal feeds one finding.
    uses = Counter(m.key for rule in RULES for m in rule.metrics)
    assert [key for key, n in uses.items() if n > 1] == []
    for rule in RULES:
        assert rule.id in advice.TITLES and rule.id in advice.WORDING and rule.id in advice.WHY
        assert all(key in advice.TIPS for key in rule.advice)
        for m in rule.metrics:
            assert DEFAULTS[rule.id][m.threshold].source
        for m in rule.baseline:
            assert DEFAULTS["baseline"][m.threshold].source
    # Accelerometer loading rate disagrees with force plates (Kiernan et al. 2023).
    rate = [m for rule in RULES for m in rule.metrics if m.key == "loading_rate_gps"]
    assert [m.role for m in rate] == ["exploratory"]


def test_evidence_is_never_edited_after_creation():
    import dataclasses

    finding = by_id(findings_evaluate(make_result(contact_ms=330.0)))["overstriding"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        finding.evidence[0].level = "ok"
    with pytest.raises(dataclasses.FrozenInstanceError):
        finding.severity = "ok"


def test_exploratory_loading_rate_alone_raises_nothing():
    result = make_result(loading_rate_gps=400.0)
    finding = by_id(findings_evaluate(result))["high_impact"]
    rate = next(e for e in finding.evidence if e.metric == "loading_rate_gps")
    assert rate.level == "act" and rate.role == "exploratory"
    assert finding.severity == "ok"
    assert "exploratory" in finding.explanation


@pytest.mark.parametrize(("running_s", "judged"), [(45.0, False), (58.0, False), (75.0, True)])
def test_enough_running_before_advice(running_s, judged):
    result = make_result(running_s=running_s, cadence_spm=150.0, contact_ms=300.0)
    findings = findings_evaluate(result)
    if judged:
        assert by_id(findings)["overstriding"].severity == "act"
    else:
        assert all(f.severity == "not_evaluated" for f in findings)
        assert all("Not enough running to judge" in f.explanation for f in findings)


def test_without_standing_the_pelvic_tilt_is_shown_not_judged():
    result = make_result(forward_lean_deg=20.0, lean_reference="vertical")
    finding = by_id(findings_evaluate(result))["leaning"]
    assert finding.severity == "ok"
    assert [e.role for e in finding.evidence if e.reference is None] == ["informs"]
    assert "Stand still" in finding.explanation
