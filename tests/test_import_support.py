"""Shared helpers for the import tests: a running signal and writers for each app's format.

The writers follow the formats' documented columns (docs/importing.md), not
gaitback's importers: they are the "app" side of each round trip. No tests
are defined here.
"""

from __future__ import annotations

import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from gaitback import schema as col
from gaitback.importers.common import PHONE_AXES
from gaitback.recording import Recording, RecordingMeta, axes_matrix, recording_from_frame

G = col.STANDARD_GRAVITY_MPS2
RAD = np.pi / 180.0
EPOCH_S = 1_700_000_000  # 2023-11-14T22:13:20Z


def _sim_recording(
    duration_s: float, rate_hz: float, seed: int, standing_s: float
) -> Recording | None:
    """The project's simulator (baseline preset) with the phone placement, if available."""
    try:
        from gaitback.sim import PRESETS, simulate
    except ImportError:  # pragma: no cover - simulator not installed
        return None
    params = PRESETS["baseline"].replace(
        seed=seed,
        sample_rate_hz=rate_hz,
        start_time_s=5.0,
        standing_before_s=standing_s,
        walking_s=0.0,
        running_s=duration_s - standing_s - 1.0,
        standing_after_s=1.0,
        axes=dict(PHONE_AXES),
        packet_loss_pct=0.0,
    )
    return simulate(params).recording


def running_recording(
    duration_s: float = 16.0,
    rate_hz: float = 100.0,
    seed: int = 7,
    standing_s: float = 3.0,
    use_sim: bool = True,
) -> Recording:
    """A sacral IMU's view of a run, as a phone worn per docs/phone-recording.md.

    From ``gaitback.sim`` (baseline preset, phone axes) when it is available;
    otherwise from the simple model below.

    Body frame specific force: vertical = 0 in flight and a half sine in stance
    whose peak makes the stride mean exactly 1 g; braking then propulsion
    forward; sideways push alternating with the stance side. Pelvis rates are
    stride-periodic. The body-frame signal is rotated into the phone frame
    (``PHONE_AXES``), so ``sensor = R.T @ body``.
    """
    if use_sim:
        recording = _sim_recording(duration_s, rate_hz, seed, standing_s)
        if recording is not None:
            return recording
    rng = np.random.default_rng(seed)
    n = int(round(duration_s * rate_hz))
    t = 5.0 + np.arange(n) / rate_hz  # a non-zero start, as apps' clocks have
    step_s, contact_s = 0.36, 0.24
    run = (t - t[0]) >= standing_s
    phase_t = np.where(run, (t - t[0] - standing_s) % step_s, 0.0)
    step_index = np.where(run, ((t - t[0] - standing_s) // step_s).astype(int), 0)
    stance = run & (phase_t < contact_s)
    u = np.clip(phase_t / contact_s, 0.0, 1.0)
    peak = np.pi / 2 * step_s / contact_s * G
    vertical = np.where(run, np.where(stance, peak * np.sin(np.pi * u), 0.0), G)
    forward = np.where(stance, -0.6 * G * np.sin(2 * np.pi * u), 0.0)
    side = np.where(step_index % 2 == 0, 1.0, -1.0)
    lateral = np.where(stance, 0.3 * G * side * np.sin(np.pi * u), 0.0)
    body = np.stack([forward, lateral, vertical], axis=1)
    body += rng.normal(0.0, 0.05, body.shape)
    stride_hz = 1.0 / (2 * step_s)
    w = 2 * np.pi * stride_hz * (t - t[0])
    rates = np.stack([8.0 * np.sin(w), 4.0 * np.sin(2 * w), 20.0 * np.cos(w)], axis=1)
    rates = np.where(run[:, None], rates, 0.0) + rng.normal(0.0, 0.3, rates.shape)
    rot = axes_matrix(PHONE_AXES)
    acc = body @ rot  # row-wise R.T @ body
    gyr = rates @ rot
    data = {col.TIME: t}
    data.update({c: acc[:, k] for k, c in enumerate(col.ACC)})
    data.update({c: gyr[:, k] for k, c in enumerate(col.GYR)})
    meta = RecordingMeta(sample_rate_hz=rate_hz, axes=dict(PHONE_AXES), device="test signal")
    return recording_from_frame(pd.DataFrame(data), meta)


def zip_dir(folder: Path, target: Path) -> Path:
    """Zip ``folder``'s files (relative names) into ``target``."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(folder.rglob("*")):
            if p.is_file():
                zf.write(p, p.relative_to(folder).as_posix())
    return target


# ----------------------------------------------------------------------------- phyphox


def _fmt_phyphox(values: np.ndarray, decimal: str) -> np.ndarray:
    out = np.char.mod("%.9E", values)
    return np.char.replace(out, ".", ",") if decimal == "," else out


def phyphox_table(
    columns: list[tuple[str, np.ndarray]], sep: str = ",", decimal: str = "."
) -> str:
    """A phyphox export set: quoted header, one column per entry, blank padding."""
    n = max(len(v) for _, v in columns)
    header = sep.join(f'"{name}"' for name, _ in columns)
    cells = []
    for _, values in columns:
        text = _fmt_phyphox(np.asarray(values, dtype=float), decimal)
        cells.append(np.concatenate([text, np.full(n - len(text), "")]))
    body = "\n".join(sep.join(row) for row in np.stack(cells, axis=1).tolist())
    return header + "\n" + body + "\n"


def acc_columns(t: np.ndarray, acc: np.ndarray, linear: bool = False) -> list:
    name = "Linear Acceleration" if linear else "Acceleration"
    return [("Time (s)", t)] + [
        (f"{name} {a} (m/s^2)", acc[:, k]) for k, a in enumerate("xyz")
    ] + [(f"Absolute {name.lower()} (m/s^2)", np.linalg.norm(acc, axis=1))]


def gyr_columns(t: np.ndarray, gyr_dps: np.ndarray) -> list:
    rad = gyr_dps * RAD
    return [("Time (s)", t)] + [
        (f"Gyroscope {a} (rad/s)", rad[:, k]) for k, a in enumerate("xyz")
    ] + [("Absolute (rad/s)", np.linalg.norm(rad, axis=1))]


def phyphox_meta(folder: Path, start_epoch_s: float = EPOCH_S) -> None:
    (folder / "meta").mkdir(parents=True, exist_ok=True)
    (folder / "meta" / "device.csv").write_text(
        '"property","value"\n"deviceModel","Pixel 7"\n"deviceBrand","google"\n'
    )
    (folder / "meta" / "time.csv").write_text(
        '"event","experiment time","system time","system time text"\n'
        f'"START",0.000000000E0,{start_epoch_s:.3f},"2023-11-14 22:13:20.000 UTC+00:00"\n'
    )


# ----------------------------------------------------------------------------- Sensor Logger


def sensorlogger_csv(path: Path, t: np.ndarray, xyz: np.ndarray) -> None:
    ns = EPOCH_S * 1_000_000_000 + np.round(t * 1e9).astype(np.int64)
    frame = pd.DataFrame(
        {"time": ns, "seconds_elapsed": t, "z": xyz[:, 2], "y": xyz[:, 1], "x": xyz[:, 0]}
    )
    frame.to_csv(path, index=False, float_format="%.10g")


def gravity_estimate(acc: np.ndarray, rate_hz: float) -> np.ndarray:
    """A slowly varying gravity vector (1-s moving mean), as a phone's fusion gives."""
    width = int(rate_hz)
    kernel = np.ones(width) / width
    pad = np.pad(acc, ((width, width), (0, 0)), mode="edge")
    return np.stack(
        [np.convolve(pad[:, k], kernel, mode="same")[width:-width] for k in range(3)], axis=1
    )


def write_sensorlogger(
    rec: Recording,
    folder: Path,
    platform: str = "Android",
    total: bool = True,
    gravity: bool = True,
    gyro_trim: int = 0,
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    t, acc, gyr = rec.time_s, rec.acc_mps2, rec.gyr_dps
    grav = gravity_estimate(acc, rec.sample_rate_hz)
    user = acc - grav
    sign = -1.0 if platform == "iOS" else 1.0
    sensorlogger_csv(folder / "Accelerometer.csv", t, sign * user)
    if gravity:
        sensorlogger_csv(folder / "Gravity.csv", t, sign * grav)
    if total:
        sensorlogger_csv(folder / "TotalAcceleration.csv", t, acc)
    sl = slice(gyro_trim, len(t) - gyro_trim if gyro_trim else None)
    sensorlogger_csv(folder / "Gyroscope.csv", t[sl], gyr[sl] * RAD)
    (folder / "Metadata.csv").write_text(
        "version,device name,recording time,platform\n"
        f"2,Test Phone,2023-11-14_22-13-20,{platform}\n"
    )
    return folder


# ----------------------------------------------------------------------------- MetaBase


def metabase_csv(path: Path, epoc_ms: np.ndarray, xyz: np.ndarray, unit: str) -> None:
    start = datetime.fromtimestamp(epoc_ms[0] / 1000, tz=UTC)
    stamps = [
        (start + timedelta(milliseconds=float(ms - epoc_ms[0]))).strftime(
            "%Y-%m-%dT%H.%M.%S.%f"
        )[:-3]
        for ms in epoc_ms
    ]
    frame = pd.DataFrame(
        {
            "epoc (ms)": epoc_ms,
            "timestamp (+0000)": stamps,
            "elapsed (s)": np.round((epoc_ms - epoc_ms[0]) / 1000.0, 3),
            f"x-axis ({unit})": np.round(xyz[:, 0], 3),
            f"y-axis ({unit})": np.round(xyz[:, 1], 3),
            f"z-axis ({unit})": np.round(xyz[:, 2], 3),
        }
    )
    frame.to_csv(path, index=False)


METABASE_PREFIX = "MetaWear_2023-11-14T22.13.20.000_C1D2E3F4A5B6_"


def write_metabase(
    rec: Recording, folder: Path, gyro_skip: int = 50, gyro_every: int = 1
) -> tuple[Path, Path]:
    """Accelerometer (g) and gyroscope (deg/s) files; the gyro starts ``gyro_skip`` samples late."""
    folder.mkdir(parents=True, exist_ok=True)
    ms = EPOCH_S * 1000 + np.round(rec.time_s * 1000).astype(np.int64)
    acc_path = folder / f"{METABASE_PREFIX}Accelerometer_100.000Hz_1.7.3.csv"
    gyr_path = folder / f"{METABASE_PREFIX}Gyroscope_100.000Hz_1.7.3.csv"
    metabase_csv(acc_path, ms, rec.acc_mps2 / G, "g")
    sl = slice(gyro_skip, None, gyro_every)
    metabase_csv(gyr_path, ms[sl], rec.gyr_dps[sl], "deg/s")
    return acc_path, gyr_path


# ----------------------------------------------------------------------------- WitMotion


WIT_HEADER = (
    "time\tDeviceName\tChipTime()\tAccX(g)\tAccY(g)\tAccZ(g)\tAsX(°/s)\tAsY(°/s)\tAsZ(°/s)"
    "\tAngleX(°)\tAngleY(°)\tAngleZ(°)"
)


def write_witmotion(
    rec: Recording,
    path: Path,
    encoding: str = "utf-8",
    burst: int = 1,
    devices: tuple[str, ...] = ("WT901BLE67(E1:2F:3A:4B:5C:6D)",),
) -> Path:
    """A WitMotion PC-software log; ``burst > 1`` stamps samples per arrival burst."""
    t = rec.time_s - rec.time_s[0]
    stamp_t = (t // (burst / rec.sample_rate_hz)) * (burst / rec.sample_rate_hz) if burst > 1 else t
    start = datetime(2025, 3, 13, 23, 53, 59, 123000)
    times = [
        (start + timedelta(seconds=float(s))).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
        for s in stamp_t
    ]
    acc = rec.acc_mps2 / G
    gyr = rec.gyr_dps
    lines = [WIT_HEADER]
    for i, stamp in enumerate(times):
        dev = devices[i % len(devices)]
        lines.append(
            f"{stamp}\t{dev}\tnull\t{acc[i, 0]:.4f}\t{acc[i, 1]:.4f}\t{acc[i, 2]:.4f}"
            f"\t{gyr[i, 0]:.3f}\t{gyr[i, 1]:.3f}\t{gyr[i, 2]:.3f}\t1.000\t-2.000\t45.000"
        )
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path
