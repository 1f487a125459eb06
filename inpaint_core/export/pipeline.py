"""Full-resolution restoration of an engine's low-resolution fill (STRA-Net section 3.3).

:func:`restore_frame` turns one filled working-size frame into the full-resolution output frame:
upsize the fill, add aggregated residuals (temporal, spatial or both), composite inside the
feathered hole only. :func:`fill_full_res` runs the whole pipeline on frames held in memory (for the
benchmark and tests); the streaming export job uses the same pieces chunk by chunk.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import cv2
import numpy as np

from ..clipsource import ArrayClipSource
from ..engines.base import Engine, Filled, in_order
from ..jobs import CancelToken, Progress
from ..settings import DEFAULT_FEATHER, RESIDUAL_MODES
from . import diffusionblend
from .device import resolve_device
from .frames import FrameStore
from .residuals import Geometry, bbox
from .roi import timed
from .spatial import SpatialOptions, spatial_residual
from .temporal import FlowCache, TemporalOptions, select_references, temporal_residual


@dataclass
class RestoreOptions:
    """``residuals``: one of :data:`RESIDUAL_MODES`. ``feather``: radius in full-resolution pixels of
    the soft edge outside the hole. ``device``: where the warps and the aggregation run (``auto``,
    ``cpu``, ``cuda``, ``torch``; see :mod:`.device`)."""

    residuals: str = "both"
    feather: float = DEFAULT_FEATHER
    temporal: TemporalOptions = field(default_factory=TemporalOptions)
    spatial: SpatialOptions = field(default_factory=SpatialOptions)
    device: str = "auto"
    #: full-resolution Telea mixed into the restored hole with ``residuals="both"``: ``auto`` (its
    #: share from the restore's trust, :func:`.diffusionblend.auto_weight`) or ``off``
    blend: str = field(default_factory=lambda: diffusionblend.DEFAULT)

    def __post_init__(self) -> None:
        if self.blend not in diffusionblend.MODES:
            raise ValueError(f"blend must be one of {diffusionblend.MODES}, not {self.blend!r}")
        if self.residuals not in RESIDUAL_MODES:
            raise ValueError(f"residuals must be one of {RESIDUAL_MODES}, not {self.residuals!r}")


def default_grow(engine: Engine, geom: Geometry) -> int:
    """Full-resolution mask growth used when the caller gives none: the engine's growth at its
    working size, brought to source pixels (at least 1). It is a cap: thin strokes grow less
    (:func:`inpaint_core.masks.strokes.adaptive_grow`)."""
    from ..masks.strokes import AdaptiveGrow
    return AdaptiveGrow(max(1, int(math.ceil(engine.default_grow * geom.scale / 2))))


def restore_frame(t: int, fill: np.ndarray, store: FrameStore, flows: FlowCache | None,
                  opts: RestoreOptions, corr=None, layers=None, timings: dict | None = None) -> np.ndarray:
    """Full-resolution output of frame ``t``.

    ``fill``: (h, w, 3) uint8, the engine's result at working size. Returns (H, W, 3) uint8: the
    source frame with the region under the feathered hole replaced by ``up(fill) + residuals``;
    every pixel where the feathered alpha is 0 is bit-identical to the source. ``timings``: a dict
    the seconds of each restore step are added to (names in :mod:`.roi`).
    """
    ft = store[t]
    if layers is None:
        layers = restore_layers(t, fill, store, flows, opts, corr, timings=timings)
    with timed(timings, "restore.composite"):
        return _composite_rgb(ft, layers)


def _composite_rgb(ft, layers) -> np.ndarray:
    out = ft.full.copy()
    for rect, alpha, restored in layers:
        x0, y0, x1, y1 = rect
        src = ft.full[y0:y1, x0:x1]
        a = alpha[..., None]
        blended = np.clip(np.rint(a * restored + (1.0 - a) * src.astype(np.float32)), 0, 255).astype(np.uint8)
        region = out[y0:y1, x0:x1]
        m = alpha > 0
        region[m] = blended[m]
    return out


def restore_native(t: int, fill: np.ndarray, store: FrameStore, flows: FlowCache | None,
                   opts: RestoreOptions, corr=None, layers=None, timings: dict | None = None):
    """Like :func:`restore_frame` but in the source's own sample format: returns a
    :class:`~inpaint_core.video.native.NativeFrame` (a copy of ``store[t].native``) whose samples
    outside the feathered hole are the decoded source's, bit for bit, and inside it the restored
    fill converted with the source's matrix and range at its bit depth (see
    :func:`inpaint_core.video.native.composite` for the chroma rule)."""
    from ..video.native import composite

    ft = store[t]
    out = ft.native.copy()
    rotation = out.meta.get("rotation", 0)
    if layers is None:
        layers = restore_layers(t, fill, store, flows, opts, corr, align=(0, 0) if rotation else out.sub,
                                timings=timings)
    with timed(timings, "restore.composite"):
        for rect, alpha, restored in layers:
            if rotation:
                rect, alpha, restored = _to_coded(rect, alpha, restored, rotation, store.geom.full, out.sub)
            composite(out, rect, alpha, restored, ft.native)
    return out


def _to_coded(rect, alpha, restored, rotation: int, size: tuple[int, int], sub: tuple[int, int]):
    """A restored piece in display orientation (``size`` = (W, H) upright) -> the coded picture's
    orientation, its rectangle grown to whole chroma blocks (alpha 0, edge fill values there)."""
    from ..video.native import align_rect

    W, H = size
    x0, y0, x1, y1 = rect
    q = (rotation // 90) % 4
    coded = {1: (y0, W - x1, y1, W - x0), 2: (W - x1, H - y1, W - x0, H - y0),
             3: (H - y1, x0, H - y0, x1)}[q]
    alpha = np.rot90(alpha, k=q)
    restored = np.rot90(restored, k=q)
    cw, ch = (H, W) if q % 2 else (W, H)
    a = align_rect(coded, sub, (cw, ch))
    pad = ((coded[1] - a[1], a[3] - coded[3]), (coded[0] - a[0], a[2] - coded[2]))
    alpha = np.pad(alpha, pad, mode="constant")
    restored = np.pad(restored, pad + ((0, 0),), mode="edge")
    return a, np.ascontiguousarray(alpha), np.ascontiguousarray(restored)


def fill_rgba(layers, size: tuple[int, int]) -> np.ndarray:
    """The fill layer of one frame: (H, W, 4) uint16 RGBA (65535 = white / opaque) holding only the
    restored fill, alpha = the feathered mask, transparent black elsewhere. ``layers`` as returned
    by :func:`restore_layers`; ``size`` = (W, H)."""
    W, H = size
    out = np.zeros((H, W, 4), np.uint16)
    for (x0, y0, x1, y1), alpha, restored in layers:
        m = alpha > 0
        region = out[y0:y1, x0:x1]
        rgb = np.clip(np.rint(restored * 257.0), 0, 65535).astype(np.uint16)
        region[..., :3][m] = rgb[m]
        region[..., 3][m] = np.clip(np.rint(alpha * 65535.0), 0, 65535).astype(np.uint16)[m]
    return out


def restore_layers(t: int, fill: np.ndarray, store: FrameStore, flows: FlowCache | None,
                   opts: RestoreOptions, corr=None, align: tuple[int, int] = (0, 0),
                   timings: dict | None = None):
    """The restored pieces of frame ``t``: a list of ``(rect, alpha, restored)`` with ``rect`` =
    (x0, y0, x1, y1) (starting on a multiple of ``2**align``), ``alpha`` (h, w) float32 in [0, 1]
    the feathered hole and ``restored`` (h, w, 3) float32 RGB on the 0-255 scale, unrounded (the
    fill with the full-resolution detail, computed from the deepest samples the store holds).
    ``timings``: a dict the seconds of each step are added to (names in :mod:`.roi`)."""
    ft = store[t]
    if not ft.hole.any():
        return []
    margin = int(math.ceil(float(opts.feather))) + 1
    refs = None
    if opts.residuals in ("temporal", "both") and flows is not None:
        refs = select_references(t, store, flows, opts.temporal, corr, timings)
    W, H = store.geom.full
    out, confs = [], []
    for rect in _regions_of(ft.hole, margin, flows):
        if align != (0, 0):
            from ..video.native import align_rect

            rect = align_rect(rect, align, (W, H))
        out.append((rect, *_restore_rect(t, fill, store, flows, opts, corr, refs, rect, timings, confs)))
    # a full-resolution Telea fill mixed into the hole (see that module); part of the complete
    # restore only: the single-residual modes isolate one stage
    if opts.blend != "off" and opts.residuals == "both":
        with timed(timings, "restore.spatial"):
            out = diffusionblend.blend_diffusion(out, ft, diffusionblend.auto_weight(ft, corr, store.geom, out, confs))
    return out


def _regions_of(hole: np.ndarray, margin: int, flows) -> list[tuple[int, int, int, int]]:
    """:func:`regions` of ``hole``, kept on ``flows`` while the same hole array comes back (a
    stationary mask shares one array across frames): the full-frame dilation and labelling cost
    about 20 ms per 1080p frame."""
    memo = getattr(flows, "regions_memo", None)
    if memo is None:
        return regions(hole, margin)
    hit = memo.get(margin)
    if hit is not None and hit[0] is hole:
        return hit[1]
    got = regions(hole, margin)
    memo[margin] = (hole, got)  # holding ``hole`` keeps its identity from being reused
    return got


def regions(hole: np.ndarray, margin: int, join: int = 16) -> list[tuple[int, int, int, int]]:
    """Rectangles (x0, y0, x1, y1) covering the hole ((H, W) uint8) in separate pieces: connected
    parts closer than ``join`` pixels share one; each is grown by ``margin`` (for the feather)."""
    H, W = hole.shape
    near = cv2.dilate((hole > 0).astype(np.uint8), np.ones((3, 3), np.uint8), iterations=join // 2)
    n, _, stats, _ = cv2.connectedComponentsWithStats(near, connectivity=8)
    out = []
    for k in range(1, n):
        x, y, w, h = (int(v) for v in stats[k, :4])
        sub = hole[y:y + h, x:x + w]
        r = bbox(sub)
        if r is None:
            continue
        out.append((max(0, x + r[0] - margin), max(0, y + r[1] - margin),
                    min(W, x + r[2] + margin), min(H, y + r[3] + margin)))
    return out


def _restore_rect(t, fill, store, flows, opts, corr, refs, rect, timings=None,
                  confs: list | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(alpha, restored) over the full-resolution rectangle ``rect`` of frame ``t``; the temporal
    residual's coverage map over ``rect`` (its trust before the check against the target's known
    pixels, ``temporal_residual``'s ``cover``) is appended to ``confs`` when given."""
    ft = store[t]
    geom = store.geom
    W, H = geom.full
    radius = float(opts.feather)
    x0, y0, x1, y1 = rect
    # alpha over the rect (hole is far enough from the rect's edge for the ramp to fit)
    with timed(timings, "restore.composite"):
        alpha = ft.blend_alpha(rect, radius)  # a soft layer keeps its own ramp (FrameData.blend_alpha)
    mode = opts.residuals
    # work area: the rect, grown for the context spatial aggregation needs
    if mode in ("spatial", "both"):
        bw, bh = x1 - x0, y1 - y0
        c = opts.spatial.context
        ax0 = max(0, x0 - int(bw * c) - 8)
        ay0 = max(0, y0 - int(bh * c) - 8)
        ax1 = min(W, x1 + int(bw * c) + 8)
        ay1 = min(H, y1 + int(bh * c) + 8)
    else:
        ax0, ay0, ax1, ay1 = x0, y0, x1, y1
    area = (ax0, ay0, ax1, ay1)
    # the spatial attention picks among near-equal candidates: it is given the same (numpy)
    # upsized fill on every device, which keeps the device outputs close
    with timed(timings, "restore.resize"):
        fill_up = geom.up(fill, area)
        own = ft.fullf(area) - geom.up(ft.small, area)
    hole_a = ft.hole[ay0:ay1, ax0:ax1] > 0
    sl = (slice(y0 - ay0, y1 - ay0), slice(x0 - ax0, x1 - ax0))
    res = np.where(hole_a[sl][..., None], np.float32(0.0), own[sl]).astype(np.float32)
    conf = np.zeros((y1 - y0, x1 - x0), np.float32)
    covers = [conf]
    r_t = None
    if mode in ("temporal", "both") and flows is not None:
        covers = []
        r_t, conf = temporal_residual(t, store, flows, fill_up[sl], rect, opts.temporal, corr, refs,
                                      timings, resolve_device(opts.device), covers)
    if mode in ("spatial", "both"):
        need = None
        if r_t is not None:  # only where the temporal residual is not fully trusted
            need = np.zeros(hole_a.shape, bool)
            need[sl] = conf < 0.98
        with timed(timings, "restore.spatial"):
            r_s = None if need is not None and not need.any() else \
                spatial_residual(fill_up, own, hole_a, geom, opts.spatial, need, resolve_device(opts.device))[sl]
    else:
        r_s = None
    if confs is not None:  # the blend's share follows the coverage (its rule was fitted on it)
        confs.append(covers[0])
    inner = res
    hole_r = hole_a[sl]
    if r_t is not None and mode == "both" and r_s is None:
        agg = conf[..., None] * r_t
    elif r_t is not None and r_s is not None:
        agg = conf[..., None] * r_t + (1.0 - conf[..., None]) * r_s
    elif r_t is not None:
        agg = conf[..., None] * r_t
    elif r_s is not None:
        agg = r_s
    else:
        agg = None
    if agg is not None:
        inner[hole_r] = agg[hole_r]
    restored = fill_up[sl] + inner
    return alpha.astype(np.float32), restored.astype(np.float32)


def run_engine(engine: Engine, store: FrameStore, frames: Sequence[int], context: Sequence[int],
               cancel: CancelToken, stage: str = "fill") -> Iterator[Progress | Filled]:
    """Run ``engine`` at working size on the frames ``context`` (a contiguous range of one shot held
    in ``store``) and yield ``Filled`` for ``frames`` (a subset) in order, plus ``Progress``."""
    ctx = list(context)
    small = [store[i].small for i in ctx]
    holes = [store[i].hole_small for i in ctx]
    clip = ArrayClipSource(small, holes, grow=0, cancel=cancel)
    local = [ctx.index(i) for i in frames]
    for ev in in_order(engine.run(clip, frames=local), local, max_buffer=len(ctx) + 8):
        if isinstance(ev, Filled):
            yield Filled(ctx[ev.index], ev.rgb, _shift_corr(ev.correspondence, ctx))
        elif isinstance(ev, Progress):
            yield Progress(ev.done, ev.total, stage)


def _shift_corr(corr, ctx: list[int]):
    """Map an engine correspondence's frame indices from the sub-clip back to clip indices."""
    from ..engines.base import AttentionCorrespondence, FlowCorrespondence

    if isinstance(corr, FlowCorrespondence):
        sf = corr.source_frame
        lut = np.asarray(ctx + [-1], np.int32)
        mapped = np.where(sf >= 0, lut[np.clip(sf, 0, len(ctx) - 1)], -1).astype(np.int32)
        return FlowCorrespondence(mapped, corr.source_xy)
    if isinstance(corr, AttentionCorrespondence):
        return AttentionCorrespondence([ctx[k] for k in corr.frames], corr.weights)
    return corr


def fill_full_res(
    frames: Sequence[np.ndarray] | np.ndarray,
    masks: Sequence[np.ndarray] | np.ndarray,
    engine: Engine,
    work_size: tuple[int, int],
    residuals: str = "both",
    cancel: CancelToken | None = None,
    *,
    grow: int | None = None,
    feather_radius: float | None = None,
    shots: list[tuple[int, int]] | None = None,
    mode: str = "stretch",
    fills: dict[int, tuple[np.ndarray, object]] | None = None,
    targets: Sequence[int] | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    timings: dict | None = None,
    device: str = "auto",
) -> list[np.ndarray]:
    """Fill the holes of an in-memory clip at full resolution.

    ``frames``: N x (H, W, 3) uint8; ``masks``: N x (H, W) uint8 0/255 user masks at full size;
    ``work_size``: (w, h) the engine runs at (the engine's ``fixed_size`` wins when it has one);
    ``residuals``: ``both``, ``temporal``, ``spatial`` or ``none`` (plain upsizing). ``grow``: mask
    growth in source pixels (default from the engine); ``feather_radius``: soft edge in source
    pixels. ``fills``: a cache dict; when given it is read from and filled with the engine's
    results per frame, so several residual modes can share one engine run. ``targets``: restore
    only these frame indices (all frames still serve as references). ``timings``: a dict the
    restore steps' seconds are added to; ``device``: see :class:`RestoreOptions`.
    Returns the (H, W, 3) uint8 output frames of ``targets`` (default: all N), in that order.
    """
    cancel = cancel or CancelToken()
    n = len(frames)
    H, W = frames[0].shape[:2]
    work = tuple(engine.fixed_size or work_size)
    geom = Geometry((W, H), work, mode)
    g = default_grow(engine, geom) if grow is None else grow
    fr = feather_radius if feather_radius is not None else DEFAULT_FEATHER
    opts = RestoreOptions(residuals=residuals, feather=fr, device=device)
    store = FrameStore(geom, g, engine.default_grow, shots or [(0, n)])
    for i in range(n):
        store.add(i, np.ascontiguousarray(frames[i]), masks[i])
    cache = fills if fills is not None else {}
    for a, b in store.shots:
        todo = [i for i in range(a, b) if i not in cache]
        if todo:
            for ev in run_engine(engine, store, todo, range(a, b), cancel):
                if isinstance(ev, Filled):
                    cache[ev.index] = (ev.rgb, ev.correspondence)
                elif on_progress is not None:
                    on_progress(ev)
    flows = FlowCache(store, opts.temporal)
    out = []
    todo = list(range(n)) if targets is None else list(targets)
    for k, i in enumerate(todo):
        cancel.raise_if_cancelled()
        fill, corr = cache[i]
        out.append(restore_frame(i, fill, store, flows, opts, corr, timings=timings))
        if on_progress is not None:
            on_progress(Progress(k + 1, len(todo), f"residuals ({residuals})"))
    return out
