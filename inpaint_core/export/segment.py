"""Exports cut into segments that stitch back losslessly (the unit of a distributed batch).

:func:`export_segment` fills frames [a, b) of a clip with the chunk plan and the context frames of
the whole-clip export, and writes them as lossless FFV1 (RGB) into a Matroska file, so a segment
holds exactly the frames the single-machine export would encode for that range. :func:`encode_segments`
decodes segments in order and encodes them once into the final file with the source's timestamps,
colour tags and audio, as :func:`~inpaint_core.export.export_video` does for a whole clip.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from pathlib import Path

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
    shot of ``shots``) and write them to ``out`` (a ``.mkv``: FFV1 RGB, no audio, atomically).

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


def encode_segments(source, segments: Sequence[str | Path], out, *, fmt: str | None = None,
                    crf: int | None = None, audio: bool = True,
                    cancel: CancelToken | None = None) -> Generator[Progress, None, int]:
    """Encode the frames of ``segments`` (in order; together the whole clip of ``source``) into
    ``out`` with the source's timestamps, colour tags and audio. The target appears only when the
    file is complete. Returns the number of frames written."""
    from ..errors import VanishError
    from ..video import VideoReader, VideoWriter, output_format

    cancel = cancel or CancelToken()
    with VideoReader(source, cache_bytes=1024 * 1024) as src:
        info, pts, n = src.info, list(src.pts), len(src)
    W, H = info.width, info.height
    fmt_key = getattr(output_format(Path(out), fmt), "name", fmt)
    if crf is None:
        crf = default_crf(info.bit_rate, (W, H), float(info.fps), str(fmt_key))
    writer = VideoWriter(out, format=fmt, width=W, height=H, time_base=info.time_base, rate=info.rate,
                         crf=crf, color=info, audio_from=source if (audio and info.audio) else None,
                         cancel=cancel)
    done = 0
    try:
        yield Progress(0, n, "joining segments")
        for seg in segments:
            with VideoReader(seg, cache_bytes=1024 * 1024) as r:
                for _, rgb in r.iter_frames():
                    cancel.raise_if_cancelled()
                    if done >= n:
                        raise VanishError(f"The segments of {out} hold more frames than the clip ({n}).")
                    writer.write(rgb, pts[done])
                    done += 1
            yield Progress(done, n, "joining segments")
        if done != n:
            raise VanishError(f"The segments of {out} hold {done} frames but the clip has {n}.")
        writer.close()
    finally:
        writer.abort()  # no-op once closed
    return done
