"""Optical flow toolkit: dense flow (OpenCV DIS), TSAM cycle-consistency validity, flow completion
inside holes, and warping of images and masks.

Conventions: a flow field is (H, W, 2) float32 of (dx, dy) in pixels. ``flow_ab = compute_flow(a, b)``
maps a pixel x of ``a`` to ``x + flow_ab[x]`` in ``b``, so ``warp(b, flow_ab)`` brings ``b`` into
``a``'s coordinates (backward warping).
"""

from __future__ import annotations

import threading

import cv2
import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from .jobs import on_thread_exit

PRESETS = {
    "ultrafast": cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST,
    "fast": cv2.DISOPTICAL_FLOW_PRESET_FAST,
    "medium": cv2.DISOPTICAL_FLOW_PRESET_MEDIUM,
}
DEFAULT_PRESET = "medium"

_local = threading.local()


@on_thread_exit
def _release_thread_caches() -> None:
    """Drop this thread's DIS instances, sampling grids and factorisations (see
    :func:`inpaint_core.jobs.release_thread_state`)."""
    _local.__dict__.clear()


def _dis(preset: str) -> cv2.DISOpticalFlow:
    """A new DIS instance per flow: a reused one carries state from its earlier calls (OpenCV 5),
    so the same frames gave different flows depending on what the thread computed before, and an
    export cut into segments (a batch) could not reproduce the whole-clip export."""
    if preset not in PRESETS:
        raise ValueError(f"unknown flow preset {preset!r}; choose from {sorted(PRESETS)}")
    return cv2.DISOpticalFlow_create(PRESETS[preset])


def to_gray(img: np.ndarray) -> np.ndarray:
    """(H, W, 3) uint8 RGB or (H, W) uint8 -> (H, W) uint8 grey."""
    if img.ndim == 2:
        return img
    return cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)


def compute_flow(a: np.ndarray, b: np.ndarray, preset: str = DEFAULT_PRESET, scale: float = 1.0) -> np.ndarray:
    """Dense flow from image ``a`` to image ``b`` (RGB or grey uint8, same size) -> (H, W, 2) float32.

    ``scale`` < 1 computes the flow on downsized images and upsizes the result (faster, coarser).
    """
    ga, gb = to_gray(a), to_gray(b)
    h, w = ga.shape
    if scale != 1.0:
        sw, sh = max(8, round(w * scale)), max(8, round(h * scale))
        ga = cv2.resize(ga, (sw, sh), interpolation=cv2.INTER_AREA)
        gb = cv2.resize(gb, (sw, sh), interpolation=cv2.INTER_AREA)
    flow = _dis(preset).calc(ga, gb, None)
    if scale != 1.0:
        fx, fy = w / flow.shape[1], h / flow.shape[0]
        flow = cv2.resize(flow, (w, h), interpolation=cv2.INTER_LINEAR)
        flow[..., 0] *= fx
        flow[..., 1] *= fy
    return np.ascontiguousarray(flow, dtype=np.float32)


def flow_pair(a: np.ndarray, b: np.ndarray, preset: str = DEFAULT_PRESET, scale: float = 1.0):
    """(forward a->b, backward b->a) flows, each (H, W, 2) float32."""
    return compute_flow(a, b, preset, scale), compute_flow(b, a, preset, scale)


def _grid(h: int, w: int) -> tuple[np.ndarray, np.ndarray]:
    key = (h, w)
    cache = getattr(_local, "grids", None)
    if cache is None:
        cache = _local.grids = {}
    if key not in cache:
        ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
        cache[key] = (xs, ys)
        if len(cache) > 8:
            cache.pop(next(iter(cache)))
    return cache[key]


def sample_coords(flow: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Absolute sampling coordinates (map_x, map_y), each (H, W) float32, for ``x + flow[x]``."""
    h, w = flow.shape[:2]
    xs, ys = _grid(h, w)
    return xs + flow[..., 0], ys + flow[..., 1]


def warp(img: np.ndarray, flow: np.ndarray, interpolation: int = cv2.INTER_LINEAR,
         border: int = cv2.BORDER_REPLICATE) -> np.ndarray:
    """Backward-warp ``img`` (H, W[, C]) by ``flow`` (H, W, 2): ``out[x] = img[x + flow[x]]``."""
    mx, my = sample_coords(flow)
    return cv2.remap(img, mx, my, interpolation, borderMode=border)


def warp_mask(mask: np.ndarray, flow: np.ndarray) -> np.ndarray:
    """Backward-warp a 0/255 mask with nearest sampling; outside the image counts as 0."""
    return warp(mask, flow, cv2.INTER_NEAREST, cv2.BORDER_CONSTANT)


def magnitude(flow: np.ndarray) -> np.ndarray:
    """(H, W) float32 ``|flow|`` of (H, W, 2) float32 (the same values as ``np.linalg.norm(flow,
    axis=2)``, several times faster)."""
    fx, fy = flow[..., 0], flow[..., 1]
    return np.sqrt(fx * fx + fy * fy)


def hole_box(hole: np.ndarray, margin: int = 0) -> tuple[int, int, int, int] | None:
    """(y0, y1, x0, x1): the bounding box of ``hole`` ((H, W) bool or uint8) grown by ``margin``
    pixels and clipped to the image; None for an empty hole."""
    x, y, w, h = cv2.boundingRect(hole.astype(np.uint8, copy=False))
    if w == 0 or h == 0:
        return None
    hh, ww = hole.shape[:2]
    return max(0, y - margin), min(hh, y + h + margin), max(0, x - margin), min(ww, x + w + margin)


def inside(flow: np.ndarray, margin: float = 0.0) -> np.ndarray:
    """(H, W) bool: where ``x + flow[x]`` lands inside the image."""
    h, w = flow.shape[:2]
    mx, my = sample_coords(flow)
    return (mx >= -margin) & (mx <= w - 1 + margin) & (my >= -margin) & (my <= h - 1 + margin)


def cycle_error(fwd: np.ndarray, bwd: np.ndarray, box: tuple[int, int, int, int] | None = None) -> np.ndarray:
    """(H, W) float32: ``|fwd(x) + bwd(x + fwd(x))|``, how far following the forward flow then the
    backward flow lands from where it started (TSAM's ``|A - F_f(F_b(A))|``). ``box`` (y0, y1, x0,
    x1): only over that part of the frame (the result is the box's shape, the same values)."""
    if box is None:
        bwd_at = warp(bwd, fwd, cv2.INTER_LINEAR, cv2.BORDER_REPLICATE)
        return magnitude(fwd + bwd_at).astype(np.float32)
    y0, y1, x0, x1 = box
    xs, ys = _grid(*fwd.shape[:2])
    f = fwd[y0:y1, x0:x1]
    bwd_at = cv2.remap(bwd, xs[y0:y1, x0:x1] + f[..., 0], ys[y0:y1, x0:x1] + f[..., 1],
                       cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return magnitude(f + bwd_at).astype(np.float32)


def cycle_valid(fwd: np.ndarray, bwd: np.ndarray, delta: float = 1.0, relative: float = 0.0) -> np.ndarray:
    """(H, W) bool: the forward flow is trusted where the cycle error is below
    ``delta + relative * |fwd|`` and the target lies inside the image."""
    err = cycle_error(fwd, bwd)
    thr = delta
    if relative:
        thr = delta + relative * magnitude(fwd)
    return (err < thr) & inside(fwd)


def inconsistent_band(fwd: np.ndarray, bwd: np.ndarray, region: np.ndarray, band: int,
                      delta: float = 1.0, relative: float = 0.05) -> np.ndarray:
    """(H, W) bool: ``region`` (the pixels whose flow is to be completed) grown by the pixels
    within ``band`` pixels of it whose forward flow ``fwd`` fails the cycle test against ``bwd``
    (error above ``delta + relative * |fwd|``) and that connect to ``region`` through such pixels.
    DIS's flow beside a still hole (a burned-in logo, its prefill) is pulled toward the hole's
    motion for several pixels; where it does not come back the way it went it is not trusted as
    the completion's boundary."""
    region = region > 0
    box = hole_box(region, band)
    if box is None or band <= 0:
        return region
    y0, y1, x0, x1 = box
    err = cycle_error(fwd, bwd, box)
    bad = err > delta + relative * magnitude(fwd[y0:y1, x0:x1])
    sub = region[y0:y1, x0:x1]
    k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * band + 1,) * 2)
    cand = (bad & (cv2.dilate(sub.astype(np.uint8), k) > 0)) | sub
    _, lab = cv2.connectedComponents(cand.astype(np.uint8), connectivity=8)
    keep = np.zeros(int(lab.max()) + 1, bool)
    keep[np.unique(lab[sub])] = True
    keep[0] = False
    out = region.copy()
    out[y0:y1, x0:x1] = keep[lab] | sub
    return out


def complete_checked(fwd: np.ndarray, bwd: np.ndarray, hole: np.ndarray, band: int, **options) -> np.ndarray:
    """:func:`complete_flow` of ``fwd`` inside ``hole`` after the pixels of :func:`inconsistent_band`
    (``band`` pixels beside the hole, cycle test against ``bwd``) have been replaced by the
    completion over the hole grown by ``band``. Two solves on regions that stay the same for a
    stationary hole (their factorisations are cached), never one on a region that changes with
    every frame (3x slower). ``options``: :func:`complete_flow`'s."""
    hole = hole > 0
    extra = inconsistent_band(fwd, bwd, hole, band) & ~hole
    if not extra.any():
        return complete_flow(fwd, hole, **options)
    k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * band + 1,) * 2)
    # the wide completion only stands in for the band's untrusted flow: solved on a grid at
    # least twice as coarse (a moving hole is factorised anew in every frame)
    wide_opts = dict(options, coarse=max(2, int(options.get("coarse", 1))))
    wide = complete_flow(fwd, cv2.dilate(hole.astype(np.uint8), k) > 0, **wide_opts)
    patched = fwd.astype(np.float32, copy=True)
    patched[extra] = wide[extra]
    return complete_flow(patched, hole, **options)


class _SolverCache:
    """Keeps the last few sparse LU factorisations of the hole Laplacian, keyed by the hole's bytes,
    so a stationary mask (the usual watermark case) is factorised once per clip."""

    def __init__(self, size: int = 6) -> None:
        self.size = size
        self._items: dict[tuple, tuple] = {}

    def get(self, hole: np.ndarray):
        key = (hole.shape, hash(np.packbits(hole).tobytes()))
        hit = self._items.get(key)
        if hit is not None:
            return hit
        val = _build_laplacian(hole)
        self._items[key] = val
        while len(self._items) > self.size:
            self._items.pop(next(iter(self._items)))
        return val


def _solver_cache() -> _SolverCache:
    cache = getattr(_local, "solvers", None)
    if cache is None:
        cache = _local.solvers = _SolverCache()
    return cache


def _build_laplacian(hole: np.ndarray):
    """Factorise the 4-neighbour Laplacian restricted to ``hole`` (H, W bool). Returns (solve, ys,
    xs, (ky, kx, krow)) where krow lists, for each known neighbour pixel (ky, kx), the unknown it
    borders; the right-hand side is the sum of the known neighbours' values."""
    h, w = hole.shape
    idx = -np.ones((h, w), np.int64)
    ys, xs = np.nonzero(hole)
    n = len(ys)
    idx[ys, xs] = np.arange(n)
    rows, cols, data = [np.arange(n)], [np.arange(n)], [np.zeros(n, np.float64)]
    diag = np.zeros(n, np.float64)
    kys, kxs, krows = [], [], []
    for dy, dx in ((-1, 0), (1, 0), (0, -1), (0, 1)):
        ny, nx = ys + dy, xs + dx
        ok = (ny >= 0) & (ny < h) & (nx >= 0) & (nx < w)
        diag[ok] += 1.0
        nyo, nxo, k = ny[ok], nx[ok], np.nonzero(ok)[0]
        nb = idx[nyo, nxo]
        unknown = nb >= 0
        rows.append(k[unknown])
        cols.append(nb[unknown])
        data.append(-np.ones(int(unknown.sum())))
        known = ~unknown
        kys.append(nyo[known])
        kxs.append(nxo[known])
        krows.append(k[known])
    data[0] = diag
    a = sp.csc_matrix((np.concatenate(data), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n))
    # the matrix is symmetric positive definite: a symmetric fill-reducing ordering without
    # pivoting has about half the fill-in of the default, and its solves are 3x faster (the
    # solutions agree to 1e-12)
    lu = spla.splu(a, permc_spec="MMD_AT_PLUS_A", diag_pivot_thresh=0.0, options={"SymmetricMode": True})
    solve = lu.solve
    return solve, ys, xs, (np.concatenate(kys), np.concatenate(kxs), np.concatenate(krows))


def _laplace_fill(values: np.ndarray, hole: np.ndarray) -> np.ndarray:
    """Solve the Laplace equation for ``values`` (H, W, C) float32 inside ``hole`` (H, W bool) with
    the known pixels around it as boundary conditions. Returns a new array."""
    h, w, c = values.shape
    out = values.copy()
    n = int(hole.sum())
    if n == 0:
        return out
    if n == h * w:
        out[:] = 0
        return out
    solve, ys, xs, (kys, kxs, krows) = _solver_cache().get(hole)
    known = values[kys, kxs].astype(np.float64)
    rhs = np.stack([np.bincount(krows, weights=known[:, ch], minlength=n) for ch in range(c)], 1)
    out[ys, xs] = solve(rhs).astype(np.float32)
    return out


def _coarse_laplace_fill(values: np.ndarray, hole: np.ndarray, factor: int) -> np.ndarray:
    """:func:`_laplace_fill` solved on a grid ``factor`` times coarser: the known pixels averaged
    into each coarse cell, the solution upsized and
    pasted into ``hole``. ``values`` (H, W, C) float32 (a crop with a margin of ``2 * factor``
    known pixels around the hole). Returns a new array."""
    h, w = hole.shape
    sw, sh = max(2, -(-w // factor)), max(2, -(-h // factor))
    known = (~hole).astype(np.float32)
    num = cv2.resize(values * known[..., None], (sw, sh), interpolation=cv2.INTER_AREA).reshape(sh, sw, -1)
    den = cv2.resize(known, (sw, sh), interpolation=cv2.INTER_AREA).reshape(sh, sw, 1)
    # a coarse cell is unknown where its nearest pixel or most of it is in the hole (as in
    # laplace_fill's downsized solve; treating every touched cell as unknown measured 0.1 dB
    # lower on running_car), or where it holds no known pixel
    small_hole = cv2.resize(hole.astype(np.uint8), (sw, sh), interpolation=cv2.INTER_NEAREST) > 0
    small_hole |= cv2.resize(hole.astype(np.float32), (sw, sh), interpolation=cv2.INTER_AREA) > 0.5
    small_hole |= den[..., 0] < 1e-3
    filled = _laplace_fill(num / np.maximum(den, 1e-3), small_hole)
    up = cv2.resize(filled, (w, h), interpolation=cv2.INTER_LINEAR).reshape(h, w, -1)
    out = values.copy()
    out[hole] = up[hole]
    return out


def laplace_fill(values: np.ndarray, hole: np.ndarray, max_pixels: int = 120_000) -> np.ndarray:
    """Harmonic interpolation of ``values`` ((H, W) or (H, W, C), any float) inside ``hole``
    ((H, W) bool or 0/255) from the pixels around it. Large holes are solved on a downsized grid
    (the result is smooth, so little is lost). Returns a new float32 array of the same shape."""
    hole = hole > 0
    squeeze = values.ndim == 2
    vals = (values[..., None] if squeeze else values).astype(np.float32)
    if not hole.any():
        out = vals.copy()
    elif int(hole.sum()) <= max_pixels:
        # only the hole and the pixels beside it take part: solved in the hole's bounding box
        # (plus one pixel), the same system as over the whole frame
        y0, y1, x0, x1 = hole_box(hole, 1)
        out = vals.copy()
        out[y0:y1, x0:x1] = _laplace_fill(vals[y0:y1, x0:x1], hole[y0:y1, x0:x1])
    else:
        h, w = hole.shape
        f = (max_pixels / int(hole.sum())) ** 0.5
        sw, sh = max(8, int(w * f)), max(8, int(h * f))
        small_hole = cv2.resize(hole.astype(np.uint8), (sw, sh), interpolation=cv2.INTER_NEAREST) > 0
        small_hole |= cv2.resize(hole.astype(np.float32), (sw, sh), interpolation=cv2.INTER_AREA) > 0.5
        # average only known pixels, so the hole's old values do not leak into the border
        known = (~hole).astype(np.float32)
        num = cv2.resize(vals * known[..., None], (sw, sh), interpolation=cv2.INTER_AREA).reshape(sh, sw, -1)
        den = cv2.resize(known, (sw, sh), interpolation=cv2.INTER_AREA).reshape(sh, sw, 1)
        small_hole |= den[..., 0] < 1e-3
        small = num / np.maximum(den, 1e-3)
        filled = _laplace_fill(small, small_hole)
        up = cv2.resize(filled, (w, h), interpolation=cv2.INTER_LINEAR).reshape(h, w, -1)
        out = vals.copy()
        out[hole] = up[hole]
    return out[..., 0] if squeeze else out


def fit_background(flow: np.ndarray, hole: np.ndarray, points: int = 400) -> np.ndarray | None:
    """The camera's motion in ``flow`` (H, W, 2): a 3x3 homography fitted with RANSAC to the flow
    of a grid of about ``points`` pixels outside ``hole`` (H, W bool). None if it cannot be fitted
    (too few known pixels)."""
    h, w = hole.shape
    step = max(2, int((h * w / points) ** 0.5))
    ys, xs = np.mgrid[step // 2:h:step, step // 2:w:step]
    keep = ~hole[ys, xs]
    if int(keep.sum()) < 16:
        return None
    src = np.stack([xs[keep], ys[keep]], 1).astype(np.float32)
    dst = src + flow[ys[keep], xs[keep]]
    hom, _ = cv2.findHomography(src, dst, cv2.RANSAC, 1.0, maxIters=200, confidence=0.99)
    return hom


def homography_flow(hom: np.ndarray, shape: tuple[int, int], box: tuple[int, int, int, int] | None = None,
                    step: int = 1) -> np.ndarray:
    """(h, w, 2) float32: the displacement ``hom`` gives each pixel of an image of ``shape`` (H, W),
    over ``box`` (y0, y1, x0, x1) only and every ``step``-th pixel of it (the same values as over
    the whole frame)."""
    gx, gy = _grid(*shape)
    y0, y1, x0, x1 = box if box is not None else (0, shape[0], 0, shape[1])
    gx, gy = gx[y0:y1:step, x0:x1:step], gy[y0:y1:step, x0:x1:step]
    grid = np.stack([gx, gy], 2)
    mapped = cv2.perspectiveTransform(np.ascontiguousarray(grid).reshape(-1, 1, 2), hom).reshape(grid.shape)
    return (mapped - grid).astype(np.float32)


def background_flow(flow: np.ndarray, hole: np.ndarray, points: int = 400,
                    box: tuple[int, int, int, int] | None = None) -> np.ndarray | None:
    """The camera's part of ``flow`` (H, W, 2): :func:`fit_background`'s homography evaluated
    everywhere (or over ``box`` only, see :func:`homography_flow`). None if it cannot be fitted."""
    hom = fit_background(flow, hole, points)
    if hom is None:
        return None
    return homography_flow(hom, hole.shape, box)


def complete_flow(flow: np.ndarray, hole: np.ndarray, max_pixels: int = 120_000,
                  model: str = "laplace", outlier: float = 1.0, coarse: int = 1) -> np.ndarray:
    """Replace ``flow`` inside ``hole`` ((H, W) bool or 0/255 uint8) by a smooth completion from the
    flow around it. Returns a new (H, W, 2) float32 array.

    ``model="laplace"``: harmonic interpolation of the border flow. ``model="background"``: the
    camera motion (a RANSAC homography of the known flow) plus the harmonic interpolation of the
    residual, where border pixels that move unlike the camera by more than ``outlier`` pixels (a
    passer-by next to the hole) contribute no residual; so independently moving objects beside a
    hole do not drag its content along. ``model="auto"``: "background" where the homography
    explains the flow of the frame (median residual of the known pixels below ``outlier``: a
    still or steadily moving camera over a distant scene), "laplace" otherwise (parallax). Large holes are solved on a downsized grid.
    ``coarse`` > 1: the harmonic interpolation is solved on a grid that many times coarser (flow
    computed at that scale holds no finer detail).
    """
    hole = hole > 0
    if not hole.any():
        return flow.astype(np.float32, copy=True)
    if model not in ("laplace", "background", "auto"):
        raise ValueError(f"unknown flow completion model {model!r}")
    out = flow.astype(np.float32, copy=True)
    # everything below reads the hole and the pixels beside it (and a sparse grid of the frame):
    # it is computed in the hole's box plus one pixel, with the same values as over the frame
    coarse = max(1, int(coarse))
    box = hole_box(hole, 1 if coarse == 1 else 2 * coarse) if int(hole.sum()) <= max_pixels * coarse ** 2 else None
    fill = _laplace_fill if coarse == 1 else (lambda v, m: _coarse_laplace_fill(v, m, coarse))
    y0, y1, x0, x1 = box or (0, hole.shape[0], 0, hole.shape[1])
    hb, fb = hole[y0:y1, x0:x1], out[y0:y1, x0:x1]
    if model in ("background", "auto"):
        hom = fit_background(flow, hole)
        if hom is not None:
            bg = homography_flow(hom, hole.shape, (y0, y1, x0, x1))
            res = fb - bg
            mag = magnitude(res)
            use = model == "background"
            if not use:
                grid = hole[::4, ::4]
                if box is None:
                    sparse = mag[::4, ::4]
                else:  # the residual on the frame's every-4th-pixel grid
                    sparse = magnitude(out[::4, ::4] - homography_flow(hom, hole.shape, step=4))
                known = sparse[~grid]
                use = known.size > 0 and float(np.median(known)) < outlier
            if use:
                res[mag > outlier] = 0.0
                if box is None:
                    res = laplace_fill(res, hb, max_pixels)
                else:
                    res = fill(res, hb)
                fb[hb] = bg[hb] + res[hb]
                return out
    if box is None:
        filled = laplace_fill(flow, hole, max_pixels)
        out[hole] = filled[hole]
    else:
        fb[hb] = fill(fb, hb)[hb]
    return out
