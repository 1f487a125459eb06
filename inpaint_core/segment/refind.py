"""The re-find half of :class:`~inpaint_core.segment.vos.ObjectTracker`'s step: while the object
is lost, regions of its colours whose size fits and whose histogram matches the memory of
confirmed frames are candidates, ranked by distance from a constant-velocity prediction; look-alikes
seen beside the object on confirmed frames are followed and penalised. :class:`Refinder` is mixed
into the tracker's stepper, whose state (``t`` the tracker, ``memory``, ``area``, ``size``,
``centre``, ``vel``, ``lost_for``, ``distractors``, ``cut``, ``_expected``) it reads.

Frames are (H, W, 3) uint8 RGB; masks (H, W) uint8 0/255.
"""

from __future__ import annotations

import cv2
import numpy as np

from .track import _disk

HBINS = 8


def _hist8(img: np.ndarray, sel: np.ndarray) -> np.ndarray:
    h = cv2.calcHist([img], [0, 1, 2], sel.astype(np.uint8), [HBINS] * 3, [0, 256] * 3).ravel()
    s = h.sum()
    return h / s if s > 0 else h


def _similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Bhattacharyya coefficient of two normalised histograms, in [0, 1]."""
    return float(np.sqrt(a * b).sum())


def _grow(mask: np.ndarray, r: int) -> np.ndarray:
    """(H, W) bool: ``mask`` (nonzero = in) grown by a disk of radius ``r``; large radii by a
    distance transform, whose cost does not grow with the radius (a dilation's does)."""
    if r <= 4:
        return cv2.dilate(mask.astype(np.uint8), _disk(r)) > 0
    return cv2.distanceTransform((mask == 0).astype(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE) <= r + 0.5


class Refinder:
    """The stepper's search for the object while it is lost (see the module docstring)."""

    def _candidates(self, prob: np.ndarray) -> np.ndarray:
        """(H, W) uint8 0/1: regions of the object's colours (blurred probability above
        ``search_prob``, lightly opened and closed)."""
        p = cv2.GaussianBlur(prob, (5, 5), 0)
        cand = (p > self.t.search_prob).astype(np.uint8)
        cand = cv2.morphologyEx(cand, cv2.MORPH_OPEN, _disk(1))
        return cv2.morphologyEx(cand, cv2.MORPH_CLOSE, _disk(2))

    def _follow_distractors(self, cand: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
        """Update and return the look-alike map: regions of the object's colours seen *beside* the
        object on a confirmed frame (``mask`` given: they cannot be it), followed from frame to
        frame by overlap (grown by the motion allowance). When the object is lost, such a region is
        likelier a look-alike than the object coming back."""
        n, lab = cv2.connectedComponents(cand, connectivity=8)
        if mask is not None:
            # not beside it if inside the box where the whole object should be: that may be a
            # part of it coming out from behind an occluder
            # (and not within half the object's size of it: parts of it may show there)
            reach = max(self.t.incumbent_reach, self.size // 2)
            away = ~_grow(mask, reach) & ~self._expected(mask.shape)
            counts = np.bincount(lab.ravel(), minlength=n)
            outside = np.bincount(lab[away].ravel(), minlength=n)
            keep = np.nonzero(outside > 0.9 * counts)[0]
        elif self.distractors is None:
            keep = np.zeros(0, int)
        else:
            grown = _grow(self.distractors, self.t.incumbent_reach)
            counts = np.bincount(lab.ravel(), minlength=n)
            inside = np.bincount(lab[grown].ravel(), minlength=n)
            keep = np.nonzero(inside > 0.5 * counts)[0]  # a speck touching a region does not make it one
        keep = keep[keep > 0]
        self.distractors = np.isin(lab, keep).astype(np.uint8)
        return self.distractors

    def _search(self, img: np.ndarray, prob: np.ndarray) -> tuple[np.ndarray, float] | None:
        """A region of ``img`` that looks like the remembered object, with a match score in [0, 1]."""
        t = self.t
        h, w = prob.shape
        cand = self._candidates(prob)
        inc = self._follow_distractors(cand, None)
        n, lab, stats, cents = cv2.connectedComponentsWithStats(cand, connectivity=8)
        if n <= 1 or not self.memory:
            return None
        pred = None
        if self.centre is not None:
            pred = self.centre + self.vel * min(self.lost_for, 10)
            pred = np.clip(pred, [-0.1 * w, -0.1 * h], [1.1 * w, 1.1 * h])
        diag = float(np.hypot(h, w))
        best, best_s = None, 0.0
        for k in range(1, n):
            a = float(stats[k, cv2.CC_STAT_AREA])
            ratio = a / self.area
            if ratio < t.search_min_ratio or ratio > t.search_max_ratio:
                continue
            sel = lab == k
            hist = _hist8(img, sel)
            sim = max(_similarity(hist, m) for m in self.memory)
            if sim < t.search_sim:
                continue
            # 1 from half to twice the expected area (objects change size), falling off outside
            size = float(np.exp(-max(0.0, abs(np.log(max(ratio, 1e-3))) - np.log(2.0))))
            dist = 0.0 if pred is None else float(np.hypot(*(cents[k] - pred)))
            near = float(np.exp(-dist / (0.35 * diag)))
            s = sim * (0.5 + 0.5 * size) * (0.4 + 0.6 * near)
            if inc[sel].mean() > 0.5 and dist > self.size:
                s *= t.incumbent_penalty  # seen beside the object: likelier a look-alike
            if s > best_s:
                best, best_s = sel, s
        if best is None or best_s < t.search_accept:
            return None
        return np.where(best, 255, 0).astype(np.uint8), best_s

    def _refind(self, img: np.ndarray, prob: np.ndarray) -> tuple[np.ndarray, float] | None:
        found = self._search(img, prob)
        if found is None:
            return None
        seed, score = found
        t = self.t
        band = (cv2.dilate(seed, _disk(t.border + 2)) > 0) & ~(cv2.erode(seed, _disk(t.border)) > 0)
        mask = self.cut.cut(img, seed, band)
        area = float(np.count_nonzero(mask))
        if area < t.lost_ratio * self.area * 2:
            return None
        on = mask > 0
        if float(prob[on].mean()) < t.min_colour:
            return None
        return mask, score
