"""The editor's long jobs as plain generator functions (Qt-free), run on worker threads by
:class:`app.workers.JobRunner`. Each yields Progress (and result events) and takes a CancelToken
last."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from inpaint_core.engines import create_engine
from inpaint_core.engines.base import Filled
from inpaint_core.jobs import Progress
from inpaint_core.masks.document import MaskDocument
from inpaint_core.settings import ExportSettings


@dataclass
class PreviewFrame:
    """A filled frame cropped to the picture: ``rgb`` (h, w, 3) uint8 and ``mask`` (h, w) uint8
    0/255 (the grown mask the engine filled), both at the working size."""

    index: int
    rgb: np.ndarray
    mask: np.ndarray


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


def preview_job(clip: ClipFacts, doc: MaskDocument, settings: ExportSettings, frames: list[int], priority: int,
                device: str, token):
    """Fill ``frames`` at low resolution, the playhead's neighbourhood first; yields Progress and
    :class:`PreviewFrame`. This is the export's low-resolution stage with the same ``settings``
    (working size, canvas mode, mask growth: :mod:`inpaint_core.export.lowres`)."""
    from inpaint_core.export.lowres import LowResSource, lowres_plan
    from inpaint_core.video import VideoReader

    engine = create_engine(settings.engine, **engine_options(settings, device))
    with VideoReader(clip.path, cache_bytes=64 << 20) as reader:
        plan = lowres_plan(clip.size, engine, settings)
        src = LowResSource(clip.frame_count, plan, engine.default_grow, reader.frame, doc.compose,
                           shots=clip.shots, cancel=token)
        x0, y0, w, h = src.inner
        yield Progress(0, len(frames), "Preview")
        for ev in engine.run(src, frames=frames, priority=priority):
            token.raise_if_cancelled()
            if isinstance(ev, Filled):
                rgb = np.ascontiguousarray(ev.rgb[y0 : y0 + h, x0 : x0 + w])
                m = np.ascontiguousarray(src.mask(ev.index)[y0 : y0 + h, x0 : x0 + w])
                yield PreviewFrame(ev.index, rgb, m)
            elif isinstance(ev, Progress):
                yield Progress(ev.done, ev.total, f"Preview ({engine.label or settings.engine})")


def engine_options(settings: ExportSettings, device: str) -> dict:
    """The settings' engine options plus the editor's device choice for engines that take one."""
    opts = dict(settings.engine_options)
    if settings.engine == "sttn":
        opts.setdefault("device", device)
    return opts


def export_job(source: Path, doc: MaskDocument, settings: ExportSettings, out: Path, device: str, token):
    """Full-resolution export of ``doc``'s masks with ``settings`` (the same call as
    ``vanish export PROJECT``; see :func:`inpaint_core.export.export_video`)."""
    from inpaint_core.export import export_video

    kw = settings.export_kwargs()
    kw["engine_options"] = engine_options(settings, device)
    return (yield from export_video(source, doc, out, cancel=token, **kw))
