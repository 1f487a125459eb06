"""Frame-accurate random access to a video file.

:class:`VideoReader` indexes every frame's presentation timestamp on open (a packet pass, no
decode). ``frame(i)`` decodes from the nearest keyframe at or before frame i, or simply continues
when the decoder is already a little before i, so sequential reads cost one decode per frame.
Decoded RGB frames are kept in an LRU cache bounded in bytes. Non-reference pictures before the
requested one are skipped while seeking (they cannot influence later pictures), which makes random
access cheaper than a plain decode from the keyframe.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Iterator

import av
import cv2
import numpy as np

from ..errors import VideoError
from .colors import frame_to_rgb
from .index import FrameIndex, open_input, scan, video_stream
from .info import VideoInfo

DEFAULT_CACHE_BYTES = 256 * 1024 * 1024
SEEK_COST = 8  # a seek costs about as much as decoding this many frames


class FrameCache:
    """LRU cache of frames (index -> ndarray) holding at most ``max_bytes`` of pixel data."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max(0, int(max_bytes))
        self.nbytes = 0
        self._d: OrderedDict[int, np.ndarray] = OrderedDict()

    def get(self, i: int) -> np.ndarray | None:
        arr = self._d.get(i)
        if arr is not None:
            self._d.move_to_end(i)
        return arr

    def put(self, i: int, arr: np.ndarray) -> None:
        if arr.nbytes > self.max_bytes:
            return
        old = self._d.pop(i, None)
        if old is not None:
            self.nbytes -= old.nbytes
        self._d[i] = arr
        self.nbytes += arr.nbytes
        while self.nbytes > self.max_bytes:
            _, ev = self._d.popitem(last=False)
            self.nbytes -= ev.nbytes

    def clear(self) -> None:
        self._d.clear()
        self.nbytes = 0

    def __len__(self) -> int:
        return len(self._d)

    def __contains__(self, i: int) -> bool:
        return i in self._d


class VideoReader:
    """Random access to the frames of a video, in presentation order.

    ``frame(i)`` returns RGB uint8 (H, W, 3) with rotation applied (a fresh array the caller may
    modify). ``pts[i]`` is frame i's timestamp in ``info.time_base`` units, ``times[i]`` seconds
    since the first frame. Thread-safe (one lock around the decoder).

    Raises :class:`VideoError` on open when the file is not a readable video.
    """

    def __init__(self, path: str | os.PathLike, cache_bytes: int = DEFAULT_CACHE_BYTES) -> None:
        self.path = str(path)
        info, index = scan(path)
        self.info: VideoInfo = info
        self._index: FrameIndex = index
        self.pts: list[int] = list(index.pts)
        tb = info.time_base
        self.times: list[float] = [float((p - self.pts[0]) * tb) for p in self.pts]
        self._pos_of = {p: i for i, p in enumerate(self.pts)}
        self.cache = FrameCache(cache_bytes)
        self._lock = threading.RLock()
        self._container = None
        self._stream = None
        self._frames: Iterator | None = None  # decoded frames from the current seek position
        self._pos: int | None = None  # index of the last frame taken from self._frames
        self._target_pts: int = 0
        self.seeks = 0  # number of seeks performed (for diagnostics and tests)
        self.seek_landed: int | None = None  # index of the first frame decoded after the last seek
        self._shots: list[tuple[int, int]] | None = info.shots
        self._open()

    # -- lifecycle -----------------------------------------------------------------------------

    def _open(self) -> None:
        self._container = open_input(self.path)
        self._stream = video_stream(self._container, self.path)
        self._stream.thread_type = "AUTO"
        self._frames = None
        self._pos = None

    def close(self) -> None:
        with self._lock:
            if self._container is not None:
                self._container.close()
                self._container = None
            self._frames = None
            self.cache.clear()

    def __enter__(self) -> VideoReader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __len__(self) -> int:
        return len(self.pts)

    @property
    def frame_count(self) -> int:
        return len(self.pts)

    @property
    def size(self) -> tuple[int, int]:
        """``(width, height)`` of the returned frames."""
        return (self.info.width, self.info.height)

    # -- access --------------------------------------------------------------------------------

    def frame(self, i: int) -> np.ndarray:
        """Frame ``i`` (0-based, presentation order) as RGB uint8 (H, W, 3), a copy."""
        return self._get(i).copy()

    def _get(self, i: int) -> np.ndarray:
        n = len(self.pts)
        if not isinstance(i, (int, np.integer)) or not -n <= i < n:
            raise IndexError(f"frame {i} out of range: the video has {n} frames")
        i = int(i) % n
        with self._lock:
            if self._container is None:
                raise VideoError(f"{self.path}: the reader is closed.")
            hit = self.cache.get(i)
            if hit is not None:
                return hit
            rgb = self._decode_to(i)
            self.cache.put(i, rgb)
            return rgb

    def iter_frames(self, start: int = 0, stop: int | None = None) -> Iterator[tuple[int, np.ndarray]]:
        """Yield ``(i, rgb)`` for frames ``start <= i < stop`` in order (sequential decode)."""
        stop = len(self.pts) if stop is None else min(stop, len(self.pts))
        for i in range(max(0, start), stop):
            yield i, self.frame(i)

    def __iter__(self) -> Iterator[np.ndarray]:
        for _, rgb in self.iter_frames():
            yield rgb

    def shots(self) -> list[tuple[int, int]]:
        """Shot ranges ``[(start, stop), ...]`` (decodes every frame once; the result is kept)."""
        if self._shots is None:
            from .shots import detect_shots

            self._shots = detect_shots(self)
        return list(self._shots)

    def thumbnail(self, i: int, height: int) -> np.ndarray:
        """Frame ``i`` scaled to ``height`` pixels (aspect kept), RGB uint8 (height, w, 3)."""
        rgb = self._get(i)
        h, w = rgb.shape[:2]
        tw = max(1, round(w * height / h))
        return cv2.resize(rgb, (tw, int(height)), interpolation=cv2.INTER_AREA)

    # -- decoding ------------------------------------------------------------------------------

    def _decode_to(self, i: int) -> np.ndarray:
        kpos = self._index.keyframe_at_or_before(i)
        key = self._index.keyframes[kpos]
        pos = self._pos
        if self._frames is not None and pos is not None and pos < i and i - pos <= i - key + SEEK_COST:
            got = self._advance(i)
            if got is not None:
                return got
        for k in range(kpos, -1, -1):
            self._seek(k)
            got = self._advance(i)
            if got is not None:
                return got
        raise VideoError(f"{self.path}: frame {i} cannot be decoded; the file is damaged around it.")

    def _seek(self, kpos: int) -> None:
        self.seeks += 1
        ts = self._index.seek_ts[kpos]
        try:
            if kpos == 0:
                self._container.close()
                self._open()
            else:
                self._container.seek(ts, stream=self._stream, backward=True, any_frame=False)
        except av.error.FFmpegError as exc:
            raise VideoError(f"{self.path}: seeking failed ({exc}). The file is damaged.") from exc
        self._frames = self._decode_gen()
        self._pos = None
        self.seek_landed = None

    def _decode_gen(self) -> Iterator[av.VideoFrame]:
        stream = self._stream
        cc = stream.codec_context
        for pkt in self._container.demux(stream):
            if pkt.size and pkt.pts is not None:
                # Pictures shown before the target are only needed when something refers to them.
                cc.skip_frame = "NONREF" if pkt.pts < self._target_pts else "DEFAULT"
            elif not pkt.size:
                cc.skip_frame = "DEFAULT"
            try:
                frames = stream.decode(pkt)
            except av.error.InvalidDataError:
                continue  # a damaged packet: its picture is missing, later ones may decode
            yield from frames

    def _advance(self, i: int) -> np.ndarray | None:
        """Pull decoded frames until frame i; None when the decoder started after i."""
        target = self.pts[i]
        self._target_pts = target
        last = None
        try:
            for frame in self._frames:
                p = frame.pts if frame.pts is not None else frame.dts
                j = self._pos_of.get(p) if p is not None else None
                if j is None:
                    continue
                if self.seek_landed is None:
                    self.seek_landed = j
                if j < i:
                    last = frame
                    self._pos = j
                    continue
                if j == i:
                    self._pos = j
                    return frame_to_rgb(frame, self.info.rotation)
                # j > i: the picture at i never came out (overshoot after a seek, or a dropped frame)
                if last is None:
                    self._frames = None
                    self._pos = None
                    return None
                self.cache.put(j, frame_to_rgb(frame, self.info.rotation))
                self._pos = j
                return frame_to_rgb(last, self.info.rotation)
        except av.error.FFmpegError as exc:
            raise VideoError(f"{self.path}: decoding failed near frame {i} ({exc}).") from exc
        self._frames = None
        self._pos = None
        if last is not None:
            return frame_to_rgb(last, self.info.rotation)
        return None
