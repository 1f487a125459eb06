"""Spatial residual aggregation: contextual residual aggregation (CRA) as in HiFill.

Hole patches borrow the full-resolution residuals of known patches of the same frame. The attention
between them is computed at low resolution: each patch is described by its upsized fill reduced to
4x4 pixels (what the working-size image knows), a hole patch attends to its ``top_k`` nearest known
patches with softmax weights, and the same weights combine the known patches' full-resolution
residuals. Patches overlap by half and are blended with a raised-cosine window, so no seams show.

How much is added depends on whether the candidates agree. Where they carry the same detail
(regular texture) their weighted mean is the prediction. Where they disagree (irregular texture)
their mean is washed out and not the true detail either, so it is brought back to the candidates'
energy times ``gain`` < 1: the hole regains sharpness while the error against the truth barely grows.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import scipy.sparse as sp

from .residuals import Geometry
from .roi import add_tiles, grow_in_box


@dataclass
class SpatialOptions:
    top_k: int = 8
    sigma: float = 6.0          # softmax bandwidth over the per-element RMS descriptor distance (0-255)
    gain: float = 0.6           # share of the aggregated residual that is added
    max_known: int = 500        # known patches considered (subsampled evenly beyond that)
    context: float = 1.0        # search area: the hole's box grown by this many box sizes


def patch_size(geom: Geometry) -> int:
    """Full-resolution patch size: a multiple of 4, about 1.5 working pixels' worth of detail x 4."""
    return 4 * max(2, int(round(geom.scale * 1.5)))


def _window(p: int) -> np.ndarray:
    n = (np.arange(p, dtype=np.float32) + 0.5) / p
    w1 = np.sin(np.pi * n) ** 2
    return np.outer(w1, w1).astype(np.float32)


def _descriptors(img: np.ndarray, ys: np.ndarray, xs: np.ndarray, p: int) -> np.ndarray:
    """(N, 48) float32: each (p, p) patch of ``img`` at (ys, xs) reduced to 4x4x3."""
    q = p // 4
    h, w = img.shape[:2]
    small = cv2.resize(img[: h - h % q, : w - w % q], (w // q, h // q), interpolation=cv2.INTER_AREA)
    d = np.arange(4)
    yy = (ys // q)[:, None, None] + d[None, :, None]
    xx = (xs // q)[:, None, None] + d[None, None, :]
    return small[yy, xx].reshape(len(ys), -1).astype(np.float32)


def spatial_residual(fill_up: np.ndarray, residual: np.ndarray, hole: np.ndarray, geom: Geometry,
                     opts: SpatialOptions | None = None, need: np.ndarray | None = None,
                     device: str = "cpu") -> np.ndarray:
    """Aggregated residual over a search rectangle.

    ``fill_up``: (h, w, 3) float32 upsized fill (hole filled, known pixels = the blurred source);
    ``residual``: (h, w, 3) float32, the frame's own residual (trusted outside the hole);
    ``hole``: (h, w) uint8/bool, the full-resolution hole. All over the same rectangle.
    ``need``: (h, w) bool, where the result is wanted (default: the whole hole); patches elsewhere
    are skipped. ``device``: ``cpu`` (numpy) or a torch device (``cuda``; ``torch`` = its CPU) for
    the attention (distances, top-k, weighted means); the patches are blended on the CPU.
    Returns (h, w, 3) float32, non-zero only near the hole.
    """
    opts = opts or SpatialOptions()
    h, w = hole.shape
    p = patch_size(geom)
    st = p // 2
    out = np.zeros((h, w, 3), np.float32)
    if h < p or w < p:
        return out
    hole_b = hole > 0
    guard = grow_in_box(hole_b, int(np.ceil(2 * geom.scale)) + 1) > 0
    gy = np.arange(0, h - p + 1, st)
    gx = np.arange(0, w - p + 1, st)
    if gy[-1] != h - p:
        gy = np.append(gy, h - p)
    if gx[-1] != w - p:
        gx = np.append(gx, w - p)
    # per-patch hole counts with an integral image
    def counts(m: np.ndarray) -> np.ndarray:
        ii = cv2.integral(m.astype(np.uint8))
        Y, X = np.meshgrid(gy, gx, indexing="ij")
        return ii[Y + p, X + p] - ii[Y, X + p] - ii[Y + p, X] + ii[Y, X]
    in_hole = counts(hole_b if need is None else hole_b & need) > 0
    known = counts(guard) == 0
    hy, hx = np.nonzero(in_hole)
    ky, kx = np.nonzero(known)
    if len(hy) == 0 or len(ky) == 0:
        return out
    if len(ky) > opts.max_known:
        sel = np.linspace(0, len(ky) - 1, opts.max_known).astype(int)
        ky, kx = ky[sel], kx[sel]
    q = p // 4
    # descriptor grid must align with q: patch origins are multiples of st = 2q except the last
    hy_px, hx_px = gy[hy], gx[hx]
    ky_px, kx_px = gy[ky], gx[kx]
    dh = _descriptors(fill_up, (hy_px // q) * q, (hx_px // q) * q, p)
    dk = _descriptors(fill_up, (ky_px // q) * q, (kx_px // q) * q, p)
    d = np.arange(p)
    known_res = residual[ky_px[:, None, None] + d[None, :, None], kx_px[:, None, None] + d[None, None, :]]
    k = min(opts.top_k, len(dk))
    win = _window(p)
    # the hole patches' box (its origin on the 2-patch grid, so the tiles keep their alignment and
    # order of summation): the sums and the division cover it, not the whole search area
    oy, ox = int(hy_px.min()) // p * p, int(hx_px.min()) // p * p
    by1, bx1 = int(hy_px.max()) + p, int(hx_px.max()) + p
    acc = np.zeros((by1 - oy, bx1 - ox, 3), np.float32)
    wacc = np.zeros((by1 - oy, bx1 - ox), np.float32)
    D = p * p * 3
    known_flat = known_res.reshape(len(ky_px), D)
    scores = _scores_torch if device != "cpu" else _scores_numpy
    for s, patches in scores(dh, dk, known_flat, k, opts, device):
        B = len(patches)
        patches = patches.reshape(B, p, p, 3) * win[None, ..., None]
        add_tiles(acc, patches, hy_px[s:s + B] - oy, hx_px[s:s + B] - ox)
    add_tiles(wacc, np.broadcast_to(win, (len(hy_px), p, p)), hy_px - oy, hx_px - ox)
    np.divide(acc, wacc[..., None], out=out[oy:by1, ox:bx1], where=wacc[..., None] > 1e-6)
    return out


def _gain(opts: SpatialOptions, agree):
    """Scale of the weighted mean: restore the energy an average of unrelated textures loses,
    trusting agreement more (works on numpy arrays and torch tensors)."""
    return (opts.gain + (1.0 - opts.gain) * agree) / ((agree.clip(1e-3, None)) ** 0.5)


def _scores_numpy(dh, dk, known_flat, k, opts: SpatialOptions, device: str, batch: int = 512):
    """Yield (start, (B, D) float32 scaled weighted means of the top-``k`` known residual patches)
    for the hole descriptors ``dh`` (N, 48) against the known ones ``dk`` (M, 48).

    The candidates are ranked by ``|k|^2 - 2 a.k`` (the squared distance less the row's constant
    ``|a|^2``), which one ``gemm`` writes in a single pass; the distances are completed for the
    ``k`` chosen only. The candidates' energies are taken per known patch once."""
    M = len(dk)
    kk2 = (dk * dk).sum(1)
    dkT = np.ascontiguousarray(dk.T)
    ke = np.einsum("md,md->m", known_flat, known_flat)  # each known patch's residual energy
    dim = dh.shape[1]
    rows = np.ascontiguousarray(np.broadcast_to(kk2, (min(batch, len(dh)), M)))
    for s in range(0, len(dh), batch):
        a = dh[s:s + batch]
        B = len(a)
        # cv2.gemm, not numpy's BLAS: its threads spin against the other stages on a busy machine
        # (measured 12x slower for this 256 x 48 x 1500 product on a shared 2-core machine)
        rank = cv2.gemm(a, dkT, -2.0, rows[:B], 1.0)
        idx = np.argpartition(rank, k - 1, axis=1)[:, :k] if k < M else np.tile(np.arange(M), (B, 1))
        dsel = np.take_along_axis(rank, idx, 1) + (a * a).sum(1)[:, None]
        np.maximum(dsel, 0, out=dsel)
        dsel *= np.float32(1.0 / dim)
        wts = np.exp(-(dsel - dsel.min(1, keepdims=True)) / np.float32(2 * opts.sigma ** 2))
        wts = (wts / wts.sum(1, keepdims=True)).astype(np.float32)
        # the weighted mean as a sparse (B, M) x (M, D) product: no (B, k, D) copy of the candidates
        sel = sp.csr_matrix((wts.ravel(), idx.ravel(), np.arange(0, B * k + 1, k)), shape=(B, M))
        mean = np.asarray(sel @ known_flat, dtype=np.float32)
        # agreement of the candidates: 1 when they carry the same detail, ~1/k when unrelated
        e_each = (wts * ke[idx]).sum(1)
        e_mean = np.einsum("bd,bd->b", mean, mean)
        agree = np.where(e_each > 1e-6, e_mean / np.maximum(e_each, 1e-6), 1.0)
        yield s, mean * _gain(opts, agree).astype(np.float32)[:, None]


def _scores_torch(dh, dk, known_flat, k, opts: SpatialOptions, device: str, batch: int = 2048):
    """:func:`_scores_numpy` in torch on ``device`` (top-k by ``torch.topk``; the same set as
    ``argpartition`` but for exact ties)."""
    import torch

    from .torch_restore import torch_device

    dev = torch_device(device)
    dk_t = torch.from_numpy(dk).to(dev)
    kf = torch.from_numpy(np.ascontiguousarray(known_flat)).to(dev)
    kk2 = (dk_t * dk_t).sum(1)
    dim = dh.shape[1]
    for s in range(0, len(dh), batch):
        a = torch.from_numpy(np.ascontiguousarray(dh[s:s + batch])).to(dev)
        rank = kk2[None, :] - 2.0 * (a @ dk_t.T)  # as :func:`_scores_numpy` ranks them
        rsel, idx = torch.topk(rank, k, dim=1, largest=False)
        dsel = (rsel + (a * a).sum(1)[:, None]).clamp_min(0) / dim
        wts = torch.exp(-(dsel - dsel.min(1, keepdim=True).values) / (2 * opts.sigma ** 2))
        wts = wts / wts.sum(1, keepdim=True)
        cand = kf[idx]
        mean = torch.einsum("bk,bkd->bd", wts, cand)
        e_each = (wts * torch.einsum("bkd,bkd->bk", cand, cand)).sum(1)
        e_mean = torch.einsum("bd,bd->b", mean, mean)
        agree = torch.where(e_each > 1e-6, e_mean / e_each.clamp_min(1e-6), torch.ones_like(e_each))
        yield s, (mean * _gain(opts, agree)[:, None]).cpu().numpy()
