"""Pixel operations on masks: binarise, grow (dilate), feather, resize.

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
