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
from ..settings import DEFAULT_FEATHER, DEFAULT_LONG_SIDE, ExportSettings
from ..sysmem import trim_heap
from .frames import FrameStore
from .lowres import lowres_plan
from .pipeline import RestoreOptions, restore_frame, run_engine
from .resume import PartialWork, apply_patch, os_error, patch_of
from .safety import check_encodable, guarded_export
from .settings import default_crf, mask_reader, plan_chunks
from .temporal import FlowCache

ENGINE_OVERLAP = 16  # frames of context the engine sees on each side of a chunk


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
) -> Generator[Progress, None, ExportResult]:
    """Export ``source`` (a video path) with the holes in ``masks`` filled, to ``out``.

    ``masks``: a mask image or folder path, an (H, W) uint8 array (stationary), a ``MaskStack`` or
    a callable ``i -> (H, W) uint8``, all at the source size. ``start``/``end``: the exported frame
    range [start, end) (0-based, ``end`` exclusive, default the whole clip). ``fmt``: output format
    (default from the extension); ``crf``: quality (default matched to the source's bit rate).
    ``write_masks``: a folder to which the composited (grown) masks are written as PNGs.
    ``long_side``: the working-size cap (see :func:`inpaint_core.settings.working_size`);
    ``feather`` None is the schema's default. ``fills``: called as ``fills(i, rgb)`` with each
    low-resolution fill ((h, w, 3) uint8 on the working canvas) as the engine delivers it. ``shots``: shot ranges (default: detected while scanning). Yields :class:`Progress`; returns an
    :class:`ExportResult`.
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
        W, H = info.width, info.height
        plan = lowres_plan((W, H), eng, ExportSettings(long_side=long_side or DEFAULT_LONG_SIDE, grow=grow),
                           work_size)
        geom, g, work = plan.geom, plan.grow, plan.work
        opts = RestoreOptions(residuals=opts_res, feather=DEFAULT_FEATHER if feather is None else float(feather))
        mask_fn = mask_reader(masks, n, (W, H))
        fmt_name = output_format(out, fmt)
        fmt_key = getattr(fmt_name, "name", fmt_name)
        check_encodable(fmt_name, out, source, W, H, end - start, n)  # before scanning, not at the encoder
        if crf is None:
            crf = default_crf(info.bit_rate, (W, H), float(info.fps), str(fmt_key))
        total = end - start
        eta = EtaEstimator()
        if shots is None:
            t0 = time.monotonic()
            shots = yield from _scan_shots(reader, start, end, cancel)
            secs["scan"] += time.monotonic() - t0
        chunks = plan_chunks(start, end, shots, chunk_frames)
        signature = {
            "source": str(Path(source).resolve()), "size": [W, H], "frames": n,
            "mtime": os.stat(source).st_mtime_ns, "engine": eng.name, "work": list(work),
            "engine_options": repr(sorted((engine_options or {}).items())),
            "residuals": opts_res, "grow": g, "feather": opts.feather, "range": [start, end],
            "chunks": [list(c) for c in chunks],
        }
        reach = max(max(opts.temporal.offsets) if opts_res in ("temporal", "both") else 0, ENGINE_OVERLAP)
        partial = PartialWork(out, signature, resume,
                              _chunk_digests(masks, mask_fn, chunks, shots, start, end, reach, cancel))
        if partial.stale:
            yield Progress(0, total, f"resume: {partial.stale} finished chunk(s) are made again (their masks changed)")
        store = FrameStore(geom, g, eng.default_grow, shots)
        flows = FlowCache(store, opts.temporal)
        pts0 = reader.pts[start] - reader.pts[0] if start > 0 else 0
        a_start = reader.times[start] if start > 0 else None
        a_end = reader.times[end] if end < n else None
        frames_iter = reader.iter_frames(start, end)
        state = {"next": start}

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
                store.evict_below(max(start, c0 - reach))  # forget first, then read ahead
                ensure(min(sb, end, c1 + reach))
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
                    ctx = range(max(sa, start, c0 - ENGINE_OVERLAP), min(sb, end, c1 + ENGINE_OVERLAP))
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
    return ExportResult(out, done, secs, eng.name, work, crf, resumed, partial.stale)


def _chunk_digests(masks, mask_fn, chunks, shots, start: int, end: int, reach: int,
                   cancel: CancelToken) -> dict[tuple[int, int], str]:
    """For each chunk, a digest of the masks of every frame its output depends on (the chunk and
    ``reach`` frames of context on each side, within its shot and the range). Per-frame digests
    come from the mask document when it has them (no pixels composed), else from the masks."""
    import hashlib

    frame_digest = getattr(masks, "frame_digest", None)
    per: dict[int, str] = {}

    def digest(i: int) -> str:
        if i not in per:
            cancel.raise_if_cancelled()
            if callable(frame_digest):
                per[i] = frame_digest(i)
            else:
                per[i] = hashlib.sha1(np.ascontiguousarray(mask_fn(i)).tobytes()).hexdigest()
        return per[i]

    out = {}
    for c0, c1 in chunks:
        sa, sb = next(((a, b) for a, b in shots if a <= c0 < b), (start, end))
        h = hashlib.sha1()
        for i in range(max(start, sa, c0 - reach), min(end, sb, c1 + reach)):
            h.update(f"{i}:{digest(i)};".encode())
        out[(c0, c1)] = h.hexdigest()
    return out


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
