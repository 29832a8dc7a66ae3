"""What a report chart shows, as data: panels of series with their numpy arrays.

:func:`gaitback.present.svg.chart_svg` draws a :class:`Chart`; tests read the
same objects to check what is drawn (how many points, where, which colour).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Colour of a typical-range band.
TYPICAL_COLOUR = "#2e8b57"


def _as_arrays(series: object, *names: str) -> None:
    """Store the named fields of a frozen series as flat float arrays (``None`` stays)."""
    for name in names:
        value = getattr(series, name)
        if value is not None:
            object.__setattr__(series, name, np.asarray(value, dtype=float).ravel())


# ----------------------------------------------------------------------------- series


@dataclass(frozen=True, eq=False)
class Line:
    """A polyline through ``(x, y)``; NaN in either ends the line there."""

    x: np.ndarray
    y: np.ndarray
    colour: str
    width: float = 1.4
    label: str | None = None
    dashed: bool = False

    def __post_init__(self) -> None:
        _as_arrays(self, "x", "y")


@dataclass(frozen=True, eq=False)
class Dots:
    """One dot per finite ``(x, y)``."""

    x: np.ndarray
    y: np.ndarray
    colour: str
    size: float = 3.0
    opacity: float = 0.5
    label: str | None = None

    def __post_init__(self) -> None:
        _as_arrays(self, "x", "y")


@dataclass(frozen=True, eq=False)
class Fill:
    """The area between ``low`` and ``high`` along ``x`` (a ±SD band)."""

    x: np.ndarray
    low: np.ndarray
    high: np.ndarray
    colour: str
    opacity: float = 0.15
    label: str | None = None

    def __post_init__(self) -> None:
        _as_arrays(self, "x", "low", "high")


@dataclass(frozen=True, eq=False)
class HBand:
    """A horizontal band across the panel; ``None`` is open (to the panel's edge)."""

    low: float | None
    high: float | None
    colour: str = TYPICAL_COLOUR
    opacity: float = 0.10
    label: str | None = "typical range"


@dataclass(frozen=True, eq=False)
class VLine:
    """A vertical marker at ``x`` across the panel."""

    x: float
    colour: str
    dashed: bool = True
    width: float = 1.0
    label: str | None = None


@dataclass(frozen=True, eq=False)
class Bars:
    """Bars from 0 to ``height`` at ``x`` with optional ± ``error`` whiskers."""

    x: np.ndarray
    height: np.ndarray
    colours: tuple[str, ...]
    error: np.ndarray | None = None
    width: float = 0.8

    def __post_init__(self) -> None:
        _as_arrays(self, "x", "height", "error")


Series = Line | Dots | Fill | HBand | VLine | Bars


@dataclass(eq=False)
class Panel:
    """One plot area: its series (drawn in order, bands first) and axis settings."""

    series: list[Series]
    ylabel: str = ""
    title: str = ""
    ylim: tuple[float, float] | None = None
    xlim: tuple[float, float] | None = None
    #: Fixed x tick positions and labels (categories); default: nice numeric ticks.
    xticks: tuple[tuple[float, str], ...] | None = None


@dataclass(eq=False)
class Chart:
    """Panels stacked with a shared x axis, or side by side (``row``) each with its own."""

    title: str
    panels: list[Panel]
    xlabel: str = ""
    row: bool = False
    panel_height: float = 140.0
    legend: bool = True
    xlim: tuple[float, float] | None = None

    def series(self, kind: type | tuple[type, ...] = (Line, Dots)) -> list[Series]:
        """Every series of ``kind`` over all panels, in drawing order."""
        return [s for p in self.panels for s in p.series if isinstance(s, kind)]
