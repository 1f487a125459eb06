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

PRESETS = {
    "ultrafast": cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST,
    "fast": cv2.DISOPTICAL_FLOW_PRESET_FAST,
    "medium": cv2.DISOPTICAL_FLOW_PRESET_MEDIUM,
}
DEFAULT_PRESET = "medium"

_local = threading.local()


def _dis(preset: str) -> cv2.DISOpticalFlow:
    cache = getattr(_local, "dis", None)
    if cache is None:
        cache = _local.dis = {}
    if preset not in cache:
        if preset not in PRESETS:
            raise ValueError(f"unknown flow preset {preset!r}; choose from {sorted(PRESETS)}")
        cache[preset] = cv2.DISOpticalFlow_create(PRESETS[preset])
    return cache[preset]


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


def inside(flow: np.ndarray, margin: float = 0.0) -> np.ndarray:
    """(H, W) bool: where ``x + flow[x]`` lands inside the image."""
    h, w = flow.shape[:2]
    mx, my = sample_coords(flow)
    return (mx >= -margin) & (mx <= w - 1 + margin) & (my >= -margin) & (my <= h - 1 + margin)


def cycle_error(fwd: np.ndarray, bwd: np.ndarray) -> np.ndarray:
    """(H, W) float32: ``|fwd(x) + bwd(x + fwd(x))|``, how far following the forward flow then the
    backward flow lands from where it started (TSAM's ``|A - F_f(F_b(A))|``)."""
    bwd_at = warp(bwd, fwd, cv2.INTER_LINEAR, cv2.BORDER_REPLICATE)
    return np.linalg.norm(fwd + bwd_at, axis=2).astype(np.float32)


def cycle_valid(fwd: np.ndarray, bwd: np.ndarray, delta: float = 1.0, relative: float = 0.0) -> np.ndarray:
    """(H, W) bool: the forward flow is trusted where the cycle error is below
    ``delta + relative * |fwd|`` and the target lies inside the image."""
    err = cycle_error(fwd, bwd)
    thr = delta
    if relative:
        thr = delta + relative * np.linalg.norm(fwd, axis=2)
    return (err < thr) & inside(fwd)


def _laplace_fill(values: np.ndarray, hole: np.ndarray) -> np.ndarray:
    """Solve the Laplace equation for ``values`` (H, W, C) float32 inside ``hole`` (H, W bool) with
    the known pixels around it as boundary conditions. Returns a new array."""
    h, w, c = values.shape
    out = values.copy()
    idx = -np.ones((h, w), np.int64)
    ys, xs = np.nonzero(hole)
    n = len(ys)
    if n == 0:
        return out
    if n == h * w:
        out[:] = 0
        return out
    idx[ys, xs] = np.arange(n)
    rows, cols, data = [np.arange(n)], [np.arange(n)], [np.zeros(n, np.float64)]
    rhs = np.zeros((n, c), np.float64)
    diag = np.zeros(n, np.float64)
    for dy, dx in ((-1, 0), (1, 0), (0, -1), (0, 1)):
        ny, nx = ys + dy, xs + dx
        ok = (ny >= 0) & (ny < h) & (nx >= 0) & (nx < w)
        diag[ok] += 1.0
        nyo, nxo, k = ny[ok], nx[ok], np.nonzero(ok)[0]
        nb = idx[nyo, nxo]
        unknown = nb >= 0
        rows.append(k[unknown])
        cols.append(nb[unknown])
        data.append(-np.ones(unknown.sum()))
        known = ~unknown
        rhs[k[known]] += values[nyo[known], nxo[known]]
    data[0] = diag
    A = sp.csc_matrix((np.concatenate(data), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n))
    solve = spla.factorized(A)
    for ch in range(c):
        out[ys, xs, ch] = solve(rhs[:, ch]).astype(np.float32)
    return out


def complete_flow(flow: np.ndarray, hole: np.ndarray, max_pixels: int = 120_000) -> np.ndarray:
    """Replace ``flow`` inside ``hole`` ((H, W) bool or 0/255 uint8) by the smooth (harmonic)
    interpolation of the flow around it. Large holes are solved on a downsized grid and upsized,
    so the cost stays bounded. Returns a new (H, W, 2) float32 array."""
    hole = hole > 0
    if not hole.any():
        return flow.copy()
    h, w = hole.shape
    n = int(hole.sum())
    if n <= max_pixels:
        return _laplace_fill(flow.astype(np.float32), hole)
    f = (max_pixels / n) ** 0.5
    sw, sh = max(8, int(w * f)), max(8, int(h * f))
    small_hole = cv2.resize(hole.astype(np.uint8), (sw, sh), interpolation=cv2.INTER_NEAREST) > 0
    small_hole |= cv2.resize(hole.astype(np.float32), (sw, sh), interpolation=cv2.INTER_AREA) > 0.5
    small = cv2.resize(flow, (sw, sh), interpolation=cv2.INTER_AREA) * np.float32(f)
    filled = _laplace_fill(small, small_hole)
    up = cv2.resize(filled, (w, h), interpolation=cv2.INTER_LINEAR) / np.float32(f)
    out = flow.astype(np.float32).copy()
    out[hole] = up[hole]
    return out
