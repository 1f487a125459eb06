"""The chains of the classical engine's propagation (:class:`~.propagation.ChunkFiller`'s first
half): the completed flows between neighbouring frames of a chunk with their cycle scores, and the
sequential passes, one each way in time, that follow each hole pixel along them to the nearest
frame where it is visible. The passes compose coordinates and never re-sample colours; the colours
are gathered from the sources afterwards (:mod:`.propagation`).

Arrays: frames (H, W, 3) uint8; holes (H, W) bool; flows (H, W, 2) float32; scores and errors
(H, W) float16 (see :mod:`inpaint_core.flow`). A pass's state per frame covers the frame's hole box.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from .. import flow as F

#: cycle-error allowance (in units of the strict TSAM threshold) for a chain step between two
#: interpolated (hole) flows
LOOSE = 1.0
#: longest chain (frames) a source is taken from
MAX_CHAIN = 30
#: largest cycle error (pixels) a chain may accumulate over its steps: composed flow drifts, and a
#: drifting chain copies the wrong pixels (running_car: 21.3 dB in the hole with a budget of
#: 2-4 px, 20.9 dB without one)
CHAIN_ERROR = 3.0
#: cycle-error allowance (in units of the strict test) for a chain step onto a visible pixel: the
#: completed flow inside a hole is 0.8-4 px off on the shared moving-camera clips, so the strict
#: test turned away steps to real sources (docs/fill.md: 2x raised the revealed pixels' PSNR on all
#: 12 moving-camera pairs, by 0.01-0.42 dB)
LAND = 2.0
#: ... but only for pixels deeper than this (pixels) inside the hole: nearer its border (thin
#: strokes) the spatial fill is good and a misregistered source is worse (running_car's logo:
#: 27.86 dB in the hole with the allowance everywhere, 27.98 without)
LAND_DEPTH = 3.0


@dataclass
class _Pass:
    """The state of one propagation direction: per frame, the image id each pixel's colour comes
    from (-1 unknown), its coordinates there, and the chain length."""

    sid: list[np.ndarray]
    sx: list[np.ndarray]
    sy: list[np.ndarray]
    dist: list[np.ndarray]
    acc: list[np.ndarray]


class ChainPasses:
    """Flows and passes over a chunk. The class using it (:class:`~.propagation.ChunkFiller`)
    sets ``frames``, ``masks``, ``holes``, ``boxes``, ``n``, ``h``, ``w``, ``offset``, ``flow_fn``,
    ``completion``, ``completion_scale``, ``flow_grow``, ``layers``, ``delta``, ``loose``,
    ``land``, ``max_chain``, ``chain_error``, ``cache`` and ``check``; ``max_ahead`` (optional,
    default ``max_chain``): the longest chain toward later frames, see
    :class:`~.propagation.ChunkFiller`."""

    #: band (pixels) beside the grown hole where DIS's flow failing the cycle test is completed
    #: too (0 = off; set by :class:`~.propagate.PropagateEngine`, see :func:`inpaint_core.flow.inconsistent_band`)
    flow_check = 0

    def _flows(self) -> None:
        self.fwd, self.bwd, self.vfwd, self.vbwd, self.efwd, self.ebwd = [], [], [], [], [], []
        grown = None
        layered = None
        if self.layers and self.n > 1:
            from .motionlayers import complete_with_layers

            grown = self._grown()
            raw_f, raw_b = [], []
            for t in range(self.n - 1):
                self.check()
                raw_f.append(self.flow_fn(self.frames[t], self.frames[t + 1]))
                raw_b.append(self.flow_fn(self.frames[t + 1], self.frames[t]))
            layered = complete_with_layers(raw_f, raw_b, grown, self.completion)[:2]
            del raw_f, raw_b
        for t in range(self.n - 1):
            self.check()
            a, b = self.frames[t], self.frames[t + 1]
            inputs = (a, b, self.masks[t], self.masks[t + 1])
            hit = None if self.cache is None or layered is not None else self.cache.get("pair", self.offset + t, inputs)
            if hit is None:
                if layered is not None:
                    f, g = layered[0][t], layered[1][t]
                else:
                    if grown is None:
                        grown = self._grown()
                    coarse = max(1, round(1.0 / self.completion_scale))
                    f, g = self.flow_fn(a, b), self.flow_fn(b, a)
                    opt = {"model": self.completion, "coarse": coarse}
                    if self.flow_check:  # DIS's flow beside the hole that fails the cycle test is completed too
                        f, g = (F.complete_checked(f, g, grown[t], self.flow_check, **opt),
                                F.complete_checked(g, f, grown[t + 1], self.flow_check, **opt))
                    else:
                        f, g = F.complete_flow(f, grown[t], **opt), F.complete_flow(g, grown[t + 1], **opt)
                # cycle error relative to the allowed error: <= 1 passes the strict test
                vf, ef = self._cycle_score(f, g, self.holes[t])
                vb, eb = self._cycle_score(g, f, self.holes[t + 1])
                hit = (f, g, vf, vb, ef, eb)
                if self.cache is not None and layered is None:
                    self.cache.put("pair", self.offset + t, inputs, hit)
            for lst, val in zip((self.fwd, self.bwd, self.vfwd, self.vbwd, self.efwd, self.ebwd), hit):
                lst.append(val)  # fwd: t -> t+1, on frame t; bwd: t+1 -> t, on frame t+1

    def _grown(self) -> list[np.ndarray]:
        """The holes grown by ``flow_grow`` pixels: where the flow is completed."""
        k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * self.flow_grow + 1,) * 2)
        return [cv2.dilate(h.astype(np.uint8), k) > 0 for h in self.holes]

    def _cycle_score(self, f: np.ndarray, back: np.ndarray, hole: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Scores and errors of flow ``f`` (on a frame with ``hole``) against its reverse ``back``,
        both (H, W) float16, valid in the hole's bounding box (the only pixels a chain step
        reads; inf and 1e3 elsewhere). Score: cycle error / (delta + 5 % of |f|); inf where ``f``
        leaves the image. A step onto a visible pixel needs <= LAND (1 is TSAM's test); a step that stays
        inside the hole, where both flows are interpolated, needs <= LOOSE. Error: the cycle
        error in pixels, capped at 1e3."""
        score = np.full((self.h, self.w), np.inf, np.float16)
        errs = np.full((self.h, self.w), 1e3, np.float16)
        box = F.hole_box(hole)
        if box is None:
            return score, errs
        y0, y1, x0, x1 = box
        err = F.cycle_error(f, back, box)
        fb = f[y0:y1, x0:x1]
        sc = err / (self.delta + 0.05 * F.magnitude(fb))
        gx, gy = F._grid(self.h, self.w)
        mx, my = gx[y0:y1, x0:x1] + fb[..., 0], gy[y0:y1, x0:x1] + fb[..., 1]
        sc[~((mx >= 0) & (mx <= self.w - 1) & (my >= 0) & (my <= self.h - 1))] = np.inf
        score[y0:y1, x0:x1] = sc
        errs[y0:y1, x0:x1] = np.minimum(err, 1e3)
        return score, errs

    # -- passes -----------------------------------------------------------------------------
    def _init_state(self, t: int, known_extra: dict[int, np.ndarray]):
        """Frame t's pass state over its hole's box (None for an empty hole): outside the box
        every pixel is its own source (id t, its own coordinates, chain length 0)."""
        box = self.boxes[t]
        if box is None:
            return None
        y0, y1, x0, x1 = box
        gx, gy = F._grid(self.h, self.w)
        hole = self.holes[t][y0:y1, x0:x1]
        sid = np.full(hole.shape, t, np.int32)
        sid[hole] = -1
        sx, sy = gx[y0:y1, x0:x1].copy(), gy[y0:y1, x0:x1].copy()
        dist = np.zeros(hole.shape, np.float32)
        extra = known_extra.get(t)
        if extra is not None:
            img_id, where = extra
            sid[where[y0:y1, x0:x1]] = img_id
        carried = getattr(self, "carried", {}).get(t)
        if carried is not None:  # a seed's real sources: its chains go on (see ChunkFiller._carry)
            ok, csid, cx, cy, cd = carried
            sid[ok], sx[ok], sy[ok], dist[ok] = csid[ok], cx[ok], cy[ok], cd[ok]
        return sid, sx, sy, dist

    def _state_at(self, st: _Pass, p: int, qx: np.ndarray, qy: np.ndarray):
        """(sid, sx, sy, dist, acc) of frame p's pass state at pixels (qx, qy) (int32 arrays)."""
        box = self.boxes[p]
        if box is not None:
            y0, y1, x0, x1 = box
            inside = (qy >= y0) & (qy < y1) & (qx >= x0) & (qx < x1)
        if box is None or not inside.any():
            zero = np.zeros(len(qx), np.float32)
            return (np.full(len(qx), p, np.int32), qx.astype(np.float32), qy.astype(np.float32),
                    zero, zero)
        li = (qy - y0) * (x1 - x0) + (qx - x0)
        outside = None if inside.all() else ~inside
        if outside is not None:
            li[outside] = 0
        sid, sx, sy, dist, acc = (a.reshape(-1)[li] for a in (st.sid[p], st.sx[p], st.sy[p],
                                                              st.dist[p], st.acc[p]))
        if outside is not None:  # there every pixel is its own source
            sid[outside] = p
            sx[outside] = qx[outside]
            sy[outside] = qy[outside]
            dist[outside] = 0.0
            acc[outside] = 0.0
        return sid, sx, sy, dist, acc

    def _run_pass(self, forward: bool, known_extra: dict[int, np.ndarray]) -> _Pass:
        """One direction's sequential pass. The state of each frame covers its hole's box (see
        :meth:`_init_state`)."""
        # the forward pass ends with the frames filled (see ChunkFiller.active)
        order = range(getattr(self, "active", self.n)) if forward else range(self.n - 1, -1, -1)
        reach_ahead = min(self.max_chain, getattr(self, "max_ahead", None) or self.max_chain)
        st = _Pass(*([None] * self.n for _ in range(5)))
        prev = None
        for t in order:
            self.check()
            state = self._init_state(t, known_extra)
            if state is None:  # nothing to fill: every pixel is its own source
                prev = t
                continue
            sid, sx, sy, dist = state
            acc = np.zeros(sid.shape, np.float32)
            y0, y1, x0, x1 = self.boxes[t]
            bw = x1 - x0
            ly, lx = np.nonzero(sid < 0) if prev is not None else ((), ())
            if len(ly):
                p = prev
                if forward:
                    flow, valid, err = self.bwd[t - 1], self.vbwd[t - 1], self.ebwd[t - 1]
                else:
                    flow, valid, err = self.fwd[t], self.vfwd[t], self.efwd[t]
                # only the pixels still without a source are followed (a hole is a small part of
                # the frame); each lands on the nearest source pixel q plus the sub-pixel offset
                # (first order: the chain's coordinates move with the pixel grid), because
                # bilinear mixing of coordinates from different source frames would be meaningless
                ys, xs = ly + y0, lx + x0
                at = ys * self.w + xs  # flat indices (gathers on flat arrays are cheaper)
                fl = flow.reshape(-1, 2)[at]
                mx, my = xs + fl[:, 0], ys + fl[:, 1]
                qx = np.clip(np.rint(mx), 0, self.w - 1).astype(np.int32)
                qy = np.clip(np.rint(my), 0, self.h - 1).astype(np.int32)
                inb = (mx > -0.5) & (mx < self.w - 0.5) & (my > -0.5) & (my < self.h - 0.5)
                nsid, psx, psy, pdist, pacc = self._state_at(st, p, qx, qy)
                land = self.land if self.land == 1.0 else np.where(self._depth(t)[ys, xs] > LAND_DEPTH, self.land, 1.0)
                limit = np.where(self.holes[p].reshape(-1)[qy.astype(np.int64) * self.w + qx], self.loose, land)
                nacc = pacc + err.reshape(-1)[at]
                ok = ((valid.reshape(-1)[at] <= limit) & inb & (nsid >= 0) & (pdist < (self.max_chain if forward else reach_ahead))
                      & (nacc <= self.chain_error))
                if ok.any():
                    o, qx, qy = ly[ok] * bw + lx[ok], qx[ok], qy[ok]
                    sid.reshape(-1)[o] = nsid[ok]
                    sx.reshape(-1)[o] = psx[ok] + (mx[ok] - qx)
                    sy.reshape(-1)[o] = psy[ok] + (my[ok] - qy)
                    dist.reshape(-1)[o] = pdist[ok] + 1.0
                    acc.reshape(-1)[o] = nacc[ok]
            st.sid[t], st.sx[t], st.sy[t], st.dist[t], st.acc[t] = sid, sx, sy, dist, acc
            prev = t
        return st

    def _depth(self, t: int) -> np.ndarray:
        """(H, W) float32: distance of frame t's hole pixels to its border, cached."""
        cache = self.__dict__.setdefault("_depths", {})
        if t not in cache:
            cache[t] = cv2.distanceTransform(self.holes[t].astype(np.uint8), cv2.DIST_L2, 3)
        return cache[t]
