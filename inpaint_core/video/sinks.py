"""Back ends of :class:`~inpaint_core.video.writer.VideoWriter`: an encoded container, or a PNG
folder. Both write into a temporary path chosen by the writer; committing is the writer's job."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
from av.video.reformatter import ColorRange

from ..errors import OutputError
from .audio import SUBTITLE_COPY, AudioFeed
from .colors import PRIMARIES, RANGES, SPACES, TRCS, sws_matrix, value_of
from .formats import OutputFormat
from .info import ColorInfo
from .x264cpu import x264_params

AUDIO_LEAD = Fraction(1, 2)  # audio is muxed up to this far ahead of the last video frame


class EncodedSink:
    """Encodes RGB frames with PyAV into ``tmp`` (a file) in the given :class:`OutputFormat`."""

    def __init__(self, tmp: Path, fmt: OutputFormat, width: int, height: int, time_base: Fraction,
                 rate: Fraction, crf: int | None, codec: str | None, color: ColorInfo,
                 audio_from, audio_start, audio_end, preset: str | None = None, plan=None,
                 timecode: str | None = None, metadata: dict | None = None, rotation: int = 0) -> None:
        self.fmt = fmt
        self.plan = plan
        self.time_base = time_base
        self.color = color
        self.width, self.height = width, height
        codec = codec or fmt.codec
        # bitexact: no random segment/track ids, so the same export gives the same file
        self.out = av.open(str(tmp), mode="w", format=fmt.container, container_options={"fflags": "+bitexact"})
        for k, v in (metadata or {}).items():
            self.out.metadata[k] = v
        try:
            self.stream = self._add_video(codec, width, height, time_base, rate, crf, preset)
            self.audio = None
            if audio_from is not None:
                self.audio = AudioFeed(self.out, audio_from, fmt.audio_copy, fmt.audio_encoder,
                                       audio_start, audio_end, preroll=fmt.container in ("mp4", "mov"),
                                       subtitles=SUBTITLE_COPY.get(fmt.container, frozenset()))
            if timecode:
                self.stream.metadata["timecode"] = timecode
            if rotation:  # clockwise display rotation -> the display matrix (counter-clockwise)
                self.stream.set_display_rotation((360 - rotation) % 360)
        except BaseException:
            self.out.close()
            raise
        self._queue: list[list] = []  # [kind, packets or None] in output order (see _drain)
        self._dts = None  # the decode-timestamp scheme of a spliced stream (see restamp)
        self.copied = 0
        self.encoded = 0
        self._yuv = not self.stream.codec_context.pix_fmt.startswith(("gbr", "bgr", "rgb"))
        self._first = True

    def _add_video(self, codec, width, height, time_base, rate, crf, preset):
        fmt = self.fmt
        opts: dict[str, str] = {}
        pix_fmt = fmt.pix_fmt
        plan = self.plan
        if plan is not None:
            codec, pix_fmt, opts = plan.codec, plan.pix_fmt, dict(plan.options)
            if codec in ("libx264", "libx265"):
                opts["crf"] = str(crf if crf is not None else (fmt.default_crf or 18))
                if preset:
                    opts["preset"] = preset
                if codec == "libx265":
                    opts["x265-params"] = ":".join(["log-level=error"] + (
                        [plan.options["x265-params"]] if plan.options.get("x265-params") else []))
            elif codec == "libvpx-vp9":
                opts.update({"crf": str(crf if crf is not None else (fmt.default_crf or 32)), "b": "0",
                             "row-mt": "1", "deadline": "good", "cpu-used": "4"})
        elif codec in ("libx264", "libx265"):
            opts["crf"] = str(crf if crf is not None else (fmt.default_crf or 18))
            if preset:
                opts["preset"] = preset
            if codec == "libx265":
                opts["x265-params"] = "log-level=error"
            if pix_fmt not in ("yuv420p", "yuv422p", "yuv444p"):
                pix_fmt = "yuv420p"
        elif codec == "libvpx-vp9":
            opts.update({"crf": str(crf if crf is not None else (fmt.default_crf or 32)), "b": "0",
                         "row-mt": "1", "deadline": "good", "cpu-used": "4"})
        elif codec in ("prores_ks", "prores"):
            opts["profile"] = "2"  # ProRes 422 (standard)
            pix_fmt = "yuv422p10le"
        elif codec == "ffv1":
            opts.update({"level": "3", "slicecrc": "1", "slices": "4"})
        elif codec == "mpeg4":
            opts["qscale"] = str(crf if crf is not None else 3)
            pix_fmt = "yuv420p"
        if codec == "libx264":  # the same frames give the same bytes (see .x264cpu)
            params = x264_params(opts.get("x264-params"))
            if params:
                opts["x264-params"] = params
        try:
            stream = self.out.add_stream(codec, rate=rate, options=opts)
        except (av.error.FFmpegError, ValueError) as exc:
            raise OutputError(f"The encoder {codec!r} is not available in this FFmpeg build: {exc}.") from exc
        if codec != "ffv1" and ((pix_fmt.startswith("yuv420") and (width % 2 or height % 2))
                                or (pix_fmt.startswith("yuv422") and width % 2)):
            raise OutputError(
                f"{codec} with {pix_fmt} needs an even width{' and height' if pix_fmt.startswith('yuv420') else ''}"
                f", got {width}x{height}. Choose an even size or a lossless format (.mkv, PNG folder)."
            )
        stream.width, stream.height = width, height
        stream.pix_fmt = pix_fmt
        stream.time_base = time_base
        cc = stream.codec_context
        cc.time_base = time_base
        cc.framerate = rate
        if fmt.container in ("mp4", "mov") and codec == "libx265":
            cc.codec_tag = getattr(self.plan, "codec_tag", None) or "hvc1"
        c = self.color
        rgb = pix_fmt.startswith(("gbr", "bgr", "rgb"))
        cc.color_range = value_of(RANGES, "pc" if rgb else (c.color_range or "tv")) or 0
        cc.colorspace = 0 if rgb else (value_of(SPACES, c.color_space) or 2)
        cc.color_primaries = value_of(PRIMARIES, c.color_primaries) or 2
        cc.color_trc = value_of(TRCS, c.color_trc) or 2
        return stream

    def write(self, rgb: np.ndarray, pts: int) -> None:
        frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
        cc = self.stream.codec_context
        if self._yuv:
            full = self.color.color_range == "pc"
            frame = frame.reformat(
                format=cc.pix_fmt, dst_colorspace=sws_matrix(self.color.color_space, self.height),
                dst_color_range=ColorRange.JPEG if full else ColorRange.MPEG,
            )
        else:
            frame = frame.reformat(format=cc.pix_fmt)
        frame.pts = pts
        frame.time_base = self.time_base
        self._encode(frame)
        self._audio_to(pts)

    def write_native(self, nf, pts: int, key: bool = False) -> None:
        """Encode a :class:`~inpaint_core.video.native.NativeFrame` (converted only when the
        encoder's pixel format differs from the frame's)."""
        from .native import to_av

        frame = to_av(nf)
        if not nf.rgb:
            frame.colorspace = value_of(SPACES, nf.space) or 2
            frame.color_range = 2 if nf.full_range else 1
        cc = self.stream.codec_context
        if frame.format.name != cc.pix_fmt:
            if self._yuv:
                full = self.color.color_range == "pc"
                kw = {"dst_colorspace": sws_matrix(self.color.color_space, self.height),
                      "dst_color_range": ColorRange.JPEG if full else ColorRange.MPEG}
                if not nf.rgb:
                    kw.update(src_colorspace=sws_matrix(nf.space, self.height),
                              src_color_range=ColorRange.JPEG if nf.full_range else ColorRange.MPEG)
                frame = frame.reformat(format=cc.pix_fmt, **kw)
            else:
                frame = frame.reformat(format=cc.pix_fmt)
        frame.pts = pts
        frame.time_base = self.time_base
        if key:
            frame.pict_type = av.video.frame.PictureType.I
        self._encode(frame)
        self._audio_to(pts)

    def restamp(self, frame_pts: list[int], depth: int) -> None:
        """Rewrite every packet's decode timestamp as ``frame_pts[j - depth]`` for the j-th packet in
        decode order (extrapolated before the first frame), so that they increase across spliced
        GOPs whatever each encoder's delay was. ``frame_pts``: the output frames' pts, sorted."""
        step = frame_pts[1] - frame_pts[0] if len(frame_pts) > 1 else 1
        self._dts = (list(frame_pts), int(depth), max(1, step), [0])

    def copy_packets(self, pkts, frames: int, last_pts: int, pts0: int, prefix: bytes | None) -> None:
        """Mux the packets of a copied GOP (decode order): pts shifted by ``-pts0``; ``prefix``
        (parameter sets) put in front of the keyframe's data."""
        from .nal import annexb

        out = []
        for pkt in pkts:
            data = (prefix if prefix and pkt.is_keyframe else b"") + bytes(pkt)
            new = av.Packet(annexb(data))  # the muxer turns the stream's Annex B back into avc1
            new.pts = pkt.pts
            new.is_keyframe = pkt.is_keyframe
            pkt = new
            pkt.pts = pkt.pts - pts0
            pkt.dts = pkt.pts
            pkt.time_base = self.time_base
            pkt.stream = self.stream
            out.append(pkt)
        self._queue.append(["copy", out])
        self.copied += frames
        self._drain()
        self._audio_to(last_pts)

    def copy_packet(self, pkt, pts: int) -> None:
        """Mux a source packet unchanged as the frame at ``pts`` (smart render)."""
        pkt.pts = pts
        pkt.dts = pts
        pkt.time_base = self.time_base
        pkt.stream = self.stream
        self._queue.append(["copy", [pkt]])
        self.copied += 1
        self._drain()
        self._audio_to(pts)

    def _encode(self, frame) -> None:
        """Encode ``frame``; its packets are muxed in order with copied ones (an encoder may hold
        frames back, so a copied packet waits until every frame before it is out)."""
        self.encoded += 1
        cc = self.stream.codec_context
        # some encoders (ProRes) write the frame's own colour tags into the bitstream
        frame.color_primaries, frame.color_trc = cc.color_primaries, cc.color_trc
        frame.colorspace, frame.color_range = cc.colorspace, cc.color_range
        self._queue.append(["enc", None])
        self._take(self.stream.encode(frame))

    def _take(self, packets) -> None:
        for pkt in packets:
            for slot in self._queue:
                if slot[0] == "enc" and slot[1] is None:
                    slot[1] = [pkt]
                    break
            else:  # more packets than frames queued: mux at once
                self.out.mux(pkt)
        self._drain()

    def _drain(self) -> None:
        while self._queue and self._queue[0][1] is not None:
            for pkt in self._queue.pop(0)[1]:
                if self._dts is not None:
                    fpts, depth, step, count = self._dts
                    j = count[0] - depth
                    pkt.dts = fpts[j] if j >= 0 else fpts[0] - step * (-j)
                    count[0] += 1
                self.out.mux(pkt)

    def _audio_to(self, pts: int) -> None:
        if self.audio is not None:
            t = pts * self.time_base
            if self._first:
                self.audio.begin(t)
                self._first = False
            self.audio.feed_until(t + AUDIO_LEAD)

    def finish(self) -> None:
        self._take(self.stream.encode(None))
        for slot in self._queue:  # an encoder that swallowed a frame: keep the rest in order
            slot[1] = slot[1] or []
        self._drain()
        if self.audio is not None:
            self.audio.feed_until(None)
        self.close()

    def close(self) -> None:
        if self.audio is not None:
            self.audio.close()
            self.audio = None
        if self.out is not None:
            out, self.out = self.out, None
            out.close()


class PngSink:
    """Writes ``frame_000000.png``... and ``timestamps.json`` (time base, rate, pts, seconds)."""

    SIDECAR = "timestamps.json"

    def __init__(self, tmp: Path, width: int, height: int, time_base: Fraction, rate: Fraction,
                 color: ColorInfo) -> None:
        tmp.mkdir()
        self.dir = tmp
        self.width, self.height = width, height
        self.time_base, self.rate, self.color = time_base, rate, color
        self.pts: list[int] = []

    def write(self, rgb: np.ndarray, pts: int) -> None:
        name = self.dir / f"frame_{len(self.pts):06d}.png"
        ok, buf = cv2.imencode(".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_PNG_COMPRESSION, 1])
        if not ok:
            raise OutputError(f"Cannot encode {name.name} as PNG.")
        name.write_bytes(buf.tobytes())
        self.pts.append(int(pts))

    def finish(self) -> None:
        p0 = self.pts[0] if self.pts else 0
        doc = {
            "format": "vanish-png-sequence", "version": 1,
            "width": self.width, "height": self.height, "frame_count": len(self.pts),
            "pattern": "frame_%06d.png",
            "time_base": f"{self.time_base.numerator}/{self.time_base.denominator}",
            "rate": f"{self.rate.numerator}/{self.rate.denominator}",
            "pts": self.pts, "times": [float((p - p0) * self.time_base) for p in self.pts],
            "color_primaries": self.color.color_primaries, "color_trc": self.color.color_trc,
        }
        (self.dir / self.SIDECAR).write_text(json.dumps(doc, indent=1), encoding="utf-8")

    def close(self) -> None:
        return None


def read_png_timestamps(folder) -> dict:
    """Read a PNG sequence's ``timestamps.json``; ``time_base``/``rate`` become Fractions."""
    doc = json.loads((Path(folder) / PngSink.SIDECAR).read_text(encoding="utf-8"))
    doc["time_base"] = Fraction(doc["time_base"])
    doc["rate"] = Fraction(doc["rate"])
    return doc
