"""Plausibility of the samples, checked before any filter sees them.

Two kinds of impossible data, each handled without inventing anything:

* a **sample** no IMU can produce (a corrupt row): beyond the full scale of any
  inertial sensor worn for running, or not a finite number. One such value
  spreads through every zero-phase filter over seconds (a 1e200 row makes an
  impact of 1e13 g and hides the steps around it), so the row is dropped and
  counted as lost, like a sample that never arrived;
* a **gyroscope** whose rates a running pelvis cannot have: far too large or far
  too small for the motion the accelerometer sees, almost always rad/s and
  deg/s confused (a factor of 57.3 either way). Its angles would be nonsense,
  so it is ignored (the recording is analysed as accelerometer-only) and the
  user is told the likely unit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from gaitback import schema as col
from gaitback.core.conditioning import magnitude
from gaitback.errors import GaitbackError
from gaitback.recording import Recording
from gaitback.schema import STANDARD_GRAVITY_MPS2 as G

#: Beyond the full scale of any IMU used on a runner's pelvis (consumer and
#: research IMUs: +-2 to +-32 g, +-125 to +-4000 deg/s), per axis.
ACC_FULL_SCALE_G = 50.0
GYR_FULL_SCALE_DPS = 5000.0

#: The pelvis of a runner turns at a few hundred deg/s at most: its rotation,
#: obliquity and tilt swing by 5-20 deg at the stride frequency (1.2-1.7 Hz),
#: peak rates of order 2 pi f A ~ 50-300 deg/s. A 99th-percentile rate above
#: this bound is impossible for a pelvis; deg/s stored as rad/s multiplies
#: rates by 57.3 and lands there from 18 deg/s up.
PELVIS_RATE_MAX_DPS = 1000.0

#: While the accelerometer sees running impacts the same swings give rates of
#: tens of deg/s; a 99th percentile below this is far too small (rad/s stored
#: as deg/s divides by 57.3: 100 deg/s reads 1.7).
PELVIS_RATE_MIN_DPS = 10.0

#: Running impacts: the 99th percentile of |specific force| exceeds this (g).
#: Standing and walking stay near 1 g (walking peaks ~1.3 g); running stance
#: peaks are 2-3 g at the sacrum.
RUNNING_IMPACT_G = 1.6

#: Percentile used for both checks: robust to a few corrupt or violent samples.
RATE_PERCENTILE = 99.0

DEG_PER_RAD = 180.0 / np.pi

#: Most samples the unit check reads (evenly spaced over the recording).
UNIT_CHECK_SAMPLES = 100_000


@dataclass
class PlausibleRecording:
    """A recording cleared for analysis.

    Attributes
    ----------
    recording
        Without implausible rows (and without gyroscope columns when those
        were ignored).
    dropped_samples
        Rows dropped as impossible (they count as lost samples).
    gyro_ignored
        Whether the gyroscope was set aside for implausible rates.
    warnings
        One line per action taken, for the user.
    """

    recording: Recording
    dropped_samples: int = 0
    gyro_ignored: bool = False
    warnings: list[str] = field(default_factory=list)


def implausible_rows(acc_mps2: np.ndarray, gyr_dps: np.ndarray | None) -> np.ndarray:
    """True for rows beyond any IMU's full scale (per axis) or not finite."""
    # One comparison per value: NaN and +-inf fail "<= limit" as well. Column by
    # column: each is contiguous in the reader's block, the rows are not.
    bad = np.zeros(len(acc_mps2), bool)
    for columns, limit in ((acc_mps2, ACC_FULL_SCALE_G * G), (gyr_dps, GYR_FULL_SCALE_DPS)):
        for column in () if columns is None or not len(columns) else columns.T:
            # Two reductions clear a column (NaN fails them too); only a column
            # that fails is checked sample by sample.
            if not (-limit <= column.min() and column.max() <= limit):
                bad |= ~(np.abs(column) <= limit)
    return bad


def gyro_unit_problem(acc_mps2: np.ndarray, gyr_dps: np.ndarray) -> str | None:
    """Why the gyroscope's rates are impossible for a running pelvis, or ``None``.

    Rates are taken about their median (a constant bias is not motion); the
    99th percentile is compared with :data:`PELVIS_RATE_MAX_DPS`, and, when the
    accelerometer shows running impacts, with :data:`PELVIS_RATE_MIN_DPS`.
    """
    if len(gyr_dps) < 2:
        return None
    # The thresholds are two orders of magnitude apart: percentiles of every
    # k-th sample (at most ~100,000 of them) decide as well as of all.
    every = max(1, len(gyr_dps) // UNIT_CHECK_SAMPLES)
    gyr_dps, acc_mps2 = gyr_dps[::every], acc_mps2[::every]
    rate = magnitude(gyr_dps - np.median(gyr_dps, axis=0))
    top = float(np.percentile(rate, RATE_PERCENTILE))
    if top > PELVIS_RATE_MAX_DPS:
        return (
            f"gyroscope rates reach {top:.0f} deg/s (99th percentile), impossible for a "
            f"running pelvis (a few hundred deg/s at most): they look like deg/s stored as "
            f"rad/s ({top / DEG_PER_RAD:.0f} deg/s if so)"
        )
    impacts = float(np.percentile(magnitude(acc_mps2), RATE_PERCENTILE)) / G
    if impacts > RUNNING_IMPACT_G and top < PELVIS_RATE_MIN_DPS:
        return (
            f"gyroscope rates stay below {top:.1f} deg/s (99th percentile) while the "
            f"accelerometer shows running impacts, far too small for a running pelvis "
            f"(tens of deg/s): they look like rad/s stored as deg/s "
            f"({top * DEG_PER_RAD:.0f} deg/s if so)"
        )
    return None


def plausibility_check(recording: Recording) -> PlausibleRecording:
    """Drop impossible samples and set aside an impossible gyroscope (see module doc).

    Parameters
    ----------
    recording
        The recording as read.

    Returns
    -------
    PlausibleRecording
        The recording to analyse, what was done and why.
    """
    acc = recording.acc_mps2
    gyr = recording.gyr_dps
    out = PlausibleRecording(recording)
    bad = implausible_rows(acc, None)
    # The unit check runs before the gyro's full-scale check: deg/s stored as rad/s
    # puts most running samples beyond full scale, and dropping them would hide why.
    if gyr is not None:
        # A finite sum per column clears the usual case without a mask of rows.
        if not bad.any() and all(np.isfinite(column.sum()) for column in gyr.T):
            problem = gyro_unit_problem(acc, gyr)
        else:
            ok = ~bad & np.isfinite(gyr).all(axis=1)
            problem = gyro_unit_problem(acc[ok], gyr[ok])
        if problem is not None:
            out.gyro_ignored = True
            out.warnings.append(
                f"{problem}; gyroscope ignored: no pelvic drop, rotation or left/right sides "
                "(fix the gyroscope unit and analyse again)"
            )
            gyr = None
        else:
            bad |= implausible_rows(np.zeros((len(gyr), 0)), gyr)
    data = recording.data
    if out.gyro_ignored:
        data = data.drop(columns=list(col.GYR))
    n_bad = int(bad.sum())
    if n_bad:
        data = data.loc[~bad].reset_index(drop=True)
        first_s = float(recording.time_s[np.argmax(bad)])
        out.warnings.append(
            f"dropped {n_bad} sample{'s' if n_bad > 1 else ''} beyond any IMU's full scale "
            f"(|acc| > {ACC_FULL_SCALE_G:.0f} g or |gyro| > {GYR_FULL_SCALE_DPS:.0f} deg/s) "
            f"or not finite, the first at {first_s:.3f} s; they count as lost samples"
        )
    out.dropped_samples = n_bad
    if len(data) < 2:
        raise GaitbackError(
            f"{recording.source}: no plausible samples to analyse ({n_bad} of "
            f"{len(bad)} are beyond any IMU's full scale or not finite)"
        )
    if n_bad or out.gyro_ignored:
        out.recording = Recording(data, recording.meta, recording.source)
    return out
