"""Causal body-frame orientation: the live counterpart of :mod:`gaitback.core.orientation`.

The offline estimate (:mod:`gaitback.core.orientation`) sees the whole recording:
zero-phase tilt correction, heading from all running, mount from all standing.
Live, only the past exists, so each of those becomes a running estimate that
converges within a few strides and then tracks the same physical quantities:

* tilt: gyro integrated block by block (the core's exact quaternion prefix
  products), pulled towards "stride-averaged specific force is vertical" by a
  slow feedback through a causal low-pass (no gyro: that low-pass alone);
* heading: the running mean of ``f_h * d f_z / dt`` (braking while the vertical
  force rises) in the level frame, as in the core;
* mount: the mean posture of the still periods seen so far (standing reference),
  else the nominal mount (vertical reference).

Everything is vectorised per block; state is a few small arrays (bounded memory).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy import signal

from gaitback.core import quaternions as qt
from gaitback.core.activity import SLOW_CUTOFF_HZ, ActivityParams
from gaitback.core.conditioning import cutoff_clamp
from gaitback.core.orientation import TILT_CUTOFF_HZ
from gaitback.core.pelvis import nominal_mount, pelvis_angles
from gaitback.recording import axes_matrix
from gaitback.schema import STANDARD_GRAVITY_MPS2 as G

_UP = np.array([0.0, 0.0, 1.0])

#: Time constant of the tilt feedback (s): slow next to a stride, fast next to gyro drift.
TILT_FEEDBACK_S = 2.0
#: Time after the start before postures count towards the standing reference (s).
SETTLE_S = 3.0 * TILT_FEEDBACK_S
#: Time constant of learning the residual gyro bias from the tilt feedback (s).
BIAS_TRACK_S = 20.0
#: Memory of the heading estimate (s) once that much running has been seen.
HEADING_MEMORY_S = 30.0
#: Memory of the gyro bias estimate while no still period has been seen (s).
BIAS_MEMORY_S = 30.0
#: A still period: |f| below ``STILL_CUTOFF_HZ`` varies less than this (g) and the gyro
#: stays below this (deg/s) over the last ``STILL_WINDOW_S`` (the core's standing
#: criteria, gaitback.core.activity: sway lives below 5 Hz, most sensor noise above).
STILL_MAX_STD_G = ActivityParams().standing_max_std_g
STILL_MAX_GYRO_DPS = ActivityParams().standing_max_gyro_dps
STILL_CUTOFF_HZ = SLOW_CUTOFF_HZ
STILL_WINDOW_S = 1.0


@dataclass
class BodyBlock:
    """Body-frame signals of one block of samples.

    Attributes
    ----------
    body_g
        ``(n, 3)`` specific force in g, body frame (x forward, y left, z up).
    magnitude_g
        ``(n,)`` orientation-free ``|f|`` in g.
    lean_deg, obliquity_deg, rotation_deg
        Pelvis pitch, roll, yaw relative to the current reference (NaN rows for
        obliquity / rotation without a gyroscope).
    """

    body_g: np.ndarray
    magnitude_g: np.ndarray
    lean_deg: np.ndarray
    obliquity_deg: np.ndarray
    rotation_deg: np.ndarray


class OnlineOrientation:
    """Sensor-to-body rotation estimated causally, block by block.

    Parameters
    ----------
    sample_rate_hz
        Grid rate of the samples pushed.
    has_gyro
        Whether gyro rates are pushed.
    axes
        Nominal mount (sidecar / profile ``axes``): the lean reference until a
        still period has been seen; ``None`` snaps to the nearest sensor axes.
    """

    def __init__(
        self, sample_rate_hz: float, has_gyro: bool, axes: Mapping[str, str] | None = None
    ) -> None:
        self.fs = float(sample_rate_hz)
        self.has_gyro = has_gyro
        self.axes = dict(axes) if axes else None
        nyq = 0.5 * self.fs
        # Order 2 inside the feedback loop (little lag); order 4 without a gyro,
        # where the low-pass alone must remove the stride ripple.
        self._tilt_sos = signal.butter(2 if has_gyro else 4, TILT_CUTOFF_HZ / nyq, output="sos")
        self._smooth_sos = signal.butter(2, cutoff_clamp(20.0, self.fs) / nyq, output="sos")
        self._tilt_zi: np.ndarray | None = None
        # Order 4: the stride's yaw swing must not leak into the held heading.
        self._yaw_sos = signal.butter(4, TILT_CUTOFF_HZ / nyq, output="sos")
        self._yaw_zi: np.ndarray | None = None
        self._probe: np.ndarray | None = None
        self._smooth_zi: np.ndarray | None = None
        still_cut = cutoff_clamp(STILL_CUTOFF_HZ, self.fs)
        self._still_sos = signal.butter(4, still_cut / nyq, output="sos")
        self._still_zi: np.ndarray | None = None
        self._last_fz: np.ndarray | None = None
        self.q_level: np.ndarray | None = None  # last sample's sensor-to-level quaternion
        self._last_omega: np.ndarray | None = None
        self.gyro_bias_dps = np.zeros(3)
        self._bias_weight = 0.0
        self._heading_c = np.zeros(2)
        self._heading_weight = 0.0
        self._still_n = 0
        self._still_q = np.zeros(4)
        self._still_gyr = np.zeros(3)
        self._still_gyr_n = 0
        self._still_now = False
        self._n_processed = 0
        self._recent = np.zeros((2, 0))  # |f| in g and gyro speed, last STILL_WINDOW_S

    # ------------------------------------------------------------------ state

    @property
    def reference(self) -> str:
        """``standing`` once a still period has fixed the neutral posture, else ``vertical``."""
        return "standing" if self._still_n >= self.fs else "vertical"

    @property
    def heading_rad(self) -> float:
        c = self._heading_c
        return float(np.arctan2(-c[1], -c[0])) if np.any(c) else 0.0

    def restart(self) -> None:
        """Continue after a long gap.

        The pelvis comes back to nearly the same posture every stride, so the
        last orientation is a far better start than one sample's gravity
        guess; the tilt feedback absorbs the difference within seconds.
        """
        self._last_omega = None
        self._last_fz = None
        self._recent = np.zeros((2, 0))

    # ------------------------------------------------------------------ processing

    def process(self, acc_mps2: np.ndarray, gyr_dps: np.ndarray | None) -> BodyBlock:
        """Body-frame signals of ``n`` new uniform samples ``(n, 3)``."""
        acc = np.ascontiguousarray(np.asarray(acc_mps2, dtype=float).T)
        magnitude_g = np.sqrt(np.sum(acc * acc, axis=0)) / G
        gyr = None
        if self.has_gyro and gyr_dps is not None:
            gyr = np.ascontiguousarray(np.asarray(gyr_dps, dtype=float).T)
        self._observe_stillness(magnitude_g, gyr)
        q = self._yaw_hold(self._tilt_gyro(acc, gyr)) if gyr is not None else self._tilt_acc(acc)
        level = qt.quat_rotate(q, acc)
        self._update_heading(level)
        self._observe_posture(q)
        q_body = qt.quat_multiply(qt.quat_about_z(-self.heading_rad)[:, None], q)
        body_g = qt.quat_rotate(q_body, acc).T / G
        lean, obliquity, rotation = pelvis_angles(q_body, self._mount(q_body), centre_yaw=False)
        if gyr is None:
            rotation = np.full_like(rotation, np.nan)
        return BodyBlock(body_g, magnitude_g, lean, obliquity, rotation)

    def _tilt_gyro(self, acc: np.ndarray, gyr: np.ndarray) -> np.ndarray:
        n = acc.shape[1]
        omega = np.radians(gyr - self.gyro_bias_dps[:, None])
        if self.q_level is None:
            # Gravity from the whole first batch: one noisy sample can be degrees off.
            q0 = qt.quat_between(acc.mean(axis=1)[:, None], _UP[:, None])[:, 0]
            mids = 0.5 * (omega[:, 1:] + omega[:, :-1]) / self.fs
            chain = np.concatenate([q0[:, None], qt.quat_from_rotvec(mids)], axis=1)
            q = qt.quat_prefix_products(chain)
            f0 = qt.quat_rotate(q0, acc.mean(axis=1)[:, None])[:, 0]
            self._tilt_zi = signal.sosfilt_zi(self._tilt_sos)[:, None, :] * f0[None, :, None]
        else:
            prev = omega[:, 0] if self._last_omega is None else self._last_omega
            both = np.concatenate([prev[:, None], omega], axis=1)
            mids = 0.5 * (both[:, 1:] + both[:, :-1]) / self.fs
            chain = np.concatenate([self.q_level[:, None], qt.quat_from_rotvec(mids)], axis=1)
            q = qt.quat_prefix_products(chain)[:, 1:]
        self._last_omega = omega[:, -1].copy()
        world = qt.quat_rotate(q, acc)
        slow, self._tilt_zi = signal.sosfilt(self._tilt_sos, world, axis=1, zi=self._tilt_zi)
        # Feedback: rotate a fraction of the way that makes the slow force vertical.
        full = qt.quat_between(slow[:, -1:], _UP[:, None])[:, 0]
        angle = 2.0 * np.arctan2(np.linalg.norm(full[1:]), full[0])
        gain = 1.0 - np.exp(-n / (self.fs * TILT_FEEDBACK_S))
        if angle > 1e-12:
            axis = full[1:] / np.linalg.norm(full[1:])
            step = qt.quat_from_rotvec((axis * angle * gain)[:, None])
            q = qt.quat_normalise(qt.quat_multiply(step, q))
            # The filter state is linear in its past inputs: rotate it with the frame.
            zi = self._tilt_zi  # (sections, 3, 2)
            flat = np.transpose(zi, (1, 0, 2)).reshape(3, -1)
            rotated = qt.quat_rotate(step[:, 0], flat).reshape(3, zi.shape[0], zi.shape[2])
            self._tilt_zi = np.ascontiguousarray(np.transpose(rotated, (1, 0, 2)))
            # Integral part: a steady correction is an uncompensated gyro bias
            # (its tilt-plane part); learning it removes the lag error of the loop.
            rate_world = axis * angle * gain * self.fs / n
            rate_sensor = qt.quat_rotate(qt.quat_conjugate(q[:, -1]), rate_world[:, None])[:, 0]
            learn = 1.0 - np.exp(-n / (self.fs * BIAS_TRACK_S))
            self.gyro_bias_dps = self.gyro_bias_dps - learn * np.degrees(rate_sensor)
        self.q_level = q[:, -1].copy()
        return q

    def _yaw_hold(self, q: np.ndarray) -> np.ndarray:
        """Remove slow yaw (gyro drift, slow turns) from sensor-to-level ``q``.

        The causal counterpart of :func:`gaitback.core.orientation.yaw_drift_remove`:
        the tilt loop cannot see a bias about the vertical, so a bias that changes
        after the still period (warm-up, temperature) turns the level frame by a
        degree a second or more, and the heading estimate, with its memory of
        ``HEADING_MEMORY_S``, lags far behind. The azimuth of a roughly horizontal
        sensor direction, low-passed causally below any stride frequency, is held
        at zero instead; ``q_level`` (the integration state) keeps the raw frame.
        """
        if self._probe is None:
            up = qt.quat_rotate(qt.quat_conjugate(q[:, 0]), _UP[:, None])[:, 0]
            axis = np.eye(3)[int(np.argmin(np.abs(up)))]
            probe = axis - np.dot(axis, up) * up
            self._probe = probe / np.linalg.norm(probe)
        horizontal = qt.quat_rotate(q, self._probe[:, None])[:2]
        if self._yaw_zi is None:
            self._yaw_zi = (
                signal.sosfilt_zi(self._yaw_sos)[:, None, :] * horizontal[:, 0][None, :, None]
            )
        smooth, self._yaw_zi = signal.sosfilt(self._yaw_sos, horizontal, axis=1, zi=self._yaw_zi)
        half = -0.5 * np.arctan2(smooth[1], smooth[0])
        zeros = np.zeros_like(half)
        return qt.quat_multiply(np.stack([np.cos(half), zeros, zeros, np.sin(half)]), q)

    def _tilt_acc(self, acc: np.ndarray) -> np.ndarray:
        if self._tilt_zi is None:
            self._tilt_zi = signal.sosfilt_zi(self._tilt_sos)[:, None, :] * acc[:, 0][None, :, None]
        slow, self._tilt_zi = signal.sosfilt(self._tilt_sos, acc, axis=1, zi=self._tilt_zi)
        q = qt.quat_between(slow, np.broadcast_to(_UP[:, None], slow.shape))
        self.q_level = q[:, -1].copy()
        return q

    def _update_heading(self, level: np.ndarray) -> None:
        if self._smooth_zi is None:
            self._smooth_zi = (
                signal.sosfilt_zi(self._smooth_sos)[:, None, :] * level[:, 0][None, :, None]
            )
        smooth, self._smooth_zi = signal.sosfilt(
            self._smooth_sos, level, axis=1, zi=self._smooth_zi
        )
        # Central differences (as np.gradient offline): f_h and d f_z / dt must refer
        # to the same instant, or the estimate turns toward the lateral axis.
        head = smooth[:, :1] if self._last_fz is None else self._last_fz
        ext = np.concatenate([head, smooth], axis=1)
        self._last_fz = ext[:, -2:]
        dvz = 0.5 * (ext[2, 2:] - ext[2, :-2]) * self.fs
        horizontal = ext[:2, 1:-1]
        n = level.shape[1]
        if dvz.size == 0:
            return
        c_block = (horizontal * dvz).mean(axis=1)
        # Running mean at first, then an exponential memory of HEADING_MEMORY_S.
        self._heading_weight = min(self._heading_weight + n, HEADING_MEMORY_S * self.fs)
        w = n / self._heading_weight
        self._heading_c = (1.0 - w) * self._heading_c + w * c_block

    def _observe_stillness(self, magnitude_g: np.ndarray, gyr: np.ndarray | None) -> None:
        speed = (
            np.sqrt(np.sum(gyr * gyr, axis=0)) if gyr is not None else np.zeros_like(magnitude_g)
        )
        if self._still_zi is None:
            self._still_zi = signal.sosfilt_zi(self._still_sos) * magnitude_g[0]
        slow, self._still_zi = signal.sosfilt(self._still_sos, magnitude_g, zi=self._still_zi)
        width = int(STILL_WINDOW_S * self.fs)
        self._recent = np.concatenate([self._recent, np.vstack([slow, speed])], axis=1)[:, -width:]
        still = (
            self._recent.shape[1] >= width
            and float(np.std(self._recent[0])) < STILL_MAX_STD_G
            and float(np.percentile(self._recent[1], 95)) < STILL_MAX_GYRO_DPS
        )
        self._still_now = still
        if gyr is None:
            return
        if still:
            self._still_gyr += gyr.sum(axis=1)
            self._still_gyr_n += gyr.shape[1]
            self.gyro_bias_dps = self._still_gyr / self._still_gyr_n
        elif self._still_gyr_n == 0:
            # No still period yet: the pelvis returns to the same posture every
            # stride, so the long-run mean rate is the bias.
            n = gyr.shape[1]
            self._bias_weight = min(self._bias_weight + n, BIAS_MEMORY_S * self.fs)
            w = n / self._bias_weight
            self.gyro_bias_dps = (1 - w) * self.gyro_bias_dps + w * gyr.mean(axis=1)

    def _observe_posture(self, q: np.ndarray) -> None:
        self._n_processed += q.shape[1]
        if not self._still_now or self._n_processed < SETTLE_S * self.fs:
            return  # the tilt loop is still converging from its first guess
        ref = self._still_q if self._still_n else q[:, 0]
        signs = np.sign(ref @ q)
        signs[signs == 0] = 1.0
        self._still_q = self._still_q + (q * signs).sum(axis=1)
        self._still_n += q.shape[1]

    def _mount(self, q_body: np.ndarray) -> np.ndarray:
        if self.reference == "standing":
            q_level = self._still_q / np.linalg.norm(self._still_q)
            return qt.quat_multiply(qt.quat_about_z(-self.heading_rad), q_level)
        if self.axes is not None:
            return qt.matrix_to_quat(axes_matrix(self.axes))
        r_mean = qt.quat_to_matrix(q_body[:, -1])
        return qt.matrix_to_quat(nominal_mount(r_mean, None))
