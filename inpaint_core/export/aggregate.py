"""Temporal residual aggregation over a target rectangle, numpy/OpenCV form (the torch form is
:class:`~inpaint_core.export.torch_restore.TorchAggregator`): where an aligned reference is read
(:class:`Alignment`) and the weighted sum of the references' residuals (:class:`NumpyAggregator`).
See :mod:`.temporal` for the method."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ..flow import to_gray
from .residuals import Geometry
from .roi import timed

_THIRD = np.full((1, 3), 1.0 / 3.0, np.float32)


def _remap(img: np.ndarray, mx: np.ndarray, my: np.ndarray, interp=cv2.INTER_CUBIC,
           border=cv2.BORDER_REPLICATE) -> np.ndarray:
    return cv2.remap(img, mx.astype(np.float32), my.astype(np.float32), interp, borderMode=border)


def _target_context(ft, fill_up: np.ndarray, rect):
    """What every reference of one target shares: (hole (rh, rw) bool, grey target with its hole
    filled (rh, rw) uint8, xs, ys (rh, rw) float32 full-resolution pixel coordinates)."""
    x0, y0, x1, y1 = rect
    hole_t = ft.hole[y0:y1, x0:x1] > 0
    target = ft.fullf(rect)
    target[hole_t] = fill_up[hole_t]
    g_t = to_gray(np.clip(target, 0, 255).astype(np.uint8))
    xs, ys = np.meshgrid(np.arange(x0, x1, dtype=np.float32), np.arange(y0, y1, dtype=np.float32))
    return hole_t, g_t, xs, ys


def _grey_remap(full: np.ndarray, mx: np.ndarray, my: np.ndarray) -> np.ndarray:
    """Bicubic sample of the grey version of ``full`` (H, W, 3) uint8 at (mx, my): only the part
    the maps read is converted, and one channel is sampled instead of three."""
    H, W = full.shape[:2]
    bx0 = int(np.clip(np.floor(mx.min()) - 3, 0, W - 1))
    by0 = int(np.clip(np.floor(my.min()) - 3, 0, H - 1))
    bx1 = int(np.clip(np.ceil(mx.max()) + 4, bx0 + 1, W))
    by1 = int(np.clip(np.ceil(my.max()) + 4, by0 + 1, H))
    if bx0 > 0 or by0 > 0 or bx1 < W or by1 < H:
        # an interior crop edge must not act as a replicated border: keep it only when the maps
        # stay inside the frame (else sample the whole frame)
        if mx.min() < 0 or my.min() < 0 or mx.max() > W - 1 or my.max() > H - 1:
            bx0, by0, bx1, by1 = 0, 0, W, H
    g = to_gray(np.ascontiguousarray(full[by0:by1, bx0:bx1]))
    return _remap(g, mx - bx0, my - by0)


@dataclass
class Alignment:
    """Where the pixels of ``rect`` in the target are read in a reference, at full resolution.

    ``rrect``: (x0, y0, x1, y1), the reference's area the samples read; ``lx``, ``ly``: (rh, rw)
    float32 sampling coordinates relative to ``rrect``; ``valid``: (rh, rw) bool, inside the frame,
    off the reference's grown hole and passing the working-size cycle test; ``hole``: (ry, rx)
    uint8 0/255, the reference's grown hole over ``rrect``."""

    rrect: tuple[int, int, int, int]
    lx: np.ndarray
    ly: np.ndarray
    valid: np.ndarray
    hole: np.ndarray


class NumpyAggregator:
    """Weighted sum of aligned reference residuals over a target rectangle (numpy/OpenCV).

    ``fill_up``: (rh, rw, 3) float32 upsized fill. :meth:`add` one reference at a time, then
    :meth:`result` -> (R (rh, rw, 3) float32, conf (rh, rw) float32)."""

    def __init__(self, fill_up: np.ndarray, geom: Geometry, opts) -> None:
        self.fill_up, self.geom, self.opts = fill_up, geom, opts
        rh, rw = fill_up.shape[:2]
        self.acc = np.zeros((rh, rw, 3), np.float32)
        self.wsum = np.zeros((rh, rw), np.float32)
        self.anyvalid = np.zeros((rh, rw), np.float32)

    def add(self, fr, al: Alignment, prior, timings: dict | None = None) -> None:
        geom, opts, fill_up = self.geom, self.opts, self.fill_up
        with timed(timings, "restore.resize"):
            blur_r = geom.up(fr.small, al.rrect)
            res_r = fr.fullf(al.rrect) - blur_r
        with timed(timings, "restore.warp"):
            res_w = _remap(res_r, al.lx, al.ly, cv2.INTER_LANCZOS4)
            blur_w = _remap(blur_r, al.lx, al.ly)
        with timed(timings, "restore.aggregate"):
            diff = fill_up - blur_w
            np.multiply(diff, diff, out=blur_w)  # blur_w is not needed past here
            # the channels' mean by cv2.transform: numpy's mean over the last axis of an (h, w, 3)
            # array took 5x longer
            d = cv2.transform(blur_w, _THIRD)
            k = 2 * int(round(geom.scale)) + 1
            d = cv2.blur(d, (k, k))
            wgt = (np.exp(d * np.float32(-0.5 / opts.sigma ** 2)) + np.float32(1e-4)) * prior
            wgt = wgt.astype(np.float32) * al.valid
            if opts.lf_sigma:
                lf = np.exp(d * np.float32(-0.5 / opts.lf_sigma ** 2))
                diff *= lf[..., None]
                res_w -= diff  # res_w + lf * (blur_w - fill_up)
            res_w *= wgt[..., None]
            self.acc += res_w
            self.wsum += wgt
            np.maximum(self.anyvalid, al.valid.astype(np.float32), out=self.anyvalid)

    def result(self) -> tuple[np.ndarray, np.ndarray]:
        out = np.zeros_like(self.acc)
        np.divide(self.acc, np.maximum(self.wsum, 1e-12)[..., None], out=out, where=self.wsum[..., None] > 0)
        conf = cv2.GaussianBlur(self.anyvalid, (0, 0), max(1.0, self.geom.scale)) * self.anyvalid
        return out, conf.astype(np.float32)
