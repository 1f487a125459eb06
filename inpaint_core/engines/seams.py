"""Seams between a fill and the picture around it, mended in the gradient domain."""

from __future__ import annotations

import numpy as np

from .. import flow as F


def seam_correct(canvas: np.ndarray, frame: np.ndarray, hole: np.ndarray, region: np.ndarray,
                 limit: float = 30.0) -> None:
    """Gradient-domain seam fix, in place: ``canvas`` (H, W, 3) float32 holds the fill over
    ``region`` (H, W bool), ``hole`` plus a one-pixel ring. The difference between the frame and the
    fill on that ring is interpolated harmonically over ``hole`` and added, so the fill meets its
    surroundings without a step while keeping its own gradients. Ring differences above ``limit``
    grey levels (an object crossing the border, not a change of light) are not carried inside."""
    ring = region & ~hole
    if not ring.any() or not hole.any():
        return
    diff = np.zeros(canvas.shape, np.float32)
    d = frame[ring].astype(np.float32) - canvas[ring]
    big = np.abs(d).max(1) > limit
    d[big] = 0.0
    diff[ring] = d
    corr = F.laplace_fill(diff, hole, max_pixels=40_000)
    canvas[hole] += corr[hole]
