"""Finding an object again after it left the frame (or was lost by the tracker).

A :class:`ColourModel` holds colour histograms of the object and of its surroundings, learnt on
the last confident frames. :func:`find_reentry` looks for a region that has the object's colours,
is moving (differs from the previous frame), and lies where an object can come back: near the frame
border or near where the object was last seen.

Images are (H, W, 3) uint8 RGB; masks (H, W) uint8 0/255.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

BINS = 16


def _hist(img: np.ndarray, sel: np.ndarray) -> np.ndarray:
    m = sel.astype(np.uint8)
    h = cv2.calcHist([img], [0, 1, 2], m, [BINS] * 3, [0, 256] * 3).astype(np.float32)
    h += 1e-3
    return h / h.sum()


@dataclass
class ColourModel:
    """Normalised (16, 16, 16) float32 RGB histograms of the object (``fg``) and of the background
    (``bg``: 70 % a ring of surroundings, 30 % the whole frame outside the object)."""

    fg: np.ndarray
    bg: np.ndarray

    @classmethod
    def fit(cls, img: np.ndarray, mask: np.ndarray) -> ColourModel:
        fg = mask > 0
        if not fg.any():
            uniform = np.full((BINS,) * 3, 1.0 / BINS ** 3, np.float32)
            return cls(uniform, _hist(img, np.ones(fg.shape, bool)))
        ys, xs = np.nonzero(fg)
        r = max(8, max(xs.max() - xs.min(), ys.max() - ys.min()) // 2)
        # within r of the object (a distance transform: a dilation by so large a disk is slow)
        ring = cv2.distanceTransform((~fg).astype(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE) <= r + 0.5
        ring &= ~fg
        if ring.sum() < 64:
            ring = ~fg
        # the surroundings weigh most, the rest of the frame keeps colours seen nowhere near the
        # object from counting as "could be object"
        bg = 0.7 * _hist(img, ring) + 0.3 * _hist(img, ~fg)
        return cls(_hist(img, fg), bg)

    def update(self, img: np.ndarray, mask: np.ndarray, rate: float) -> None:
        """Blend in the histograms of a new confident frame with weight ``rate`` in [0, 1]."""
        new = ColourModel.fit(img, mask)
        self.fg = (1 - rate) * self.fg + rate * new.fg
        self.bg = (1 - rate) * self.bg + rate * new.bg

    def probability(self, img: np.ndarray) -> np.ndarray:
        """(H, W) float32 in [0, 1]: P(object | colour) with equal priors."""
        idx = (img >> 4).astype(np.intp)  # 256 / 16
        pf = self.fg[idx[..., 0], idx[..., 1], idx[..., 2]]
        pb = self.bg[idx[..., 0], idx[..., 1], idx[..., 2]]
        return (pf / (pf + pb)).astype(np.float32)


def find_reentry(img: np.ndarray, prev_img: np.ndarray, model: ColourModel, last_seen: np.ndarray,
                 min_area: float, prob_threshold: float = 0.75, motion_threshold: int = 12) -> np.ndarray | None:
    """A seed mask (H, W) uint8 0/255 for an object coming back into ``img``, or ``None``.

    Candidates are pixels whose colour is likelier object than surroundings (``prob_threshold``),
    that changed since ``prev_img`` by more than ``motion_threshold`` grey levels (dilated, so a
    moving object's uniform interior counts), and that lie within a border band (1/8 of the short
    side) or near ``last_seen``. The largest connected candidate region wins if it covers at least
    ``4 * min_area`` pixels."""
    h, w = img.shape[:2]
    g0 = cv2.cvtColor(prev_img, cv2.COLOR_RGB2GRAY)
    g1 = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)
    diff = cv2.absdiff(cv2.GaussianBlur(g0, (5, 5), 0), cv2.GaussianBlur(g1, (5, 5), 0)) > motion_threshold
    k = max(3, min(h, w) // 30) | 1
    moving = cv2.dilate(diff.astype(np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))) > 0
    band = max(4, min(h, w) // 8)
    region = np.zeros((h, w), bool)
    region[:band, :] = region[-band:, :] = True
    region[:, :band] = region[:, -band:] = True
    if last_seen.any():
        ys, xs = np.nonzero(last_seen)
        r = max(band, max(xs.max() - xs.min(), ys.max() - ys.min()))
        region[max(0, ys.min() - r):ys.max() + r + 1, max(0, xs.min() - r):xs.max() + r + 1] = True
    prob = cv2.GaussianBlur(model.probability(img), (5, 5), 0)
    cand = (prob > prob_threshold) & moving & region
    cand = cv2.morphologyEx(cand.astype(np.uint8), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(cand, connectivity=8)
    if n <= 1:
        return None
    best = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    if stats[best, cv2.CC_STAT_AREA] < 4 * min_area:
        return None
    return np.where(labels == best, 255, 0).astype(np.uint8)
