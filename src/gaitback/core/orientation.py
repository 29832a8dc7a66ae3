"""Sensor orientation and the body frame (x forward, y left, z up).

Two facts of running carry the whole estimate, and neither needs tuning:

* Over whole strides the pelvis goes nowhere, so the mean specific force is
  gravity: its low-frequency part fixes *tilt* (which way is up), however
  violent the impacts inside each stride. The gyroscope, integrated exactly
  (quaternion prefix products), supplies everything faster than a stride.
* After foot strike the body brakes while the vertical force rises, and it
  propels while the force falls, so forward acceleration is anti-correlated
  with the rate of change of vertical force. The lateral force alternates
  sign from step to step and averages out. The horizontal direction of
  ``mean(f_h * d f_z / dt)`` therefore points backward: that fixes *heading*.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from gaitback.core.coarse import CoarseGrid, coarse_grid
from gaitback.core.conditioning import (
    block_means,
    moving_mean,
    posture_coarse,
)
from gaitback.core.heading import (
    block_headings,
    braking_signature,
    heading_consistent,
    heading_from_axes,
    heading_of,
)
from gaitback.core.pelvis import nominal_mount, pelvis_angles
from gaitback.core.quaternions import (
    CHUNK,
    FORMULA_CHUNK,
    matrix_to_quat,
    quat_about_z,
    quat_between,
    quat_from_rotvec,
    quat_mean,
    quat_multiply,
    quat_normalise,
    quat_prefix_products,
    quat_rotate,
    quat_to_matrix,
)
from gaitback.core.ranges import running_sum

#: Cut-off separating "posture" (accelerometer) from "motion within a stride"
#: (gyroscope). Well below the stride frequency of any running (>= 1.1 Hz).
TILT_CUTOFF_HZ = 0.25

#: Rate the orientation is estimated at, Hz (see :func:`orientation_estimate`).
#: Pelvic angles in running carry their content below ~10 Hz (kinematics are
#: low-passed at 6-12 Hz in the running literature), so 50 Hz keeps it with a
#: wide margin: the cubic read-back of a 5 Hz component errs by < 0.5 %.
ORIENTATION_RATE_HZ = 50.0

#: Rate the braking signature (heading) is computed at, Hz: its content (the
#: braking and push-off of each stance) lies below 10 Hz.
SIGNATURE_RATE_HZ = 50.0


# ----------------------------------------------------------------------------- estimates

_UP = np.array([[0.0], [0.0], [1.0]])


def orientation_integrate(
    gyr: np.ndarray,
    sample_rate_hz: float,
    q0: np.ndarray,
    out: np.ndarray | None = None,
    bias_dps: np.ndarray | None = None,
) -> np.ndarray:
    """Integrate body angular rate ``(3, n)`` (deg/s) exactly from the initial ``q0``.

    Trapezoidal rate between samples; quaternion products by prefix scan.
    ``bias_dps`` ``(3,)`` is subtracted chunk by chunk (no full-length copy);
    the result is written into ``out`` ``(4, n)`` when given.
    """
    bias = _bias_column(bias_dps)

    def rotations(lo: int, hi: int) -> np.ndarray:
        omega = np.radians(gyr[:, lo : hi + 1] - bias)
        return 0.5 * (omega[:, 1:] + omega[:, :-1]) / sample_rate_hz

    return _chain(rotations, gyr.shape[1], q0, out)


def spans_integrate(
    rate_dps: np.ndarray,
    spans_s: np.ndarray,
    q0: np.ndarray,
    out: np.ndarray | None = None,
    bias_dps: np.ndarray | None = None,
) -> np.ndarray:
    """Integrate mean angular rates ``(3, n)`` held for ``spans_s`` each.

    Orientation ``k + 1`` is orientation ``k`` turned by ``rate_dps[:, k]`` for
    ``spans_s[k]`` seconds (:class:`gaitback.core.coarse.CoarseGrid`); otherwise
    as :func:`orientation_integrate`.
    """
    bias = _bias_column(bias_dps)

    def rotations(lo: int, hi: int) -> np.ndarray:
        return np.radians(rate_dps[:, lo:hi] - bias) * spans_s[lo:hi]

    return _chain(rotations, rate_dps.shape[1], q0, out)


def _bias_column(bias_dps: np.ndarray | None) -> np.ndarray:
    return np.zeros((3, 1)) if bias_dps is None else np.asarray(bias_dps, float).reshape(3, 1)


def _chain(
    rotations: Callable[[int, int], np.ndarray], n: int, q0: np.ndarray, out: np.ndarray | None
) -> np.ndarray:
    """``out[:, k + 1] = out[:, k] ⊗ exp(rotations(k, k + 1))`` from ``out[:, 0] = q0``."""
    if out is None:
        out = np.empty((4, n))
    out[:, 0] = q0
    # Chunk by chunk, carrying the orientation reached: memory stays bounded by the
    # chunk, not by the recording (a one-hour file would need ~150 MB of temporaries).
    for start in range(1, n, CHUNK):
        stop = min(n, start + CHUNK)
        steps = quat_from_rotvec(rotations(start - 1, stop - 1))
        chain = np.concatenate([out[:, start - 1 : start], steps], axis=1)
        out[:, start - 1 : stop] = quat_prefix_products(chain)
    return out


@dataclass
class _SlowFrame:
    """One block's slow world-frame correction and its braking signature.

    ``correction`` ``(4, k)`` rotates the integrated orientation so that the
    stride-averaged specific force is vertical (tilt) and a horizontal sensor
    direction keeps a still heading (yaw drift); it is known at the sample
    indices ``centres`` (block-relative, fractional) and varies below
    :data:`TILT_CUTOFF_HZ`. ``signature`` ``(2, m)`` is the block's braking
    signature (:func:`gaitback.core.heading.braking_signature`), ``signature_mask`` its running
    samples.
    """

    centres: np.ndarray
    correction: np.ndarray
    signature: np.ndarray
    signature_mask: np.ndarray


def _slow_frame(
    q: np.ndarray, acc: np.ndarray, fs: float, running: np.ndarray, hold_heading: bool
) -> _SlowFrame:
    """The slow corrections of one block's integrated orientation ``q`` ``(4, n)``.

    Gravity pins tilt: the low-passed world specific force must point up.
    Nothing pins heading, and integrated yaw drifts with any residual gyro
    bias (a degree or more per minute): over an hour the frame in which
    forward was found turns far enough to mix lean into obliquity, and yaw
    wraps past +-180 deg. A runner's heading changes slowly next to a stride
    (treadmill: never), so everything in the yaw of a roughly horizontal
    sensor direction below the tilt cut-off is heading, or drift, and is
    removed (``hold_heading``), leaving the within-stride rotation untouched.

    Both corrections are slow world-frame rotations, so they commute with the
    low-pass to well below the sensor's noise: the world specific force is
    computed once, from the integrated orientation.
    """
    f_world = quat_rotate(q, acc)
    up, coarse = posture_coarse(f_world.T, TILT_CUTOFF_HZ, fs)
    correction = quat_between(up.T, np.broadcast_to(_UP, up.T.shape))
    if hold_heading:
        probe = quat_rotate(q, _probe_direction(acc)[:, None])
        level = quat_rotate(correction, posture_coarse(probe.T, TILT_CUTOFF_HZ, fs)[0].T)
        correction = quat_turn_z(correction, -np.arctan2(level[1], level[0]))
    correction = _hemisphere_continuous(correction)
    # The signature from the corrected force, at about SIGNATURE_RATE_HZ.
    every = _signature_every(fs)
    f_means, at = block_means(f_world.T, every)
    del f_world
    f_means = quat_rotate(_interp_quat(correction, coarse, at), np.ascontiguousarray(f_means.T))
    signature = braking_signature(f_means, fs / every)
    mask = block_means(running, every)[0] == 1.0 if every > 1 else running
    return _SlowFrame(coarse, correction, signature, mask)


def _signature_every(fs: float) -> int:
    """Samples per block mean of the braking signature (:data:`SIGNATURE_RATE_HZ`)."""
    return max(1, int(fs // SIGNATURE_RATE_HZ))


def _probe_direction(acc: np.ndarray) -> np.ndarray:
    """A sensor direction that stays roughly horizontal: the sensor axis most
    nearly perpendicular to gravity (the mean specific force), made exactly so."""
    up = acc[:, :: max(1, acc.shape[1] // 4096)].mean(axis=1)
    up = up / np.linalg.norm(up) if np.any(up) else np.array([0.0, 0.0, 1.0])
    axis = np.eye(3)[int(np.argmin(np.abs(up)))]
    probe = axis - np.dot(axis, up) * up
    return probe / np.linalg.norm(probe)


def _hemisphere_continuous(q: np.ndarray) -> np.ndarray:
    """``q`` ``(4, k)`` with signs flipped so that neighbours lie in one hemisphere
    (q and -q are one rotation; interpolating across a flip would pass through 0)."""
    if q.shape[1] > 1:
        flips = np.cumprod(np.where(np.sum(q[:, 1:] * q[:, :-1], axis=0) < 0, -1.0, 1.0))
        q[:, 1:] *= flips
    return q


def _interp_quat(q: np.ndarray, at: np.ndarray, index: np.ndarray) -> np.ndarray:
    """Quaternions ``(4, k)`` known at ``at`` read at ``index``, linearly between
    neighbours and normalised (the corrections turn by well under a degree
    between neighbours, where this equals spherical interpolation)."""
    if len(at) == 1:
        return np.repeat(q, len(index), axis=1)
    out = np.stack([np.interp(index, at, row) for row in q])
    return quat_normalise(out)


def _correct(q: np.ndarray, frame: _SlowFrame, turn_rad: float) -> None:
    """Apply ``Rz(turn) ⊗ correction`` to the block's ``q`` ``(4, n)`` in place."""
    turn = quat_about_z(turn_rad)[:, None]
    correction = quat_multiply(turn, frame.correction)
    for start in range(0, q.shape[1], CHUNK):
        sl = slice(start, start + CHUNK)
        index = np.arange(start, min(start + CHUNK, q.shape[1]))
        q[:, sl] = quat_multiply(_interp_quat(correction, frame.centres, index), q[:, sl])


def quat_turn_z(q: np.ndarray, angle_rad: np.ndarray) -> np.ndarray:
    """``Rz(angle) ⊗ q`` for quaternions ``(4, n)`` and one angle per sample."""
    c, s = np.cos(0.5 * angle_rad), np.sin(0.5 * angle_rad)
    w, x, y, z = q
    return np.stack([c * w - s * z, c * x - s * y, c * y + s * x, c * z + s * w])


@dataclass
class Orientation:
    """Sensor-to-body rotation per sample and the pelvis angles derived from it.

    Attributes
    ----------
    q_kept
        ``(4, m)`` unit quaternions at the ``grid``'s kept samples: body-frame
        vector = ``q ⊗ v_sensor ⊗ q*``.
    grid
        The reduced-rate grid they were estimated on (its layout; the samples
        themselves are spent).
    lean_deg, obliquity_deg, rotation_deg
        Pelvis pitch, roll, yaw (see docs/architecture.md), relative to ``reference``.
    reference
        ``"standing"`` or ``"vertical"``.
    heading_source
        Where forward came from: ``"motion"`` (the braking signature),
        ``"sidecar axes"``, ``"uncertain"`` or ``"none"`` (no running).
    """

    q_kept: np.ndarray
    grid: CoarseGrid
    lean_deg: np.ndarray
    obliquity_deg: np.ndarray
    rotation_deg: np.ndarray
    reference: str
    heading_source: str = "motion"

    @property
    def n_samples(self) -> int:
        return len(self.lean_deg)

    def q_at(self, lo: int, hi: int) -> np.ndarray:
        """The rotation ``(4, hi - lo)`` at full-rate samples ``lo`` to ``hi``: read
        back linearly between kept samples and normalised."""
        return quat_normalise(self.grid.expand_span(self.q_kept, lo, hi))

    @property
    def q_body(self) -> np.ndarray:
        """``(4, n)`` rotation at every sample (23 MB for an hour at 200 Hz: the
        analysis itself walks it span by span, :meth:`to_body`)."""
        return self.q_at(0, self.n_samples)

    def to_body(self, v_sensor: np.ndarray) -> np.ndarray:
        """Rotate sensor-frame vectors ``(n, 3)`` into the body frame ``(n, 3)``.

        Span by span: each span's rotation is read back, normalised and applied
        while it is in the processor's cache, and the full-rate rotation is never
        held.
        """
        n = self.n_samples
        out = np.empty((3, n))
        for lo in range(0, n, FORMULA_CHUNK):
            hi = min(n, lo + FORMULA_CHUNK)
            out[:, lo:hi] = quat_rotate(self.q_at(lo, hi), np.ascontiguousarray(v_sensor[lo:hi].T))
        return out.T

    def body_axis_in_sensor(self, axis: int, index: int) -> np.ndarray:
        """Body axis ``axis`` (0 forward, 1 left, 2 up) in sensor coordinates at ``index``."""
        return quat_to_matrix(self.q_at(index, index + 1)[:, 0])[axis]


def orientation_estimate(
    acc_mps2: np.ndarray,
    gyr_dps: np.ndarray | None,
    sample_rate_hz: float,
    blocks: list[tuple[int, int]],
    running: np.ndarray,
    standing: np.ndarray,
    axes: dict[str, str] | None,
) -> Orientation:
    """Estimate the body frame for every sample.

    Parameters
    ----------
    acc_mps2, gyr_dps
        Uniform-grid sensor signals ``(n, 3)`` (``gyr_dps`` may be ``None``).
    blocks
        Contiguous index ranges; orientation is integrated within each.
    running, standing
        Boolean masks of samples in running / standing segments.
    axes
        The sidecar's nominal mount, used as the zero of lean when no standing
        period exists.

    Notes
    -----
    The pelvis turns smoothly next to the impacts: the estimate runs on every
    ``k``-th sample (about :data:`ORIENTATION_RATE_HZ`; the rotation between two
    kept samples is the sum of the full-rate trapezoids between them) and is
    read back at every sample by interpolation (:mod:`gaitback.core.coarse`),
    which differs from a full-rate estimate by hundredths of a degree
    (``tests/test_orientation_coarse.py`` measures it on a simulated run).
    """
    every = max(1, int(sample_rate_hz // ORIENTATION_RATE_HZ))
    grid = coarse_grid(acc_mps2, gyr_dps, blocks, running, standing, every, sample_rate_hz)
    q, angles, reference, heading_source = _estimate(grid, sample_rate_hz / every, axes)
    # The kept samples are spent (an hour's are 17 MB): only the grid's layout goes on.
    grid = dataclasses.replace(grid, acc=np.zeros((3, 0)), gyr=None)
    kept_angles = np.stack(angles)
    del angles
    lean, obliquity, rotation = grid.expand(kept_angles, np.empty((3, len(running))), cubic=True)
    return Orientation(q, grid, lean, obliquity, rotation, reference, heading_source)


def _estimate(
    grid: CoarseGrid, fs: float, axes: dict[str, str] | None
) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray, np.ndarray], str, str]:
    """The orientation ``(4, m)`` and pelvis angles on ``grid``, its lean reference
    and heading source (see :func:`orientation_estimate`)."""
    acc, gyr, blocks = grid.acc, grid.gyr, grid.blocks
    running, standing = grid.running, grid.standing
    n = acc.shape[1]
    q = np.zeros((4, n))
    if gyr is not None:
        held = grid.spans_s > 0  # a block's last sample holds no rate
        bias = _gyro_bias(gyr, standing & held, running & held, held)
    frames = []
    for start, stop in blocks:
        sl = slice(start, stop)
        if gyr is None or stop - start < 2:
            # Without a gyroscope only the slow tilt is known: the correction is all.
            q[0, sl] = 1.0
        else:
            head = acc[:, start : min(stop, start + max(2, int(0.5 * fs)))].mean(axis=1)
            q0 = quat_between(head[:, None], _UP)[:, 0]
            spans_integrate(gyr[:, sl], grid.spans_s[sl], q0, out=q[:, sl], bias_dps=bias)
        frames.append(_slow_frame(q[:, sl], acc[:, sl], fs, running[sl], gyr is not None))
    sig_rate = fs / _signature_every(fs)
    signature = np.concatenate([f.signature for f in frames], axis=1)
    sig_running = np.concatenate([f.signature_mask for f in frames])
    default = heading_of(signature, sig_running, sig_rate)
    heading_source = "motion" if default is not None else "none"
    consistent = heading_consistent(signature, sig_rate, sig_running)
    del signature, sig_running
    if len(blocks) == 1 and consistent:
        # The usual case: one block, whose heading is the recording's.
        _correct(q, frames[0], -(default or 0.0))
    else:
        for (start, stop), frame in zip(blocks, frames, strict=True):
            _correct(q[:, start:stop], frame, 0.0)
        if not consistent:
            # The braking signature is too weak to trust (no clear braking phase):
            # the sidecar's declared mount gives the heading instead, if there is one.
            heading_source = "uncertain"
            declared = heading_from_axes(q, axes, running)
            if declared is not None:
                default, heading_source = declared, "sidecar axes"
        angles = (
            [default or 0.0]
            if len(blocks) == 1
            else block_headings(
                q,
                [f.signature for f in frames],
                [f.signature_mask for f in frames],
                sig_rate,
                blocks,
                running,
                heading_source,
                axes,
            )
        )
        for (start, stop), angle in zip(blocks, angles, strict=True):
            sl = slice(start, stop)
            turn = quat_about_z(-(angle if angle is not None else (default or 0.0)))[:, None]
            quat_multiply(turn, q[:, sl], out=q[:, sl])

    if standing.sum() >= fs:
        # Trim the edges of standing periods: the window-based labels blur them.
        # (a window of 1 s centred on each sample, cut at the ends, all standing).
        width = int(fs)
        inside = running_sum(standing)
        first = np.arange(n) - width // 2
        count = inside[np.clip(first + width, 0, n)] - inside[np.clip(first, 0, n)]
        trim = count >= width
        inner = standing & trim if trim.sum() >= 0.5 * fs else standing
        q_mount = quat_mean(q, inner)
        reference = "standing"
    else:
        basis = running if running.any() else np.ones(n, bool)
        r_mean = quat_to_matrix(quat_mean(q, basis))
        q_mount = matrix_to_quat(nominal_mount(r_mean, axes))
        reference = "vertical"
    lean, obliquity, rotation = pelvis_angles(q, q_mount, centre_yaw=reference == "vertical")
    if gyr is None:
        # Without a gyroscope only the slow tilt is known; keep its per-stride mean.
        width = int(fs)
        lean = moving_mean(lean, width)
        obliquity = moving_mean(obliquity, width)
    return q, (lean, obliquity, rotation), reference, heading_source


def _gyro_bias(
    gyr_dps: np.ndarray, standing: np.ndarray, running: np.ndarray, held: np.ndarray
) -> np.ndarray:
    """Gyro bias ``(3,)`` of rates ``(3, n)``: the mean rate while standing still, else
    over running (the pelvis comes back to the same posture every stride, so its
    mean rate is zero), else over all ``held`` samples."""
    for mask in (standing, running):
        if mask.sum() > 10:
            return gyr_dps[:, mask].mean(axis=1)
    return gyr_dps[:, held].mean(axis=1)
