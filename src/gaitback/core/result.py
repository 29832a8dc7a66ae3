"""The analysis result: what the signal core hands to feedback, report and storage."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gaitback import schema as col
from gaitback.recording import Recording


def json_safe(value: Any) -> Any:
    """Replace NaN/inf by ``None`` and numpy scalars by Python ones, recursively."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


@dataclass
class AnalysisResult:
    """Everything one analysis produced.

    Attributes
    ----------
    steps
        One row per running foot contact, columns ``gaitback.schema.STEP_COLUMNS``.
    summary
        Flat mapping of session metrics (see ``docs/architecture.md``); ``None``
        where a value cannot be computed.
    segments
        ``start_s``, ``end_s``, ``activity`` (standing / walking / running / other).
    signals
        Body-frame signals on the recording's time base, for plots: ``time_s``,
        ``vertical_g``, ``forward_g``, ``lateral_g`` and, with a gyro,
        ``lean_deg``, ``obliquity_deg``, ``rotation_deg``.
    recording
        The recording analysed.
    warnings
        One-line notes about data quality or assumptions.
    findings
        Filled by the feedback layer (list of mappings), empty until then.
    compare
        A side-by-side with a watch's run (``gaitback.fitfiles.compare.Comparison``),
        when one was asked for; ``summary.json`` carries it as ``compare``.
    """

    steps: pd.DataFrame
    summary: dict[str, Any]
    segments: pd.DataFrame
    signals: pd.DataFrame
    recording: Recording
    warnings: list[str] = field(default_factory=list)
    findings: list[dict[str, Any]] = field(default_factory=list)
    compare: Any = None

    @property
    def has_running(self) -> bool:
        return len(self.steps) > 0

    def summary_json(self) -> dict[str, Any]:
        """Summary plus findings and warnings, JSON-safe (no NaN)."""
        out = dict(self.summary)
        out["findings"] = list(self.findings)
        out["warnings"] = list(self.warnings)
        if self.compare is not None:
            out["compare"] = self.compare.to_json()
        return json_safe(out)

    def to_dir(self, out_dir: str | Path) -> dict[str, Path]:
        """Write ``steps.csv`` and ``summary.json`` into ``out_dir``; return their paths."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        steps_path = out / "steps.csv"
        steps_path.write_text(steps_csv_text(self.steps), encoding="utf-8")
        summary_path = out / "summary.json"
        summary_path.write_text(
            json.dumps(self.summary_json(), indent=2, allow_nan=False) + "\n", encoding="utf-8"
        )
        return {"steps": steps_path, "summary": summary_path}


def steps_csv_text(steps: pd.DataFrame) -> str:
    """``steps.csv``: the :data:`gaitback.schema.STEP_COLUMNS`, empty cells for missing.

    Event times keep microseconds whatever the time base (even Unix time);
    metrics keep 6 significant digits, far beyond their accuracy. Formatted
    column by column: pandas' ``to_csv`` with a float format takes ~2.5x as
    long (an hour has ~10,000 steps).
    """
    columns = []
    for name in col.STEP_COLUMNS:
        values = steps[name].tolist()
        if name in (col.FOOT_STRIKE, col.TOE_OFF):
            text = "{:.6f}".format
        elif pd.api.types.is_float_dtype(steps[name]):
            text = "{:.6g}".format
        else:
            text = str
        columns.append(["" if v is None or v != v else text(v) for v in values])
    rows = [",".join(col.STEP_COLUMNS)]
    rows.extend(",".join(cells) for cells in zip(*columns, strict=True))
    return "\n".join(rows) + "\n"
