"""Per-region scores of a fill: the hole pixels some other frame reveals and those none reveals.

A hole pixel of frame t is *revealed* when following the ground truth's flow from it, frame by frame
(forward or backward, every step passing the cycle-consistency test), reaches a frame where that
point lies outside the hole: a propagation method could in principle copy it from there. Pixels no
chain brings into view are *never revealed*: only a spatial (or learned) method can fill them.

The *texture ratio* is the mean squared Laplacian of the result's grey image over a region divided
by the truth's over the same region: 1.0 is as sharp as the truth, diffusion fills (Telea) score far
below 1, noisy fills above.

Arrays: masks (N of (H, W) uint8 0/255 or bool); flows: the N-1 (forward, backward) pairs of
:func:`inpaint_core.metrics.reference_flows` of the truth; frames (N of (H, W, 3) uint8).
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from .. import flow as F
from .. import metrics

#: keys added to a clip's scores by :func:`region_scores`
REGION_KEYS = ("revealed_share", "psnr_revealed", "psnr_unrevealed", "ssim_revealed", "ssim_unrevealed",
               "texture_hole", "texture_unrevealed")


def _follow(flow: np.ndarray, valid: np.ndarray, target: np.ndarray) -> np.ndarray:
    """(H, W) bool: the pixels whose flow step is valid and lands on a True pixel of ``target``."""
    h, w = target.shape
    gx, gy = F._grid(h, w)
    x = np.rint(gx + flow[..., 0]).astype(np.int32)
    y = np.rint(gy + flow[..., 1]).astype(np.int32)
    ok = valid & (x >= 0) & (x < w) & (y >= 0) & (y < h)
    out = np.zeros((h, w), bool)
    out[ok] = target[y[ok], x[ok]]
    return out


def revealed_masks(masks: Sequence[np.ndarray], flows: Sequence[tuple[np.ndarray, np.ndarray]],
                   delta: float = metrics.WARP_DELTA) -> list[np.ndarray]:
    """Per frame, (H, W) bool: the hole pixels some other frame of the clip reveals along the
    truth's flow (see the module docstring). Two sequential passes over the clip."""
    holes = [np.asarray(m) > 0 for m in masks]
    n = len(holes)
    if len(flows) != max(0, n - 1):
        raise ValueError(f"{len(flows)} flows for {n} masks")
    valid_f = [F.cycle_valid(f, b, delta) for f, b in flows]
    valid_b = [F.cycle_valid(b, f, delta) for f, b in flows]
    # seen_f[t]: the point is visible at t or at some later frame along the chain
    seen_f = [None] * n
    seen_b = [None] * n
    for t in range(n - 1, -1, -1):
        seen_f[t] = ~holes[t] if t == n - 1 else (~holes[t] | _follow(flows[t][0], valid_f[t], seen_f[t + 1]))
    for t in range(n):
        seen_b[t] = ~holes[t] if t == 0 else (~holes[t] | _follow(flows[t - 1][1], valid_b[t - 1], seen_b[t - 1]))
    return [h & (f | b) for h, f, b in zip(holes, seen_f, seen_b)]


def laplacian_energy(img: np.ndarray) -> np.ndarray:
    """(H, W) float64 squared Laplacian of the grey image of ``img`` ((H, W, 3) uint8)."""
    g = cv2.cvtColor(np.ascontiguousarray(img), cv2.COLOR_RGB2GRAY).astype(np.float64)
    return cv2.Laplacian(g, cv2.CV_64F, ksize=1) ** 2


def region_scores(results: Sequence[np.ndarray], truth: Sequence[np.ndarray], masks: Sequence[np.ndarray],
                  revealed: Sequence[np.ndarray]) -> dict[str, float]:
    """Scores of a clip split by region (keys :data:`REGION_KEYS`): the share of hole pixels that are
    revealed; PSNR pooled over each region's pixels of the clip; SSIM, the mean of the SSIM map over
    each region's pixels of the clip; texture ratio over the whole hole and over the never-revealed
    pixels (pooled sums). ``nan`` for a region without pixels."""
    se = {"r": 0.0, "u": 0.0}
    cnt = {"r": 0, "u": 0}
    ss = {"r": 0.0, "u": 0.0}
    lap = {"h": [0.0, 0.0], "u": [0.0, 0.0]}
    for r, g, m, rev in zip(results, truth, masks, revealed):
        hole = np.asarray(m) > 0
        if not hole.any():
            continue
        parts = {"r": hole & rev, "u": hole & ~rev}
        d2 = ((r.astype(np.float64) - g.astype(np.float64)) ** 2).mean(axis=2)
        smap = metrics.ssim_map(r, g)
        lr, lg = laplacian_energy(r), laplacian_energy(g)
        for k, sel in parts.items():
            n = int(sel.sum())
            if n:
                se[k] += float(d2[sel].sum())
                ss[k] += float(smap[sel].sum())
                cnt[k] += n
        for k, sel in (("h", hole), ("u", parts["u"])):
            lap[k][0] += float(lr[sel].sum())
            lap[k][1] += float(lg[sel].sum())
    nan = float("nan")
    total = cnt["r"] + cnt["u"]

    def ratio(k: str) -> float:
        a, b = lap[k]
        return a / b if b > 0 else nan

    return {
        "revealed_share": cnt["r"] / total if total else nan,
        "psnr_revealed": metrics.psnr_from_mse(se["r"] / cnt["r"]) if cnt["r"] else nan,
        "psnr_unrevealed": metrics.psnr_from_mse(se["u"] / cnt["u"]) if cnt["u"] else nan,
        "ssim_revealed": ss["r"] / cnt["r"] if cnt["r"] else nan,
        "ssim_unrevealed": ss["u"] / cnt["u"] if cnt["u"] else nan,
        "texture_hole": ratio("h"),
        "texture_unrevealed": ratio("u"),
    }
