"""The streaming export job: decode, fill at working size, restore full-resolution detail, encode.

:func:`export_video` is a generator job (see :mod:`inpaint_core.jobs`). Frames stream through in
chunks: the decoder reads ahead only as far as the current chunk's references and the engine's
context need, the store forgets frames behind them, and each finished frame goes straight to the
encoder, so peak memory depends on the frame size and the chunk settings, never on the clip length.

Output frame ``k`` of the range carries the timestamp of source frame ``start + k`` (shifted so that
the first exported frame starts at the source's first timestamp when ``start`` > 0); the audio is cut
to the exported range. The target only appears when the export completes: cancellation or an error
leaves nothing there. Finished chunks are kept in ``.<target>.partial/`` so ``resume=True``
continues an interrupted export; a completed export removes that folder, as does a cancelled one
when ``keep_partial`` is False.
"""

from __future__ import annotations

import os
import time
from collections.abc import Generator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..engines import DEFAULT_ENGINE, create_engine
from ..engines.base import Engine, Filled
from ..errors import MaskError, VanishError
from ..fsutil import check_output_folder
from ..jobs import CancelToken, EtaEstimator, Progress
from ..sysmem import trim_heap
from .frames import FrameStore
from .pipeline import RestoreOptions, default_grow, restore_frame, run_engine
from .residuals import Geometry
from .resume import PartialWork, apply_patch, os_error, patch_of
from .settings import canvas_mode, default_crf, default_work_size, mask_reader, plan_chunks
from .temporal import FlowCache

ENGINE_OVERLAP = 16  # frames of context the engine sees on each side of a chunk


def context_reach(residuals: str, offsets=None) -> int:
    """Frames on each side of a chunk that its fill and residuals read (the engine's context and,
    with temporal residuals, the farthest reference offset)."""
    if offsets is None:
        from .temporal import TemporalOptions

        offsets = TemporalOptions().offsets
    return max(max(offsets) if residuals in ("temporal", "both") else 0, ENGINE_OVERLAP)


@dataclass
class ExportResult:
    """What an export produced: ``path``, ``frames`` written, seconds spent per stage, settings."""

    path: Path
    frames: int
    seconds: dict[str, float] = field(default_factory=dict)
    engine: str = ""
    work_size: tuple[int, int] = (0, 0)
    crf: int | None = None
    resumed_chunks: int = 0


def _fmt_eta(sec: float | None) -> str:
    if sec is None:
        return ""
    sec = int(round(sec))
    return f"ETA {sec // 3600}:{sec % 3600 // 60:02d}:{sec % 60:02d}" if sec >= 3600 else f"ETA {sec // 60}:{sec % 60:02d}"


def export_video(
    source,
    masks,
    out,
    *,
    engine: str | Engine | None = None,
    engine_options: dict | None = None,
    work_size: tuple[int, int] | None = None,
    residuals: str = "both",
    fmt: str | None = None,
    crf: int | None = None,
    start: int = 0,
    end: int | None = None,
    audio: bool = True,
    write_masks=None,
    resume: bool = False,
    cancel: CancelToken | None = None,
    grow: int | None = None,
    feather: float | None = None,
    shots: list[tuple[int, int]] | None = None,
    chunk_frames: int = 48,
    keep_partial: bool = True,
    context: tuple[int, int] | None = None,
    chunks: list[tuple[int, int]] | None = None,
) -> Generator[Progress, None, ExportResult]:
    """Export ``source`` (a video path) with the holes in ``masks`` filled, to ``out``.

    ``masks``: a mask image or folder path, an (H, W) uint8 array (stationary), a ``MaskStack`` or
    a callable ``i -> (H, W) uint8``, all at the source size. ``start``/``end``: the exported frame
    range [start, end) (0-based, ``end`` exclusive, default the whole clip). ``fmt``: output format
    (default from the extension); ``crf``: quality (default matched to the source's bit rate).
    ``write_masks``: a folder to which the composited (grown) masks are written as PNGs.
    ``shots``: shot ranges (default: detected while scanning). ``context``: (lo, hi) with lo <= start
    and end <= hi, frames the engine and the residuals may read beyond the exported range (default:
    none); ``chunks``: the chunk plan (default: :func:`plan_chunks` of the range). A range exported
    with the chunks and context of a longer export gives that export's frames (the batch's segments).
    Yields :class:`Progress`; returns an :class:`ExportResult`.
    """
    from ..video import VideoReader, VideoWriter, output_format

    cancel = cancel or CancelToken()
    out = Path(out)
    check_output_folder(out.parent if str(out.parent) else Path("."))
    if write_masks and Path(write_masks).is_dir() and any(Path(write_masks).iterdir()):
        raise MaskError(f"The mask folder {write_masks} is not empty; choose a new folder for --write-masks.")
    eng = engine if isinstance(engine, Engine) else create_engine(engine or DEFAULT_ENGINE, **(engine_options or {}))
    opts_res = residuals
    secs: dict[str, float] = {"scan": 0.0, "decode": 0.0, "fill": 0.0, "restore": 0.0, "encode": 0.0}
    with VideoReader(source, cache_bytes=32 * 1024 * 1024) as reader:
        info = reader.info
        n = len(reader)
        end = n if end is None else int(end)
        start = int(start)
        if not (0 <= start < end <= n):
            raise VanishError(f"The frame range {start}..{end} is outside the clip (frames 0..{n}); "
                              "--start must be below --end and --end at most the frame count.")
        lo, hi = (start, end) if context is None else (int(context[0]), int(context[1]))
        if not (0 <= lo <= start and end <= hi <= n):
            raise VanishError(f"The context {lo}..{hi} does not hold the range {start}..{end} within the clip.")
        W, H = info.width, info.height
        work = tuple(eng.fixed_size or work_size or default_work_size((W, H), None))
        geom = Geometry((W, H), work, canvas_mode((W, H), work))
        g = default_grow(eng, geom) if grow is None else int(grow)
        opts = RestoreOptions(residuals=opts_res, feather=max(1.0, geom.scale) if feather is None else feather)
        mask_fn = mask_reader(masks, n, (W, H))
        fmt_name = output_format(out, fmt)
        fmt_key = getattr(fmt_name, "name", fmt_name)
        if crf is None:
            crf = default_crf(info.bit_rate, (W, H), float(info.fps), str(fmt_key))
        total = end - start
        eta = EtaEstimator()
        if shots is None:
            t0 = time.monotonic()
            shots = yield from _scan_shots(reader, start, end, cancel)
            secs["scan"] += time.monotonic() - t0
        chunks = plan_chunks(start, end, shots, chunk_frames) if chunks is None else [tuple(c) for c in chunks]
        signature = {
            "source": str(Path(source).resolve()), "size": [W, H], "frames": n,
            "mtime": os.stat(source).st_mtime_ns, "engine": eng.name, "work": list(work),
            "residuals": opts_res, "grow": g, "feather": opts.feather, "range": [start, end],
            "chunks": [list(c) for c in chunks], "masks": _mask_digest(mask_fn, start, end),
        }
        if context is not None:
            signature["context"] = [lo, hi]
        partial = PartialWork(out, signature, resume)
        store = FrameStore(geom, g, eng.default_grow, shots)
        flows = FlowCache(store, opts.temporal)
        reach = context_reach(opts_res, opts.temporal.offsets)
        pts0 = reader.pts[start] - reader.pts[0] if start > 0 else 0
        a_start = reader.times[start] if start > 0 else None
        a_end = reader.times[end] if end < n else None
        frames_iter = reader.iter_frames(lo, hi)
        state = {"next": lo}

        def ensure(upto: int) -> None:
            t = time.monotonic()
            while state["next"] < upto:
                cancel.raise_if_cancelled()
                i, rgb = next(frames_iter)
                store.add(i, rgb, mask_fn(i))
                state["next"] = i + 1
            secs["decode"] += time.monotonic() - t

        try:
            writer = VideoWriter(out, format=fmt, width=W, height=H, time_base=info.time_base, rate=info.rate,
                                 crf=crf, color=info, audio_from=source if (audio and info.audio) else None,
                                 audio_start=a_start, audio_end=a_end, cancel=cancel)
        except OSError as exc:
            raise os_error(exc, out) from None
        done = 0
        resumed = 0
        completed = False

        def write(i: int, frame: np.ndarray) -> None:
            try:
                writer.write(frame, reader.pts[i] - pts0)
            except OSError as exc:
                raise os_error(exc, out) from None

        try:
            yield Progress(0, total, "export")
            for c0, c1 in chunks:
                cancel.raise_if_cancelled()
                sa, sb = store.shot(c0)
                store.evict_below(max(lo, c0 - reach))  # forget first, then read ahead
                ensure(min(sb, hi, c1 + reach))
                if partial.has((c0, c1)):
                    patches = partial.load((c0, c1))
                    resumed += 1
                    for i in range(c0, c1):
                        cancel.raise_if_cancelled()
                        t = time.monotonic()
                        write(i, apply_patch(store[i].full, *patches[i]))
                        secs["encode"] += time.monotonic() - t
                        done += 1
                else:
                    # each frame is restored and encoded as soon as the engine delivers it: no
                    # chunk of fills or outputs is held, so the peak is the engine's working set
                    t = time.monotonic()
                    spent = 0.0
                    patches = {}
                    ctx = range(max(sa, lo, c0 - ENGINE_OVERLAP), min(sb, hi, c1 + ENGINE_OVERLAP))
                    for ev in run_engine(eng, store, range(c0, c1), ctx, cancel, stage=f"fill ({eng.name})"):
                        if not isinstance(ev, Filled):  # the engine's progress: say what runs now
                            t0 = time.monotonic()
                            yield Progress(done, total, ev.stage, _fmt_eta(eta.update(Progress(done, total))))
                            spent += time.monotonic() - t0
                            continue
                        i = ev.index
                        t0 = time.monotonic()
                        o = restore_frame(i, ev.rgb, store, flows, opts, ev.correspondence)
                        patches[i] = patch_of(o, store[i].full)
                        t1 = time.monotonic()
                        write(i, o)
                        t2 = time.monotonic()
                        secs["restore"] += t1 - t0
                        secs["encode"] += t2 - t1
                        done += 1
                        yield Progress(done, total, "export", _fmt_eta(eta.update(Progress(done, total))))
                        spent += time.monotonic() - t0  # restore, encode and the consumer's time
                    secs["fill"] += time.monotonic() - t - spent
                    trim_heap()  # the engine's working arrays are free now: give them back
                if not partial.has((c0, c1)):
                    partial.save((c0, c1), patches)
                yield Progress(done, total, "export", _fmt_eta(eta.update(Progress(done, total))))
            t = time.monotonic()
            try:
                writer.close()
            except OSError as exc:
                raise os_error(exc, out) from None
            secs["encode"] += time.monotonic() - t
            completed = True
        finally:
            if not completed:
                writer.abort()
                if not keep_partial:
                    partial.remove()
        partial.remove()
    if write_masks:
        yield from _write_masks(Path(write_masks), mask_fn, g, start, end)
    return ExportResult(out, done, secs, eng.name, work, crf, resumed)


def _mask_digest(mask_fn, start: int, end: int) -> str:
    """A short digest of the masks of a few frames of the range (to refuse resuming other masks)."""
    import hashlib

    h = hashlib.sha1()
    for i in sorted({start, (start + end) // 2, end - 1}):
        h.update(np.ascontiguousarray(mask_fn(i)).tobytes())
    return h.hexdigest()


def _scan_shots(reader, start: int, end: int, cancel: CancelToken):
    """Shot ranges of [start, end) found by decoding it once at thumbnail size (yields Progress)."""
    import cv2

    from ..video.shots import detect_shots

    total = end - start
    thumbs = []
    for i, rgb in reader.iter_frames(start, end):
        cancel.raise_if_cancelled()
        thumbs.append(cv2.resize(rgb, (64, 36), interpolation=cv2.INTER_AREA))
        if (i - start) % 16 == 0:
            yield Progress(i - start, total, "finding shots")
    found = detect_shots(thumbs)
    return [(a + start, b + start) for a, b in found]


def _write_masks(folder: Path, mask_fn, grow: int, start: int, end: int):
    from ..masks import write_masks
    from ..masks.ops import grow_mask

    total = end - start
    yield Progress(0, total, "writing masks")
    try:
        write_masks(folder, (grow_mask(mask_fn(i), grow) for i in range(start, end)))
    except OSError as exc:
        raise os_error(exc, folder) from None
    yield Progress(total, total, "writing masks")
