"""Mask growth that adapts to stroke width.

A uniform safety margin (:func:`inpaint_core.masks.ops.grow_mask`) triples the width of a 3-pixel
logo stroke and makes the fill reach from three times as far; on a blob the same margin costs
little. :func:`adaptive_grow` grows each part of a mask by about ``ratio`` times its local
half-width, capped at the requested growth: thin strokes keep (nearly) their drawn outline, wide
parts get the full margin.

A mask is (H, W) uint8 with 0 = keep and 255 = remove.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from .ops import binarize, grow_mask

#: half-width (pixels) up to which a stroke does not grow at all: strokes up to about 9 pixels wide
THIN = 4.0
#: growth per pixel of half-width beyond :data:`THIN`
RATIO = 0.5
#: growth every masked pixel gets, however thin its stroke (never more than the requested growth)
MIN_GROW = 0


class AdaptiveGrow(int):
    """A growth in pixels that is a cap for :func:`adaptive_grow` rather than a uniform margin.

    The export's default growth is one of these; a growth the user gives explicitly is a plain
    ``int`` and grows uniformly, as asked."""

    def __repr__(self) -> str:
        return f"AdaptiveGrow({int(self)})"


def _disk(r: int) -> np.ndarray:
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))


def adaptive_grow(mask: np.ndarray, grow: int, ratio: float | None = None, thin: float | None = None,
                  min_grow: int = MIN_GROW,
                  kernel: str = "cross") -> np.ndarray:
    """(H, W) 0/255 mask -> (H, W) uint8 0/255, grown by at most ``grow`` pixels (3x3 ``kernel``
    steps, as :func:`grow_mask`).

    The half-width of a part is the distance from its centre line to the nearest kept pixel (a
    stroke ``w`` pixels wide: about ``(w + 1) / 2``). A part grows by step ``g`` when its half-width
    exceeds ``thin + g / ratio``: strokes up to ``thin`` do not grow, wider parts grow by ``ratio``
    pixels per pixel of extra half-width, up to ``grow``, and every pixel by at least
    ``min(grow, min_grow)``. The result always covers ``mask``; with ``grow <= 0`` it is the mask.
    """
    ratio = RATIO if ratio is None else float(ratio)
    thin = THIN if thin is None else float(thin)
    m = binarize(mask)
    grow = int(grow)
    if grow <= 0 or not m.any():
        return m
    # work on the mask's bounding box (plus the growth): a 1080p frame's logo is a small part of it
    ys, xs = np.nonzero(np.any(m, 1))[0], np.nonzero(np.any(m, 0))[0]
    pad = grow + 2
    y0, y1 = max(0, ys[0] - pad), min(m.shape[0], ys[-1] + 1 + pad)
    x0, x1 = max(0, xs[0] - pad), min(m.shape[1], xs[-1] + 1 + pad)
    if (y1 - y0) * (x1 - x0) < m.size:
        out = np.zeros_like(m)
        out[y0:y1, x0:x1] = adaptive_grow(m[y0:y1, x0:x1], grow, ratio, thin, min_grow, kernel)
        return out
    base = min(grow, max(0, int(min_grow)))
    out = grow_mask(m, base, kernel)
    # distance of each masked pixel to the nearest kept one: a stroke w pixels wide peaks at ~(w+1)/2
    dt = cv2.distanceTransform((m > 0).astype(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    for g in range(base + 1, grow + 1):
        r = thin + g / ratio  # half-width a part needs to grow by g
        core = (dt > r).astype(np.uint8)
        if not core.any():
            break
        # the part of the mask within r * sqrt(2) of those centres: the opening by a disk of radius
        # r, and the corners of rectangles it would round off
        wide = cv2.dilate(core, _disk(int(math.ceil(r * 1.42)))) & (m > 0)
        np.maximum(out, grow_mask(wide.astype(np.uint8) * 255, g, kernel), out=out)
    return out


def grow_for(mask: np.ndarray, grow: int, kernel: str = "cross") -> np.ndarray:
    """Grow ``mask`` by ``grow``: adaptively when it is an :class:`AdaptiveGrow`, else uniformly."""
    if isinstance(grow, AdaptiveGrow):
        return adaptive_grow(mask, int(grow), kernel=kernel)
    return grow_mask(mask, int(grow), kernel)
