"""Exemplar (patch-based) fill of a hole from the image's own known region.

Multi-scale PatchMatch completion in the spirit of Wexler et al. (2007) and Newson et al. (2014):
from the coarsest level of an image pyramid up, alternate (1) a PatchMatch search (Barnes et al.
2009: random initialisation, propagation from scan-order neighbours, random search at shrinking
radii) of, for every patch overlapping the hole, the most similar patch lying wholly in the known
region, and (2) a vote: every hole pixel becomes the weighted mean of the pixels the overlapping
patches' matches put there. Real texture is copied, not diffused.

:class:`ExemplarFill` is a ``spatial_fn`` for :class:`~.propagation.ChunkFiller`: it keeps the last
nearest-neighbour field, and a call whose hole is nearly the same as the previous one starts from
that field at the finest level (no coarse levels), so consecutive fills of a still scene stay the
same where their surroundings do: coherent over time, yet following changes.

The kernels are compiled with numba. Arrays: images (H, W, 3) uint8 in and out, float32 inside;
holes (H, W) bool; nearest-neighbour fields (H, W) int32 source rows and columns (patch centres).
"""

from __future__ import annotations

import cv2
import numba
import numpy as np

#: patch side (pixels) at every level
PATCH = 7


@numba.njit(cache=True, nogil=True)
def _dist(img, conf, ty, tx, sy, sx, r, h, w, best):
    """Confidence-weighted mean squared difference (over the C channels) of the patches centred at
    (ty, tx) and (sy, sx), over the target patch's pixels inside the image; stops early once above
    ``best``. The source patch is wholly inside and known."""
    tot = 0.0
    n = 0.0
    nc = img.shape[2]
    for dy in range(-r, r + 1):
        y = ty + dy
        if y < 0 or y >= h:
            continue
        for dx in range(-r, r + 1):
            x = tx + dx
            if x < 0 or x >= w:
                continue
            a = conf[y, x]
            e = 0.0
            for c in range(nc):
                d = img[y, x, c] - img[sy + dy, sx + dx, c]
                e += d * d
            tot += a * e
            n += a
        if n > 0 and tot > best * n:
            return 1e30
    return tot / max(n, 1e-6)


@numba.njit(cache=True, nogil=True)
def _patchmatch(img, conf, ty, tx, tidx, valid, nny, nnx, nnd, r, iters, seed, keep):
    """Improve the field (``nny``/``nnx``/``nnd`` per target ``k`` at (ty[k], tx[k])) in place.
    ``tidx`` (H, W) int32: the target number of each pixel or -1; ``valid`` (H, W) bool: the
    allowed source centres. A candidate replaces target k's match only when its distance is below
    ``keep[k]`` times the match's (1: any improvement; 0: the match is kept)."""
    np.random.seed(seed)
    h, w = valid.shape
    m = ty.shape[0]
    for k in range(m):
        nnd[k] = _dist(img, conf, ty[k], tx[k], nny[k], nnx[k], r, h, w, 1e30)
    big = max(h, w)
    for it in range(iters):
        step = 1 if it % 2 == 0 else -1
        for j in range(m):
            k = j if step == 1 else m - 1 - j
            y, x = ty[k], tx[k]
            # propagation: the neighbour's match, shifted by one
            for q in range(2):
                py = y - step if q == 0 else y
                px = x if q == 0 else x - step
                if py < 0 or py >= h or px < 0 or px >= w:
                    continue
                nb = tidx[py, px]
                if nb < 0:
                    continue
                cy = nny[nb] + (y - py)
                cx = nnx[nb] + (x - px)
                if cy < 0 or cy >= h or cx < 0 or cx >= w or not valid[cy, cx]:
                    continue
                d = _dist(img, conf, y, x, cy, cx, r, h, w, nnd[k] * keep[k])
                if d < nnd[k] * keep[k]:
                    nnd[k], nny[k], nnx[k] = d, cy, cx
            # random search around the current match at shrinking radii
            rad = big
            while rad >= 1:
                cy = nny[k] + np.random.randint(-rad, rad + 1)
                cx = nnx[k] + np.random.randint(-rad, rad + 1)
                if 0 <= cy < h and 0 <= cx < w and valid[cy, cx]:
                    d = _dist(img, conf, y, x, cy, cx, r, h, w, nnd[k] * keep[k])
                    if d < nnd[k] * keep[k]:
                        nnd[k], nny[k], nnx[k] = d, cy, cx
                rad //= 2


@numba.njit(cache=True, nogil=True)
def _vote(img, hy, hx, tidx, nny, nnx, nnd, r, out, spread):
    """Each hole pixel (hy[i], hx[i]) := weighted mean of what the matches of the patches covering
    it put there; weights fall with the match distance. Writes ``out`` (M, 3)."""
    h, w = tidx.shape
    m = hy.shape[0]
    # a robust scale for the weights: the mean match distance
    s = 0.0
    for k in range(nnd.shape[0]):
        s += nnd[k]
    sigma2 = max(spread * s / max(nnd.shape[0], 1), 1.0)
    nc = img.shape[2]
    acc = np.zeros(nc)
    for i in range(m):
        y, x = hy[i], hx[i]
        acc[:] = 0.0
        wt = 0.0
        for dy in range(-r, r + 1):
            py = y - dy
            if py < 0 or py >= h:
                continue
            for dx in range(-r, r + 1):
                px = x - dx
                if px < 0 or px >= w:
                    continue
                k = tidx[py, px]
                if k < 0:
                    continue
                sy, sx = nny[k] + dy, nnx[k] + dx
                g = np.exp(-nnd[k] / (2.0 * sigma2))
                for c in range(nc):
                    acc[c] += g * img[sy, sx, c]
                wt += g
        for c in range(nc):
            out[i, c] = acc[c] / wt if wt > 0 else img[y, x, c]


@numba.njit(cache=True, nogil=True)
def _copy_centres(img, hy, hx, tidx, nny, nnx, out):
    """Each hole pixel := the centre pixel of its own patch's match (no averaging: keeps the
    source's sharpness). Writes ``out`` (M, 3)."""
    for i in range(hy.shape[0]):
        k = tidx[hy[i], hx[i]]
        for c in range(img.shape[2]):
            out[i, c] = img[nny[k], nnx[k], c]


def _pyramid_levels(hole: np.ndarray, patch: int) -> int:
    """Levels so that the coarsest hole is at most about one patch deep, and the image stays above
    ~4 patches on its short side."""
    depth = float(cv2.distanceTransform(hole.astype(np.uint8), cv2.DIST_L2, 3).max())
    levels = 1
    side = min(hole.shape)
    while depth > patch and side / 2 >= 4 * patch and levels < 6:
        depth /= 2
        side /= 2
        levels += 1
    return levels


def texture_features(rgb: np.ndarray, hole: np.ndarray, size: int) -> np.ndarray:
    """(H, W, 2) float32: |d/dx| and |d/dy| of the grey image averaged over ``size`` x ``size``
    windows of known pixels (Newson et al.'s texture features; they tell a textured patch from a
    flat one of the same mean colour). Zero inside the hole (filled by the votes)."""
    g = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32)
    gx = np.abs(cv2.Sobel(g, cv2.CV_32F, 1, 0, ksize=1))
    gy = np.abs(cv2.Sobel(g, cv2.CV_32F, 0, 1, ksize=1))
    bad = cv2.dilate(hole.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    known = (~bad).astype(np.float32)
    den = np.maximum(cv2.blur(known, (size, size)), 1e-3)
    out = np.stack([cv2.blur(gx * known, (size, size)) / den, cv2.blur(gy * known, (size, size)) / den], 2)
    out[hole] = 0.0
    return out


def _resize(img: np.ndarray, size: tuple[int, int], interp: int) -> np.ndarray:
    """cv2.resize for any channel count (OpenCV takes at most 4 at once)."""
    if img.ndim == 2 or img.shape[2] <= 4:
        out = cv2.resize(img, size, interpolation=interp)
        return out if img.ndim == 2 or out.ndim == 3 else out[..., None]
    return np.concatenate([_resize(img[..., c:c + 3], size, interp) for c in range(0, img.shape[2], 3)], 2)


class _Level:
    """One pyramid level: image (float32, RGB + features), hole, confidence, the target patches and
    the allowed source centres."""

    def __init__(self, img: np.ndarray, hole: np.ndarray, r: int, decay: float) -> None:
        self.img = np.ascontiguousarray(img, np.float32)
        self.hole = hole
        h, w = hole.shape
        dist = cv2.distanceTransform(hole.astype(np.uint8), cv2.DIST_L2, 3)
        self.conf = np.where(hole, decay ** -dist, 1.0).astype(np.float32)
        k = cv2.getStructuringElement(cv2.MORPH_RECT, (2 * r + 1, 2 * r + 1))
        touch = cv2.dilate(hole.astype(np.uint8), k) > 0
        valid = ~touch
        valid[:r, :] = valid[h - r:, :] = False
        valid[:, :r] = valid[:, w - r:] = False
        self.valid = valid
        self.ty, self.tx = (a.astype(np.int32) for a in np.nonzero(touch))
        self.tidx = np.full((h, w), -1, np.int32)
        self.tidx[self.ty, self.tx] = np.arange(self.ty.size, dtype=np.int32)
        self.hy, self.hx = (a.astype(np.int32) for a in np.nonzero(hole))
        self.src = np.stack(np.nonzero(valid), 1).astype(np.int32)


class ExemplarFill:
    """Patch-based hole filling (see the module docstring); ``fill(rgb, hole)`` / calling the object.

    ``patch``: patch side; ``em``: search/vote rounds per level (finest level: ``em_fine``);
    ``pm_iters``: PatchMatch sweeps per round; ``features``: weight of the texture features against
    colour; ``decay``: confidence of a hole pixel falls as ``decay ** -distance`` from the border;
    ``warm``: reuse the previous field when the hole has not changed much (IoU >= ``warm``);
    ``sharp``: the last vote copies each match's centre pixel (no averaging); ``seed``: reproducible.
    """

    def __init__(self, patch: int = PATCH, em: int = 3, em_fine: int = 2, pm_iters: int = 3,
                 features: float = 1.0, decay: float = 1.3, warm: float = 0.9, sharp: bool = False,
                 seed: int = 0, sharp_all: bool = False, spread: float = 0.3) -> None:
        self.sharp_all = sharp_all
        #: vote weights exp(-d / (2 spread mean(d))): small = only the best matches count
        self.spread = spread
        #: in a warm start, a patch searches again where its match's distance grew beyond this
        #: factor of the previous one (plus 25 squared grey levels)
        self.stick = 1.5
        self.r = patch // 2
        self.em, self.em_fine, self.pm_iters = em, em_fine, pm_iters
        self.features, self.decay = features, decay
        self.warm, self.sharp, self.seed = warm, sharp, seed
        self._calls = 0
        self._prev: tuple | None = None  # hole, nny map, nnx map, distance map, filled image

    def __call__(self, rgb: np.ndarray, hole: np.ndarray) -> np.ndarray:
        return self.fill(rgb, hole)

    @staticmethod
    def _telea(rgb: np.ndarray, hole: np.ndarray) -> np.ndarray:
        return cv2.inpaint(rgb, hole.astype(np.uint8) * 255, 5, cv2.INPAINT_TELEA)

    def _random_field(self, lv: _Level, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        pick = lv.src[rng.integers(0, len(lv.src), lv.ty.size)]
        return np.ascontiguousarray(pick[:, 0]), np.ascontiguousarray(pick[:, 1])

    def _rounds(self, lv: _Level, nny, nnx, rounds: int, seed: int, sharp: bool = False,
                keep: np.ndarray | None = None) -> np.ndarray:
        nnd = np.zeros(lv.ty.size, np.float32)
        if keep is None:
            keep = np.ones(lv.ty.size, np.float32)
        out = np.empty((lv.hy.size, lv.img.shape[2]), np.float32)
        for e in range(rounds):
            _patchmatch(lv.img, lv.conf, lv.ty, lv.tx, lv.tidx, lv.valid, nny, nnx, nnd, self.r,
                        self.pm_iters, seed + e, keep)
            if sharp and e == rounds - 1:
                _copy_centres(lv.img, lv.hy, lv.hx, lv.tidx, nny, nnx, out)
            else:
                _vote(lv.img, lv.hy, lv.hx, lv.tidx, nny, nnx, nnd, self.r, out, self.spread)
            lv.img[lv.hy, lv.hx] = out
        return nnd

    def _stack(self, rgb: np.ndarray, hole: np.ndarray) -> np.ndarray:
        feats = texture_features(rgb, hole, 2 * self.r + 1) * self.features
        return np.concatenate([rgb.astype(np.float32), feats], 2)

    def fill(self, rgb: np.ndarray, hole: np.ndarray) -> np.ndarray:
        """Fill ``hole`` ((H, W) bool) of ``rgb`` ((H, W, 3) uint8) -> new (H, W, 3) uint8; pixels
        outside the hole are returned unchanged."""
        hole = np.asarray(hole, bool)
        out = rgb.copy()
        if not hole.any():
            return out
        h, w = hole.shape
        if min(h, w) < 8 * self.r + 4:
            return self._telea(rgb, hole)
        self._calls += 1
        seed = self.seed * 1000003 + self._calls
        rng = np.random.default_rng(seed)
        prev = self._prev
        if prev is not None and prev[0].shape == hole.shape:
            inter = np.logical_and(prev[0], hole).sum()
            union = np.logical_or(prev[0], hole).sum()
            if union and inter / union >= self.warm:
                return self._warm_fill(rgb, hole, out, prev, rng, seed)
        levels = _pyramid_levels(hole, 2 * self.r + 1)
        full = self._stack(rgb, hole)
        imgs, holes = [full], [hole]
        for _ in range(levels - 1):
            hh, ww = (imgs[-1].shape[0] + 1) // 2, (imgs[-1].shape[1] + 1) // 2
            known = (~holes[-1]).astype(np.float32)
            num = _resize(imgs[-1] * known[..., None], (ww, hh), cv2.INTER_AREA)
            den = cv2.resize(known, (ww, hh), interpolation=cv2.INTER_AREA)
            small_hole = cv2.resize(holes[-1].astype(np.float32), (ww, hh), interpolation=cv2.INTER_AREA) > 0
            imgs.append(num / np.maximum(den, 1e-3)[..., None])
            holes.append(small_hole)
        my = mx = None
        base = None
        for li in range(levels - 1, -1, -1):
            img = imgs[li].copy()
            lv_hole = holes[li]
            if base is not None:  # the coarser result, upsampled, inside the hole
                up = _resize(base, (img.shape[1], img.shape[0]), cv2.INTER_LINEAR)
                img[lv_hole] = up[lv_hole]
            else:
                img[lv_hole] = 0.0
            lv = _Level(img, lv_hole, self.r, self.decay)
            if len(lv.src) == 0:
                return self._telea(rgb, hole)
            if my is None:
                fy, fx = self._random_field(lv, rng)
                if base is None:  # coarsest: a first estimate from the random matches' centres
                    tmp = np.empty((lv.hy.size, img.shape[2]), np.float32)
                    _copy_centres(lv.img, lv.hy, lv.hx, lv.tidx, fy, fx, tmp)
                    lv.img[lv.hy, lv.hx] = tmp
            else:  # the coarser field, doubled, where it points at an allowed centre
                fy, fx = self._upsample_field(lv, my, mx, rng)
            rounds = self.em_fine if li == 0 else self.em
            nnd = self._rounds(lv, fy, fx, rounds, seed + 17 * li,
                               sharp=self.sharp if (li == 0 or self.sharp_all) else False)
            my, mx = self._field_maps(lv, fy, fx)
            base = lv.img
        # the distances of the final field on the final image: what a warm start compares with
        _patchmatch(lv.img, lv.conf, lv.ty, lv.tx, lv.tidx, lv.valid, fy, fx, nnd, self.r, 0, seed,
                    np.ones(lv.ty.size, np.float32))
        self._prev = (hole.copy(), my, mx, self._dist_map(lv, nnd), lv.img.copy())
        out[hole] = np.clip(base[hole][:, :3] + 0.5, 0, 255).astype(np.uint8)
        return out

    @staticmethod
    def _dist_map(lv: _Level, nnd: np.ndarray) -> np.ndarray:
        m = np.full(lv.hole.shape, np.inf, np.float32)
        m[lv.ty, lv.tx] = nnd
        return m

    def _field_maps(self, lv: _Level, fy, fx) -> tuple[np.ndarray, np.ndarray]:
        h, w = lv.hole.shape
        my = np.full((h, w), -1, np.int32)
        mx = np.full((h, w), -1, np.int32)
        my[lv.ty, lv.tx] = fy
        mx[lv.ty, lv.tx] = fx
        return my, mx

    def _upsample_field(self, lv: _Level, my, mx, rng) -> tuple[np.ndarray, np.ndarray]:
        ch, cw = my.shape
        cy = np.clip(lv.ty // 2, 0, ch - 1)
        cx = np.clip(lv.tx // 2, 0, cw - 1)
        py, px = my[cy, cx], mx[cy, cx]
        fy = py * 2 + (lv.ty - cy * 2)
        fx = px * 2 + (lv.tx - cx * 2)
        return self._checked(lv, fy, fx, py >= 0, rng)

    def _checked(self, lv: _Level, fy, fx, ok, rng) -> tuple[np.ndarray, np.ndarray]:
        h, w = lv.hole.shape
        ok = ok & (fy >= 0) & (fy < h) & (fx >= 0) & (fx < w)
        ok[ok] = lv.valid[fy[ok], fx[ok]]
        ry, rx = self._random_field(lv, rng)
        return (np.ascontiguousarray(np.where(ok, fy, ry).astype(np.int32)),
                np.ascontiguousarray(np.where(ok, fx, rx).astype(np.int32)))

    def _warm_fill(self, rgb, hole, out, prev, rng, seed) -> np.ndarray:
        """Finest level only, from the previous field: a fill that stays where the scene does."""
        pmy, pmx, pnd = prev[1], prev[2], prev[3]
        lv = _Level(self._stack(rgb, hole), hole, self.r, self.decay)
        if len(lv.src) == 0:
            return self._telea(rgb, hole)
        fy, fx = pmy[lv.ty, lv.tx], pmx[lv.ty, lv.tx]
        h, w = hole.shape
        inherited = (fy >= 0) & (fy < h) & (fx >= 0) & (fx < w)
        inherited[inherited] = lv.valid[fy[inherited], fx[inherited]]
        fy, fx = self._checked(lv, fy, fx, inherited, rng)
        # the previous fill where the hole was already a hole, the inherited matches elsewhere
        tmp = np.empty((lv.hy.size, lv.img.shape[2]), np.float32)
        _copy_centres(lv.img, lv.hy, lv.hx, lv.tidx, fy, fx, tmp)
        lv.img[lv.hy, lv.hx] = tmp
        was = prev[0] & hole
        lv.img[was] = prev[4][was]
        before = lv.img.copy()
        # only the patches whose match got worse (the scene changed there) search again
        nnd = np.zeros(lv.ty.size, np.float32)
        _patchmatch(lv.img, lv.conf, lv.ty, lv.tx, lv.tidx, lv.valid, fy, fx, nnd, self.r, 0, seed,
                    np.ones(lv.ty.size, np.float32))
        old = pnd[lv.ty, lv.tx]
        # new targets and those whose old match is gone start from random matches: they search
        keep = (~inherited | ~np.isfinite(old) | (nnd > self.stick * old + 25.0)).astype(np.float32)
        if keep.any():
            nnd = self._rounds(lv, fy, fx, 1, seed, sharp=self.sharp, keep=keep)
            # pixels no re-searched patch covers keep their previous fill (no flicker)
            moved = np.zeros(hole.shape, np.uint8)
            moved[lv.ty[keep > 0], lv.tx[keep > 0]] = 1
            k = cv2.getStructuringElement(cv2.MORPH_RECT, (2 * self.r + 1, 2 * self.r + 1))
            still = was & ~(cv2.dilate(moved, k) > 0)
            lv.img[still] = before[still]
        self._prev = (hole.copy(), *self._field_maps(lv, fy, fx), self._dist_map(lv, nnd), lv.img.copy())
        out[hole] = np.clip(lv.img[hole][:, :3] + 0.5, 0, 255).astype(np.uint8)
        return out
