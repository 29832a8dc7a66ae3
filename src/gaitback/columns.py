"""Column names and frame conventions, in one place.

Sensor frame: whatever the device reports. Body frame: x forward, y left, z up
(right-handed), attached to the runner's heading, not to the pelvis.
"""

from typing import Final

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
