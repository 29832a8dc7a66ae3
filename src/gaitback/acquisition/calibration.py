"""Standing-still calibration: gyro bias and the gravity direction for this mount.

Stored per device as ``calibration/<profile>__<device>.json`` (format in
``calibration/README.md``); the directory is the repository's ``calibration/``
unless ``GAITBACK_CALIBRATION`` names another. The stream applies the gyro bias
automatically; the gravity direction goes into the recording's sidecar.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from gaitback.acquisition.profiles import repo_root
from gaitback.errors import GaitbackError
from gaitback.schema import STANDARD_GRAVITY_MPS2

SCHEMA = "gaitback-calibration/1"
#: Standing still means the accelerometer's spread stays under this (m/s^2) ...
MAX_ACC_STD_MPS2 = 0.5
#: ... and the gyro's under this (deg/s).
MAX_GYR_STD_DPS = 3.0


class CalibrationError(GaitbackError):
    """Calibration could not be computed or read."""


@dataclass
class Calibration:
    """One device's calibration.

    Attributes
    ----------
    profile, device
        Profile name and device key (port or BLE address, see :func:`device_key`).
    gyro_bias_dps
        Mean angular rate at rest, subtracted from every gyro sample.
    gravity_sensor
        Unit vector of "up" (the specific force at rest) in sensor axes.
    acc_norm_mps2
        Magnitude of the mean specific force at rest (9.81 for a good accelerometer).
    seconds, n_samples, created_at
        How it was measured.
    """

    profile: str
    device: str
    gyro_bias_dps: list[float] | None
    gravity_sensor: list[float]
    acc_norm_mps2: float
    seconds: float
    n_samples: int
    created_at: str
    schema: str = SCHEMA

    def apply_gyro(self, gyr_dps: np.ndarray | None) -> np.ndarray | None:
        if gyr_dps is None or self.gyro_bias_dps is None:
            return gyr_dps
        return gyr_dps - np.asarray(self.gyro_bias_dps)

    def up_axis(self) -> str:
        """The sensor axis closest to up, e.g. ``"+x"`` or ``"-z"``."""
        g = np.asarray(self.gravity_sensor)
        k = int(np.argmax(np.abs(g)))
        return ("+" if g[k] > 0 else "-") + "xyz"[k]


def calibration_dir() -> Path:
    """``$GAITBACK_CALIBRATION``, else the repository's ``calibration/`` (a source
    checkout), else the user data directory (a regular install)."""
    env = os.environ.get("GAITBACK_CALIBRATION")
    if env:
        return Path(env)
    in_repo = repo_root() / "calibration"
    if in_repo.is_dir():
        return in_repo
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data) / "gaitback" / "calibration"


def device_key(port: str | None = None, address: str | None = None, name: str | None = None) -> str:
    """A file-name-safe key for one physical device."""
    raw = address or name or (Path(port).name if port else "default")
    return re.sub(r"[^A-Za-z0-9._-]+", "_", raw).strip("_") or "default"


def calibration_path(profile: str, device: str) -> Path:
    return calibration_dir() / f"{profile}__{device}.json"


def compute_calibration(
    profile: str, device: str, acc_mps2: np.ndarray, gyr_dps: np.ndarray | None, seconds: float
) -> Calibration:
    """Calibration from samples taken standing still.

    Raises
    ------
    CalibrationError
        Too few samples, or the sensor moved.
    """
    if len(acc_mps2) < 10:
        raise CalibrationError(f"only {len(acc_mps2)} samples received; is the device streaming?")
    acc_std = float(np.max(np.std(acc_mps2, axis=0)))
    if acc_std > MAX_ACC_STD_MPS2:
        raise CalibrationError(
            f"the sensor moved (acceleration spread {acc_std:.2f} m/s^2); stand still and retry"
        )
    bias = None
    if gyr_dps is not None:
        gyr_std = float(np.max(np.std(gyr_dps, axis=0)))
        if gyr_std > MAX_GYR_STD_DPS:
            raise CalibrationError(
                f"the sensor rotated (gyro spread {gyr_std:.1f} deg/s); stand still and retry"
            )
        bias = [float(v) for v in np.mean(gyr_dps, axis=0)]
    mean = np.mean(acc_mps2, axis=0)
    norm = float(np.linalg.norm(mean))
    if not 0.5 * STANDARD_GRAVITY_MPS2 < norm < 1.5 * STANDARD_GRAVITY_MPS2:
        raise CalibrationError(
            f"mean acceleration {norm:.2f} m/s^2 at rest, far from 9.81; check the profile's scale"
        )
    return Calibration(
        profile=profile,
        device=device,
        gyro_bias_dps=bias,
        gravity_sensor=[float(v) for v in mean / norm],
        acc_norm_mps2=norm,
        seconds=float(seconds),
        n_samples=len(acc_mps2),
        created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    )


def save_calibration(cal: Calibration) -> Path:
    path = calibration_path(cal.profile, cal.device)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(asdict(cal), indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path


def load_calibration(profile: str, device: str) -> Calibration | None:
    """The saved calibration for this device, or None when there is none."""
    path = calibration_path(profile, device)
    if not path.exists():
        return None
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        if raw.get("schema") != SCHEMA:
            raise CalibrationError(f"{path}: not a {SCHEMA} file")
        return Calibration(**raw)
    except (json.JSONDecodeError, TypeError, OSError) as exc:
        raise CalibrationError(
            f"{path}: unreadable calibration ({exc}); delete it and recalibrate"
        ) from None
