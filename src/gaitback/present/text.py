"""Findings as terminal text, printed by the CLI after the summary table."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from rich.console import Console
from rich.padding import Padding
from rich.text import Text

from gaitback.feedback.advice import WARNING_SIGNS
from gaitback.feedback.findings import Finding

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
