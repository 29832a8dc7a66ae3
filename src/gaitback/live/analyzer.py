"""Incremental gait analysis: steps and their metrics shortly after each toe-off.

Pure (no I/O), and no maths of its own: this module only decides when to run
what. Each pushed block goes through the core's causal conditioning
(:mod:`gaitback.core.conditioning_online`) and orientation
(:mod:`gaitback.core.orientation_online`) into a bounded ring of body-frame
signals. Whenever enough new data has arrived (``hop_s``), or as soon as a
pending step's data is complete, the core's own detector
(:func:`gaitback.core.events.steps_detect`), running rule
(:mod:`gaitback.core.activity_online`), side vote
(:mod:`gaitback.core.events_online`) and metrics
(:func:`gaitback.core.metrics.step_table`) run on the last few seconds. A step
is published once the next step's toe-off is ``settle_s`` inside the window (its
zero-phase filters have settled and its step time, flight time and oscillation
are known), and never twice (matched by foot-strike time).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd

from gaitback import schema as col
from gaitback.core.activity_online import RUNNING_LOOKAHEAD_S, running_at_times, running_steps
from gaitback.core.conditioning import lowpass, moving_mean
from gaitback.core.conditioning_online import OnlineConditioning
from gaitback.core.events import EventParams, steps_detect
from gaitback.core.events_online import MAX_STEP_S, SideTracker
from gaitback.core.metrics import (
    pelvic_level_summary,
    step_regularity,
    step_table,
    summary_compute,
)
from gaitback.core.orientation_online import OnlineOrientation
from gaitback.core.result import AnalysisResult
from gaitback.core.signals import PEAK_CUTOFF_HZ, SIDE_CUTOFF_HZ, Stances, body_signals
from gaitback.errors import GaitbackError
from gaitback.live.buffer import SignalRing
from gaitback.recording import Recording, RecordingMeta

# Ring channels.
_T, _V, _F, _L, _LEAN, _OBL, _ROT, _MAG, _BRIDGED = range(9)
_N_CHANNELS = 9

#: How often a strike waiting for the running decision is looked at again (s).
RUNNING_RECHECK_S = 0.1
#: Two detections closer than this (s) are the same step.
SAME_STEP_S = 0.1


class BlockLike(Protocol):
    """What :meth:`LiveAnalyzer.push` reads (``gaitback.acquisition.stream.SampleBlock``)."""

    time_s: np.ndarray
    acc_mps2: np.ndarray
    gyr_dps: np.ndarray | None


@dataclass
class StepUpdate:
    """One published step.

    Attributes
    ----------
    step
        The step's row: every ``gaitback.schema.STEP_COLUMNS`` key.
    ready_s
        Data time at which the step's window was complete (the sample whose
        arrival made it publishable).
    published_s
        Data time of the newest sample when it was published.
    """

    step: dict[str, Any]
    ready_s: float
    published_s: float

    @property
    def foot_strike_s(self) -> float:
        return float(self.step[col.FOOT_STRIKE])

    @property
    def toe_off_s(self) -> float:
        return float(self.step[col.TOE_OFF])

    @property
    def side(self) -> str:
        return str(self.step[col.SIDE])


class LiveAnalyzer:
    """Incremental analysis of one sensor stream.

    Parameters
    ----------
    sample_rate_hz
        Nominal sample rate of the stream.
    has_gyro
        Whether blocks carry gyro rates.
    speed_mps
        Treadmill speed (stride length, vertical ratio).
    axes
        Nominal mount (``{"x": "up", ...}``): the lean zero until the runner has
        stood still for a second.
    window_s
        Length of the recent window the detector runs on.
    hop_s
        Longest data time between two detector runs.
    settle_s
        How far the next step's toe-off must be inside the window.
    rolling_s
        Span of :meth:`rolling_summary`.
    event_params
        Passed to the core's detector (same defaults as offline).
    """

    def __init__(
        self,
        sample_rate_hz: float,
        has_gyro: bool,
        speed_mps: float | None = None,
        axes: Mapping[str, str] | None = None,
        window_s: float = 6.0,
        hop_s: float = 0.3,
        settle_s: float = 0.15,
        rolling_s: float = 30.0,
        event_params: EventParams = EventParams(),  # noqa: B008
    ) -> None:
        if not 40.0 <= sample_rate_hz <= 2000.0:
            raise GaitbackError(f"sample rate {sample_rate_hz:g} Hz is outside 40-2000 Hz")
        if speed_mps is not None and not speed_mps > 0:
            raise GaitbackError(f"speed must be positive, got {speed_mps}")
        self.fs = float(sample_rate_hz)
        self.period_s = 1.0 / self.fs
        self.has_gyro = has_gyro
        self.speed_mps = speed_mps
        self.window_n = int(round(window_s * self.fs))
        self.hop_n = max(1, int(round(hop_s * self.fs)))
        self.settle_s = settle_s
        self.max_wait_s = MAX_STEP_S
        self.rolling_s = rolling_s
        self.params = event_params
        self.conditioning = OnlineConditioning(self.fs)
        self.orientation = OnlineOrientation(self.fs, has_gyro, axes)
        self.ring = SignalRing(_N_CHANNELS, self.window_n + self.hop_n)
        self.recent: deque[dict[str, Any]] = deque(maxlen=int(rolling_s * 5) + 10)
        # Every published step, for the whole-run summary (a 3-hour run is ~30k rows).
        self.published: list[dict[str, Any]] = []
        self.n_samples = 0
        self.n_detections = 0
        self._sides = SideTracker()
        self._last_published_strike_s = -np.inf
        self._since_tick = 0
        self._due_s = np.inf
        self._pending: list[tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray]] = []

    # ------------------------------------------------------------------ input

    def push(self, block: BlockLike) -> list[StepUpdate]:
        """Take consecutive samples; return the steps that became complete."""
        return self.push_arrays(block.time_s, block.acc_mps2, block.gyr_dps)

    def push_arrays(
        self, time_s: np.ndarray, acc_mps2: np.ndarray, gyr_dps: np.ndarray | None
    ) -> list[StepUpdate]:
        """Like :meth:`push` with plain arrays (``(n,)``, ``(n, 3)``, ``(n, 3)`` or None)."""
        acc = np.asarray(acc_mps2, dtype=float)
        gyr = np.asarray(gyr_dps, dtype=float) if (self.has_gyro and gyr_dps is not None) else None
        if self.has_gyro and gyr is None and len(time_s):
            raise GaitbackError("this live analysis expects gyro rates, the block has none")
        out: list[StepUpdate] = []
        for run in self.conditioning.runs(time_s, acc, gyr):
            if run.after_long_gap:
                # The bout ends at a hole too long to bridge.
                out.extend(self._tick(final=True))
                self.ring.clear()
                self.orientation.restart()
                self._due_s = np.inf
            self._pending.append((run.time_s, run.acc_mps2, run.gyr_dps, run.bridged))
            self.n_samples += len(run.time_s)
            self._since_tick += len(run.time_s)
            if self._since_tick >= self.hop_n or run.time_s[-1] >= self._due_s:
                out.extend(self._tick())
        return out

    @property
    def lost_samples(self) -> int:
        """Samples missing from the stream so far."""
        return self.conditioning.lost_samples

    def _process_pending(self) -> None:
        """Orient the samples received since the last detector run, in one batch.

        Steps are only published by the detector, so orienting per detector run
        instead of per received block costs no latency and far fewer calls.
        """
        if not self._pending:
            return
        t = np.concatenate([p[0] for p in self._pending])
        acc = np.concatenate([p[1] for p in self._pending])
        gyr = None if self._pending[0][2] is None else np.concatenate([p[2] for p in self._pending])
        bridged = np.concatenate([p[3] for p in self._pending])
        self._pending.clear()
        body = self.orientation.process(acc, gyr)
        self.ring.extend(
            np.vstack(
                [
                    t,
                    body.body_g.T,
                    body.lean_deg,
                    body.obliquity_deg,
                    body.rotation_deg,
                    body.magnitude_g,
                    bridged,
                ]
            )[[0, 3, 1, 2, 4, 5, 6, 7, 8]]
        )

    def finish(self) -> list[StepUpdate]:
        """End of the stream: publish what can still be completed."""
        return self._tick(final=True)

    # ------------------------------------------------------------------ detection

    def _tick(self, final: bool = False) -> list[StepUpdate]:
        self._process_pending()
        self._since_tick = 0
        self._due_s = np.inf
        w = self.ring.last(self.window_n)
        if w.shape[1] < int(self.fs):
            return []
        self.n_detections += 1
        t = w[_T]
        t_end = float(t[-1])
        # Strikes lost in a bridged hole are timed as offline (from their peak).
        ev = steps_detect(t, w[_V], self.fs, self.params, w[_BRIDGED] > 0.5)
        strike, toe = ev.foot_strike_s, ev.toe_off_s
        if len(strike) == 0:
            return []
        new = strike > self._last_published_strike_s + SAME_STEP_S
        idx = np.flatnonzero(new)
        if len(idx) == 0:
            return []
        next_strike = np.append(strike[1:], np.inf)
        next_toe = np.append(toe[1:], np.inf)
        has_next = next_strike - strike <= MAX_STEP_S
        ready_at = np.where(has_next, next_toe + self.settle_s, toe + self.max_wait_s)
        # A strike whose surroundings do not (yet) look like running, e.g. the
        # first of a bout, waits until the window a second later is in.
        clear = running_at_times(t, w[_MAG], strike, self.fs)
        ready_at = np.where(clear, ready_at, np.maximum(ready_at, strike + RUNNING_LOOKAHEAD_S))
        # Steps are published in order: none is ready before the one before it.
        ready_at = np.maximum.accumulate(ready_at)
        if final:
            # The bout ends here: steps without a usable next contact are last steps.
            ready_at = np.where(has_next & (next_toe < t_end), np.minimum(ready_at, t_end), toe)
        ready = ready_at <= t_end
        first_pending = next((k for k in idx if not ready[k]), None)
        if first_pending is not None:
            due = float(ready_at[first_pending])
            step_s = self._sides.median_step_s
            if not has_next[first_pending] and step_s is not None:
                # The next contact is not in yet: expect it one step later, so the
                # detector runs when it should be complete rather than a hop later.
                due = min(due, float(toe[first_pending] + step_s))
                due += self.settle_s
            if not clear[first_pending]:
                # Whether it is running becomes clear as data arrive: look again soon.
                due = min(due, t_end + RUNNING_RECHECK_S)
            self._due_s = due
            idx = idx[idx < first_pending]
        if len(idx) == 0:
            return []
        sides = np.full(len(strike), col.SIDE_UNKNOWN, dtype=object)
        if self.has_gyro:
            lateral = lowpass(w[_L], SIDE_CUTOFF_HZ, self.fs)
            sides[idx] = self._sides.assign(t, lateral, w[_OBL], strike[idx], toe[idx])
        segment_end = np.where(has_next, t_end, strike)
        if final:
            segment_end = np.where(next_toe < t_end, segment_end, strike)
        # Without a gyroscope the causal tilt keeps the stride's ripple: a 1-s mean.
        lean = w[_LEAN] if self.has_gyro else moving_mean(w[_LEAN], int(self.fs))
        signals = body_signals(
            t,
            self.fs,
            w[_V],
            w[_F],
            self.params.edge_cutoff_hz,
            lean_deg=lean,
            obliquity_deg=w[_OBL] if self.has_gyro else None,
            rotation_deg=w[_ROT] if self.has_gyro else None,
        )
        table = step_table(signals, Stances(strike, toe, sides, segment_end, ev.active_peak_g))
        running = running_steps(t, w[_MAG], strike[idx], self.fs)
        out = []
        for k, is_running in zip(idx, running, strict=True):
            self._last_published_strike_s = float(strike[k])
            if not is_running:
                continue
            row = {c: table.iloc[k][c] for c in col.STEP_COLUMNS}
            row[col.SIDE] = str(row[col.SIDE])
            self.recent.append(row)
            self.published.append(row)
            out.append(StepUpdate(row, float(ready_at[k]), t_end))
        return out

    # ------------------------------------------------------------------ summaries

    def recent_steps(self, span_s: float | None = None) -> pd.DataFrame:
        """Published steps of the last ``span_s`` (default ``rolling_s``) as a step table."""
        span = self.rolling_s if span_s is None else span_s
        rows = list(self.recent)
        last_t = self.conditioning.last_t
        if rows and last_t is not None:
            rows = [r for r in rows if r[col.FOOT_STRIKE] >= last_t - span]
        if not rows:
            return pd.DataFrame(
                {c: pd.Series(dtype=object if c == col.SIDE else float) for c in col.STEP_COLUMNS}
            )
        return pd.DataFrame(rows, columns=list(col.STEP_COLUMNS))

    def _extra(self) -> dict[str, Any]:
        return {
            "lean_reference": self.orientation.reference,
            "sample_rate_hz": self.fs,
            "lost_samples": int(self.lost_samples),
            "has_gyro": self.has_gyro,
            "step_regularity": None,
            "stride_regularity": None,
        }

    def rolling_summary(self) -> dict[str, Any]:
        """Summary (``docs/architecture.md`` keys) over the steps of the last ``rolling_s``."""
        self._process_pending()
        steps = self.recent_steps()
        if len(steps):
            running_s = float(steps[col.TOE_OFF].iloc[-1] - steps[col.FOOT_STRIKE].iloc[0])
        else:
            running_s = 0.0
        extra = self._extra()
        w = self.ring.last(self.window_n)
        step_ms = steps[col.STEP_TIME].to_numpy(float)
        if len(steps) and np.isfinite(step_ms).any() and w.shape[1] > 0:
            vertical = lowpass(w[_V], PEAK_CUTOFF_HZ, self.fs)
            extra["step_regularity"], extra["stride_regularity"] = step_regularity(
                vertical, step_ms, self.fs
            )
        if self.has_gyro and len(steps) and w.shape[1] > 0:
            # Camber vs stance drop, as offline, over the steps still in the window.
            t = w[_T]
            inside = steps[steps[col.FOOT_STRIKE] >= t[0]]
            stances = Stances(
                inside[col.FOOT_STRIKE].to_numpy(float),
                inside[col.TOE_OFF].to_numpy(float),
                inside[col.SIDE].to_numpy(object),
                np.full(len(inside), t[-1]),
            )
            extra.update(pelvic_level_summary(t, w[_OBL], stances))
        return summary_compute(
            steps, min(self.rolling_s, self.duration_s), running_s, self.speed_mps, extra
        )

    @property
    def duration_s(self) -> float:
        first_t, last_t = self.conditioning.first_t, self.conditioning.last_t
        if first_t is None or last_t is None:
            return 0.0
        return last_t - first_t

    def overall_summary(self) -> dict[str, Any]:
        """The whole-run summary over every step published so far.

        The offline formulas (:func:`gaitback.core.metrics.summary_compute`) on
        the published steps, so the keys and definitions are the offline ones;
        what needs the whole recording's signals (regularity, the pelvis level
        in flight, the heading's source) is ``None`` until the final analysis.
        """
        self._process_pending()
        steps = pd.DataFrame(self.published, columns=list(col.STEP_COLUMNS))
        running_s = 0.0
        if len(steps):
            running_s = float(steps[col.TOE_OFF].iloc[-1] - steps[col.FOOT_STRIKE].iloc[0])
        return summary_compute(steps, self.duration_s, running_s, self.speed_mps, self._extra())

    def rolling_result(self) -> AnalysisResult:
        """The rolling window as an :class:`AnalysisResult` (for the feedback layer)."""
        meta = RecordingMeta(sample_rate_hz=self.fs, treadmill_speed_mps=self.speed_mps)
        frame = pd.DataFrame({c: pd.Series(dtype=float) for c in col.REQUIRED})
        return AnalysisResult(
            steps=self.recent_steps(),
            summary=self.rolling_summary(),
            segments=pd.DataFrame(columns=["start_s", "end_s", "activity"]),
            signals=pd.DataFrame(),
            recording=Recording(frame, meta, "<live>"),
        )
