"""Session-long means from running sums: the overall live summary in constant memory."""

from __future__ import annotations

from typing import Any

import numpy as np

from gaitback import columns as col

#: Numeric per-step columns summed (every STEP_COLUMNS entry but the side).
NUMERIC_COLUMNS: tuple[str, ...] = tuple(c for c in col.STEP_COLUMNS if c != col.SIDE)
_GROUPS = ("all", col.SIDE_LEFT, col.SIDE_RIGHT)


class StepTotals:
    """NaN-aware sums and counts of every numeric step column, overall and per side."""

    def __init__(self) -> None:
        self._sum = np.zeros((len(_GROUPS), len(NUMERIC_COLUMNS)))
        self._count = np.zeros((len(_GROUPS), len(NUMERIC_COLUMNS)))
        self.n_steps = 0
        self.first_strike_s: float | None = None
        self.last_toe_off_s: float | None = None

    def add(self, row: dict[str, Any]) -> None:
        values = np.array([float(row[c]) for c in NUMERIC_COLUMNS])
        ok = np.isfinite(values)
        clean = np.where(ok, values, 0.0)
        groups = [0]
        if row[col.SIDE] in (col.SIDE_LEFT, col.SIDE_RIGHT):
            groups.append(_GROUPS.index(row[col.SIDE]))
        for g in groups:
            self._sum[g] += clean
            self._count[g] += ok
        self.n_steps += 1
        if self.first_strike_s is None:
            self.first_strike_s = float(row[col.FOOT_STRIKE])
        self.last_toe_off_s = float(row[col.TOE_OFF])

    def mean(self, column: str, group: str = "all") -> float | None:
        g, j = _GROUPS.index(group), NUMERIC_COLUMNS.index(column)
        return float(self._sum[g, j] / self._count[g, j]) if self._count[g, j] else None

    def summary(self) -> dict[str, Any]:
        """The per-step means of the summary (keys as ``docs/architecture.md``)."""
        step_ms = self.mean(col.STEP_TIME)
        contact = self.mean(col.CONTACT)
        out: dict[str, Any] = {
            "n_steps": self.n_steps,
            "cadence_spm": 60000.0 / step_ms if step_ms else None,
            "step_ms": step_ms,
            "contact_ms": contact,
            "flight_ms": self.mean(col.FLIGHT),
            "duty_factor": contact / (2 * step_ms) if contact and step_ms else None,
        }
        for key in (
            col.VERTICAL_OSCILLATION,
            col.IMPACT,
            col.LOADING_RATE,
            col.BRAKING,
            col.FORWARD_LEAN,
            col.PELVIC_ROTATION,
        ):
            out[key] = self.mean(key)
        out["pelvic_drop_left_deg"] = self.mean(col.PELVIC_DROP, col.SIDE_LEFT)
        out["pelvic_drop_right_deg"] = self.mean(col.PELVIC_DROP, col.SIDE_RIGHT)
        c_left = self.mean(col.CONTACT, col.SIDE_LEFT)
        c_right = self.mean(col.CONTACT, col.SIDE_RIGHT)
        out["contact_left_ms"], out["contact_right_ms"] = c_left, c_right
        both = c_left is not None and c_right is not None
        out["contact_balance_left_pct"] = 100.0 * c_left / (c_left + c_right) if both else None
        i_left = self.mean(col.IMPACT, col.SIDE_LEFT)
        i_right = self.mean(col.IMPACT, col.SIDE_RIGHT)
        out["impact_left_g"], out["impact_right_g"] = i_left, i_right
        return out
