"""Long-GOP smart render for H.264 and HEVC: copy every GOP without a masked frame, re-encode the
others.

A GOP here is a keyframe (IDR) and the frames up to the next one. It can be copied when it is
*closed*: its packets are contiguous in decode order and refer to no frame outside it, which
:func:`closed_gops` checks on the packet timestamps (a frame shown before its GOP's keyframe but
decoded after it means an open GOP: no splicing then). The re-encoded GOPs start with a forced
IDR and carry their parameter sets in band (x264/x265 ``repeat-headers``); the copied GOPs get the
source's parameter sets (from its ``avcC`` / ``hvcC``) put in front of their IDR, so a decoder switches parameter
sets at every splice. Decode timestamps are rewritten on one scheme for the whole stream,
``dts[j] = pts of the (j - D)-th frame`` with ``D`` the largest reordering depth, so they increase
across the splices whatever each encoder's delay was.
"""

from __future__ import annotations

import av

from ..video.index import open_input, video_stream
from ..video.nal import avcc_parameter_sets, hvcc_parameter_sets

ENCODER_REORDER = 4  # x264's default B-frames (3) plus one: the most it reorders


class GopLayout:
    """Closed GOPs of an H.264 or HEVC stream: ``starts`` (presentation index of each GOP's keyframe),
    ``depth`` (largest reordering: decode position minus presentation index), ``prefix`` (the
    parameter sets for copied IDRs). ``ok`` is False, with ``why``, when splicing is not possible."""

    def __init__(self, path, pts: list[int]) -> None:
        self.ok = False
        self.why = ""
        self.starts: list[int] = []
        self.depth = 0
        self.prefix = None
        pos_of = {p: i for i, p in enumerate(pts)}
        c = open_input(path)
        try:
            s = video_stream(c, path)
            name = s.codec_context.name
            if name not in ("h264", "hevc"):
                self.why = "only H.264 and HEVC GOPs are spliced"
                return
            parse = avcc_parameter_sets if name == "h264" else hvcc_parameter_sets
            self.prefix = parse(s.codec_context.extradata)
            if self.prefix is None:
                self.why = f"the stream has no {'avcC' if name == 'h264' else 'hvcC'} record with 4-byte NAL lengths"
                return
            j = 0
            gop = -1
            for pkt in c.demux(s):
                if not pkt.size or pkt.pts is None:
                    continue
                i = pos_of.get(pkt.pts)
                if i is None:
                    self.why = "a packet's timestamp matches no frame"
                    return
                if pkt.is_keyframe:
                    self.starts.append(i)
                    gop = i
                if gop < 0 or i < gop:
                    self.why = "open GOP: a frame shown before its keyframe is decoded after it"
                    return
                self.depth = max(self.depth, j - i)
                j += 1
        except av.error.FFmpegError as exc:
            self.why = f"the packets cannot be read ({exc})"
            return
        finally:
            c.close()
        if self.starts != sorted(self.starts) or not self.starts or self.starts[0] != 0:
            self.why = "keyframes out of order"
            return
        self.ok = True

    def gop_of(self, i: int) -> tuple[int, int]:
        """(first, stop) presentation indices of the GOP holding frame ``i``."""
        from bisect import bisect_right

        k = bisect_right(self.starts, i) - 1
        stop = self.starts[k + 1] if k + 1 < len(self.starts) else None
        return self.starts[k], stop


class SourcePackets:
    """The source's video packets read sequentially from the keyframe at or before frame ``start``
    (``pts``: every frame's pts, presentation order); one packet can be held back for the next ask."""

    def __init__(self, path, pts: list[int], start: int) -> None:
        self._c = open_input(path)
        self._s = video_stream(self._c, path)
        self._pts = pts
        if start > 0:
            self._c.seek(pts[start], stream=self._s, backward=True, any_frame=False)
        self._it = self._c.demux(self._s)
        self._held = None

    def close(self) -> None:
        self._c.close()


class GopPackets(SourcePackets):
    """The source's packets of whole GOPs, in decode order, read sequentially."""

    def gop(self, a: int, b: int) -> list:
        """Packets of frames ``a <= i < b`` (one closed GOP, or the start of one), decode order."""
        want = set(self._pts[a:b])
        got = []
        while len(got) < len(want):
            pkt = self._held or next(self._it, None)
            self._held = None
            if pkt is None:
                break
            if not pkt.size or pkt.pts is None:
                continue
            if pkt.pts in want:
                got.append(pkt)
            elif pkt.pts > max(want):
                self._held = pkt
                break
        return got
