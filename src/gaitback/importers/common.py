"""What every importer hands back, and the phone placement gaitback documents."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
import pandas as pd

from gaitback import columns as col
from gaitback.recording import axes_matrix

#: A phone upright in a belt pouch at the sacrum, screen facing away from the
#: body (docs/phone-recording.md). Phone frame: x to the right of the screen,
#: y up the screen, z out of the screen. Seen from behind the runner, the
#: screen's right is the runner's right and "out of the screen" is backward.
PHONE_AXES = {"x": "right", "y": "up", "z": "backward"}


@dataclass
class Imported:
    """An importer's result before validation as a :class:`~gaitback.recording.Recording`."""

    frame: pd.DataFrame
    device: str
    fmt: str
    axes: dict[str, str] | None = None
    started_at: str | None = None
    notes: list[str] = field(default_factory=list)
    #: Kept in the sidecar as is (e.g. a logger's column mapping and units).
    extra: dict[str, object] = field(default_factory=dict)


def iso_utc(epoch_s: float) -> str:
    """Unix time as ISO 8601 UTC with milliseconds."""
    stamp = datetime.fromtimestamp(epoch_s, tz=UTC)
    return stamp.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def placement_axes(frame: pd.DataFrame, axes: dict[str, str], what: str) -> tuple[
    dict[str, str] | None, str | None
]:
    """``axes`` if the data agree with them, else ``None`` and a note why.

    With the assumed placement, the mean specific force mapped to the body
    frame must point up; if it does not, the phone was worn another way (or
    the app uses the opposite sign convention) and the axes are not known.
    """
    acc = frame[list(col.ACC)].to_numpy(dtype=float)
    body_mean = axes_matrix(axes) @ acc.mean(axis=0)
    norm = float(np.linalg.norm(body_mean))
    if norm > 0 and body_mean[2] / norm > 0.7:
        return dict(axes), None
    return None, (
        f"gravity does not point along the {what} placement's up axis, so the sensor axes "
        "are left unknown (pass --axes to state them)"
    )
