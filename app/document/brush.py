"""Brush strokes on coverage bitmaps (numpy only).

A stroke is accumulated in a stroke buffer with ``max`` (so overlapping dabs of one stroke do not
darken each other), then combined with the layer: painting is "over" compositing
(``c + s * (255 - c) / 255``), erasing removes ``s`` (``c * (255 - s) / 255``). Bitmaps are (H, W)
uint8 0..255.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np


@lru_cache(maxsize=32)
def stamp(radius: int, hardness: float) -> np.ndarray:
    """(2r+1, 2r+1) float32 dab in [0, 1]: 1 inside ``radius * hardness``, linear falloff to 0 at
    ``radius``."""
    r = max(1, int(radius))
    y, x = np.mgrid[-r : r + 1, -r : r + 1].astype(np.float32)
    d = np.sqrt(x * x + y * y)
    core = r * float(np.clip(hardness, 0.0, 1.0))
    soft = max(1e-3, r + 0.5 - core)
    return np.clip((r + 0.5 - d) / soft, 0.0, 1.0).astype(np.float32)


class Stroke:
    """One brush or eraser stroke on a layer bitmap of shape (H, W).

    ``before`` keeps the bitmap as it was, so the whole stroke is one undo step.
    """

    def __init__(self, before: np.ndarray | None, shape: tuple[int, int], radius: int, hardness: float,
                 erase: bool) -> None:
        self.before = None if before is None else before.copy()
        self.base = before.copy() if before is not None else np.zeros(shape, np.uint8)
        self.buffer = np.zeros(shape, np.uint8)
        self.result = self.base.copy()
        self.radius = max(1, int(radius))
        self.hardness = hardness
        self.erase = erase
        self.last: tuple[float, float] | None = None
        self.dirty: tuple[int, int, int, int] | None = None  # x0, y0, x1, y1 of the whole stroke

    def _dab(self, cx: float, cy: float) -> tuple[int, int, int, int] | None:
        k = stamp(self.radius, self.hardness)
        r = self.radius
        h, w = self.buffer.shape
        x0, y0 = int(round(cx)) - r, int(round(cy)) - r
        x1, y1 = x0 + 2 * r + 1, y0 + 2 * r + 1
        cx0, cy0, cx1, cy1 = max(0, x0), max(0, y0), min(w, x1), min(h, y1)
        if cx0 >= cx1 or cy0 >= cy1:
            return None
        sub = (k[cy0 - y0 : cy1 - y0, cx0 - x0 : cx1 - x0] * 255.0 + 0.5).astype(np.uint8)
        np.maximum(self.buffer[cy0:cy1, cx0:cx1], sub, out=self.buffer[cy0:cy1, cx0:cx1])
        return cx0, cy0, cx1, cy1

    def add_point(self, x: float, y: float) -> tuple[int, int, int, int] | None:
        """Paint from the last point to (x, y); returns the changed box (x0, y0, x1, y1) or None."""
        pts = [(x, y)]
        if self.last is not None:
            lx, ly = self.last
            dist = math.hypot(x - lx, y - ly)
            step = max(1.0, self.radius * 0.25)
            n = int(dist / step)
            pts = [(lx + (x - lx) * t / (n + 1), ly + (y - ly) * t / (n + 1)) for t in range(1, n + 1)] + pts
        self.last = (x, y)
        box = None
        for px, py in pts:
            b = self._dab(px, py)
            if b is not None:
                box = b if box is None else (min(box[0], b[0]), min(box[1], b[1]), max(box[2], b[2]),
                                             max(box[3], b[3]))
        if box is None:
            return None
        x0, y0, x1, y1 = box
        base = self.base[y0:y1, x0:x1].astype(np.uint16)
        s = self.buffer[y0:y1, x0:x1].astype(np.uint16)
        if self.erase:
            val = (base * (255 - s) + 127) // 255
        else:
            val = base + (s * (255 - base) + 127) // 255
        self.result[y0:y1, x0:x1] = val.astype(np.uint8)
        d = self.dirty
        self.dirty = box if d is None else (min(d[0], x0), min(d[1], y0), max(d[2], x1), max(d[3], y1))
        return box
