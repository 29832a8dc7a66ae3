"""Per-step reductions against the same reductions written out range by range."""

from __future__ import annotations

import numpy as np
import pytest

from gaitback.core.ranges import mean_between, padded_rows, reduce_between


def _ranges(n: int, count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    i0 = np.sort(rng.integers(0, n, count))
    i1 = i0 + rng.integers(1, 40, count)
    return i0, i1


@pytest.mark.parametrize("n", [5, 30, 500])
def test_padded_rows_are_the_ranges_held_at_the_last_sample(n: int) -> None:
    x = np.random.default_rng(n).standard_normal(n)
    i0, i1 = _ranges(n, 60, n)
    rows, valid = padded_rows(x, i0, i1)
    width = int(np.max(i1 - i0))
    assert rows.shape == valid.shape == (len(i0), width)
    for k, (a, b) in enumerate(zip(i0, i1, strict=True)):
        expected = [x[min(j, n - 1)] for j in range(a, a + width)]
        assert rows[k].tolist() == expected
        assert valid[k].tolist() == [j < b for j in range(a, a + width)]
    rows[0, 0] = 1e9  # a copy: writing it leaves the signal alone
    assert 1e9 not in x


def test_reductions_between_match_the_written_out_ones() -> None:
    n = 400
    x = np.random.default_rng(3).standard_normal(n)
    i0, i1 = _ranges(n, 80, 3)
    clipped = np.minimum(i1, n)
    np.testing.assert_allclose(
        mean_between(x, i0, i1), [x[a:b].mean() for a, b in zip(i0, clipped, strict=True)]
    )
    assert reduce_between(np.maximum, x, i0, i1).tolist() == [
        x[a:b].max() for a, b in zip(i0, clipped, strict=True)
    ]
