"""Tracking among look-alikes: helpers for :class:`~inpaint_core.segment.vos.ObjectTracker` when
the key frame holds other regions of the object's colours (people in the same uniform, a second
dog), where colour models learnt over the whole frame cannot tell the object from its background.

- :func:`look_alike_share`: how much of the object's colours lies away from it on the key frame,
  relative to its area (the tracker switches to its crowd mode above ``crowd_share``);
- :func:`colour_mask`: when the graph cut with the key frame's colour models gives up (puts the
  object into the background), the propagated mask is grown by this frame's colour probability,
  no farther than where the whole object should be;
- :func:`motion_gate`: pixels that join the mask (not carried there by the flow) and move with the
  background rather than with the object are left out, so a look-alike the object walks past does
  not join it.

Masks (H, W) bool or uint8 0/255; ``prob`` (H, W) float32 in [0, 1]; flows (H, W, 2) float32 (dx, dy).
"""

from __future__ import annotations

import cv2
import numpy as np

from .track import _disk


def _grow(mask: np.ndarray, r: int) -> np.ndarray:
    return cv2.distanceTransform((mask == 0).astype(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE) <= r + 0.5


def look_alike_share(candidates: np.ndarray, mask: np.ndarray, reach: int) -> float:
    """Area of ``candidates`` (regions of the object's colours) farther than ``reach`` px from
    ``mask``, divided by the mask's area."""
    area = max(1, int(np.count_nonzero(mask)))
    away = ~_grow(mask > 0, reach)
    return float(np.count_nonzero((candidates > 0) & away)) / area


def colour_mask(prob: np.ndarray, warped: np.ndarray, uncertain: np.ndarray, core: np.ndarray,
                expected: np.ndarray, grow_prob: float, veto: float) -> np.ndarray:
    """(H, W) uint8 0/255: ``warped`` (the propagated mask, bool) where the blurred ``prob`` is at
    least ``veto`` (or inside ``core``), grown into ``uncertain`` where it is above ``grow_prob``
    but not out of ``expected`` (the box where the whole object should be, bool; ignored when
    empty); only the parts connected to ``warped`` are kept."""
    p = cv2.GaussianBlur(prob, (5, 5), 0)
    grow = uncertain & (p > grow_prob)
    if expected.any():
        grow &= expected
    fg = (warped & ((p >= veto) | core)) | grow
    fg8 = cv2.morphologyEx(fg.astype(np.uint8), cv2.MORPH_OPEN, _disk(1))
    _, lab = cv2.connectedComponents(fg8, connectivity=8)
    hit = np.unique(lab[warped & (fg8 > 0)])
    return np.where(np.isin(lab, hit[hit > 0]), 255, 0).astype(np.uint8)


def motion_gate(mask: np.ndarray, bwd: np.ndarray, core: np.ndarray, warped: np.ndarray,
                fallback_motion: np.ndarray, reach: int, min_diff: float) -> np.ndarray:
    """``mask`` (uint8 0/255) without the pixels not in ``warped`` (bool: the pixels kept whatever
    their motion; the tracker passes the flow's sure core) whose backward flow ``bwd`` is
    closer to the background's (median outside the mask grown by ``reach``) than half their
    distance to the object's (median over ``core``, else ``fallback_motion``), when the two
    motions differ by at least ``min_diff`` px; of what is left, pieces under a fifth of the
    largest are dropped."""
    on = mask > 0
    near = _grow(on, reach)
    if core.sum() < 16 or (~near).sum() < 64:
        return mask
    v_obj = np.median(bwd[core & on], axis=0) if (core & on).sum() >= 16 else fallback_motion
    v_bg = np.median(bwd[~near], axis=0)
    if float(np.hypot(*(v_obj - v_bg))) < min_diff:
        return mask
    d_obj = np.linalg.norm(bwd - v_obj, axis=2)
    d_bg = np.linalg.norm(bwd - v_bg, axis=2)
    keep = on & ~((d_bg < 0.5 * d_obj) & ~warped)
    n, lab = cv2.connectedComponents(keep.astype(np.uint8), connectivity=8)
    if n <= 2:
        return np.where(keep, 255, 0).astype(np.uint8)
    counts = np.bincount(lab[keep], minlength=n)
    counts[0] = 0
    return np.where((counts >= 0.2 * counts.max())[lab] & keep, 255, 0).astype(np.uint8)


def fill_holes(mask: np.ndarray, close: int = 1) -> np.ndarray:
    """``mask`` (uint8 0/255) closed by a disk of radius ``close`` and with every hole (background
    not connected to the frame's border) filled."""
    m = cv2.morphologyEx((mask > 0).astype(np.uint8), cv2.MORPH_CLOSE, _disk(close)) if close > 0 else (mask > 0).astype(np.uint8)
    inv = (m == 0).astype(np.uint8)
    n, lab = cv2.connectedComponents(inv, connectivity=4)
    border = np.unique(np.concatenate([lab[0], lab[-1], lab[:, 0], lab[:, -1]]))
    holes = (lab > 0) & ~np.isin(lab, border)
    return np.where((m > 0) | holes, 255, 0).astype(np.uint8)
