"""The editor's long jobs as plain generator functions (Qt-free), run on worker threads by
:class:`app.workers.runners.JobRunner`. Each yields Progress (and result events) and takes a CancelToken
last."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from inpaint_core import devices
from inpaint_core.engines import create_engine
from inpaint_core.engines.base import Filled
from inpaint_core.jobs import Progress
from inpaint_core.masks.document import MaskDocument
from inpaint_core.settings import ExportSettings


@dataclass(frozen=True)
class Blend:
    """What the export's final blend of one frame is made from, over ``rect`` = (x0, y0, x1, y1) of
    the source-size frame (0 outside it): the grown ``hole``, a soft layer's ``soft`` alpha and
    ``core`` (None for a hard mask), all (y1 - y0, x1 - x0) uint8 crops, and the project's feather
    ``radius`` (see :func:`inpaint_core.export.frames.blend_alpha`). Kept as masks, not as float
    alpha, and shared by consecutive frames with the same mask."""

    rect: tuple[int, int, int, int]
    hole: np.ndarray
    soft: np.ndarray | None
    core: np.ndarray | None
    radius: float

    def alpha(self) -> np.ndarray:
        """(y1 - y0, x1 - x0) float32 in [0, 1]: the export's alpha over :attr:`rect`."""
        from inpaint_core.export.frames import blend_alpha

        h, w = self.hole.shape
        return blend_alpha(self.hole, self.soft, self.core, (0, 0, w, h), self.radius)


@dataclass
class PreviewFrame:
    """A filled frame cropped to the picture: ``rgb`` (h, w, 3) uint8 and ``mask`` (h, w) uint8
    0/255 (the grown mask the engine filled), both at the working size. ``blend``: how the export
    blends this frame's fill into the source (the project's feather, each layer's own soft edge),
    a :class:`Blend`; None when nothing is masked."""

    index: int
    rgb: np.ndarray
    mask: np.ndarray
    blend: Blend | None = None


def blend_of(data, radius: float) -> Blend | None:
    """The :class:`Blend` of a :class:`~inpaint_core.export.frames.FrameData` for the project's
    feather ``radius``: its masks over the hole's bounding box grown by the feather."""
    hole = data.hole
    rows, cols = np.flatnonzero(hole.any(axis=1)), np.flatnonzero(hole.any(axis=0))
    if rows.size == 0:
        return None
    H, W = hole.shape
    m = int(np.ceil(radius)) + 1
    x0, y0 = max(0, int(cols[0]) - m), max(0, int(rows[0]) - m)
    x1, y1 = min(W, int(cols[-1]) + 1 + m), min(H, int(rows[-1]) + 1 + m)

    def crop(a):
        return None if a is None else a[y0:y1, x0:x1].copy()

    return Blend((x0, y0, x1, y1), crop(hole), crop(data.soft), crop(data.core), float(radius))


@dataclass
class ClipFacts:
    """What the preview job needs to know of the open clip (plain values: the job opens its own
    reader, so it shares nothing with the UI thread's)."""

    path: Path
    frame_count: int
    size: tuple[int, int]
    shots: list[tuple[int, int]] | None = None


@dataclass
class ExportRequest:
    """What to export: frames ``start`` .. ``end - 1``; ``crf`` None = matched to the source;
    ``fmt`` None = from the extension."""

    out: Path
    fmt: str | None
    start: int
    end: int
    crf: int | None
    audio: bool
    residuals: str = "both"
    grow: int | None = None  # None: the engine's own growth (see inpaint_core.settings.SCHEMA)
    feather: float | None = None  # None: the document's feather
    blend: str | None = None  # None: the document's (inpaint_core.settings.SCHEMA "blend")


QUICK_CONTEXT = 3  # frames each side of the playhead the quick first fill reads
QUICK_FLOW_SIDE = 320  # and the long side its flow is computed at (the full pass refines it)


def quick_engine(engine):
    """An engine that fills one frame from a few neighbours, fast, or None where the engine cannot
    do better than its own order (per-frame engines already start at the playhead; neural ones
    would load their model twice). The classical engine fills whole chunks at once, so the
    playhead's frame would otherwise wait for its whole chunk."""
    from inpaint_core.engines.propagate import PropagateEngine

    if type(engine) is PropagateEngine and not engine.references:  # a reference may lie far away
        return PropagateEngine(preset=engine.preset, flow_scale=None,
                               flow_max_side=min(QUICK_FLOW_SIDE, engine.flow_max_side), chunk=1,
                               overlap=QUICK_CONTEXT,
                               delta=engine.delta, completion=engine.completion, seam=engine.seam,
                               filler_options=engine.filler_options, fill_method=engine.fill_method,
                               spatial=engine.spatial, layers=engine.layers)
    return None


def preview_job(clip: ClipFacts, doc: MaskDocument, settings: ExportSettings, frames: list[int], priority: int,
                device: str, token, quick: bool | str = True):
    """Fill ``frames`` at low resolution, the playhead's frame first; yields Progress and
    :class:`PreviewFrame`. This is the export's low-resolution stage with the same ``settings``
    (working size, canvas mode, mask growth: :mod:`inpaint_core.export.lowres`). With ``quick``
    true (the default), the playhead's frame is first filled on its own from a few neighbours
    (:func:`quick_engine`, about 0.6 s with the classical engine), then the export's fill
    (:func:`_fill_events`) follows, the playhead's frame again among its frames; False: no quick
    fill. Progress counts the frames delivered (shown), not the engine's internal steps."""
    from inpaint_core.export.lowres import LowResSource, lowres_plan
    from inpaint_core.video import VideoReader

    engine = create_engine(settings.engine, **engine_options(settings, device))
    # on a device shared with an export, the preview's windows go first (inpaint_core.devices)
    with devices.job_context(devices.PREVIEW, token), VideoReader(clip.path, cache_bytes=64 << 20) as reader:
        plan = lowres_plan(clip.size, engine, settings)
        # masks with the layers' feathers, as the export reads them (export.settings.mask_reader)
        src = LowResSource(clip.frame_count, plan, engine.default_grow, reader.frame, doc.compose_alpha,
                           shots=clip.shots, cancel=token)
        x0, y0, w, h = src.inner
        stage = f"Preview ({engine.label or settings.engine})"
        shown: set[int] = set()
        yield Progress(0, len(frames), stage)
        last = None  # the last (hole, soft) and their Blend: a stationary mask shares them

        def deliver(ev):
            nonlocal last
            rgb = np.ascontiguousarray(ev.rgb[y0 : y0 + h, x0 : x0 + w])
            m = np.ascontiguousarray(src.mask(ev.index)[y0 : y0 + h, x0 : x0 + w])
            d = src.data(ev.index)
            if last is None or last[0] is not d.hole or last[1] is not d.soft:
                last = (d.hole, d.soft, blend_of(d, float(settings.feather)))
            return PreviewFrame(ev.index, rgb, m, last[2])

        fast = quick_engine(engine) if quick and priority in frames and len(frames) > 1 else None
        if fast is not None:  # engines with a cheaper form for one frame (the classical one)
            for ev in fast.run(src, frames=[priority], priority=priority):
                token.raise_if_cancelled()
                if isinstance(ev, Filled):
                    shown.add(ev.index)
                    yield deliver(ev)
                    yield Progress(len(shown), len(frames), stage)
        for ev in _fill_events(engine, src, clip, frames, priority, token):
            token.raise_if_cancelled()
            if isinstance(ev, Filled):
                shown.add(ev.index)
                yield deliver(ev)  # the playhead's frame again: now filled with its whole chunk
                yield Progress(len(shown), len(frames), stage)


def _fill_events(engine, src, clip: ClipFacts, frames: list[int], priority: int, token):
    """The engine's fills of ``frames``. A run of consecutive frames goes through the engine's
    stream when it carries state across chunks (the classical engine): each frame is filled once,
    in clip order, exactly as the export's fill stage does it; otherwise (other engines, scattered
    frames) through the one-shot ``run``, the playhead's chunk first."""
    from inpaint_core.engines.streaming import PropagateStream

    want = sorted(set(frames))
    if len(want) > 1 and want == list(range(want[0], want[-1] + 1)):
        lo, hi = want[0], want[-1] + 1
        stream = engine.stream(src.plan.work, clip.shots or [(0, clip.frame_count)], lo, hi, want, token)
        if isinstance(stream, PropagateStream):
            for i in range(lo, hi):
                token.raise_if_cancelled()
                yield from stream.push(i, src.frame(i), src.mask(i))
            yield from stream.finish()
            return
    yield from engine.run(src, frames=frames, priority=priority)


def engine_options(settings: ExportSettings, device: str) -> dict:
    """The settings' engine options plus the editor's device choice for engines that take one."""
    opts = dict(settings.engine_options)
    if settings.engine == "sttn":
        opts.setdefault("device", device)
    return opts


def export_job(source: Path, doc: MaskDocument, settings: ExportSettings, out: Path, device: str, token,
               protect=()):
    """Full-resolution export of ``doc``'s masks with ``settings`` (the same call as
    ``vanish export PROJECT``; see :func:`inpaint_core.export.export_video`). ``protect``: further
    paths the output must not replace (the open project's folder), as the CLI's export checks."""
    from inpaint_core.export import export_video

    kw = settings.export_kwargs()
    kw["engine_options"] = engine_options(settings, device)
    return (yield from export_video(source, doc, out, cancel=token, protect=list(protect), **kw))
