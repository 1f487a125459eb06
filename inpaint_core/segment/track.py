"""Carry a mask through a clip from user key frames.

For each step the previous mask is warped into the next frame with dense optical flow
(:mod:`inpaint_core.flow`), then refined on the new frame by a *refiner*: Segment Anything prompted
with the warped mask's box and interior points where an embedding is affordable
(:class:`SamRefiner`), otherwise GrabCut seeded from the warped mask (:class:`GrabCutRefiner`).

Key frames are the user's masks (the first click, later corrections). Every frame between two key
frames is reached from both sides; the two tracks are blended with weights that fall linearly with
the distance to their key frame, so a correction pulls its neighbourhood without a visible jump.
Before the first and after the last key frame the track runs one way.

An object that leaves the frame (its mask shrinks to nothing) is remembered: a colour model of the
object and its surroundings from the last confident frame looks for a moving region of the
object's colours near where it left and near the frame border, and re-seeds the track when one
appears (:mod:`.reentry`).

Each frame gets a confidence in [0, 1] so an editor can flag frames to check: each step scores the
agreement of the warped and refined masks, how many of the mask's flow vectors pass the
forward-backward cycle test and how object-coloured the mask is; the reported confidence is the
product of the step scores along the chain from the key frame (softened by ``trust_power``), since
errors accumulate. Frames are (H, W, 3) uint8 RGB; masks (H, W) uint8 0/255.
"""

from __future__ import annotations

from collections.abc import Generator, Mapping
from dataclasses import dataclass
from typing import Protocol

import cv2
import numpy as np

from .. import flow as flowlib
from ..errors import MaskError
from ..jobs import NEVER_CANCELLED, CancelToken, Progress
from .grabcut import ColourCut
from .reentry import ColourModel, find_reentry
from .result import METHOD_GRABCUT, iou

KEY = "key"


@dataclass
class TrackedFrame:
    """One frame of a track. ``mask``: (H, W) uint8 0/255 at the clip's size. ``confidence`` in
    [0, 1] (1 on key frames). ``method``: ``"key"`` for a user key frame, else the refiner's method
    (``"sam"`` or ``"grabcut (fallback)"``). ``lost``: the object was not found in this frame."""

    index: int
    mask: np.ndarray
    confidence: float
    method: str
    keyframe: bool = False
    lost: bool = False


class Refiner(Protocol):
    """Turns a flow-warped mask into the mask of a new frame. ``begin`` is called at each key frame
    of a track and returns the per-track state whose ``refine`` is called for every later frame."""

    method: str

    def begin(self, index: int, image: np.ndarray, mask: np.ndarray) -> TrackRefiner: ...


class TrackRefiner(Protocol):
    def refine(self, index: int, image: np.ndarray, prior: np.ndarray, uncertain: np.ndarray) -> np.ndarray:
        """(H, W, 3) uint8 image, (H, W) uint8 0/255 warped prior and (H, W) bool uncertain pixels
        (object border, pixels whose flow failed the cycle test) -> refined (H, W) uint8 0/255."""
        ...


class GrabCutRefiner:
    """Classical refinement: the uncertain pixels are decided by GrabCut's graph cut with colour
    models fixed on the key frame (:class:`~inpaint_core.segment.grabcut.ColourCut`)."""

    method = METHOD_GRABCUT

    def begin(self, index: int, image: np.ndarray, mask: np.ndarray) -> TrackRefiner:
        cut = ColourCut(image, mask)

        class _Track:
            def refine(self, index, image, prior, uncertain):
                return cut.cut(image, prior, uncertain)

        return _Track()


class FrameSource(Protocol):
    @property
    def frame_count(self) -> int: ...

    def frame(self, i: int) -> np.ndarray: ...


class ListFrames:
    """A :class:`FrameSource` over an in-memory list of (H, W, 3) uint8 frames."""

    def __init__(self, frames) -> None:
        self._frames = list(frames)

    @property
    def frame_count(self) -> int:
        return len(self._frames)

    def frame(self, i: int) -> np.ndarray:
        return self._frames[i]


def _scale_for(w: int, h: int, long_side: int | None) -> float:
    if not long_side or max(w, h) <= long_side:
        return 1.0
    return long_side / max(w, h)


def _disk(r: int) -> np.ndarray:
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))


def _splat(mask: np.ndarray, fwd: np.ndarray) -> np.ndarray:
    """(H, W) bool: where the object pixels of ``mask`` land when pushed along ``fwd`` (forward
    splatting, dilated by one pixel). Unlike backward warping it never marks disoccluded
    background, which nothing moves into."""
    h, w = mask.shape
    ys, xs = np.nonzero(mask)
    tx, ty = xs + fwd[ys, xs, 0], ys + fwd[ys, xs, 1]
    ok = (tx >= -0.5) & (tx <= w - 0.5) & (ty >= -0.5) & (ty <= h - 0.5)
    out = np.zeros((h, w), np.uint8)
    out[np.clip(np.round(ty[ok]).astype(int), 0, h - 1), np.clip(np.round(tx[ok]).astype(int), 0, w - 1)] = 1
    return cv2.dilate(out, _disk(1)) > 0


class _Stepper:
    """Tracks in one direction from a key frame, at the tracker's working size."""

    def __init__(self, tracker: MaskTracker, key: int, key_mask: np.ndarray) -> None:
        self.t = tracker
        self.prev_img = tracker._work_frame(key)
        self.prev_mask = tracker._to_work(key_mask)
        self.refiner = tracker.refiner.begin(key, self.prev_img, self.prev_mask)
        self.model = ColourModel.fit(self.prev_img, self.prev_mask)
        self.last_seen = self.prev_mask.copy()
        self.empty_key = not self.prev_mask.any()  # the user said: nothing to follow from here
        self.key_img, self.key_mask = self.prev_img, self.prev_mask
        self.peak_area = int(np.count_nonzero(self.prev_mask))
        self.trust = 1.0

    def _key_background(self, img: np.ndarray) -> np.ndarray | None:
        """(H, W) bool: pixels that direct flow to the key frame maps, with a passing cycle test,
        onto the key frame's background (away from the object's border): the key frame vouches
        that they are not the object. Stops drift from accumulating over a long chain of steps."""
        t = self.t
        to_key = flowlib.compute_flow(img, self.key_img, t.flow_preset)
        from_key = flowlib.compute_flow(self.key_img, img, t.flow_preset)
        valid = flowlib.cycle_valid(to_key, from_key, delta=t.anchor_delta, relative=0.05)
        on_key = flowlib.warp_mask(self.key_mask, to_key)
        near = cv2.dilate(on_key, _disk(t.anchor_margin)) > 0
        return valid & ~near

    def step(self, index: int) -> tuple[np.ndarray, float, bool]:
        """Advance to ``index``; returns (working-size mask 0/255, confidence, lost)."""
        t = self.t
        img = t._work_frame(index)
        if self.empty_key:
            return np.zeros(img.shape[:2], np.uint8), 1.0, True
        bwd = flowlib.compute_flow(img, self.prev_img, t.flow_preset)  # index -> prev
        fwd = flowlib.compute_flow(self.prev_img, img, t.flow_preset)  # prev -> index
        warped = (flowlib.warp_mask(self.prev_mask, bwd) > 0) & _splat(self.prev_mask, fwd)
        key_bg = None
        if t.anchor:
            # the key frame's veto only holds where the colour does not clearly say "object"
            key_bg = self._key_background(img) & (self.model.probability(img) < t.anchor_colour)
            warped &= ~key_bg
        min_area = t.min_area_fraction * img.shape[0] * img.shape[1]
        area = int(np.count_nonzero(warped))
        lost = False
        if area >= min_area:
            valid = flowlib.cycle_valid(bwd, fwd, delta=1.0, relative=0.1)
            w8 = warped.astype(np.uint8)
            uncertain = (cv2.dilate(w8, _disk(t.border)) > 0) & ~(cv2.erode(w8, _disk(t.border)) > 0)
            uncertain |= ~valid & (cv2.dilate(w8, _disk(t.reach)) > 0)
            # parts coming into view (through the frame border, from behind something) are not in
            # the warped mask: let object-coloured pixels near it within the motion's reach join
            prob = self.model.probability(img)
            speed = float(np.percentile(np.linalg.norm(fwd[self.prev_mask > 0], axis=1), 95))
            reach = int(min(3 * t.reach, t.border + speed))
            uncertain |= (cv2.dilate(w8, _disk(reach)) > 0) & (prob > 0.6)
            prior = np.where(warped, 255, 0).astype(np.uint8)
            mask = self.refiner.refine(index, img, prior, uncertain)
            if t.keep_prior is not None:
                # graph cuts shrink ambiguous borders a little every frame; over a long track that
                # eats the object: the flow's answer stays unless the colour says "background"
                mask = np.where(warped & valid & (prob >= t.keep_prior), 255, mask).astype(np.uint8)
            r_area = int(np.count_nonzero(mask))
            agree = iou(mask, prior)
            if r_area < 0.5 * area:
                mask, agree = prior, min(agree, 0.3)  # the refinement collapsed: keep the flow's answer
            cyc = float(valid[warped].mean())
            on = mask > 0
            colour = float(prob[on].mean()) if on.any() else 0.0
            conf = float(np.clip(agree * (0.5 + 0.5 * cyc) * min(1.0, colour / 0.6), 0.0, 1.0))
            if key_bg is not None:
                mask = np.where(key_bg, 0, mask).astype(np.uint8)
            on = mask > 0
            if on.any() and (colour < t.min_colour or on.sum() < t.min_share * self.peak_area):
                # what is left has none of the object's colours, or is a sliver of what the object
                # was: it left (a real return is picked up by the re-entry search)
                mask = np.zeros_like(mask)
            if np.count_nonzero(mask) >= min_area:
                self.last_seen = mask
                if conf >= 0.7:
                    self.model.update(img, mask, t.model_rate)
                    self.peak_area = max(self.peak_area, int(np.count_nonzero(mask)))
            else:
                lost = True
        else:
            mask = np.zeros(img.shape[:2], np.uint8)
            conf, lost = 0.5, True
        if lost:
            found = find_reentry(img, self.prev_img, self.model, self.last_seen, min_area)
            if found is not None:
                seed = found > 0
                band = (cv2.dilate(found, _disk(t.border)) > 0) & ~(cv2.erode(found, _disk(t.border)) > 0)
                mask = self.refiner.refine(index, img, np.where(seed, 255, 0).astype(np.uint8), band)
                conf, lost = 0.3, not mask.any()
                self.trust = 1.0  # a fresh start: only this frame's doubt counts
        # errors accumulate along the chain: the confidence reported is the product of each step's
        # (softened by ``trust_power``), so frames far from any key frame get flagged for a check
        self.trust *= conf ** t.trust_power
        self.prev_img, self.prev_mask = img, mask
        return mask, float(self.trust), lost


class MaskTracker:
    """Propagates key-frame masks through a clip.

    ``frames``: a :class:`FrameSource` (``frame_count``, ``frame(i)`` -> (H, W, 3) uint8).
    ``refiner``: a :class:`GrabCutRefiner` (default) or :class:`SamRefiner`.
    ``work_long_side``: flow and refinement run on frames downsized to this long side (masks are
    brought back to full size with a smooth upsize); ``None`` works at full size.
    """

    def __init__(self, frames: FrameSource, refiner: Refiner | None = None, *, work_long_side: int | None = 640,
                 flow_preset: str = "medium", min_area_fraction: float = 2e-4, model_rate: float = 0.2,
                 border: int = 3, reach: int = 6, min_colour: float = 0.3, anchor: bool = True,
                 anchor_delta: float = 1.0, anchor_margin: int = 2, anchor_colour: float = 0.7,
                 keep_prior: float | None = 0.35, min_share: float = 0.05, trust_power: float = 0.1,
                 cache_frames: int = 4) -> None:
        self.frames = frames
        self.refiner = refiner or GrabCutRefiner()
        self.flow_preset = flow_preset
        self.min_area_fraction = min_area_fraction
        self.model_rate = model_rate
        self.border, self.reach, self.min_colour = border, reach, min_colour
        self.anchor, self.anchor_delta, self.anchor_margin = anchor, anchor_delta, anchor_margin
        self.anchor_colour = anchor_colour
        self.keep_prior, self.min_share, self.trust_power = keep_prior, min_share, trust_power
        h, w = frames.frame(0).shape[:2]
        self.full_size = (w, h)
        s = _scale_for(w, h, work_long_side)
        self.work_size = (max(8, round(w * s)), max(8, round(h * s)))
        self._cache: dict[int, np.ndarray] = {}
        self._cache_n = cache_frames

    def _work_frame(self, i: int) -> np.ndarray:
        if i in self._cache:
            return self._cache[i]
        img = self.frames.frame(i)
        if (img.shape[1], img.shape[0]) != self.work_size:
            img = cv2.resize(img, self.work_size, interpolation=cv2.INTER_AREA)
        if len(self._cache) >= self._cache_n:
            self._cache.pop(next(iter(self._cache)))
        self._cache[i] = img
        return img

    def _to_work(self, mask: np.ndarray) -> np.ndarray:
        if mask.shape[::-1] != self.full_size:
            raise MaskError(f"a key-frame mask is {mask.shape[1]}x{mask.shape[0]}, the video is "
                            f"{self.full_size[0]}x{self.full_size[1]}; draw the mask on the video's frame")
        m = (mask > 0).astype(np.float32)
        if self.work_size != self.full_size:
            m = cv2.resize(m, self.work_size, interpolation=cv2.INTER_AREA)
        return np.where(m >= 0.5, 255, 0).astype(np.uint8)

    def _to_full_soft(self, mask: np.ndarray) -> np.ndarray:
        m = (mask > 0).astype(np.float32)
        if self.work_size != self.full_size:
            m = cv2.resize(m, self.full_size, interpolation=cv2.INTER_LINEAR)
        return m

    def _run_segment(self, key: int, key_mask: np.ndarray, indices: list[int], cancel: CancelToken):
        stepper = _Stepper(self, key, key_mask)
        for i in indices:
            cancel.raise_if_cancelled()
            yield (i, *stepper.step(i))

    def track(self, keyframes: Mapping[int, np.ndarray], start: int = 0, stop: int | None = None,
              cancel: CancelToken | None = None) -> Generator[Progress | TrackedFrame, None, None]:
        """Generator: yields :class:`Progress` (one unit per tracking step, frames between two key
        frames are tracked from both sides so they count twice) and one :class:`TrackedFrame` per
        frame of ``[start, stop)`` in increasing order (key frames included, unchanged). Raises
        :class:`~inpaint_core.errors.Cancelled` when ``cancel`` fires."""
        cancel = cancel or NEVER_CANCELLED
        n = self.frames.frame_count
        stop = n if stop is None else min(stop, n)
        keys = sorted(k for k in keyframes if 0 <= k < n)
        if not keys:
            raise MaskError("tracking needs at least one key frame with a mask inside the clip")
        for k in keys:
            self._to_work(keyframes[k])  # every key frame's size is checked before any work
        first = keys[0]
        plan: list[tuple[str, int, int | None, list[int]]] = []
        if start < first:
            plan.append(("back", first, None, list(range(first - 1, start - 1, -1))))
        for a, b in zip(keys, keys[1:] + [None]):
            plan.append(("key", a, None, [a] if start <= a < stop else []))
            if b is None:
                plan.append(("fwd", a, None, list(range(a + 1, stop))))
            else:
                inner = list(range(a + 1, b))
                if inner and inner[-1] >= start and inner[0] < stop:
                    plan.append(("both", a, b, inner))
        total = sum(len(idx) * (2 if kind == "both" else 1) for kind, _, _, idx in plan)
        done = 0
        yield Progress(0, total, "tracking")

        def steps(key, indices):
            nonlocal done
            for i, m, c, lost in self._run_segment(key, keyframes[key], indices, cancel):
                done += 1
                yield Progress(done, total, "tracking")
                yield i, m, c, lost

        method = self.refiner.method
        for kind, a, b, indices in plan:
            if kind == "key":
                for k in indices:
                    m = keyframes[k]
                    done += 1
                    yield TrackedFrame(k, np.where(m > 0, 255, 0).astype(np.uint8), 1.0, KEY, True, not np.any(m))
                    yield Progress(done, total, "tracking")
            elif kind == "back":
                results = []
                for ev in steps(a, indices):
                    if isinstance(ev, Progress):
                        yield ev
                    elif ev[0] < stop:
                        results.append(TrackedFrame(ev[0], self._finish(ev[1]), ev[2], method, lost=ev[3]))
                yield from reversed(results)
            elif kind == "fwd":
                for ev in steps(a, indices):
                    if isinstance(ev, Progress):
                        yield ev
                    elif ev[0] >= start:
                        yield TrackedFrame(ev[0], self._finish(ev[1]), ev[2], method, lost=ev[3])
            else:
                fwd, bwd = {}, {}
                for target, key, order in ((fwd, a, indices), (bwd, b, indices[::-1])):
                    for ev in steps(key, order):
                        if isinstance(ev, Progress):
                            yield ev
                        else:
                            target[ev[0]] = ev[1:]
                for i in indices:
                    if start <= i < stop:
                        yield self._blend(i, a, b, fwd[i], bwd[i])

    def _blend(self, i: int, a: int, b: int, f: tuple, r: tuple) -> TrackedFrame:
        """Frame ``i`` between key frames ``a`` < i < ``b`` from the forward track ``f`` and the
        backward track ``r`` (each (mask, confidence, lost)): the closer key frame weighs more."""
        (mf, cf, lf), (mb, cb, lb) = f, r
        wf, wb = (b - i) * (0.2 + cf), (i - a) * (0.2 + cb)
        soft = (wf * self._to_full_soft(mf) + wb * self._to_full_soft(mb)) / (wf + wb)
        conf = (wf * cf + wb * cb) / (wf + wb) * (0.5 + 0.5 * iou(mf, mb))
        return TrackedFrame(i, np.where(soft >= 0.5, 255, 0).astype(np.uint8), float(conf),
                            self.refiner.method, lost=lf and lb)

    def _finish(self, mask: np.ndarray) -> np.ndarray:
        return np.where(self._to_full_soft(mask) >= 0.5, 255, 0).astype(np.uint8)


def track_masks(frames: FrameSource, keyframes: Mapping[int, np.ndarray], refiner: Refiner | None = None,
                cancel: CancelToken | None = None, **opts) -> Generator[Progress | TrackedFrame, None, None]:
    """Convenience generator: ``MaskTracker(frames, refiner, **opts).track(keyframes, cancel=cancel)``."""
    yield from MaskTracker(frames, refiner, **opts).track(keyframes, cancel=cancel)
