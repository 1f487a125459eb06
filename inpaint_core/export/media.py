"""What the export job needs to stay faithful to the source's media: frames in their own sample
format, the source's packets for smart render, and resumable patches of native frames.

:class:`NativeFeed` decodes ``[start, end)`` once, in order, and gives each frame three ways: RGB
uint8 for the engine, the :class:`~inpaint_core.video.native.NativeFrame` for the composite, and
for sources deeper than 8 bits (H, W, 3) uint16 RGB for the residuals. :class:`PacketFeed` hands
out the source's compressed packet of a frame, for copying frames whose mask is empty.
"""

from __future__ import annotations

from collections.abc import Iterator

import av
import numpy as np

from ..errors import VideoError
from ..video.colors import SPACES, ColorRange, frame_to_rgb, frame_to_rgb16, name_of, sws_matrix
from ..video.decoder import DecodeHead
from ..video.native import NativeFrame, from_av, to_av
from .gop import SourcePackets
from .resume import changed_patch, paste


class NativeFeed:
    """Iterator of ``(i, rgb, native, full16)`` for frames ``start <= i < end`` of ``reader``'s file.

    ``rgb``: (H, W, 3) uint8; ``native``: :class:`NativeFrame`; ``full16``: (H, W, 3) uint16 or
    None for 8-bit sources. ``rgb`` and ``full16`` are turned upright (the reader's display
    orientation); ``native`` stays as coded, with its rotation in ``native.meta["rotation"]``."""

    def __init__(self, reader, start: int, end: int) -> None:
        self.reader = reader
        self.start, self.end = start, end
        self._it = self._gen()

    def __iter__(self):
        return self

    def __next__(self):
        return next(self._it)

    def _gen(self) -> Iterator[tuple[int, np.ndarray, NativeFrame, np.ndarray | None]]:
        r = self.reader
        index = r._index
        pos_of = r._pos_of
        head = DecodeHead(r.path, index, pos_of, 0)
        try:
            kpos = index.keyframe_at_or_before(self.start)
            while True:
                head.seek(kpos)
                first = None
                want = self.start
                last = None
                try:
                    for frame in head.frames:
                        p = frame.pts if frame.pts is not None else frame.dts
                        j = pos_of.get(p) if p is not None else None
                        if j is None:
                            continue
                        if first is None:
                            first = j
                            if j > want and kpos > 0:
                                break  # the seek landed after the start: go one keyframe back
                        if j < want:
                            continue
                        got = _three(frame, r.info.rotation)
                        # a picture the decoder dropped: the one before it stands in (as in the reader)
                        while want < min(j, self.end):
                            yield want, *(last or got)
                            want += 1
                        if j >= self.end:
                            return
                        yield j, *got
                        last = got
                        want = j + 1
                except av.error.FFmpegError as exc:
                    raise VideoError(f"{r.path}: decoding failed near frame {want} ({exc}).") from exc
                if first is not None and first > self.start and kpos > 0:
                    kpos -= 1
                    continue
                if want < self.end and last is None:
                    raise VideoError(f"{r.path}: frame {want} cannot be decoded; the file is damaged around it.")
                while want < self.end:  # pictures missing at the end: the last one stands in
                    yield want, *last
                    want += 1
                return
        finally:
            head.close()


def _three(frame: av.VideoFrame, rotation: int):
    nf = from_av(frame)
    nf.meta["rotation"] = rotation
    full16 = frame_to_rgb16(frame) if nf.bits > 8 else None
    if full16 is not None and rotation:
        full16 = np.ascontiguousarray(np.rot90(full16, k=-(rotation // 90)))
    rgb = frame_to_rgb(frame, rotation)
    if full16 is None and frame.format.name == nf.pix_fmt and not frame.format.is_rgb:
        nf.meta["rgb_again"] = _rgb_again(frame, rotation)
    return rgb, nf, full16


def _rgb_again(frame: av.VideoFrame, rotation: int):
    """A function that converts a :class:`NativeFrame` holding ``frame``'s samples to RGB exactly as
    :func:`frame_to_rgb` converted ``frame`` (the same matrix, range and rotation), so a frame's
    RGB can be dropped while its native samples are held and made again when needed."""
    fmt = frame.format.name
    full = int(frame.color_range) == 2 or fmt.startswith("yuvj")
    space = sws_matrix(name_of(SPACES, frame.colorspace), frame.height)
    rng = ColorRange.JPEG if full else ColorRange.MPEG

    def again(nf: NativeFrame) -> np.ndarray:
        rgb = to_av(nf).to_ndarray(format="rgb24", src_colorspace=space, src_color_range=rng)
        if rotation:
            rgb = np.rot90(rgb, k=-(rotation // 90))
        return np.ascontiguousarray(rgb)

    return again


class PacketFeed(SourcePackets):
    """The source's video packets by frame index, read in order (for intra-only codecs, where decode
    order is presentation order and every packet is a keyframe)."""

    def packet(self, i: int):
        """The packet of frame ``i`` (frames must be asked for in increasing order), or None."""
        want = self._pts[i]
        while True:
            pkt = self._held or next(self._it, None)
            self._held = None
            if pkt is None:
                return None
            if pkt.size == 0 or pkt.pts is None:
                continue
            if pkt.pts < want:
                continue
            if pkt.pts > want:
                self._held = pkt
                return None
            return pkt if pkt.is_keyframe else None


def native_patches(out: NativeFrame, src: NativeFrame, i: int) -> dict[int, tuple]:
    """Per plane, the samples where ``out`` differs from ``src`` (a patch of
    :func:`~.resume.changed_patch`), keyed ``i * 8 + plane`` (the form
    :class:`~inpaint_core.export.resume.PartialWork` stores)."""
    got = {}
    for k, (a, b) in enumerate(zip(out.planes, src.planes)):
        p = changed_patch(a, b)
        if p is not None:
            got[i * 8 + k] = p
    return got


def apply_native_patches(src: NativeFrame, patches: dict[int, tuple], i: int) -> NativeFrame:
    """``src`` with the planes' patches of frame ``i`` (see :func:`native_patches`) pasted in."""
    out = src.copy()
    for k, plane in enumerate(out.planes):
        got = patches.get(i * 8 + k)
        if got is not None:
            (x0, y0, x1, y1), pix, *bits = got
            paste(plane[y0:y1, x0:x1], pix, bits[0] if bits else None)
    return out


def shift_timecode(tc: str | None, frames: int, rate) -> str | None:
    """``tc`` ("HH:MM:SS:FF", or "HH:MM:SS;FF" for drop-frame) advanced by ``frames`` frames at
    ``rate``, for a range export that starts at frame ``frames``. Drop-frame timecodes (29.97 and
    59.94 fps) skip frame numbers 0-1 (0-3 at 59.94) at every minute not divisible by ten."""
    if not tc or frames <= 0:
        return tc
    try:
        drop = ";" in tc or "." in tc
        hh, mm, ss, ff = (int(v) for v in tc.replace(";", ":").replace(".", ":").split(":"))
    except ValueError:
        return tc
    nominal = max(1, round(float(rate)))
    skip = (2 if nominal == 30 else 4 if nominal == 60 else 0) if drop else 0
    minutes = 60 * hh + mm
    n = ((hh * 60 + mm) * 60 + ss) * nominal + ff - skip * (minutes - minutes // 10) + frames
    n %= 24 * 3600 * nominal - skip * (24 * 60 - 24 * 6)
    if skip:
        per10 = nominal * 600 - skip * 9
        d, m = divmod(n, per10)
        n += skip * 9 * d + (skip * ((m - skip) // (nominal * 60 - skip)) if m > skip else 0)
    ff, n = n % nominal, n // nominal
    ss, n = n % 60, n // 60
    mm, hh = n % 60, n // 60
    return f"{hh:02d}:{mm:02d}:{ss:02d}{';' if drop else ':'}{ff:02d}"


def container_tags(meta: dict) -> dict:
    """The source container's tags worth keeping in the output (creation time, title, ...): not
    those that describe the old file's muxing (brands, encoder), which the muxer writes anew."""
    skip = {"major_brand", "minor_version", "compatible_brands", "encoder", "duration", "timecode"}
    return {k: v for k, v in (meta or {}).items() if k.lower() not in skip}


class SmartRender:
    """Which frames of an export are copied from the source instead of re-encoded.

    ``mode``: ``"intra"`` (ProRes, MJPEG, PNG: any frame with an empty mask), ``"gop"`` (H.264,
    HEVC: whole closed GOPs inside the range with no masked frame; see :mod:`.gop`) or None.
    ``note``: a sentence for the user when long-GOP splicing is off for a matching source (why) or
    changed the file (HEVC: hev1). Must be made before the writer (it may set ``plan.codec_tag``).
    """

    def __init__(self, plan, source, pts: list[int], start: int, end: int, mask_fn, enabled: bool) -> None:
        self.mode = None
        self.note = ""
        self._pts, self._start, self._end, self._mask = pts, start, end, mask_fn
        self._feed = None
        self._clean: dict[int, bool] = {}
        self.depth = 0
        if not enabled:
            return
        if plan.copy_ok:
            self.mode = "intra"
            self._feed = PacketFeed(source, pts, start)
        elif getattr(plan, "gop_ok", False):
            from .gop import ENCODER_REORDER, GopLayout, GopPackets

            self.layout = GopLayout(source, pts)
            if not self.layout.ok:
                self.note = (f"long-GOP smart render is off for this source ({self.layout.why}); every "
                             "frame was re-encoded.")
                return
            if plan.codec == "libx265":
                # HEVC parameter sets may only sit in band under the hev1 sample entry (an hvc1 muxer
                # strips them), which QuickTime does not play: use it only when a GOP is copied.
                if not any(self._whole_clean(*self._gop(a)) for a in self.layout.starts):
                    return
                plan.codec_tag = "hev1"
                self.note = ("GOPs were copied from the HEVC source, so the file uses the hev1 sample entry "
                             "(parameter sets in band); QuickTime does not play hev1: export with "
                             "smart render off for an hvc1 file.")
            self.mode = "gop"
            self.depth = max(self.layout.depth, ENCODER_REORDER)
            self._feed = GopPackets(source, pts, start)

    def _gop(self, i: int) -> tuple[int, int]:
        a, b = self.layout.gop_of(i)
        return a, len(self._pts) if b is None else b

    def _whole_clean(self, a: int, b: int) -> bool:
        if a not in self._clean:
            self._clean[a] = a >= self._start and b <= self._end and not any(
                np.asarray(self._mask(k)).any() for k in range(a, b))
        return self._clean[a]

    def copy(self, i: int, hole: np.ndarray, writer, pts0: int) -> bool:
        """True when frame ``i`` goes to the output as source packets (written here, or already
        written with its GOP); False when it must be encoded."""
        if self.mode == "intra":
            if hole.any():
                return False
            pkt = self._feed.packet(i)
            if pkt is None:
                return False
            writer.copy_packet(pkt, self._pts[i] - pts0)
            return True
        if self.mode == "gop":
            a, b = self._gop(i)
            if not self._whole_clean(a, b):
                return False
            if i == a:
                pkts = self._feed.gop(a, b)
                if len(pkts) != b - a:
                    raise VideoError(f"GOP {a}..{b} of the source has {len(pkts)} packets for {b - a} frames.")
                writer.copy_packets(pkts, b - a, self._pts[b - 1] - pts0, pts0, self.layout.prefix)
            return True
        return False

    def may_copy(self, i: int, hole: np.ndarray) -> bool:
        """Could frame ``i`` go out as source packets (:meth:`copy` then decides, writing them)?
        False means it must be restored and encoded."""
        if self.mode == "intra":
            return not hole.any()
        if self.mode == "gop":
            return self._whole_clean(*self._gop(i))
        return False

    def key(self, i: int) -> bool:
        """Must encoded frame ``i`` be a keyframe (the first frame of a re-encoded GOP)?"""
        return self.mode == "gop" and (i == self._start or self._gop(i)[0] == i)

    def close(self) -> None:
        if self._feed is not None:
            self._feed.close()
