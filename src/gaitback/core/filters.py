"""Zero-phase Butterworth low-pass filtering in the frequency domain.

``scipy.signal`` costs about a second to import, longer than analysing an
hour of running; this numpy version gives the results of
``scipy.signal.sosfiltfilt`` with a ``butter`` design (``tests/test_filters.py``
checks it against scipy).

A Butterworth filter of order N designed by the bilinear transform (as
``scipy.signal.butter`` does) has the power response

    |H(f)|^2 = 1 / (1 + (tan(pi f / fs) / tan(pi fc / fs)) ** (2 N)),

and running it forward then backward (``filtfilt``) multiplies the spectrum
by exactly that: zero phase, squared magnitude. Applied by FFT it is the same
filter. The ends are treated as ``scipy.signal.sosfiltfilt`` treats them: an
odd extension of a few samples, then the signal held at the extension's end
value (filtfilt starts its filter in the steady state of that value), long
enough for the response to die out before the circular FFT wraps round.
Its backward pass starts from the forward output held at its last value
instead, so the last few samples are redone as two causal passes (the
complex response, from the filter's poles) on a short tail.

:class:`Lowpasses` keeps one signal's forward transform for several
cut-offs: each more costs one inverse transform.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

#: Residual of the filter's response left where the padding wraps round, as
#: e-foldings of its slowest pole (e**-16 ~ 1e-7 of the step at the wrap).
SETTLE_E_FOLDINGS = 16.0


def butter_power(
    warped: np.ndarray, cutoff_hz: float, sample_rate_hz: float, order: int
) -> np.ndarray:
    """Power response of a digital Butterworth low-pass (bilinear transform).

    ``warped`` is the bilinear transform's frequency axis, ``tan(pi f / fs)``.
    """
    ratio = warped / math.tan(math.pi * cutoff_hz / sample_rate_hz)
    ratio *= ratio
    # ratio ** order by repeated squaring: several times faster than a float power.
    power = np.ones_like(ratio)
    with np.errstate(over="ignore"):
        while order:
            if order & 1:
                power *= ratio
            order >>= 1
            if order:
                ratio *= ratio
    power += 1.0
    return np.reciprocal(power, out=power)


def settle_samples(cutoff_hz: float, sample_rate_hz: float, order: int) -> int:
    """Samples for the filtfilt response to fall below ``e**-SETTLE_E_FOLDINGS``.

    The slowest pole of an order-N Butterworth decays at
    ``2 pi fc sin(pi / 2N)`` per second.
    """
    rate = 2.0 * math.pi * cutoff_hz * math.sin(math.pi / (2 * order))
    return int(math.ceil(SETTLE_E_FOLDINGS / rate * sample_rate_hz))


@lru_cache(maxsize=256)
def fft_length(n: int) -> int:
    """The smallest 2**a 3**b 5**c >= ``n`` (lengths the FFT handles fastest)."""
    best = 1 << max(0, (n - 1).bit_length())
    p3 = 1
    while p3 < best:
        p35 = p3
        while p35 < best:
            a = max(0, math.ceil(math.log2(n / p35)))
            candidate = p35 << a
            while candidate // 2 >= n and candidate % 2 == 0:
                candidate //= 2
            best = min(best, candidate)
            p35 *= 5
        p3 *= 3
    return best


#: Least padding of a long signal (samples), so that its filters at every
#: cut-off share one FFT length: one table of frequencies, one FFT plan.
LONG_PAD = 1024

#: Transform length of the blocks a long signal is filtered in (see
#: :meth:`Lowpasses._layout_of`): 128 KB of spectrum, which the cache holds.
BLOCK_FFT_LENGTH = 1 << 14

#: Each block's margin either side, in settling lengths of its slowest filter
#: (:func:`settle_samples`): 1.5 x 16 e-foldings leave ``e**-24`` (~4e-11).
BLOCK_MARGIN_SETTLES = 1.5

#: Blocks transformed together (:func:`block_groups`): a group's spectra,
#: product and transforms fit the cache (~0.5 MB each).
GROUP_BLOCKS = 4


def block_groups(count: int) -> Iterator[tuple[int, int]]:
    """``(first, last)`` of consecutive groups of :data:`GROUP_BLOCKS` out of ``count`` blocks."""
    for first in range(0, count, GROUP_BLOCKS):
        yield first, min(first + GROUP_BLOCKS, count)


#: Longest FFT whose response tables are kept for reuse: the live analyser
#: filters the same short window many times a second, while an hour's table
#: (3 MB) is cheaper to recompute than to hold.
CACHED_FFT_LENGTH = 1 << 16


def _power_table(n_fft: int, cutoff_hz: float, sample_rate_hz: float, order: int) -> np.ndarray:
    if n_fft <= CACHED_FFT_LENGTH:
        return _power_table_cached(n_fft, cutoff_hz, sample_rate_hz, order)
    # Long runs: one table of tan(pi f / fs) serves every cut-off and order.
    return butter_power(_warped_long(n_fft), cutoff_hz, sample_rate_hz, order)


def _warped(n_fft: int) -> np.ndarray:
    """``tan(pi k / n_fft)`` at the rfft bins (the bilinear transform's frequency axis)."""
    return np.tan(np.pi * np.minimum(np.fft.rfftfreq(n_fft), 0.5))


_warped_long = lru_cache(maxsize=2)(_warped)


@lru_cache(maxsize=64)
def _power_table_cached(
    n_fft: int, cutoff_hz: float, sample_rate_hz: float, order: int
) -> np.ndarray:
    return butter_power(_warped(n_fft), cutoff_hz, sample_rate_hz, order)


def lagged_products(x: np.ndarray, max_lag: int) -> np.ndarray:
    """``sum(x[i] * x[i + k])`` for each lag ``k`` from 0 to ``max_lag``, by FFT.

    Zeros past the longest lag keep the circular correlation from wrapping
    round (no doubling of the length); callers normalise as they need. A long
    signal is correlated block by block (each block against itself and the
    ``max_lag`` samples after it), in one 2-D transform whose rows the cache
    holds, and the blocks' spectra summed before the one inverse transform.
    """
    n = len(x)
    n_fft = BLOCK_FFT_LENGTH
    if n > 2 * n_fft and max_lag < n_fft // 4:
        block = n_fft - max_lag - 1
        count = -(-n // block)
        view = np.lib.stride_tricks.sliding_window_view
        cross = np.zeros(n_fft // 2 + 1, dtype=complex)
        # A few blocks at a time, each group's transforms in the cache; nothing
        # of the signal's length is held. Rows are summed in order, as one sum
        # over all blocks would.
        for first, last in block_groups(count):
            padded = np.zeros((last - first) * block + max_lag + 1)
            part = x[first * block : last * block + max_lag + 1]
            padded[: len(part)] = part
            heads = np.fft.rfft(view(padded, block)[::block][: last - first], n_fft, axis=1)
            reach = np.fft.rfft(view(padded, block + max_lag + 1)[::block], n_fft, axis=1)
            np.conjugate(heads, out=heads)
            heads *= reach
            for row in heads:
                cross += row
        return np.fft.irfft(cross, n_fft)[: max_lag + 1]
    n_fft = fft_length(n + max_lag + 1)
    spectrum = np.fft.rfft(x, n_fft)
    return np.fft.irfft(spectrum.real**2 + spectrum.imag**2, n_fft)[: max_lag + 1]


@lru_cache(maxsize=64)
def _response_table(n_fft: int, cutoff_hz: float, sample_rate_hz: float, order: int) -> np.ndarray:
    """Complex response of one (causal) pass at the rfft frequencies of ``n_fft``."""
    z = np.exp(2j * np.pi * np.fft.rfftfreq(n_fft))
    out = np.ones(len(z), dtype=complex)
    for pole in butter_poles(cutoff_hz, sample_rate_hz, order):
        out *= (1.0 - pole) / 2.0 * (z + 1.0) / (z - pole)
    return out


def butter_poles(cutoff_hz: float, sample_rate_hz: float, order: int) -> np.ndarray:
    """Poles of the digital Butterworth low-pass: the analog prototype's poles at
    the pre-warped cut-off, through the bilinear transform (zeros all at z = -1)."""
    k = np.arange(order)
    analog = np.exp(1j * np.pi * (2 * k + order + 1) / (2 * order))
    warped = 2.0 * sample_rate_hz * math.tan(math.pi * cutoff_hz / sample_rate_hz)
    p = warped * analog
    return (2.0 * sample_rate_hz + p) / (2.0 * sample_rate_hz - p)


def filtfilt_fft(
    x: np.ndarray, cutoff_hz: float, sample_rate_hz: float, order: int = 4
) -> np.ndarray:
    """Zero-phase Butterworth low-pass of each row of ``x`` ``(k, n)`` or of ``x`` ``(n,)``.

    Parameters
    ----------
    x
        Samples along the last axis.
    cutoff_hz
        -3 dB frequency of one pass (the zero-phase result is -6 dB there).
    sample_rate_hz
        Sample rate; ``cutoff_hz`` must lie below its half.
    order
        Order of one pass.

    Notes
    -----
    The bulk is one multiplication by ``|H|**2``. That holds the input at its
    (odd-extended) end values beyond both ends, which is exactly how
    ``sosfiltfilt`` starts its forward pass; its backward pass instead starts
    from the forward output held at its last value, so the last ``settle``
    samples are recomputed as two passes on a short tail window.
    """
    x = np.asarray(x, dtype=float)
    n = x.shape[-1]
    if n < 2:
        return x.copy()
    if x.ndim == 1:  # the filter's own output: no copy of a whole recording
        return Lowpasses(x, sample_rate_hz, cutoff_hz, order, keep=False)(cutoff_hz)
    out = np.empty(x.shape)  # C order: its rows are views
    for row, target in zip(x.reshape(-1, n), out.reshape(-1, n), strict=True):
        target[:] = Lowpasses(row, sample_rate_hz, cutoff_hz, order, keep=False)(cutoff_hz)
    return out


class Lowpasses:
    """Zero-phase Butterworth low-passes of one signal at any cut-offs from ``lowest_hz`` up.

    The forward FFT is taken once (padded for the slowest filter), so each
    further cut-off costs one inverse transform: the event detector reads
    the same vertical force at three or four cut-offs. With ``keep=False``
    the transform is not kept: one cut-off, and a long signal goes through
    forward and inverse transforms a few blocks at a time, so nothing of
    its length but the result is held.

    Parameters
    ----------
    row
        ``(n,)`` samples.
    sample_rate_hz
        Their rate.
    lowest_hz
        The lowest cut-off that will be asked for (it sets the padding).
    order
        Order of one pass (as :func:`filtfilt_fft`).
    keep
        Keep the forward transform for further cut-offs.
    """

    def __init__(
        self,
        row: np.ndarray,
        sample_rate_hz: float,
        lowest_hz: float,
        order: int = 4,
        keep: bool = True,
    ) -> None:
        self.row = np.asarray(row, dtype=float)
        self.rate = float(sample_rate_hz)
        self.order = order
        self.keep = keep
        n = len(self.row)
        self.odd = min(3 * (2 * ((order + 1) // 2) + 1), max(n - 1, 0))
        odd = self.odd
        self.head = 2.0 * self.row[0] - self.row[odd:0:-1]
        self.end = 2.0 * self.row[-1] - self.row[-2 : -odd - 2 : -1]
        self.settle = settle_samples(lowest_hz, self.rate, order)
        self._spectrum: np.ndarray | None = None
        self._layout: _Layout | None = None

    def __call__(self, cutoff_hz: float) -> np.ndarray:
        """The zero-phase low-pass at ``cutoff_hz`` (>= ``lowest_hz``)."""
        row, odd, n = self.row, self.odd, len(self.row)
        if n < 2:
            return row.copy()
        settle = settle_samples(cutoff_hz, self.rate, self.order)
        if settle > self.settle:
            raise ValueError(f"cut-off {cutoff_hz} Hz is below the one padded for")
        if n <= 3 * settle:
            extended = np.concatenate([self.head, row, self.end])
            return _two_pass(extended, settle, cutoff_hz, self.rate, self.order)[odd : odd + n]
        layout = self._layout_of()
        power = _power_table(layout.n_fft, float(cutoff_hz), self.rate, self.order)
        if layout.block:
            out = self._blocks_filtered(power, n)
        else:
            spectrum = self._spectrum
            if spectrum is None:
                spectrum = np.fft.rfft(self._buffer(0, layout.length))
            if self.keep:
                self._spectrum = spectrum
            out = np.fft.irfft(spectrum * power, layout.n_fft)[layout.offset : layout.offset + n]
        tail = np.concatenate([row[-(2 * settle) :], self.end])
        out[-settle:] = _two_pass(tail, settle, cutoff_hz, self.rate, self.order)[
            -settle - odd : len(tail) - odd
        ]
        return out

    def _layout_of(self) -> _Layout:
        """Where ``[head, row, end]`` lies in the (virtual) FFT buffer, held at its ends
        for ``settle`` samples or more.

        A long signal is transformed in overlapping blocks of :data:`BLOCK_FFT_LENGTH`
        samples (2-D transforms, one row per block), each carrying
        :data:`BLOCK_MARGIN_SETTLES` settling lengths of its neighbours either side:
        a block's transform stays in the processor's cache where one transform of an
        hour does not (2.5x faster), and what the kernel reaches beyond a margin is
        below ``e**-24`` of the signal.
        """
        if self._layout is None:
            n = len(self.head) + len(self.row) + len(self.end)
            margin = int(math.ceil(BLOCK_MARGIN_SETTLES * self.settle))
            n_fft = fft_length(max(BLOCK_FFT_LENGTH, 8 * margin))
            if n > 2 * n_fft:
                block = n_fft - 2 * margin
                count = -(-n // block)
                self._layout = _Layout(
                    n_fft, margin, len(self.head), block, count, count * block + 2 * margin, margin
                )
            else:
                pad = self.settle if n < 16 * LONG_PAD else max(self.settle, LONG_PAD)
                n_fft = fft_length(n + 2 * pad)
                start = (n_fft - n) // 2
                self._layout = _Layout(n_fft, start, start + len(self.head), 0, 1, n_fft, 0)
        return self._layout

    def _buffer(self, lo: int, hi: int) -> np.ndarray:
        """Samples ``lo:hi`` of the FFT buffer: ``[head, row, end]`` from the layout's
        start, its first and last values held before and after."""
        layout = self._layout_of()
        head, row, end = self.head, self.row, self.end
        out = np.empty(hi - lo)
        first = head[0] if len(head) else row[0]
        last = end[-1] if len(end) else row[-1]
        a = layout.start + len(head)
        b = a + len(row)
        pieces = (
            (0, layout.start, None, first),
            (layout.start, a, head, 0.0),
            (a, b, row, 0.0),
            (b, b + len(end), end, 0.0),
            (b + len(end), layout.length, None, last),
        )
        for p0, p1, values, fill in pieces:
            s0, s1 = max(p0, lo), min(p1, hi)
            if s1 <= s0:
                continue
            if values is None:
                out[s0 - lo : s1 - lo] = fill
            else:
                out[s0 - lo : s1 - lo] = values[s0 - p0 : s1 - p0]
        return out

    def _spectra(self, first: int, last: int) -> np.ndarray:
        """rfft of blocks ``first:last`` (a long signal's layout)."""
        layout = self._layout_of()
        lo = first * layout.block
        hi = min(last * layout.block + 2 * layout.margin, layout.length)
        windows = np.lib.stride_tricks.sliding_window_view(self._buffer(lo, hi), layout.n_fft)[
            :: layout.block
        ]
        return np.fft.rfft(windows, axis=1)

    def _blocks_filtered(self, power: np.ndarray, n: int) -> np.ndarray:
        """The filtered signal, a few blocks at a time.

        Each block's middle is exact: its margins hold the kernel's reach. The
        middles are written straight into the result, so no whole-length buffer,
        product or transform is held (~18 MB for an hour at 200 Hz), and each
        group's temporaries stay in the cache. The forward transforms are kept
        for further cut-offs, or (``keep=False``) taken group by group.
        """
        layout = self._layout_of()
        margin, block, n_fft, offset = layout.margin, layout.block, layout.n_fft, layout.offset
        if self.keep and self._spectrum is None:
            self._spectrum = np.empty((layout.count, n_fft // 2 + 1), dtype=complex)
            for first, last in block_groups(layout.count):
                self._spectrum[first:last] = self._spectra(first, last)
        out = np.empty(n)
        for first, last in block_groups(layout.count):
            if self._spectrum is not None:
                group = self._spectrum[first:last] * power
            else:
                group = self._spectra(first, last)
                group *= power
            middles = np.fft.irfft(group, n_fft, axis=1)[:, margin : margin + block]
            # Block j's middle holds samples offset + j * block onward of the result.
            start = first * block - offset
            lo, hi = max(start, 0), min(start + len(middles) * block, n)
            if hi > lo:
                out[lo:hi] = middles.reshape(-1)[lo - start : hi - start]
        return out


@dataclass(frozen=True)
class _Layout:
    """How :class:`Lowpasses` lays a signal out for its transforms.

    ``n_fft`` transform length; ``start`` where ``[head, row, end]`` begins in the
    buffer and ``offset`` where ``row`` begins in the filtered output (of the
    buffer, or of the blocks' middles laid end to end); ``block`` samples kept
    per block (0: one transform of the whole buffer), ``count`` blocks;
    ``length`` of the buffer; ``margin`` either side of a block's middle.
    """

    n_fft: int
    start: int
    offset: int
    block: int
    count: int
    length: int
    margin: int


def _held(x: np.ndarray, settle: int) -> tuple[np.ndarray, int]:
    """``x`` in an FFT buffer, held at its end values for at least ``settle`` either side."""
    n_fft = fft_length(len(x) + 2 * settle)
    start = (n_fft - len(x)) // 2
    buffer = np.empty(n_fft)
    buffer[:start] = x[0]
    buffer[start : start + len(x)] = x
    buffer[start + len(x) :] = x[-1]
    return buffer, start


def _two_pass(x: np.ndarray, settle: int, cutoff_hz: float, rate: float, order: int):
    """Forward pass from the steady state of ``x[0]``; backward pass from the
    steady state of the forward output's last value (``sosfiltfilt``'s rule)."""
    buffer, start = _held(x, settle)
    response = _response_table(len(buffer), float(cutoff_hz), float(rate), order)
    forward = np.fft.irfft(np.fft.rfft(buffer) * response, len(buffer))
    stop = start + len(x)
    forward[stop:] = forward[stop - 1]
    forward[:start] = forward[start]
    backward = np.fft.irfft(np.fft.rfft(forward) * np.conj(response), len(buffer))
    return backward[start:stop]
