"""The schema: every name the data carries, and what it means, in one place.

- sensor columns of a recording (``time_s``, ``acc_*_mps2``, ``gyr_*_dps``);
- the per-step table (``steps.csv``) columns;
- the session summary (``summary.json``): every key with its unit, a label for
  people, the decimals to show and which direction is "better"
  (:data:`SUMMARY`). Offline analysis, the live analyser and the simulator's
  truth all produce exactly :data:`SUMMARY_KEYS` (:func:`summary_complete`).

Sensor frame: whatever the device reports. Body frame: x forward, y left, z up
(right-handed), attached to the runner's heading, not to the pelvis.
``gaitback.schema`` is this module under its former name.
"""

from dataclasses import dataclass
from typing import Any, Final, Literal

TIME: Final = "time_s"
ACC: Final = ("acc_x_mps2", "acc_y_mps2", "acc_z_mps2")
GYR: Final = ("gyr_x_dps", "gyr_y_dps", "gyr_z_dps")
REQUIRED: Final = (TIME, *ACC)
CANONICAL: Final = (TIME, *ACC, *GYR)

STANDARD_GRAVITY_MPS2: Final = 9.80665

# Body-frame direction names accepted in a sidecar's "axes" mapping.
BODY_DIRECTIONS: Final = {
    "forward": (1, 0, 0),
    "backward": (-1, 0, 0),
    "left": (0, 1, 0),
    "right": (0, -1, 0),
    "up": (0, 0, 1),
    "down": (0, 0, -1),
}

# Per-step table (steps.csv), in column order.
FOOT_STRIKE: Final = "foot_strike_s"
TOE_OFF: Final = "toe_off_s"
SIDE: Final = "side"
CONTACT: Final = "contact_ms"
FLIGHT: Final = "flight_ms"
STEP_TIME: Final = "step_ms"
IMPACT: Final = "impact_g"
LOADING_RATE: Final = "loading_rate_gps"
BRAKING: Final = "braking_g"
VERTICAL_OSCILLATION: Final = "vertical_oscillation_cm"
FORWARD_LEAN: Final = "forward_lean_deg"
PELVIC_DROP: Final = "pelvic_drop_deg"
PELVIC_ROTATION: Final = "pelvic_rotation_deg"
STEP_COLUMNS: Final = (
    FOOT_STRIKE,
    TOE_OFF,
    SIDE,
    CONTACT,
    FLIGHT,
    STEP_TIME,
    IMPACT,
    LOADING_RATE,
    BRAKING,
    VERTICAL_OSCILLATION,
    FORWARD_LEAN,
    PELVIC_DROP,
    PELVIC_ROTATION,
)
# Fields that need a gyroscope (empty for accelerometer-only recordings).
GYRO_STEP_COLUMNS: Final = (PELVIC_DROP, PELVIC_ROTATION)

SIDE_LEFT: Final = "L"
SIDE_RIGHT: Final = "R"
SIDE_UNKNOWN: Final = "?"

# Activity labels.
STANDING: Final = "standing"
WALKING: Final = "walking"
RUNNING: Final = "running"
UNKNOWN_ACTIVITY: Final = "other"

# Running dynamics per second (FIT export, a watch's FIT records, the comparison).
# The names are the summary keys of the same quantities, so that a per-second
# table, a session summary and a watch's averages line up by name.
UNIX_TIME: Final = "unix_time_s"
CADENCE_SPM: Final = "cadence_spm"  # steps per minute (FIT stores strides per minute)
CONTACT_BALANCE: Final = "contact_balance_left_pct"
CONTACT_PCT: Final = "contact_pct"  # contact time as % of the stride: 100 x duty factor
VERTICAL_RATIO: Final = "vertical_ratio_pct"
STEP_LENGTH: Final = "step_length_m"
SPEED: Final = "speed_mps"
PELVIC_DROP_LEFT: Final = "pelvic_drop_left_deg"
PELVIC_DROP_RIGHT: Final = "pelvic_drop_right_deg"
#: The quantities a running watch also reports, compared side by side.
COMPARED: Final = (
    CADENCE_SPM,
    CONTACT,
    CONTACT_BALANCE,
    VERTICAL_OSCILLATION,
    VERTICAL_RATIO,
    STEP_LENGTH,
)
#: gaitback's pelvic metrics, written to FIT as developer fields.
PELVIC_DYNAMICS: Final = (
    PELVIC_DROP_LEFT,
    PELVIC_DROP_RIGHT,
    PELVIC_ROTATION,
    FORWARD_LEAN,
    BRAKING,
    IMPACT,
)
DYNAMICS_COLUMNS: Final = (UNIX_TIME, *COMPARED, CONTACT_PCT, SPEED, *PELVIC_DYNAMICS)


# ----------------------------------------------------------------------------- summary

Better = Literal["lower", "higher", "balanced", "smaller", None]


@dataclass(frozen=True)
class SummaryKey:
    """One key of the session summary.

    Attributes
    ----------
    key
        The key in ``summary.json`` (unit in the name where it has one).
    label
        What a runner reads.
    unit
        Unit shown after the value (``""`` for none).
    decimals
        Decimals shown.
    better
        ``"lower"`` / ``"higher"``: which way is better for a runner with back
        pain, where the literature says so; ``"balanced"``: closest to 50 % /
        to the other side; ``"smaller"``: closest to zero; ``None``: neither
        (a description, or data quality).
    """

    key: str
    label: str
    unit: str = ""
    decimals: int = 1
    better: Better = None


SUMMARY: Final[tuple[SummaryKey, ...]] = (
    SummaryKey("duration_s", "recording length", "s", 0),
    SummaryKey("running_s", "running time", "s", 0),
    SummaryKey("n_steps", "running steps", "", 0),
    SummaryKey("cadence_spm", "cadence", "steps/min", 0, "higher"),
    SummaryKey("step_ms", "step time", "ms", 0),
    SummaryKey("contact_ms", "ground contact time", "ms", 0, "lower"),
    SummaryKey("flight_ms", "flight time", "ms", 0),
    SummaryKey("duty_factor", "duty factor (contact / stride)", "", 3),
    SummaryKey("vertical_oscillation_cm", "vertical oscillation", "cm", 1, "lower"),
    SummaryKey("impact_g", "peak vertical force (estimate)", "BW", 2, "lower"),
    SummaryKey("loading_rate_gps", "loading rate (exploratory)", "g/s", 0, "lower"),
    SummaryKey("braking_g", "braking peak", "g", 2, "lower"),
    SummaryKey("forward_lean_deg", "forward pelvic tilt", "°", 1),
    SummaryKey("pelvic_rotation_deg", "pelvic rotation", "°", 1),
    SummaryKey("pelvic_drop_left_deg", "pelvic drop in left stance", "°", 1, "lower"),
    SummaryKey("pelvic_drop_right_deg", "pelvic drop in right stance", "°", 1, "lower"),
    SummaryKey("contact_left_ms", "contact time, left", "ms", 0),
    SummaryKey("contact_right_ms", "contact time, right", "ms", 0),
    SummaryKey("contact_balance_left_pct", "left share of contact time", "%", 1, "balanced"),
    SummaryKey("impact_left_g", "peak force estimate, left", "BW", 2),
    SummaryKey("impact_right_g", "peak force estimate, right", "BW", 2),
    SummaryKey("symmetry_basis", "left/right compared by"),
    SummaryKey("contact_symmetry_pct", "left/right contact-time difference", "%", 1, "smaller"),
    SummaryKey("impact_symmetry_pct", "left/right peak-force difference", "%", 1, "smaller"),
    SummaryKey("contact_cv_pct", "step-to-step contact-time variability", "%", 1, "lower"),
    SummaryKey("step_cv_pct", "step-to-step step-time variability", "%", 1, "lower"),
    SummaryKey("impact_cv_pct", "step-to-step peak-force variability", "%", 1, "lower"),
    SummaryKey("contact_ms_trend", "change in contact time over the run", "ms", 0, "smaller"),
    SummaryKey("cadence_spm_trend", "change in cadence over the run", "steps/min", 1, "smaller"),
    SummaryKey(
        "forward_lean_deg_trend", "change in forward pelvic tilt over the run", "°", 1, "smaller"
    ),
    SummaryKey("impact_g_trend", "change in peak force over the run", "BW", 2, "smaller"),
    SummaryKey(
        "pelvic_drop_left_deg_trend", "change in left-stance pelvic drop", "°", 1, "smaller"
    ),
    SummaryKey(
        "pelvic_drop_right_deg_trend", "change in right-stance pelvic drop", "°", 1, "smaller"
    ),
    SummaryKey("speed_mps", "speed", "m/s", 2),
    SummaryKey("step_length_m", "step length", "m", 2),
    SummaryKey("stride_length_m", "stride length", "m", 2),
    SummaryKey("vertical_ratio_pct", "vertical ratio (oscillation / step length)", "%", 1, "lower"),
    SummaryKey("lean_reference", "tilt measured from"),
    SummaryKey("heading_source", "forward direction from"),
    SummaryKey("sample_rate_hz", "sample rate", "Hz", 0),
    SummaryKey("lost_samples", "lost samples", "", 0),
    SummaryKey("has_gyro", "gyroscope"),
    SummaryKey("obliquity_offset_deg", "mean pelvic side tilt", "°", 1, "smaller"),
    SummaryKey("step_regularity", "step regularity", "", 2, "higher"),
    SummaryKey("stride_regularity", "stride regularity", "", 2, "higher"),
    SummaryKey(
        "obliquity_flight_deg", "side tilt of the pelvis held through the stride", "°", 1, "smaller"
    ),
    SummaryKey("stance_drop_left_deg", "pelvic drop in left stance, from flight level", "°", 1),
    SummaryKey("stance_drop_right_deg", "pelvic drop in right stance, from flight level", "°", 1),
)

#: Every summary key, in the order of :data:`SUMMARY`.
SUMMARY_KEYS: Final[tuple[str, ...]] = tuple(k.key for k in SUMMARY)
_BY_KEY: Final[dict[str, SummaryKey]] = {k.key: k for k in SUMMARY}


def summary_key(key: str) -> SummaryKey:
    """The :class:`SummaryKey` of ``key`` (a plain one, labelled by its name, if unknown)."""
    return _BY_KEY.get(key, SummaryKey(key, key.replace("_", " ")))


def summary_complete(summary: dict[str, Any]) -> dict[str, Any]:
    """``summary`` with exactly :data:`SUMMARY_KEYS`, in schema order.

    Keys it lacks are ``None`` (not computable here); a key the schema does not
    know is a programming error, raised so that no producer drifts from the
    others unnoticed.
    """
    unknown = sorted(set(summary) - set(_BY_KEY))
    if unknown:
        raise KeyError(f"summary keys not in gaitback.schema.SUMMARY: {unknown}")
    return {k: summary.get(k) for k in SUMMARY_KEYS}

