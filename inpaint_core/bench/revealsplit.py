"""Where a propagation fill loses on the pixels other frames reveal: the error split by source.

For the revealed pixels (:func:`.regions.revealed_masks`) of a clip, :func:`split_by_source` pools the
squared error of a fill and of a baseline (Telea) per bucket of *source distance*: how many frames
away the engine took each pixel from (``src_frame`` of its correspondence), with bucket -1 for the
pixels the engine filled spatially (no chain reached a source). :func:`flow_error` measures how far a
completed flow is from a reference flow inside the hole (end-point error).

Arrays: results/truth/baseline (N, H, W, 3) uint8; revealed/holes (N, H, W) bool; src_frame
(N, H, W) int32, -1 where filled spatially; flows (H, W, 2) float32.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .. import metrics

#: (lowest, highest) source distance in frames of each bucket; -1 = filled spatially
DIST_BUCKETS = ((-1, -1), (1, 1), (2, 3), (4, 7), (8, 10_000))


def split_by_source(result: np.ndarray, truth: np.ndarray, baseline: np.ndarray, revealed: np.ndarray,
                    src_frame: np.ndarray) -> list[dict[str, float]]:
    """Per bucket of :data:`DIST_BUCKETS` with pixels: ``lo``/``hi``, ``share`` (of the revealed
    pixels), ``psnr`` and ``psnr_baseline`` over the bucket's pixels, ``se_share`` (its part of the
    fill's squared error over all revealed pixels)."""
    n = result.shape[0]
    t = np.arange(n, dtype=np.int32).reshape(n, 1, 1)
    dist = np.where(src_frame >= 0, np.abs(src_frame - t), -1)
    d2 = ((result.astype(np.float32) - truth.astype(np.float32)) ** 2).mean(axis=-1)
    b2 = ((baseline.astype(np.float32) - truth.astype(np.float32)) ** 2).mean(axis=-1)
    total = float(d2[revealed].sum())
    count = int(revealed.sum())
    out = []
    for lo, hi in DIST_BUCKETS:
        sel = revealed & (dist >= lo) & (dist <= hi)
        k = int(sel.sum())
        if not k:
            continue
        se = float(d2[sel].sum())
        out.append({"lo": lo, "hi": hi, "share": k / count,
                    "psnr": metrics.psnr_from_mse(se / k),
                    "psnr_baseline": metrics.psnr_from_mse(float(b2[sel].sum()) / k),
                    "se_share": se / total if total > 0 else 0.0})
    return out


def flow_error(completed: Sequence[np.ndarray], reference: Sequence[np.ndarray],
               holes: Sequence[np.ndarray]) -> dict[str, float]:
    """End-point error (pixels) of ``completed`` against ``reference`` flows over the ``holes``
    pixels (pooled): ``median``, ``mean``, and ``motion``, the median length of the reference flow
    there. ``nan`` without hole pixels."""
    err = [np.linalg.norm(c - r, axis=2)[h] for c, r, h in zip(completed, reference, holes)]
    mag = [np.linalg.norm(r, axis=2)[h] for r, h in zip(reference, holes)]
    if not err or not sum(len(e) for e in err):
        return {"median": float("nan"), "mean": float("nan"), "motion": float("nan")}
    e, m = np.concatenate(err), np.concatenate(mag)
    return {"median": float(np.median(e)), "mean": float(e.mean()), "motion": float(np.median(m))}
