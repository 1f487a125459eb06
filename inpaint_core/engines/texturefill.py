"""A smooth base with exemplar texture on top (the propagate engine's ``spatial=texture``).

Arrays: (H, W, 3) uint8 RGB images, (H, W) bool holes.
"""

from __future__ import annotations

import cv2
import numpy as np

from .exemplar import ExemplarFill


class TextureFill:
    """A smooth base with exemplar texture on top: the low frequencies of OpenCV Telea's fill and
    the high frequencies (above a Gaussian of ``sigma`` pixels) of the exemplar fill, scaled by
    ``gain``. Same call as :class:`ExemplarFill`: (H, W, 3) uint8 and (H, W) bool -> a new image."""

    def __init__(self, sigma: float = 2.0, gain: float = 1.0, radius: int = 5) -> None:
        self.sigma, self.gain, self.radius = float(sigma), float(gain), int(radius)
        self.exemplar = ExemplarFill()

    def __call__(self, rgb: np.ndarray, hole: np.ndarray) -> np.ndarray:
        if not hole.any():
            return rgb.copy()
        ex = self.exemplar(rgb, hole).astype(np.float32)
        base = cv2.inpaint(rgb, hole.astype(np.uint8) * 255, self.radius, cv2.INPAINT_TELEA).astype(np.float32)
        detail = ex - cv2.GaussianBlur(ex, (0, 0), self.sigma)
        smooth = cv2.GaussianBlur(base, (0, 0), self.sigma)
        # Telea's own low frequencies (its streaks are high-frequency) plus the exemplar's texture
        mixed = smooth + self.gain * detail
        out = rgb.copy()
        out[hole] = np.clip(mixed[hole] + 0.5, 0, 255).astype(np.uint8)
        return out
