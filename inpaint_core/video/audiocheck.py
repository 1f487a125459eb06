"""Finding audio tracks that are cut short: a file whose end is missing inside the audio (a
recording stopped abruptly, a copy cut off) still opens, with complete video, but its audio ends
early. Such a track is reported, never dropped or shortened silently.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass

import av

from .index import open_input


@dataclass(frozen=True)
class ShortAudio:
    """Audio stream ``index`` holds ``readable`` seconds of the ``expected`` its header declares."""

    index: int
    readable: float
    expected: float

    def describe(self, path) -> str:
        return (f"the audio track #{self.index} of {path} is cut short: it ends after "
                f"{self.readable:.2f} s but should last {self.expected:.2f} s (the file is incomplete "
                "inside the audio). The output's audio ends there too; add --no-audio to leave it out.")


def short_audio(path: str | os.PathLike) -> list[ShortAudio]:
    """Audio streams of ``path`` whose packets end before their declared length (MP4/MOV: fewer
    packets than the sample table lists; other containers: more than 0.25 s or 5 % short of the
    stream's duration). Demuxes the audio packets once (no decoding)."""
    out = []
    c = open_input(path)
    try:
        streams = list(c.streams.audio)
        if not streams:
            return []
        mp4 = "mp4" in c.format.name
        count = {s.index: 0 for s in streams}
        end = {s.index: 0.0 for s in streams}
        with contextlib.suppress(av.error.FFmpegError):  # a damaged tail: what was read before it counts
            for pkt in c.demux(streams):
                if pkt.size == 0 or pkt.pts is None:
                    continue
                count[pkt.stream_index] += 1
                end[pkt.stream_index] = max(end[pkt.stream_index],
                                            float((pkt.pts + (pkt.duration or 0)) * pkt.time_base))
        for s in streams:
            start = float(s.start_time * s.time_base) if s.start_time is not None else 0.0
            declared = float(s.duration * s.time_base) if s.duration else None
            readable = max(0.0, end[s.index] - start)
            if mp4 and s.frames and count[s.index] < s.frames:
                out.append(ShortAudio(s.index, readable, declared or readable))
            elif not mp4 and declared and declared - readable > max(0.25, 0.05 * declared):
                out.append(ShortAudio(s.index, readable, declared))
    finally:
        c.close()
    return out
