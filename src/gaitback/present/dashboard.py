"""What the runner sees: a full-screen rich dashboard, or plain lines when not on a terminal.

Figures are drawn in a 5-line block font so they read from a treadmill at arm's
length; data quality (connection, effective sample rate, lost samples) is
always on screen.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, TextIO

from rich.console import Console, Group
from rich.layout import Layout
from rich.live import Live
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from gaitback.feedback.evidence import Direction, level_of
from gaitback.feedback.thresholds import Thresholds
from gaitback.numbers import finite, number_text

# 5-line glyphs, 3 cells wide ("#" is ink).
_GLYPHS: dict[str, tuple[str, ...]] = {
    "0": ("###", "# #", "# #", "# #", "###"),
    "1": (" # ", "## ", " # ", " # ", "###"),
    "2": ("###", "  #", "###", "#  ", "###"),
    "3": ("###", "  #", " ##", "  #", "###"),
    "4": ("# #", "# #", "###", "  #", "  #"),
    "5": ("###", "#  ", "###", "  #", "###"),
    "6": ("###", "#  ", "###", "# #", "###"),
    "7": ("###", "  #", "  #", "  #", "  #"),
    "8": ("###", "# #", "###", "# #", "###"),
    "9": ("###", "# #", "###", "  #", "###"),
    ".": ("   ", "   ", "   ", "   ", " # "),
    "-": ("   ", "   ", "###", "   ", "   "),
    "/": ("  #", "  #", " # ", "#  ", "#  "),
    " ": ("   ", "   ", "   ", "   ", "   "),
}


def big_text(text: str) -> str:
    """``text`` (digits, '.', '-', '/', ' ') as five lines of block characters."""
    rows = []
    for r in range(5):
        rows.append(" ".join(_GLYPHS.get(ch, _GLYPHS[" "])[r] for ch in text).replace("#", "█"))
    return "\n".join(rows)


def _fmt(value: Any, decimals: int = 0) -> str:
    return number_text(value, decimals)


#: Tile -> (summary key, thresholds section, entry, direction): the tile takes the colour
#: of the level the findings would give that value alone.
_TILE_RULES: dict[str, tuple[str, str, str, Direction]] = {
    "cadence": ("cadence_spm", "overstriding", "cadence_spm", "low"),
    "contact": ("contact_ms", "overstriding", "contact_ms", "high"),
    "L/R balance": ("contact_balance_left_pct", "asymmetry", "contact_balance_left_pct",
                    "balance"),
    "impact": ("impact_g", "high_impact", "impact_g", "high"),
    "forward tilt": ("forward_lean_deg", "leaning", "forward_lean_deg", "high"),
}


def tile_level(label: str, summary: dict[str, Any], thresholds: Thresholds | None) -> str:
    """``ok``, ``watch`` or ``act`` for one tile, or ``""`` when it cannot be judged."""
    if thresholds is None:
        return ""
    if label == "pelvic drop L/R":
        left, right = finite(summary.get("pelvic_drop_left_deg")), finite(
            summary.get("pelvic_drop_right_deg"))
        if left is None or right is None:
            return ""
        th = thresholds["pelvic_drop"]["side_difference_deg"]
        return level_of(left - right, th, "magnitude")[0]
    rule = _TILE_RULES.get(label)
    value = finite(summary.get(rule[0])) if rule else None
    if rule is None or value is None:
        return ""
    return level_of(value, thresholds[rule[1]][rule[2]], rule[3])[0]


@dataclass
class DashboardState:
    """Everything the dashboard shows; the session updates it."""

    connection: str = "connecting"
    connected: bool = False
    device: str = ""
    elapsed_s: float = 0.0
    effective_rate_hz: float | None = None
    nominal_rate_hz: float | None = None
    lost_samples: int = 0
    disconnects: int = 0
    n_steps: int = 0
    summary: dict[str, Any] = field(default_factory=dict)
    active: list[tuple[str, str]] = field(default_factory=list)
    cue: str = ""
    cue_severity: str = ""
    recording_path: str = ""
    thresholds: Thresholds | None = None

    def figures(self) -> list[tuple[str, str, str]]:
        """``(label, value, unit)`` of the big figures."""
        s = self.summary
        drops = f"{_fmt(s.get('pelvic_drop_left_deg'))}/{_fmt(s.get('pelvic_drop_right_deg'))}"
        return [
            ("cadence", _fmt(s.get("cadence_spm")), "steps/min"),
            ("contact", _fmt(s.get("contact_ms")), "ms"),
            ("L/R balance", _fmt(s.get("contact_balance_left_pct"), 1), "% left"),
            ("impact", _fmt(s.get("impact_g"), 1), "g"),
            ("forward tilt", _fmt(s.get("forward_lean_deg"), 1), "°"),
            ("pelvic drop L/R", drops, "°"),
        ]

    def levels(self) -> list[str]:
        """The level of each figure against its threshold (``""``: not judged)."""
        return [tile_level(label, self.summary, self.thresholds) for label, _, _ in
                self.figures()]

    def quality_line(self) -> str:
        rate = _fmt(self.effective_rate_hz, 0)
        nominal = f"/{_fmt(self.nominal_rate_hz, 0)}" if self.nominal_rate_hz else ""
        return (
            f"{self.connection} | rate {rate}{nominal} Hz | lost {self.lost_samples} samples"
            f" | disconnects {self.disconnects} | steps {self.n_steps}"
            f" | {int(self.elapsed_s // 60)}:{int(self.elapsed_s % 60):02d}"
        )


_SEVERITY_STYLE = {"act": "bold white on red", "watch": "bold black on yellow", "": "green"}
_LEVEL_COLOUR = {"ok": "green", "watch": "yellow", "act": "red"}


class RichDashboard:
    """Full-screen dashboard on a terminal (rich ``Live``)."""

    def __init__(self, console: Console | None = None, refresh_per_second: float = 4.0):
        self.console = console or Console()
        self.state = DashboardState()
        self._live = Live(
            get_renderable=self._render,
            console=self.console,
            screen=True,
            auto_refresh=True,
            refresh_per_second=refresh_per_second,
            redirect_stderr=False,
        )

    def __enter__(self) -> RichDashboard:
        self._live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._live.__exit__(None, None, None)

    def update(self, state: DashboardState) -> None:
        self.state = state

    def event(self, message: str) -> None:
        """Events show in the status line; nothing to print."""

    def _render(self) -> Layout:
        st = self.state
        layout = Layout()
        layout.split_column(
            Layout(name="status", size=3), Layout(name="figures"), Layout(name="cue", size=5)
        )
        style = "bold green" if st.connected else "bold white on red"
        layout["status"].update(Panel(Text(st.quality_line(), style=style), title="gaitback live"))
        grid = Table.grid(expand=True, padding=(0, 2))
        for _ in range(3):
            grid.add_column(ratio=1)
        cells = []
        for (label, value, unit), level in zip(st.figures(), st.levels(), strict=True):
            colour = _LEVEL_COLOUR.get(level, "")
            cells.append(
                Panel(
                    Group(Text(big_text(value), style=f"bold {colour}".strip()),
                          Text(unit, style="dim")),
                    title=label + (f" ({level})" if level in ("watch", "act") else ""),
                    title_align="left",
                    border_style=colour or "none",
                )
            )
        grid.add_row(*cells[:3])
        grid.add_row(*cells[3:])
        layout["figures"].update(grid)
        cue = st.cue or "form OK"
        sev = st.cue_severity if st.cue else ""
        active = ", ".join(f"{fid.replace('_', ' ')} ({sev})" for fid, sev in st.active)
        body = Group(
            Text(cue.upper(), style=_SEVERITY_STYLE.get(sev, "")),
            Text(f"watching: {active}" if active else "", style="dim"),
        )
        layout["cue"].update(Panel(body, title="cue"))
        return layout


class PlainDashboard:
    """Periodic plain lines (stdout is not a terminal)."""

    def __init__(self, stream: TextIO, interval_s: float = 5.0, clock: Any = time.monotonic):
        self.stream = stream
        self.interval_s = interval_s
        self.clock = clock
        self.state = DashboardState()
        self._last = float("-inf")

    def __enter__(self) -> PlainDashboard:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.state.connected or self.state.n_steps:
            self.line()

    def update(self, state: DashboardState) -> None:
        self.state = state
        now = self.clock()
        if now - self._last >= self.interval_s:
            self.line()

    def event(self, message: str) -> None:
        print(f"gaitback: {message}", file=self.stream, flush=True)

    def line(self) -> None:
        self._last = self.clock()
        st = self.state
        figures = " | ".join(
            f"{label} {value}{unit if unit == '°' else ' ' + unit}"
            + (f" ({level})" if level in ("watch", "act") else "")
            for (label, value, unit), level in zip(st.figures(), st.levels(), strict=True)
        )
        print(f"{st.quality_line()} | {figures}", file=self.stream, flush=True)
