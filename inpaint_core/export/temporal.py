"""Temporal residual aggregation (STRA-Net): the detail lost by downsizing, taken from other frames.

For a target frame ``t`` the residuals ``R_r = full_r - up(down(full_r))`` of reference frames ``r``
are aligned to ``t`` and transferred into ``t``'s hole:

1. Reference choice. Flow ``t -> r`` is computed at working size on the source frames and completed
   inside ``t``'s hole from its surroundings; a candidate's worth is the share of ``t``'s hole that
   lands on pixels ``r`` shows (outside ``r``'s own hole). Candidates reach tens of frames away (a
   stationary hole under a slow pan is only uncovered far off); the references are picked greedily
   for coverage. Frames named by the engine's correspondences come first.
2. Alignment at full resolution. The coarse flow is upsized to a rectangle around the hole, the
   reference is pre-warped by it, and a fine flow between the target (its hole filled with the
   upsized fill) and the pre-warped reference is computed at full resolution; inside the holes the
   fine flow is completed from the ring around them. Sampling uses bicubic interpolation so the
   high frequencies survive.
3. Trust. A pixel of a reference counts only where the working-size flow passes the
   cycle-consistency test (TSAM), it lands inside the frame and away from the reference's hole:
   outside a band of :func:`trust_band` pixels around the reference's own mask (its anti-aliased
   edge included), whatever the mask's growth, so that no sample's kernel reads the logo (see
   :func:`untrusted`); and only where the aligned reference agrees with the target's own known
   pixels nearby (:func:`_verified`): a flow can pass the cycle test and still land on other
   content.
4. Weights. Per pixel, a reference weighs ``exp(-d / 2 sigma^2)`` where ``d`` is a local
   (low-pass) patch distance between the upsized fill and the aligned low-resolution reference,
   times a prior from the engine's correspondence when it gave one.
5. Low-frequency correction (beyond STRA-Net, which transfers residuals only). The engine's fill
   is often off in its low frequencies too (a propagated colour a few levels wrong), and residuals
   cannot repair that: on 1080p photo pans the in-hole error was dominated by it. Where a trusted
   reference shows the hole, its aligned low-pass image replaces the upsized fill's, by the share
   ``exp(-d / 2 lf_sigma^2)``: small disagreements (the fill's drift) are corrected, large ones
   (a moving object, a misalignment) leave the fill alone. The aggregated "residual" is then the
   aligned reference minus the upsized fill, i.e. ``R_r + lf * (up(down(ref)) - up(fill))``.
"""

from __future__ import annotations

import cv2
import numpy as np

from ..engines.base import AttentionCorrespondence, FlowCorrespondence
from ..flow import compute_flow
from .aggregate import Alignment, NumpyAggregator, _grey_remap, _remap, _target_context
from .completion import HoleFiller, fill_smooth, fill_smooth_exact  # noqa: F401 (re-exported)
from .flowcache import FlowCache, TemporalOptions, _fine_preset
from .frames import FrameStore
from .residuals import Geometry
from .roi import timed


def _visible(flow: np.ndarray, hole_t: np.ndarray, hole_r: np.ndarray,
             box: tuple[int, int, int, int] | None = None) -> np.ndarray:
    """(h, w) bool over the target's hole: lands inside the frame on a pixel the reference shows.

    ``box`` = (x0, y0, x1, y1), a rectangle holding all of ``hole_t``: the map is computed over it
    only and returned for it ((y1 - y0, x1 - x0) bool; outside it the map would be all False)."""
    h, w = hole_t.shape
    if box is None:
        box = (0, 0, w, h)
    x0, y0, x1, y1 = box
    mx = flow[y0:y1, x0:x1, 0] + np.arange(x0, x1, dtype=np.float32)[None, :]
    my = flow[y0:y1, x0:x1, 1] + np.arange(y0, y1, dtype=np.float32)[:, None]
    xi = np.clip(np.rint(mx).astype(np.int32), 0, w - 1)
    yi = np.clip(np.rint(my).astype(np.int32), 0, h - 1)
    ok = (mx >= 0) & (mx <= w - 1) & (my >= 0) & (my <= h - 1)
    return ok & (hole_r[yi, xi] == 0) & (hole_t[y0:y1, x0:x1] > 0)


def _prior_frames(corr, t: int) -> list[int]:
    """Frames an engine correspondence names, most used first."""
    if isinstance(corr, FlowCorrespondence):
        src = corr.source_frame[corr.source_frame >= 0]
        if src.size == 0:
            return []
        vals, counts = np.unique(src, return_counts=True)
        return [int(v) for v in vals[np.argsort(-counts)] if int(v) != t]
    if isinstance(corr, AttentionCorrespondence) and corr.weights.size:
        share = corr.weights.reshape(-1, corr.weights.shape[-1]).sum(0)
        return [int(corr.frames[k]) for k in np.argsort(-share) if int(corr.frames[k]) != t]
    return []


def guard_pixels(store: FrameStore) -> int:
    """Full-resolution pixels around a reference's hole whose residual still carries the removed
    object (the upsizing kernel reaches 2 working pixels), beyond what the hole's growth covers.
    Used for the reference choice; the trust of a sample is :func:`untrusted` (the growth is
    stroke-adaptive: a thin stroke does not grow, so this guard alone left 1-2 px there)."""
    return max(1, int(np.ceil(2 * store.geom.scale)) + 1 - store.grow)


#: full-resolution pixels the residual's Lanczos-4 sampling reads on either side of a sample
LANCZOS_REACH = 4
#: the trust excludes the band of :func:`trust_band` around a reference's own mask; False: the old
#: rule (the grown hole and :func:`guard_pixels` only), kept for the side-by-side benchmark
#: (bench_peers.py ``--variants oldtrust``)
TRUST_BAND = True


def trust_band(store: FrameStore) -> int:
    """Full-resolution pixels around a reference's mask (before growth) that never feed the
    temporal residual: the reach of the residual's Lanczos sampling (4 px) or of the upsized
    working frame (2 working pixels, its prefilled hole), plus one pixel."""
    return max(LANCZOS_REACH, int(np.ceil(2 * store.geom.scale))) + 1


#: a reference's samples are also checked against the target's own known pixels around its hole
#: (:func:`_verified`); False: not (the side-by-side benchmark's ``oldtrust``)
VERIFY = True
#: mean absolute grey difference (0-255) between the aligned reference and the target's known
#: pixels nearby above which a reference's samples are not trusted
VERIFY_ERROR = 10.0


def _verified(fr, sx: np.ndarray, sy: np.ndarray, g_t: np.ndarray, hole_t: np.ndarray,
              readable: np.ndarray, band: int) -> np.ndarray:
    """(rh, rw) bool: where reference ``fr``, sampled at (sx, sy), agrees with the target's known
    pixels (``g_t`` outside ``hole_t``) within a window of ``4 * band + 1`` px: the local mean
    absolute grey difference over the known pixels the reference can be read at (``readable``) is
    at most :data:`VERIFY_ERROR`. Where the window holds no such pixel (deep inside a wide hole)
    nothing can be checked and the sample stays trusted. A flow that passes the cycle test but
    lands on other content (a fast pan, snow spray: running_car's lettering came back darker by
    10-20 levels from such a reference) fails here."""
    g_r = _grey_remap(fr.full, sx, sy)
    known = (readable & ~hole_t).astype(np.float32)
    err = np.abs(g_r - g_t.astype(np.float32)) * known
    k = (4 * band + 1, 4 * band + 1)
    num = cv2.boxFilter(err, -1, k, normalize=False, borderType=cv2.BORDER_CONSTANT)
    den = cv2.boxFilter(known, -1, k, normalize=False, borderType=cv2.BORDER_CONSTANT)
    return (den < 1.0) | (num <= np.float32(VERIFY_ERROR) * den)


def untrusted(fr, store: FrameStore, flows: FlowCache) -> np.ndarray:
    """(H, W) uint8 0/255: the pixels of reference ``fr`` (a :class:`~.frames.FrameData`) a sample
    may not read: its grown hole and every pixel within :func:`trust_band` (square) of its mask's
    non-zero pixels (a soft mask's whole ramp). Cached while the frame's hole array lives (a
    stationary mask's frames share it)."""
    if not TRUST_BAND:
        return flows.grown(fr.hole, guard_pixels(store))
    memo = flows.untrusted_memo
    hit = memo.get(id(fr.hole))
    if hit is not None and hit[0] is fr.hole:
        return hit[1]
    raw = fr.soft if fr.soft is not None else fr.user if fr.user is not None else fr.hole
    zone = np.maximum(flows.grown(raw, trust_band(store), "square"), fr.hole)
    if len(memo) >= 8:
        memo.pop(next(iter(memo)))
    memo[id(fr.hole)] = (fr.hole, zone)  # holding the hole keeps its id from being reused
    return zone


def select_references(t: int, store: FrameStore, flows: FlowCache, opts: TemporalOptions,
                      corr=None, timings: dict | None = None) -> list[int]:
    """Reference frames for target ``t``: greedy coverage of ``t``'s working-size hole.

    With ``opts.reuse_refs`` the offsets chosen for frame ``t - 1`` are tried first;
    when they cover about as much as they did there, they are kept and the other candidates' flows
    are never computed; every ``opts.refresh`` frames the full search is made again. Candidates
    are ranked on flows ``opts.select_width`` wide. ``timings``: seconds are added to
    ``restore.references``, those of the flows computed to ``restore.flow_coarse`` instead."""
    coarse0 = timings.get("restore.flow_coarse", 0.0) if timings is not None else 0.0
    try:
        with timed(timings, "restore.references"):
            flows.timings = timings
            return _select(t, store, flows.ranking(opts.select_width), opts, corr, flows)
    finally:
        flows.timings = None
        if flows._ranking is not None:
            flows._ranking.timings = None
        if timings is not None:  # steps are exclusive: the flows computed here count as flow_coarse
            timings["restore.references"] -= timings.get("restore.flow_coarse", 0.0) - coarse0


def _select(t: int, store: FrameStore, flows: FlowCache, opts: TemporalOptions, corr,
            memory: FlowCache) -> list[int]:
    _, hole_t = flows.reduced(t)
    box = flows.hole_box(t)
    if box is None:
        return []
    n_hole = int((hole_t > 0).sum())
    usable = store.available(t)
    cands: list[int] = [k for k in _prior_frames(corr, t)[:4] if usable(k)]
    for o in opts.offsets:
        for k in (t - o, t + o):
            if usable(k) and k not in cands:
                cands.append(k)
    red = store.geom.full[0] / flows.size[0]  # full pixels per reduced pixel
    g_red = max(1, int(np.ceil(guard_pixels(store) / red)))
    gains: list[tuple[float, int, np.ndarray]] = []

    def gain(k: int):
        _, hole_k = flows.reduced(k)
        grown = flows.grown(hole_k, g_red, "square")  # shared by the frames of a stationary mask
        vis = _visible(flows(t, k, opts.select_preset), hole_t, grown, box)
        gains.append((float(vis.sum()) / n_hole, k, vis))

    # only frame t - 1's choice, and never at the start of a block of ``refresh`` frames counted from
    # the shot's start: the choice is then a function of the frame alone, not of the order or the
    # frames an export (a resumed one, a batch segment) happened to restore before it
    prev = memory.choices.get(t - 1) if (t - store.shot(t)[0]) % opts.refresh else None
    if opts.reuse_refs and prev is not None and prev[2] + 1 < opts.refresh:
        again = [t + o for o in prev[0] if usable(t + o) and t + o in cands]
        if len(again) == len(prev[0]) and again:
            for k in again:
                gain(k)
            chosen, share = _greedy(t, gains, n_hole, opts)
            if len(chosen) == len(again) and share >= min(prev[1] - 0.02, opts.coverage_goal):
                return _remember(memory, t, chosen, share, prev[2] + 1)
    for k in cands:
        if any(g[1] == k for g in gains):
            continue
        gain(k)
        if len(gains) >= 2 and max(g for g, _, _ in gains) >= opts.coverage_goal:
            break
    return _remember(memory, t, *_greedy(t, gains, n_hole, opts))


def _greedy(t: int, gains, n_hole: int, opts: TemporalOptions) -> tuple[list[int], float]:
    """Greedy choice over the candidates' visibility maps (all of one shape): (chosen frames,
    share covered)."""
    covered = np.zeros(gains[0][2].shape, bool) if gains else np.zeros((0, 0), bool)
    chosen: list[int] = []
    gains = list(gains)
    while len(chosen) < opts.max_refs and gains:
        best = max(gains, key=lambda g: (float((g[2] & ~covered).sum()), -abs(g[1] - t)))
        add = float((best[2] & ~covered).sum()) / n_hole
        if add < 0.02 and chosen:
            break
        if best[0] < 0.02:
            break
        chosen.append(best[1])
        covered |= best[2]
        gains.remove(best)
        if covered.sum() >= opts.coverage_goal * n_hole and len(chosen) >= 2:
            break
    return chosen, float(covered.sum()) / n_hole


def _remember(flows: FlowCache, t: int, chosen: list[int], share: float, age: int = 0) -> list[int]:
    flows.choices[t] = (tuple(k - t for k in chosen), share, age)
    while len(flows.choices) > 8:
        flows.choices.popitem(last=False)
    return chosen


def _flow_to_full(geom: Geometry, flow: np.ndarray, rect, work: np.ndarray | None = None) -> np.ndarray:
    """Reduced-size flow (fh, fw, 2) -> full-resolution flow over ``rect`` (rh, rw, 2) float32.
    ``work``: the flow already resized to the working size (:meth:`FlowCache.at_work`)."""
    w, h = geom.work
    fh, fw = flow.shape[:2]
    if work is None:
        work = cv2.resize(flow, (w, h), interpolation=cv2.INTER_LINEAR) if (fw, fh) != (w, h) else flow
    _, _, iw, ih = geom.inner
    up = geom.up(work, rect)
    up[..., 0] *= (w / fw) * geom.full[0] / iw
    up[..., 1] *= (h / fh) * geom.full[1] / ih
    return up


#: the fine flow is computed at ``fine_scale`` only on sources this wide or wider (HD and up)
FINE_SCALE_MIN_WIDTH = 1280


def _fine_flow(g_t: np.ndarray, pre_g: np.ndarray, holes: np.ndarray, opts: TemporalOptions,
               full_width: int) -> np.ndarray:
    """The full-resolution refinement (rh, rw, 2) float32 between the target and the pre-warped
    reference, completed inside ``holes``. With ``opts.fine_scale`` < 1 it is computed on both
    images reduced by that factor (the pre-warp leaves a small, smooth correction) and resized back,
    on sources at least :data:`FINE_SCALE_MIN_WIDTH` wide (smaller ones keep their full detail)."""
    s = opts.fine_scale if full_width >= FINE_SCALE_MIN_WIDTH else 1.0
    rh, rw = g_t.shape
    sw, sh = max(16, int(round(rw * s))), max(16, int(round(rh * s)))
    if s >= 1.0 or sw >= rw or sh >= rh:
        fine = compute_flow(g_t, pre_g, preset=_fine_preset(opts.fine_preset, g_t.shape))
        return fill_smooth(fine, holes)
    a = cv2.resize(g_t, (sw, sh), interpolation=cv2.INTER_AREA)
    b = cv2.resize(pre_g, (sw, sh), interpolation=cv2.INTER_AREA)
    hs = cv2.resize(holes.view(np.uint8), (sw, sh), interpolation=cv2.INTER_AREA) > 0
    small = fill_smooth(compute_flow(a, b, preset=_fine_preset(opts.fine_preset, a.shape)), hs)
    fine = cv2.resize(small, (rw, rh), interpolation=cv2.INTER_LINEAR)
    fine[..., 0] *= np.float32(rw / sw)
    fine[..., 1] *= np.float32(rh / sh)
    return fine


def _prior(corr, r: int, geom: Geometry, rect) -> np.ndarray | float:
    if isinstance(corr, FlowCorrespondence):
        hit = (corr.source_frame == r).astype(np.float32)
        return 1.0 + 2.0 * geom.up(hit, rect).clip(0, 1)
    if isinstance(corr, AttentionCorrespondence) and r in corr.frames:
        a = corr.weights[..., corr.frames.index(r)].astype(np.float32)
        a = cv2.resize(a, geom.work, interpolation=cv2.INTER_LINEAR)
        return 0.25 + geom.up(a, rect).clip(0, None) * len(corr.frames)
    return 1.0


def temporal_residual(t: int, store: FrameStore, flows: FlowCache, fill_up: np.ndarray, rect,
                      opts: TemporalOptions, corr=None, refs: list[int] | None = None,
                      timings: dict | None = None, device: str = "cpu", cover: list | None = None):
    """Aggregated residual for target ``t`` over the full-resolution ``rect`` = (x0, y0, x1, y1).

    ``fill_up``: (rh, rw, 3) float32, the upsized engine fill over ``rect``. Returns ``(R, conf)``:
    R (rh, rw, 3) float32 residual, conf (rh, rw) float32 in [0, 1], how much of it is backed by a
    trusted reference (0 where none). ``timings``: a dict the seconds of each step are added to
    (see :mod:`.roi`). ``device``: ``cpu`` (numpy/OpenCV) or a torch device (``cuda``, ``torch``
    for torch on the CPU) for the warps and the aggregation; flows are always OpenCV's.
    ``cover``: a list the coverage map is appended to, conf's formula over the samples before the
    check against the target's known pixels (what :func:`.diffusionblend.auto_weight` was fitted on).
    """
    geom = store.geom
    x0, y0, x1, y1 = rect
    rh, rw = y1 - y0, x1 - x0
    if refs is None:
        refs = select_references(t, store, flows, opts, corr, timings)
    if not refs:
        if cover is not None:
            cover.append(np.zeros((rh, rw), np.float32))
        return np.zeros((rh, rw, 3), np.float32), np.zeros((rh, rw), np.float32)
    W, H = geom.full
    if not opts.roi and rect != (0, 0, W, H):
        whole = geom.up(store[t].small)
        whole[y0:y1, x0:x1] = fill_up
        sub: list = []
        r_all, c_all = temporal_residual(t, store, flows, whole, (0, 0, W, H), opts, corr, refs, timings, device, sub)
        if cover is not None:
            cover.append(sub[0][y0:y1, x0:x1].copy())
        return r_all[y0:y1, x0:x1].copy(), c_all[y0:y1, x0:x1].copy()
    with timed(timings, "restore.warp"):
        ctx = _target_context(store[t], fill_up, rect)
    if device == "cpu":
        agg = NumpyAggregator(fill_up, geom, opts, ctx[0] if opts.sparse else None)
    else:
        from .torch_restore import TorchAggregator

        agg = TorchAggregator(fill_up, geom, opts, device)
    anycover = np.zeros((rh, rw), np.float32)
    for r in refs:
        al = align_reference(t, r, store, flows, fill_up, rect, opts, timings, ctx)
        if al is None:
            continue
        agg.add(store[r], al, _prior(corr, r, geom, rect), timings)
        np.maximum(anycover, (al.valid if al.cover is None else al.cover).astype(np.float32), out=anycover)
    if cover is not None:
        cover.append(cv2.GaussianBlur(anycover, (0, 0), max(1.0, geom.scale)) * anycover)
    with timed(timings, "restore.aggregate"):
        return agg.result()


def align_reference(t: int, r: int, store: FrameStore, flows: FlowCache, fill_up: np.ndarray, rect,
                    opts: TemporalOptions, timings: dict | None = None, ctx=None) -> Alignment | None:
    """Coarse-to-fine alignment of reference ``r`` to target ``t`` over ``rect`` (numpy/OpenCV);
    None when the samples fall outside ``r``. ``ctx``: :func:`_target_context` when the caller
    aligns several references to the same target."""
    geom = store.geom
    ft, fr = store[t], store[r]
    x0, y0, x1, y1 = rect
    W, H = geom.full
    flows.timings = timings
    try:
        fwd, _ = flows(t, r), flows(r, t)  # computed (and timed) here; at_work finds them cached
        with timed(timings, "restore.warp"):
            fwd_work, vs = flows.at_work(t, r, opts.cycle_delta)
    finally:
        flows.timings = None
    with timed(timings, "restore.warp"):
        hole_t, g_t, xs, ys = ctx if ctx is not None else _target_context(ft, fill_up, rect)
        cf = _flow_to_full(geom, fwd, rect, fwd_work)
        mx, my = xs + cf[..., 0], ys + cf[..., 1]
        pre_g = _grey_remap(fr.full, mx, my)
        hole_r = untrusted(fr, store, flows)
        pre_hole = _remap(hole_r, mx, my, cv2.INTER_NEAREST, cv2.BORDER_CONSTANT) > 0
    with timed(timings, "restore.flow_fine"):
        fine = _fine_flow(g_t, pre_g, hole_t | pre_hole, opts, W)
    with timed(timings, "restore.warp"):
        # total(x) = fine(x) + coarse(x + fine(x))
        fx, fy = xs - x0 + fine[..., 0], ys - y0 + fine[..., 1]
        cf_at = _remap(cf, fx, fy, cv2.INTER_LINEAR)
        sx = xs + fine[..., 0] + cf_at[..., 0]
        sy = ys + fine[..., 1] + cf_at[..., 1]
        pad = 3
        rx0 = int(max(0, np.floor(sx.min()) - pad))
        ry0 = int(max(0, np.floor(sy.min()) - pad))
        rx1 = int(min(W, np.ceil(sx.max()) + pad + 1))
        ry1 = int(min(H, np.ceil(sy.max()) + pad + 1))
        if rx1 - rx0 < 2 or ry1 - ry0 < 2:
            return None
        lx, ly = sx - rx0, sy - ry0
        hole_rr = hole_r[ry0:ry1, rx0:rx1]
        inside = (sx >= 0) & (sx <= W - 1) & (sy >= 0) & (sy <= H - 1)
        in_hole_r = _remap(hole_rr, lx, ly, cv2.INTER_NEAREST, cv2.BORDER_CONSTANT) > 0
        cyc = geom.up(vs, rect) > 0.5
        cover = inside & ~in_hole_r & cyc
        if not cover.any():
            return None
        valid = cover & _verified(fr, sx, sy, g_t, hole_t, inside & ~in_hole_r, trust_band(store)) if VERIFY else cover
    return Alignment((rx0, ry0, rx1, ry1), lx, ly, valid, hole_rr, cover)
