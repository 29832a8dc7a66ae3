"""Show the history: tables for the terminal (rich on a tty, plain otherwise) and an
HTML page with the plots embedded as base64 PNG."""

from __future__ import annotations

import base64
import html
import io
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd

from gaitback import schema as col
from gaitback.history.load import DEFAULT_RULE_PCT, weekly_load
from gaitback.history.shoes import STATUS_OK, STATUS_RETIRED, ShoeMileage
from gaitback.history.store import HistoryError
from gaitback.history.trends import TREND_METRICS, trend_summary
from gaitback.numbers import MISSING, finite, number_text

#: Label and decimals per key metric (short labels for table headers; units from the schema).
_SHORT = {
    "cadence_spm": "cadence",
    "contact_ms": "contact",
    "forward_lean_deg": "lean",
    "pelvic_drop_left_deg": "drop L",
    "pelvic_drop_right_deg": "drop R",
    "impact_g": "peak force",
    "vertical_oscillation_cm": "oscillation",
}
METRIC_LABELS: dict[str, tuple[str, int]] = {
    key: (f"{short} ({col.summary_key(key).unit})", col.summary_key(key).decimals)
    for key, short in _SHORT.items()
}


@dataclass
class Table:
    """A table independent of how it is drawn; ``flagged`` rows are highlighted."""

    title: str
    headers: list[str]
    rows: list[list[str]] = field(default_factory=list)
    flagged: list[bool] = field(default_factory=list)
    note: str = ""
    #: Per row, a file to link the ``recording`` cell to in HTML (``""``: none).
    links: list[str] = field(default_factory=list)

    def add(self, row: list[str], flagged: bool = False) -> None:
        self.rows.append(row)
        self.flagged.append(flagged)


@dataclass
class HistoryView:
    """Everything ``gaitback history`` shows, computed once from one read of the store."""

    sessions: pd.DataFrame
    weeks: pd.DataFrame
    trend_summary: pd.DataFrame
    shoes: list[ShoeMileage]
    rule_pct: float = DEFAULT_RULE_PCT
    n: int = 5

    @classmethod
    def build(
        cls,
        sessions: pd.DataFrame,
        shoes: list[ShoeMileage],
        rule_pct: float = DEFAULT_RULE_PCT,
        n: int = 5,
    ) -> HistoryView:
        trend = sessions[["id", "started_at", "started_ts", *TREND_METRICS]]
        return cls(
            sessions, weekly_load(sessions, rule_pct), trend_summary(trend, n), shoes, rule_pct, n
        )


# ----------------------------------------------------------------------------- formatting


def fmt_number(value: float | None, decimals: int = 1, signed: bool = False) -> str:
    """The one number formatter (:func:`gaitback.numbers.number_text`)."""
    return number_text(value, decimals, signed=signed)


def fmt_duration(seconds: float | None) -> str:
    """``h:mm:ss``, or the missing symbol when unknown."""
    number = finite(seconds)
    if number is None:
        return MISSING
    total = round(number)
    return f"{total // 3600}:{total % 3600 // 60:02d}:{total % 60:02d}"


def fmt_km(distance_m: float | None) -> str:
    return fmt_number(None if distance_m is None else float(distance_m) / 1000.0, 2)


#: Smallest y-axis span per metric on the history plots: about what a real change is.
MIN_AXIS_SPAN: dict[str, float] = {
    "cadence_spm": 20.0,
    "contact_ms": 60.0,
    "forward_lean_deg": 8.0,
    "pelvic_drop_left_deg": 6.0,
    "pelvic_drop_right_deg": 6.0,
    "impact_g": 1.0,
    "vertical_oscillation_cm": 4.0,
}


def _when(started_at: str) -> str:
    try:
        return datetime.fromisoformat(started_at).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return started_at


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


# ----------------------------------------------------------------------------- tables


#: Two-line headers keep the sessions table narrow enough for a terminal.
_SHORT_HEADERS: dict[str, str] = {
    "cadence_spm": "cadence\nspm",
    "contact_ms": "contact\nms",
    "forward_lean_deg": "lean\n°",
    "pelvic_drop_left_deg": "drop L\n°",
    "pelvic_drop_right_deg": "drop R\n°",
    "impact_g": "impact\ng",
}


def recording_name(row: Mapping[str, object]) -> str:
    """What tells a session apart: its recording's file name (and a demo mark)."""
    path = row.get("recording_path")
    name = Path(str(path)).name if path and not str(path).startswith("<") else "(in memory)"
    if row.get("demo"):
        name += " (demo)"
    elif row.get("user_excluded"):
        name += " (excluded)"
    return name


def raised_findings(row: Mapping[str, object]) -> str:
    """``Title (severity)`` of each finding the session raised, from its stored findings."""
    findings = row.get("findings")
    if not isinstance(findings, list):
        return ""
    raised = [f"{f.get('title', f.get('id'))} ({f['severity']})" for f in findings
              if isinstance(f, Mapping) and f.get("severity") in ("watch", "act")]
    return ", ".join(raised)


def sessions_table(view: HistoryView) -> Table:
    metric_headers = [_SHORT_HEADERS[m] for m in TREND_METRICS]
    table = Table(
        "Sessions",
        ["id", "started", "recording", "running", "km", "shoe", "surface", *metric_headers,
         "findings", "notes"],
    )
    for row in view.sessions.to_dict("records"):
        metrics = [fmt_number(row[m], METRIC_LABELS[m][1]) for m in TREND_METRICS]
        table.add(
            [
                str(row["id"]),
                _when(row["started_at"]),
                recording_name(row),
                fmt_duration(row["running_s"] if pd.notna(row["running_s"]) else row["duration_s"]),
                fmt_km(row["distance_m"]),
                _text(row["shoe"]),
                _text(row["surface"]),
                *metrics,
                raised_findings(row),
                _text(row["notes"]),
            ]
        )
        table.links.append(_text(row.get("report_path")))
    if not table.rows:
        table.note = "No sessions yet: gaitback analyze saves each analysed run here."
        return table
    return _without_empty_columns(table, ("shoe", "surface", "findings", "notes"))


def _without_empty_columns(table: Table, optional: tuple[str, ...]) -> Table:
    """Drop the ``optional`` columns that are blank in every row."""
    keep = [
        i for i, h in enumerate(table.headers)
        if h not in optional or any(row[i] for row in table.rows)
    ]
    return Table(
        table.title,
        [table.headers[i] for i in keep],
        [[row[i] for i in keep] for row in table.rows],
        list(table.flagged),
        table.note,
        list(table.links),
    )


def weeks_table(view: HistoryView) -> Table:
    table = Table(
        "Weekly load",
        ["week", "from", "sessions", "km", "time", "change", f"{view.rule_pct:g} % rule"],
    )
    for row in view.weeks.to_dict("records"):
        verdict = f"over +{view.rule_pct:g} %" if row["rule_broken"] else ""
        if not row["rule_broken"] and math.isfinite(row["change_pct"]):
            verdict = "ok"
        km = fmt_km(row["distance_m"])
        if row["unknown_distance"]:
            km += f" (+{row['unknown_distance']} unknown)"
        change = fmt_number(row["change_pct"], 0, signed=True)
        table.add(
            [
                row["week"],
                row["week_start"],
                str(row["sessions"]),
                km,
                fmt_duration(row["running_s"]),
                MISSING if change == MISSING else f"{change} %",
                verdict,
            ],
            flagged=bool(row["rule_broken"]),
        )
    if table.flagged and any(table.flagged):
        table.note = (
            f"Flagged weeks raised distance by more than {view.rule_pct:g} % over the week "
            "before; a gradual build-up lowers the risk of overuse injury."
        )
    return table


def trends_table(view: HistoryView) -> Table:
    table = Table(
        "Trends",
        [
            "metric", "sessions", "first", "latest", f"earlier {view.n}", f"recent {view.n}",
            "change", "per week",
        ],
    )
    for row in view.trend_summary.to_dict("records"):
        label, decimals = METRIC_LABELS[row["metric"]]
        table.add(
            [
                label,
                str(row["sessions"]),
                fmt_number(row["first"], decimals),
                fmt_number(row["latest"], decimals),
                fmt_number(row["earlier_mean"], decimals),
                fmt_number(row["recent_mean"], decimals),
                fmt_number(row["change"], decimals + 1, signed=True),
                fmt_number(row["slope_per_week"], decimals + 1, signed=True),
            ]
        )
    return table


def shoes_table(shoes: list[ShoeMileage]) -> Table:
    table = Table(
        "Shoes", ["name", "brand / model", "sessions", "km", "miles", "warn at", "replace at",
                  "status"]
    )
    for shoe in shoes:
        status = shoe.status
        table.add(
            [
                shoe.name,
                " ".join(x for x in (shoe.brand, shoe.model) if x),
                str(shoe.sessions),
                fmt_number(shoe.distance_km, 1),
                fmt_number(shoe.distance_miles, 1),
                f"{shoe.warn_miles:g} mi",
                f"{shoe.replace_miles:g} mi",
                status,
            ],
            flagged=status not in (STATUS_OK, STATUS_RETIRED),
        )
    if not table.rows:
        table.note = "No shoes yet: gaitback shoes add NAME"
    return table


def shoe_alerts(shoes: list[ShoeMileage]) -> list[str]:
    """One line per active shoe that has reached its warning or replace mileage."""
    lines = []
    for shoe in shoes:
        if shoe.status == "replace":
            lines.append(
                f"Shoe '{shoe.name}' has {shoe.distance_miles:.0f} miles: time to replace it "
                f"(limit {shoe.replace_miles:g})."
            )
        elif shoe.status == "warning":
            lines.append(
                f"Shoe '{shoe.name}' has {shoe.distance_miles:.0f} miles: nearing the end of its "
                f"life (replace at {shoe.replace_miles:g})."
            )
    return lines


# ----------------------------------------------------------------------------- terminal


def _use_rich(stream: IO[str]) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and not os.environ.get("NO_COLOR")


def print_tables(tables: list[Table], stream: IO[str], lines: Sequence[str] = ()) -> None:
    """Rich tables on a terminal, aligned plain text otherwise (pipes, files)."""
    if _use_rich(stream):
        from rich import box
        from rich.console import Console
        from rich.table import Table as RichTable

        console = Console(file=stream)
        for table in tables:
            rich_table = RichTable(
                title=table.title, title_justify="left", box=box.SIMPLE_HEAD, show_edge=False,
                padding=(0, 0),
            )
            for i, header in enumerate(table.headers):
                # Dates and numbers stay whole; only the last (free text) column wraps.
                rich_table.add_column(header, no_wrap=i < len(table.headers) - 1)
            for row, flagged in zip(table.rows, table.flagged, strict=True):
                rich_table.add_row(*row, style="bold red" if flagged else None)
            console.print(rich_table)
            if table.note:
                console.print(table.note, style="dim")
        for line in lines:
            console.print(line, style="yellow")
        return
    for table in tables:
        stream.write(plain_table(table) + "\n")
    for line in lines:
        stream.write(line + "\n")


def plain_table(table: Table) -> str:
    """The table as aligned text; flagged rows end with ``  <-``."""
    cells = [[h.replace("\n", " ") for h in table.headers], *table.rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(table.headers))]
    out = [table.title]
    for i, row in enumerate(cells):
        line = "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
        if i > 0 and table.flagged[i - 1]:
            line += "  <-"
        out.append(line)
    if table.note:
        out.append(table.note)
    return "\n".join(out) + "\n"


# ----------------------------------------------------------------------------- HTML


def _figure_png(view: HistoryView) -> str | None:
    """Weekly distance and metric trends as one PNG, base64; ``None`` without sessions."""
    if view.sessions.empty:
        return None
    # A bare Figure renders with Agg and leaves pyplot's global backend alone (the live
    # dashboard may use another one in the same process).
    import matplotlib.dates as mdates
    from matplotlib.figure import Figure

    fig = Figure(figsize=(11, 12), layout="constrained")
    axes = fig.subplots(4, 2)
    weeks = view.weeks
    ax = axes[0, 0]
    colors = np.where(weeks["rule_broken"].to_numpy(dtype=bool), "#d62728", "#1f77b4")
    ax.bar(np.arange(len(weeks)), weeks["distance_m"].to_numpy(dtype=float) / 1000.0,
           color=colors)
    ax.set_xticks(np.arange(len(weeks)), weeks["week"], rotation=45, ha="right", fontsize=7)
    ax.set_ylabel("km")
    ax.set_title(f"Weekly distance (red: over +{view.rule_pct:g} %)")
    ax = axes[0, 1]
    ax.bar(np.arange(len(weeks)), weeks["running_s"].to_numpy(dtype=float) / 60.0,
           color="#7f7f7f")
    ax.set_xticks(np.arange(len(weeks)), weeks["week"], rotation=45, ha="right", fontsize=7)
    ax.set_ylabel("minutes")
    ax.set_title("Weekly running time")
    when = pd.to_datetime(view.sessions["started_ts"], unit="s").to_numpy()
    for ax, metric in zip(axes[1:].ravel(), TREND_METRICS, strict=True):
        values = view.sessions[metric].to_numpy(dtype=float)
        ok = np.isfinite(values)
        ax.set_title(METRIC_LABELS[metric][0])
        if not ok.any():
            ax.text(0.5, 0.5, "no data", transform=ax.transAxes, ha="center")
            ax.set_xticks([])
            ax.set_yticks([])
            continue
        ax.plot(when[ok], values[ok], "o-", ms=4)
        # A meaningful scale: day-to-day noise must not fill the axis as if it mattered.
        middle = float(np.mean(values[ok]))
        half = max(MIN_AXIS_SPAN[metric] / 2, 0.6 * float(np.ptp(values[ok])))
        ax.set_ylim(middle - half, middle + half)
        # minticks under maxticks: sessions at one instant (imported together)
        # otherwise leave no interval to pick, and matplotlib warns on the terminal.
        locator = mdates.AutoDateLocator(minticks=3, maxticks=6)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
        ax.tick_params(axis="x", labelsize=7)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _html_table(table: Table) -> str:
    head = "".join(f"<th>{html.escape(h.replace(chr(10), ' '))}</th>" for h in table.headers)
    body = []
    column = table.headers.index("recording") if "recording" in table.headers else -1
    links = table.links or [""] * len(table.rows)
    for row, flagged, link in zip(table.rows, table.flagged, links, strict=True):
        cls = ' class="flag"' if flagged else ""
        cells = [html.escape(c) for c in row]
        if link and column >= 0:
            # The session's own report, written next to its analysis.
            href = html.escape(Path(link).resolve().as_uri(), quote=True)
            cells[column] = f'<a href="{href}">{cells[column]}</a>'
        body.append(f"<tr{cls}>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    note = f"<p class=note>{html.escape(table.note)}</p>" if table.note else ""
    return (
        f"<h2>{html.escape(table.title)}</h2><table><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>{note}"
    )


_CSS = """body{font-family:system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;font-size:0.9em;margin-bottom:1em}
th,td{border-bottom:1px solid #ddd;padding:3px 8px;text-align:left}
tr.flag td{color:#b00;font-weight:bold}.note{color:#555}.alert{color:#a60}
img{max-width:100%}"""


def history_html(view: HistoryView) -> str:
    """A self-contained HTML page (no external files, no scripts)."""
    png = _figure_png(view)
    parts = [
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8>",
        "<title>gaitback history</title>",
        f"<style>{_CSS}</style></head><body><h1>gaitback: runs over weeks</h1>",
    ]
    parts += [f"<p class=alert>{html.escape(line)}</p>" for line in shoe_alerts(view.shoes)]
    if png:
        parts.append(f'<img alt="weekly load and trends" src="data:image/png;base64,{png}">')
    for table in (weeks_table(view), trends_table(view), sessions_table(view),
                  shoes_table(view.shoes)):
        parts.append(_html_table(table))
    parts.append("</body></html>\n")
    return "\n".join(parts)


def write_history_html(view: HistoryView, path: str | os.PathLike[str]) -> Path:
    path = Path(path)
    try:
        path.write_text(history_html(view), encoding="utf-8")
    except OSError as exc:
        raise HistoryError(f"{path}: cannot write ({exc.strerror or exc})") from None
    return path
