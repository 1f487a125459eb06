"""Baseline engine: per-frame OpenCV Telea inpainting (no temporal information). For reference in
benchmarks; also the simplest example of the engine interface."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import cv2

from ..jobs import Progress
from .base import ClipSource, Engine, Filled, composite


class TeleaEngine(Engine):
    name = "telea"
    label = "Telea (per-frame, baseline)"
    default_grow = 2

    def __init__(self, radius: int = 5, **_ignored) -> None:
        self.radius = radius

    def run(
        self, clip: ClipSource, frames: Sequence[int] | range | None = None, priority: int | None = None
    ) -> Iterator[Progress | Filled]:
        order = list(frames if frames is not None else range(clip.frame_count))
        if priority is not None and priority in order:
            k = order.index(priority)
            order = order[k:] + order[:k]
        total = len(order)
        yield Progress(0, total, "telea")
        for done, i in enumerate(order, 1):
            clip.cancel.raise_if_cancelled()
            img, mask = clip.frame(i), clip.mask(i)
            if mask.any():
                filled = cv2.inpaint(img, mask, self.radius, cv2.INPAINT_TELEA)
                img = composite(filled, img, mask)
            yield Filled(i, img)
            yield Progress(done, total, "telea")
