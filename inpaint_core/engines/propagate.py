"""The classical engine: flow-guided propagation, no downloaded model (the default engine).

Frames are processed in chunks that never cross a shot cut; consecutive chunks overlap, and the
frames an earlier chunk already delivered seed the next one, so fills continue across chunk borders
and memory stays bounded for any clip length. See :mod:`.propagation` for the per-chunk method.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import cv2
import numpy as np

from .. import flow as F
from ..errors import VanishError
from ..jobs import Progress
from .base import ClipSource, Engine, Filled, FlowCorrespondence, composite
from .chunkcache import ChunkCache
from .propagation import ChunkFiller, Seed, coarse_estimate


def spatial_fill(rgb: np.ndarray, hole: np.ndarray, radius: int = 5) -> np.ndarray:
    """Fill ``hole`` ((H, W) bool) of ``rgb`` ((H, W, 3) uint8) from its surroundings (OpenCV
    Telea). Returns a new (H, W, 3) uint8 image."""
    return cv2.inpaint(rgb, hole.astype(np.uint8) * 255, radius, cv2.INPAINT_TELEA)


class PropagateEngine(Engine):
    """Flow-guided propagation engine (any working size).

    ``preset``/``flow_scale``: DIS preset and the scale flow is computed at (None: chosen by frame
    size, flow is computed on at most ``flow_max_side`` pixels on the long side).
    ``chunk``/``overlap``: output frames per chunk and context frames on each side (None: chosen
    so a chunk holds about ``chunk_pixels`` pixels). ``delta``: cycle-consistency threshold in
    pixels. ``completion``: how flow is completed in holes (``"background"`` or ``"laplace"``).
    ``fill_method``: ``auto`` (propagate; a still hole in a still scene filled per frame),
    ``propagate`` (always follow the flow), ``clean-plate``, ``surface`` or ``edge-blend`` (see
    :mod:`.fillmethods`). ``spatial``: what fills the pixels no frame shows, ``telea`` (default),
    ``texture`` (Telea's low frequencies with exemplar detail, :mod:`.texturefill`; opt-in:
    SSIM below Telea's, see docs/fill.md), ``matched`` (the same with the detail's amplitude set
    so the hole is as textured as the ring around it; opt-in, docs/fill.md) or ``exemplar`` (patch-based, :mod:`.exemplar`; opt-in: it measured below Telea in the hole on
    the shared clips, far below on dogs_jump, see tests/benchmarks/results/fill.log). ``references``: {frame: image path or (H, W, 3)
    uint8 RGB array}, clean versions of frames whose pixels are trusted and propagated.
    ``layers``: complete the flow with an object layer for things moving through the hole
    (:mod:`.motionlayers`). ``spatial_blend``: weight of each frame's own spatial fill mixed
    into the pixels no frame shows (:mod:`.confidence`; 0 = the carried key fill only; opt-in:
    mixed results per clip, docs/fill.md). ``ahead``: the longest chain toward later frames, and the
    least look-ahead context of a chunk (None: (chunk + 2 overlap - 1) // 2; 0: chains reach to the chunk's
    end, however near that is, the earlier behaviour). With it every frame draws on the same span of
    later frames wherever it lies in its chunk, so the sources do not jump at chunk borders
    (docs/streaming.md, the border step).
    ``texture_cap``: where the fill is more than this many
    times as sharp as the ring around the hole (squared Laplacian), its detail is scaled down toward
    the frame's own (half-size) Telea fill (:func:`.confidence.cap_texture`; 0 = off, the default:
    2 raised in-hole PSNR on 17 of 20 pairs of the 432x240 table, mean +0.14 dB, but in the export of
    a 1080p pan (Garden, 48 frames) it cost 2.4 dB: it also flattens propagated detail, docs/fill.md).
    ``flow_check``: DIS's flow within that many pixels of the grown hole that fails the cycle test
    is completed too (:func:`inpaint_core.flow.complete_checked`; 0 = off; opt-in: +0.40 dB on the
    moving-camera clips' revealed pixels, but lower on running_car, docs/fill.md).
    ``steady``: where no frame reveals the hole (a still hole in a still shot), its spatial fill
    keeps the seam ring as border and is averaged over 3 frames (:func:`.confidence.steady_mean`;
    default 1; 0 = the earlier per-frame fill, 0.02 dB below Telea on schoolgirls, docs/fill.md).
    """

    name = "propagate"
    label = "Classical (flow propagation)"
    default_grow = 2

    def __init__(self, preset: str = "medium", flow_scale: float | None = None,
                 flow_max_side: int = 480, chunk: int | None = None, overlap: int | None = None,
                 chunk_pixels: int = 12_000_000, delta: float = 1.0, completion: str = "auto",
                 seam: bool = True, filler_options: dict | None = None, fill_method: str = "auto",
                 spatial: str = "telea", references: dict | None = None, layers: bool = False,
                 spatial_blend: float = 0.0, ahead: int | None = None, texture_cap: float = 0.0,
                 flow_check: int = 0, steady: int = 1, **_ignored) -> None:
        self.steady = bool(steady)
        self.flow_check = max(0, int(flow_check))
        self.ahead = None if ahead is None else max(0, int(ahead))
        self.layers = bool(layers)
        self.texture_cap = float(texture_cap)
        self.spatial_blend = float(spatial_blend)
        from .fillmethods import check_method

        self.fill_method = check_method(fill_method)
        if spatial not in ("exemplar", "telea", "texture", "matched"):
            raise VanishError(f"Unknown spatial fill '{spatial}'; choose exemplar, telea, texture or matched.")
        self.spatial = spatial
        self.references = dict(references or {})
        self.filler_options = dict(filler_options or {})
        self.preset = preset
        self.flow_scale = flow_scale
        self.flow_max_side = flow_max_side
        self.chunk = chunk
        self.overlap = overlap
        self.chunk_pixels = chunk_pixels
        self.delta = delta
        self.completion = completion
        self.seam = seam

    # -- planning ---------------------------------------------------------------------------
    def _chunking(self, size: tuple[int, int]) -> tuple[int, int]:
        chunk, overlap = self._plain_chunking(size)
        reach = self._reach(size)
        if reach:  # the last frame of a chunk sees as far ahead as any other
            overlap = max(overlap, reach)
        return chunk, overlap

    def _plain_chunking(self, size: tuple[int, int]) -> tuple[int, int]:
        w, h = size
        per = max(4, self.chunk_pixels // max(1, w * h))
        overlap = self.overlap if self.overlap is not None else max(2, min(10, per // 5))
        chunk = self.chunk if self.chunk is not None else max(4, min(60, per - 2 * overlap))
        return chunk, overlap

    def _reach(self, size: tuple[int, int]) -> int:
        """The longest chain toward later frames, the same for every frame (``ahead``; by default
        the mean of the earlier saw's, (chunk + 2 overlap - 1) // 2: 11 frames at 960x540); 0:
        chains reach the chunk's end, a saw from chunk + overlap - 1 down to overlap that jumped at
        every chunk border (docs/streaming.md)."""
        if self.ahead is not None:
            return self.ahead
        chunk, overlap = self._plain_chunking(size)
        return (chunk + 2 * overlap - 1) // 2

    def plan(self, clip: ClipSource, frames: Sequence[int]) -> list[tuple[int, int, list[int]]]:
        """Chunks as (start, stop, wanted frames): [start, stop) lies within one shot and the
        wanted frames (those of ``frames`` in the chunk's core) are filled from it."""
        chunk, _ = self._chunking(clip.size)
        wanted = sorted(set(frames))
        plans = []
        for a, b in clip.shots:
            inside = [i for i in wanted if a <= i < b]
            if not inside:
                continue
            start = inside[0]
            while start <= inside[-1]:
                stop = min(b, start + chunk)
                core = [i for i in inside if start <= i < stop]
                if core:
                    plans.append((start, stop, core))
                start = stop
        return plans

    def _flow_scale(self, size: tuple[int, int]) -> float:
        """The scale flow is computed at for frames of ``size`` (w, h)."""
        if self.flow_scale is not None:
            return float(self.flow_scale)
        return min(1.0, self.flow_max_side / max(size))

    def _flow_fn(self, size: tuple[int, int]):
        scale = self._flow_scale(size)

        def fn(a: np.ndarray, b: np.ndarray) -> np.ndarray:
            return F.compute_flow(a, b, self.preset, scale)

        return fn

    # -- run --------------------------------------------------------------------------------
    def run(
        self, clip: ClipSource, frames: Sequence[int] | range | None = None, priority: int | None = None
    ) -> Iterator[Progress | Filled]:
        frames = list(range(clip.frame_count)) if frames is None else list(frames)
        if self.fill_method in ("clean-plate", "surface", "edge-blend"):
            yield from self._run_per_frame(clip, frames)
            return
        refs = self._references(clip)
        spatial_fn = self._spatial_fn()
        total = len(set(frames))
        plans = self.plan(clip, frames)
        if priority is not None:
            first = next((k for k, (a, b, _) in enumerate(plans) if a <= priority < b), None)
            if first is not None:
                plans = plans[first:] + plans[:first]
        if refs:  # outward from the chunks holding a reference, so its pixels reach every chunk
            ref_chunks = [k for k, (a, b, _) in enumerate(plans) if any(a <= r < b for r in refs)]
            if ref_chunks:
                plans = [p for _, p in sorted(enumerate(plans),
                                              key=lambda kp: (min(abs(kp[0] - r) for r in ref_chunks), kp[0]))]
        _, overlap = self._chunking(clip.size)
        from .streaming import PairFlowCache

        flow_fn = PairFlowCache(self._flow_fn(clip.size), 4 * overlap + 4)
        cache = ChunkCache()
        done = 0
        yield Progress(0, total, "propagate")
        # delivered frames near chunk borders, kept only until the neighbouring chunk has run
        delivered: dict[int, Seed] = {}
        pending = {(a, b) for a, b, _ in plans}
        for a, b, core in plans:
            clip.cancel.raise_if_cancelled()
            pending.discard((a, b))
            shot = next((s for s in clip.shots if s[0] <= a < s[1]), (0, clip.frame_count))
            out = {}
            for i, filled, seed in self._fill_chunk(clip.frame, clip.mask, a, b, core, shot, overlap,
                                                    delivered, refs, flow_fn, spatial_fn, clip.cancel,
                                                    cache):
                if seed is not None:
                    out[i] = seed
                yield filled
                done += 1
                yield Progress(done, total, "propagate")
            self._keep(delivered, out, a, b, overlap, pending)

    def stream(self, size, shots, lo, hi, wanted=None, cancel=None, windows=None):  # noqa: D102
        """A :class:`~.streaming.PropagateStream` (flow propagation without references), else the
        window adapter (per-frame methods, references: they read beyond one chunk)."""
        from .streaming import PropagateStream

        if self.fill_method in ("clean-plate", "surface", "edge-blend") or self.references:
            return super().stream(size, shots, lo, hi, wanted, cancel, windows)
        return PropagateStream(self, size, shots, lo, hi, wanted, cancel)

    def _spatial_fn(self):
        if self.spatial == "exemplar":
            from .exemplar import ExemplarFill

            return ExemplarFill()
        if self.spatial == "texture":  # a smooth base with exemplar texture on top (.texturefill)
            from .texturefill import TextureFill

            return TextureFill()
        if self.spatial == "matched":  # the same, its detail's amplitude matched to the ring's texture
            from .texturefill import TextureFill

            return TextureFill(match=1.0)
        return spatial_fill

    def _fill_chunk(self, frame, mask, a: int, b: int, core: list[int], shot, overlap: int,
                    delivered: dict[int, Seed], refs, flow_fn, spatial_fn, cancel,
                    cache: ChunkCache | None = None):
        """Fill chunk [a, b) of ``shot`` from frames ``a - overlap .. b + overlap`` (within the shot;
        ``frame(i)``/``mask(i)`` read them), seeded by the ``delivered`` frames among them. Returns
        [(i, Filled, Seed or None)] for the ``core`` frames in order (Seed None: an empty hole).
        ``cache``: what this chunk shares with its neighbours (:mod:`.chunkcache`)."""
        lo, hi = max(shot[0], a - overlap), min(shot[1], b + overlap)
        idx = list(range(lo, hi))
        masks = [mask(i) for i in idx]
        if not any(m.any() for m in masks[a - lo:b - lo]):
            return [(i, Filled(i, frame(i), None), None) for i in core]
        imgs = [frame(i) for i in idx]
        seeds = {i - lo: delivered[i] for i in idx if i in delivered and not (a <= i < b)}
        for i in idx:  # the user's clean frames: trusted sources, delivered as given
            if i in refs and masks[i - lo].any():
                rgb = composite(refs[i], imgs[i - lo], masks[i - lo])
                seeds[i - lo] = Seed(rgb, np.full(rgb.shape[:2], -1, np.int32),
                                     np.zeros(rgb.shape[:2] + (2,), np.float32))
        opts = dict(self.filler_options)
        if self.fill_method == "propagate":
            opts.setdefault("still_check", False)
        opts.setdefault("layers", self.layers)
        opts.setdefault("steady", self.steady)
        reach = self._reach(imgs[0].shape[1::-1])
        if reach:
            opts.setdefault("max_ahead", reach)
        # the flow is completed at the scale it was computed at where that is half size or less
        # (960x540: in-hole PSNR unchanged on running_car; at 0.75, 640x360, it cost up to
        # 0.11 dB, and the solve is cheap there)
        scale = self._flow_scale(imgs[0].shape[1::-1])
        opts.setdefault("completion_scale", scale if scale <= 0.5 else 1.0)
        if cache is not None:
            cache.keep(lo, hi)
        filler = ChunkFiller(imgs, masks, lo, flow_fn, spatial_fn, seeds=seeds, delta=self.delta,
                             completion=self.completion, seam=self.seam,
                             cancel=cancel.raise_if_cancelled, cache=cache, **opts)
        filler.flow_check = self.flow_check
        res = filler.run([i - lo for i in core])
        del filler
        if cache is not None:  # only the next chunk's context can use it again
            cache.forget_below(b - overlap)
        out = []
        for k, i in enumerate(core):
            hole = masks[i - lo] > 0
            corr = None
            if hole.any():
                corr = FlowCorrespondence(res.src_frame[k], res.src_xy[k])
                if refs and i not in refs:
                    self._warp_reference(frame, i, hole, res.rgb[k], refs, shot, flow_fn)
                elif self.spatial_blend > 0 and not refs:  # see .confidence
                    from .confidence import blend_unsourced

                    blend_unsourced(res.rgb[k], frame(i), hole, res.src_frame[k], self.spatial_blend, spatial_fn)
                if self.texture_cap > 0 and not refs:  # see .confidence
                    from .confidence import cap_texture

                    # the smooth base is blurred by 2 px: the half-size Telea (a tenth of the cost) will do
                    cap_texture(res.rgb[k], hole, coarse_estimate(frame(i), hole), self.texture_cap)
            out.append((i, Filled(i, res.rgb[k], corr), Seed(res.rgb[k], res.src_frame[k], res.src_xy[k])))
        return out

    def _warp_reference(self, frame, i: int, hole: np.ndarray, rgb: np.ndarray, refs, shot, flow_fn) -> None:
        """Replace, in place, the fill of frame ``i`` by the nearest reference of its shot warped
        along the direct flow, where that lands inside the reference (frames within reach)."""
        from .fillmethods import REFERENCE_REACH, reference_fill

        near = [r for r in refs if shot[0] <= r < shot[1] and abs(r - i) <= REFERENCE_REACH]
        if not near:
            return
        r = min(near, key=lambda x: abs(x - i))
        filled, used = reference_fill(frame(i), hole, refs[r], flow_fn, self.completion)
        rgb[used] = filled[used]

    def _references(self, clip: ClipSource) -> dict[int, np.ndarray]:
        from .fillmethods import load_references

        return load_references(self.references, clip.size, clip.frame_count)

    def _run_per_frame(self, clip: ClipSource, frames: list[int]) -> Iterator[Progress | Filled]:
        """The fill methods that need no flow: clean plate (per shot), surface, edge blend."""
        from .exemplar import ExemplarFill
        from .fillmethods import PlateFiller, edge_blend, surface_fill

        refs = self._references(clip)
        total = len(frames)
        yield Progress(0, total, self.fill_method)
        plates: dict[tuple[int, int], PlateFiller] = {}
        ex = ExemplarFill()
        for done, i in enumerate(frames, 1):
            clip.cancel.raise_if_cancelled()
            img, hole = clip.frame(i), clip.mask(i) > 0
            if i in refs:
                out = composite(refs[i], img, hole.astype(np.uint8))
            elif not hole.any():
                out = img
            elif self.fill_method == "edge-blend":
                out = edge_blend(img, hole)
            elif self.fill_method == "surface":
                out = surface_fill(ex, img, hole)
            else:
                shot = next((s for s in clip.shots if s[0] <= i < s[1]), (0, clip.frame_count))
                if shot not in plates:
                    plates.clear()  # one shot's plate at a time
                    plates[shot] = PlateFiller(clip.frame, clip.mask, shot[0], shot[1],
                                               clip.cancel.raise_if_cancelled)
                out = plates[shot].fill(img, hole)
            yield Filled(i, out, None)
            yield Progress(done, total, self.fill_method)

    @staticmethod
    def _keep(delivered: dict[int, Seed], out: dict[int, Seed], a: int, b: int, overlap: int,
              pending: set[tuple[int, int]]) -> None:
        """Remember the delivered frames a pending neighbour chunk will read as seeds; forget
        those no pending chunk needs."""
        for i, seed in out.items():
            if i < a + overlap or i >= b - overlap:
                delivered[i] = seed
        for i in list(delivered):
            if not any(pa - overlap <= i < pb + overlap for pa, pb in pending):
                del delivered[i]
