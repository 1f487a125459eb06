"""Video object tracking that survives occlusion: flow propagation, re-segmentation against
appearance models of confirmed frames, a long-term memory to find the object again.

:class:`ObjectTracker` has :class:`~inpaint_core.segment.track.MaskTracker`'s interface (key
frames, both directions, blending between key frames, :class:`TrackedFrame` events) with a
different step:

1. *Propagate*: the previous mask is pushed along dense optical flow (backward warp and forward
   splat agree), pixels whose flow fails the cycle test and the border become uncertain. The
   object's own patch is also matched in the new frame near where its last motion puts it
   (:mod:`.shiftprior`); when that translation explains the object's pixels clearly better than
   the flow and disagrees with it (the flow smoothed a thin or blurred object's motion into its
   background's), the shifted mask replaces the warped one.
2. *Re-segment*: uncertain pixels are decided by a graph cut (GrabCut) with colour models fixed
   on the key frame; a colour probability (the object's histograms from the key frame and the
   confirmed frames, the background's re-learnt every frame away from the object) lets object
   parts coming into view join and vetoes pixels that look like background; direct flow to the
   key frame vetoes pixels the key frame shows as background (the anchor).
3. *Check*: the mask's area against the object's expected area (learnt on confirmed frames), its
   colour against the models and the agreement with the flow give the frame's confidence. When
   the object is mostly hidden (less than ``lost_ratio`` of its expected area, or not its colours)
   the tracker stops: the frame is marked ``lost`` with an empty mask, rather than letting the
   mask drift onto the occluder or the background.
4. *Re-find*: while lost, every frame is searched for regions of the object's colours whose size
   fits the expected area and whose colour histogram matches the memory (a bank of histograms of
   confirmed frames); the region's distance from where a constant-velocity motion predicts the
   object breaks ties between look-alikes. A match is re-segmented and the track resumes.
5. *Look-alikes* (:mod:`.crowd`): when the key frame holds more of the object's colours away from
   it than ``crowd_share`` times its area: where the key frame's graph cut gives the object up, the
   frame's colour probability grows the propagated mask (no farther than where the whole object should be); and
   pixels joining the mask that move with the background rather than with the object are left out.

Frames are (H, W, 3) uint8 RGB; masks (H, W) uint8 0/255.
"""

from __future__ import annotations

import cv2
import numpy as np

from .. import flow as flowlib
from .crowd import colour_mask, fill_holes, look_alike_share, motion_gate
from .grabcut import ColourCut
from .reentry import ColourModel
from .refind import Refinder, _grow, _hist8
from .result import iou
from .shiftprior import match_shift, shifted
from .track import MaskTracker, _disk, _splat


def _centre(mask: np.ndarray) -> np.ndarray | None:
    ys, xs = np.nonzero(mask)
    if len(xs) == 0:
        return None
    return np.array([xs.mean(), ys.mean()])


class _VosStepper(Refinder):
    """Tracks in one direction from a key frame, at the tracker's working size."""

    def __init__(self, tracker: ObjectTracker, key: int, key_mask: np.ndarray) -> None:
        self.t = tracker
        img = tracker._work_frame(key)
        mask = tracker._to_work(key_mask)
        self.prev_img, self.prev_mask = img, mask
        self.key_img, self.key_mask = img, mask
        self.empty_key = not mask.any()
        self.cut = ColourCut(img, mask)
        self.key_model = ColourModel.fit(img, mask)
        self.model = ColourModel.fit(img, mask)
        self.memory = [_hist8(img, mask > 0)] if mask.any() else []
        self.area = float(max(1, np.count_nonzero(mask)))
        self.bg = self.key_model.bg.copy()
        self.full, self.full_at = mask.copy(), 0  # the last confirmed mask (full extent), frames since
        self.size = self._extent(mask)
        self.centre = _centre(mask)
        self.vel = np.zeros(2)
        self.svel = np.zeros(2)  # the object's last frame-to-frame translation (working px)
        self.lost = self.empty_key
        self.lost_for = 0
        self.trust = 1.0
        self.last_seen = mask.copy()
        self.distractors: np.ndarray | None = None  # look-alikes seen beside the object
        self.crowd = False
        self.refound_at: int | None = None  # steps since the last re-find (None: tracked from the key)
        if mask.any() and tracker.crowd_share is not None:
            # look-alikes on the key frame (the object's colours away from it, in all as large as
            # it): the frame-wide colour models cannot tell them apart, local ones and motion must
            cand = self._candidates(self.key_model.probability(img))
            self.crowd = look_alike_share(cand, mask, max(4, self.size // 2)) >= tracker.crowd_share

    def _expected(self, shape: tuple[int, int]) -> np.ndarray:
        """(H, W) bool: the box where the whole object should be now (the last confirmed mask's
        box moved by the velocity, grown by a tenth): parts coming out from behind a narrow
        occluder lie there even when they are far from the visible part."""
        out = np.zeros(shape, bool)
        ys, xs = np.nonzero(self.full)
        if len(xs) == 0:
            return out
        dx, dy = self.vel * self.full_at
        g = max(2, self.size // 10)
        x0, x1 = int(xs.min() + dx - g), int(xs.max() + dx + g) + 1
        y0, y1 = int(ys.min() + dy - g), int(ys.max() + dy + g) + 1
        out[max(0, y0):max(0, y1), max(0, x0):max(0, x1)] = True
        return out

    def _flow_error(self, img: np.ndarray, bwd: np.ndarray, warped: np.ndarray) -> float:
        """Mean squared colour difference per pixel and channel between ``img`` and the previous
        frame warped along ``bwd``, over ``warped`` (bool): how well the flow explains the object
        (in the units of :class:`~inpaint_core.segment.shiftprior.Shift`'s ``error``)."""
        if not warped.any():
            return float("inf")
        back = flowlib.warp(self.prev_img, bwd)
        d = img[warped].astype(np.float32) - back[warped].astype(np.float32)
        return float((d * d).mean())

    def _key_background(self, img: np.ndarray) -> np.ndarray:
        """(H, W) bool: pixels that direct flow (``anchor_preset``) maps, with a passing cycle
        test, onto the key frame's background away from the object's border."""
        t = self.t
        to_key = flowlib.compute_flow(img, self.key_img, t.anchor_preset)
        from_key = flowlib.compute_flow(self.key_img, img, t.anchor_preset)
        valid = flowlib.cycle_valid(to_key, from_key, delta=1.0, relative=0.05)
        near = cv2.dilate(flowlib.warp_mask(self.key_mask, to_key), _disk(2)) > 0
        self.key_same = None
        if t.anchor_match is not None:
            back = flowlib.warp(self.key_img, to_key).astype(np.int16)
            d = np.abs(img.astype(np.int16) - back).max(axis=2)
            self.key_same = cv2.erode((d <= t.anchor_match).astype(np.uint8), _disk(1)) > 0
        return valid & ~near

    def _prob(self, img: np.ndarray, near: np.ndarray | None) -> np.ndarray:
        """(H, W) float32 P(object | colour): the object's colours from the key frame and the
        confirmed frames, the background's from this very frame away from the object (``near``,
        bool, is left out), so a new occluder's colours count as background before it arrives."""
        if near is not None and (~near).sum() > 64:
            from .reentry import _hist

            r = self.t.bg_rate
            self.bg = (1 - r) * self.bg + r * _hist(img, ~near)
        idx = (img >> 4).astype(np.intp)
        fg = 0.5 * (self.key_model.fg + self.model.fg)
        pf = fg[idx[..., 0], idx[..., 1], idx[..., 2]]
        pb = self.bg[idx[..., 0], idx[..., 1], idx[..., 2]]
        return (pf / (pf + pb)).astype(np.float32)

    def _local(self) -> bool:
        """The colour fallback holds among look-alikes (``crowd``) once the track is steady: a
        fresh re-find may be a look-alike, not to be helped along."""
        return self.crowd and (self.refound_at is None or self.refound_at >= 8)

    def _near(self) -> np.ndarray | None:
        """(H, W) bool: around the last mask (by half the object's size); None when lost."""
        if self.lost or not self.prev_mask.any():
            return None
        return _grow(self.prev_mask, max(4, self.size // 2))

    @staticmethod
    def _extent(mask: np.ndarray) -> int:
        ys, xs = np.nonzero(mask)
        return int(max(xs.max() - xs.min(), ys.max() - ys.min()) + 1) if len(xs) else 8

    def _confirm(self, img: np.ndarray, mask: np.ndarray, conf: float) -> bool:
        """Learn from a frame the tracker trusts: area, appearance memory, motion."""
        t = self.t
        area = float(np.count_nonzero(mask))
        c = _centre(mask)
        if c is not None and self.centre is not None:
            self.vel = 0.6 * self.vel + 0.4 * (c - self.centre) / max(1, self.lost_for + 1)
        self.centre = c
        if conf >= t.confirm_conf and 0.6 * self.area <= area <= 1.6 * self.area:
            self.area = 0.8 * self.area + 0.2 * area
            self.full, self.full_at = mask.copy(), 0
            self.size = self._extent(mask)
            self.model.update(img, mask, t.model_rate)
            self.memory.append(_hist8(img, mask > 0))
            if len(self.memory) > t.memory_size:
                self.memory.pop(1)  # the key frame's histogram stays
            return True
        if area > 1.6 * self.area and conf >= t.confirm_conf:
            self.area = 0.9 * self.area + 0.1 * area  # growing (coming closer): follow slowly
        return False

    def step(self, index: int) -> tuple[np.ndarray, float, bool]:
        """Advance to ``index``; returns (working-size mask 0/255, confidence, lost)."""
        t = self.t
        img = t._work_frame(index)
        empty = np.zeros(img.shape[:2], np.uint8)
        if self.empty_key:
            self.prev_img = img
            return empty, 1.0, True
        prob = self._prob(img, self._near())
        self.full_at += 1
        if self.refound_at is not None:
            self.refound_at += 1
        mask, conf = empty, 0.0
        learn = None  # the mask to learn the object from, when not the one given out
        if not self.lost:
            bwd = flowlib.compute_flow(img, self.prev_img, t.flow_preset)
            fwd = flowlib.compute_flow(self.prev_img, img, t.flow_preset)
            back = flowlib.warp_mask(self.prev_mask, bwd) > 0
            if t.splat == "and":
                warped = back & _splat(self.prev_mask, fwd)
            else:  # the forward splat only trims what the backward warp says near its border
                warped = back & (_splat(self.prev_mask, fwd) | (cv2.erode(back.astype(np.uint8), _disk(1)) > 0))
            flow_ok = True
            if t.shift_prior:
                # the object's own patch matched in this frame: when the flow lost it (a thin or
                # blurred object's motion smoothed into the background's), the shifted mask wins
                radius = int(t.shift_radius + 0.5 * np.hypot(*self.svel) + 0.1 * self.size)
                sh = match_shift(self.prev_img, self.prev_mask, img, tuple(self.svel), radius)
                if sh is not None:
                    moved = shifted(self.prev_mask, sh.dx, sh.dy) > 0
                    inside = moved.sum() >= 0.9 * np.count_nonzero(self.prev_mask)  # not leaving the frame
                    if inside and iou(moved, warped) < t.shift_agree \
                            and sh.error < t.shift_gain * self._flow_error(img, bwd, warped):
                        warped, flow_ok = moved, False
                    self.svel = np.array([sh.dx, sh.dy], float)
            key_bg = None
            if t.anchor and flow_ok:
                # the key frame vouches for its background where direct flow to it passes the
                # cycle test, unless the colour clearly says "object": stops a mask from sticking
                # to the background behind an occluder and drift from accumulating
                key_bg = self._key_background(img)
                # the colour exemption (an object-coloured pixel may be the object passing over
                # background the key frame saw) does not hold where the pixel looks exactly as the
                # key frame's background it maps onto: the same background seen again
                exempt = prob >= t.anchor_colour
                if self.key_same is not None and not self.crowd:
                    # (among look-alikes the key frame's background holds the object's colours:
                    # a pixel matching it may be the object over a look-alike)
                    exempt &= ~self.key_same
                key_bg &= ~exempt
                warped &= ~key_bg
            area_w = int(np.count_nonzero(warped))
            if area_w >= max(t.min_pixels, t.lost_ratio * self.area):
                valid = flowlib.cycle_valid(bwd, fwd, delta=1.0, relative=0.1)
                if not flow_ok:
                    valid = np.ones_like(valid)  # the flow failed the object: the matched patch holds
                w8 = warped.astype(np.uint8)
                uncertain = (cv2.dilate(w8, _disk(t.border)) > 0) & ~(cv2.erode(w8, _disk(t.border)) > 0)
                uncertain |= ~valid & _grow(w8, t.reach)
                speed = float(np.percentile(np.linalg.norm(fwd[self.prev_mask > 0], axis=1), 95))
                reach = int(min(3 * t.reach, t.border + speed))
                uncertain |= _grow(w8, reach) & (prob > 0.6)
                uncertain |= self._expected(img.shape[:2]) & (prob > 0.6)
                prior = np.where(warped, 255, 0).astype(np.uint8)
                mask = self.cut.cut(img, prior, uncertain)
                collapsed = np.count_nonzero(mask) < t.collapse * area_w
                # (after a matched shift only if the shifted mask falls short of the object's area)
                short = flow_ok or area_w < 0.85 * self.area
                if collapsed and short and self._local() and t.prob_fallback is not None:
                    # the key frame's colour models put the object in the background (look-alikes
                    # were there): this frame's colour probability decides the band instead
                    mask = colour_mask(prob, warped, uncertain, cv2.erode(w8, _disk(t.border)) > 0,
                                       self._expected(prob.shape), t.prob_fallback, t.veto)
                mask = np.where(warped & valid & (prob >= t.keep_prior), 255, mask).astype(np.uint8)
                # this frame's colours veto the cut's answer outside the flow's sure core
                core = cv2.erode(w8, _disk(t.border)) > 0
                mask = np.where(((prob < t.veto) & ~core) | (prob < t.hard_veto), 0, mask).astype(np.uint8)
                if key_bg is not None:
                    mask[key_bg] = 0
                if self.crowd and t.motion_gate is not None:
                    # every pixel outside the flow's sure core is gated, not only those joining:
                    # a look-alike's pixels that once joined are carried by the flow afterwards
                    carried = core if t.gate_erode is None else cv2.erode(w8, _disk(t.gate_erode)) > 0
                    mask = motion_gate(mask, bwd, core, carried, -self.vel, max(4, self.size // 2), t.motion_gate)
                if self._local() and t.crowd_fill is not None:
                    # this frame's colour vetoes punch holes where the object's colours are also
                    # the look-alikes' (they count as background): a figure has none, so they are
                    # filled in the mask given out and carried on; the object is learnt from the
                    # unfilled mask (filled, its memory took in background and matched look-alikes)
                    learn = mask
                    mask = fill_holes(mask, t.crowd_fill)
                agree = iou(mask, prior)
                if np.count_nonzero(mask) < 0.5 * area_w:
                    mask, agree, learn = prior, min(agree, 0.3), None
                on = mask > 0
                colour = float(prob[on].mean()) if on.any() else 0.0
                cyc = float(valid[warped].mean())
                ratio = float(on.sum()) / self.area
                conf = float(np.clip(agree * (0.5 + 0.5 * cyc) * min(1.0, colour / 0.6)
                                     * min(1.0, ratio / 0.6), 0.0, 1.0))
                if colour < t.min_colour or ratio < t.lost_ratio or ratio > t.max_ratio:
                    mask, conf = empty, 0.0  # mostly hidden or not the object any more: stop here
            if mask.any():
                whole = np.count_nonzero(mask) >= 0.85 * self.area  # not partly hidden
                sure = self._confirm(img, mask if learn is None else learn, conf) and whole
                self._follow_distractors(self._candidates(prob), mask if sure else None)
                self.lost_for = 0
                self.last_seen = mask
            else:
                self.lost, self.lost_for = True, 0
        if self.lost:
            self.lost_for += 1
            found = self._refind(img, prob)
            if found is not None:
                mask, score = found
                self.refound_at = 0
                conf = float(np.clip(score, 0.0, 1.0)) * 0.6
                self.lost = False
                self.last_seen = mask
                self.trust = 1.0
                self.centre = _centre(mask)
                self.lost_for = 0
            else:
                mask, conf = empty, 0.0
        self.trust = 1.0 if self.lost else self.trust * max(conf, 1e-3) ** t.trust_power
        self.prev_img, self.prev_mask = img, mask
        return mask, float(min(self.trust, conf ** 0.5) if not self.lost else 0.0), self.lost


class ObjectTracker(MaskTracker):
    """Key-frame masks carried through a clip by :class:`_VosStepper` (see the module docstring).

    ``frames``: a frame source (``frame_count``, ``frame(i)`` -> (H, W, 3) uint8); ``work_long_side``:
    the working size's long side (masks come back at the clip's size). Frames where the object is
    not found are yielded with ``lost=True``, an empty mask and confidence 0.
    """

    def __init__(self, frames, *, work_long_side: int | None = 480, flow_preset: str = "medium",
                 border: int = 3, reach: int = 6, min_colour: float = 0.3, keep_prior: float = 0.35,
                 model_rate: float = 0.15, lost_ratio: float = 0.12, min_pixels: int = 12,
                 confirm_conf: float = 0.6, memory_size: int = 12, search_prob: float = 0.6,
                 search_min_ratio: float = 0.25, search_max_ratio: float = 3.0, search_sim: float = 0.55,
                 search_accept: float = 0.35, incumbent_reach: int = 4, veto: float = 0.15,
                 hard_veto: float = 0.1, incumbent_penalty: float = 0.4, bg_rate: float = 0.1,
                 splat: str = "and", anchor: bool = True, anchor_preset: str = "fast",
                 anchor_colour: float = 0.7, anchor_match: float | None = 24,
                 max_ratio: float = 2.2, trust_power: float = 0.1, cache_frames: int = 4,
                 shift_prior: bool = True, shift_radius: int = 6, shift_agree: float = 0.6,
                 shift_gain: float = 0.7, prob_fallback: float | None = 0.45,
                 collapse: float = 0.5, motion_gate: float | None = 2.0,
                 crowd_share: float | None = 1.4, crowd_fill: int | None = 2,
                 gate_erode: int | None = 1) -> None:
        super().__init__(frames, None, work_long_side=work_long_side, flow_preset=flow_preset,
                         border=border, reach=reach, min_colour=min_colour, keep_prior=keep_prior,
                         model_rate=model_rate, trust_power=trust_power, cache_frames=cache_frames)
        self.lost_ratio, self.min_pixels = lost_ratio, min_pixels
        self.confirm_conf, self.memory_size = confirm_conf, memory_size
        self.search_prob, self.search_min_ratio, self.search_max_ratio = search_prob, search_min_ratio, search_max_ratio
        self.search_sim, self.search_accept = search_sim, search_accept
        self.incumbent_reach, self.veto, self.max_ratio = incumbent_reach, veto, max_ratio
        self.hard_veto, self.incumbent_penalty, self.bg_rate = hard_veto, incumbent_penalty, bg_rate
        self.splat = splat
        self.anchor, self.anchor_preset, self.anchor_colour = anchor, anchor_preset, anchor_colour
        self.anchor_match = anchor_match
        self.shift_prior, self.shift_radius, self.shift_agree = shift_prior, shift_radius, shift_agree
        self.shift_gain = shift_gain
        self.prob_fallback, self.collapse = prob_fallback, collapse
        self.motion_gate, self.crowd_share = motion_gate, crowd_share
        self.crowd_fill, self.gate_erode = crowd_fill, gate_erode

    def _run_segment(self, key, key_mask, indices, cancel):
        stepper = _VosStepper(self, key, key_mask)
        for i in indices:
            cancel.raise_if_cancelled()
            yield (i, *stepper.step(i))
