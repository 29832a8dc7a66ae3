"""Foot strike, toe-off and side of every running step.

Physics used: while a foot is on the ground the vertical specific force at the
pelvis equals the vertical ground reaction force per unit mass; in flight it is
zero (free fall). So each stance is one positive pulse of vertical specific
force, rising from the flight baseline at foot strike and returning to it at
toe-off. Its edges are located by the straight line through the 20 % and 50 %
crossings of the pulse, extrapolated to the baseline: the intercept is
insensitive to how sharp the pulse is, to noise near the baseline, and to
zero-phase smoothing (which widens the foot of the edge but not its middle).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import signal, stats

from gaitback import columns as col
from gaitback.core.conditioning import lowpass
from gaitback.core.ranges import mean_between, padded_rows


@dataclass(frozen=True)
class EventParams:
    """Parameters of step and contact detection.

    Parameters
    ----------
    edge_cutoff_hz
        Low-pass applied before locating edges; a stance pulse (>= 120 ms)
        has nearly all its energy below 30 Hz.
    envelope_cutoff_hz
        Low-pass for finding one peak per stance (merges impact transient and
        active peak, which are < 100 ms apart).
    low_level, high_level
        Fractions of the pulse height (above the flight baseline) whose
        crossings define the edge line.
    min_peak_g
        A stance pulse must exceed this: the mean vertical specific force over
        a step is 1 g and stance is shorter than the step, so its peak is
        well above 1 g.
    cadence_range_spm
        Plausible running cadences, bounding the step period search.
    contact_range_ms
        Plausible running contact times; steps outside are dropped.
    """

    edge_cutoff_hz: float = 30.0
    envelope_cutoff_hz: float = 8.0
    low_level: float = 0.1
    high_level: float = 0.3
    min_peak_g: float = 1.2
    cadence_range_spm: tuple[float, float] = (110.0, 240.0)
    contact_range_ms: tuple[float, float] = (80.0, 600.0)


@dataclass
class StepEvents:
    """Detected steps of one running segment (times on the grid's time base)."""

    foot_strike_s: np.ndarray
    toe_off_s: np.ndarray
    peak_idx: np.ndarray


def step_period_s(vertical_g: np.ndarray, sample_rate_hz: float, params: EventParams) -> float:
    """Dominant step period from the autocorrelation of vertical specific force."""
    x = vertical_g - vertical_g.mean()
    n = len(x)
    spectrum = np.fft.rfft(x, 2 * n)
    acf = np.fft.irfft(spectrum * np.conj(spectrum))[:n]
    lo = int(60.0 / params.cadence_range_spm[1] * sample_rate_hz)
    hi = min(int(60.0 / params.cadence_range_spm[0] * sample_rate_hz), n - 1)
    if hi <= lo + 1:
        return 60.0 / 170.0
    lag = lo + int(np.argmax(acf[lo:hi]))
    # A stride (two steps) can correlate better than a step when left and right
    # differ; prefer the half lag when it also shows a clear peak.
    half = lag // 2
    if half >= lo and acf[half] > 0.5 * acf[lag]:
        lag = half
    return lag / sample_rate_hz


def steps_detect(
    time_s: np.ndarray,
    vertical_g: np.ndarray,
    sample_rate_hz: float,
    params: EventParams = EventParams(),
    bridged: np.ndarray | None = None,
) -> StepEvents:
    """Detect the stances of one running segment.

    Parameters
    ----------
    time_s
        Uniform grid times of the segment.
    vertical_g
        Body-frame vertical specific force in g.
    bridged
        True where a sample was interpolated across a short gap.
    """
    empty = StepEvents(np.array([]), np.array([]), np.array([], dtype=int))
    fs = sample_rate_hz
    if len(vertical_g) < int(0.5 * fs):
        return empty
    edge = lowpass(vertical_g, min(params.edge_cutoff_hz, 0.4 * fs), fs)
    envelope = lowpass(vertical_g, params.envelope_cutoff_hz, fs)
    period = step_period_s(envelope, fs, params)
    peaks, _ = signal.find_peaks(
        envelope,
        height=params.min_peak_g,
        distance=max(1, int(0.6 * period * fs)),
        prominence=0.5,
    )
    if len(peaks) == 0:
        return empty
    # Flight troughs between consecutive peaks (and half a period outside the ends).
    reach = int(0.6 * period * fs)
    bounds = np.concatenate(
        [[max(0, peaks[0] - reach)], peaks, [min(len(edge) - 1, peaks[-1] + reach)]]
    )
    # Cap the search so that a pause inside a segment cannot blow up the work.
    troughs = _argmin_between(edge, bounds[:-1], np.minimum(bounds[1:], bounds[:-1] + 2 * reach))
    before, after = troughs[:-1], troughs[1:]
    height = edge[peaks]
    base_before = np.maximum(edge[before], 0.0)
    base_after = np.maximum(edge[after], 0.0)
    lo, hi = params.low_level, params.high_level
    before = np.maximum(before, peaks - 2 * reach)
    after = np.minimum(after, peaks + 2 * reach)
    # The high level is crossed once per edge; the low one is taken next to it
    # (the last rise through it before the high crossing, the first fall after),
    # so that noise or soft-tissue wobble in flight cannot pose as an edge.
    level_lo_fs = base_before + lo * (height - base_before)
    level_lo_to = base_after + lo * (height - base_after)
    fs_hi = _crossing(edge, before, peaks, base_before + hi * (height - base_before), True)
    fs_hi_i = np.where(np.isfinite(fs_hi), np.ceil(np.nan_to_num(fs_hi)), peaks).astype(int)
    fs_lo = _crossing(edge, before, np.maximum(fs_hi_i, before + 1), level_lo_fs, True, "last")
    to_hi = _crossing(edge, peaks, after, base_after + hi * (height - base_after), False)
    to_hi_i = np.where(np.isfinite(to_hi), np.floor(np.nan_to_num(to_hi)), peaks).astype(int)
    to_lo = _crossing(edge, np.minimum(to_hi_i, after - 1), after, level_lo_to, False, "first")
    if bridged is not None and bridged.any():
        # Where the low crossing falls in interpolated samples (a lost packet),
        # the edge is drawn through two crossings higher up that are real data.
        mid = 2 * hi - lo
        fs_mid = _crossing(edge, before, peaks, base_before + mid * (height - base_before), True)
        to_mid = _crossing(edge, peaks, after, base_after + mid * (height - base_after), False)
        near = np.minimum(np.nan_to_num(fs_lo).astype(int), len(edge) - 2)
        fs_bad = bridged[near] | bridged[near + 1]
        near = np.minimum(np.nan_to_num(to_lo).astype(int), len(edge) - 2)
        to_bad = bridged[near] | bridged[near + 1]
        fs_lo = np.where(fs_bad, fs_hi, fs_lo)
        fs_hi = np.where(fs_bad, fs_mid, fs_hi)
        to_lo = np.where(to_bad, to_hi, to_lo)
        to_hi = np.where(to_bad, to_mid, to_hi)
        lo_eff_fs = np.where(fs_bad, hi, lo)
        lo_eff_to = np.where(to_bad, hi, lo)
        hi_eff_fs = np.where(fs_bad, mid, hi)
        hi_eff_to = np.where(to_bad, mid, hi)
    else:
        lo_eff_fs = lo_eff_to = np.full(len(peaks), lo)
        hi_eff_fs = hi_eff_to = np.full(len(peaks), hi)
    strike = fs_lo - lo_eff_fs / (hi_eff_fs - lo_eff_fs) * (fs_hi - fs_lo)
    toe_off = to_lo + lo_eff_to / (hi_eff_to - lo_eff_to) * (to_lo - to_hi)
    t_strike = np.interp(strike, np.arange(len(time_s)), time_s)
    t_toe = np.interp(toe_off, np.arange(len(time_s)), time_s)
    contact_ms = (t_toe - t_strike) * 1000
    ok = (
        np.isfinite(contact_ms)
        & (contact_ms >= params.contact_range_ms[0])
        & (contact_ms <= params.contact_range_ms[1])
        & (height - np.maximum(base_before, base_after) > 0.5)
    )
    # The first and last pulses may be cut by the segment edge.
    ok &= (strike > 1) & (toe_off < len(time_s) - 2)
    return StepEvents(t_strike[ok], t_toe[ok], peaks[ok])


def _argmin_between(x: np.ndarray, starts: np.ndarray, stops: np.ndarray) -> np.ndarray:
    """Index of the minimum of ``x[start:stop]`` (stop included) for each pair."""
    rows, valid = padded_rows(x, starts, stops + 1)
    return starts + np.argmin(np.where(valid, rows, np.inf), axis=1)


def _crossing(
    x: np.ndarray,
    starts: np.ndarray,
    stops: np.ndarray,
    level: np.ndarray,
    rising: bool,
    which: str | None = None,
) -> np.ndarray:
    """Fractional index where ``x`` crosses ``level`` inside each ``[start, stop)``.

    ``which`` picks the ``"first"`` or ``"last"`` crossing; by default the
    first upward crossing (after a flight trough) or the last downward one
    (before the next trough). NaN where there is none.
    """
    if which is None:
        which = "first" if rising else "last"
    width = int(np.max(stops - starts)) + 1
    idx = starts[:, None] + np.arange(width)[None, :]
    inside = idx < stops[:, None]
    idx = np.minimum(idx, len(x) - 2)
    a, b = x[idx], x[idx + 1]
    lvl = level[:, None]
    hit = inside & ((a < lvl) & (b >= lvl) if rising else (a >= lvl) & (b < lvl))
    any_hit = hit.any(axis=1)
    if which == "first":
        pos = np.argmax(hit, axis=1)
    else:
        pos = width - 1 - np.argmax(hit[:, ::-1], axis=1)
    rows = np.arange(len(starts))
    a_hit, b_hit = a[rows, pos], b[rows, pos]
    frac = (level - a_hit) / np.where(b_hit != a_hit, b_hit - a_hit, 1.0)
    out = idx[rows, pos] + frac
    return np.where(any_hit, out, np.nan)


def sides_assign(
    foot_strike_s: np.ndarray,
    toe_off_s: np.ndarray,
    time_s: np.ndarray,
    lateral_g: np.ndarray | None,
    obliquity_deg: np.ndarray | None,
    min_agreement: float = 0.8,
) -> np.ndarray:
    """Stance side of each step: ``L``, ``R`` or ``?``.

    Evidence per stance, both positive for a left stance: the lateral force
    pushes the body toward the midline (to the right, -y, on the left foot),
    and the swing side of the pelvis drops (obliquity rises on a left stance).
    Sides alternate, so only the parity of each run of regular steps is
    decided, by a vote of all its steps (robust to a few odd steps, e.g. next
    to a data gap); it is kept only when at least ``min_agreement`` of the
    steps agree and the vote is significant (binomial p < 0.01).
    """
    n = len(foot_strike_s)
    sides = np.full(n, col.SIDE_UNKNOWN, dtype=object)
    if n < 2 or (lateral_g is None and obliquity_deg is None):
        return sides
    i0 = np.searchsorted(time_s, foot_strike_s)
    i1 = np.maximum(np.searchsorted(time_s, toe_off_s), i0 + 1)
    evidence = np.zeros(n)
    for values, sign in ((lateral_g, -1.0), (obliquity_deg, 1.0)):
        if values is None:
            continue
        evidence += side_evidence_scale(sign * mean_between(values, i0, i1))
    step = np.diff(foot_strike_s)
    regular = step < 1.5 * np.median(step)
    run_id = np.concatenate([[0], np.cumsum(~regular)])
    for run in np.unique(run_id):
        members = np.flatnonzero(run_id == run)
        parity = np.arange(len(members)) % 2 == 0
        decision = side_vote(np.where(parity, 1.0, -1.0) * evidence[members], min_agreement)
        if decision == 0:
            continue
        left = parity == (decision > 0)
        sides[members] = np.where(left, col.SIDE_LEFT, col.SIDE_RIGHT)
    return sides


def side_vote(signed_evidence: np.ndarray, min_agreement: float = 0.8) -> int:
    """Decide which parity of a run of alternating steps is the left foot.

    ``signed_evidence`` is each step's left-stance evidence multiplied by +1
    for even and -1 for odd steps of the run. Returns +1 (even steps are
    left), -1 (odd steps are left) or 0 (undecided: fewer than
    ``min_agreement`` of the steps agree, or the vote is not significant at
    binomial p < 0.01).
    """
    votes = signed_evidence[signed_evidence != 0]
    if len(votes) < 4:
        return 0
    agree = int(np.sum(votes > 0))
    share = agree / len(votes)
    if max(share, 1 - share) < min_agreement:
        return 0
    # An exact binomial test: scipy evaluates it without forming 2**n, which
    # overflows a float from 1024 steps (a six-minute run).
    if stats.binomtest(agree, len(votes), 0.5).pvalue >= 0.01:
        return 0
    return 1 if share > 0.5 else -1


def side_evidence_scale(per_step: np.ndarray) -> np.ndarray:
    """Centre and scale per-step evidence robustly (median, MAD), clipped to +-3.

    Clipping keeps one odd step (next to a gap, say) from outvoting the rest.
    """
    centred = per_step - np.nanmedian(per_step, axis=0)
    scale = 1.4826 * np.nanmedian(np.abs(centred), axis=0)
    safe = np.where(scale > 0, scale, 1.0)
    return np.where(scale > 0, np.clip(np.nan_to_num(centred / safe), -3.0, 3.0), 0.0)
