"""Findings evaluated continuously, with hysteresis, and the cue to give now.

The feedback layer's :func:`gaitback.feedback.findings_evaluate` runs on the
rolling analysis (last 30 s). Its raw severity jitters near a threshold, so a
cue enters only after ``enter_n`` consecutive raised evaluations and leaves
only after ``leave_n`` consecutive clearly-ok ones. At most one cue is spoken
per ``cue_interval_s``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from gaitback.core.result import AnalysisResult
from gaitback.feedback import findings_evaluate
from gaitback.feedback.findings import Finding
from gaitback.feedback.thresholds import Thresholds, thresholds_load

#: Short cue per finding: what to do, in a few words a runner can act on mid-stride.
CUE_TEXT: Final = {
    "overstriding": "cadence low: quicker, shorter steps",
    "leaning": "run tall: less forward lean",
    "uneven_surface": "uneven loading: check the belt and your footing",
    "pelvic_drop": "hips level: squeeze the glutes",
    "asymmetry": "uneven left and right: even out your stride",
    "high_impact": "land softer: quieter feet",
    "fatigue": "form fading: ease off or take a break",
}
_RANK: Final = {"ok": 0, "watch": 1, "act": 2}


@dataclass
class Cue:
    """A cue to give the runner."""

    finding_id: str
    severity: str
    text: str
    time_s: float


@dataclass
class _Track:
    state: str = "ok"
    raised_run: int = 0
    ok_run: int = 0
    worst: str = "watch"
    last_cued_s: float = float("-inf")


@dataclass
class Coach:
    """Hysteresis over repeated findings evaluations, and cue pacing.

    Parameters
    ----------
    thresholds
        Feedback thresholds (the shipped defaults when ``None``).
    enter_n
        Consecutive raised (watch/act) evaluations before a finding is shown.
    leave_n
        Consecutive ok evaluations before it is cleared.
    cue_interval_s
        Shortest time between two cues (any finding).
    repeat_s
        A finding still raised is cued again after this long.
    min_steps
        No evaluation before the rolling window holds this many steps.
    """

    thresholds: Thresholds | None = None
    enter_n: int = 3
    leave_n: int = 3
    cue_interval_s: float = 20.0
    repeat_s: float = 90.0
    min_steps: int = 20
    tracks: dict[str, _Track] = field(default_factory=dict)
    last_cue: Cue | None = None
    _last_cue_s: float = float("-inf")

    def __post_init__(self) -> None:
        if self.thresholds is None:
            self.thresholds = thresholds_load()

    def update(self, result: AnalysisResult, now_s: float) -> Cue | None:
        """Evaluate ``result`` (the rolling analysis) at data time ``now_s``.

        Returns the cue to give now, or ``None``.
        """
        if len(result.steps) < self.min_steps:
            return None
        # A cue reacts to the last seconds; the end-of-run summary applies the enough-data rule.
        findings = findings_evaluate(
            result, thresholds=self.thresholds, require_enough_running=False
        )
        return self.observe(findings, now_s)

    def observe(self, findings: list[Finding], now_s: float) -> Cue | None:
        """Advance the hysteresis with one evaluation; return the cue to give now, if any."""
        for f in findings:
            track = self.tracks.setdefault(f.id, _Track())
            if not f.evaluated:
                continue  # no data is no evidence either way: keep the state
            if f.raised:
                track.raised_run += 1
                track.ok_run = 0
                if track.state == "ok" and track.raised_run >= self.enter_n:
                    track.state = f.severity
                elif track.state != "ok":
                    track.state = f.severity  # watch <-> act moves without delay
            else:
                track.ok_run += 1
                track.raised_run = 0
                if track.state != "ok" and track.ok_run >= self.leave_n:
                    track.state = "ok"
        return self._pick(now_s)

    def active(self) -> list[tuple[str, str]]:
        """``(finding id, severity)`` of the findings currently shown, worst first."""
        items = [(fid, t.state) for fid, t in self.tracks.items() if t.state != "ok"]
        return sorted(items, key=lambda item: -_RANK[item[1]])

    def _pick(self, now_s: float) -> Cue | None:
        if now_s - self._last_cue_s < self.cue_interval_s:
            return None
        due = [
            (fid, sev)
            for fid, sev in self.active()
            if now_s - self.tracks[fid].last_cued_s >= self.repeat_s
        ]
        if not due:
            return None
        fid, severity = due[0]
        self.tracks[fid].last_cued_s = now_s
        self._last_cue_s = now_s
        self.last_cue = Cue(fid, severity, CUE_TEXT.get(fid, fid.replace("_", " ")), now_s)
        return self.last_cue
