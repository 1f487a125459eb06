"""A good first mask from a box (and optional clicks) without a model, and a plausibility check.

:func:`box_prompt` runs GrabCut from several starts and keeps the most plausible answer:

- the plain box start (everything outside the box is background);
- spine starts: the box's vertical middle line as sure object (a person or an animal), also up
  to the top (a standing person's head) and, in a box at least ``TALL`` times as tall as wide (a
  standing figure), down to near the bottom (the feet);
- a colour start: pixels whose colour is likelier inside the box than in a ring around it;
- a motion start (when the next frame is given): pixels inside the box whose optical flow differs
  from the motion of the surroundings (the camera's), as the object moves against its background;

each is cleaned (holes filled, only components reaching the box's centre part kept) and scored by
how well it fills the box a user drew around it (a box is drawn to touch the object on its four
sides), how distinct its colours are from the ring around the box, and how much of its contour lies
on image edges. Positive clicks are sure object, negative clicks sure background in every start.

:func:`plausibility_warning` says when a result is implausible (a handful of pixels, most of the
frame, or a sliver of its box). Images (H, W, 3) uint8 RGB; masks (H, W) uint8 0/255; (x, y) px.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from .. import flow as flowlib
from .grabcut import _check_image, _clip_box
from .result import METHOD_GRABCUT, SegmentResult, mask_box

BINS = 12
TALL = 2.2  # box height / width from which the object is taken for a standing figure (feet start)


def plausibility_warning(mask: np.ndarray, box: Sequence[float] | None = None) -> str | None:
    """A sentence for the user when ``mask`` is an implausible segmentation, else ``None``:
    fewer than 0.2 % of its box (or 25 pixels), more than 60 % of the frame, or (with a box) less
    than 8 % of the box's area."""
    h, w = mask.shape
    area = int(np.count_nonzero(mask))
    if box is not None:
        x0, y0, x1, y1 = (float(v) for v in box)
        box_area = max(1.0, (abs(x1 - x0) + 1) * (abs(y1 - y0) + 1))
    else:
        box_area = float(h * w)
    if area < max(25, 0.002 * box_area):
        return (f"the mask has only {area} pixels: the object was probably not found; draw the box "
                "a little larger than the object or click on it")
    if area > 0.6 * h * w:
        return (f"the mask covers {100 * area / (h * w):.0f} % of the frame: it probably took the "
                "background; draw a box around the object or add background clicks (right click)")
    if box is not None and area < 0.08 * box_area:
        return (f"the mask fills only {100 * area / box_area:.0f} % of the box: check it, or click "
                "on the object to help")
    return None


def _hist(img: np.ndarray, sel: np.ndarray) -> np.ndarray:
    hst = cv2.calcHist([img], [0, 1, 2], sel.astype(np.uint8), [BINS] * 3, [0, 256] * 3).astype(np.float32)
    hst += 1e-4
    return hst / hst.sum()


def _colour_prob(img: np.ndarray, inside: np.ndarray, ring: np.ndarray) -> np.ndarray:
    hi, hr = _hist(img, inside), _hist(img, ring)
    idx = (img.astype(np.int32) * BINS) >> 8
    pi = hi[idx[..., 0], idx[..., 1], idx[..., 2]]
    pr = hr[idx[..., 0], idx[..., 1], idx[..., 2]]
    return pi / (pi + pr)


def _grabcut(img: np.ndarray, gc: np.ndarray, iterations: int) -> np.ndarray | None:
    fg_seed = (gc == cv2.GC_FGD) | (gc == cv2.GC_PR_FGD)
    if fg_seed.sum() < 8 or (~fg_seed).sum() < 8:
        return None
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    gc = gc.copy()
    cv2.setRNGSeed(0)  # GrabCut's k-means starts from OpenCV's global RNG: same input, same mask
    try:
        cv2.grabCut(img, gc, None, bgd, fgd, iterations, cv2.GC_INIT_WITH_MASK)
    except cv2.error:
        return None
    return (gc == cv2.GC_FGD) | (gc == cv2.GC_PR_FGD)


def _clean(fg: np.ndarray, centre: np.ndarray) -> np.ndarray:
    """Holes filled; only the components reaching ``centre`` (or the largest) kept."""
    fg8 = cv2.morphologyEx(fg.astype(np.uint8), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    n, lab, stats, _ = cv2.connectedComponentsWithStats(fg8, connectivity=8)
    if n <= 1:
        return np.zeros(fg.shape, bool)
    keep = np.zeros(n, bool)
    hit = np.unique(lab[centre & (fg8 > 0)])
    keep[hit[hit > 0]] = True
    areas = stats[1:, cv2.CC_STAT_AREA]
    if not keep.any():
        keep[1 + int(np.argmax(areas))] = True
    big = areas.max()
    keep[1:] &= areas >= 0.05 * big
    out = keep[lab]
    # fill holes: background not connected to the border
    inv = (~out).astype(np.uint8)
    n2, lab2 = cv2.connectedComponents(inv, connectivity=4)
    border = np.unique(np.concatenate([lab2[0], lab2[-1], lab2[:, 0], lab2[:, -1]]))
    holes = ~np.isin(lab2, border) & (lab2 > 0)
    return out | holes


def _score(fg: np.ndarray, box: tuple[int, int, int, int], prob: np.ndarray, grad: np.ndarray,
           ring: np.ndarray) -> float:
    x0, y0, x1, y1 = box
    b = mask_box(fg.astype(np.uint8))
    if b is None:
        return -1.0
    bw, bh = x1 - x0 + 1, y1 - y0 + 1
    area = float(fg.sum())
    fill = area / (bw * bh)
    # a box is drawn to touch the object on its four sides: the mask should span it
    gaps = [(b[0] - x0) / bw, (x1 - b[2]) / bw, (b[1] - y0) / bh, (y1 - b[3]) / bh]
    span = float(np.prod([np.clip(1.0 - (g - 0.04) / 0.3, 0.0, 1.0) for g in gaps]))
    plaus = float(np.clip(fill / 0.15, 0, 1)) * float(np.clip((0.97 - fill) / 0.1, 0, 1))
    colour = float(prob[fg].mean() - prob[ring].mean()) if ring.any() else 0.5
    fg8 = fg.astype(np.uint8)
    edge = (fg8 - cv2.erode(fg8, np.ones((3, 3), np.uint8))) > 0
    edge_score = float(np.clip(grad[edge].mean() / (np.percentile(grad, 90) + 1e-6), 0, 1)) if edge.any() else 0.0
    return span * plaus * (0.5 + 0.5 * np.clip(colour, 0, 1)) * (0.6 + 0.4 * edge_score)


def box_prompt(image: np.ndarray, box: Sequence[float], next_image: np.ndarray | None = None,
               points: Sequence[Sequence[float]] | None = None, labels: Sequence[int] | None = None,
               iterations: int = 4, use_motion: bool = False, figure: bool = True) -> SegmentResult:
    """Mask of the object inside ``box`` (x0, y0, x1, y1) on ``image``; ``next_image`` (the next
    frame, same size) adds the motion start; ``points``/``labels`` are clicks (1 object, 0 not);
    ``figure=False``: session 6's starts (no feet start, the spine start on tall boxes too), for
    old-vs-new benchmarks.
    The result's ``warning`` is set when it looks implausible (:func:`plausibility_warning`)."""
    image = _check_image(image)
    h, w = image.shape[:2]
    x0, y0, x1, y1 = _clip_box(box, w, h)
    bw, bh = x1 - x0 + 1, y1 - y0 + 1
    m = max(8, int(0.35 * max(bw, bh)))
    rx0, ry0, rx1, ry1 = max(0, x0 - m), max(0, y0 - m), min(w - 1, x1 + m), min(h - 1, y1 + m)
    img = np.ascontiguousarray(image[ry0:ry1 + 1, rx0:rx1 + 1])
    rh, rw = img.shape[:2]
    lb = (x0 - rx0, y0 - ry0, x1 - rx0, y1 - ry0)
    inside = np.zeros((rh, rw), bool)
    inside[lb[1]:lb[3] + 1, lb[0]:lb[2] + 1] = True
    ring = ~inside
    if ring.sum() < 16:  # the box is the whole frame: no outside to learn from, use its rim
        t = max(2, min(bw, bh) // 12)
        ring = inside.copy()
        ring[t:-t, t:-t] = False
    centre = np.zeros((rh, rw), bool)
    cx, cy = (lb[0] + lb[2]) / 2, (lb[1] + lb[3]) / 2
    centre[int(cy - bh * 0.3):int(cy + bh * 0.3) + 1, int(cx - bw * 0.3):int(cx + bw * 0.3) + 1] = True
    sure_fg = np.zeros((rh, rw), bool)
    sure_bg = np.zeros((rh, rw), bool)
    if points:
        r = max(2, min(h, w) // 80)
        for (px, py), lab in zip(points, labels or [1] * len(points)):
            tgt = np.zeros((rh, rw), np.uint8)
            cv2.circle(tgt, (int(px - rx0), int(py - ry0)), r, 1, -1)
            (sure_fg if lab > 0 else sure_bg)[tgt > 0] = True
    prob = _colour_prob(img, inside, ring)
    gray = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY).astype(np.float32)
    grad = cv2.magnitude(cv2.Sobel(gray, cv2.CV_32F, 1, 0), cv2.Sobel(gray, cv2.CV_32F, 0, 1))

    def start(init: np.ndarray) -> np.ndarray:
        gc = np.full((rh, rw), cv2.GC_BGD, np.uint8)
        gc[inside] = np.where(init[inside], cv2.GC_PR_FGD, cv2.GC_PR_BGD)
        gc[sure_fg] = cv2.GC_FGD
        gc[sure_bg] = cv2.GC_BGD
        return gc

    starts = {"box": start(inside)}
    # a person or an animal in a box: its vertical middle line (from a sixth of the height to
    # five sixths) is nearly always the object; as sure object it makes the colour model take in
    # the object's dark or background-like parts too
    spine = start(inside)
    sx0, sx1 = int(cx - max(1, bw * 0.04)), int(cx + max(1, bw * 0.04)) + 1
    spine[int(lb[1] + bh / 6):int(lb[3] - bh / 6) + 1, sx0:sx1] = cv2.GC_FGD
    spine[sure_bg] = cv2.GC_BGD
    tall = bh >= TALL * bw
    if not (tall and figure):  # (in a tall box the head and feet starts hold the spine)
        starts["spine"] = spine
    # a standing person: the head is at the middle of the box's top; hair is often as dark as
    # the background, so the spine reaches up to it as well
    head = spine.copy()
    head[int(lb[1] + max(1, bh * 0.03)):int(lb[1] + bh / 6) + 1, sx0:sx1] = cv2.GC_FGD
    head[sure_bg] = cv2.GC_BGD
    starts["head"] = head
    if tall and figure:
        # a box this tall holds a standing figure, whose feet reach the box's bottom: shoes are
        # often white or ground-coloured and GrabCut leaves them out unless the spine reaches down
        # to them too (it stops 3 % above the box's bottom, the margin a user leaves)
        low = head.copy()
        low[int(lb[3] - bh / 6):lb[3] + 1 - int(max(1, bh * 0.03)), sx0:sx1] = cv2.GC_FGD
        low[sure_bg] = cv2.GC_BGD
        starts["feet"] = low
    pblur = cv2.GaussianBlur(prob.astype(np.float32), (5, 5), 0)
    starts["colour"] = start(inside & (pblur > 0.5))
    if use_motion and next_image is not None and next_image.shape == image.shape:
        nxt = np.ascontiguousarray(next_image[ry0:ry1 + 1, rx0:rx1 + 1])
        fl = flowlib.compute_flow(img, nxt, "fast")
        bgm = np.median(fl[ring], axis=0) if ring.any() else np.zeros(2)
        dev = np.linalg.norm(fl - bgm, axis=2)
        thr = max(1.0, 3.0 * float(np.median(np.linalg.norm(fl[ring] - bgm, axis=1)))) if ring.any() else 1.0
        moving = inside & (dev > thr)
        if 0.05 * inside.sum() < moving.sum() < 0.95 * inside.sum():
            gc = start(moving)
            k = max(3, min(bw, bh) // 6) | 1
            core = cv2.erode(moving.astype(np.uint8), np.ones((k, k), np.uint8)) > 0
            gc[core & inside & ~sure_bg] = cv2.GC_FGD
            starts["motion"] = gc
    # today's start: a probable-background rim inside the box as well (helps loose boxes)
    t = max(2, min(bw, bh) // 12)
    rim = inside.copy()
    rim[lb[1] + t:lb[3] + 1 - t, lb[0] + t:lb[2] + 1 - t] = False
    starts["rim"] = start(inside & ~rim)
    best, best_s, best_name = None, -2.0, ""
    for name, gc in starts.items():
        fg = _grabcut(img, gc, iterations)
        if fg is None:
            continue
        fg = (_clean(fg & ~sure_bg, centre | sure_fg) | sure_fg) & ~sure_bg
        s = _score(fg, lb, prob, grad, ring & ~inside if (ring & ~inside).any() else ring)
        if s > best_s:
            best, best_s, best_name = fg, s, name
    out = np.zeros((h, w), np.uint8)
    if best is not None:
        out[ry0:ry1 + 1, rx0:rx1 + 1] = np.where(best, 255, 0)
    res = SegmentResult(out, METHOD_GRABCUT, score=float(np.clip(best_s, 0, 1)))
    res.warning = plausibility_warning(out, (x0, y0, x1, y1))
    if res.warning is None and best_s < 0.05:
        res.warning = ("the object could not be told apart from its surroundings in the box (no "
                       "start gave a mask that spans it); check the mask, or click on the object")
    res.detail = best_name
    return res
