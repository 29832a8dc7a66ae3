"""Small inline-SVG charts for the session report, drawn without a plotting library.

A chart is data first (:mod:`gaitback.present.chart`): a :class:`Chart` holds
:class:`Panel` s, each a list of series (:class:`Line`, :class:`Dots`, :class:`Fill`,
:class:`HBand`, :class:`VLine`, :class:`Bars`) with their numpy arrays, so tests can
inspect what is drawn. :func:`chart_svg` turns it into one ``<svg role="img">``
element: a ``viewBox`` (it scales to the page width), text
in the page's font (no external references), "nice" ticks, gridlines and a legend.

Coordinates are scaled with numpy and written in one ``%``-format per series at 0.1
user units (the chart is :data:`WIDTH` units wide); a NaN ends a line (the next point
starts a new subpath) and NaN points are not drawn. Each panel's data sit in a nested
``<svg>`` the size of the plot area, which clips what falls outside the y limits without
needing ids.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass

import numpy as np

from gaitback.present.chart import (
    Bars,
    Chart,
    Dots,
    Fill,
    HBand,
    Line,
    Panel,
    Series,
    VLine,
)

#: Width of every chart in user units (about the report's column width in CSS px).
WIDTH = 900.0
FONT = 11.0
TITLE_FONT = 13.0
#: Room (units) left and right of the plot area inside which data are still drawn, so a
#: dot at the first or last time is not cut in half.
CLIP_MARGIN = 4.0
GRID = "#000"
INK = "#333"


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


# ----------------------------------------------------------------------------- ticks


def nice_ticks(lo: float, hi: float, target: int = 5) -> tuple[np.ndarray, int]:
    """Round tick values inside ``[lo, hi]`` and the decimals they need.

    Ticks are 1, 2, 2.5 or 5 x 10^k apart, the spacing whose number of ticks is nearest
    to ``target`` (counting fewer than three as one further; on a tie, not 2.5, then the
    wider).
    """
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return (np.array([lo]) if math.isfinite(lo) else np.array([])), 0
    magnitude = 10.0 ** math.floor(math.log10((hi - lo) / max(target, 1)))
    best: tuple[float, bool, float, int, int] | None = None
    for scale in (0.1, 1.0, 10.0):
        for multiple in (1.0, 2.0, 2.5, 5.0):
            step = multiple * magnitude * scale
            first, last = math.ceil(lo / step - 1e-9), math.floor(hi / step + 1e-9)
            count = last - first + 1
            # Fewer than three ticks are hard to read a value against.
            key = (abs(count - target) + (count < 3), multiple == 2.5, -step, first, last)
            if best is None or key < best:
                best = key
    assert best is not None
    step, first, last = -best[2], best[3], best[4]
    ticks = np.arange(first, last + 1) * step
    decimals = 0
    while decimals < 6 and abs(round(step, decimals) - step) > 1e-9 * step:
        decimals += 1
    return ticks, decimals


def tick_text(value: float, decimals: int) -> str:
    text = f"{value:.{decimals}f}"
    if float(text) == 0.0:
        return "0" if decimals == 0 else f"{0:.{decimals}f}"
    return text.replace("-", "\u2212")


# ----------------------------------------------------------------------------- paths


def line_path(px: np.ndarray, py: np.ndarray) -> str:
    """SVG path data through the finite points; a non-finite point starts a new subpath."""
    ok = np.isfinite(px) & np.isfinite(py)
    if not ok.any():
        return ""
    starts = (ok & ~np.concatenate(([False], ok[:-1])))[ok]
    template = "".join(np.where(starts, "M%.1f,%.1f", " %.1f,%.1f").tolist())
    return template % tuple(np.column_stack((px[ok], py[ok])).ravel().tolist())


def dots_path(px: np.ndarray, py: np.ndarray) -> str:
    """Path data with a zero-length segment per finite point (drawn as a round-capped dot)."""
    ok = np.isfinite(px) & np.isfinite(py)
    n = int(ok.sum())
    if n == 0:
        return ""
    return ("M%.1f,%.1fh0" * n) % tuple(np.column_stack((px[ok], py[ok])).ravel().tolist())


def fill_path(px: np.ndarray, plow: np.ndarray, phigh: np.ndarray) -> str:
    """Closed outlines between two curves, one per run of points where both are finite."""
    ok = np.isfinite(px) & np.isfinite(plow) & np.isfinite(phigh)
    edges = np.flatnonzero(np.diff(np.concatenate(([0], ok.astype(np.int8), [0]))))
    parts = []
    for start, stop in zip(edges[::2], edges[1::2], strict=True):
        upper = line_path(px[start:stop], phigh[start:stop])
        lower = line_path(px[start:stop][::-1], plow[start:stop][::-1])
        parts.append(upper + " L" + lower[1:] + "Z")
    return "".join(parts)


# ----------------------------------------------------------------------------- scaling


@dataclass(frozen=True)
class Area:
    """A plot area in user units and the data ranges it shows."""

    x0: float
    y0: float
    width: float
    height: float
    xlim: tuple[float, float]
    ylim: tuple[float, float]

    def px(self, x: np.ndarray | float) -> np.ndarray:
        lo, hi = self.xlim
        return self.x0 + (np.asarray(x, dtype=float) - lo) * (self.width / (hi - lo))

    def py(self, y: np.ndarray | float) -> np.ndarray:
        lo, hi = self.ylim
        return self.y0 + self.height - (np.asarray(y, dtype=float) - lo) * (self.height / (hi - lo))


def _finite_range(arrays: list[np.ndarray]) -> tuple[float, float] | None:
    values = [a[np.isfinite(a)] for a in arrays]
    values = [v for v in values if v.size]
    if not values:
        return None
    return float(min(v.min() for v in values)), float(max(v.max() for v in values))


def _x_range(series: list[Series]) -> tuple[float, float] | None:
    arrays: list[np.ndarray] = []
    for s in series:
        if isinstance(s, (Line, Dots, Fill)):
            arrays.append(s.x)
        elif isinstance(s, VLine):
            arrays.append(np.array([s.x], dtype=float))
        elif isinstance(s, Bars):
            arrays += [s.x - s.width / 2, s.x + s.width / 2]
    return _finite_range(arrays)


def _widen(limits: tuple[float, float] | None, pad: float) -> tuple[float, float]:
    """``limits`` padded by ``pad`` of the span; a point or nothing gets a unit span."""
    if limits is None:
        return 0.0, 1.0
    lo, hi = limits
    if hi - lo <= 1e-6 * max(1.0, abs(lo), abs(hi)):
        half = 0.5 if lo == 0 else 0.05 * abs(lo)
        return lo - half, hi + half
    span = hi - lo
    return lo - pad * span, hi + pad * span


def _y_limits(panel: Panel) -> tuple[float, float]:
    if panel.ylim is not None and all(math.isfinite(v) for v in panel.ylim) \
            and panel.ylim[1] >= panel.ylim[0]:
        return _widen((float(panel.ylim[0]), float(panel.ylim[1])), 0.0)
    arrays: list[np.ndarray] = []
    bars = False
    for s in panel.series:
        if isinstance(s, (Line, Dots)):
            arrays.append(s.y)
        elif isinstance(s, Fill):
            arrays += [s.low, s.high]
        elif isinstance(s, Bars):
            bars = True
            error = s.error if s.error is not None else np.zeros_like(s.height)
            error = np.where(np.isfinite(error), error, 0.0)
            arrays += [s.height + error, s.height - error, np.zeros(1)]
    data = _finite_range(arrays)
    lo, hi = _widen(data, 0.05)
    if bars and data is not None:
        # Bars stand on zero: no padding below it (or above it for negative bars).
        if data[0] >= 0.0:
            lo = 0.0
        elif data[1] <= 0.0:
            hi = 0.0
    return lo, hi


# ----------------------------------------------------------------------------- drawing


def _text(x: float, y: float, text: str, *, anchor: str = "middle", size: float = FONT,
          bold: bool = False, rotate: bool = False, cls: str = "") -> str:
    """A text element; ``\\n`` in ``text`` gives lines (side by side when rotated)."""
    lines = str(text).split("\n")
    attrs = f' text-anchor="{anchor}"'
    if size != FONT:
        attrs += f' font-size="{size:g}"'
    if bold:
        attrs += ' font-weight="bold"'
    if cls:
        attrs += f' class="{cls}"'
    step = 1.2 * size
    if rotate:
        attrs += f' transform="translate({x:.1f},{y:.1f}) rotate(-90)"'
        x, y = 0.0, 0.0
        offsets = [(i - (len(lines) - 1) / 2) * step + 0.35 * size for i in range(len(lines))]
    else:
        offsets = [i * step for i in range(len(lines))]
    if len(lines) == 1:
        return f'<text x="{x:.1f}" y="{y + offsets[0]:.1f}"{attrs}>{_e(lines[0])}</text>'
    spans = "".join(f'<tspan x="{x:.1f}" y="{y + dy:.1f}">{_e(line)}</tspan>'
                    for line, dy in zip(lines, offsets, strict=True))
    return f"<text{attrs}>{spans}</text>"


def _dash(dashed: bool) -> str:
    return ' stroke-dasharray="5,3"' if dashed else ""


def _draw_series(s: Series, area: Area) -> str:
    if isinstance(s, Line):
        d = line_path(area.px(s.x), area.py(s.y))
        return (f'<path class="line" d="{d}" fill="none" stroke="{s.colour}" '
                f'stroke-width="{s.width:g}" stroke-linejoin="round"{_dash(s.dashed)}/>'
                if d else "")
    if isinstance(s, Dots):
        d = dots_path(area.px(s.x), area.py(s.y))
        return (f'<path class="dots" d="{d}" stroke="{s.colour}" stroke-width="{s.size:g}" '
                f'stroke-linecap="round" stroke-opacity="{s.opacity:g}"/>' if d else "")
    if isinstance(s, Fill):
        d = fill_path(area.px(s.x), area.py(s.low), area.py(s.high))
        return (f'<path class="fill" d="{d}" fill="{s.colour}" fill-opacity="{s.opacity:g}"/>'
                if d else "")
    if isinstance(s, HBand):
        if s.low is None and s.high is None:
            return ""
        lo = max(s.low if s.low is not None else -math.inf, area.ylim[0])
        hi = min(s.high if s.high is not None else math.inf, area.ylim[1])
        if hi <= lo:
            return ""
        top, bottom = float(area.py(hi)), float(area.py(lo))
        return (f'<rect class="band" x="{area.x0:.1f}" y="{top:.1f}" '
                f'width="{area.width:.1f}" height="{bottom - top:.1f}" '
                f'fill="{s.colour}" fill-opacity="{s.opacity:g}"/>')
    if isinstance(s, VLine):
        if not math.isfinite(s.x):
            return ""
        x = float(area.px(s.x))
        return (f'<path class="marker" d="M{x:.1f},{area.y0:.1f}v{area.height:.1f}" '
                f'stroke="{s.colour}" stroke-width="{s.width:g}"{_dash(s.dashed)}/>')
    if isinstance(s, Bars):
        return _draw_bars(s, area)
    raise TypeError(f"not a chart series: {type(s).__name__}")


def _draw_bars(s: Bars, area: Area) -> str:
    parts = []
    zero = float(area.py(0.0))
    half = s.width / 2
    errors = s.error if s.error is not None else np.full(len(s.height), np.nan)
    for i, (x, h, err) in enumerate(zip(s.x, s.height, errors, strict=True)):
        if not (math.isfinite(x) and math.isfinite(h)):
            continue
        left, right = float(area.px(x - half)), float(area.px(x + half))
        top = float(area.py(h))
        y, height = min(top, zero), abs(zero - top)
        parts.append(f'<rect class="bar" x="{left:.1f}" y="{y:.1f}" width="{right - left:.1f}" '
                     f'height="{height:.1f}" fill="{s.colours[i % len(s.colours)]}"/>')
        if math.isfinite(err) and err > 0:
            cx = float(area.px(x))
            y_hi, y_lo = float(area.py(h + err)), float(area.py(h - err))
            parts.append(f'<path class="error" d="M{cx:.1f},{y_lo:.1f}V{y_hi:.1f}'
                         f'M{cx - 4:.1f},{y_lo:.1f}h8M{cx - 4:.1f},{y_hi:.1f}h8" '
                         f'stroke="{INK}" stroke-width="1.2" fill="none"/>')
    return "".join(parts)


def _draw_panel(panel: Panel, area: Area, *, xtick_labels: bool, ylabel_x: float) -> str:
    parts = [f'<rect class="area" x="{area.x0:.1f}" y="{area.y0:.1f}" '
             f'width="{area.width:.1f}" height="{area.height:.1f}" fill="#fff" '
             f'stroke="#999" stroke-width="0.8"/>']
    yticks, ydec = nice_ticks(*area.ylim, target=max(3, round(area.height / 35)))
    if panel.xticks is not None:
        xvalues = np.array([t[0] for t in panel.xticks], dtype=float)
        xtexts = [t[1] for t in panel.xticks]
        grid_x = np.array([])
    else:
        xvalues, xdec = nice_ticks(*area.xlim, target=max(2, round(area.width / 90)))
        xtexts = [tick_text(v, xdec) for v in xvalues]
        grid_x = xvalues
    ys, xs = area.py(yticks), area.px(grid_x)
    grid = "".join(f"M{area.x0:.1f},{y:.1f}h{area.width:.1f}" for y in ys.tolist())
    grid += "".join(f"M{x:.1f},{area.y0:.1f}v{area.height:.1f}" for x in xs.tolist())
    if grid:
        parts.append(f'<path class="grid" d="{grid}" stroke="{GRID}" stroke-opacity="0.12" '
                     f'stroke-width="1"/>')
    parts += [_text(area.x0 - 5, y + 0.35 * FONT, tick_text(v, ydec), anchor="end")
              for v, y in zip(yticks.tolist(), ys.tolist(), strict=True)]
    if xtick_labels:
        bottom = area.y0 + area.height + FONT + 3
        parts += [_text(float(x), bottom, t)
                  for x, t in zip(area.px(xvalues).tolist(), xtexts, strict=True)]
    if panel.ylabel:
        parts.append(_text(ylabel_x, area.y0 + area.height / 2, panel.ylabel, rotate=True))
    if panel.title:
        parts.append(_text(area.x0 + area.width / 2, area.y0 - 6, panel.title))
    # Data in a nested viewport of the same coordinates: it clips to the plot area (a
    # little wider, so that the first and last dots are whole).
    m = CLIP_MARGIN
    box = f"{area.x0 - m:.1f} {area.y0:.1f} {area.width + 2 * m:.1f} {area.height:.1f}"
    ordered = [s for s in panel.series if isinstance(s, HBand)]
    ordered += [s for s in panel.series if not isinstance(s, HBand)]
    body = "".join(_draw_series(s, area) for s in ordered)
    x, y, w, h = box.split()
    parts.append(f'<svg class="data" x="{x}" y="{y}" width="{w}" height="{h}" viewBox="{box}">'
                 f"{body}</svg>")
    return "<g class='panel'>" + "".join(parts) + "</g>"


def _legend_entries(chart: Chart) -> list[Series]:
    seen: set[str] = set()
    entries = []
    for s in (s for p in chart.panels for s in p.series):
        label = getattr(s, "label", None)
        if label and label not in seen:
            seen.add(label)
            entries.append(s)
    return entries


def _text_width(text: str, size: float = FONT) -> float:
    """Rough width of ``text`` (no font metrics here): enough to lay out a legend."""
    return 0.58 * size * len(text)


LegendRow = list[tuple[float, Series]]


def _legend_rows(entries: list[Series], left: float, right: float) -> list[LegendRow]:
    rows: list[LegendRow] = [[]]
    x = left
    for s in entries:
        width = 22 + _text_width(str(getattr(s, "label", "")))
        if rows[-1] and x + width > right:
            rows.append([])
            x = left
        rows[-1].append((x, s))
        x += width + 14
    return rows if rows[0] else []


def _swatch(s: Series, x: float, y: float) -> str:
    if isinstance(s, Dots):
        return (f'<path d="M{x + 8:.1f},{y:.1f}h0" stroke="{s.colour}" stroke-linecap="round" '
                f'stroke-width="{max(s.size, 5):g}" stroke-opacity="{max(s.opacity, 0.7):g}"/>')
    if isinstance(s, (HBand, Fill)):
        return (f'<rect x="{x:.1f}" y="{y - 5:.1f}" width="16" height="10" fill="{s.colour}" '
                f'fill-opacity="{min(3 * s.opacity, 1):g}"/>')
    colour = getattr(s, "colour", INK)
    width = getattr(s, "width", 1.4)
    return (f'<path d="M{x:.1f},{y:.1f}h16" stroke="{colour}" stroke-width="{width:g}"'
            f'{_dash(getattr(s, "dashed", False))}/>')


def chart_svg(chart: Chart, label: str | None = None) -> str:
    """The chart as one inline ``<svg role="img">`` element (``label``: its accessible name)."""
    name = label or chart.title
    left = 44.0 if chart.row else 84.0
    right = WIDTH - 12.0
    top = 8.0
    parts = []
    if chart.title:
        parts.append(_text(WIDTH / 2, top + TITLE_FONT, chart.title, size=TITLE_FONT, bold=True))
        top += TITLE_FONT + 8
    rows = _legend_rows(_legend_entries(chart), left, right) if chart.legend else []
    for row in rows:
        y = top + FONT / 2 + 2
        for x, s in row:
            parts.append(_swatch(s, x, y))
            parts.append(_text(x + 20, y + 0.35 * FONT, str(getattr(s, "label", "")),
                               anchor="start"))
        top += FONT + 6
    top += 6
    n = len(chart.panels)
    xlabel_room = FONT + 8 if chart.xlabel else 0.0
    if chart.row:
        gap = 50.0
        top += FONT + 6  # panel titles
        width = (right - left - gap * (n - 1)) / max(n, 1)
        for i, panel in enumerate(chart.panels):
            x0 = left + i * (width + gap)
            xlim = panel.xlim or _widen(_x_range(panel.series), 0.05)
            area = Area(x0, top, width, chart.panel_height, xlim, _y_limits(panel))
            parts.append(_draw_panel(panel, area, xtick_labels=True, ylabel_x=x0 - 36))
        bottom = top + chart.panel_height
    else:
        gap = 8.0
        xlim = chart.xlim or _widen(
            _x_range([s for p in chart.panels for s in p.series]), 0.0)
        for i, panel in enumerate(chart.panels):
            y0 = top + i * (chart.panel_height + gap)
            area = Area(left, y0, right - left, chart.panel_height, xlim, _y_limits(panel))
            parts.append(_draw_panel(panel, area, xtick_labels=i == n - 1, ylabel_x=20.0))
        bottom = top + n * chart.panel_height + (n - 1) * gap
    bottom += FONT + 6
    if chart.xlabel:
        parts.append(_text((left + right) / 2, bottom + FONT + 2, chart.xlabel))
    height = bottom + xlabel_room + 6
    return (
        f'<svg class="chart" role="img" aria-label="{_e(name)}" viewBox="0 0 {WIDTH:g} '
        f'{height:.0f}" width="{WIDTH:g}" height="{height:.0f}" font-size="{FONT:g}" '
        f'fill="{INK}"><title>{_e(name)}</title>'
        f'<rect width="100%" height="100%" fill="#fff"/>{"".join(parts)}</svg>'
    )
