"""Running speed in the runner's own units: ``12km/h``, ``7.5mph``, ``3.3m/s``, ``5:00/km``.

One parser for every command that takes a speed (``analyze``, ``live``, ``simulate``, and
batch), so a treadmill's display can be typed as it reads.
"""

from __future__ import annotations

import re
from typing import Final

from gaitback.errors import GaitbackError

METRES_PER_MILE: Final = 1609.344

#: A running speed outside this range is a typo or a unit mix-up (walking is ~1.4 m/s,
#: a world-class sprint ~10 m/s).
PLAUSIBLE_MPS: Final = (1.0, 8.0)

#: unit spelling -> metres per second for one unit.
_UNITS: Final = {
    "m/s": 1.0,
    "mps": 1.0,
    "km/h": 1000.0 / 3600.0,
    "kmh": 1000.0 / 3600.0,
    "kph": 1000.0 / 3600.0,
    "mph": METRES_PER_MILE / 3600.0,
    "mi/h": METRES_PER_MILE / 3600.0,
}
_PACE_UNITS: Final = {"km": 1000.0, "mi": METRES_PER_MILE, "mile": METRES_PER_MILE}

_NUMBER = r"(\d+(?:\.\d*)?|\.\d+)"
_SPEED_RE: Final = re.compile(rf"^{_NUMBER}\s*([a-z/]*)$")
_PACE_RE: Final = re.compile(r"^(\d+):([0-5]\d(?:\.\d*)?)\s*(?:min)?\s*/\s*([a-z]+)$")

EXAMPLES: Final = "e.g. 12km/h, 7.5mph, 3.3m/s, 5:00/km or 8:00/mi"


def speed_parse(text: str | float) -> float:
    """A speed as typed by a runner, in metres per second.

    Parameters
    ----------
    text
        ``12km/h``, ``12 kph``, ``7.5mph``, ``3.3m/s``, a pace ``5:00/km`` or ``8:00/mi``
        (minutes:seconds per unit distance), or a bare number in m/s.

    Returns
    -------
    float
        Speed in m/s, within :data:`PLAUSIBLE_MPS`.

    Raises
    ------
    GaitbackError
        One line saying what was wrong; for a bare number outside the plausible range it
        suggests the km/h reading (what treadmills display).
    """
    raw = str(text).strip()
    lowered = raw.lower().replace(" ", "")
    pace = _PACE_RE.match(lowered)
    if pace:
        minutes, seconds, unit = int(pace[1]), float(pace[2]), pace[3]
        if unit not in _PACE_UNITS:
            raise GaitbackError(f"speed {raw!r}: unknown pace unit {unit!r}; {EXAMPLES}")
        total_s = 60.0 * minutes + seconds
        if total_s <= 0:
            raise GaitbackError(f"speed {raw!r}: a pace must be longer than 0:00")
        return _plausible(_PACE_UNITS[unit] / total_s, raw)
    match = _SPEED_RE.match(lowered)
    if not match:
        raise GaitbackError(f"speed {raw!r} is not a speed; {EXAMPLES}")
    value, unit = float(match[1]), match[2]
    if not unit:
        low, high = PLAUSIBLE_MPS
        if not low <= value <= high:
            kmh = value * _UNITS["km/h"]
            hint = f"; did you mean {value:g}km/h ({kmh:.2f} m/s)?" if low <= kmh <= high else ""
            raise GaitbackError(
                f"speed {raw!r}: a bare number is m/s and {value:g} m/s is not a running speed "
                f"({low:g}-{high:g} m/s){hint} Add the unit, {EXAMPLES}."
            )
        return value
    if unit not in _UNITS:
        raise GaitbackError(f"speed {raw!r}: unknown unit {unit!r}; {EXAMPLES}")
    return _plausible(value * _UNITS[unit], raw)


def _plausible(speed_mps: float, raw: str) -> float:
    low, high = PLAUSIBLE_MPS
    if not low <= speed_mps <= high:
        raise GaitbackError(
            f"speed {raw!r} is {speed_mps:.2f} m/s, not a running speed ({low:g}-{high:g} m/s)"
        )
    return speed_mps


def speed_option(value: str | float | None) -> float | None:
    """``speed_parse`` for an optional command-line value (``None`` stays ``None``)."""
    return None if value is None else speed_parse(value)
