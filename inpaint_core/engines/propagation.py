"""Flow-guided propagation of one chunk of frames (the core of the classical engine).

The chunk is a list of consecutive frames of one shot. For each hole pixel, chains of completed
optical flow are followed backward and forward in time (one sequential pass each way, composing
coordinates, never re-sampling colours) to the nearest frame where the point is visible and every
step passed the cycle-consistency test. Colours are sampled once from that source frame. Pixels no
frame shows are filled spatially in one key frame and carried along the flow to the other frames.

Arrays: frames (H, W, 3) uint8; holes (H, W) bool; flows (H, W, 2) float32 (see
:mod:`inpaint_core.flow`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import cv2
import numpy as np

from .. import flow as F
from .chains import CHAIN_ERROR, LAND, LOOSE, MAX_CHAIN, ChainPasses, _Pass
from .chunkcache import ChunkCache
from .confidence import steady_mean
from .seams import seam_correct
from .stillscene import nothing_revealed

#: largest colour difference (mean over RGB, grey levels) for which the forward and backward
#: candidates are blended; beyond it the nearer one wins (no ghosting)
BLEND_LIMIT = 24.0
#: chain length (frames) beyond which a source that disagrees with the frame's surroundings is
#: taken as stale (with ``arbitrate``)
STALE_AFTER = 4
#: the frame's spatial estimate (the reference arbitration compares candidates with) is made at
#: 1/ESTIMATE_SCALE of the working size
ESTIMATE_SCALE = 2
#: look-ahead frames (after the last one returned) filled like the chunk's own (their key fills are
#: sources); further ones only extend the chains toward later frames (backward pass only): a long,
#: constant look-ahead at little cost (docs/streaming.md)
FULL_AHEAD = 4


@dataclass
class Seed:
    """A frame of the chunk whose hole is already filled (by an earlier chunk): its pixels are
    sources of lower rank than real visible pixels. ``rgb`` (H, W, 3) uint8; ``corr_frame`` (H, W)
    int32 global source frame or -1; ``corr_xy`` (H, W, 2) float32."""

    rgb: np.ndarray
    corr_frame: np.ndarray
    corr_xy: np.ndarray


@dataclass
class ChunkResult:
    """Per chunk frame: ``rgb`` (H, W, 3) uint8 filled, ``src_frame`` (H, W) int32 global source
    frame (-1 outside the hole or spatially filled), ``src_xy`` (H, W, 2) float32."""

    rgb: list[np.ndarray] = field(default_factory=list)
    src_frame: list[np.ndarray] = field(default_factory=list)
    src_xy: list[np.ndarray] = field(default_factory=list)


def coarse_estimate(frame: np.ndarray, hole: np.ndarray, scale: int = ESTIMATE_SCALE) -> np.ndarray:
    """(H, W, 3) uint8: ``frame`` ((H, W, 3) uint8) with ``hole`` ((H, W) bool) filled from its
    surroundings by Telea at 1/``scale`` of the size (every small pixel the hole touches is
    filled), upsized. A reference to compare candidates with, not a fill: at half size it costs a
    tenth of the full-size Telea."""
    h, w = hole.shape
    if scale <= 1 or min(h, w) < 16 * scale:
        return cv2.inpaint(frame, hole.astype(np.uint8) * 255, 5, cv2.INPAINT_TELEA)
    sw, sh = -(-w // scale), -(-h // scale)
    small = cv2.resize(frame, (sw, sh), interpolation=cv2.INTER_AREA)
    small_hole = cv2.resize(hole.astype(np.uint8) * 255, (sw, sh), interpolation=cv2.INTER_AREA) > 0
    est = cv2.inpaint(small, small_hole.astype(np.uint8) * 255, max(1, 5 // scale + 1), cv2.INPAINT_TELEA)
    up = cv2.resize(est, (w, h), interpolation=cv2.INTER_LINEAR)
    out = frame.copy()
    out[hole] = up[hole]
    return out


class ChunkFiller(ChainPasses):
    """Fills the holes of one chunk. ``flow_fn(a, b)`` computes flow; ``spatial_fn(rgb, hole)``
    fills a hole from its surroundings (both at working size)."""

    def __init__(self, frames: list[np.ndarray], masks: list[np.ndarray], offset: int,
                 flow_fn: Callable[[np.ndarray, np.ndarray], np.ndarray],
                 spatial_fn: Callable[[np.ndarray, np.ndarray], np.ndarray],
                 seeds: dict[int, Seed] | None = None, delta: float = 1.0,
                 completion: str = "auto", flow_grow: int = 0,
                 cancel: Callable[[], None] | None = None, key_rounds: int = 4,
                 seam: bool = True, loose: float = LOOSE, seam_limit: float = 255.0,
                 max_chain: int = MAX_CHAIN, key_every: int = 4,
                 chain_error: float = CHAIN_ERROR, still_check: bool = True, layers: bool = False,
                 arbitrate: bool = True, cache: ChunkCache | None = None,
                 completion_scale: float = 1.0, land: float = LAND, max_ahead: int | None = None,
                 carry: bool = False, steady: bool = True) -> None:
        #: a still hole in a still shot: keep the seam ring, average the fills over 3 frames
        self.steady = steady
        #: continue the seeds' chains from their real sources (:meth:`_carry`; opt-in, docs/streaming.md)
        self.carry = carry
        #: longest chain toward later frames (None: ``max_chain``). With the chunk's look-ahead
        #: context at least this long, every frame sees the same future, wherever it lies in its
        #: chunk: the sources do not jump at chunk borders (see :mod:`.streaming`)
        self.max_ahead = max_ahead
        #: cycle-error allowance (in units of the strict test) for a chain step onto a visible pixel
        self.land = land
        #: the flow is completed in the holes on a grid this much smaller than the frame (the
        #: scale the flow was computed at: it holds no finer detail)
        self.completion_scale = float(completion_scale)
        #: completed flows, cycle scores and spatial estimates shared with the neighbouring
        #: chunks of the same run (:mod:`.chunkcache`); None: computed here only
        self.cache = cache
        self.masks = masks
        #: disagreeing real candidates: the one nearer the frame's spatial estimate wins
        self.arbitrate = arbitrate
        #: complete the flow with a second motion layer for objects moving through the hole
        #: (:mod:`.motionlayers`)
        self.layers = layers
        self.chain_error = chain_error
        #: False: never take the "nothing revealed" shortcut (fill method ``propagate``)
        self.still_check = still_check
        self.key_every = key_every
        self.loose = loose
        self.seam_limit = seam_limit
        self.max_chain = max_chain
        self.frames = frames
        #: the holes to fill (``masks`` > 0) and, one pixel wider, the region propagated (its outer
        #: ring gives the seam correction something to compare with)
        self.out_holes = [m > 0 for m in masks]
        self.seam = seam
        ring = cv2.getStructuringElement(cv2.MORPH_CROSS, (3, 3))
        holes = [cv2.dilate(h.astype(np.uint8), ring) > 0 if seam else h for h in self.out_holes]
        self.holes = holes
        self.offset = offset
        self.n = len(frames)
        self.h, self.w = holes[0].shape
        self.flow_fn = flow_fn
        self.spatial_fn = spatial_fn
        self.seeds = seeds or {}
        self.delta = delta
        self.completion = completion
        self.flow_grow = flow_grow or max(2, round(max(self.h, self.w) / 120))
        self.check = cancel or (lambda: None)
        self.key_rounds = key_rounds
        # image stack: ids 0..n-1 are the chunk frames; later ids are seeds and spatial key fills
        self.images: list[np.ndarray] = list(frames)
        self.real = self.n
        self.image_corr: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    # -- flows ------------------------------------------------------------------------------
    # -- colours ----------------------------------------------------------------------------
    def _sample(self, sid: np.ndarray, sx: np.ndarray, sy: np.ndarray) -> np.ndarray:
        """Bilinear colours (N, 3) float32 of points (sid, sx, sy) in the image stack."""
        out = np.zeros((len(sid), 3), np.float32)
        for i in np.unique(sid):
            sel = sid == i
            img = self.images[int(i)]
            x = np.clip(sx[sel], 0, self.w - 1)
            y = np.clip(sy[sel], 0, self.h - 1)
            x0 = np.minimum(np.floor(x).astype(np.int32), self.w - 2)
            y0 = np.minimum(np.floor(y).astype(np.int32), self.h - 2)
            ax = (x - x0)[:, None]
            ay = (y - y0)[:, None]
            c00 = img[y0, x0].astype(np.float32)
            c01 = img[y0, x0 + 1].astype(np.float32)
            c10 = img[y0 + 1, x0].astype(np.float32)
            c11 = img[y0 + 1, x0 + 1].astype(np.float32)
            out[sel] = (c00 * (1 - ax) + c01 * ax) * (1 - ay) + (c10 * (1 - ax) + c11 * ax) * ay
        return out

    def _rank(self, sid: np.ndarray) -> np.ndarray:
        """0 for real frames, 1 for seeds and key fills, 9 for unknown."""
        return np.where(sid < 0, 9, np.where(sid < self.real, 0, 1))

    def _spatial_estimate(self, t: int) -> np.ndarray:
        """(H, W, 3) uint8: frame t's hole filled from its own surroundings (Telea), cached."""
        cache = self.__dict__.setdefault("_estimates", {})
        if t not in cache:
            inputs = (self.frames[t], self.masks[t])
            est = None if self.cache is None else self.cache.get("estimate", self.offset + t, inputs)
            if est is None:
                est = coarse_estimate(self.frames[t], self.holes[t])
                if self.cache is not None:
                    self.cache.put("estimate", self.offset + t, inputs, est)
            cache[t] = est
        return cache[t]

    def _stale(self, t, ys, xs, cands, ra, rb):
        """Still camera only: real sources from more than :data:`STALE_AFTER` frames away that
        disagree with the frame's own surroundings (by > 2 BLEND_LIMIT from its spatial estimate)
        are dropped: the scene changed there while it was hidden (a dog crossed where the hole had
        been; with a moving camera long chains are the rule and are kept). ``cands``: per pass,
        (sid, sx, sy, dist) at the pixels (ys, xs)."""
        est = None
        out = []
        for (ids, px, py, pd), r in zip(cands, (ra, rb)):
            far = (r == 0) & (pd > STALE_AFTER)
            if far.any():
                if est is None:
                    est = self._spatial_estimate(t)[ys, xs].astype(np.float32)
                col = self._sample(ids[far], px[far], py[far])
                bad = np.abs(col - est[far]).mean(1) > 2 * BLEND_LIMIT
                r = r.copy()
                idx = np.nonzero(far)[0][bad]
                r[idx] = 9
            out.append(r)
        return out[0], out[1]

    def _combine(self, t: int, fw: _Pass, bw: _Pass, todo: np.ndarray):
        """Colours and sources for the ``todo`` pixels of frame t from both passes. Returns
        (filled mask, colours (N, 3), sid, sx, sy) over the pixels of ``todo`` that were filled."""
        y0, y1, x0, x1 = self.boxes[t]  # todo lies in the hole (row-major order kept)
        ly, lx = np.nonzero(todo[y0:y1, x0:x1])
        ys, xs = ly + y0, lx + x0
        ca_ = tuple(a[ly, lx] for a in (fw.sid[t], fw.sx[t], fw.sy[t], fw.dist[t]))
        cb_ = tuple(a[ly, lx] for a in (bw.sid[t], bw.sx[t], bw.sy[t], bw.dist[t]))
        (a_id, asx, asy, adist), (b_id, bsx, bsy, bdist) = ca_, cb_
        ra, rb = self._rank(a_id), self._rank(b_id)
        if self.no_reveal:
            ra[ra == 0], rb[rb == 0] = 9, 9
        if self.arbitrate and self.still_camera:
            ra, rb = self._stale(t, ys, xs, (ca_, cb_), ra, rb)
        best = np.minimum(ra, rb)
        use_a = (ra == best) & (best < 9)
        use_b = (rb == best) & (best < 9)
        filled = use_a | use_b
        ca = np.zeros((len(ys), 3), np.float32)
        cb = np.zeros((len(ys), 3), np.float32)
        if use_a.any():
            ca[use_a] = self._sample(a_id[use_a], asx[use_a], asy[use_a])
        if use_b.any():
            cb[use_b] = self._sample(b_id[use_b], bsx[use_b], bsy[use_b])
        da = adist + 1e-3
        db = bdist + 1e-3
        wa = np.where(use_a, 1.0 / da, 0.0)
        wb = np.where(use_b, 1.0 / db, 0.0)
        both = use_a & use_b
        # real sources that disagree are not mixed (ghosts); key fills always blend (no pops)
        far = both & (best == 0) & (np.abs(ca - cb).mean(1) > BLEND_LIMIT)
        a_wins = da <= db
        if self.arbitrate and far.any():
            # the scene changed there while it was hidden (something passed by): the candidate
            # that agrees with the frame's own surroundings wins, not the nearer in time
            est = self._spatial_estimate(t)[ys, xs].astype(np.float32)
            a_wins = np.where(far, np.abs(ca - est).mean(1) <= np.abs(cb - est).mean(1), a_wins)
        wa = np.where(far & ~a_wins, 0.0, wa)
        wb = np.where(far & a_wins, 0.0, wb)
        tot = np.maximum(wa + wb, 1e-9)
        col = (ca * wa[:, None] + cb * wb[:, None]) / tot[:, None]
        pick_a = wa >= wb
        sid = np.where(pick_a, a_id, b_id)
        sx = np.where(pick_a, asx, bsx)
        sy = np.where(pick_a, asy, bsy)
        return filled, ys, xs, col, sid, sx, sy

    # -- main -------------------------------------------------------------------------------
    def run(self, want: list[int] | None = None) -> ChunkResult:
        """Fill the chunk; ``want`` lists the chunk-local frames whose results are returned
        (default all). Frames that have a seed are returned as seeded."""
        want = list(range(self.n)) if want is None else want
        #: frames past this one only extend the chains toward later frames (:data:`FULL_AHEAD`)
        self.active = min(self.n, max(want, default=-1) + 1 + FULL_AHEAD)
        self.boxes = [F.hole_box(h) for h in self.holes]
        self._flows()
        self.no_reveal = self.still_check and nothing_revealed(
            self.frames, self.masks, self.holes, self.fwd, self.cache, self.offset)
        # a still camera: the median motion of the known pixels is under a pixel per frame on
        # average (the shared still clips: 0.02-0.7; the moving ones 2.4 and more)
        moves = [float(np.median(F.magnitude(f[::4, ::4][~h[::4, ::4]])))
                 for f, h in zip(self.fwd, self.holes) if (~h[::4, ::4]).any()]
        self.still_camera = bool(moves) and float(np.mean(moves)) < 1.0
        self.carried = self._carry()
        known_extra: dict[int, tuple[int, np.ndarray]] = {}
        for t, seed in self.seeds.items():
            self.images.append(seed.rgb)
            img_id = len(self.images) - 1
            self.image_corr[img_id] = (seed.corr_frame, seed.corr_xy)
            known_extra[t] = (img_id, self.holes[t].copy())
        canvas = [f.astype(np.float32) for f in self.frames]
        remaining = [h.copy() for h in self.holes]
        for t in known_extra:
            remaining[t][:] = False
            canvas[t] = self.seeds[t].rgb.astype(np.float32)
        src = [np.full((self.h, self.w), -1, np.int32) for _ in range(self.n)]
        sxs = [np.zeros((self.h, self.w), np.float32) for _ in range(self.n)]
        sys_ = [np.zeros((self.h, self.w), np.float32) for _ in range(self.n)]
        act = self.active
        self.spatial_px: dict[int, np.ndarray] = {}  # per frame, the hole pixels its key fill gave
        for rnd in range(self.key_rounds + 1):
            if not any(r.any() for r in remaining[:act]):
                break
            fw = self._run_pass(True, known_extra)
            bw = self._run_pass(False, known_extra)
            for t in range(act):
                if not remaining[t].any():
                    continue
                filled, ys, xs, col, sid, sx, sy = self._combine(t, fw, bw, remaining[t])
                fy, fx = ys[filled], xs[filled]
                canvas[t][fy, fx] = col[filled]
                src[t][fy, fx] = sid[filled]
                sxs[t][fy, fx] = sx[filled]
                sys_[t][fy, fx] = sy[filled]
                remaining[t][fy, fx] = False
            del fw, bw
            left = [int(r.sum()) for r in remaining[:act]]
            if max(left) == 0 or rnd == self.key_rounds:
                break
            # spatial fill of the frame with the most unrevealed pixels and of every
            # ``key_every``-th frame from it, carried along the flow to the frames between (which
            # blend the two nearest key fills by distance). A still hole in a still scene is
            # filled in every frame (its surroundings change as people pass; carried key fills
            # measured worse, dogs_jump 28.2 vs 28.3 dB), then steadied over 3 frames at the end
            k0 = int(np.argmax(left))
            step = 1 if self.no_reveal else max(1, self.key_every)
            keys = [k for k in range(k0 % step, act, step) if left[k] > 0] or [k0]
            for k in keys:
                self.check()
                self._key_fill(k, canvas, remaining, known_extra)
        for t in want:
            if remaining[t].any():  # chains broke everywhere: plain per-frame spatial fill
                rgb = np.clip(canvas[t] + 0.5, 0, 255).astype(np.uint8)
                canvas[t][remaining[t]] = self.spatial_fn(rgb, self._unknown(t, remaining[t]))[remaining[t]]
        if self.no_reveal and self.steady:  # the still scene's own fills, steadied (.confidence)
            steady_mean(canvas, self.spatial_px, {t: self.out_holes[t] for t in self.seeds}, want)
        return self._finish(want, canvas, src, sxs, sys_)

    def _carry(self) -> dict[int, tuple[np.ndarray, ...]]:
        """With ``carry``: per seed frame t, over its hole box, (where, image id, x, y, chain
        length) of the seed pixels whose real source frame is in the chunk or in the cache; those
        frames join the stack as real images (``global_ids``: each real id's frame), so the chains
        go on across the border instead of restarting at the seeds' colours."""
        self.global_ids = list(range(self.offset, self.offset + self.n))
        carried: dict[int, tuple[np.ndarray, ...]] = {}
        if self.cache is not None and self.carry:
            for t, f in enumerate(self.frames):
                self.cache.put_frame(self.offset + t, f)
            ids: dict[int, int] = {}
            for t, seed in self.seeds.items():
                box = self.boxes[t]
                if box is None:
                    continue
                b = np.s_[box[0]:box[1], box[2]:box[3]]
                cf = seed.corr_frame[b]
                sid = np.full(cf.shape, -1, np.int32)
                for g in np.unique(cf[self.holes[t][b] & (cf >= 0)]).tolist():
                    if self.offset <= g < self.offset + self.n:
                        sid[cf == g] = g - self.offset
                        continue
                    if g not in ids:
                        img = self.cache.frame(g)
                        if img is None:
                            continue
                        self.images.append(img)
                        self.global_ids.append(g)
                        ids[g] = len(self.images) - 1
                    sid[cf == g] = ids[g]
                ok = (sid >= 0) & self.holes[t][b]
                if ok.any():
                    xy = seed.corr_xy[b]
                    dist = np.abs(np.float32(self.offset + t) - cf).astype(np.float32)
                    carried[t] = (ok, sid, xy[..., 0].copy(), xy[..., 1].copy(), dist)
        self.real = len(self.images)
        return carried

    def _unknown(self, t: int, todo: np.ndarray) -> np.ndarray:
        """The pixels of ``todo`` the spatial fill invents: where nothing is revealed, not the seam
        ring (the frame's own picture, its border; filled too: schoolgirls 12.631 < Telea 12.652 dB)."""
        return todo & self.out_holes[t] if self.no_reveal and self.steady else todo

    def _key_fill(self, k: int, canvas, remaining, known_extra) -> None:
        rgb = np.clip(canvas[k] + 0.5, 0, 255).astype(np.uint8)
        filled_k = self.spatial_fn(rgb, self._unknown(k, remaining[k]))
        prev = known_extra.get(k)
        if prev is not None:  # earlier key fills of this frame stay visible through the new image
            filled_k = np.where(prev[1][..., None], self.images[prev[0]], filled_k)
        self.images.append(filled_k)
        img_id = len(self.images) - 1
        canvas[k][remaining[k]] = filled_k[remaining[k]]
        self.spatial_px[k] = self.spatial_px.get(k, False) | (remaining[k] & self.out_holes[k])
        where = remaining[k].copy() if prev is None else (remaining[k] | prev[1])
        known_extra[k] = (img_id, where)
        remaining[k][:] = False

    def _finish(self, want, canvas, src, sxs, sys_) -> ChunkResult:
        out = ChunkResult()
        for t in want:
            if t in self.seeds:
                seed = self.seeds[t]
                out.rgb.append(seed.rgb)
                out.src_frame.append(seed.corr_frame)
                out.src_xy.append(seed.corr_xy)
                continue
            hole = self.out_holes[t]
            if self.seam:
                seam_correct(canvas[t], self.frames[t], hole, self.holes[t], self.seam_limit)
            rgb = self.frames[t].copy()
            gf = np.full((self.h, self.w), -1, np.int32)
            gxy = np.zeros((self.h, self.w, 2), np.float32)
            box = self.boxes[t]  # the hole lies in it: the rest is the frame, with no source
            if box is not None:
                b = np.s_[box[0]:box[1], box[2]:box[3]]
                hb, sid, sx, sy, gfb, gxyb = hole[b], src[t][b], sxs[t][b], sys_[t][b], gf[b], gxy[b]
                rgb[b][hb] = np.clip(canvas[t][b][hb] + 0.5, 0, 255).astype(np.uint8)
                real = (sid >= 0) & (sid < self.real) & hb
                gfb[real] = np.asarray(self.global_ids, np.int32)[sid[real]]
                gxyb[real, 0] = sx[real]
                gxyb[real, 1] = sy[real]
                present = set(np.unique(sid[hb]).tolist())
                for img_id, (cf, cxy) in self.image_corr.items():
                    if img_id not in present:
                        continue
                    sel = (sid == img_id) & hb
                    xi = np.clip(np.rint(sx[sel]).astype(np.int32), 0, self.w - 1)
                    yi = np.clip(np.rint(sy[sel]).astype(np.int32), 0, self.h - 1)
                    gfb[sel] = cf[yi, xi]
                    gxyb[sel] = cxy[yi, xi]
            out.rgb.append(rgb)
            out.src_frame.append(gf)
            out.src_xy.append(gxy)
        return out
