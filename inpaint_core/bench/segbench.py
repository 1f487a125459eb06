"""The segmentation benchmark: trackers side by side on composite clips and on the shared clips.

Each *method* answers a box on frame 0 with a first mask and tracks it through the clip
(:data:`METHODS`: ``"today"`` = the GrabCut box prompt and :class:`~inpaint_core.segment.track.MaskTracker`
as they were before the composite benchmark existed; ``"vos"`` = :func:`~inpaint_core.segment.firstmask.box_prompt`
and :class:`~inpaint_core.segment.vos.ObjectTracker`; ``"vos_s5"`` the tracker with session 5's settings,
``"vos_s6"`` the box prompt as session 6 left it: no feet start). Per clip and method the report has mean and
worst IoU, boundary F, the frame where the track is first lost (IoU below 0.2 while the object is
visible) and the frames it took to find the object again after each full occlusion or exit.

Frames are (H, W, 3) uint8 RGB; masks (H, W) uint8 0/255.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import cv2
import numpy as np

from ..jobs import Progress
from ..segment.result import iou, mask_box

LOST_IOU = 0.2
FOUND_IOU = 0.5


def boundary_f(pred: np.ndarray, truth: np.ndarray, tol: int | None = None) -> float:
    """Boundary F-measure (contour precision/recall within ``tol`` px, default 0.8 % of the
    diagonal as in DAVIS); 1.0 when both masks are empty, 0.0 when only one is."""
    p, t = pred > 0, truth > 0
    if not p.any() and not t.any():
        return 1.0
    if not p.any() or not t.any():
        return 0.0
    h, w = p.shape
    tol = tol or max(1, int(round(0.008 * np.hypot(h, w))))
    k = np.ones((3, 3), np.uint8)

    def edge(m):
        m8 = m.astype(np.uint8)
        return (m8 - cv2.erode(m8, k)) > 0

    ep, et = edge(p), edge(t)
    disk = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * tol + 1, 2 * tol + 1))
    near_t = cv2.dilate(et.astype(np.uint8), disk) > 0
    near_p = cv2.dilate(ep.astype(np.uint8), disk) > 0
    prec = float((ep & near_t).sum()) / max(1, int(ep.sum()))
    rec = float((et & near_p).sum()) / max(1, int(et.sum()))
    return 0.0 if prec + rec == 0 else 2 * prec * rec / (prec + rec)


def reappearances(visible: np.ndarray, gone: float = 0.05, back: float = 0.3, min_gone: int = 2) -> list[int]:
    """Frames where the object reappears after a full occlusion or an exit: the first frame with at
    least ``back`` of its area visible after a run of at least ``min_gone`` frames with less than
    ``gone`` visible. ``visible``: (N,) visible fraction per frame."""
    out, run, waiting = [], 0, False
    for i, v in enumerate(visible):
        if v < gone:
            run += 1
            if run >= min_gone:
                waiting = True
        else:
            run = 0
        if waiting and v >= back:
            out.append(i)
            waiting = False
    return out


def score_track(masks: list[np.ndarray], truth: list[np.ndarray], visible: np.ndarray | None = None,
                skip_first: bool = True) -> dict:
    """Per-clip metrics of predicted ``masks`` against ``truth`` (frame 0, the prompt's frame, is
    left out of mean/worst when ``skip_first``)."""
    ious = np.array([iou(m, t) for m, t in zip(masks, truth)])
    bfs = np.array([boundary_f(m, t) for m, t in zip(masks, truth)])
    seen = np.array([t.any() for t in truth])
    lo = 1 if skip_first and len(ious) > 1 else 0
    lost = [i for i in range(lo, len(ious)) if seen[i] and ious[i] < LOST_IOU]
    refind = []
    if visible is not None:
        for r in reappearances(visible):
            hit = next((j for j in range(r, len(ious)) if ious[j] >= FOUND_IOU), None)
            refind.append({"reappears": int(r), "delay": None if hit is None else int(hit - r)})
    return {
        "first_iou": round(float(ious[0]), 4),
        "mean_iou": round(float(ious[lo:].mean()), 4),
        "worst_iou": round(float(ious[lo:].min()), 4),
        "worst_frame": int(lo + np.argmin(ious[lo:])),
        "boundary_f": round(float(bfs[lo:].mean()), 4),
        "lost_at": lost[0] if lost else None,
        "frames_lost": len(lost),
        "refind": refind,
    }


@dataclass
class MethodRun:
    masks: list[np.ndarray]
    confidence: list[float]
    flagged: list[bool]
    prompt_seconds: float
    track_seconds: float


def _collect(first: np.ndarray, events: Iterable, n: int) -> tuple[list, list, list]:
    masks: list = [None] * n
    conf, flag = [1.0] * n, [False] * n
    masks[0] = first
    for ev in events:
        if isinstance(ev, Progress):
            continue
        masks[ev.index] = ev.mask
        conf[ev.index] = float(ev.confidence)
        flag[ev.index] = bool(ev.lost or ev.confidence < 0.5) and not ev.keyframe
    empty = np.zeros_like(first)
    return [m if m is not None else empty for m in masks], conf, flag


def _today(frames: list[np.ndarray], box, seed_mask=None) -> MethodRun:
    from ..segment.grabcut import grabcut_box
    from ..segment.track import GrabCutRefiner, ListFrames, MaskTracker

    t0 = time.perf_counter()
    first = seed_mask if seed_mask is not None else grabcut_box(frames[0], box).mask
    t1 = time.perf_counter()
    tracker = MaskTracker(ListFrames(frames), GrabCutRefiner())
    masks, conf, flag = _collect(first, tracker.track({0: first}), len(frames))
    return MethodRun(masks, conf, flag, t1 - t0, time.perf_counter() - t1)


# the ObjectTracker as session 5 left it (before the key frame's colour-match veto, the
# look-alike mode's hole filling and its motion gate beyond the joining pixels), for old vs new
# in one run
VOS_S5 = {"anchor_match": None, "crowd_fill": None, "gate_erode": 0}


def _vos_s5(frames: list[np.ndarray], box, seed_mask=None) -> MethodRun:
    return _vos(frames, box, seed_mask, VOS_S5)


def _vos_s6(frames: list[np.ndarray], box, seed_mask=None) -> MethodRun:
    """Session 6's box prompt (no feet start) with today's ObjectTracker."""
    return _vos(frames, box, seed_mask, prompt={"figure": False})


def _vos(frames: list[np.ndarray], box, seed_mask=None, base: dict | None = None,
         prompt: dict | None = None) -> MethodRun:
    from ..segment.firstmask import box_prompt
    from ..segment.track import ListFrames
    from ..segment.vos import ObjectTracker

    t0 = time.perf_counter()
    first = seed_mask if seed_mask is not None else box_prompt(
        frames[0], box, frames[1] if len(frames) > 1 else None, **(prompt or {})).mask
    t1 = time.perf_counter()
    import json
    import os

    # VANISH_VOS_OPTS (JSON keyword arguments of ObjectTracker) lets a tuning run try settings
    opts = {**(base or {}), **json.loads(os.environ.get("VANISH_VOS_OPTS", "{}"))}
    tracker = ObjectTracker(ListFrames(frames), **opts)
    masks, conf, flag = _collect(first, tracker.track({0: first}), len(frames))
    return MethodRun(masks, conf, flag, t1 - t0, time.perf_counter() - t1)


METHODS: dict[str, Callable[..., MethodRun]] = {"today": _today, "vos": _vos, "vos_s5": _vos_s5,
                                                 "vos_s6": _vos_s6}


def prompt_box(mask: np.ndarray, margin: int = 4) -> tuple[int, int, int, int]:
    """The box a user would draw around ``mask``: its bounding box grown by ``margin`` px."""
    b = mask_box(mask)
    if b is None:
        raise ValueError("the object is not visible on the prompt frame")
    h, w = mask.shape
    x0, y0, x1, y1 = b
    return max(0, x0 - margin), max(0, y0 - margin), min(w - 1, x1 + margin), min(h - 1, y1 + margin)


def run_clip(frames: list[np.ndarray], truth: list[np.ndarray], methods: Iterable[str],
             visible: np.ndarray | None = None, seed_mask: np.ndarray | None = None) -> dict:
    """Run each method on one clip: box prompt from the truth of frame 0 (or ``seed_mask`` as the
    key frame), then tracking; returns {method: metrics + timings}."""
    box = prompt_box(truth[0])
    out = {}
    for name in methods:
        run = METHODS[name](frames, box, seed_mask)
        r = score_track(run.masks, truth, visible)
        r["prompt_seconds"] = round(run.prompt_seconds, 3)
        r["track_fps"] = round((len(frames) - 1) / max(1e-6, run.track_seconds), 2)
        r["frames_flagged"] = int(sum(run.flagged))
        ious = [iou(m, t) for m, t in zip(run.masks, truth)]
        bad = [i for i in range(1, len(ious)) if ious[i] < FOUND_IOU]
        r["bad_frames_flagged"] = (round(float(np.mean([run.flagged[i] for i in bad])), 3) if bad else None)
        out[name] = r
    return out


SHARED_CLIPS = ("schoolgirls", "dogs_jump")


def run_composite(src, methods: list[str], names: list[str] | None = None,
                  on_clip: Callable[[str, dict], None] | None = None) -> dict:
    """All (or the ``names``d) composite clips of :func:`~.segclips.standard_specs`."""
    from .segclips import render, standard_specs

    out = {}
    for spec in standard_specs():
        if names and spec.name not in names:
            continue
        clip = render(spec, src)
        r = run_clip(clip.frames, clip.truth, methods, clip.visible_fraction)
        r["hard"] = list(spec.hard)
        out[spec.name] = r
        if on_clip:
            on_clip(spec.name, r)
    return out


def run_shared(src, methods: list[str], on_clip: Callable[[str, dict], None] | None = None) -> dict:
    """The shared clips with object masks: tracking seeded with the true mask of frame 0 (the union
    of the objects, as the earlier benchmark did) and with a box prompt; box-prompt IoU on frame 0
    for the union and for each object (palette index) of at least 1 % of the frame."""
    out = {}
    for name in SHARED_CLIPS:
        frames = src.clip(name)
        pal = src.palette(name)
        n = min(len(frames), len(pal))
        frames, pal = frames[:n], pal[:n]
        truth = [np.where(p > 0, 255, 0).astype(np.uint8) for p in pal]
        r = {"seeded": run_clip(frames, truth, methods, seed_mask=truth[0]),
             "box": run_clip(frames, truth, methods)}
        per = {}
        for k in (int(v) for v in np.unique(pal[0]) if v != 0):
            obj = np.where(pal[0] == k, 255, 0).astype(np.uint8)
            if np.count_nonzero(obj) < 0.01 * obj.size:
                continue
            per[str(k)] = {m: round(iou(_first_mask(m, frames, prompt_box(obj)), obj), 4) for m in methods}
        r["box_first_iou_per_object"] = per
        out[name] = r
        if on_clip:
            on_clip(name, r)
    return out


def _first_mask(method: str, frames: list[np.ndarray], box) -> np.ndarray:
    if method == "today":
        from ..segment.grabcut import grabcut_box

        return grabcut_box(frames[0], box).mask
    from ..segment.firstmask import box_prompt

    return box_prompt(frames[0], box, frames[1] if len(frames) > 1 else None,
                      figure=method != "vos_s6").mask


def speed_640(src, methods: list[str], frames: int = 24) -> dict:
    """Box-prompt seconds and tracking frames/s at 640x360: the composite ``walk_garden`` clip
    resized to 640x360, its first ``frames`` frames, a box around the object on frame 0."""
    from .segclips import render, standard_specs

    spec = next(s for s in standard_specs() if s.name == "walk_garden")
    clip = render(spec, src)
    fr = [cv2.resize(f, (640, 360), interpolation=cv2.INTER_LINEAR) for f in clip.frames[:frames]]
    tr = [cv2.resize(t, (640, 360), interpolation=cv2.INTER_NEAREST) for t in clip.truth[:frames]]
    box = prompt_box(tr[0], 8)
    out = {}
    for m in methods:
        run = METHODS[m](fr, box)
        out[m] = {"prompt_seconds": round(run.prompt_seconds, 3),
                  "track_fps": round((len(fr) - 1) / max(1e-6, run.track_seconds), 2),
                  "mean_iou": round(float(np.mean([iou(a, b) for a, b in zip(run.masks[1:], tr[1:])])), 4)}
    return out


def summarise(composite: dict, methods: list[str]) -> dict:
    """Mean over clips of each clip's mean IoU, the worst clip, re-find delays."""
    out = {}
    for m in methods:
        means = [c[m]["mean_iou"] for c in composite.values()]
        delays = [d["delay"] for c in composite.values() for d in c[m]["refind"]]
        out[m] = {"mean_iou": round(float(np.mean(means)), 4) if means else None,
                  "worst_clip_mean_iou": round(float(np.min(means)), 4) if means else None,
                  "boundary_f": round(float(np.mean([c[m]["boundary_f"] for c in composite.values()])), 4)
                  if means else None,
                  "reappearances": len(delays),
                  "refound_within_10": sum(1 for d in delays if d is not None and d <= 10),
                  "never_refound": sum(1 for d in delays if d is None)}
    return out
