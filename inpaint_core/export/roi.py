"""Helpers of the restore stage: per-step timings and mask work confined to a hole's bounding box.

Timings are a plain ``dict`` of step name -> seconds that the caller owns and the restore functions
add to (``None`` turns timing off), so an export can merge them into its per-stage report. Step
names start with ``restore.``: ``resize`` (upsizing fill and source), ``references`` (choice of
reference frames), ``flow_coarse`` (working-size flows), ``flow_fine`` (full-resolution flow
refinement and its completion in the hole), ``warp`` (sampling references), ``aggregate``
(temporal weights and sums), ``spatial`` (contextual residual aggregation), ``composite``.
"""

from __future__ import annotations

import time
from contextlib import contextmanager

import cv2
import numpy as np

from ..masks.ops import CROSS, binarize


@contextmanager
def timed(timings: dict | None, name: str):
    """Add the seconds spent in the ``with`` block to ``timings[name]`` (no-op when ``timings`` is None)."""
    if timings is None:
        yield
        return
    t0 = time.perf_counter()
    try:
        yield
    finally:
        timings[name] = timings.get(name, 0.0) + time.perf_counter() - t0


def grow_in_box(mask: np.ndarray, iterations: int, kernel: str = "cross") -> np.ndarray:
    """Same result as :func:`inpaint_core.masks.ops.grow_mask` ((H, W) -> (H, W) uint8 0/255) but
    the dilation runs only over the mask's bounding box grown by ``iterations``: a small hole in a
    1080p frame costs its own size, not the frame's."""
    m = mask > 0
    ys = np.flatnonzero(m.any(axis=1))
    out = np.zeros(mask.shape[:2], np.uint8)
    if len(ys) == 0:
        return out
    if iterations <= 0:
        return binarize(mask)
    xs = np.flatnonzero(m.any(axis=0))
    H, W = mask.shape[:2]
    g = int(iterations)
    y0, y1 = max(0, ys[0] - g), min(H, ys[-1] + 1 + g)
    x0, x1 = max(0, xs[0] - g), min(W, xs[-1] + 1 + g)
    k = CROSS if kernel == "cross" else np.ones((3, 3), np.uint8)
    sub = np.where(m[y0:y1, x0:x1], 255, 0).astype(np.uint8)
    # the box reaches g pixels past the mask, so no dilation step meets its edge: borders are 0
    out[y0:y1, x0:x1] = cv2.dilate(sub, k, iterations=g, borderType=cv2.BORDER_CONSTANT, borderValue=0)
    return out


class GrownHoles:
    """Grown copies of holes, kept while the hole array lives: a stationary mask shares one hole
    array across frames (see :class:`~inpaint_core.export.frames.FrameStore`), so it is grown once."""

    def __init__(self, capacity: int = 16) -> None:
        self.capacity = capacity
        self._hits: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}

    def __call__(self, hole: np.ndarray, iterations: int, kernel: str = "cross") -> np.ndarray:
        key = (id(hole), iterations, kernel)
        hit = self._hits.get(key)
        if hit is not None and hit[0] is hole:
            return hit[1]
        grown = grow_in_box(hole, iterations, kernel)
        if len(self._hits) >= self.capacity:
            self._hits.pop(next(iter(self._hits)))
        self._hits[key] = (hole, grown)  # holding ``hole`` keeps its id from being reused
        return grown


def add_tiles(acc: np.ndarray, tiles: np.ndarray, ys: np.ndarray, xs: np.ndarray) -> None:
    """``acc[y:y+p, x:x+p] += tiles[j]`` for every (y, x) = (ys[j], xs[j]), in place.

    ``acc``: (h, w[, C]) float32; ``tiles``: (N, p, p[, C]). Tiles on a grid of step p // 2 starting
    at 0 (the usual case) are added in four passes of non-overlapping tiles with one reshaped add
    each; the others one by one."""
    n = len(ys)
    if n == 0:
        return
    p = tiles.shape[1]
    st = p // 2
    regular = (p % 2 == 0) & (ys % st == 0) & (xs % st == 0)
    rest = np.flatnonzero(~regular)
    reg = np.flatnonzero(regular)
    if len(reg):
        iy, ix = ys[reg] // st, xs[reg] // st
        for a in (0, 1):
            for b in (0, 1):
                sel = reg[(iy % 2 == a) & (ix % 2 == b)]
                if len(sel) == 0:
                    continue
                jy, jx = (ys[sel] // st - a) // 2, (xs[sel] // st - b) // 2
                j0y, j0x = int(jy.min()), int(jx.min())
                ny, nx = int(jy.max()) - j0y + 1, int(jx.max()) - j0x + 1
                grid = np.zeros((ny, nx) + tiles.shape[1:], np.float32)
                grid[jy - j0y, jx - j0x] = tiles[sel]
                oy, ox = a * st + j0y * p, b * st + j0x * p
                plane = grid.swapaxes(1, 2).reshape((ny * p, nx * p) + tiles.shape[3:])
                acc[oy:oy + ny * p, ox:ox + nx * p] += plane
    for j in rest:
        y, x = int(ys[j]), int(xs[j])
        acc[y:y + p, x:x + p] += tiles[j]
