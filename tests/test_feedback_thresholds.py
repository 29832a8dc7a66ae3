"""The thresholds file: shipped defaults with sources, user overrides, validation."""

from __future__ import annotations

import tomllib
from importlib import resources

import pytest

from gaitback.errors import GaitbackError
from gaitback.feedback import findings_evaluate, thresholds_load
from gaitback.workflow import feedback_process
from test_feedback_support import make_result

SHIPPED = tomllib.loads(
    resources.files("gaitback.feedback").joinpath("thresholds.toml").read_text("utf-8")
)


def test_every_shipped_threshold_has_a_source_and_numbers():
    loaded = thresholds_load()
    assert set(loaded) == set(SHIPPED)
    for section, entries in SHIPPED.items():
        for name, raw in entries.items():
            th = loaded[section][name]
            assert raw["source"].strip(), f"{section}.{name} has no source"
            assert th.source == raw["source"]
            if "value" in raw:
                assert th.value == raw["value"] and th.watch is None and th.act is None
            else:
                assert th.watch == raw["watch"] and th.act == raw["act"]


def test_published_references_from_domain_notes_are_the_defaults():
    th = thresholds_load()
    # COROS bands quoted in the domain notes.
    assert th["overstriding"]["contact_ms"].act == 300
    assert "COROS" in th["overstriding"]["contact_ms"].source
    assert th["asymmetry"]["contact_balance_left_pct"].watch == 1.5  # > 51.5 % orange
    assert th["asymmetry"]["contact_balance_left_pct"].act == 5.0  # > 55 % injury risk
    assert "Heiderscheit" in th["overstriding"]["cadence_spm"].source
    assert "Bramah" in th["pelvic_drop"]["pelvic_drop_deg"].source


def write(tmp_path, text):
    path = tmp_path / "mine.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_user_file_overrides_only_what_it_names(tmp_path):
    path = write(tmp_path, "[overstriding.contact_ms]\nwatch = 240\n")
    loaded = thresholds_load(path)
    default = thresholds_load()
    assert loaded["overstriding"]["contact_ms"].watch == 240.0
    assert loaded["overstriding"]["contact_ms"].act == default["overstriding"]["contact_ms"].act
    assert str(path) in loaded["overstriding"]["contact_ms"].source
    assert loaded["leaning"] == default["leaning"]


def test_changed_threshold_file_changes_the_outcome(tmp_path):
    result = make_result(seed=3, contact_ms=255.0)
    before = {f.id: f for f in findings_evaluate(result)}["overstriding"]
    assert before.severity == "ok"
    path = write(
        tmp_path,
        '[overstriding.contact_ms]\nwatch = 230.0\nsource = "my physio"\n'
        "[overstriding.braking_g]\nwatch = 0.3\n",
    )
    after = {f.id: f for f in feedback_process(result, thresholds_path=path)}["overstriding"]
    assert after.severity in ("watch", "act")
    contact = next(e for e in after.evidence if e.metric == "contact_ms")
    assert contact.threshold == 230.0 and contact.source == "my physio"
    assert result.findings[0]["severity"] == after.severity


def test_raising_a_threshold_silences_a_finding(tmp_path):
    result = make_result(forward_lean_deg=12.0)
    assert {f.id: f for f in findings_evaluate(result)}["leaning"].severity == "watch"
    path = write(tmp_path, "[leaning.forward_lean_deg]\nwatch = 13\nact = 20\n")
    leaning = {f.id: f for f in findings_evaluate(result, thresholds_load(path))}["leaning"]
    assert leaning.severity == "ok"


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("[overstriding.contct_ms]\nwatch = 1\n", "did you mean 'overstriding.contact_ms'"),
        ("[leanin.forward_lean_deg]\nwatch = 1\n", "did you mean 'leaning'"),
        ("[leaning.forward_lean_deg]\nwatch = 'ten'\n", "must be a number"),
        ("[leaning.forward_lean_deg]\nwatch = true\n", "must be a number"),
        ("[leaning.forward_lean_deg]\nwatch = nan\n", "finite"),
        ("[leaning.forward_lean_deg]\nlimit = 3\n", "unknown field 'limit'"),
        ("[leaning.forward_lean_deg]\nvalue = 3\n", "takes watch/act"),
        ("[overstriding.reference_speed_mps]\nwatch = 3\n", "takes value"),
        ("[leaning.forward_lean_deg]\nsource = 5\n", "must be a string"),
        ("[leaning]\nforward_lean_deg = 12\n", "must be a table"),
        ("leaning = 3\n", "must be a table"),
        ("[leaning.forward_lean_deg\nwatch = 1\n", "not valid TOML"),
    ],
)
def test_bad_user_file_is_one_clear_line(tmp_path, text, needle):
    path = write(tmp_path, text)
    with pytest.raises(GaitbackError) as info:
        thresholds_load(path)
    message = str(info.value)
    assert needle in message
    assert "\n" not in message
    assert str(path) in message


def test_missing_file_is_a_user_error(tmp_path):
    with pytest.raises(GaitbackError, match="not found"):
        thresholds_load(tmp_path / "absent.toml")
