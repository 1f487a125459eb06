"""The job behind ``vanish inpaint``: an engine's raw output at its working size.

Working size: ``size`` if given; else the engine's fixed size (STTN: 432x240, the source stretched
to it as in the STTN release, or letterboxed with ``pad``); else the source capped at the schema's
long side (:func:`inpaint_core.settings.working_size`). Output frame i carries input frame i's
timestamp; audio is copied.
"""

from __future__ import annotations

from pathlib import Path

import cv2

from ..clipsource import ResizedClipSource
from ..engines import DEFAULT_ENGINE, create_engine
from ..engines.base import Filled, in_order
from ..errors import VanishError
from ..jobs import CancelToken, Progress
from ..settings import working_size
from ..video import VideoReader, VideoWriter
from ..video.shots import detect_shots
from .settings import mask_reader


def inpaint_job(video, masks, out, engine: str | None = None, options: dict | None = None,
                size=None, fmt=None, pad: bool = False, grow: int | None = None, crf=None,
                audio: bool = True, find_shots: bool = True, cancel=None):
    """Generator job: fill ``video`` with ``engine`` and write ``out`` at working size. Yields
    Progress; returns (path, frame_count, working size)."""
    cancel = cancel or CancelToken()
    eng = create_engine(engine or DEFAULT_ENGINE, **(options or {}))
    with VideoReader(video) as reader:
        info = reader.info
        n = len(reader)
        src = (info.width, info.height)
        work = tuple(size) if size else working_size(src, eng.fixed_size)
        if eng.fixed_size and tuple(work) != tuple(eng.fixed_size):
            raise VanishError(f"The {eng.name} engine works at {eng.fixed_size[0]}x{eng.fixed_size[1]} "
                              f"only; leave out --size.")
        mask_fn = mask_reader(str(masks) if isinstance(masks, Path) else masks, n, src)
        shots = None
        if find_shots and n > 1:
            thumbs = []
            for i, rgb in reader.iter_frames():
                cancel.raise_if_cancelled()
                thumbs.append(cv2.resize(rgb, (64, 36), interpolation=cv2.INTER_AREA))
                if i % 16 == 0:
                    yield Progress(i, n, "finding shots")
            shots = detect_shots(thumbs)
        clip = ResizedClipSource(n, src, work, reader.frame, mask_fn,
                                 grow=eng.default_grow if grow is None else grow, shots=shots,
                                 cancel=cancel, mode="pad" if pad else "stretch")
        with VideoWriter(out, format=fmt, width=work[0], height=work[1], time_base=info.time_base,
                         rate=info.rate, crf=crf, color=info,
                         audio_from=video if (audio and info.audio) else None, cancel=cancel) as writer:
            for ev in in_order(eng.run(clip, range(n)), range(n), max_buffer=max(64, n)):
                if isinstance(ev, Filled):
                    writer.write(ev.rgb, reader.pts[ev.index])
                else:
                    yield ev
    return Path(out), n, work
