"""Signals taken down to every few samples, and read back at every sample.

The orientation turns smoothly next to the impacts it carries: it is estimated
at every ``every``-th sample (:mod:`gaitback.core.orientation`) and read back
at the full rate by interpolation. Nothing of the gyroscope is lost on the way:
the rotation between two kept samples is the sum of the full-rate trapezoids
between them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class CoarseGrid:
    """Every ``every``-th sample of each block of contiguous data, and its last.

    Attributes
    ----------
    acc
        ``(3, m)`` specific force at the kept samples, smoothed by a triangle
        ``every`` samples wide each side (against aliasing; it passes what the
        orientation reads, far below the kept rate).
    gyr
        ``(3, m)`` mean angular rate (deg/s) from each kept sample to the next
        in its block, exactly the full-rate trapezoids' sum over the span
        divided by it (0 after a block's last sample); ``None`` without a gyro.
    spans_s
        ``(m,)`` time from each kept sample to the next in its block (0 after the last).
    blocks
        ``(start, stop)`` of each block in kept-sample indices.
    full_blocks
        The same blocks in full-rate sample indices.
    centres
        Full-rate sample index of each kept sample.
    running, standing
        The masks at the kept samples.
    every
        Full-rate samples per kept sample.
    """

    acc: np.ndarray
    gyr: np.ndarray | None
    spans_s: np.ndarray
    blocks: list[tuple[int, int]]
    full_blocks: list[tuple[int, int]]
    centres: np.ndarray
    running: np.ndarray
    standing: np.ndarray
    every: int

    def expand(self, values: np.ndarray, out: np.ndarray, cubic: bool = False) -> np.ndarray:
        """``values`` ``(k, m)`` read at every full-rate sample into ``out`` ``(k, n)``.

        Linear between kept samples (``cubic``: the cubic through the four
        nearest, so that the peaks of a signal kept at a few times its highest
        frequency are not clipped), never across a gap. Samples between blocks
        (inside a long gap) take the value of the last sample before them, so
        that filters running over the whole grid see finite values.
        """
        previous_stop = 0
        for (a, b), (start, stop) in zip(self.blocks, self.full_blocks, strict=True):
            _block_expand(values[:, a:b], out[:, start:stop], self.every, cubic)
            source = start if previous_stop == 0 else previous_stop - 1
            out[:, previous_stop:start] = out[:, source : source + 1]
            previous_stop = stop
        if self.full_blocks:
            out[:, previous_stop:] = out[:, previous_stop - 1 : previous_stop]
        return out

    def expand_span(self, values: np.ndarray, lo: int, hi: int) -> np.ndarray:
        """Full-rate samples ``lo`` to ``hi`` of :meth:`expand` (linear), ``(k, hi - lo)``.

        Equal to ``expand(values, ...)[:, lo:hi]`` bit for bit, without the rest:
        a caller can walk a recording in cache-sized spans.
        """
        out = np.empty((len(values), hi - lo))
        previous_stop = 0
        for (a, b), (start, stop) in zip(self.blocks, self.full_blocks, strict=True):
            # Before this block (inside a gap): the value the gap holds.
            gap_lo, gap_hi = max(lo, previous_stop), min(hi, start)
            if gap_lo < gap_hi:
                source = start if previous_stop == 0 else previous_stop - 1
                out[:, gap_lo - lo : gap_hi - lo] = self.expand_span(values, source, source + 1)
            previous_stop = stop
            span_lo, span_hi = max(lo, start), min(hi, stop)
            if span_lo >= span_hi:
                continue
            # The kept samples around the span, from one on the grid; to the block's
            # end when the span reaches it (its last sample may be off the grid).
            first = a + (span_lo - start) // self.every
            origin = start + (first - a) * self.every  # full-rate index of kept ``first``
            last = a + -(-(span_hi - 1 - start) // self.every) + 1
            if last >= b:
                last, length = b, stop - origin
            else:
                length = (last - 1 - first) * self.every + 1
            part = np.empty((len(values), length))
            _block_expand(values[:, first:last], part, self.every, cubic=False)
            offset = span_lo - origin
            out[:, span_lo - lo : span_hi - lo] = part[:, offset : offset + span_hi - span_lo]
        if hi > previous_stop and self.full_blocks:
            tail_lo = max(lo, previous_stop)
            out[:, tail_lo - lo :] = self.expand_span(values, previous_stop - 1, previous_stop)
        return out


def _block_expand(values: np.ndarray, out: np.ndarray, every: int, cubic: bool) -> None:
    """One block of :meth:`CoarseGrid.expand`: ``values`` at samples 0, ``every``,
    2 ``every``, ... and at the block's last sample.

    Sample ``j every + r`` lies the fraction ``u = r / every`` of the way from
    kept sample ``j`` to ``j + 1``: each phase ``r`` is one strided slice. The
    cubic adds ``u (u - 1) / 6 (D[j] (2 - u) + D[j + 1] (1 + u))`` to the line,
    with ``D`` the second differences (0 at the ends, where it stays linear).
    """
    m = out.shape[1]
    regular = len(range(0, m, every))  # kept samples on the regular grid
    for row, target in zip(values, out, strict=True):
        lo, hi = row[: regular - 1], row[1:regular]
        target[0 : (regular - 1) * every : every] = lo
        for r in range(1, every):
            u = r / every
            phase = target[r : (regular - 1) * every : every]
            np.multiply(lo, 1.0 - u, out=phase)
            phase += u * hi
        target[(regular - 1) * every] = row[regular - 1]
        if len(row) > regular:  # the block's last sample is off the grid
            first = (regular - 1) * every
            span = m - 1 - first
            u = np.arange(1, span + 1) / span
            target[first + 1 :] = row[regular - 1] + u * (row[regular] - row[regular - 1])
        if cubic and regular >= 4:
            # Row by row: an hour's temporaries stay a few MB.
            bend = np.zeros(regular)
            bend[1:-1] = row[: regular - 2] - 2.0 * row[1 : regular - 1] + row[2:regular]
            for r in range(1, every):
                u = r / every
                term = (2.0 - u) * bend[: regular - 1]
                term += (1.0 + u) * bend[1:regular]
                term *= u * (u - 1.0) / 6.0
                target[r : (regular - 1) * every : every] += term


def coarse_grid(
    acc_mps2: np.ndarray,
    gyr_dps: np.ndarray | None,
    blocks: list[tuple[int, int]],
    running: np.ndarray,
    standing: np.ndarray,
    every: int,
    sample_rate_hz: float,
) -> CoarseGrid:
    """Every ``every``-th sample of each block and its last (see :class:`CoarseGrid`).

    Parameters
    ----------
    acc_mps2, gyr_dps
        Uniform-grid samples ``(n, 3)``.
    blocks
        Contiguous index ranges; nothing spans two.
    running, standing
        Boolean masks ``(n,)``.
    every
        Full-rate samples per kept sample.
    sample_rate_hz
        The full rate.
    """
    acc, gyr, spans, kept, coarse_blocks = [], [], [], [], []
    count = 0
    for start, stop in blocks:
        at = np.arange(0, stop - start, every)
        if at[-1] != stop - start - 1:
            at = np.append(at, stop - start - 1)
        # Axis by axis, each copied contiguous first: strided reads of the
        # sample-major columns cost several times more than the copy.
        acc.append(
            np.stack(
                [_triangle_at(np.ascontiguousarray(c), at, every) for c in acc_mps2[start:stop].T]
            )
        )
        if gyr_dps is not None:
            gyr.append(
                np.stack(
                    [_mean_rates(np.ascontiguousarray(c), at, every) for c in gyr_dps[start:stop].T]
                )
            )
        spans.append(np.append(np.diff(at), 0))
        kept.append(at + start)
        coarse_blocks.append((count, count + len(at)))
        count += len(at)
    centres = np.concatenate(kept) if kept else np.zeros(0, np.intp)

    def joined(parts: list[np.ndarray]) -> np.ndarray:
        return np.concatenate(parts, axis=1) if parts else np.zeros((3, 0))

    return CoarseGrid(
        acc=joined(acc),
        gyr=joined(gyr) if gyr_dps is not None else None,
        spans_s=(np.concatenate(spans) if spans else np.zeros(0)) / sample_rate_hz,
        blocks=coarse_blocks,
        full_blocks=list(blocks),
        centres=centres,
        running=running[centres],
        standing=standing[centres],
        every=every,
    )


def _triangle_at(x: np.ndarray, at: np.ndarray, every: int) -> np.ndarray:
    """One signal ``x`` ``(m,)`` smoothed by a triangle of half-width ``every`` at
    samples ``at`` (edges repeated): its response has nulls at multiples of the
    kept rate."""
    if every == 1:
        return np.array(x[at], dtype=float)
    last = len(x) - 1
    out = np.zeros(len(at))
    # Inside, every kept sample has its whole triangle: strided slices, no gathers.
    inner = max(0, (last - (every - 1)) // every - 1)  # kept samples 1 .. inner
    edge = np.r_[0, inner + 1 : len(at)]
    for k in range(-(every - 1), every):
        weight = float(every - abs(k))
        if inner:
            out[1 : inner + 1] += weight * x[every + k : every * (inner + 1) + k : every]
        out[edge] += weight * x[np.clip(at[edge] + k, 0, last)]
    out *= 1.0 / (every * every)
    return out


def _mean_rates(gyr: np.ndarray, at: np.ndarray, every: int) -> np.ndarray:
    """Mean rate of one axis ``gyr`` ``(m,)`` from each of the samples ``at`` to the
    next: the sum of the full-rate trapezoids between them over their span (0
    after the last)."""
    out = np.zeros(len(at))
    whole = (len(gyr) - 1) // every  # spans of exactly ``every`` samples
    if whole:
        total = gyr[0 : whole * every : every] + gyr[every : whole * every + 1 : every]
        total *= 0.5
        for k in range(1, every):
            total += gyr[k : whole * every : every]
        out[:whole] = total / every
    if len(at) - 1 > whole:
        a, b = int(at[-2]), int(at[-1])
        part = gyr[a : b + 1]
        out[whole] = (0.5 * (part[0] + part[-1]) + part[1:-1].sum()) / (b - a)
    return out
