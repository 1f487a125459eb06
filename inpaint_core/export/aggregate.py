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


def _remap_points(img: np.ndarray, x: np.ndarray, y: np.ndarray, interp=cv2.INTER_CUBIC) -> np.ndarray:
    """``img`` sampled at the points (x, y) (1-d float32, same length N): (N, C) float32. The points
    are laid out in rows of 1024 (OpenCV's remap takes at most 32767 columns)."""
    n, row = len(x), 1024
    m = -(-n // row) * row
    mx, my = np.zeros(m, np.float32), np.zeros(m, np.float32)
    mx[:n], my[:n] = x, y
    out = cv2.remap(img, mx.reshape(-1, row), my.reshape(-1, row), interp, borderMode=cv2.BORDER_REPLICATE)
    return out.reshape(m, -1)[:n]


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
    uint8 0/255, the reference's grown hole over ``rrect``; ``cover``: (rh, rw) bool, ``valid``
    before the check against the target's known pixels (``temporal._verified``), None: ``valid``."""

    rrect: tuple[int, int, int, int]
    lx: np.ndarray
    ly: np.ndarray
    valid: np.ndarray
    hole: np.ndarray
    cover: np.ndarray | None = None


class NumpyAggregator:
    """Weighted sum of aligned reference residuals over a target rectangle (numpy/OpenCV).

    ``fill_up``: (rh, rw, 3) float32 upsized fill. :meth:`add` one reference at a time, then
    :meth:`result` -> (R (rh, rw, 3) float32, conf (rh, rw) float32). ``hole``: (rh, rw) bool, the
    target's hole over the rectangle: the residual is then sampled and summed only there (and the
    weights' patch distance in the ring its box filter reads), R is 0 beyond it (the caller uses
    R inside the hole only) and equals the dense result inside it; None computes it everywhere."""

    def __init__(self, fill_up: np.ndarray, geom: Geometry, opts, hole: np.ndarray | None = None) -> None:
        self.fill_up, self.geom, self.opts = fill_up, geom, opts
        rh, rw = fill_up.shape[:2]
        self.k = 2 * int(round(geom.scale)) + 1
        self.anyvalid = np.zeros((rh, rw), np.float32)
        self.sparse = hole is not None
        if self.sparse:
            band = cv2.dilate(hole.view(np.uint8), np.ones((self.k, self.k), np.uint8)) > 0
            self.band = np.flatnonzero(band)          # pixels whose distance the box filter reads
            self.pick = hole.ravel()[self.band]       # which of them are hole pixels
            self.hole_at = self.band[self.pick]
            self.fill_b = fill_up.reshape(-1, 3)[self.band]
            n = len(self.hole_at)
            self.acc = np.zeros((n, 3), np.float32)
            self.wsum = np.zeros(n, np.float32)
            self._dense = np.zeros(rh * rw, np.float32)
        else:
            self.acc = np.zeros((rh, rw, 3), np.float32)
            self.wsum = np.zeros((rh, rw), np.float32)

    def add(self, fr, al: Alignment, prior, timings: dict | None = None) -> None:
        if self.sparse:
            return self._add_sparse(fr, al, prior, timings)
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
            d = cv2.blur(d, (self.k, self.k))
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

    def _add_sparse(self, fr, al: Alignment, prior, timings: dict | None) -> None:
        geom, opts = self.geom, self.opts
        rh, rw = self.anyvalid.shape
        with timed(timings, "restore.resize"):
            blur_r = geom.up(fr.small, al.rrect)
            res_r = fr.fullf(al.rrect) - blur_r
        with timed(timings, "restore.warp"):
            lx, ly = al.lx.ravel(), al.ly.ravel()
            bx, by = lx[self.band], ly[self.band]
            blur_w = _remap_points(blur_r, bx, by)
            res_w = _remap_points(res_r, bx[self.pick], by[self.pick], cv2.INTER_LANCZOS4)
        with timed(timings, "restore.aggregate"):
            diff = self.fill_b - blur_w
            dense = self._dense
            dense[self.band] = (diff * diff) @ _THIRD[0]
            d = cv2.blur(dense.reshape(rh, rw), (self.k, self.k)).ravel()[self.hole_at]
            valid = al.valid.ravel()[self.hole_at]
            p = prior.ravel()[self.hole_at] if isinstance(prior, np.ndarray) else prior
            wgt = ((np.exp(d * np.float32(-0.5 / opts.sigma ** 2)) + np.float32(1e-4)) * p).astype(np.float32) * valid
            if opts.lf_sigma:
                lf = np.exp(d * np.float32(-0.5 / opts.lf_sigma ** 2))
                res_w -= diff[self.pick] * lf[:, None]
            res_w *= wgt[:, None]
            self.acc += res_w
            self.wsum += wgt
            np.maximum(self.anyvalid, al.valid.astype(np.float32), out=self.anyvalid)

    def result(self) -> tuple[np.ndarray, np.ndarray]:
        conf = cv2.GaussianBlur(self.anyvalid, (0, 0), max(1.0, self.geom.scale)) * self.anyvalid
        if self.sparse:
            out = np.zeros(self.fill_up.shape, np.float32)
            got = self.wsum > 0
            out.reshape(-1, 3)[self.hole_at[got]] = self.acc[got] / self.wsum[got][:, None]
            return out, conf.astype(np.float32)
        out = np.zeros_like(self.acc)
        np.divide(self.acc, np.maximum(self.wsum, 1e-12)[..., None], out=out, where=self.wsum[..., None] > 0)
        return out, conf.astype(np.float32)
