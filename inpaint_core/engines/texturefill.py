"""A smooth base with exemplar texture on top (the propagate engine's ``spatial=texture`` and
``spatial=matched``).

Arrays: (H, W, 3) uint8 RGB images, (H, W) bool holes.
"""

from __future__ import annotations

import cv2
import numpy as np

from .exemplar import ExemplarFill

#: the most the exemplar's detail is amplified to reach the ring's texture energy
MAX_GAIN = 3.0


def ring_energy(rgb: np.ndarray, hole: np.ndarray, ring: int = 8) -> float:
    """Mean squared Laplacian of the real pixels within ``ring`` px of ``hole`` (the pixel next to
    the hole left out: its stencil would read the fill); nan without such pixels."""
    from .confidence import laplacian_energy

    hu = hole.astype(np.uint8)
    near = cv2.dilate(hu, np.ones((3, 3), np.uint8)) > 0
    band = (cv2.dilate(hu, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * ring + 1, 2 * ring + 1))) > 0) & ~near
    return float(laplacian_energy(rgb)[band].mean()) if band.any() else float("nan")


class TextureFill:
    """A smooth base with exemplar texture on top: the low frequencies of OpenCV Telea's fill and
    the high frequencies (above a Gaussian of ``sigma`` pixels) of the exemplar fill, scaled by
    ``gain``. ``match`` > 0 chooses the gain per call instead, so that the hole's mean squared
    Laplacian is ``match`` times that of the ring of real pixels around it (observable; at most
    :data:`MAX_GAIN`). Same call as :class:`ExemplarFill`: (H, W, 3) uint8 and (H, W) bool -> a
    new image."""

    def __init__(self, sigma: float = 2.0, gain: float = 1.0, radius: int = 5, match: float = 0.0) -> None:
        self.sigma, self.gain, self.radius = float(sigma), float(gain), int(radius)
        self.match = float(match)
        self.exemplar = ExemplarFill()
        self.last_gain = self.gain

    def __call__(self, rgb: np.ndarray, hole: np.ndarray) -> np.ndarray:
        if not hole.any():
            return rgb.copy()
        ex = self.exemplar(rgb, hole).astype(np.float32)
        base = cv2.inpaint(rgb, hole.astype(np.uint8) * 255, self.radius, cv2.INPAINT_TELEA).astype(np.float32)
        detail = ex - cv2.GaussianBlur(ex, (0, 0), self.sigma)
        smooth = cv2.GaussianBlur(base, (0, 0), self.sigma)
        # Telea's own low frequencies (its streaks are high-frequency) plus the exemplar's texture
        gain = self._matched_gain(rgb, hole, smooth, detail) if self.match > 0 else self.gain
        self.last_gain = gain
        return self._compose(rgb, hole, smooth, detail, gain)

    @staticmethod
    def _compose(rgb, hole, smooth, detail, gain) -> np.ndarray:
        out = rgb.copy()
        out[hole] = np.clip(smooth[hole] + gain * detail[hole] + 0.5, 0, 255).astype(np.uint8)
        return out

    def _matched_gain(self, rgb, hole, smooth, detail) -> float:
        """The gain at which the hole's texture energy is ``match`` times the ring's: the energy
        grows about as gain squared over the base's (the detail is uncorrelated with it)."""
        from .confidence import laplacian_energy

        target = self.match * ring_energy(rgb, hole)
        if not np.isfinite(target):
            return self.gain
        e0 = float(laplacian_energy(self._compose(rgb, hole, smooth, detail, 0.0))[hole].mean())
        e1 = float(laplacian_energy(self._compose(rgb, hole, smooth, detail, 1.0))[hole].mean())
        if e1 <= e0 + 1e-6:
            return 0.0
        return float(min(MAX_GAIN, np.sqrt(max(target - e0, 0.0) / (e1 - e0))))
