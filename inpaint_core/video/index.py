"""Opening a video file and indexing its frames by demuxing packets (no full decode).

:func:`scan` is shared by :func:`~inpaint_core.video.probe` and
:class:`~inpaint_core.video.VideoReader`: it validates the file (decodes its first picture), lists
the presentation timestamps of every frame and the keyframes to seek from, and builds a
:class:`VideoInfo`.
"""

from __future__ import annotations

import os
from bisect import bisect_right
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av

from ..errors import VideoError
from .colors import PRIMARIES, RANGES, SPACES, TRCS, hdr_metadata, name_of
from .info import AudioInfo, VideoInfo


@dataclass
class FrameIndex:
    """Timestamps of a video stream, in ``time_base`` units.

    ``pts[i]`` is frame i's presentation timestamp (sorted); ``keyframes`` the sorted presentation
    indices of keyframes; ``seek_ts[k]`` the timestamp to seek to for keyframe ``keyframes[k]``:
    its presentation timestamp. (Seeking to the decode timestamp lands one keyframe early in MP4
    files with an edit list and in Matroska; the reader checks where a seek landed anyway.)
    """

    pts: list[int]
    keyframes: list[int]
    seek_ts: list[int]
    durations: list[int]

    def keyframe_at_or_before(self, i: int) -> int:
        """Position in ``keyframes`` of the last keyframe with index <= i (0 when none)."""
        return max(0, bisect_right(self.keyframes, i) - 1)


def open_input(path: str | os.PathLike) -> av.container.InputContainer:
    """Open a media file for reading; every failure becomes a :class:`VideoError`."""
    p = Path(path)
    if not p.exists():
        raise VideoError(f"Video not found: {p}. Check the path.")
    if p.is_dir():
        raise VideoError(f"{p} is a folder, not a video file. Give the path of a video file.")
    if p.stat().st_size == 0:
        raise VideoError(f"{p} is empty (0 bytes). It is not a video; re-copy or re-export it.")
    try:
        return av.open(str(p), mode="r")
    except PermissionError as exc:
        raise VideoError(f"Cannot read {p}: permission denied.") from exc
    except (av.error.FFmpegError, OSError, ValueError) as exc:
        raise VideoError(
            f"Cannot open {p} as a video ({_why(exc)}). The file is damaged, incomplete (cut short "
            "while copying or recording) or not a video format that FFmpeg understands."
        ) from exc


def _why(exc: Exception) -> str:
    msg = getattr(exc, "strerror", None) or str(exc)
    return msg.split(":")[0].strip() if msg else type(exc).__name__


def video_stream(container: av.container.InputContainer, path) -> av.video.stream.VideoStream:
    streams = [s for s in container.streams.video
               if not (s.disposition & av.stream.Disposition.attached_pic)]
    if not streams:
        kinds = sorted({s.type for s in container.streams})
        has = f" (it holds only {', '.join(kinds)})" if kinds else ""
        raise VideoError(f"{path} has no video stream{has}. Open a video file.")
    return streams[0]


def build_index(container, stream, path) -> FrameIndex:
    """Demux every packet of ``stream`` and collect timestamps and keyframes."""
    rows: list[tuple[int, int | None, bool, int]] = []
    try:
        for pkt in container.demux(stream):
            if pkt.size == 0 or pkt.is_discard:
                continue
            ts = pkt.pts if pkt.pts is not None else pkt.dts
            if ts is None:
                raise VideoError(f"{path} has packets without timestamps; remux it (e.g. to .mkv).")
            rows.append((ts, pkt.dts, bool(pkt.is_keyframe), int(pkt.duration or 0)))
    except av.error.FFmpegError as exc:
        if not rows:
            raise VideoError(f"Cannot read {path}: {_why(exc)}. The file is damaged.") from exc
        # A truncated or damaged tail: keep what was readable before it.
    if not rows:
        raise VideoError(f"{path} has a video stream without any frames.")
    rows.sort(key=lambda r: r[0])
    pts = [r[0] for r in rows]
    keyframes = [i for i, r in enumerate(rows) if r[2]] or [0]
    if keyframes[0] != 0:
        keyframes.insert(0, 0)
    seek_ts = [rows[k][0] for k in keyframes]
    return FrameIndex(pts, keyframes, seek_ts, [r[3] for r in rows])


def frame_durations(index: FrameIndex) -> list[int]:
    """Duration of each frame in ticks: the gap to the next pts; the last uses its packet duration."""
    pts = index.pts
    gaps = [b - a for a, b in zip(pts, pts[1:])]
    last = index.durations[-1] if index.durations[-1] > 0 else (sorted(gaps)[len(gaps) // 2] if gaps else 1)
    return gaps + [last]


def _rotation(frame, stream) -> int:
    """Clockwise display rotation in {0, 90, 180, 270} from the display matrix or 'rotate' tag."""
    ccw = 0.0
    try:
        ccw = float(frame.rotation or 0)
    except (AttributeError, TypeError, ValueError):
        ccw = 0.0
    cw = -ccw
    tags = {k.lower(): v for k, v in stream.metadata.items()}
    if ccw == 0 and "rotate" in tags:
        try:
            cw = float(tags["rotate"])
        except ValueError:
            cw = 0.0
    return int(round(cw / 90.0)) % 4 * 90


def _audio_info(container) -> list[AudioInfo]:
    out = []
    for s in container.streams.audio:
        cc = s.codec_context
        tb = s.time_base or Fraction(1, cc.sample_rate or 1)
        start = float(s.start_time * tb) if s.start_time is not None else 0.0
        tag_end = _parse_clock({k.lower(): v for k, v in s.metadata.items()}.get("duration", ""))
        if s.duration:
            dur = float(s.duration * tb)
        elif tag_end:  # Matroska: the track's end time
            dur = tag_end - start
        elif container.duration:
            dur = container.duration / 1e6 - start
        else:
            dur = 0.0
        out.append(AudioInfo(
            index=s.index, codec=cc.name, sample_rate=int(cc.sample_rate or 0),
            channels=int(getattr(cc, "channels", 0) or cc.layout.nb_channels),
            duration=dur, bit_rate=int(s.bit_rate or cc.bit_rate or 0) or None, time_base=Fraction(tb),
            frame_size=int(cc.frame_size or 0) or None,
        ))
    return out


def is_vfr(index: FrameIndex) -> bool:
    """True when frame durations differ by more than time-base rounding (1 tick + 2 %)."""
    d = frame_durations(index)[:-1]
    if len(d) < 2:
        return False
    med = sorted(d)[len(d) // 2]
    return any(abs(x - med) > 1 + 0.02 * med for x in d)


def scan(path: str | os.PathLike) -> tuple[VideoInfo, FrameIndex]:
    """Validate and index ``path``; returns its :class:`VideoInfo` (without shots) and index."""
    container = open_input(path)
    try:
        stream = video_stream(container, path)
        first = _first_frame(container, stream, path)
    finally:
        container.close()
    container = open_input(path)  # a fresh demuxer for the packet pass
    try:
        stream = video_stream(container, path)
        index = build_index(container, stream, path)
        declared = stream.frames if "mp4" in container.format.name else 0  # exact only in MP4/MOV
        if declared and len(index.pts) < declared:
            raise VideoError(
                f"{path} is truncated: only {len(index.pts)} of its {declared} frames are in the "
                "file. Copy or export it again completely."
            )
        cc = stream.codec_context
        tb = Fraction(stream.time_base)
        durs = frame_durations(index)
        span = index.pts[-1] - index.pts[0] + durs[-1]
        _check_complete(stream, container, float(span * tb), path)
        duration = float(span * tb) if span > 0 else 0.0
        n = len(index.pts)
        fps = Fraction(n) / (span * tb) if span > 0 else Fraction(stream.average_rate or 25)
        rate = Fraction(stream.average_rate or stream.guessed_rate or fps)
        rotation = _rotation(first, stream)
        cw, ch = first.width, first.height
        w, h = (ch, cw) if rotation in (90, 270) else (cw, ch)
        info = VideoInfo(
            path=str(path), container=container.format.name, codec=cc.name,
            width=w, height=h, coded_width=cw, coded_height=ch,
            fps=fps.limit_denominator(1_000_000), rate=rate, time_base=tb, frame_count=n,
            duration=duration, rotation=rotation, pix_fmt=first.format.name,
            color_range=name_of(RANGES, first.color_range),
            color_space=name_of(SPACES, first.colorspace),
            color_primaries=name_of(PRIMARIES, first.color_primaries),
            color_trc=name_of(TRCS, first.color_trc),
            bit_rate=int(stream.bit_rate or cc.bit_rate or 0) or None,
            variable_frame_rate=is_vfr(index), keyframe_count=len(index.keyframes),
            audio=_audio_info(container), profile=cc.profile or None,
            timecode=_timecode(container, stream), metadata=dict(container.metadata),
            streams=_streams(container), hdr=hdr_metadata(first), interlaced=bool(first.interlaced_frame),
        )
        return info, index
    finally:
        container.close()


def _parse_clock(text: str) -> float | None:
    """'00:00:01.200000000' -> 1.2 seconds (Matroska's per-track DURATION tag)."""
    try:
        h, m, sec = text.split(":")
        return int(h) * 3600 + int(m) * 60 + float(sec)
    except ValueError:
        return None


def _check_complete(stream, container, indexed: float, path) -> None:
    """Matroska/WebM: the per-track DURATION tag tells how long the video should be."""
    if "matroska" not in container.format.name:
        return
    tags = {k.lower(): v for k, v in stream.metadata.items()}
    expected = _parse_clock(tags.get("duration", ""))
    if expected and expected - indexed > max(0.25, 0.05 * expected):
        raise VideoError(
            f"{path} is truncated: it should last {expected:.2f} s but its video ends after "
            f"{indexed:.2f} s. Copy or export it again completely."
        )


def _first_frame(container, stream, path):
    try:
        for frame in container.decode(stream):
            return frame
    except av.error.FFmpegError as exc:
        raise VideoError(f"Cannot decode {path}: {_why(exc)}. The file is damaged.") from exc
    raise VideoError(f"{path} has a video stream but no picture could be decoded. The file is damaged.")


def _timecode(container, stream) -> str | None:
    """Start timecode: the video stream's tag (from a QuickTime ``tmcd`` track), else the file's."""
    for tags in (stream.metadata, container.metadata, *(s.metadata for s in container.streams.data)):
        tc = {k.lower(): v for k, v in tags.items()}.get("timecode")
        if tc:
            return tc
    return None


def _streams(container) -> list[dict]:
    """One dict per stream: index, type, codec, and the type's main properties."""
    out = []
    for s in container.streams:
        cc = s.codec_context
        name = cc.name if cc is not None else None
        if name is None and s.type == "data" and "timecode" in {k.lower() for k in s.metadata}:
            name = "tmcd (timecode)"
        d = {"index": s.index, "type": s.type, "codec": name}
        if s.type == "video" and cc is not None:
            d.update(width=cc.width, height=cc.height, pix_fmt=cc.pix_fmt, profile=cc.profile or None)
        elif s.type == "audio" and cc is not None:
            d.update(sample_rate=cc.sample_rate, channels=cc.layout.nb_channels, sample_format=cc.format.name
                     if cc.format else None)
        tags = {k.lower(): v for k, v in s.metadata.items()}
        for k in ("language", "timecode", "title", "handler_name"):
            if k in tags:
                d[k] = tags[k]
        out.append(d)
    return out
