"""Frames of a video file for segmentation and tracking (random access by index).

Uses the project's :class:`inpaint_core.video.VideoReader` when it is available; otherwise decodes
the video's frames with PyAV into memory (fine for the short clips this path serves).
Frames are (H, W, 3) uint8 RGB.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import VideoError


class VideoFrames:
    """``frame_count``, ``size`` (w, h) and ``frame(i)`` of a video file; a context manager."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise VideoError(f"Video not found: {self.path}")
        self._reader = None
        self._frames: list[np.ndarray] | None = None
        try:
            from ..video import VideoReader  # type: ignore[attr-defined]
        except ImportError:
            VideoReader = None
        if VideoReader is not None:
            self._reader = VideoReader(self.path)
            self._count = len(self._reader)
        else:
            self._frames = _decode_all(self.path)
            self._count = len(self._frames)
        if self._count == 0:
            raise VideoError(f"{self.path} has no video frames.")
        first = self.frame(0)
        self.size = (int(first.shape[1]), int(first.shape[0]))

    @property
    def frame_count(self) -> int:
        return self._count

    def frame(self, i: int) -> np.ndarray:
        if not 0 <= i < self._count:
            raise IndexError(f"frame {i} is outside 0..{self._count - 1}")
        if self._reader is not None:
            return self._reader.frame(i)
        return self._frames[i]

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
        self._frames = None

    def __enter__(self) -> VideoFrames:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _decode_all(path: Path) -> list[np.ndarray]:
    import av

    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise VideoError(f"{path} has no video stream.")
            return [np.ascontiguousarray(f.to_ndarray(format="rgb24"))
                    for f in container.decode(video=0)]
    except VideoError:
        raise
    except Exception as exc:
        raise VideoError(f"Cannot read {path} as a video ({exc}); check that the file is a complete "
                         "video.") from exc
