"""What one chunk of the classical engine computes that the next chunk would compute again.

Consecutive chunks overlap by their context frames (see :mod:`.propagate`), so the completed flows,
their cycle scores and the frames' spatial estimates over the overlap were computed twice, once
per chunk. A :class:`ChunkCache` shared by the chunks of one run or stream keeps them, keyed by the
global frame index and checked against the identity of the frame and mask arrays they were made
from (a stream hands the same arrays to consecutive chunks; a clip source that returns new arrays
simply misses). Entries below the current chunk's first frame are dropped, so the cache holds about
one chunk.
"""

from __future__ import annotations

from typing import Any

import numpy as np


class ChunkCache:
    """Per-frame and per-pair results by global frame index, each stored with the arrays it was
    computed from (held, so their ids stay unique while cached)."""

    def __init__(self) -> None:
        self._items: dict[tuple[str, int], tuple[tuple[np.ndarray, ...], Any]] = {}

    def get(self, kind: str, i: int, inputs: tuple[np.ndarray, ...]) -> Any:
        """The value stored for (``kind``, ``i``) if it was made from the very same ``inputs``
        arrays, else None."""
        hit = self._items.get((kind, i))
        if hit is None or len(hit[0]) != len(inputs) or any(a is not b for a, b in zip(hit[0], inputs)):
            return None
        return hit[1]

    def put(self, kind: str, i: int, inputs: tuple[np.ndarray, ...], value: Any) -> None:
        self._items[(kind, i)] = (inputs, value)

    def keep(self, lo: int, hi: int) -> None:
        """Drop every entry outside frames ``lo .. hi - 1``."""
        for key in [k for k in self._items if not lo <= k[1] < hi]:
            del self._items[key]

    def forget_below(self, i: int) -> None:
        """Drop every entry of a frame (or pair starting at a frame) before ``i``."""
        for key in [k for k in self._items if k[1] < i]:
            del self._items[key]

    def __len__(self) -> int:
        return len(self._items)
