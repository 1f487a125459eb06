"""Blending the classical engine's carried spatial fill with the frame's own spatial fill.

Pixels no frame shows are filled spatially in a key frame and carried along the completed flow to
the frames around it (:mod:`.propagation`). Far from the key frame the carried fill no longer
matches the frame's surroundings (the camera moved, the light changed); the frame's own spatial
fill matches them but flickers. :func:`blend_unsourced` mixes the two on those pixels only.

Arrays: ``rgb``/``frame`` (H, W, 3) uint8; ``hole`` (H, W) bool; ``src_frame`` (H, W) int32, the
source frame of each filled pixel, -1 where it was filled spatially (see
:class:`~.propagation.ChunkResult`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def blend_unsourced(rgb: np.ndarray, frame: np.ndarray, hole: np.ndarray, src_frame: np.ndarray,
                    weight: float, spatial_fn: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> int:
    """In place: the hole pixels of ``rgb`` that no frame sourced become ``(1 - weight) * rgb +
    weight * spatial_fn(frame, hole)`` (the frame's own fill from its real border). Returns the
    number of pixels changed; nothing changes outside the hole, or with ``weight <= 0``."""
    un = hole & (src_frame < 0)
    if weight <= 0 or not un.any():
        return 0
    w = float(min(1.0, weight))
    own = spatial_fn(frame, hole)
    mixed = (1.0 - w) * rgb[un].astype(np.float32) + w * own[un].astype(np.float32)
    rgb[un] = np.clip(mixed + 0.5, 0, 255).astype(np.uint8)
    return int(un.sum())
