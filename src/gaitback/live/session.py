"""A live treadmill session: stream -> recorder + live analysis -> dashboard and cues;
at the end, the full offline analysis and report of the recording.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import os
import signal
import sys
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from gaitback import schema as col
from gaitback.acquisition.recorder import RecordSummary, record_stream
from gaitback.acquisition.stream import (
    AcquisitionStream,
    Connected,
    Disconnected,
    Gap,
    Reconnected,
    SampleBlock,
    StreamItem,
)
from gaitback.acquisition.transport import TransportError
from gaitback.core.result import AnalysisResult
from gaitback.errors import GaitbackError
from gaitback.feedback.thresholds import thresholds_load
from gaitback.live.analyzer import LiveAnalyzer, StepUpdate
from gaitback.live.coaching import Coach
from gaitback.live.sound import CueSpeaker
from gaitback.present.dashboard import DashboardState, PlainDashboard, RichDashboard

#: Data time between two findings evaluations (s).
EVALUATE_EVERY_S = 2.0
#: Host time over which the effective sample rate is measured (s).
RATE_WINDOW_S = 5.0


@dataclass
class LiveOptions:
    """What ``gaitback live`` was asked to do."""

    record_path: Path
    out_dir: Path
    speed_mps: float | None = None
    duration_s: float | None = None
    quiet: bool = False
    cue_interval_s: float = 20.0
    thresholds_path: str | None = None
    save_history: bool = True
    db: str | None = None
    shoe: str | None = None


@dataclass
class LiveOutcome:
    """What a session produced."""

    record: RecordSummary
    live_steps_path: Path
    n_live_steps: int
    reconnects: int
    paths: dict[str, Path] = field(default_factory=dict)
    final_summary: dict[str, Any] = field(default_factory=dict)
    result: AnalysisResult | None = None


class LiveSession:
    """Glue between one acquisition stream, the live analysis and the displays.

    Parameters
    ----------
    stream
        The acquisition stream (with reconnect).
    options
        Paths and settings.
    dashboard
        :class:`RichDashboard` or :class:`PlainDashboard`.
    speaker
        Sounds cues.
    on_step
        Called with every published step (tests, benchmarks).
    """

    def __init__(
        self,
        stream: AcquisitionStream,
        options: LiveOptions,
        dashboard: RichDashboard | PlainDashboard,
        speaker: CueSpeaker,
        on_step: Callable[[StepUpdate], None] | None = None,
    ) -> None:
        self.stream = stream
        self.options = options
        self.dashboard = dashboard
        self.speaker = speaker
        self.on_step = on_step
        self.coach = Coach(
            cue_interval_s=options.cue_interval_s,
            thresholds=thresholds_load(options.thresholds_path),
        )
        self.analyzer: LiveAnalyzer | None = None
        self.state = DashboardState(
            recording_path=str(options.record_path), thresholds=self.coach.thresholds
        )
        self.reconnects = 0
        self.n_steps = 0
        self._arrivals: deque[tuple[float, int]] = deque()
        self._next_eval_s = EVALUATE_EVERY_S
        self._analysis_failed: str | None = None
        self.live_steps_path = options.out_dir / "live_steps.csv"
        self._steps_file: TextIO | None = None
        self._steps_csv: Any = None

    # ------------------------------------------------------------------ stream items

    def handle(self, item: StreamItem) -> None:
        """Take one stream item (after the recorder has written it)."""
        st = self.state
        if isinstance(item, SampleBlock):
            if self._analysis_failed is None:
                try:
                    self._block(item)
                except Exception as exc:
                    # The recording matters more than the live view: keep recording,
                    # say why the figures stopped, let the offline analysis speak at the end.
                    self._analysis_failed = f"{type(exc).__name__}: {exc}"
                    self.dashboard.event(f"live analysis stopped ({self._analysis_failed})")
            return
        if isinstance(item, Connected):
            st.connection, st.connected, st.device = "connected", True, item.description
            self.dashboard.event(f"connected: {item.description}")
        elif isinstance(item, Reconnected):
            self.reconnects += 1
            st.connection, st.connected = "reconnected", True
            self.dashboard.event(f"reconnected: {item.description}")
        elif isinstance(item, Disconnected):
            st.connection, st.connected = "DISCONNECTED - reconnecting", False
            st.disconnects += 1
            self.dashboard.event(
                f"disconnected at {item.time_s:.1f} s ({item.reason}); reconnecting"
            )
        elif isinstance(item, Gap):
            st.lost_samples = self.stream.lost_samples
        self.dashboard.update(st)

    def _block(self, block: SampleBlock) -> None:
        if self.analyzer is None:
            profile = self.stream.profile
            self.analyzer = LiveAnalyzer(
                self.stream.sample_rate_hz,
                block.gyr_dps is not None,
                speed_mps=self.options.speed_mps,
                axes=profile.axes,
            )
            self.state.nominal_rate_hz = self.stream.sample_rate_hz
        now = time.monotonic()
        self._arrivals.append((now, len(block)))
        while self._arrivals and now - self._arrivals[0][0] > RATE_WINDOW_S:
            self._arrivals.popleft()
        updates = self.analyzer.push(block)
        for update in updates:
            self._publish(update)
        st = self.state
        span = now - self._arrivals[0][0]
        if span > 0.5:
            st.effective_rate_hz = sum(n for _, n in list(self._arrivals)[1:]) / span
        st.lost_samples = self.stream.lost_samples
        st.elapsed_s = float(block.time_s[-1])
        if st.elapsed_s >= self._next_eval_s:
            self._next_eval_s = st.elapsed_s + EVALUATE_EVERY_S
            self._evaluate(st.elapsed_s)
        self.dashboard.update(st)

    def _publish(self, update: StepUpdate) -> None:
        if self._steps_csv is None:
            # Created with the first step, so a failed connection leaves no files.
            self.options.out_dir.mkdir(parents=True, exist_ok=True)
            self._steps_file = open(self.live_steps_path, "w", newline="", encoding="utf-8")
            self._steps_csv = csv.writer(self._steps_file)
            self._steps_csv.writerow([*col.STEP_COLUMNS, "ready_s", "published_s"])
        self.n_steps += 1
        self.state.n_steps = self.n_steps
        self._steps_csv.writerow(
            [update.step[c] for c in col.STEP_COLUMNS] + [update.ready_s, update.published_s]
        )
        if self.on_step is not None:
            self.on_step(update)

    def _evaluate(self, now_s: float) -> None:
        assert self.analyzer is not None
        result = self.analyzer.rolling_result()
        self.state.summary = result.summary
        cue = self.coach.update(result, now_s)
        active = self.coach.active()
        self.state.active = active
        if cue is not None:
            self.state.cue, self.state.cue_severity = cue.text, cue.severity
            self.dashboard.event(f"cue ({cue.severity}): {cue.text}")
            self.speaker.say(cue.text)
        elif not active:
            self.state.cue = self.state.cue_severity = ""

    def finish(self) -> None:
        if self.analyzer is not None:
            for update in self.analyzer.finish():
                self._publish(update)
            self.state.summary = self.analyzer.rolling_summary()
        if self._steps_file is not None:
            self._steps_file.close()
        self.speaker.close()

    # ------------------------------------------------------------------ running

    async def run(self, stop_when: Callable[[], bool] | None = None) -> RecordSummary:
        """Record and analyse until the duration, Ctrl-C / SIGTERM, or ``stop_when()``."""
        task = asyncio.ensure_future(
            record_stream(
                self.stream,
                self.options.record_path,
                duration_s=self.options.duration_s,
                on_item=self.handle,
            )
        )
        loop = asyncio.get_running_loop()
        installed = []
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(sig, task.cancel)
                installed.append(sig)
        try:
            while not task.done():
                await asyncio.wait({task}, timeout=0.1)
                if stop_when is not None and not task.done() and stop_when():
                    task.cancel()
            return task.result()
        finally:
            for sig in installed:
                loop.remove_signal_handler(sig)


def make_dashboard(stream: TextIO | None = None) -> RichDashboard | PlainDashboard:
    """Rich full-screen dashboard on a terminal, plain lines otherwise."""
    out = stream if stream is not None else sys.stdout
    if out.isatty() and os.environ.get("TERM") != "dumb":
        return RichDashboard()
    return PlainDashboard(out)


def final_analysis(options: LiveOptions) -> tuple[dict[str, Path], dict[str, Any]]:
    """The offline analysis of the recording, its report, ``steps.csv`` and ``summary.json``.

    Returns the paths written and the summary (see :func:`final_result` for the analysis).
    """
    paths, result = final_result(options)
    return paths, result.summary


def final_result(options: LiveOptions) -> tuple[dict[str, Path], AnalysisResult]:
    """:func:`final_analysis`, returning the analysis itself (its ``findings`` filled in),
    so the end of the session can show the summary and the findings on screen."""
    from gaitback.api import analyze
    from gaitback.history import default_db_path
    from gaitback.workflow import SessionOptions, session_process

    result = analyze(options.record_path, speed_mps=options.speed_mps)
    report = options.out_dir / "report.html"
    # Saved once, after the recorder closed the file: its content is the identity.
    outcome = session_process(
        result,
        SessionOptions(
            report_path=report,
            thresholds_path=options.thresholds_path,
            history=options.save_history,
            db=options.db,
            shoe=options.shoe,
        ),
    )
    paths = result.to_dir(options.out_dir)
    paths["report"] = report
    if outcome.saved:
        paths["history"] = Path(options.db or default_db_path())
    return paths, result


def run_session(
    stream: AcquisitionStream,
    options: LiveOptions,
    dashboard: RichDashboard | PlainDashboard,
    speaker: CueSpeaker,
    stop_when: Callable[[], bool] | None = None,
    on_step: Callable[[StepUpdate], None] | None = None,
) -> LiveOutcome:
    """Run a whole session: live part, then the offline analysis and report.

    Raises
    ------
    GaitbackError
        The device could not be reached, or nothing was recorded.
    """
    session = LiveSession(stream, options, dashboard, speaker, on_step=on_step)
    lost_device: str | None = None
    try:
        with dashboard:
            try:
                record = asyncio.run(session.run(stop_when))
            except TransportError as exc:
                if not options.record_path.exists():
                    raise
                lost_device = str(exc)
                record = RecordSummary(options.record_path)
    finally:
        session.finish()
    if lost_device:
        print(f"gaitback: {lost_device}; analysing what was recorded", file=sys.stderr)
    if not options.record_path.exists():
        raise GaitbackError("nothing was recorded (no data from the device)")
    outcome = LiveOutcome(record, session.live_steps_path, session.n_steps, session.reconnects)
    outcome.paths, outcome.result = final_result(options)
    outcome.final_summary = dict(outcome.result.summary)
    return outcome
