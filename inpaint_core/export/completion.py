"""Completion of a field inside a hole from its surroundings: harmonic (Laplace) completion with a
cached factorisation, and a cheap normalised-Gaussian fill for small smooth corrections.

Both take (h, w, C) float32 fields and (h, w) bool holes and return a new (h, w, C) float32 array.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict

import cv2
import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla


class HoleFiller:
    """Harmonic (Laplace) completion of a field inside a hole, with the sparse factorisation cached
    per hole shape: stationary masks are solved once for the whole clip."""

    def __init__(self, capacity: int = 8) -> None:
        self._cache: OrderedDict[bytes, tuple] = OrderedDict()
        self.capacity = capacity

    def _system(self, hole: np.ndarray):
        key = hashlib.sha1(np.packbits(hole).tobytes() + str(hole.shape).encode()).digest()
        hit = self._cache.get(key)
        if hit is not None:
            self._cache.move_to_end(key)
            return hit
        h, w = hole.shape
        ys, xs = np.nonzero(hole)
        n = len(ys)
        idx = -np.ones((h, w), np.int64)
        idx[ys, xs] = np.arange(n)
        rows, cols, data = [], [], []
        diag = np.zeros(n)
        known = []
        for dy, dx in ((-1, 0), (1, 0), (0, -1), (0, 1)):
            ny, nx = ys + dy, xs + dx
            ok = (ny >= 0) & (ny < h) & (nx >= 0) & (nx < w)
            diag[ok] += 1
            k = np.nonzero(ok)[0]
            nb = idx[ny[ok], nx[ok]]
            unk = nb >= 0
            rows.append(k[unk])
            cols.append(nb[unk])
            data.append(-np.ones(int(unk.sum())))
            known.append((k[~unk], ny[ok][~unk], nx[ok][~unk]))
        rows.append(np.arange(n))
        cols.append(np.arange(n))
        data.append(diag)
        A = sp.csc_matrix((np.concatenate(data), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n))
        hit = (ys, xs, spla.factorized(A), known)
        self._cache[key] = hit
        while len(self._cache) > self.capacity:
            self._cache.popitem(last=False)
        return hit

    def __call__(self, field: np.ndarray, hole: np.ndarray) -> np.ndarray:
        """``field`` (h, w, C) float32 with the values inside ``hole`` (h, w bool) replaced by the
        harmonic interpolation of those around it (a new array)."""
        hole = hole > 0
        out = field.astype(np.float32).copy()
        if not hole.any():
            return out
        if hole.all():
            out[:] = 0
            return out
        ys, xs, solve, known = self._system(hole)
        for c in range(field.shape[2]):
            rhs = np.zeros(len(ys))
            for k, ny, nx in known:
                np.add.at(rhs, k, field[ny, nx, c])
            out[ys, xs, c] = solve(rhs)
        return out


def _start(field: np.ndarray, bad: np.ndarray):
    """(good (h, w) float32 weights, out float32 copy of ``field``); good is None when there is
    nothing to average (no bad pixel: ``out`` is the field; no good one: ``out`` is zeros)."""
    good = (~bad).astype(np.float32)
    out = field.astype(np.float32).copy()
    if good.all():
        return None, out
    if not good.any():
        out[:] = 0
        return None, out
    return good, out


def fill_smooth_exact(field: np.ndarray, bad: np.ndarray) -> np.ndarray:
    """Replace ``field`` (h, w, C) float32 where ``bad`` (h, w bool) by normalised Gaussian averages
    of the good values around it, widening the kernel until every pixel is reached. Cheap stand-in
    for harmonic completion when the field is a small, smooth correction."""
    good, out = _start(field, bad)
    if good is None:
        return out
    todo = bad.copy()
    sigma = 2.0
    while todo.any() and sigma < 4 * max(field.shape[:2]):
        num = cv2.GaussianBlur(field * good[..., None], (0, 0), sigma)
        den = cv2.GaussianBlur(good, (0, 0), sigma)
        ok = todo & (den > 1e-3)
        out[ok] = num[ok] / den[ok][:, None]
        todo &= ~ok
        sigma *= 2
    out[todo] = 0
    return out


def _half(img: np.ndarray) -> np.ndarray:
    h, w = img.shape[:2]
    return cv2.resize(img, (max(1, (w + 1) // 2), max(1, (h + 1) // 2)), interpolation=cv2.INTER_AREA)


def fill_smooth(field: np.ndarray, bad: np.ndarray) -> np.ndarray:
    """:func:`fill_smooth_exact` with the wide kernels applied to a reduced copy: once the Gaussian's
    sigma is 4 pixels or more, the weighted field and the weights are halved (area averaging) so
    that the kernel stays 2-4 pixels wide, and the blurred result is brought back by bilinear
    upsizing. A hole of a few hundred pixels costs a few milliseconds instead of a second; the
    values differ from the exact fill by the smoothing the reduction adds (well under the kernel)."""
    good, out = _start(field, bad)
    if good is None:
        return out
    h, w = bad.shape
    todo = bad.copy()
    lvl_num = np.ascontiguousarray(out * good[..., None])
    lvl_den = good
    s = 1.0
    sigma = 2.0
    while todo.any() and sigma < 4 * max(h, w):
        while sigma / s >= 4 and min(lvl_den.shape[:2]) >= 8:
            lvl_num, lvl_den = _half(lvl_num), _half(lvl_den)
            s = w / lvl_den.shape[1]
        num = cv2.GaussianBlur(lvl_num, (0, 0), sigma / s)
        den = cv2.GaussianBlur(lvl_den, (0, 0), sigma / s)
        if num.ndim == 2:
            num = num[..., None]
        if den.shape[:2] != (h, w):
            num = cv2.resize(num, (w, h), interpolation=cv2.INTER_LINEAR)
            den = cv2.resize(den, (w, h), interpolation=cv2.INTER_LINEAR)
            if num.ndim == 2:
                num = num[..., None]
        ok = todo & (den > 1e-3)
        out[ok] = num[ok] / den[ok][:, None]
        todo &= ~ok
        sigma *= 2
    out[todo] = 0
    return out
