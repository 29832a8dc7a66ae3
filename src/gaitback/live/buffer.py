"""A fixed-capacity buffer of per-sample signals whose recent past is one contiguous view."""

from __future__ import annotations

import numpy as np


class SignalRing:
    """The last ``capacity`` samples of ``n_channels`` float signals.

    Storage is ``2 * capacity`` columns; when full, the newest ``capacity``
    columns move to the front (one ``memmove`` per ``capacity`` samples), so
    :meth:`last` is always a view, never a copy, and memory never grows.
    """

    def __init__(self, n_channels: int, capacity: int) -> None:
        self.capacity = int(capacity)
        self._data = np.zeros((n_channels, 2 * self.capacity))
        self._end = 0
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def clear(self) -> None:
        self._end = 0
        self._size = 0

    def extend(self, values: np.ndarray) -> None:
        """Append ``(n_channels, n)`` samples (only the last ``capacity`` are kept)."""
        n = values.shape[1]
        if n >= self.capacity:
            self._data[:, : self.capacity] = values[:, -self.capacity :]
            self._end = self._size = self.capacity
            return
        if self._end + n > self._data.shape[1]:
            keep = min(self._size, self.capacity - n)
            self._data[:, :keep] = self._data[:, self._end - keep : self._end]
            self._end = keep
            self._size = keep
        self._data[:, self._end : self._end + n] = values
        self._end += n
        self._size = min(self._size + n, self.capacity)

    def last(self, n: int) -> np.ndarray:
        """View of the most recent ``min(n, len(self))`` samples, ``(n_channels, m)``."""
        m = min(int(n), self._size)
        return self._data[:, self._end - m : self._end]
