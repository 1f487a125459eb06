"""One demuxer + decoder positioned somewhere in a video file (a "decode head").

A :class:`~inpaint_core.video.reader.VideoReader` keeps a few heads so that a request just after
any of them continues decoding instead of seeking (scrubbing between two places, or a preview
worker and the user reading different parts of the same clip).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import av
import numpy as np

from ..errors import VideoError
from .colors import frame_to_rgb
from .index import FrameIndex, open_input, video_stream


class DecodeHead:
    """Decodes frames in order from a keyframe; ``pos`` is the last frame index it produced."""

    def __init__(self, path: str, index: FrameIndex, pos_of: dict[int, int], rotation: int) -> None:
        self.path = path
        self.index = index
        self.pos_of = pos_of
        self.rotation = rotation
        self.container = None
        self.stream = None
        self.frames: Iterator[av.VideoFrame] | None = None
        self.pos: int | None = None
        self.landed: int | None = None  # index of the first frame decoded after the last seek
        self.target_pts = 0
        self.last_used = 0
        self.open()

    def open(self) -> None:
        self.container = open_input(self.path)
        self.stream = video_stream(self.container, self.path)
        self.stream.thread_type = "AUTO"
        self.frames = None
        self.pos = None

    def close(self) -> None:
        if self.container is not None:
            self.container.close()
            self.container = None
        self.frames = None
        self.pos = None

    def can_continue_to(self, i: int, key: int, seek_cost: int) -> bool:
        """True when decoding on from ``pos`` to ``i`` is cheaper than seeking to keyframe ``key``."""
        return (self.frames is not None and self.pos is not None and self.pos < i
                and i - self.pos <= i - key + seek_cost)

    def seek(self, kpos: int) -> None:
        """Position before keyframe ``index.keyframes[kpos]`` (reopens the file for the first)."""
        try:
            if kpos == 0:
                self.close()
                self.open()
            else:
                self.container.seek(self.index.seek_ts[kpos], stream=self.stream, backward=True,
                                    any_frame=False)
        except av.error.FFmpegError as exc:
            raise VideoError(f"{self.path}: seeking failed ({exc}). The file is damaged.") from exc
        self.frames = self._decode_gen()
        self.pos = None
        self.landed = None

    def _decode_gen(self) -> Iterator[av.VideoFrame]:
        stream = self.stream
        cc = stream.codec_context
        for pkt in self.container.demux(stream):
            if pkt.size and pkt.pts is not None:
                # Pictures shown before the target are only needed when something refers to them.
                cc.skip_frame = "NONREF" if pkt.pts < self.target_pts else "DEFAULT"
            elif not pkt.size:
                cc.skip_frame = "DEFAULT"
            try:
                frames = stream.decode(pkt)
            except av.error.InvalidDataError:
                continue  # a damaged packet: its picture is missing, later ones may decode
            yield from frames

    def advance(self, i: int, target_pts: int, keep: Callable[[int, np.ndarray], None]) -> np.ndarray | None:
        """Pull decoded frames until frame ``i``; RGB uint8 (H, W, 3), or None when this head
        started after ``i``. ``keep(j, rgb)`` receives a later frame decoded on the way when frame
        ``i`` itself never came out (a dropped picture: the one before it stands in)."""
        self.target_pts = target_pts
        last = None
        try:
            for frame in self.frames:
                p = frame.pts if frame.pts is not None else frame.dts
                j = self.pos_of.get(p) if p is not None else None
                if j is None:
                    continue
                if self.landed is None:
                    self.landed = j
                if j < i:
                    last = frame
                    self.pos = j
                    continue
                self.pos = j
                if j == i:
                    return frame_to_rgb(frame, self.rotation)
                if last is None:  # j > i: overshoot after a seek
                    self.frames = None
                    self.pos = None
                    return None
                keep(j, frame_to_rgb(frame, self.rotation))
                return frame_to_rgb(last, self.rotation)
        except av.error.FFmpegError as exc:
            raise VideoError(f"{self.path}: decoding failed near frame {i} ({exc}).") from exc
        self.frames = None
        self.pos = None
        if last is not None:
            return frame_to_rgb(last, self.rotation)
        return None
