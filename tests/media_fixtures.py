"""Small clips in professional sample formats, made with PyAV for the faithful-media tests.

Every clip shows a smooth 2-D gradient (so 10/12-bit precision matters), a moving bright disc and
a static dark "logo" block at :data:`LOGO` (x0, y0, x1, y1): :func:`logo_mask` is the mask that
removes it.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np

W, H = 128, 72
LOGO = (40, 20, 80, 48)


def logo_mask(w: int = W, h: int = H) -> np.ndarray:
    m = np.zeros((h, w), np.uint8)
    x0, y0, x1, y1 = LOGO
    m[y0:y1, x0:x1] = 255
    return m


def rgb16(i: int, w: int = W, h: int = H) -> np.ndarray:
    """Frame ``i`` as (h, w, 3) uint16 RGB on the full 16-bit scale."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    g = 0.1 + 0.8 * (0.6 * x / w + 0.4 * y / h)
    img = np.stack([g, 0.9 * g + 0.05, 1.0 - 0.8 * g], axis=-1)
    cx, cy = 10 + 6 * i, h / 2 + 12 * np.sin(i / 3)
    disc = (x - cx) ** 2 + (y - cy) ** 2 < 64
    img[disc] = (0.95, 0.85, 0.2)
    x0, y0, x1, y1 = LOGO
    img[y0:y1, x0:x1] = (0.08, 0.1, 0.12)
    img[y0 + 6:y1 - 6, x0 + 6:x0 + 12] = (0.9, 0.9, 0.9)
    return np.clip(np.rint(img * 65535), 0, 65535).astype(np.uint16)


def alpha16(i: int, w: int = W, h: int = H) -> np.ndarray:
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    return np.clip(np.rint((0.3 + 0.7 * x / w) * 65535), 0, 65535).astype(np.uint16)


def _frame(i: int, pix_fmt: str, space: str, full: bool, w: int = W, h: int = H) -> av.VideoFrame:
    from av.video.reformatter import ColorRange

    from inpaint_core.video.colors import sws_matrix

    rgb = rgb16(i, w, h)
    if pix_fmt.startswith(("yuva", "gbrap")):
        rgba = np.concatenate([rgb, alpha16(i, w, h)[..., None]], axis=-1)
        src = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgba), format="rgba64le")
    else:
        src = av.VideoFrame.from_ndarray(rgb, format="rgb48le")
    if pix_fmt.startswith("gbr"):
        return src.reformat(format=pix_fmt)
    return src.reformat(format=pix_fmt, dst_colorspace=sws_matrix(space, h),
                        dst_color_range=ColorRange.JPEG if full else ColorRange.MPEG)


SPACE_IDS = {"bt709": 1, "smpte170m": 6, "bt2020nc": 9}


def make_clip(path: Path, codec: str, pix_fmt: str, *, n: int = 12, fps: int = 24, options=None,
              space: str = "bt709", primaries: int = 1, trc: int = 1, full: bool = False,
              audio: list[str] | None = None, timecode: str | None = None, profile: str | None = None,
              codec_tag: str | None = None, w: int = W, h: int = H, rotate_ccw: int = 0,
              metadata: dict | None = None) -> Path:
    """Encode ``n`` frames with ``codec`` in ``pix_fmt`` (tagged ``space``/``primaries``/``trc``),
    with one audio stream per entry of ``audio`` (encoder names) and a start ``timecode``."""
    out = av.open(str(path), "w")
    for k, v in (metadata or {}).items():
        out.metadata[k] = v
    s = out.add_stream(codec, rate=fps, options=dict(options or {}))
    s.width, s.height, s.pix_fmt = w, h, pix_fmt
    cc = s.codec_context
    cc.time_base = Fraction(1, fps)
    if profile is not None:
        cc.profile = profile
    if codec_tag:
        cc.codec_tag = codec_tag
    rgb = pix_fmt.startswith("gbr")
    cc.colorspace = 0 if rgb else SPACE_IDS[space]
    cc.color_primaries = primaries
    cc.color_trc = trc
    cc.color_range = 2 if (full or rgb) else 1
    if timecode:
        s.metadata["timecode"] = timecode
    if rotate_ccw:
        s.set_display_rotation(rotate_ccw)
    lanes = []
    for k, enc in enumerate(audio or []):
        a = out.add_stream(enc, rate=48000)
        a.layout = "stereo"
        if enc.startswith("pcm"):
            a.format = "s16"
        lanes.append((a, 440.0 * (k + 1)))
    samples = 48000 // fps
    pos = 0
    for i in range(n):
        fr = _frame(i, pix_fmt, space, full, w, h)
        fr.pts = i
        fr.time_base = Fraction(1, fps)
        fr.color_primaries, fr.color_trc = primaries, trc  # ProRes writes the frame's own tags
        if not rgb:
            fr.colorspace = SPACE_IDS[space]
            fr.color_range = 2 if full else 1
        for p in s.encode(fr):
            out.mux(p)
        for a, tone in lanes:
            t = (pos + np.arange(samples)) / 48000
            wave = (0.3 * np.sin(2 * np.pi * tone * t)).astype(np.float32)
            data = np.stack([wave, wave])
            fmt = a.codec_context.format.name
            if fmt == "s16":
                af = av.AudioFrame.from_ndarray((data * 32767).astype(np.int16).T.reshape(1, -1).copy(),
                                                format="s16", layout="stereo")
            else:
                af = av.AudioFrame.from_ndarray(data, format="fltp", layout="stereo")
            af.sample_rate = 48000
            af.pts = pos
            for p in a.encode(af):
                out.mux(p)
        pos += samples
    for p in s.encode(None):
        out.mux(p)
    for a, _ in lanes:
        for p in a.encode(None):
            out.mux(p)
    out.close()
    return path


def h264_bframes(path: Path) -> Path:
    """8-bit yuv420p H.264 (High) with B-frames, GOP 6, 18 frames."""
    return make_clip(path, "libx264", "yuv420p", n=18,
                     options={"bf": "2", "g": "6", "crf": "16", "preset": "ultrafast",
                              "x264-params": "b-adapt=0:scenecut=0"})


def prores_hq(path: Path, n: int = 8) -> Path:
    """10-bit 4:2:2 ProRes 422 HQ with PCM audio and a start timecode."""
    return make_clip(path, "prores_ks", "yuv422p10le", n=n, options={"profile": "3"},
                     audio=["pcm_s16le"], timecode="01:00:00:00")


def hevc_hlg(path: Path) -> Path:
    """10-bit HEVC Main 10 tagged HLG / BT.2020 with two AAC audio streams."""
    return make_clip(path, "libx265", "yuv420p10le", n=8, space="bt2020nc", primaries=9, trc=18,
                     options={"crf": "12", "preset": "ultrafast", "x265-params": "log-level=error"},
                     audio=["aac", "aac"], codec_tag="hvc1")


def ffv1_444p12(path: Path) -> Path:
    """12-bit 4:4:4 FFV1 in Matroska."""
    return make_clip(path, "ffv1", "yuv444p12le", n=6, options={"level": "3"})


def prores_4444_alpha(path: Path) -> Path:
    """ProRes 4444 with alpha (yuva444p10le)."""
    return make_clip(path, "prores_ks", "yuva444p10le", n=6, options={"profile": "4"})


def ffv1_gbrp(path: Path) -> Path:
    """RGB FFV1 (gbrp10le: FFV1 has no 8-bit planar RGB)."""
    return make_clip(path, "ffv1", "gbrp10le", n=6, options={"level": "3"})


def hevc_hdr10(path: Path) -> Path:
    """10-bit HEVC tagged PQ / BT.2020 with HDR10 mastering-display and light-level metadata."""
    return make_clip(path, "libx265", "yuv420p10le", n=4, space="bt2020nc", primaries=9, trc=16,
                     options={"crf": "12", "preset": "ultrafast", "x265-params": "log-level=error:hdr10=1:"
                              "master-display=G(13250,34500)B(7500,3000)R(34000,16000)WP(15635,16450)"
                              "L(10000000,1):max-cll=1000,400"}, codec_tag="hvc1")


def ffv1_rgb8(path: Path) -> Path:
    """8-bit RGB FFV1 (bgr0, which decodes as packed RGB: the samples of gbrp)."""
    return make_clip(path, "ffv1", "bgr0", n=4, options={"level": "3"})


def ffv1_gray10(path: Path) -> Path:
    """10-bit grey FFV1 (one plane)."""
    return make_clip(path, "ffv1", "gray10le", n=4, options={"level": "3"})


def with_subtitles(video: Path, path: Path, srt_text: str) -> Path:
    """``video``'s video stream and a SubRip subtitle stream (from ``srt_text``) in Matroska."""
    srt = path.with_suffix(".srt")
    srt.write_text(srt_text, encoding="utf-8")
    with av.open(str(video)) as v, av.open(str(srt)) as s, av.open(str(path), "w") as o:
        vo = o.add_stream_from_template(v.streams.video[0])
        so = o.add_stream_from_template(s.streams.subtitles[0])
        so.metadata["language"] = "eng"
        for p in v.demux(v.streams.video[0]):
            if p.size:
                p.stream = vo
                o.mux(p)
        for p in s.demux(s.streams.subtitles[0]):
            if p.size:
                p.stream = so
                o.mux(p)
    return path
