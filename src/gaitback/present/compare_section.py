"""The report's "Side by side with your watch" section: a table and the two traces.

Self-contained (its own chart and markup) so that the report only has to
append :func:`compare_section_html` where the section belongs. The chart is inline SVG
(:mod:`gaitback.present.svg`), like the report's other plots.
"""

from __future__ import annotations

import html
from typing import Any

import numpy as np

from gaitback import schema as col
from gaitback.fitfiles.compare import ELAPSED, TIME_ALIGNED, WATCH_SUFFIX
from gaitback.numbers import number_text
from gaitback.present.chart import Chart, Dots, Line, Panel, Series
from gaitback.present.plots import thin_every
from gaitback.present.svg import chart_svg

#: (quantity, label, unit, decimals) in display order.
ROWS: tuple[tuple[str, str, str, int], ...] = (
    (col.CADENCE_SPM, "Cadence", "steps/min", 1),
    (col.CONTACT, "Ground contact time", "ms", 0),
    (col.CONTACT_BALANCE, "Contact balance (left)", "%", 1),
    (col.VERTICAL_OSCILLATION, "Vertical oscillation", "cm", 1),
    (col.VERTICAL_RATIO, "Vertical ratio", "%", 1),
    (col.STEP_LENGTH, "Step length", "m", 2),
)
GAITBACK_COLOUR = "#1f77b4"
WATCH_COLOUR = "#ff7f0e"


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _number(value: Any, decimals: int, signed: bool = False) -> str:
    return number_text(value, decimals, signed=signed)


def compare_table_html(compare: dict[str, Any]) -> str:
    """The ``compare`` object of ``summary.json`` as an HTML table."""
    rows = []
    for key, label, unit, decimals in ROWS:
        entry = compare.get(key) or {}
        rows.append(
            f"<tr><td>{_e(label)}</td><td>{_number(entry.get('gaitback'), decimals)}</td>"
            f"<td>{_number(entry.get('watch'), decimals)}</td>"
            f"<td>{_number(entry.get('difference'), decimals, signed=True)}</td>"
            f"<td>{_e(unit)}</td></tr>"
        )
    return (
        "<table class='compare'><tr><th>metric</th><th>gaitback</th><th>watch</th>"
        "<th>difference</th><th>unit</th></tr>" + "".join(rows) + "</table>"
    )


def plot_compare_traces(traces: Any) -> Chart | None:
    """Both traces of every quantity present on both sides, against elapsed minutes."""
    present = [
        row for row in ROWS
        if row[0] in traces and np.isfinite(traces[row[0]].to_numpy(dtype=float)).any()
        and np.isfinite(traces[row[0] + WATCH_SUFFIX].to_numpy(dtype=float)).any()
    ]
    if not present:
        return None
    minutes = traces[ELAPSED].to_numpy(dtype=float) / 60.0
    panels = []
    for key, label, unit, _ in present:
        series: list[Series] = []
        for name, colour, who in ((key, GAITBACK_COLOUR, "gaitback"),
                                  (key + WATCH_SUFFIX, WATCH_COLOUR, "watch")):
            values = traces[name].to_numpy(dtype=float)
            keep = np.isfinite(values) & np.isfinite(minutes)
            every = thin_every(int(keep.sum()))
            x, y = minutes[keep][every], values[keep][every]
            series.append(Line(x, y, colour, width=0.8, label=who))
            series.append(Dots(x, y, colour, size=2.5, opacity=1.0))
        panels.append(Panel(series, ylabel=f"{label}\n({unit})"))
    return Chart("", panels, xlabel="minutes", panel_height=110.0)


def compare_section_html(result: Any) -> str:
    """The whole section for ``result`` (an ``AnalysisResult``); ``""`` without a comparison."""
    comparison = getattr(result, "compare", None)
    if comparison is None:
        return ""
    data = comparison.to_json()
    parts = [
        "<h2>Side by side with your watch</h2>",
        f"<p>{_e(data.get('watch_device'))} ({_e(data.get('watch_file'))}): "
        f"{_e(data.get('basis'))}. {_e(data.get('note'))}.</p>",
        compare_table_html(data),
        "<p class='note'>Difference = gaitback − watch. Devices measure at different places "
        "(sacrum, chest strap, foot, wrist) and define contact and oscillation their own way: "
        "read steady offsets as calibration, not as error.</p>",
    ]
    chart = plot_compare_traces(comparison.traces)
    if chart is not None:
        axis = ("one clock" if data.get("basis") == TIME_ALIGNED
                else "each from its own start (no common clock)")
        parts.append(chart_svg(chart, label="gaitback and watch traces"))
        parts.append(f"<p class='note'>Traces over time, {_e(axis)}.</p>")
    return "\n".join(parts)
