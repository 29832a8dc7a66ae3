"""Session-long means from running sums: the overall live summary in constant memory."""

from __future__ import annotations

from typing import Any

import numpy as np

from gaitback import columns as col
from gaitback.core.metrics import summary_means

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
        return summary_means(
            lambda column, side=None: self.mean(column, side or "all"), self.n_steps
        )
