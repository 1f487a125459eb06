"""Flow completion with two motion layers: the camera and an object moving through the hole.

The classical engine completes the flow inside a hole from the camera's motion (a homography fitted
to the flow around the hole) plus a smooth residual, so an object that moves *through* a
stationary hole (a car under a logo) gets the camera's motion there: the chains then land on the
background of other frames and the object is cut off at the hole's edge (a ghost of it). Here the
pixels around the hole that move unlike the camera form an object layer; followed from frame to
frame along the sequence (its mask carried by its own motion), the part of it inside the hole
gets the object's motion (camera + the object's median residual), so the chains follow the object
to the frames where that part of it is visible.

Arrays: flows (H, W, 2) float32; holes (H, W) bool.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from .. import flow as F

#: residual motion (pixels per frame, beyond the camera's) that marks an object pixel
OBJECT_RESIDUAL = 1.5
#: an object already followed keeps its motion unless its visible pixels move within this many
#: pixels per frame of it
GATE = 1.0
#: ... and takes a new estimate of it from at least this many such pixels
MIN_UPDATE = 64
#: the smallest object (share of the frame) that counts
MIN_OBJECT = 0.002


def _splat(mask: np.ndarray, flow: np.ndarray) -> np.ndarray:
    """(H, W) bool: ``mask`` moved forward by ``flow`` (each pixel to x + flow(x)), gaps closed."""
    h, w = mask.shape
    ys, xs = np.nonzero(mask)
    out = np.zeros((h, w), np.uint8)
    if ys.size:
        x = np.rint(xs + flow[ys, xs, 0]).astype(np.int32)
        y = np.rint(ys + flow[ys, xs, 1]).astype(np.int32)
        ok = (x >= 0) & (x < w) & (y >= 0) & (y < h)
        out[y[ok], x[ok]] = 1
        out = cv2.morphologyEx(out, cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8))
    return out > 0


#: the band beside the hole whose flow is not trusted for the object's motion (the flow estimate
#: there mixes in the hole's inside): this share of the frame's long side (6 px at 432x240), at
#: least 2 px
BAND = 1 / 72


def _band(shape: tuple[int, int]) -> np.ndarray:
    r = max(2, round(max(shape) * BAND))
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))


def _touching(obj: np.ndarray, seed: np.ndarray) -> np.ndarray:
    """(H, W) bool: the connected parts of ``obj`` that hold a pixel of ``seed``."""
    n, lab = cv2.connectedComponents(obj.astype(np.uint8), connectivity=8)
    if n <= 1:
        return obj
    keep = np.zeros(n, bool)
    keep[np.unique(lab[seed])] = True
    keep[0] = False
    return keep[lab]


def _track(raws: Sequence[np.ndarray], holes: Sequence[np.ndarray], done: list[np.ndarray],
           residual: float, min_area: int) -> int:
    """One pass in processing order: step j's flow ``raws[j]`` is defined on the frame of hole
    ``holes[j]`` and maps it onto the frame of step j + 1. ``done[j]`` (the camera-layer completion)
    is corrected in place inside the hole where the object layer lies. Returns the number of hole
    pixels given the object's motion."""
    layer = None
    changed = 0
    res_prev = None
    for j, (raw, hole) in enumerate(zip(raws, holes)):
        bg = F.background_flow(raw, hole)
        if bg is None:
            layer, res_prev = None, None
            continue
        res = raw - bg
        obj = (np.linalg.norm(res, axis=2) > residual) & ~hole
        obj = cv2.morphologyEx(obj.astype(np.uint8), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8)) > 0
        if int(obj.sum()) < min_area:
            obj[:] = False
        ring = (cv2.dilate(hole.astype(np.uint8), np.ones((9, 9), np.uint8)) > 0) & ~hole
        border = obj & ring
        pred = np.zeros_like(hole) if layer is None else _splat(layer, done[j - 1]) & hole
        # the object touching the hole now: its motion from its pixels beside the hole, away from
        # the band where the flow is smeared by the hole's (prefilled, featureless) inside; when
        # only that band shows it (it is nearly all under the hole), the motion it had is kept
        sample = _touching(obj, border) & ~(cv2.dilate(hole.astype(np.uint8), _band(hole.shape)) > 0) \
            if border.sum() >= 8 else border
        need = 8
        if res_prev is not None and pred.any():
            # the object already followed: only the pixels that still move about as it did, and
            # enough of them (its shrinking visible part mixes with the flow's smear at its edges)
            sample = sample & (np.linalg.norm(res - res_prev, axis=2) < GATE)
            need = MIN_UPDATE
        if int(sample.sum()) >= need:
            res_obj = np.median(res[sample], axis=0)
        elif res_prev is not None and pred.any():
            res_obj = res_prev
        elif border.sum() >= 8:
            res_obj = np.median(res[border], axis=0)
        else:
            layer, res_prev = obj if obj.any() else None, None
            continue
        inside = pred & hole
        if inside.any():
            done[j][inside] = bg[inside] + res_obj
            changed += int(inside.sum())
        layer = obj | inside
        res_prev = res_obj
    return changed


def complete_with_layers(raw_fwd: Sequence[np.ndarray], raw_bwd: Sequence[np.ndarray],
                         holes: Sequence[np.ndarray], model: str = "auto",
                         residual: float = OBJECT_RESIDUAL) -> tuple[list[np.ndarray], list[np.ndarray], int]:
    """Complete the N-1 forward (t -> t+1, on frame t) and backward (t+1 -> t, on frame t+1) flows
    of a chunk inside its N ``holes``: the camera layer as :func:`inpaint_core.flow.complete_flow`
    does, then the object layer (see the module docstring) followed forward in time for the
    forward flows and backward for the backward ones. Returns (forward, backward, pixels changed)."""
    n = len(holes)
    fwd = [F.complete_flow(raw_fwd[t], holes[t], model=model) for t in range(n - 1)]
    bwd = [F.complete_flow(raw_bwd[t], holes[t + 1], model=model) for t in range(n - 1)]
    h, w = holes[0].shape
    min_area = max(16, int(MIN_OBJECT * h * w))
    changed = _track(raw_fwd, holes[:-1], fwd, residual, min_area)
    order = list(range(n - 2, -1, -1))
    back = [bwd[t] for t in order]
    changed += _track([raw_bwd[t] for t in order], [holes[t + 1] for t in order], back, residual, min_area)
    for k, t in enumerate(order):
        bwd[t] = back[k]
    return fwd, bwd, changed
