"""``probe(path, shots=False) -> VideoInfo``."""

from __future__ import annotations

import dataclasses
import os

from .index import scan
from .info import VideoInfo


def probe(path: str | os.PathLike, shots: bool = False) -> VideoInfo:
    """Describe the first video stream of ``path`` (and its audio streams).

    The frame count comes from a packet pass over the whole file (exact, no decode). With
    ``shots=True`` every frame is decoded once to find shot boundaries (see
    :func:`inpaint_core.video.shots.detect_shots`). Raises :class:`VideoError` for a file that is
    missing, empty, truncated, a folder, not a video, or without a video stream.
    """
    info, _ = scan(path)
    if not shots:
        return info
    from .reader import VideoReader
    from .shots import detect_shots

    with VideoReader(path, cache_bytes=0) as reader:
        found = detect_shots(reader)
    return dataclasses.replace(info, shots=found)
