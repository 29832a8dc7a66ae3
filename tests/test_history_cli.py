"""``gaitback history``: tables, 10 % flags, the HTML page, export/import/edit/delete."""

from __future__ import annotations

import base64
import io
import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from gaitback.cli.main import main
from gaitback.history import list_sessions, save_analysis
from gaitback.present.history_report import HistoryView, print_tables, weeks_table
from test_history_support import isolated_store, run_result  # noqa: F401

MONDAY = date(2026, 3, 2)  # 2026-W10
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _three_weeks(tmp_path: Path, db: Path | None = None) -> None:
    """W10: 10 km, W11: 11 km (+10 %, ok), W12: 13 km (+18 %, flagged)."""
    plan = [(0, 6000.0), (2, 4000.0), (7, 11000.0), (14, 6500.0), (16, 6500.0)]
    for i, (day, distance) in enumerate(plan):
        started = (MONDAY + timedelta(days=day)).isoformat() + "T07:00:00+00:00"
        save_analysis(
            run_result(tmp_path, f"r{i}", seed=i, started_at=started, contact_ms=250.0 - i),
            db, distance_m=distance,
        )


def _line(out: str, start: str) -> str:
    return next(line for line in out.splitlines() if line.startswith(start))


def test_history_on_an_empty_store(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["history"]) == 0
    assert "No sessions yet" in capsys.readouterr().out


def test_history_plain_output_flags_the_week_over_ten_percent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _three_weeks(tmp_path)
    assert main(["history"]) == 0
    out = capsys.readouterr().out
    assert "\x1b[" not in out  # not a tty: no escape codes
    w10, w11, w12 = _line(out, "2026-W10"), _line(out, "2026-W11"), _line(out, "2026-W12")
    assert "10.00" in w10 and "11.00" in w11 and "13.00" in w12
    assert "+10 %" in w11 and w11.split()[-1] == "ok"
    assert "+18 %" in w12 and "over +10 %" in w12 and w12.endswith("<-")
    assert not w11.endswith("<-")
    assert "contact (ms)" in out  # trends table


def test_rule_pct_option_changes_the_flag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _three_weeks(tmp_path)
    assert main(["history", "--rule-pct", "20"]) == 0
    out = capsys.readouterr().out
    assert not _line(out, "2026-W12").endswith("<-")


def test_rich_table_on_a_terminal(tmp_path: Path) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    _three_weeks(tmp_path)
    view = HistoryView.build(list_sessions(), [])
    stream = Terminal()
    print_tables([weeks_table(view)], stream)
    text = stream.getvalue()
    assert "2026-W12" in text and "over +10 %" in text
    assert "─" in text or "━" in text  # drawn by rich (header rule)


def test_history_html_is_self_contained_with_a_png_plot(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _three_weeks(tmp_path)
    page = tmp_path / "history.html"
    assert main(["history", "--html", str(page)]) == 0
    text = page.read_text(encoding="utf-8")
    images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', text)
    assert len(images) == 1
    assert base64.b64decode(images[0]).startswith(PNG_SIGNATURE)
    # Nothing fetched from elsewhere.
    assert not re.search(r'(src|href)="(?!data:)', text)
    assert '<tr class="flag"><td>2026-W12</td>' in text
    assert str(page) in capsys.readouterr().out


def test_export_and_import_through_the_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _three_weeks(tmp_path)
    out_file = tmp_path / "backup.json"
    assert main(["history", "export", str(out_file)]) == 0
    other = tmp_path / "other.sqlite"
    assert main(["history", "--db", str(other), "import", str(out_file)]) == 0
    assert main(["history", "import", str(out_file), "--db", str(other)]) == 0
    assert "0 new and 5 updated sessions" in capsys.readouterr().out
    assert len(list_sessions(other)) == 5
    assert main(["history", "export", str(tmp_path / "backup.csv")]) == 0
    assert (tmp_path / "backup.csv").read_text().count("\n") == 6  # header + 5 sessions


def test_edit_and_delete_through_the_cli(tmp_path: Path) -> None:
    _three_weeks(tmp_path)
    first = int(list_sessions()["id"].iloc[0])
    assert main(["shoes", "add", "Road"]) == 0
    assert main(["history", "edit", str(first), "--shoe", "Road", "--distance-km", "7.5",
                 "--notes", "back stiff"]) == 0
    row = list_sessions().iloc[0]
    assert (row["shoe"], row["distance_m"], row["notes"]) == ("Road", 7500.0, "back stiff")
    assert main(["history", "delete", str(first)]) == 0
    assert first not in list_sessions()["id"].tolist()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["history", "import", "missing.json"], "no such file"),
        (["history", "delete", "42"], "no session with id 42"),
        (["history", "edit", "1", "--shoe", "Nope"], "no session with id 1"),
    ],
)
def test_cli_errors_are_one_line_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("gaitback: error: ") and message in err
    assert err.count("\n") == 1


def test_unusable_store_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.sqlite"
    bad.write_bytes(b"\x00garbage" * 200)
    assert main(["history", "--db", str(bad)]) == 2
    assert "not a usable gaitback session store" in capsys.readouterr().err


def test_sessions_are_named_by_recording_with_their_findings_and_report_link(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "out" / "report.html"
    report.parent.mkdir()
    report.write_text("<html></html>")
    findings = [
        {"id": "pelvic_drop", "title": "Pelvic drop", "severity": "act"},
        {"id": "leaning", "title": "Forward lean", "severity": "ok"},
    ]
    result = run_result(tmp_path, "tuesday-intervals", seed=7,
                        started_at="2026-03-03T07:00:00+00:00")
    result.findings = findings
    save_analysis(result, notes="hip tight", report_path=str(report))
    assert main(["history"]) == 0
    out = capsys.readouterr().out
    assert "tuesday-intervals.csv" in out
    assert "Pelvic drop (act)" in out and "Forward lean (ok)" not in out
    assert "hip tight" in out
    page = tmp_path / "history.html"
    assert main(["history", "--html", str(page)]) == 0
    text = page.read_text()
    assert f'href="{report.resolve().as_uri()}"' in text
