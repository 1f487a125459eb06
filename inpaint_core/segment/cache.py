"""A bounded, thread-safe least-recently-used cache of SAM image embeddings."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any


@dataclass
class Embedding:
    """One frame's SAM image embedding.

    ``features``: torch tensor (1, C, h, w) float32 on the model's device (C = 256, h = w = 64 for
    the released models). ``original_size``: (H, W) of the frame it was computed from.
    ``input_size``: (h, w) of the frame after SAM's longest-side resize (before padding).
    """

    features: Any
    original_size: tuple[int, int]
    input_size: tuple[int, int]

    @property
    def nbytes(self) -> int:
        return int(self.features.element_size() * self.features.nelement())


class EmbeddingCache:
    """LRU cache bounded by a number of items and/or a number of bytes (whichever binds first).

    Keys are hashable (the session uses ``(frame_index, H, W)``). ``hits`` and ``misses`` count
    :meth:`get` outcomes. All methods are safe to call from several threads.
    """

    def __init__(self, max_items: int | None = 16, max_bytes: int | None = None) -> None:
        if max_items is not None and max_items < 1:
            raise ValueError("max_items must be at least 1")
        self.max_items = max_items
        self.max_bytes = max_bytes
        self._items: OrderedDict[Hashable, Embedding] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> Embedding | None:
        with self._lock:
            emb = self._items.get(key)
            if emb is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return emb

    def __contains__(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._items

    def put(self, key: Hashable, emb: Embedding) -> None:
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= old.nbytes
            self._items[key] = emb
            self._bytes += emb.nbytes
            while len(self._items) > 1 and (
                    (self.max_items is not None and len(self._items) > self.max_items)
                    or (self.max_bytes is not None and self._bytes > self.max_bytes)):
                _, dropped = self._items.popitem(last=False)
                self._bytes -= dropped.nbytes

    def keys(self) -> list[Hashable]:
        """Keys from least to most recently used."""
        with self._lock:
            return list(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    @property
    def nbytes(self) -> int:
        with self._lock:
            return self._bytes
