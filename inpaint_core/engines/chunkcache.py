"""What one chunk of the classical engine computes that the next chunk would compute again.

Consecutive chunks overlap by their context frames (see :mod:`.propagate`), so the completed flows,
their cycle scores and the frames' spatial estimates over the overlap were computed twice, once
per chunk. A :class:`ChunkCache` shared by the chunks of one run or stream keeps them, keyed by the
global frame index and checked against the identity of the frame and mask arrays they were made
from (a stream hands the same arrays to consecutive chunks; a clip source that returns new arrays
simply misses). Entries below the current chunk's first frame are dropped, so the cache holds about
one chunk.

It also carries the chunk's real frames (kind ``"frame"``) for :data:`HISTORY` frames further back:
the frames the previous chunk's fills took their colours from. A chunk's first frames continue
those chains across the border (the delivered frames before it give the source frame and point of
each pixel, see :class:`~.propagation.ChunkFiller`), so a frame just after a border draws on the
same real past as one just before it. Bounded: at most ``HISTORY`` + one chunk of frames (the same
arrays the stream holds; at 960x540, 30 frames are 47 MB).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .chains import MAX_CHAIN

#: frames (kind ``"frame"``) kept below the current chunk: a chain is at most this long
HISTORY = MAX_CHAIN
#: kinds kept :data:`HISTORY` frames further back than the others
LONG_KINDS = ("frame",)


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
        """Drop every entry outside frames ``lo .. hi - 1`` (the long kinds: ``lo - HISTORY ..``)."""
        for key in [k for k in self._items if not self._low(k[0], lo) <= k[1] < hi]:
            del self._items[key]

    def forget_below(self, i: int) -> None:
        """Drop every entry of a frame (or pair starting at a frame) before ``i`` (the long kinds:
        before ``i - HISTORY``)."""
        for key in [k for k in self._items if k[1] < self._low(k[0], i)]:
            del self._items[key]

    @staticmethod
    def _low(kind: str, i: int) -> int:
        return i - HISTORY if kind in LONG_KINDS else i

    def put_frame(self, i: int, frame: np.ndarray) -> None:
        """Frame ``i`` as a source for the chunks after it."""
        self._items[("frame", i)] = ((), frame)

    def frame(self, i: int) -> np.ndarray | None:
        """Frame ``i`` if it is still carried, else None."""
        hit = self._items.get(("frame", i))
        return None if hit is None else hit[1]

    def __len__(self) -> int:
        return len(self._items)
