"""Foot strike, toe-off and side of every running step.

Physics used: while a foot is on the ground the pelvis carries the vertical
ground reaction force, so each stance is one pulse of vertical specific force
(~0 g in flight, 2-3 g in mid-stance). A sensor on the sacrum does not read the
force divided by mass, though: soft tissue and the mount add an impact spike in
the first ~30 ms of stance that overshoots the force by 1-2 g and rings, the
swinging leg and the pelvis add a slow rise of a few tenths of a g before
touchdown (largest downhill), and a tail of a few tenths of a g outlasts the
force after toe-off. Level crossings of the pulse are therefore biased by all
three. The two edges are read where the force itself dominates the signal:

- **Foot strike**: the tangent at the steepest point of the *first* loading rise
  (the impact edge when there is one, else the loading of the active peak),
  extrapolated back to the flight level. The pre-contact rise is slow, so it
  barely moves the tangent; light smoothing (``edge_cutoff_hz``) keeps the
  impact edge sharp, since zero-phase smoothing of a spike spreads it earlier.
- **Toe-off**: the tangent at the steepest point of the unloading of the active
  peak, extrapolated forward to the flight level. It is read on the signal
  low-passed at a few harmonics of the step frequency, which keep the shape of
  the active peak (a half-sine of one contact time) and remove the impact
  transient and its ringing (Shorten & Winslow 1992; Gruber et al. 2014: the
  impact transient lives above ~10 Hz, the active peak below). The search
  starts after the impact window so that the spike's own fall is never taken
  for the unloading; the slow post-toe-off tail does not move the tangent.

Both rules are the classical onset/offset-by-tangent construction; they carry
no constant fitted to a runner, a speed or a slope.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gaitback import schema as col
from gaitback.core.conditioning import lowpasses
from gaitback.core.filters import lagged_products
from gaitback.core.peaks import peaks_find
from gaitback.core.ranges import mean_between, padded_rows, running_sum

#: Rate the step period is searched at (Hz): 20 ms lags, refined by a parabola.
PERIOD_RATE_HZ = 50.0


@dataclass(frozen=True)
class EventParams:
    """Parameters of step and contact detection.

    Parameters
    ----------
    edge_cutoff_hz
        Low-pass before reading the foot-strike edge (clamped to 0.4 x the
        sample rate). The impact edge rises in 10-20 ms; heavier smoothing
        would spread it, and with it the foot strike, earlier.
    envelope_cutoff_hz
        Low-pass for finding one peak per stance (merges the impact transient
        and the active peak, which are < 100 ms apart) and the flight troughs.
    strike_rise_fraction
        The first loading rise is the one that first carries the signal this
        fraction of the way from the flight level to the stance (envelope)
        peak; its steepest point gives the foot-strike tangent. Any value well
        above the pre-contact rise (a few tenths of a g on a ~2 g pulse) and
        below the first bump of a midfoot strike works.
    impact_window_ms
        The impact transient and its ringing are over within this time after
        foot strike (impact peaks occur 20-40 ms after touchdown); the
        toe-off search starts after it.
    active_harmonics
        The unloading edge is read on the signal low-passed at this many
        harmonics of the step frequency (~8-9 Hz at 170-180 steps/min).
    min_peak_g
        A stance pulse must exceed this: the mean vertical specific force over
        a step is 1 g and stance is shorter than the step, so its peak is
        well above 1 g.
    cadence_range_spm
        Plausible running cadences, bounding the step period search.
    contact_range_ms
        Plausible running contact times; steps outside are dropped.
    """

    edge_cutoff_hz: float = 50.0
    envelope_cutoff_hz: float = 8.0
    strike_rise_fraction: float = 0.3
    impact_window_ms: float = 60.0
    active_harmonics: float = 3.0
    min_peak_g: float = 1.2
    cadence_range_spm: tuple[float, float] = (110.0, 240.0)
    contact_range_ms: tuple[float, float] = (80.0, 600.0)


@dataclass
class StepEvents:
    """Detected steps of one running segment (times on the grid's time base)."""

    foot_strike_s: np.ndarray
    toe_off_s: np.ndarray
    peak_idx: np.ndarray
    #: Highest vertical specific force of the active peak (impact transient
    #: removed) during each stance, in g.
    active_peak_g: np.ndarray


def step_period_s(vertical_g: np.ndarray, sample_rate_hz: float, params: EventParams) -> float:
    """Dominant step period from the autocorrelation of vertical specific force.

    ``vertical_g`` should be low-passed (the envelope): it is taken down to
    about :data:`PERIOD_RATE_HZ` first, since step periods are hundreds of
    milliseconds, and the lag of the peak is refined by a parabola through
    its neighbours.
    """
    every = max(1, int(sample_rate_hz // PERIOD_RATE_HZ))
    rate = sample_rate_hz / every
    x = vertical_g[::every] - vertical_g[::every].mean()
    n = len(x)
    lo = int(60.0 / params.cadence_range_spm[1] * rate)
    hi = min(int(60.0 / params.cadence_range_spm[0] * rate), n - 1)
    acf = lagged_products(x, max(hi, 0))
    if hi <= lo + 1:
        return 60.0 / 170.0
    lag = lo + int(np.argmax(acf[lo:hi]))
    # A stride (two steps) can correlate better than a step when left and right
    # differ; prefer the half lag when it also shows a clear peak.
    half = lag // 2
    if half >= lo and acf[half] > 0.5 * acf[lag]:
        lag = half - 1 + int(np.argmax(acf[half - 1 : half + 2]))
    return _parabolic_peak(acf, lag) / rate


def _parabolic_peak(y: np.ndarray, k: int) -> float:
    """Position of the vertex of the parabola through ``y[k-1:k+2]`` (``k`` at an edge)."""
    if k < 1 or k + 1 >= len(y):
        return float(k)
    a, b, c = y[k - 1], y[k], y[k + 1]
    curvature = a - 2 * b + c
    if curvature >= 0:
        return float(k)
    return k + 0.5 * (a - c) / curvature


def steps_detect(
    time_s: np.ndarray,
    vertical_g: np.ndarray,
    sample_rate_hz: float,
    params: EventParams = EventParams(),
    bridged: np.ndarray | None = None,
    edge_g: np.ndarray | None = None,
    cut_start: bool = False,
) -> StepEvents:
    """Detect the stances of one running segment.

    Parameters
    ----------
    time_s
        Uniform grid times of the segment.
    vertical_g
        Body-frame vertical specific force in g.
    sample_rate_hz
        Grid rate.
    params
        Detection parameters.
    bridged
        True where a sample was interpolated across a short gap. Not used to
        drop steps: a stance whose edge falls in a gap (<= 0.1 s) still
        happened, and its edge is timed on the straight line joining the real
        samples either side, within about half the gap.
    edge_g
        ``vertical_g`` low-passed at ``params.edge_cutoff_hz``, when the caller
        has it already (filtered over the whole recording, the segment's ends
        see the data beyond them rather than an extension).
    cut_start
        The segment begins where the data begin (the recording's start or the
        end of missing data), so it may begin inside a stance: its first stance
        is kept only when the trough before it is at the flight level of the
        segment's other stances.

    Returns
    -------
    StepEvents
        Foot strike and toe-off of every complete stance (stances cut by the
        segment's ends are left out).
    """
    empty = StepEvents(np.array([]), np.array([]), np.array([], dtype=int), np.array([]))
    rate = sample_rate_hz
    n = len(vertical_g)
    if n < int(0.5 * rate):
        return empty
    # One forward transform serves the envelope, edge and active-peak filters;
    # the active cut-off is lowest at the slowest running cadence.
    slowest_hz = params.active_harmonics * params.cadence_range_spm[0] / 60.0
    filtered = lowpasses(vertical_g, rate, min(params.envelope_cutoff_hz, slowest_hz))
    envelope = filtered(params.envelope_cutoff_hz)
    period = step_period_s(envelope, rate, params)
    peaks = peaks_find(
        envelope,
        height=params.min_peak_g,
        distance=max(1, int(0.6 * period * rate)),
        prominence=0.5,
    )
    if len(peaks) == 0:
        return empty
    # Flight troughs of the envelope between consecutive stance peaks (and
    # within reach outside the ends): the start of each loading search.
    reach = int(0.6 * period * rate)
    bounds = np.concatenate([[max(0, peaks[0] - reach)], peaks, [min(n - 1, peaks[-1] + reach)]])
    troughs = _argmin_between(
        envelope, bounds[:-1], np.minimum(bounds[1:], bounds[:-1] + 2 * reach)
    )
    before = np.maximum(troughs[:-1], peaks - 2 * reach)

    edge = filtered(params.edge_cutoff_hz) if edge_g is None else edge_g
    strike = _strike_tangent(edge, envelope, before, peaks, params.strike_rise_fraction, rate)

    active = filtered(max(params.active_harmonics / period, slowest_hz))
    start = np.nan_to_num(strike, nan=0.0) + params.impact_window_ms / 1000 * rate
    start = np.minimum(np.ceil(start).astype(int), n - 2)
    next_strike = np.append(strike[1:], peaks[-1] + 2 * reach)
    stop = np.clip(np.nan_to_num(next_strike, nan=n - 1.0).astype(int), start + 2, n - 1)
    toe_off, floor = _toe_off_tangent(active, start, stop, rate)
    if bridged is not None and bridged.any():
        strike = _strike_in_gap(strike, toe_off, bridged, before, peaks)

    index = np.arange(n)
    t_strike = np.interp(np.nan_to_num(strike), index, time_s)
    t_toe = np.interp(np.nan_to_num(toe_off), index, time_s)
    timed = np.isfinite(strike) & np.isfinite(toe_off)
    contact_ms = np.where(timed, (t_toe - t_strike) * 1000, np.nan)
    ok = (
        np.isfinite(contact_ms)
        & (contact_ms >= params.contact_range_ms[0])
        & (contact_ms <= params.contact_range_ms[1])
        & (envelope[peaks] - np.maximum(edge[before], 0.0) > 0.5)
    )
    # The first and last stances may be cut by the segment's ends: keep a
    # stance only when the flight before it and its whole unloading were seen.
    # (an unloading cut by the end never comes down to the flight level).
    base = np.maximum(edge[before], 0.0)
    landed = floor <= base + params.strike_rise_fraction * (envelope[peaks] - base)
    # A toe-off closer to the end than its own uncertainty (~2 SD, 20 ms) may
    # belong to a stance whose force had not yet ended.
    margin = 0.02 * rate
    ok &= (np.nan_to_num(strike) > 1) & (toe_off <= n - 1 - margin) & landed
    if cut_start:
        # A segment that opens mid-stance shows the stance's later part (the
        # soft-tissue dip, the active peak) as a loading from a raised trough.
        flight = np.median(base)
        ok[0] &= base[0] <= flight + params.strike_rise_fraction * (
            np.median(envelope[peaks]) - flight
        )
    if not ok.any():
        return empty
    i0 = np.clip(strike[ok].astype(int), 0, n - 1)
    i1 = np.clip(toe_off[ok].astype(int), i0 + 1, n)
    arows, avalid = padded_rows(active, i0, i1)
    active_peak = np.where(avalid, arows, -np.inf).max(axis=1)
    return StepEvents(t_strike[ok], t_toe[ok], peaks[ok], active_peak)


def _strike_tangent(
    edge: np.ndarray,
    envelope: np.ndarray,
    flight: np.ndarray,
    peaks: np.ndarray,
    rise_fraction: float,
    rate: float,
) -> np.ndarray:
    """Foot strike (fractional index): tangent of the first loading rise.

    For each stance, the rise that first carries ``edge`` ``rise_fraction`` of
    the way from the flight trough to the envelope peak is followed to its
    steepest point; the tangent there is extrapolated back to the lowest
    level between the trough and that point.
    """
    slope = np.gradient(edge) * rate
    base = np.maximum(edge[flight], 0.0)
    level = base + rise_fraction * (envelope[peaks] - base)
    stops = np.maximum(peaks, flight + 2)
    rows, valid = padded_rows(edge, flight, stops + 1)
    reached = valid & (rows >= level[:, None])
    # A search that starts above the level (a recording that begins in stance)
    # has no loading rise to read.
    seen = reached.any(axis=1) & ~reached[:, 0]
    first = flight + np.where(seen, np.argmax(reached, axis=1), stops - flight)
    # Follow the rise on to where it stops steepening (its steepest point).
    srows, svalid = padded_rows(slope, first, np.minimum(stops + 1, len(slope) - 1) + 1)
    turning = svalid[:, 1:] & (srows[:, 1:] <= srows[:, :-1])
    first = first + np.where(turning.any(axis=1), np.argmax(turning, axis=1), 0)
    srows, svalid = padded_rows(slope, flight, first + 1)
    steepest = flight + np.argmax(np.where(svalid, srows, -np.inf), axis=1)
    erows, evalid = padded_rows(edge, flight, steepest + 1)
    floor = np.maximum(np.where(evalid, erows, np.inf).min(axis=1), 0.0)
    rise = slope[steepest]
    with np.errstate(divide="ignore", invalid="ignore"):
        strike = steepest - (edge[steepest] - floor) / rise * rate
    return np.where(seen & (rise > 0) & (strike >= flight - 1), strike, np.nan)


def _toe_off_tangent(
    active: np.ndarray, start: np.ndarray, stop: np.ndarray, rate: float
) -> tuple[np.ndarray, np.ndarray]:
    """Toe-off (fractional index): tangent of the unloading, to the flight level.

    The steepest fall of ``active`` in ``[start, stop)`` is extrapolated
    forward to the lowest level between it and ``stop``. Also returns where
    that level (not clipped at zero), to tell a complete unloading from a cut one.
    """
    slope = np.gradient(active) * rate
    rows, valid = padded_rows(slope, start, stop)
    steepest = start + np.argmin(np.where(valid, rows, np.inf), axis=1)
    arows, avalid = padded_rows(active, steepest, np.maximum(stop, steepest + 1) + 1)
    lowest = np.where(avalid, arows, np.inf).min(axis=1)
    floor = np.maximum(lowest, 0.0)
    fall = -slope[steepest]
    with np.errstate(divide="ignore", invalid="ignore"):
        toe_off = steepest + (active[steepest] - floor) / fall * rate
    return np.where((fall > 0) & (toe_off <= stop + 1), toe_off, np.nan), lowest


def _strike_in_gap(
    strike: np.ndarray,
    toe_off: np.ndarray,
    bridged: np.ndarray,
    flight: np.ndarray,
    peaks: np.ndarray,
) -> np.ndarray:
    """Foot strikes whose loading rise was lost in a short gap, timed from their peak.

    A tangent landing inside a bridged gap, or within a sample of its ends,
    was drawn on the straight line that bridges it (or on the first samples
    after it), not on the rise: it says nothing about when the foot landed.
    The stance's envelope peak survives a short gap, and the time from foot
    strike to that peak is steady from step to step, so the strike is the
    peak minus the median lead of the stances whose rise was fully recorded.
    When bridged samples lie within a tenth of the run's median contact time
    of the peak (the top of the force hump, where a half-sine stays within 5 %
    of its maximum: a chord across a gap there flattens and shifts the peak),
    or with fewer than five fully recorded stances: a tangent at or before the
    gap's start was drawn on a steep chord, which only a strike early in the
    gap makes, so the strike is the gap's start; one on the real samples after
    the gap is kept; one inside goes to the gap's middle (worst case half the
    gap, <= 50 ms).
    """
    out = strike.copy()
    mask = bridged.astype(np.int8)
    starts = np.flatnonzero(np.diff(np.concatenate([[0], mask])) == 1)
    stops = np.flatnonzero(np.diff(np.concatenate([mask, [0]])) == -1) + 1
    last_real, first_real = starts - 1, stops
    # A tangent on the bridging line meets the flight level at or just before
    # its start; one on the samples after the gap, at its end.
    gap = np.searchsorted(last_real, strike + 1, side="right") - 1
    safe = np.maximum(gap, 0)
    lost = np.isfinite(strike) & (gap >= 0) & (strike <= first_real[safe] + 1)
    if not lost.any():
        return out
    count = running_sum(mask)
    clean = np.isfinite(strike) & (count[peaks + 1] - count[flight] == 0)
    # The peak stands in for the rise only where it was itself recorded (a
    # second gap can flatten it).
    contact = (toe_off - strike)[clean]
    contact = contact[np.isfinite(contact)]
    peak_reach = max(1, int(np.ceil(0.1 * np.median(contact)))) if len(contact) else 1
    near = np.clip(peaks[:, None] + np.arange(-peak_reach, peak_reach + 1), 0, len(bridged) - 1)
    peak_real = ~bridged[near].any(axis=1)
    if clean.sum() >= 5:
        lead = np.median(peaks[clean] - strike[clean])
        from_peak = lost & peak_real
        out[from_peak] = peaks[from_peak] - lead
        lost &= ~peak_real
    start, stop = last_real[safe[lost]], first_real[safe[lost]]
    tangent = strike[lost]
    out[lost] = np.where(
        tangent <= start, start, np.where(tangent >= stop, tangent, 0.5 * (start + stop))
    )
    return out


def _argmin_between(x: np.ndarray, starts: np.ndarray, stops: np.ndarray) -> np.ndarray:
    """Index of the minimum of ``x[start:stop]`` (stop included) for each pair."""
    rows, valid = padded_rows(x, starts, stops + 1)
    return starts + np.argmin(np.where(valid, rows, np.inf), axis=1)


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
    run_id = running_sum(~regular)
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
    if binomial_p_even(agree, len(votes)) >= 0.01:
        return 0
    return 1 if share > 0.5 else -1


def binomial_p_even(k: int, n: int) -> float:
    """Two-sided exact binomial test of ``k`` successes in ``n`` fair trials.

    With p = 1/2 the distribution is symmetric, so the outcomes at most as
    likely as ``k`` are the two tails beyond ``min(k, n - k)``. Summed in logs
    (log n! as a cumulative sum), since 2**n overflows a float from n = 1024
    (a six-minute run).
    """
    if n <= 0:
        return 1.0
    m = min(k, n - k)
    if 2 * m == n:
        return 1.0
    log_fact = np.concatenate([[0.0], np.cumsum(np.log(np.arange(1, n + 1)))])
    i = np.arange(m + 1)
    log_pmf = log_fact[n] - log_fact[i] - log_fact[n - i] - n * np.log(2.0)
    top = log_pmf.max()
    tail = np.exp(top) * np.sum(np.exp(log_pmf - top))
    return float(min(1.0, 2.0 * tail))


def side_evidence_scale(per_step: np.ndarray) -> np.ndarray:
    """Centre and scale per-step evidence robustly (median, MAD), clipped to +-3.

    Clipping keeps one odd step (next to a gap, say) from outvoting the rest.
    """
    centred = per_step - np.nanmedian(per_step, axis=0)
    scale = 1.4826 * np.nanmedian(np.abs(centred), axis=0)
    safe = np.where(scale > 0, scale, 1.0)
    return np.where(scale > 0, np.clip(np.nan_to_num(centred / safe), -3.0, 3.0), 0.0)
