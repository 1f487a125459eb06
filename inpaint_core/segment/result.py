"""What a segmentation answers: a mask, how it was made, how much to trust it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

METHOD_SAM = "sam"
METHOD_GRABCUT = "grabcut (fallback)"


@dataclass
class SegmentResult:
    """One segmentation of one frame.

    ``mask``: (H, W) uint8, 0 = background, 255 = object (the user's mask convention).
    ``method``: ``"sam"`` or ``"grabcut (fallback)"`` — which method produced the mask.
    ``score``: float in [0, 1], the method's own quality estimate (SAM's predicted IoU; for GrabCut
    the fraction of the seed that stayed foreground).
    ``logits``: SAM only: (h, w) float32 low-resolution mask logits (h = w = 4 x the embedding grid,
    256 for the released models), to pass back as ``mask_logits`` in a refining prompt.
    ``warning``: a sentence for the user when the mask looks implausible (a handful of pixels, most
    of the frame), else ``None``. ``detail``: how the classical prompt started (``"box"``,
    ``"colour"``, ``"motion"``), for diagnostics.
    """

    mask: np.ndarray
    method: str
    score: float = 1.0
    logits: np.ndarray | None = None
    warning: str | None = None
    detail: str = ""

    @property
    def area(self) -> int:
        return int(np.count_nonzero(self.mask))

    @property
    def is_fallback(self) -> bool:
        return self.method != METHOD_SAM


def iou(a: np.ndarray, b: np.ndarray) -> float:
    """Intersection over union of two masks (any non-zero is foreground); 1.0 when both are empty."""
    a, b = a > 0, b > 0
    union = np.count_nonzero(a | b)
    if union == 0:
        return 1.0
    return float(np.count_nonzero(a & b) / union)


def mask_box(mask: np.ndarray) -> tuple[int, int, int, int] | None:
    """Bounding box (x0, y0, x1, y1), inclusive pixel coordinates, of a mask's non-zero pixels;
    ``None`` for an empty mask."""
    ys, xs = np.nonzero(mask)
    if len(xs) == 0:
        return None
    return int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max())
