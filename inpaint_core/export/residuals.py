"""Geometry between full resolution and the engine's working size, and image residuals.

STRA-Net (section 3.3) restores full-resolution detail through residuals ``R = full - up(down(full))``:
the part of a frame that downsizing to the working size loses. ``down`` is area interpolation (what
:class:`~inpaint_core.clipsource.ResizedClipSource` serves the engine) and ``up`` is bicubic
interpolation by exact coordinate mapping, so that any rectangle of the upsized image can be
computed without upsizing the whole frame. The same ``up`` is used for the engine's fill and for the
residuals, so outside the hole ``up(fill) + R`` gives back the source exactly (in float).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from ..clipsource import fit_size
from ..masks.ops import resize_mask_cover


@dataclass(frozen=True)
class Geometry:
    """How a full-size frame maps onto the working canvas.

    ``full``: (W, H) of the source; ``work``: (w, h) of the engine's canvas; ``inner``: (x0, y0, iw,
    ih), the rectangle of the canvas holding the image (the whole canvas for ``stretch``, a
    letterboxed rectangle for ``pad``).
    """

    full: tuple[int, int]
    work: tuple[int, int]
    mode: str = "stretch"

    @property
    def inner(self) -> tuple[int, int, int, int]:
        if self.mode == "pad":
            return fit_size(self.full, self.work)
        return (0, 0, self.work[0], self.work[1])

    @property
    def scale(self) -> float:
        """Full-resolution pixels per working pixel (>= 1 when downsizing)."""
        _, _, iw, ih = self.inner
        return max(self.full[0] / iw, self.full[1] / ih)

    def down(self, frame: np.ndarray) -> np.ndarray:
        """(H, W, 3) uint8 full frame -> (h, w, 3) uint8 on the working canvas (area interpolation;
        ``pad`` mode replicates edge pixels into the letterbox)."""
        x0, y0, iw, ih = self.inner
        W, H = self.full
        interp = cv2.INTER_AREA if iw * ih < W * H else cv2.INTER_CUBIC
        small = cv2.resize(frame, (iw, ih), interpolation=interp) if (iw, ih) != (W, H) else frame
        w, h = self.work
        if (x0, y0, iw, ih) != (0, 0, w, h):
            small = cv2.copyMakeBorder(small, y0, h - ih - y0, x0, w - iw - x0, cv2.BORDER_REPLICATE)
        return np.ascontiguousarray(small)

    def down_mask(self, mask: np.ndarray) -> np.ndarray:
        """(H, W) uint8 0/255 full mask -> (h, w) uint8 0/255, every touched working pixel masked."""
        x0, y0, iw, ih = self.inner
        small = resize_mask_cover(mask, (iw, ih))
        w, h = self.work
        if (x0, y0, iw, ih) != (0, 0, w, h):
            small = cv2.copyMakeBorder(small, y0, h - ih - y0, x0, w - iw - x0, cv2.BORDER_CONSTANT, value=0)
        return small

    def up_maps(self, rect: tuple[int, int, int, int]) -> tuple[np.ndarray, np.ndarray]:
        """Sampling maps (map_x, map_y), (y1-y0, x1-x0) float32 each, from the full-resolution
        rectangle ``rect`` = (x0, y0, x1, y1) into working-canvas coordinates."""
        fx0, fy0, fx1, fy1 = rect
        ix0, iy0, iw, ih = self.inner
        W, H = self.full
        xs = (np.arange(fx0, fx1, dtype=np.float32) + 0.5) * np.float32(iw / W) - 0.5 + ix0
        ys = (np.arange(fy0, fy1, dtype=np.float32) + 0.5) * np.float32(ih / H) - 0.5 + iy0
        mx = np.broadcast_to(xs[None, :], (fy1 - fy0, fx1 - fx0))
        my = np.broadcast_to(ys[:, None], (fy1 - fy0, fx1 - fx0))
        return np.ascontiguousarray(mx), np.ascontiguousarray(my)

    def up(self, small: np.ndarray, rect: tuple[int, int, int, int] | None = None) -> np.ndarray:
        """Bicubic upsizing of a working-canvas image (h, w[, C]) to the full-resolution ``rect``
        (default: the whole frame). Returns float32 (rect_h, rect_w[, C])."""
        if rect is None:
            rect = (0, 0, self.full[0], self.full[1])
        fast = self._up_by_resize(small, rect)
        if fast is not None:
            return fast
        mx, my = self.up_maps(rect)
        return cv2.remap(small.astype(np.float32), mx, my, cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)

    def _up_by_resize(self, small: np.ndarray, rect) -> np.ndarray | None:
        """:meth:`up` by ``cv2.resize`` of a crop of ``small`` (3-4x faster than remapping; the same
        bicubic kernel on the same pixel grid, equal to float rounding): possible for ``stretch``
        with a crop whose full-size origin and size are whole pixels; None otherwise."""
        W, H = self.full
        w, h = self.work
        if self.inner != (0, 0, w, h) or (w, h) == (W, H) or small.ndim > 3 or \
                (small.ndim == 3 and small.shape[2] > 4):
            return None
        x0, y0, x1, y1 = rect
        if x0 < 0 or y0 < 0 or x1 > W or y1 > H or (x1 - x0) * (y1 - y0) < 4096:
            return None  # remapping a small rectangle is cheap enough
        qx, qy = w // math.gcd(W, w), h // math.gcd(H, h)  # crop steps with whole full-size pixels
        m = 3  # bicubic taps reach 2 working pixels; one more for rounding
        cx0 = max(0, (int(x0 * w / W) - m) // qx * qx)
        cy0 = max(0, (int(y0 * h / H) - m) // qy * qy)
        cx1 = min(w, -(-(int(math.ceil(x1 * w / W)) + m) // qx) * qx)
        cy1 = min(h, -(-(int(math.ceil(y1 * h / H)) + m) // qy) * qy)
        ox, oy = cx0 * W // w, cy0 * H // h
        ow, oh = (cx1 - cx0) * W // w, (cy1 - cy0) * H // h
        if ow * w != (cx1 - cx0) * W or oh * h != (cy1 - cy0) * H:
            return None
        crop = np.ascontiguousarray(small[cy0:cy1, cx0:cx1], dtype=np.float32)
        big = cv2.resize(crop, (ow, oh), interpolation=cv2.INTER_CUBIC)
        return np.ascontiguousarray(big[y0 - oy:y1 - oy, x0 - ox:x1 - ox])

    def residual(self, full: np.ndarray, small: np.ndarray | None = None,
                 rect: tuple[int, int, int, int] | None = None) -> np.ndarray:
        """``full - up(down(full))`` over ``rect`` (default: the whole frame), float32 (h, w, 3).

        ``small`` is ``down(full)`` when the caller already has it."""
        if small is None:
            small = self.down(full)
        if rect is None:
            rect = (0, 0, self.full[0], self.full[1])
        x0, y0, x1, y1 = rect
        return full[y0:y1, x0:x1].astype(np.float32) - self.up(small, rect)


def bbox(mask: np.ndarray, margin: int = 0, size: tuple[int, int] | None = None) -> tuple[int, int, int, int] | None:
    """(x0, y0, x1, y1) of the non-zero pixels of ``mask`` grown by ``margin`` and clipped to
    ``size`` = (W, H) (default: the mask's); None for an empty mask."""
    ys = np.flatnonzero(mask.any(axis=1))
    if len(ys) == 0:
        return None
    xs = np.flatnonzero(mask.any(axis=0))
    W, H = size if size is not None else (mask.shape[1], mask.shape[0])
    return (max(0, int(xs[0]) - margin), max(0, int(ys[0]) - margin),
            min(W, int(xs[-1]) + 1 + margin), min(H, int(ys[-1]) + 1 + margin))


def laplacian_energy(img: np.ndarray, mask: np.ndarray | None = None) -> float:
    """Mean squared Laplacian (a measure of high-frequency energy) of the grey version of ``img``
    ((H, W, 3) or (H, W), any numeric dtype, 0-255 scale), inside ``mask`` when given."""
    g = img.astype(np.float32)
    if g.ndim == 3:
        g = g @ np.array([0.299, 0.587, 0.114], np.float32)
    lap = cv2.Laplacian(g, cv2.CV_32F, ksize=1)
    sq = lap * lap
    if mask is not None:
        m = mask > 0
        return float(sq[m].mean()) if m.any() else 0.0
    return float(sq.mean())
