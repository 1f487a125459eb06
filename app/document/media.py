"""The open clip: video facts for the UI and independent readers for each worker thread.

Each thread that decodes (scrubbing, thumbnails, preview) gets its own ``VideoReader`` so that no
reader is shared between threads.
"""

from __future__ import annotations

import contextlib
from collections.abc import Generator
from fractions import Fraction
from pathlib import Path

import numpy as np

from inpaint_core.jobs import CancelToken, Progress

DEFAULT_CACHE_MB = 512


class MediaClip:
    """An opened video: ``path``, ``info`` (VideoInfo), ``frame_count``, ``size`` (w, h), ``rate``
    (frames per second as a Fraction), ``times`` (seconds of each frame from the first)."""

    def __init__(self, path: Path, reader, cache_bytes: int) -> None:
        self.path = Path(path)
        self.reader = reader  # used by the scrub decoder thread only
        self.info = reader.info
        self.frame_count = len(reader)
        self.size = (int(self.info.width), int(self.info.height))
        rate = getattr(self.info, "fps", None) or getattr(self.info, "rate", None) or Fraction(25)
        self.rate = Fraction(rate)
        try:
            self.times = list(reader.times)
        except Exception:
            self.times = [i / float(self.rate) for i in range(self.frame_count)]
        self.cache_bytes = cache_bytes
        self._extra: list = []

    @property
    def has_audio(self) -> bool:
        return bool(getattr(self.info, "audio", None))

    def new_reader(self, cache_bytes: int = 64 << 20):
        """A fresh reader of the same file for another thread (closed with :meth:`close`)."""
        from inpaint_core.video import VideoReader

        r = VideoReader(self.path, cache_bytes=cache_bytes)
        self._extra.append(r)
        return r

    def close(self) -> None:
        for r in [self.reader, *self._extra]:
            with contextlib.suppress(Exception):
                r.close()
        self._extra.clear()


def open_clip(path: str | Path, cache_mb: int = DEFAULT_CACHE_MB,
              cancel: CancelToken | None = None) -> Generator[Progress, None, MediaClip]:
    """Job: open ``path`` (builds the reader's frame index) and return a :class:`MediaClip`.

    Raises VideoError for files that are not readable video.
    """
    from inpaint_core.video import VideoReader

    yield Progress(0, 1, "Opening video")
    reader = VideoReader(Path(path), cache_bytes=int(cache_mb) << 20)
    if len(reader) == 0:
        reader.close()
        from inpaint_core.errors import VideoError

        raise VideoError(f"{path} holds no video frames. Choose another file.")
    yield Progress(1, 1, "Opening video")
    return MediaClip(Path(path), reader, int(cache_mb) << 20)


def timecode(i: int, rate: Fraction) -> str:
    """HH:MM:SS:FF of frame ``i`` at ``rate`` frames per second (frames counted at the rounded
    rate)."""
    fps = max(1, round(float(rate)))
    total_s, ff = divmod(int(i), fps)
    hh, rem = divmod(total_s, 3600)
    mm, ss = divmod(rem, 60)
    return f"{hh:02d}:{mm:02d}:{ss:02d}:{ff:02d}"


def to_rgb_contig(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=np.uint8)
