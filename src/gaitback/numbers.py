"""The one number formatter and the one "missing" symbol of everything gaitback shows.

A base module (nothing from gaitback imported), so the feedback layer's explanations and
the presentation (:mod:`gaitback.present`) format numbers the same way, and neither
imports the other's layer for it (``tests/test_layers.py``).
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any, Final

#: Shown wherever a value is missing, in every report, table and dashboard.
MISSING: Final = "—"


def finite(value: Any) -> float | None:
    """``value`` as a finite float, else ``None`` (missing, NaN, text, booleans)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if math.isfinite(out) else None


def number_text(value: Any, decimals: int = 1, unit: str = "", *, signed: bool = False) -> str:
    """``value`` rounded to ``decimals``, with its unit; :data:`MISSING` when absent.

    Rounds before formatting so a tiny negative never prints as ``-0.0``; the degree sign
    attaches to the number (``4.2°``), other units follow a space (``268 ms``, ``50.3 %``).
    """
    number = finite(value)
    if number is None:
        return MISSING
    rounded = round(number, decimals) + 0.0
    text = f"{rounded:{'+' if signed else ''}.{decimals}f}"
    if not unit:
        return text
    return f"{text}{unit}" if unit == "°" else f"{text} {unit}"


def duration_text(seconds: Any) -> str:
    """``h:mm:ss`` (or ``m:ss`` under an hour); :data:`MISSING` when unknown."""
    number = finite(seconds)
    if number is None:
        return MISSING
    total = round(number)
    hours, minutes, secs = total // 3600, total % 3600 // 60, total % 60
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def pace_text(speed_mps: Any, per_m: float = 1000.0, unit: str = "/km") -> str:
    """Pace ``m:ss/km`` for a speed in m/s; :data:`MISSING` when unknown."""
    speed = finite(speed_mps)
    if speed is None or speed <= 0:
        return MISSING
    return duration_text(per_m / speed) + unit


def when_text(stamp: Any) -> str:
    """An ISO 8601 time as ``Sat 28 Nov 2026, 07:05``; :data:`MISSING` when unknown."""
    if not stamp:
        return MISSING
    try:
        moment = datetime.fromisoformat(str(stamp).strip())
    except ValueError:
        return str(stamp)
    return moment.strftime("%a %d %b %Y, %H:%M")
