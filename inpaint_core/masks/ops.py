"""Pixel operations on masks: binarise, grow (dilate) or shrink, feather, temporal majority, resize.

A mask is (H, W) uint8 with 0 = keep and 255 = remove.
"""

from __future__ import annotations

import cv2
import numpy as np

CROSS = cv2.getStructuringElement(cv2.MORPH_CROSS, (3, 3))


def binarize(mask: np.ndarray) -> np.ndarray:
    """(H, W) any dtype -> (H, W) uint8 with values 0 / 255 (non-zero becomes 255)."""
    return np.where(mask > 0, 255, 0).astype(np.uint8)


def grow_mask(mask: np.ndarray, iterations: int, kernel: str = "cross") -> np.ndarray:
    """Dilate a 0/255 mask by ``iterations`` of a 3x3 ``cross`` (STTN's procedure) or ``square``."""
    if iterations <= 0:
        return binarize(mask)
    k = CROSS if kernel == "cross" else np.ones((3, 3), np.uint8)
    return cv2.dilate(binarize(mask), k, iterations=int(iterations))


def feather(mask: np.ndarray, radius: float) -> np.ndarray:
    """Soft alpha (H, W) float32 in [0, 1] that is 1 on the mask and ramps to 0 over ``radius``
    pixels outside it. Pixels farther than ``radius`` from the mask get exactly 0."""
    m = mask > 0
    if radius <= 0:
        return m.astype(np.float32)
    dist = cv2.distanceTransform((~m).astype(np.uint8), cv2.DIST_L2, 5)
    alpha = np.clip(1.0 - dist / float(radius), 0.0, 1.0).astype(np.float32)
    alpha[m] = 1.0
    return alpha


def resize_mask(mask: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Nearest-neighbour resize of a mask to ``size`` = (width, height)."""
    w, h = size
    if mask.shape[:2] == (h, w):
        return mask
    return cv2.resize(mask, (w, h), interpolation=cv2.INTER_NEAREST)


def resize_mask_cover(mask: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Resize to ``size`` so that every source pixel touched by the mask stays masked when shrinking
    (area-average then any-coverage), and nearest-neighbour when enlarging. Output 0/255 uint8."""
    w, h = size
    if mask.shape[:2] == (h, w):
        return binarize(mask)
    if w * h < mask.shape[0] * mask.shape[1]:
        small = cv2.resize((mask > 0).astype(np.float32), (w, h), interpolation=cv2.INTER_AREA)
        return np.where(small > 1e-3, 255, 0).astype(np.uint8)
    return binarize(cv2.resize(mask, (w, h), interpolation=cv2.INTER_NEAREST))


def expand_mask(mask: np.ndarray, pixels: int, kernel: str = "cross") -> np.ndarray:
    """Signed expansion of a 0/255 mask: ``pixels`` > 0 grows it (as :func:`grow_mask`), < 0
    shrinks it by as many 3x3 erosions. (H, W) uint8 0/255 out."""
    if pixels >= 0:
        return grow_mask(mask, pixels, kernel)
    k = CROSS if kernel == "cross" else np.ones((3, 3), np.uint8)
    # a mask that runs off the picture does not pull back from the frame edge (border replicated)
    return cv2.erode(binarize(mask), k, iterations=int(-pixels), borderType=cv2.BORDER_REPLICATE)


def temporal_majority(masks: list[np.ndarray], centre: int) -> np.ndarray:
    """Per-pixel majority vote of (H, W) masks (non-zero = on) of neighbouring frames; a tie keeps
    the value of ``masks[centre]`` (the frame being smoothed). (H, W) uint8 0/255 out."""
    n = len(masks)
    votes = np.zeros(masks[centre].shape, np.uint16)
    for m in masks:
        votes += m > 0
    on = (2 * votes > n) | ((2 * votes == n) & (masks[centre] > 0))
    return np.where(on, 255, 0).astype(np.uint8)


def feather_alpha8(mask: np.ndarray, radius: float) -> np.ndarray:
    """:func:`feather` on the 0..255 scale: (H, W) uint8, 255 on the mask, ramping to 0 over
    ``radius`` pixels outside it."""
    if radius <= 0:
        return binarize(mask)
    return np.rint(feather(mask, radius) * 255.0).astype(np.uint8)
