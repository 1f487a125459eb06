"""Classical segmentation: GrabCut seeded from a box, from clicks or from a prior mask.

This is the fallback used when no Segment Anything checkpoint is installed; every result says so
(``method == "grabcut (fallback)"``). GrabCut fits colour models (Gaussian mixtures) to the object
and its surroundings and cuts along image edges; the click path adds a colour cue (a flood fill of
similar colour around each positive click) to guess the object's extent.

Images are (H, W, 3) uint8 RGB; masks are (H, W) uint8 0/255; coordinates are (x, y) pixels.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from ..errors import MaskError
from .result import METHOD_GRABCUT, SegmentResult

_DISK = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3))


def _check_image(image: np.ndarray) -> np.ndarray:
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError(f"expected an (H, W, 3) uint8 image, got {image.shape} {image.dtype}")
    return np.ascontiguousarray(image)


def _clip_box(box: Sequence[float], w: int, h: int) -> tuple[int, int, int, int]:
    x0, y0, x1, y1 = (int(round(v)) for v in box)
    x0, x1 = sorted((x0, x1))
    y0, y1 = sorted((y0, y1))
    x0, y0 = max(0, x0), max(0, y0)
    x1, y1 = min(w - 1, x1), min(h - 1, y1)
    if x1 - x0 < 2 or y1 - y0 < 2:
        raise MaskError(
            f"the box ({x0},{y0})-({x1},{y1}) is too small or outside the {w}x{h} frame; "
            "draw a box around the object")
    return x0, y0, x1, y1


def _run_grabcut(image: np.ndarray, gc_mask: np.ndarray, iterations: int,
                 roi: tuple[int, int, int, int] | None = None) -> np.ndarray:
    """Run GrabCut in mask mode on ``roi`` (x0, y0, x1, y1 inclusive) of the image; ``gc_mask`` holds
    cv2.GC_* labels for the whole image. Returns (H, W) bool foreground. Degenerate seeds (no
    foreground or no background samples) return the seed's foreground unchanged."""
    h, w = gc_mask.shape
    x0, y0, x1, y1 = roi if roi is not None else (0, 0, w - 1, h - 1)
    sub = np.ascontiguousarray(gc_mask[y0:y1 + 1, x0:x1 + 1])
    fg_seed = (sub == cv2.GC_FGD) | (sub == cv2.GC_PR_FGD)
    bg_seed = (sub == cv2.GC_BGD) | (sub == cv2.GC_PR_BGD)
    out = np.zeros((h, w), bool)
    if fg_seed.sum() < 8 or bg_seed.sum() < 8:
        out[y0:y1 + 1, x0:x1 + 1] = fg_seed
        return out
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    img = np.ascontiguousarray(image[y0:y1 + 1, x0:x1 + 1])
    try:
        cv2.setRNGSeed(0)  # k-means inside GrabCut uses OpenCV's global RNG: keep runs repeatable
        cv2.grabCut(img, sub, None, bgd, fgd, int(iterations), cv2.GC_INIT_WITH_MASK)
    except cv2.error:  # degenerate colour statistics (e.g. too few distinct colours): keep the seed
        out[y0:y1 + 1, x0:x1 + 1] = fg_seed
        return out
    out[y0:y1 + 1, x0:x1 + 1] = (sub == cv2.GC_FGD) | (sub == cv2.GC_PR_FGD)
    return out


def _largest_components(fg: np.ndarray, keep: np.ndarray | None = None, min_share: float = 0.15) -> np.ndarray:
    """Drop speckles: keep connected components holding at least ``min_share`` of the largest one's
    area, and any component touching ``keep`` (bool seeds)."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats(fg.astype(np.uint8), connectivity=8)
    if n <= 2:
        return fg
    areas = stats[1:, cv2.CC_STAT_AREA]
    ok = np.zeros(n, bool)
    ok[1:] = areas >= min_share * areas.max()
    if keep is not None:
        ok[np.unique(labels[keep & fg])] = True
    ok[0] = False
    return ok[labels]


def _result(fg: np.ndarray, seed: np.ndarray) -> SegmentResult:
    seed_area = max(1, int(np.count_nonzero(seed)))
    kept = float(np.count_nonzero(fg & seed)) / seed_area
    return SegmentResult(np.where(fg, 255, 0).astype(np.uint8), METHOD_GRABCUT, score=kept)


def grabcut_box(image: np.ndarray, box: Sequence[float], iterations: int = 5) -> SegmentResult:
    """Segment the object inside ``box`` = (x0, y0, x1, y1) pixels. Everything outside the box is
    background; inside, GrabCut separates the object from the rest."""
    image = _check_image(image)
    h, w = image.shape[:2]
    x0, y0, x1, y1 = _clip_box(box, w, h)
    gc = np.full((h, w), cv2.GC_BGD, np.uint8)
    gc[y0:y1 + 1, x0:x1 + 1] = cv2.GC_PR_FGD
    # a thin probable-background rim inside the box lets the colour model learn the surroundings
    # even when the box touches the frame border
    bw, bh = x1 - x0 + 1, y1 - y0 + 1
    m = max(2, min(bw, bh) // 12)
    cx0, cy0 = max(0, x0 - 4 * m), max(0, y0 - 4 * m)
    cx1, cy1 = min(w - 1, x1 + 4 * m), min(h - 1, y1 + 4 * m)
    inner = np.zeros((h, w), bool)
    inner[y0 + m:y1 + 1 - m, x0 + m:x1 + 1 - m] = True
    rim = np.zeros((h, w), bool)
    rim[y0:y1 + 1, x0:x1 + 1] = True
    rim &= ~inner
    gc[rim] = cv2.GC_PR_BGD
    fg = _run_grabcut(image, gc, iterations, (cx0, cy0, cx1, cy1))
    fg = _largest_components(fg)
    # score: the share of the object lying clear of the box's rim (an object hugging the rim
    # probably spills out of the box)
    score = float(np.count_nonzero(fg & inner)) / max(1, int(np.count_nonzero(fg)))
    return SegmentResult(np.where(fg, 255, 0).astype(np.uint8), METHOD_GRABCUT, score=score)


def _flood_extent(image: np.ndarray, x: int, y: int, tol: int, max_fraction: float = 0.08) -> np.ndarray:
    """(H, W) bool: pixels within ``tol`` of the clicked colour connected to (x, y) (fixed-range
    flood fill on a lightly smoothed image). A fill that leaks over more than ``max_fraction`` of
    the frame is replaced by a window around the click an eighth of the short side wide."""
    h, w = image.shape[:2]
    smooth = cv2.GaussianBlur(image, (5, 5), 0)
    ff = np.zeros((h + 2, w + 2), np.uint8)
    flags = 8 | cv2.FLOODFILL_MASK_ONLY | cv2.FLOODFILL_FIXED_RANGE | (255 << 8)
    cv2.floodFill(smooth, ff, (int(x), int(y)), (0, 0, 0), (tol,) * 3, (tol,) * 3, flags)
    out = ff[1:-1, 1:-1] > 0
    if out.sum() > max_fraction * h * w:
        r = max(4, min(h, w) // 16)
        out = np.zeros((h, w), bool)
        out[max(0, y - r):y + r + 1, max(0, x - r):x + r + 1] = True
    return out


def grabcut_points(image: np.ndarray, points: Sequence[Sequence[float]], labels: Sequence[int],
                   iterations: int = 5, tolerance: int = 24) -> SegmentResult:
    """Segment the object under the clicks. ``points``: (N, 2) (x, y); ``labels``: N values, 1 =
    object, 0 = not object. At least one positive click is required.

    A box around the object is guessed from a colour flood fill around each positive click (grown
    by its own size) and GrabCut segments inside it; positive clicks are sure foreground, negative
    clicks sure background."""
    image = _check_image(image)
    h, w = image.shape[:2]
    pts = np.asarray(points, np.float64).reshape(-1, 2)
    lab = np.asarray(labels, np.int64).reshape(-1)
    if len(pts) != len(lab):
        raise MaskError("every click needs a label (1 = object, 0 = background)")
    pos = pts[lab > 0]
    if len(pos) == 0:
        raise MaskError("click at least once on the object (a positive click) to segment it")
    for x, y in pts:
        if not (0 <= x < w and 0 <= y < h):
            raise MaskError(f"the click ({x:.0f},{y:.0f}) is outside the {w}x{h} frame")
    r = max(2, min(h, w) // 80)
    sure_fg = np.zeros((h, w), np.uint8)
    sure_bg = np.zeros((h, w), np.uint8)
    extent = np.zeros((h, w), bool)
    for (x, y), lb in zip(pts, lab):
        if lb > 0:
            cv2.circle(sure_fg, (int(x), int(y)), r, 255, -1)
            extent |= _flood_extent(image, int(x), int(y), tolerance)
        else:
            cv2.circle(sure_bg, (int(x), int(y)), r, 255, -1)
    ys, xs = np.nonzero(extent | (sure_fg > 0))
    bx0, bx1, by0, by1 = xs.min(), xs.max(), ys.min(), ys.max()
    # the guessed box: the flood extent grown by its own size, at least a fifth of the short side
    least = min(h, w) // 10
    gx, gy = max(least, bx1 - bx0), max(least, by1 - by0)
    x0, y0 = max(0, bx0 - gx), max(0, by0 - gy)
    x1, y1 = min(w - 1, bx1 + gx), min(h - 1, by1 + gy)
    gc = np.full((h, w), cv2.GC_BGD, np.uint8)
    gc[y0:y1 + 1, x0:x1 + 1] = cv2.GC_PR_FGD
    gc[sure_fg > 0] = cv2.GC_FGD
    gc[sure_bg > 0] = cv2.GC_BGD
    m = max(r * 6, max(x1 - x0, y1 - y0) // 4)
    roi = (max(0, x0 - m), max(0, y0 - m), min(w - 1, x1 + m), min(h - 1, y1 + m))
    fg = _run_grabcut(image, gc, iterations, roi)
    fg = _largest_components(fg, keep=sure_fg > 0, min_share=1.1)
    return _result(fg, sure_fg > 0)


def grabcut_refine(image: np.ndarray, prior: np.ndarray, iterations: int = 3, band: int | None = None,
                   sure_erode: int | None = None) -> SegmentResult:
    """Refine a rough mask (for example one warped from the previous frame) on ``image``.

    ``prior``: (H, W) uint8 0/255. Its eroded core is sure foreground, the rest of it probable
    foreground, a ``band`` pixels wide ring around it probable background, everything farther sure
    background. ``band`` defaults to ~1/6 of the object's size (at least 4 pixels)."""
    image = _check_image(image)
    h, w = image.shape[:2]
    fg0 = prior > 0
    area = int(np.count_nonzero(fg0))
    if area < 16:
        return SegmentResult(np.where(fg0, 255, 0).astype(np.uint8), METHOD_GRABCUT, score=0.0)
    ys, xs = np.nonzero(fg0)
    size = max(xs.max() - xs.min() + 1, ys.max() - ys.min() + 1)
    band = max(4, size // 6) if band is None else max(1, int(band))
    er = max(1, size // 12) if sure_erode is None else max(0, int(sure_erode))
    kb = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * band + 1, 2 * band + 1))
    near = cv2.dilate(fg0.astype(np.uint8), kb) > 0
    core = cv2.erode(fg0.astype(np.uint8), cv2.getStructuringElement(
        cv2.MORPH_ELLIPSE, (2 * er + 1, 2 * er + 1))) > 0 if er else fg0
    gc = np.full((h, w), cv2.GC_BGD, np.uint8)
    gc[near] = cv2.GC_PR_BGD
    gc[fg0] = cv2.GC_PR_FGD
    gc[core] = cv2.GC_FGD
    m = band * 2
    roi = (max(0, int(xs.min()) - m), max(0, int(ys.min()) - m),
           min(w - 1, int(xs.max()) + m), min(h - 1, int(ys.max()) + m))
    fg = _run_grabcut(image, gc, iterations, roi)
    fg = cv2.morphologyEx(fg.astype(np.uint8), cv2.MORPH_OPEN, _DISK) > 0
    return _result(fg, fg0)


class ColourCut:
    """GrabCut with colour models learnt once on a key frame and then kept fixed, for tracking.

    ``ColourCut(image, mask)`` fits the object and background Gaussian mixtures on the key frame
    ((H, W, 3) uint8 and its (H, W) uint8 0/255 mask). :meth:`cut` labels the uncertain pixels of a
    new frame with those fixed models plus GrabCut's edge-aware smoothness; fixed models keep a
    long track from drifting towards whatever the last (possibly wrong) mask contained.
    """

    def __init__(self, image: np.ndarray, mask: np.ndarray) -> None:
        image = _check_image(image)
        fg = mask > 0
        self.ok = 16 <= int(fg.sum()) <= fg.size - 16
        self.bgd = np.zeros((1, 65), np.float64)
        self.fgd = np.zeros((1, 65), np.float64)
        if self.ok:
            gc = np.where(fg, cv2.GC_PR_FGD, cv2.GC_PR_BGD).astype(np.uint8)
            try:
                cv2.setRNGSeed(0)
                cv2.grabCut(image, gc, None, self.bgd, self.fgd, 1, cv2.GC_INIT_WITH_MASK)
            except cv2.error:  # degenerate colour statistics: refinement keeps the prior
                self.ok = False

    def cut(self, image: np.ndarray, prior: np.ndarray, uncertain: np.ndarray) -> np.ndarray:
        """(H, W) uint8 0/255: ``prior`` (0/255) where ``uncertain`` (bool) is False, decided by the
        key frame's colour models and image edges where it is True."""
        fg = prior > 0
        if not self.ok or not uncertain.any():
            return np.where(fg, 255, 0).astype(np.uint8)
        gc = np.where(fg, cv2.GC_FGD, cv2.GC_BGD).astype(np.uint8)
        gc[uncertain & fg] = cv2.GC_PR_FGD
        gc[uncertain & ~fg] = cv2.GC_PR_BGD
        ys, xs = np.nonzero(uncertain)
        h, w = fg.shape
        x0, y0 = max(0, xs.min() - 2), max(0, ys.min() - 2)
        x1, y1 = min(w - 1, xs.max() + 2), min(h - 1, ys.max() + 2)
        sub = np.ascontiguousarray(gc[y0:y1 + 1, x0:x1 + 1])
        img = np.ascontiguousarray(_check_image(image)[y0:y1 + 1, x0:x1 + 1])
        bgd, fgd = self.bgd.copy(), self.fgd.copy()
        try:
            cv2.grabCut(img, sub, None, bgd, fgd, 1, cv2.GC_EVAL_FREEZE_MODEL)
        except cv2.error:
            return np.where(fg, 255, 0).astype(np.uint8)
        gc[y0:y1 + 1, x0:x1 + 1] = sub
        return np.where((gc == cv2.GC_FGD) | (gc == cv2.GC_PR_FGD), 255, 0).astype(np.uint8)
