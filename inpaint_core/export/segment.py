"""Exports cut into segments that stitch back losslessly (the unit of a distributed batch).

:func:`export_segment` fills frames [a, b) of a clip with the chunk plan and the context frames of
the whole-clip export, and writes them as lossless FFV1 (in the source's own sample format, as the ``.mkv`` export does) into a
Matroska file, so a segment
holds exactly the frames the single-machine export would encode for that range. :func:`encode_segments`
decodes segments in order, in the source's own sample format, and encodes them once into the final
file with the encode plan, smart render, timestamps, tags and audio that
:func:`~inpaint_core.export.export_video` uses for the whole clip.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from pathlib import Path

import numpy as np

from ..jobs import CancelToken, Progress
from .job import ExportResult, _scan_shots, context_reach, export_video
from .settings import default_crf


def scan_shots(source, cancel: CancelToken | None = None) -> Generator[Progress, None, list[tuple[int, int]]]:
    """Shot ranges of the whole clip, found as the export finds them (yields Progress)."""
    from ..video import VideoReader

    with VideoReader(source, cache_bytes=8 * 1024 * 1024) as reader:
        return (yield from _scan_shots(reader, 0, len(reader), cancel or CancelToken()))


def segment_context(a: int, b: int, shot: tuple[int, int], residuals: str) -> tuple[int, int]:
    """Frames (lo, hi) a segment [a, b) inside ``shot`` must decode so its chunks see what they see
    in a whole-clip export: ``context_reach`` frames on each side, never outside the shot."""
    r = context_reach(residuals)
    return max(shot[0], a - r), min(shot[1], b + r)


def export_segment(source, masks, out, chunks: Sequence[tuple[int, int]], shots: list[tuple[int, int]], *,
                   residuals: str = "both", cancel: CancelToken | None = None,
                   **settings) -> Generator[Progress, None, ExportResult]:
    """Fill the frames of ``chunks`` (consecutive (a, b) chunks of the whole-clip plan, inside one
    shot of ``shots``) and write them to ``out`` (a ``.mkv``: FFV1 in the source's sample format, no audio, atomically).

    ``settings``: the :func:`export_video` options (engine, engine_options, work_size, grow, feather).
    Returns the :class:`ExportResult` of the segment.
    """
    chunks = [(int(a), int(b)) for a, b in chunks]
    a, b = chunks[0][0], chunks[-1][1]
    shot = next(((sa, sb) for sa, sb in shots if sa <= a < sb), (a, b))
    return (yield from export_video(
        source, masks, out, fmt="mkv", audio=False, start=a, end=b, shots=shots, chunks=chunks,
        context=segment_context(a, b, shot, residuals), residuals=residuals, cancel=cancel,
        keep_partial=False, **settings))


def _native_frames(path, like):
    """The frames of a segment (FFV1 in the source's own sample format) as
    :class:`~inpaint_core.video.native.NativeFrame`, in order, with the colour matrix and range
    of ``like`` (a native frame of the source, as :class:`.media.NativeFeed` reads it)."""
    import av

    from ..errors import VideoError
    from ..video.index import open_input, video_stream
    from ..video.native import from_av

    c = open_input(path)
    try:
        s = video_stream(c, path)
        try:
            for frame in c.decode(s):
                nf = from_av(frame, like.space)
                nf.space, nf.full_range, nf.meta = like.space, like.full_range, dict(like.meta)
                yield nf
        except av.error.FFmpegError as exc:
            raise VideoError(f"{path}: decoding the segment failed ({exc}).") from exc
    finally:
        c.close()


def _source_native(reader):
    """The first frame of ``reader``'s clip in its own samples (its colour matrix and range)."""
    from .media import NativeFeed

    it = NativeFeed(reader, 0, 1)
    _, _, nf, _ = next(it)
    return nf


def encode_segments(source, segments: Sequence[str | Path], out, *, fmt: str | None = None,
                    crf: int | None = None, audio: bool = True, masks=None, smart_render: bool = True,
                    cancel: CancelToken | None = None) -> Generator[Progress, None, int]:
    """Encode the frames of ``segments`` (in order; together the whole clip of ``source``) into
    ``out`` as :func:`export_video` of the whole clip would: the same
    :func:`~inpaint_core.video.match.plan_output` plan (codec, pixel format, profile, options) fed
    the segments' samples in the source's own format (no RGB step), the source's timestamps,
    colour tags, timecode, container tags, rotation, and all its audio and subtitle streams.
    ``masks`` (as for :func:`export_video`): with ``smart_render``, frames (intra-only codecs) or
    whole closed GOPs (H.264/HEVC) without a masked frame are copied from the source's packets, and
    the re-encoded GOPs start where the export starts them, so the output equals the export's.
    Without ``masks`` every frame is encoded. The target appears only when the file is complete.
    Returns the number of frames written."""
    from ..errors import VanishError
    from ..video import VideoReader, VideoWriter
    from ..video.match import plan_output
    from .media import SmartRender, container_tags, shift_timecode
    from .settings import mask_reader

    cancel = cancel or CancelToken()
    out = Path(out)
    with VideoReader(source, cache_bytes=1024 * 1024) as src:
        info, pts, n = src.info, list(src.pts), len(src)
        plan = plan_output(info, out, fmt)
        like = _source_native(src) if plan.native else None
    W, H = info.width, info.height
    fmt_key = {"h264": "mp4"}.get(plan.format.name, plan.format.name)
    if crf is None:
        crf = default_crf(info.bit_rate, (W, H), float(info.fps), str(fmt_key))
    mask_fn = mask_reader(masks, n, (W, H)) if masks is not None else None
    smart = SmartRender(plan, source, pts, 0, n, mask_fn, bool(smart_render and plan.native and mask_fn))
    turned = plan.native and info.rotation
    try:
        writer = VideoWriter(out, format=fmt, width=info.coded_width if turned else W,
                             height=info.coded_height if turned else H, time_base=info.time_base,
                             rate=info.rate, crf=crf, color=info,
                             audio_from=source if (audio and (info.audio or any(
                                 s.get("type") == "subtitle" for s in info.streams))) else None,
                             cancel=cancel, plan=plan, timecode=shift_timecode(info.timecode, 0, info.rate),
                             metadata=container_tags(info.metadata), rotation=info.rotation if turned else 0)
    except BaseException:
        smart.close()
        raise
    if smart.mode == "gop":
        writer.restamp(pts, smart.depth)
    done = 0
    try:
        yield Progress(0, n, "joining segments")
        for seg in segments:
            if plan.native:
                frames = _native_frames(seg, like)
            else:
                r = VideoReader(seg, cache_bytes=1024 * 1024)
                frames = (rgb for _, rgb in r.iter_frames())
            try:
                for frame in frames:
                    cancel.raise_if_cancelled()
                    if done >= n:
                        raise VanishError(f"The segments of {out} hold more frames than the clip ({n}).")
                    if not plan.native:
                        writer.write(frame, pts[done])
                    elif not (smart.mode and smart.copy(done, np.asarray(mask_fn(done)), writer, 0)):
                        writer.write_native(frame, pts[done], key=smart.key(done))
                    done += 1
            finally:
                frames.close()
                if not plan.native:
                    r.close()
            yield Progress(done, n, "joining segments")
        if done != n:
            raise VanishError(f"The segments of {out} hold {done} frames but the clip has {n}.")
        writer.close()
    finally:
        smart.close()
        writer.abort()  # no-op once closed
    return done
