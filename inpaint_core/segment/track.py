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

Each frame gets a confidence in [0, 1] (agreement of the warped and refined masks, scaled by how
many of the mask's flow vectors pass the forward-backward cycle test) so an editor can flag frames
to check. Frames are (H, W, 3) uint8 RGB; masks (H, W) uint8 0/255.
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

    def step(self, index: int) -> tuple[np.ndarray, float, bool]:
        """Advance to ``index``; returns (working-size mask 0/255, confidence, lost)."""
        t = self.t
        img = t._work_frame(index)
        if self.empty_key:
            return np.zeros(img.shape[:2], np.uint8), 1.0, True
        bwd = flowlib.compute_flow(img, self.prev_img, t.flow_preset)  # index -> prev
        fwd = flowlib.compute_flow(self.prev_img, img, t.flow_preset)  # prev -> index
        warped = (flowlib.warp_mask(self.prev_mask, bwd) > 0) & _splat(self.prev_mask, fwd)
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
            r_area = int(np.count_nonzero(mask))
            agree = iou(mask, prior)
            if r_area < 0.5 * area:
                mask, agree = prior, min(agree, 0.3)  # the refinement collapsed: keep the flow's answer
            cyc = float(valid[warped].mean())
            conf = float(np.clip(agree * (0.5 + 0.5 * cyc), 0.0, 1.0))
            on = mask > 0
            if on.any() and float(prob[on].mean()) < t.min_colour:
                mask = np.zeros_like(mask)  # what is left has none of the object's colours: it left
            if np.count_nonzero(mask) >= min_area:
                self.last_seen = mask
                if conf >= 0.7:
                    self.model.update(img, mask, t.model_rate)
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
        self.prev_img, self.prev_mask = img, mask
        return mask, conf, lost


class MaskTracker:
    """Propagates key-frame masks through a clip.

    ``frames``: a :class:`FrameSource` (``frame_count``, ``frame(i)`` -> (H, W, 3) uint8).
    ``refiner``: a :class:`GrabCutRefiner` (default) or :class:`SamRefiner`.
    ``work_long_side``: flow and refinement run on frames downsized to this long side (masks are
    brought back to full size with a smooth upsize); ``None`` works at full size.
    """

    def __init__(self, frames: FrameSource, refiner: Refiner | None = None, *, work_long_side: int | None = 640,
                 flow_preset: str = "medium", min_area_fraction: float = 2e-4, model_rate: float = 0.2,
                 border: int = 3, reach: int = 6, min_colour: float = 0.3, cache_frames: int = 4) -> None:
        self.frames = frames
        self.refiner = refiner or GrabCutRefiner()
        self.flow_preset = flow_preset
        self.min_area_fraction = min_area_fraction
        self.model_rate = model_rate
        self.border, self.reach, self.min_colour = border, reach, min_colour
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
        """Generator: yields :class:`Progress` and one :class:`TrackedFrame` per frame of
        ``[start, stop)`` in increasing order (key frames included, unchanged). Raises
        :class:`~inpaint_core.errors.Cancelled` when ``cancel`` fires."""
        cancel = cancel or NEVER_CANCELLED
        n = self.frames.frame_count
        stop = n if stop is None else min(stop, n)
        keys = sorted(k for k in keyframes if 0 <= k < n)
        if not keys:
            raise MaskError("tracking needs at least one key frame with a mask inside the clip")
        total = stop - start
        done = 0
        yield Progress(0, total, "tracking")

        def emit_key(k):
            return TrackedFrame(k, np.where(keyframes[k] > 0, 255, 0).astype(np.uint8), 1.0, KEY, True,
                                not np.any(keyframes[k]))

        # before the first key frame: backward only
        first = keys[0]
        if start < first:
            back = list(range(first - 1, start - 1, -1))
            results = []
            for i, m, c, lost in self._run_segment(first, keyframes[first], back, cancel):
                results.append(TrackedFrame(i, self._finish(m), c, self.refiner.method, lost=lost))
                done += 1
                yield Progress(done, total, "tracking")
            yield from reversed(results)
        # between key frames: both directions, blended
        for a, b in zip(keys, keys[1:] + [None]):
            if start <= a < stop:
                yield emit_key(a)
                done += 1
                yield Progress(done, total, "tracking")
            if b is None:
                fwd_idx = list(range(max(a + 1, start), stop))
                for i, m, c, lost in self._run_segment(a, keyframes[a], list(range(a + 1, stop)), cancel):
                    if i in fwd_idx:
                        done += 1
                        yield TrackedFrame(i, self._finish(m), c, self.refiner.method, lost=lost)
                        yield Progress(done, total, "tracking")
                continue
            inner = list(range(a + 1, b))
            if not inner or inner[-1] < start or inner[0] >= stop:
                continue
            fwd = {i: (m, c, lost) for i, m, c, lost in self._run_segment(a, keyframes[a], inner, cancel)}
            yield Progress(done, total, "tracking")
            bwd = {i: (m, c, lost) for i, m, c, lost in
                   self._run_segment(b, keyframes[b], inner[::-1], cancel)}
            for i in inner:
                wf, wb = (b - i), (i - a)  # closer key weighs more
                (mf, cf, lf), (mb, cb, lb) = fwd[i], bwd[i]
                wf, wb = wf * (0.2 + cf), wb * (0.2 + cb)
                soft = (wf * self._to_full_soft(mf) + wb * self._to_full_soft(mb)) / (wf + wb)
                conf = (wf * cf + wb * cb) / (wf + wb) * (0.5 + 0.5 * iou(mf, mb))
                if start <= i < stop:
                    done += 1
                    yield TrackedFrame(i, np.where(soft >= 0.5, 255, 0).astype(np.uint8), float(conf),
                                       self.refiner.method, lost=lf and lb)
                    yield Progress(done, total, "tracking")

    def _finish(self, mask: np.ndarray) -> np.ndarray:
        return np.where(self._to_full_soft(mask) >= 0.5, 255, 0).astype(np.uint8)


def track_masks(frames: FrameSource, keyframes: Mapping[int, np.ndarray], refiner: Refiner | None = None,
                cancel: CancelToken | None = None, **opts) -> Generator[Progress | TrackedFrame, None, None]:
    """Convenience generator: ``MaskTracker(frames, refiner, **opts).track(keyframes, cancel=cancel)``."""
    yield from MaskTracker(frames, refiner, **opts).track(keyframes, cancel=cancel)
