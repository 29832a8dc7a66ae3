"""Terminal text: the summary table and the findings the CLI prints."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from gaitback import schema as col
from gaitback.feedback.advice import WARNING_SIGNS
from gaitback.feedback.findings import Finding
from gaitback.numbers import MISSING, number_text

if TYPE_CHECKING:
    from gaitback.core.result import AnalysisResult

_STYLE = {"ok": "green", "watch": "yellow", "act": "bold red", "not_evaluated": "dim"}
_INDENT = 15
_LABEL = {"ok": "ok", "watch": "WATCH", "act": "ACT", "not_evaluated": "not evaluated"}


def _as_dict(finding: Finding | Mapping[str, Any]) -> Mapping[str, Any]:
    return finding.to_dict() if isinstance(finding, Finding) else finding


def _lines(finding: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``(style, text)`` lines for one finding."""
    severity = finding["severity"]
    head = f"{_LABEL.get(severity, severity):>13}  {finding['title']}"
    if severity != "not_evaluated":
        head += f"  (confidence {finding['confidence']})"
    out = [(_STYLE.get(severity, ""), head)]
    if severity in ("watch", "act"):
        out.append(("", f"{'':15}{finding['explanation']}"))
        out += [("", f"{'':15}- {tip}") for tip in finding["advice"]]
    elif severity == "not_evaluated":
        out.append(("dim", f"{'':15}{finding['explanation']}"))
    return out


def findings_format(findings: Iterable[Finding | Mapping[str, Any]]) -> str:
    """Plain-text block: one line per finding, details and advice for raised ones.

    Parameters
    ----------
    findings
        :class:`Finding` objects or their ``to_dict()`` mappings.
    """
    lines = ["Findings:"]
    for finding in findings:
        lines += [text for _, text in _lines(_as_dict(finding))]
    lines.append("See a professional for: " + " ".join(WARNING_SIGNS))
    return "\n".join(lines)


def findings_print(
    findings: Iterable[Finding | Mapping[str, Any]], console: Console | None = None
) -> None:
    """Print the findings with rich colours (what ``gaitback analyze`` shows).

    Parameters
    ----------
    findings
        :class:`Finding` objects or their ``to_dict()`` mappings.
    console
        Where to print; a new stdout console when ``None``.
    """
    console = console or Console()
    console.print("[bold]Findings[/bold]")
    for finding in findings:
        for i, (style, text) in enumerate(_lines(_as_dict(finding))):
            line = Text(text.strip() if i else text, style=style)
            # Indent wrapped detail lines under the title, not at the margin.
            console.print(Padding(line, (0, 0, 0, _INDENT)) if i else line)
    console.print(
        "[dim]Not a diagnosis. See a professional for pain lasting weeks, pain or numbness "
        "below the knee, leg weakness, or loss of bladder/bowel control (urgent).[/dim]"
    )


#: Summary keys shown in the terminal table, in display order (labels, units and
#: decimals from ``gaitback.schema``).
SUMMARY_KEYS_SHOWN: tuple[str, ...] = (
    "duration_s", "running_s", "n_steps", "cadence_spm", "contact_ms", "flight_ms",
    "duty_factor", "contact_balance_left_pct", "contact_symmetry_pct",
    "vertical_oscillation_cm", "vertical_ratio_pct", "step_length_m", "impact_g",
    "loading_rate_gps", "braking_g", "forward_lean_deg", "pelvic_drop_left_deg",
    "pelvic_drop_right_deg", "pelvic_rotation_deg", "step_regularity", "contact_cv_pct",
)  # fmt: skip
#: (summary key, label, unit, decimals) in display order.
SUMMARY_ROWS: tuple[tuple[str, str, str, int], ...] = tuple(
    (k, (spec := col.summary_key(k)).label[:1].upper() + spec.label[1:], spec.unit, spec.decimals)
    for k in SUMMARY_KEYS_SHOWN
)



def _fmt(value: Any, decimals: int) -> str:
    if isinstance(value, float):
        return number_text(value, decimals)
    return MISSING if value is None else str(value)


def summary_table(result: AnalysisResult) -> Table:
    """The summary as a two-column table, with the data-quality caption."""
    s = result.summary
    table = Table(title=f"gaitback: {result.recording.source}", title_justify="left")
    table.add_column("metric")
    table.add_column("value", justify="right")
    table.add_column("unit")
    for key, label, unit, decimals in SUMMARY_ROWS:
        if key not in s or (s[key] is None and key in ("vertical_ratio_pct", "step_length_m")):
            continue
        table.add_row(label, _fmt(s[key], decimals), unit)
    lean_ref = s.get("lean_reference")
    table.caption = (
        f"{s.get('sample_rate_hz', 0):.0f} Hz, "
        f"{'gyro' if s.get('has_gyro') else 'no gyro'}, "
        f"{s.get('lost_samples', 0)} lost samples; lean relative to {lean_ref}"
    )
    return table
