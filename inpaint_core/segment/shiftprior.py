"""A whole-object motion prior for tracking: where the object's patch moved between two frames.

Dense optical flow smooths a thin or fast object's motion into its background's (a girl walking
past other girls, a blurred runner): the warped mask lags behind and shrinks frame after frame.
Matching the object's own pixels (its patch under the previous mask) in the next frame, within a
window around where a constant-velocity motion puts it, finds the object's translation even then,
and the window keeps a look-alike further away from being picked.

Images are (H, W, 3) uint8 RGB; masks (H, W) uint8 0/255; shifts are (dx, dy) pixels.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass
class Shift:
    """The object's translation (``dx``, ``dy``) in pixels and the match's mean squared colour
    difference per pixel and channel (``error``, 0 = identical patches)."""

    dx: int
    dy: int
    error: float


def match_shift(prev_img: np.ndarray, prev_mask: np.ndarray, img: np.ndarray,
                guess: tuple[float, float] = (0.0, 0.0), radius: int = 12, coarse: int = 40) -> Shift | None:
    """The translation of ``prev_img``'s pixels under ``prev_mask`` that best matches ``img``
    (masked sum of squared differences), searched within ``radius`` px of ``guess``; ``None`` when
    the mask is too small. The object may be partly outside the frame: the image is padded by
    replicating its border. An object larger than ``coarse`` px is first matched on images
    downsized so that it is about that size, then refined at full size around that answer."""
    ys, xs = np.nonzero(prev_mask)
    if len(xs) < 16:
        return None
    f = int(max(xs.max() - xs.min(), ys.max() - ys.min()) + 1) // coarse if coarse else 0
    if f >= 2:
        h, w = prev_mask.shape
        size = (max(8, w // f), max(8, h // f))

        def down(a, interp=cv2.INTER_AREA):
            return cv2.resize(a, size, interpolation=interp)

        m = np.where(down(prev_mask) >= 128, 255, 0).astype(np.uint8)
        c = match_shift(down(prev_img), m, down(img), (guess[0] / f, guess[1] / f),
                        max(1, -(-radius // f)), coarse=0)
        if c is not None:
            return match_shift(prev_img, prev_mask, img, (c.dx * f, c.dy * f), f, coarse=0)
    h, w = prev_mask.shape
    x0, x1, y0, y1 = int(xs.min()), int(xs.max()) + 1, int(ys.min()), int(ys.max()) + 1
    tpl = np.ascontiguousarray(prev_img[y0:y1, x0:x1])
    tmask = np.ascontiguousarray((prev_mask[y0:y1, x0:x1] > 0).astype(np.uint8))
    gx, gy = int(round(guess[0])), int(round(guess[1]))
    # the search window in img's coordinates (may reach outside the frame: padded)
    wx0, wy0 = x0 + gx - radius, y0 + gy - radius
    wx1, wy1 = x1 + gx + radius, y1 + gy + radius
    pad_l, pad_t = max(0, -wx0), max(0, -wy0)
    pad_r, pad_b = max(0, wx1 - w), max(0, wy1 - h)
    if pad_l >= wx1 - wx0 or pad_t >= wy1 - wy0 or pad_r >= wx1 - wx0 or pad_b >= wy1 - wy0:
        return None  # the window lies wholly outside the frame
    sub = img[max(0, wy0):min(h, wy1), max(0, wx0):min(w, wx1)]
    if pad_l or pad_t or pad_r or pad_b:
        sub = cv2.copyMakeBorder(sub, pad_t, pad_b, pad_l, pad_r, cv2.BORDER_REPLICATE)
    res = cv2.matchTemplate(np.ascontiguousarray(sub), tpl, cv2.TM_SQDIFF, mask=tmask)
    _, _, loc, _ = cv2.minMaxLoc(res)
    n = float(tmask.sum()) * 3.0
    err = float(res[loc[1], loc[0]]) / n
    return Shift(wx0 + loc[0] - x0, wy0 + loc[1] - y0, err)


def shifted(mask: np.ndarray, dx: int, dy: int) -> np.ndarray:
    """(H, W) uint8 0/255: ``mask`` translated by (``dx``, ``dy``); what leaves the frame is cut."""
    h, w = mask.shape
    out = np.zeros_like(mask)
    sx0, sx1 = max(0, -dx), min(w, w - dx)
    sy0, sy1 = max(0, -dy), min(h, h - dy)
    if sx1 > sx0 and sy1 > sy0:
        out[sy0 + dy:sy1 + dy, sx0 + dx:sx1 + dx] = mask[sy0:sy1, sx0:sx1]
    return out

