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

from ..engines import DEFAULT_ENGINE, create_engine
from ..engines.base import Engine, Filled
from ..errors import MaskError, VanishError
from ..fsutil import check_output_folder
from ..jobs import CancelToken, EtaEstimator, Progress
from ..masks.strokes import AdaptiveGrow
from ..settings import DEFAULT_FEATHER, DEFAULT_LONG_SIDE, ExportSettings
from ..sysmem import trim_heap
from .frames import FrameStore
from .lowres import lowres_plan
from .media import (
    NativeFeed,
    SmartRender,
    apply_native_patches,
    container_tags,
    native_patches,
    shift_timecode,
)
from .pipeline import (
    RestoreOptions,
    fill_rgba,
    restore_frame,
    restore_layers,
    restore_native,
    run_engine,
)
from .resume import PartialWork, apply_patch, chunk_digests, os_error, patch_of
from .safety import check_encodable, guarded_export
from .settings import default_crf, mask_reader, plan_chunks
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
    stale_chunks: int = 0  # finished chunks of an interrupted export made again: their masks changed
    copied: int = 0  # frames whose source packet was copied (smart render)
    encoded: int = 0  # frames encoded
    encoding: str = ""  # what the output was encoded as (e.g. "ProRes 422 HQ yuv422p10le")
    note: str = ""  # a sentence about smart render for the user (why it was off, or hev1), or empty
    wall: float = 0.0  # seconds from the first frame read to the output closed (stages overlap)

    def per_frame(self) -> dict[str, float]:
        """Seconds per written frame of each stage (busy time; pipelined stages overlap) and of the
        whole (``wall``)."""
        n = max(1, self.frames)
        out = {k: v / n for k, v in self.seconds.items()}
        if self.wall:
            out["wall"] = self.wall / n
        return out


def _fmt_eta(sec: float | None) -> str:
    if sec is None:
        return ""
    sec = int(round(sec))
    return f"ETA {sec // 3600}:{sec % 3600 // 60:02d}:{sec % 60:02d}" if sec >= 3600 else f"ETA {sec // 60}:{sec % 60:02d}"


@guarded_export
def export_video(
    source,
    masks,
    out,
    *,
    engine: str | Engine | None = None,
    engine_options: dict | None = None,
    work_size: tuple[int, int] | None = None,
    residuals: str = "both",
    blend: str | None = None,
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
    long_side: int | None = None,
    fills=None,
    shots: list[tuple[int, int]] | None = None,
    chunk_frames: int = 48,
    keep_partial: bool = True,
    smart_render: bool = True,
    fill_layer=None,
    context: tuple[int, int] | None = None,
    chunks: list[tuple[int, int]] | None = None,
    pipelined: bool = True,
    restore_device: str | None = None,
) -> Generator[Progress, None, ExportResult]:
    """Export ``source`` (a video path) with the holes in ``masks`` filled, to ``out``.

    ``masks``: a mask image or folder path, an (H, W) uint8 array (stationary), a ``MaskStack`` or
    a callable ``i -> (H, W) uint8``, all at the source size. ``start``/``end``: the exported frame
    range [start, end) (0-based, ``end`` exclusive, default the whole clip). ``fmt``: output format
    (default from the extension); ``crf``: quality (default matched to the source's bit rate).
    ``write_masks``: a folder to which the composited (grown) masks are written as PNGs.
    ``long_side``: the working-size cap (see :func:`inpaint_core.settings.working_size`);
    ``feather`` None is the schema's default. ``fills``: called as ``fills(i, rgb)`` with each
    low-resolution fill ((h, w, 3) uint8 on the working canvas) as the engine delivers it. ``shots``: shot ranges (default: detected while scanning).
    ``smart_render``: copy the source's
    packets where the output codec matches: frames with an empty mask (intra-only codecs), whole
    closed GOPs without a masked frame (H.264, HEVC); see :class:`.media.SmartRender`.
    ``fill_layer``: also write the fill alone with the feathered mask as alpha (a folder: 16-bit PNG
    RGBA sequence; a ``.mov``: ProRes 4444 with alpha; see :mod:`inpaint_core.video.fill_layer`).
    The output is encoded as :func:`inpaint_core.video.match.plan_output` says ("match source"),
    from the source's own samples.
    ``context``: (lo, hi) with lo <= start
    and end <= hi, frames the engine and the residuals may read beyond the exported range (default:
    none); ``chunks``: the chunk plan (default: :func:`plan_chunks` of the range). A range exported
    with the chunks and context of a longer export gives that export's frames (the batch's segments).
    ``pipelined``: decode, fill, restore and encode on threads, the engine fed as a stream
    (:mod:`.streamjob`); False runs the earlier one-thread loop (each chunk filled on its own with
    context frames), kept for comparison in the export benchmark. ``restore_device``: where the
    restore stage runs, for builds whose :class:`RestoreOptions` has a ``device`` (None: its default).
    Yields :class:`Progress`; returns an :class:`ExportResult`.
    """
    from ..video import VideoReader, VideoWriter
    from ..video.fill_layer import FillLayerWriter
    from ..video.match import plan_output

    cancel = cancel or CancelToken()
    out = Path(out)
    check_output_folder(out.parent if str(out.parent) else Path("."))
    if write_masks and Path(write_masks).is_dir() and any(Path(write_masks).iterdir()):
        raise MaskError(f"The mask folder {write_masks} is not empty; choose a new folder for --write-masks.")
    if fill_layer is not None and resume:
        raise VanishError("--fill-layer cannot be combined with --resume: the fill layer is made while "
                          "restoring, and resumed chunks are not restored again. Export without --resume.")
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
        plan = lowres_plan((W, H), eng, ExportSettings(long_side=long_side or DEFAULT_LONG_SIDE, grow=grow),
                           work_size)
        geom, g, work = plan.geom, plan.grow, plan.work
        opts = RestoreOptions(residuals=opts_res, feather=DEFAULT_FEATHER if feather is None else float(feather))
        if blend is not None:  # None: the restore's default (diffusionblend.DEFAULT)
            opts.blend = blend
        if restore_device is not None:
            if not hasattr(opts, "device"):
                raise VanishError("This build restores on the CPU only; leave out the restore device.")
            opts.device = restore_device
        mask_fn = mask_reader(masks, n, (W, H))
        fmt_plan = plan_output(info, out, fmt)
        check_encodable(fmt_plan.format, out, source, W, H, end - start, n)  # before scanning, not at the encoder
        native = fmt_plan.native
        fmt_key = {"h264": "mp4"}.get(fmt_plan.format.name, fmt_plan.format.name)
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
            "engine_options": repr(sorted((engine_options or {}).items())),
            "residuals": opts_res, "blend": opts.blend, "grow": g, "feather": opts.feather, "range": [start, end],
            # the default growth is stroke-adaptive (masks.strokes), --grow N uniform: not the same
            "grow_rule": "adaptive" if isinstance(g, AdaptiveGrow) else "uniform",
            "chunks": [list(c) for c in chunks],
            "native": fmt_plan.pix_fmt if native else None,
        }
        if context is not None:
            signature["context"] = [lo, hi]
        reach = context_reach(opts_res, opts.temporal.offsets)
        partial = PartialWork(out, signature, resume,
                              chunk_digests(masks, mask_fn, chunks, shots, lo, hi, reach, cancel))
        if partial.stale:
            yield Progress(0, total, f"resume: {partial.stale} finished chunk(s) are made again (their masks changed)")
        store = FrameStore(geom, g, eng.default_grow, shots)
        flows = FlowCache(store, opts.temporal)
        pts0 = reader.pts[start] - reader.pts[0] if start > 0 else 0
        a_start = reader.times[start] if start > 0 else None
        a_end = reader.times[end] if end < n else None
        frames_iter = NativeFeed(reader, lo, hi) if native else reader.iter_frames(lo, hi)
        state = {"next": lo}

        def ensure(upto: int) -> None:
            t = time.monotonic()
            while state["next"] < upto:
                cancel.raise_if_cancelled()
                i, rgb, *deep = next(frames_iter)
                store.add(i, rgb, mask_fn(i), *deep)
                state["next"] = i + 1
            secs["decode"] += time.monotonic() - t

        smart = SmartRender(fmt_plan, source, reader.pts, start, end, mask_fn, smart_render and native)
        try:
            turned = native and info.rotation  # native samples are written as coded, with the rotation
            writer = VideoWriter(out, format=fmt, width=info.coded_width if turned else W,
                                 height=info.coded_height if turned else H, time_base=info.time_base, rate=info.rate,
                                 crf=crf, color=info, audio_from=source if (audio and (info.audio or any(
                                     s.get("type") == "subtitle" for s in info.streams))) else None,
                                 audio_start=a_start, audio_end=a_end, cancel=cancel, plan=fmt_plan,
                                 timecode=shift_timecode(info.timecode, start, info.rate),
                                 metadata=container_tags(info.metadata), rotation=info.rotation if turned else 0)
        except OSError as exc:
            smart.close()
            raise os_error(exc, out) from None
        except BaseException:
            smart.close()
            raise
        if smart.mode == "gop":
            writer.restamp([p - pts0 for p in reader.pts[start:end]], smart.depth)
        fill_writer = None
        if fill_layer is not None:
            try:
                fill_writer = FillLayerWriter(fill_layer, W, H, info.time_base, info.rate, info.color)
            except BaseException:
                writer.abort()
                raise
        done = 0
        resumed = 0
        completed = False

        def write(i: int, frame) -> None:
            try:
                pts = reader.pts[i] - pts0
                if frame is not None:  # None: copied from the source by smart.copy
                    if native:
                        writer.write_native(frame, pts, key=smart.key(i))
                    else:
                        writer.write(frame, pts)
                if native:
                    store[i].unpark()
                    store[i].native = None  # written: only its RGB is still needed (as a reference)
            except OSError as exc:
                raise os_error(exc, out) from None

        def can_copy(i: int) -> bool:
            """Frame i goes to the output as the source's packets (smart render)."""
            try:
                return smart.copy(i, store[i].hole, writer, pts0)
            except OSError as exc:
                raise os_error(exc, out) from None

        try:
            yield Progress(0, total, "export")
            t_wall = time.monotonic()
            if pipelined:
                from types import SimpleNamespace

                from .streamjob import pipelined_frames

                job = SimpleNamespace(
                    cancel=cancel, store=store, reach=reach, opts=opts, mask_fn=mask_fn, smart=smart,
                    chunks=[tuple(c) for c in chunks], partial=partial, start=start, end=end, lo=lo,
                    hi=hi, engine=eng, work=work, shots=shots, native=native, frames_iter=frames_iter,
                    fills=fills, fill_writer=fill_writer, W=W, H=H, writer=writer, write=write,
                    pts0=pts0, reader=reader, out=out, total=total, secs=secs)
                gen = pipelined_frames(job)
                try:
                    while True:
                        p = next(gen)
                        yield Progress(p.done, total, p.stage, _fmt_eta(eta.update(p)))
                except StopIteration as stop:
                    done, resumed = stop.value
                finally:
                    gen.close()
            else:
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
                            if native:
                                write(i, None if can_copy(i) else apply_native_patches(store[i].native, patches, i))
                            else:
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
                            if fills is not None:
                                fills(i, ev.rgb)
                            t0 = time.monotonic()
                            layers = None
                            copy = native and can_copy(i)
                            if fill_writer is not None or (native and not copy):
                                layers = restore_layers(i, ev.rgb, store, flows, opts, ev.correspondence,
                                                        align=store[i].native.sub if native else (0, 0))
                            if native:
                                o = None if copy else restore_native(i, ev.rgb, store, flows, opts,
                                                                              ev.correspondence, layers)
                                if o is not None:
                                    patches.update(native_patches(o, store[i].native, i))
                            else:
                                o = restore_frame(i, ev.rgb, store, flows, opts, ev.correspondence, layers)
                                patches[i] = patch_of(o, store[i].full)
                            if fill_writer is not None:
                                fill_writer.write(fill_rgba(layers, (W, H)), reader.pts[i] - pts0)
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
            if fill_writer is not None:
                fill_writer.close()
            wall = time.monotonic() - t_wall
            completed = True
        finally:
            smart.close()
            if not completed:
                writer.abort()
                if fill_writer is not None:
                    fill_writer.abort()
                if not keep_partial:
                    partial.remove()
        partial.remove()
    if write_masks:
        yield from _write_masks(Path(write_masks), mask_fn, g, start, end)
    return ExportResult(out, done, secs, eng.name, work, crf, resumed, stale_chunks=partial.stale,
                        copied=writer.copied, encoded=done - writer.copied,
                        encoding=fmt_plan.describe(), note=smart.note, wall=wall)


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
