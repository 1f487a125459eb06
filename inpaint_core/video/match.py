"""Choosing how an export is encoded so that it keeps what the source has ("match source").

:func:`plan_output` turns the source's :class:`VideoInfo`, the output path and an optional
``--format`` into an :class:`EncodePlan`: encoder, pixel format, ProRes profile, options, whether
frames go to the encoder in the source's own samples (``native``), whether unmasked frames may be
packet-copied (``copy_ok``), and the ``losses``: plain sentences naming what the output cannot hold
and the faithful choice, for the CLI and the export dialog to show before encoding.

Without ``--format`` the output keeps the source's codec family where the extension can hold it:

========  ==========================================================================
``.mkv``  FFV1 lossless in the source's own sample format (bgr0/bgra for 8-bit RGB)
``.mov``  ProRes or DNxHR of the source's profile, H.264/HEVC/MJPEG/PNG for those
          sources, else ProRes 422 HQ (4444 for 4:4:4, RGB or alpha sources)
``.mp4``  H.264 or HEVC as the source (same bit depth and chroma), else H.264 at the
          source's bit depth and chroma where x264 takes them
``.webm`` VP9 (8-bit 4:2:0: this FFmpeg's VP9 encoder has no 10-bit)
========  ==========================================================================

An explicit ``--format`` keeps its documented codec (``mp4``/``h264``: 8-bit 4:2:0 H.264 that plays
everywhere; ``h265``: HEVC at the source's depth; ``mov``: ProRes matched to the source).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import av

from .formats import FORMATS, OutputFormat, output_format
from .info import VideoInfo

PRORES_PROFILES = {"Proxy": 0, "LT": 1, "Standard": 2, "HQ": 3, "4444": 4, "XQ": 5, "4444XQ": 5, "4444 XQ": 5}
PRORES_NAMES = {0: "Proxy", 1: "LT", 2: "422", 3: "422 HQ", 4: "4444", 5: "4444 XQ"}
INTRA_COPY = {"prores": "prores_ks", "mjpeg": "mjpeg", "png": "png", "dnxhd": "dnxhd"}
HDR_TRC = ("smpte2084", "arib-std-b67")


@dataclass(frozen=True)
class SourceFormat:
    """Sample format of a source: ``bits``, ``sub`` (log2 chroma x, y), ``alpha``, ``rgb``."""

    pix_fmt: str
    bits: int
    sub: tuple[int, int]
    alpha: bool
    rgb: bool
    native_ok: bool = True  # False: no planar equivalent (XYZ, Bayer...): the export goes through RGB

    @property
    def chroma(self) -> str:
        if self.rgb:
            return "rgb"
        return {(1, 1): "4:2:0", (1, 0): "4:2:2", (0, 0): "4:4:4"}.get(self.sub, f"sub{self.sub}")


def source_format(pix_fmt: str) -> SourceFormat:
    from .native import chroma_shift, planar_format

    try:
        f = av.VideoFormat(planar_format(pix_fmt))
    except ValueError:
        g = av.VideoFormat(pix_fmt)
        bits = max((c.bits for c in g.components), default=8)
        return SourceFormat(pix_fmt, bits, (0, 0), any(c.is_alpha for c in g.components), True, False)
    comps = list(f.components)
    return SourceFormat(f.name, max(c.bits for c in comps), (0, 0) if f.is_rgb else chroma_shift(f),
                        any(c.is_alpha for c in comps), bool(f.is_rgb))


@dataclass
class EncodePlan:
    """How the export is encoded (see the module docstring)."""

    format: OutputFormat
    codec: str
    pix_fmt: str
    options: dict = field(default_factory=dict)
    profile: str | None = None
    native: bool = False
    copy_ok: bool = False
    losses: list[str] = field(default_factory=list)
    matched: bool = False
    gop_ok: bool = False  # H.264/HEVC to the same codec and sample format: closed GOPs may be copied
    codec_tag: str | None = None  # the sample entry, where the default will not do (HEVC splicing: hev1)

    def describe(self) -> str:
        if self.codec == "prores_ks":
            name = "ProRes " + PRORES_NAMES.get(int(self.options.get("profile", 2)), "")
        elif self.codec == "dnxhd":
            name = str(self.options.get("profile", "dnxhd")).upper().replace("_", " ")
        else:
            name = {"libx264": "H.264", "libx265": "HEVC", "ffv1": "FFV1", "libvpx-vp9": "VP9"}.get(self.codec,
                                                                                                  self.codec)
        return f"{name} {self.pix_fmt}"


def _yuv(bits: int, sub: tuple[int, int], alpha: bool = False) -> str:
    s = {(1, 1): "420", (1, 0): "422"}.get(sub, "444")
    return f"yuv{'a' if alpha else ''}{s}p" + ("" if bits <= 8 else f"{bits}le")


def _best(codec: str, want: SourceFormat) -> str:
    """The pixel format of ``codec`` that keeps most of ``want`` (depth, then chroma, then alpha)."""
    have = [f.name for f in (av.codec.Codec(codec, "w").video_formats or [])]
    if want.pix_fmt in have:
        return want.pix_fmt
    cands = []
    for name in have:
        try:
            sf = source_format(name)
        except ValueError:
            continue
        if sf.pix_fmt != name and not (want.rgb and sf.rgb):
            continue
        depth_ok = sf.bits >= want.bits
        score = (depth_ok, -abs(sf.bits - want.bits) if depth_ok else sf.bits,
                 (sf.sub[0] <= want.sub[0] and sf.sub[1] <= want.sub[1]), sf.rgb == want.rgb,
                 sf.alpha == want.alpha, -(sf.sub[0] + sf.sub[1]))
        cands.append((score, name))
    return max(cands)[1] if cands else have[0]


def plan_output(info: VideoInfo, path, fmt: str | None = None) -> EncodePlan:
    """The :class:`EncodePlan` for exporting ``info``'s video to ``path`` (``fmt``: --format)."""
    of = output_format(path, fmt)
    src = source_format(info.pix_fmt)
    key = of.name
    if of.is_folder:
        plan = EncodePlan(of, "png", "rgb24")
    elif key == "mkv" and of.codec == "ffv1":
        pf = _best("ffv1", src)
        plan = EncodePlan(of, "ffv1", pf, {"level": "3", "slicecrc": "1", "slices": "4", "g": "1"})
        if (info.coded_width % 2 or info.coded_height % 2) and source_format(pf).sub != (0, 0):
            del plan.options["slices"]  # FFV1 cannot cut a subsampled odd-sized picture into 4 slices
    elif key == "mov":
        plan = _plan_mov(info, src, of, explicit=fmt is not None)
    elif key == "mp4" and fmt is None and info.codec in ("h264", "hevc"):
        codec = "libx264" if info.codec == "h264" else "libx265"
        plan = EncodePlan(of if codec == "libx264" else _h265(of), codec, _best(codec, src))
    elif key == "mp4":
        if fmt is None:
            plan = EncodePlan(of, "libx264", _best("libx264", src))
        else:
            plan = EncodePlan(of, "libx264", "yuv420p")
    elif key == "h265":
        plan = EncodePlan(of, "libx265", _best("libx265", src))
    elif key == "webm":
        plan = EncodePlan(of, "libvpx-vp9", "yuv420p")
    else:
        plan = EncodePlan(of, of.codec, of.pix_fmt)
    if plan.codec in ("libx264", "libx265") and plan.pix_fmt not in ("yuv420p", "yuv422p", "yuv444p") \
            and plan.pix_fmt.startswith("yuvj"):
        plan.pix_fmt = plan.pix_fmt.replace("yuvj", "yuv")
    x265, x264 = [], []
    if plan.codec == "libx265" and info.hdr:
        x265 = ["hdr10=1"] + [f"{k.replace('_', '-')}={v}" for k, v in info.hdr.items()]
    if plan.codec == "libx264" and info.hdr:
        x264 = [f"{'mastering-display' if k == 'master_display' else 'cll'}={v}" for k, v in info.hdr.items()]
    plan.native = not of.is_folder and src.native_ok
    if info.interlaced:  # the encoders here write progressive frames: no mixing with interlaced packets
        plan.copy_ok = False
    same = {"h264": "libx264", "hevc": "libx265"}.get(info.codec) == plan.codec
    if plan.native and same and plan.pix_fmt == src.pix_fmt and of.container in ("mp4", "mov") \
            and not info.interlaced:
        plan.gop_ok = True  # closed GOPs may be copied: re-encoded ones start with an IDR, headers in band
        plan.options["forced-idr"] = "1"
        (x264 if plan.codec == "libx264" else x265).append("repeat-headers=1")
    if x265:
        plan.options["x265-params"] = ":".join(x265)
    if x264:
        plan.options["x264-params"] = ":".join(x264)
    plan.matched = fmt is None
    plan.losses = losses(info, src, plan)
    return plan


def _h265(of: OutputFormat) -> OutputFormat:
    return OutputFormat("h265", of.container, "libx265", of.pix_fmt, of.audio_copy, of.audio_encoder, 20)


def _plan_mov(info: VideoInfo, src: SourceFormat, of: OutputFormat, explicit: bool) -> EncodePlan:
    if info.codec in ("h264", "hevc") and not explicit:
        codec = "libx264" if info.codec == "h264" else "libx265"
        fmt = OutputFormat("h264" if codec == "libx264" else "h265", "mov", codec, of.pix_fmt, of.audio_copy,
                           of.audio_encoder, 18 if codec == "libx264" else 20)
        return EncodePlan(fmt, codec, _best(codec, src))
    dnxhr = str(info.profile or "").upper().replace(" ", "_")
    if info.codec == "dnxhd" and dnxhr.startswith("DNXHR_") and not explicit:  # DNxHR of the same profile
        return EncodePlan(of, "dnxhd", _best("dnxhd", src), {"profile": dnxhr.lower()}, copy_ok=True)
    if info.codec in ("mjpeg", "png") and not explicit:  # intra-only: keep it, and copy unmasked frames
        opts = {"qmin": "1", "qmax": "3"} if info.codec == "mjpeg" else {}
        return EncodePlan(of, info.codec, _best(info.codec, src), opts, copy_ok=True)
    if info.codec == "prores":
        prof = PRORES_PROFILES.get(str(info.profile or "").strip(), 3)
    else:
        prof = 4 if (src.alpha or src.rgb or src.sub == (0, 0)) else 3
    if prof >= 4:
        pf = "yuva444p10le" if src.alpha else "yuv444p10le"
    else:
        pf = "yuv422p10le"
    plan = EncodePlan(of, "prores_ks", pf, {"profile": str(prof)}, PRORES_NAMES[prof])
    if prof >= 4 and src.alpha:
        plan.options["alpha_bits"] = "16"
    # copied packets must be of the profile the encoder writes: only when the source's is known
    plan.copy_ok = info.codec == "prores" and str(info.profile or "").strip() in PRORES_PROFILES
    return plan


def losses(info: VideoInfo, src: SourceFormat, plan: EncodePlan) -> list[str]:
    """Sentences naming what ``plan`` cannot keep of the source, each with the faithful choice."""
    if plan.codec == "png":
        out = []
        if src.bits > 8:
            out.append(f"the PNG sequence holds 8-bit RGB; the source is {src.bits}-bit")
        if src.alpha:
            out.append("the PNG sequence is written without the source's alpha")
        return [s + " (faithful choice: a .mkv file, FFV1 lossless)." for s in out]
    dst = source_format(plan.pix_fmt)
    lost = []
    if dst.bits < src.bits:
        lost.append(f"{src.bits}-bit samples become {dst.bits}-bit")
    if not src.rgb and not dst.rgb and (dst.sub[0] > src.sub[0] or dst.sub[1] > src.sub[1]):
        lost.append(f"{src.chroma} chroma becomes {dst.chroma}")
    if src.alpha and not dst.alpha:
        lost.append("the alpha channel is dropped")
    if info.color_trc in HDR_TRC and dst.bits <= 8:
        name = "HLG" if info.color_trc == "arib-std-b67" else "PQ (HDR10)"
        lost.append(f"the {name} HDR picture is squeezed into 8 bits (visible banding)")
    if info.hdr and plan.codec not in ("libx265", "libx264"):
        lost.append("the HDR10 mastering-display and light-level metadata are not written")
    out = subtitle_losses(info, plan)
    if info.interlaced:
        out.append("The source is interlaced; the export writes progressive frames (each frame's two fields "
                   "are filled and encoded together, not as fields), and copies no source packets.")
    if not lost:
        return out
    return out + [f"The output ({plan.describe()}) cannot hold what the source ({info.codec} {info.pix_fmt}) has: "
            + "; ".join(lost) + f". Faithful choice: {faithful_choice(info, src)}."]


def subtitle_losses(info: VideoInfo, plan: EncodePlan) -> list[str]:
    """A sentence when the output container cannot take some of the source's subtitle streams."""
    from .audio import SUBTITLE_COPY

    subs = [s["codec"] for s in info.streams if s.get("type") == "subtitle"]
    takes = SUBTITLE_COPY.get(plan.format.container or "", frozenset())
    left = sorted({c for c in subs if c not in takes})
    if not left:
        return []
    return [f"The subtitle stream(s) ({', '.join(left)}) cannot go into this {plan.format.name} output and are "
            "left out. Faithful choice: a .mkv file."]


def faithful_choice(info: VideoInfo, src: SourceFormat) -> str:
    if info.codec == "prores":
        return "a .mov file without --format (ProRes of the source's profile), or .mkv (FFV1, lossless)"
    if info.codec in ("h264", "hevc") and not src.alpha:
        fam = "H.264" if info.codec == "h264" else "HEVC"
        return f"a .mp4 or .mov file without --format ({fam} {info.pix_fmt}), or .mkv (FFV1, lossless)"
    return "a .mov file without --format (ProRes 4444/HQ), or .mkv (FFV1, lossless)"


__all__ = ["EncodePlan", "FORMATS", "SourceFormat", "plan_output", "source_format"]
