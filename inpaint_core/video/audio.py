"""Audio for an encoded output: copy the source's audio streams, or re-encode what the container
cannot hold, cut to a time range and placed in sync with the output's first video frame.

Timing: ``start``/``end`` are seconds on the source's timeline measured from the source's first
video frame (the reader's ``times``). Source second ``start`` plays with the first written video
frame. Copied audio is cut at packet boundaries (exact to one audio frame; MP4/MOV keep one
pre-roll packet before the cut behind an edit list); re-encoded audio is cut at the sample.
"""

from __future__ import annotations

import os
from fractions import Fraction

import av
import numpy as np

from ..errors import OutputError
from .index import open_input

#: subtitle codecs each container takes as they are (others are left out; see ``subtitle_losses``)
SUBTITLE_COPY = {"matroska": frozenset({"subrip", "srt", "ass", "ssa", "webvtt", "hdmv_pgs_subtitle",
                                        "dvd_subtitle"}),
                 "mov": frozenset({"mov_text"}), "mp4": frozenset({"mov_text"}), "webm": frozenset({"webvtt"})}


class AudioFeed:
    """Adds the audio streams of ``source`` to ``out`` and muxes them interleaved with the video;
    also its subtitle streams whose codec is in ``subtitles`` (copied, cut to the range: an event
    that starts before the range is left out)."""

    def __init__(self, out, source: str | os.PathLike, copyable: frozenset, encoder: str | None,
                 start: float | None, end: float | None, preroll: bool = False,
                 subtitles: frozenset = frozenset()) -> None:
        self._src = open_input(source)
        self._out = out
        self._start = Fraction(start or 0).limit_denominator(10**9)
        self._end = None if end is None else Fraction(end).limit_denominator(10**9)
        vs = self._src.streams.video
        v0 = vs[0].start_time * vs[0].time_base if vs and vs[0].start_time is not None else 0
        self._v0 = Fraction(v0)
        self._lanes: dict[int, _CopyLane | _EncodeLane] = {}
        for s in self._src.streams.audio:
            if s.codec_context.name in copyable:
                self._lanes[s.index] = _CopyLane(s, out.add_stream_from_template(s), preroll)
            elif encoder is not None:
                self._lanes[s.index] = _EncodeLane(s, out, encoder)
        for s in self._src.streams.subtitles:
            if s.codec_context is not None and s.codec_context.name in subtitles:
                dst = out.add_stream_from_template(s)
                for k, v in s.metadata.items():
                    dst.metadata[k] = v
                self._lanes[s.index] = _CopyLane(s, dst, False)
        self._packets = self._src.demux([self._src.streams[i] for i in self._lanes]) if self._lanes else None
        self._pending = None
        self._t0: Fraction | None = None
        self.done = not self._lanes

    def begin(self, t_first: Fraction) -> None:
        """Fix the output time (seconds) of the first video frame; audio is aligned to it."""
        self._t0 = t_first

    def feed_until(self, t_out: Fraction | None) -> None:
        """Mux audio up to output time ``t_out`` seconds (None: everything that is left)."""
        if self.done or self._t0 is None:
            return
        to_out = self._t0 - self._start  # seconds since the source's first frame -> output seconds
        try:
            while True:
                pkt = self._pending or next(self._packets, None)
                self._pending = None
                if pkt is None:
                    break
                lane = self._lanes.get(pkt.stream_index)
                if lane is None:
                    continue
                if pkt.pts is None:  # flush packet at the end of a stream
                    lane.flush(self._out)
                    continue
                rel = pkt.pts * pkt.time_base - self._v0  # seconds since the source's first frame
                if self._end is not None and rel >= self._end:
                    continue
                if t_out is not None and rel + to_out > t_out:
                    self._pending = pkt
                    return
                lane.put(self._out, pkt, rel, to_out, self._v0, self._start, self._end)
            for lane in self._lanes.values():
                lane.flush(self._out)
            self.done = True
        except av.error.FFmpegError as exc:
            raise OutputError(f"Writing the audio failed: {exc}.") from exc

    def close(self) -> None:
        self._src.close()


class _CopyLane:
    """Stream copy: packets are re-timed and muxed unchanged."""

    def __init__(self, src_stream, out_stream, preroll: bool) -> None:
        self.src = src_stream
        self.dst = out_stream
        self.preroll = preroll

    def put(self, out, pkt, rel, to_out, v0, start, end) -> None:
        eps = Fraction(1, 1000)
        if rel < start - eps:
            # Before the cut. MP4/MOV keep the one packet that ends at or after the cut (the AAC
            # priming packet, or the decoder's pre-roll) at a negative time hidden by an edit list;
            # other containers would shift every stream to avoid negative times, so it is dropped.
            dur = (pkt.duration or 0) * pkt.time_base
            if not self.preroll or rel + dur < start - eps:
                return
        tb = pkt.time_base
        delta = round((to_out - v0) / tb)
        pkt.pts = pkt.pts + delta
        if pkt.dts is not None:
            pkt.dts = pkt.dts + delta
        pkt.stream = self.dst
        out.mux(pkt)

    def flush(self, out) -> None:
        return None


class _EncodeLane:
    """Decode, cut at the sample, resample and encode (AAC, or Opus at 48 kHz for WebM)."""

    def __init__(self, src_stream, out, encoder: str) -> None:
        self.src = src_stream
        cc = src_stream.codec_context
        rate = cc.sample_rate or 48000
        if encoder == "libopus":
            rate = 48000
        layout = {1: "mono", 2: "stereo", 6: "5.1"}.get(cc.layout.nb_channels, "stereo")
        if encoder == "libopus" and layout == "5.1":
            layout = "stereo"
        self.dst = out.add_stream(encoder, rate=rate)
        self.dst.layout = layout
        self.rate = rate
        fmt = self.dst.codec_context.codec.audio_formats[0].name
        self.dst.format = fmt
        self.resampler = av.AudioResampler(format=fmt, layout=layout, rate=rate,
                                           frame_size=self.dst.codec_context.frame_size or None)
        self.to_planar = av.AudioResampler(format="fltp", layout=layout, rate=rate)
        self.next_sample: int | None = None
        self.src_pos: Fraction | None = None
        self.flushed = False

    def put(self, out, pkt, rel, to_out, v0, start, end) -> None:
        try:
            frames = self.src.decode(pkt)
        except av.error.InvalidDataError:
            return
        offset = pkt.pts * pkt.time_base - rel  # the source's first video frame, absolute seconds
        for fr in frames:
            if self.src_pos is None and fr.pts is not None:
                self.src_pos = fr.pts * fr.time_base - offset
            if self.src_pos is None:
                continue
            for planar in self.to_planar.resample(fr):
                arr = planar.to_ndarray()  # (channels, samples) float32 in [-1, 1]
                pos = self.src_pos
                self.src_pos += Fraction(arr.shape[1], self.rate)
                a = max(0, int(round((start - pos) * self.rate)))
                b = arr.shape[1] if end is None else min(arr.shape[1], int(round((end - pos) * self.rate)))
                if b <= a:
                    continue
                if self.next_sample is None:
                    self.next_sample = max(0, int(round((pos + Fraction(a, self.rate) + to_out) * self.rate)))
                self._encode(out, np.ascontiguousarray(arr[:, a:b]), planar.layout.name)

    def _encode(self, out, arr, layout) -> None:
        frame = av.AudioFrame.from_ndarray(arr, format="fltp", layout=layout)
        frame.sample_rate = self.rate
        for rf in self.resampler.resample(frame):
            self._mux(out, rf)

    def _mux(self, out, frame) -> None:
        frame.pts = self.next_sample
        frame.time_base = Fraction(1, self.rate)
        self.next_sample += frame.samples
        for p in self.dst.encode(frame):
            out.mux(p)

    def flush(self, out) -> None:
        if self.flushed:
            return
        self.flushed = True
        if self.next_sample is None:
            self.next_sample = 0
        for rf in self.resampler.resample(None):
            self._mux(out, rf)
        for p in self.dst.encode(None):
            out.mux(p)
