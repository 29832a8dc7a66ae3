"""The metadata of a recording (its JSON sidecar): fields, validation, mounting axes.

Part of the recording format (``docs/recording-format.md``); read and written only
through :mod:`gaitback.recording`, which re-exports everything here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

from gaitback import schema as col
from gaitback.errors import RecordingError

_META_KEYS = (
    "sample_rate_hz",
    "axes",
    "runner",
    "treadmill_speed_mps",
    "device",
    "started_at",
    "notes",
)
_RUNNER_KEYS = ("height_m", "leg_length_m", "mass_kg")


@dataclass
class RecordingMeta:
    """The sidecar: what the CSV itself cannot say.

    Parameters
    ----------
    sample_rate_hz
        Nominal sample rate of the device.
    axes
        Body direction each sensor axis points to, e.g.
        ``{"x": "up", "y": "left", "z": "backward"}``. Body frame: x forward,
        y left, z up.
    runner
        ``height_m``, ``leg_length_m``, ``mass_kg`` (any may be missing).
    treadmill_speed_mps
        Belt speed, when running on a treadmill at constant speed.
    device, started_at, notes
        Free text; ``started_at`` is ISO 8601.
    extra
        Every other sidecar key, kept as is (e.g. ``lost_samples``, ``gaps``).
    """

    sample_rate_hz: float | None = None
    axes: dict[str, str] | None = None
    runner: dict[str, float] = field(default_factory=dict)
    treadmill_speed_mps: float | None = None
    device: str | None = None
    started_at: str | None = None
    notes: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The sidecar as a JSON-ready mapping (``None`` fields left out)."""
        out: dict[str, Any] = {}
        for key in _META_KEYS:
            value = getattr(self, key)
            if value is None or (key == "runner" and not value):
                continue
            out[key] = value
        out.update(self.extra)
        return out

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any], where: str = "sidecar") -> RecordingMeta:
        """Validate a sidecar mapping; raise :class:`RecordingError` naming ``where``."""
        if not isinstance(raw, Mapping):
            raise RecordingError(f"{where}: expected a JSON object at the top level")
        meta = cls(extra={k: v for k, v in raw.items() if k not in _META_KEYS})
        rate = raw.get("sample_rate_hz")
        if rate is not None:
            meta.sample_rate_hz = _positive(rate, f"{where}: sample_rate_hz")
        speed = raw.get("treadmill_speed_mps")
        if speed is not None:
            meta.treadmill_speed_mps = _positive(speed, f"{where}: treadmill_speed_mps", zero=True)
        if raw.get("axes") is not None:
            meta.axes = validate_axes(raw["axes"], where)
        runner = raw.get("runner")
        if runner is not None:
            if not isinstance(runner, Mapping):
                raise RecordingError(f"{where}: runner must be an object with {_RUNNER_KEYS}")
            meta.runner = {
                k: _positive(v, f"{where}: runner.{k}") for k, v in runner.items() if v is not None
            }
        for key in ("device", "notes"):
            if raw.get(key) is not None:
                setattr(meta, key, str(raw[key]))
        if raw.get("started_at") is not None:
            meta.started_at = _iso_time(raw["started_at"], f"{where}: started_at")
        return meta


def _positive(value: Any, what: str, zero: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise RecordingError(f"{what} must be a number, got {_short(value)}")
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        raise RecordingError(f"{what} must be a number, got {_short(value)}") from None
    if not math.isfinite(number) or number < 0 or (number == 0 and not zero):
        raise RecordingError(f"{what} must be a positive number, got {_short(value)}")
    return number


def _short(value: Any, limit: int = 40) -> str:
    """``repr`` of a user's value, cut to one short line (a cell may hold 400 digits)."""
    text = repr(value) if not isinstance(value, float) else f"{value:g}"
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _iso_time(value: Any, what: str) -> str:
    """An ISO 8601 time that converts to an instant (naive: local time)."""
    text = str(value).strip()
    try:
        stamp = datetime.fromisoformat(text)
        (stamp if stamp.tzinfo else stamp.astimezone()).timestamp()
    except (ValueError, OverflowError, OSError):
        raise RecordingError(
            f"{what} must be an ISO 8601 time such as 2025-03-14T09:30:00Z, got {_short(value)}"
        ) from None
    return text


def validate_axes(axes: Any, where: str = "sidecar") -> dict[str, str]:
    """Check an ``axes`` mapping: x, y, z each to a distinct body direction, right-handed."""
    if (
        not isinstance(axes, Mapping)
        or set(axes) != {"x", "y", "z"}
        or not all(isinstance(v, str) for v in axes.values())
    ):
        raise RecordingError(
            f'{where}: axes must map "x", "y" and "z" to body directions, '
            f'e.g. {{"x": "up", "y": "left", "z": "backward"}}'
        )
    bad = {k: v for k, v in axes.items() if v not in col.BODY_DIRECTIONS}
    if bad:
        raise RecordingError(
            f"{where}: unknown axis direction {bad}; use one of {sorted(col.BODY_DIRECTIONS)}"
        )
    matrix = axes_matrix(axes)
    if abs(abs(np.linalg.det(matrix)) - 1) > 1e-9:
        raise RecordingError(f"{where}: axes {dict(axes)} name the same body axis twice")
    if np.linalg.det(matrix) < 0:
        raise RecordingError(
            f"{where}: axes {dict(axes)} describe a left-handed frame; "
            "one direction is probably flipped"
        )
    return {k: str(axes[k]) for k in ("x", "y", "z")}


def axes_matrix(axes: Mapping[str, str]) -> np.ndarray:
    """Rotation matrix R with ``body = R @ sensor`` for an ``axes`` mapping."""
    return np.array([col.BODY_DIRECTIONS[axes[k]] for k in ("x", "y", "z")], dtype=float).T
