"""Working-size flows for the restore stage's reference choice and alignment: the options of the
temporal residual, a cache of flows cropped to the holes, and the DIS pyramid rules they follow
(split from :mod:`.temporal`)."""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass
from functools import cache

import cv2
import numpy as np

from ..flow import PRESETS, compute_flow, cycle_valid, magnitude, to_gray
from ..masks.ops import resize_mask_cover
from .completion import HoleFiller
from .frames import FrameStore
from .roi import GrownHoles, timed

#: frame offsets tried as references, nearest first
OFFSETS = (1, 3, 6, 10, 15, 21, 28)
#: working-size flows are cropped to the holes only when the crop is at most this share of the
#: frame: on small frames DIS needs the whole frame's context (measured on a 160x96 noise pan: a
#: crop of 45 % of the frame lost 4-6 dB in the hole) and a large crop saves little
CROP_AREA = 0.4


@dataclass
class TemporalOptions:
    max_refs: int = 3
    offsets: tuple[int, ...] = OFFSETS
    flow_width: int = 320          # working-size flows are computed at most this wide
    cycle_delta: float = 1.0       # in reduced flow pixels
    sigma: float = 8.0             # similarity bandwidth, 0-255 intensity units
    coverage_goal: float = 0.97    # stop adding references once this share of the hole is covered
    #: low-frequency correction: where a trusted reference's low-pass image differs from the upsized
    #: fill, move the fill towards it by exp(-d / 2 lf_sigma^2) (d: the local squared difference);
    #: None restores the high frequencies only, as STRA-Net does
    lf_sigma: float | None = 32.0
    #: try the offsets chosen for the neighbouring frame first and keep them when they cover about
    #: as much of the hole as they did there (saves the working-size flows of the other
    #: candidates); a full search is made again every ``refresh`` frames
    reuse_refs: bool = True
    refresh: int = 8
    #: DIS preset of the flows that rank candidate references (those chosen are aligned with
    #: ``medium`` flows); ``fast`` is about 5x cheaper but loses far references (large motion)
    select_preset: str = "medium"
    #: width of the flows that rank candidates (None: ``flow_width``); the chosen references are
    #: aligned with ``flow_width`` flows. 160 is about 4x cheaper per candidate but changed some
    #: choices and cost 0.21 dB in-hole PSNR on the 1080p logo pan, so it is off by default
    select_width: int | None = None
    #: align and aggregate over the hole's rectangle only; False works on the whole frame and crops
    #: (the reference the rectangle is tested against; many times slower at 1080p)
    roi: bool = True
    #: working-size flows are computed over the two frames' hole boxes grown by this share of the
    #: flow width (at least 32 flow pixels) instead of the whole frame: only the flow in and around
    #: the hole is ever read. A sample landing beyond the crop fails the cycle test (the flow there
    #: is 0). None computes them over the whole frame
    coarse_margin: float | None = 0.1
    #: DIS preset of the full-resolution refinement between the target and the pre-warped reference.
    #: ``fast`` halves the refinement's time and gained 0.11-0.15 dB on 8 frames of three clips, but
    #: over all 40 frames of the 1080p Wood watermark pan it lost 0.15 dB (and 0.15 dB end to end in
    #: bench_export.py), so it is not the default
    fine_preset: str = "medium"
    #: the refinement is computed at this share of full resolution on sources 1280 px wide or wider
    #: (``temporal.FINE_SCALE_MIN_WIDTH``); 1.0: full. 0.5 cut the restore's CPU by 10-14 % on 12
    #: frames of the clean 1080p watermark pans (-0.035 / +0.006 / +0.024 dB Wood / Garden / Dune),
    #: but with a logo burned into the hole bench_export.py measured -0.44 dB (Wood, 100 frames) and
    #: -0.24 dB (Garden, 48) end to end, so it is off by default
    fine_scale: float = 1.0
    #: sample and sum the references' residuals at the target's hole pixels only (the caller reads
    #: the residual there only; equal to the dense sum inside the hole); False: over the rectangle
    sparse: bool = True


class FlowCache:
    """Flows ``a -> b`` between the working-size frames, computed at a reduced size (at most
    ``flow_width`` wide) and completed inside ``a``'s hole; (fh, fw, 2) float32 in reduced pixels,
    LRU-cached."""

    def __init__(self, store: FrameStore, opts: TemporalOptions, capacity: int = 160) -> None:
        self.store = store
        self.opts = opts
        self.capacity = capacity
        w, h = store.geom.work
        s = min(1.0, opts.flow_width / w)
        self.size = (max(16, round(w * s)), max(16, round(h * s)))
        self.filler = HoleFiller()
        self._cache: OrderedDict[tuple, np.ndarray] = OrderedDict()
        #: the crop (flow-size box) each cached flow was computed over, where it was cropped
        self._crops: dict[tuple, tuple[int, int, int, int]] = {}
        self._small: OrderedDict[int, tuple[np.ndarray, np.ndarray]] = OrderedDict()
        #: grown reference holes, shared by the frames of a stationary mask
        self.grown = GrownHoles()
        #: id(hole) -> (hole, the pixels of that frame no sample may read): temporal.untrusted
        self.untrusted_memo: dict = {}
        #: frame -> (offsets of the references chosen for it, share of its hole they cover, frames
        #: since the last full search)
        self.choices: OrderedDict[int, tuple[tuple[int, ...], float, int]] = OrderedDict()
        #: where the seconds of newly computed flows are added (``restore.flow_coarse``), if set
        self.timings: dict | None = None
        self._ranking: FlowCache | None = None
        #: (a, b) -> the flow a -> b and its cycle test at working size, for the few pairs of the
        #: frame in work: every rectangle of a target reads the same ones
        self._work: OrderedDict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = OrderedDict()
        #: the restore's hole regions, by margin, for the last hole array (see pipeline._regions_of)
        self.regions_memo: dict = {}
        #: a cropped flow whose 90th-percentile motion outside the hole exceeds this share of the
        #: crop's margin is computed again over the whole frame
        self.crop_motion = 0.5

    def ranking(self, width: int | None) -> FlowCache:
        """The flows that rank candidate references: this cache, or one ``width`` wide."""
        if width is None or min(self.store.geom.work[0], width) >= self.size[0]:
            return self
        if self._ranking is None or self._ranking.opts.flow_width != width:
            from dataclasses import replace

            self._ranking = FlowCache(self.store, replace(self.opts, flow_width=width), self.capacity)
        self._ranking.timings = self.timings
        return self._ranking

    def reduced(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """(grey (fh, fw) uint8, hole (fh, fw) bool) of frame ``i`` at the flow size."""
        hit = self._small.get(i)
        if hit is None:
            f = self.store[i]
            g = to_gray(f.small)
            if self.size != self.store.geom.work:
                g = cv2.resize(g, self.size, interpolation=cv2.INTER_AREA)
            hole = resize_mask_cover(f.hole_small, self.size) > 0
            hit = self._small[i] = (g, hole)
            while len(self._small) > self.capacity:
                self._small.popitem(last=False)
        return hit

    def _margin(self) -> int:
        """The crop's margin around the holes, in flow pixels."""
        return max(32, int(round((self.opts.coarse_margin or 0.0) * self.size[0])))

    def hole_box(self, i: int) -> tuple[int, int, int, int] | None:
        """(x0, y0, x1, y1) of frame ``i``'s hole at the flow size; None when it has none."""
        hole = self.reduced(i)[1]
        x, y, w, h = cv2.boundingRect(hole.view(np.uint8))
        return None if w == 0 else (x, y, x + w, y + h)

    def crop(self, a: int, b: int, preset: str = "medium") -> tuple[int, int, int, int] | None:
        """The part of the flow-size frames the flow ``a -> b`` (and ``b -> a``) is computed over:
        the union of both holes' boxes grown by ``opts.coarse_margin``, then widened until DIS
        builds as deep a pyramid on it as on the whole frame (a shallower one misses the larger
        motions: measured 0 px instead of 9 on a small crop); None for the whole frame (no margin
        set, no hole, a crop nearly as large as the frame, or ``opts.roi`` off: the whole-frame
        reference path aligns every pixel)."""
        m = self.opts.coarse_margin
        if m is None or not self.opts.roi:
            return None
        boxes = [bx for bx in (self.hole_box(a), self.hole_box(b)) if bx is not None]
        if not boxes:
            return None
        fw, fh = self.size
        g = self._margin()
        x0 = max(0, min(bx[0] for bx in boxes) - g)
        y0 = max(0, min(bx[1] for bx in boxes) - g)
        x1 = min(fw, max(bx[2] for bx in boxes) + g)
        y1 = min(fh, max(bx[3] for bx in boxes) + g)
        p = _patch_size(preset)
        depth = dis_depth(fw, fh, p)
        lo = p * 2 ** depth  # the pyramid's last level must hold a patch
        hi = int(math.ceil(4 * p * 2 ** (depth - 0.5))) + 1  # and the longer side reach this
        need_w, need_h = max(lo, x1 - x0), max(lo, y1 - y0)
        if max(need_w, need_h) < hi:
            if fw >= fh:
                need_w = hi
            else:
                need_h = hi
        x0, x1 = _widen(x0, x1, need_w, fw)
        y0, y1 = _widen(y0, y1, need_h, fh)
        # whole working-size pixels at the crop's corners, so that it is resized on the frame's grid
        w, h = self.store.geom.work
        qx, qy = fw // math.gcd(fw, w), fh // math.gcd(fh, h)
        x0, x1 = x0 // qx * qx, min(fw, -(-x1 // qx) * qx)
        y0, y1 = y0 // qy * qy, min(fh, -(-y1 // qy) * qy)
        if (x1 - x0) * (y1 - y0) > CROP_AREA * fw * fh or dis_depth(x1 - x0, y1 - y0, p) < depth:
            return None
        return x0, y0, x1, y1

    def __call__(self, a: int, b: int, preset: str = "medium") -> np.ndarray:
        key = (a, b) if preset == "medium" else (a, b, preset)
        hit = self._cache.get(key)
        if hit is not None:
            self._cache.move_to_end(key)
            return hit
        with timed(self.timings, "restore.flow_coarse"):
            ga, ha = self.reduced(a)
            gb, _ = self.reduced(b)
            box = self.crop(a, b, preset)
            if box is None:
                flow = compute_flow(ga, gb, preset=preset)
                if ha.any():
                    flow = self.filler(flow, ha)
            else:
                x0, y0, x1, y1 = box
                sub = compute_flow(np.ascontiguousarray(ga[y0:y1, x0:x1]), np.ascontiguousarray(gb[y0:y1, x0:x1]),
                                   preset=preset)
                hs = ha[y0:y1, x0:x1]
                mag = magnitude(sub)[~hs]
                if mag.size and float(np.percentile(mag, 90)) > self.crop_motion * self._margin():
                    # motion large against the margin: the crop may cut it off, the whole frame is safe
                    flow = compute_flow(ga, gb, preset=preset)
                    if ha.any():
                        flow = self.filler(flow, ha)
                else:
                    if hs.any():
                        sub = self.filler(sub, hs)
                    flow = np.zeros(ga.shape + (2,), np.float32)
                    flow[y0:y1, x0:x1] = sub
                    self._crops[key] = box
        self._cache[key] = flow
        while len(self._cache) > self.capacity:
            old, _ = self._cache.popitem(last=False)
            self._crops.pop(old, None)
        return flow


    def at_work(self, a: int, b: int, delta: float) -> tuple[np.ndarray, np.ndarray]:
        """(flow a -> b resized to the working size (h, w, 2) float32, still in reduced pixels;
        its cycle test against b -> a at working size (h, w) float32, > 0.5 where trusted)."""
        key = (a, b)
        hit = self._work.get(key)
        if hit is not None and hit[2] == delta:
            return hit[0], hit[1]
        fwd, bwd = self(a, b), self(b, a)
        w, h = self.store.geom.work
        fh, fw = fwd.shape[:2]
        box = self._crops.get((a, b))
        if box is not None and box == self._crops.get((b, a)) and (fw, fh) != (w, h):
            # both flows hold only their crop (0 beyond it): resize and test that part, on the
            # frame's pixel grid; beyond it the test reads 0 (untrusted), where nothing is read
            x0, y0, x1, y1 = box
            X0, Y0, X1, Y1 = x0 * w // fw, y0 * h // fh, x1 * w // fw, y1 * h // fh
            work = np.zeros((h, w, 2), np.float32)
            work[Y0:Y1, X0:X1] = cv2.resize(fwd[y0:y1, x0:x1], (X1 - X0, Y1 - Y0), interpolation=cv2.INTER_LINEAR)
            vc = cycle_valid(fwd[y0:y1, x0:x1], bwd[y0:y1, x0:x1], delta, relative=0.02).astype(np.float32)
            vs = np.zeros((h, w), np.float32)
            vs[Y0:Y1, X0:X1] = cv2.resize(vc, (X1 - X0, Y1 - Y0), interpolation=cv2.INTER_LINEAR)
        else:
            work = cv2.resize(fwd, (w, h), interpolation=cv2.INTER_LINEAR) if (fw, fh) != (w, h) else fwd
            vs = cycle_valid(fwd, bwd, delta, relative=0.02).astype(np.float32)
            if vs.shape[::-1] != (w, h):
                vs = cv2.resize(vs, (w, h), interpolation=cv2.INTER_LINEAR)
        self._work[key] = (work, vs, delta)
        while len(self._work) > 4:
            self._work.popitem(last=False)
        return work, vs


@cache
def _patch_size(preset: str) -> int:
    return int(cv2.DISOpticalFlow_create(PRESETS[preset]).getPatchSize())


@cache
def _finest_scale(preset: str) -> int:
    return int(cv2.DISOpticalFlow_create(PRESETS[preset]).getFinestScale())


def _fine_preset(preset: str, shape: tuple[int, int]) -> str:
    """``preset`` where DIS's pyramid on an image of ``shape`` (h, w) reaches the preset's finest
    level, else ``medium``: ``fast`` stops at a quarter of the size and crashed OpenCV (a
    segmentation fault) on a 102x28 rectangle, whose pyramid is shallower than that."""
    h, w = shape
    if preset == "medium" or dis_depth(w, h, _patch_size(preset)) >= _finest_scale(preset):
        return preset
    return "medium"


def dis_depth(w: int, h: int, patch: int) -> int:
    """The coarsest pyramid level OpenCV's DIS builds on a (w, h) image with ``patch``-pixel
    patches (its automatic rule: a quarter of the longer side per patch, a patch in the shorter)."""
    return min(int(math.log(max(w, h) / (4.0 * patch)) / math.log(2.0) + 0.5),
               int(math.log(min(w, h) / patch) / math.log(2.0)))


def _widen(a: int, b: int, n: int, size: int) -> tuple[int, int]:
    """The span [a, b) grown about its centre to ``n`` (at most ``size``), kept inside [0, size)."""
    n = min(n, size)
    if b - a >= n:
        return a, b
    a = max(0, min(a - (n - (b - a)) // 2, size - n))
    return a, a + n
