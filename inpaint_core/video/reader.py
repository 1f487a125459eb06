"""Frame-accurate random access to a video file.

:class:`VideoReader` indexes every frame's presentation timestamp on open (a packet pass, no
decode). ``frame(i)`` decodes from the nearest keyframe at or before frame i, or simply continues
when the decoder is already a little before i, so sequential reads cost one decode per frame.
Decoded RGB frames are kept in an LRU cache bounded in bytes. Non-reference pictures before the
requested one are skipped while seeking (they cannot influence later pictures), which makes random
access cheaper than a plain decode from the keyframe. Up to ``decoders`` decode heads stay where
they stopped, so that going back and forth between places continues decoding instead of seeking.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Iterator

import cv2
import numpy as np

from ..errors import VideoError
from .decoder import DecodeHead
from .index import FrameIndex, scan
from .info import VideoInfo

DEFAULT_CACHE_BYTES = 256 * 1024 * 1024
DEFAULT_DECODERS = 3  # decode heads kept positioned in the file (see decoder.py)
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
    since the first frame. ``cache_bytes`` bounds the frame cache (default 256 MiB); ``decoders``
    the decode heads kept open (default 3; each holds a decoder's reference pictures).
    Thread-safe (one lock around decoding).

    Raises :class:`VideoError` on open when the file is not a readable video.
    """

    def __init__(self, path: str | os.PathLike, cache_bytes: int = DEFAULT_CACHE_BYTES,
                 decoders: int = DEFAULT_DECODERS) -> None:
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
        self.max_decoders = max(1, int(decoders))
        self.seeks = 0  # number of seeks performed (for diagnostics and tests)
        self.seek_landed: int | None = None  # index of the first frame decoded after the last seek
        self._shots: list[tuple[int, int]] | None = info.shots
        self._uses = 0
        self._closed = False
        self._heads: list[DecodeHead] = [self._new_head()]

    # -- lifecycle -----------------------------------------------------------------------------

    def _new_head(self) -> DecodeHead:
        return DecodeHead(self.path, self._index, self._pos_of, self.info.rotation)

    def close(self) -> None:
        with self._lock:
            for h in self._heads:
                h.close()
            self._heads = []
            self._closed = True
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
            if self._closed:
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
        target = self.pts[i]
        self._uses += 1
        near = [h for h in self._heads if h.can_continue_to(i, key, SEEK_COST)]
        if near:
            head = max(near, key=lambda h: h.pos)
            head.last_used = self._uses
            got = head.advance(i, target, self.cache.put)
            if got is not None:
                return got
        idle = [h for h in self._heads if h.frames is None]
        if idle:
            head = idle[0]
        elif len(self._heads) < self.max_decoders:
            head = self._new_head()
            self._heads.append(head)
        else:
            head = min(self._heads, key=lambda h: h.last_used)
        head.last_used = self._uses
        for k in range(kpos, -1, -1):
            self.seeks += 1
            head.seek(k)
            got = head.advance(i, target, self.cache.put)
            if got is not None:
                self.seek_landed = head.landed
                return got
        raise VideoError(f"{self.path}: frame {i} cannot be decoded; the file is damaged around it.")
