"""Small synthetic videos for tests, written with PyAV (no shared data needed).

``make_video(path, n=..., size=(w, h), fps=..., codec=..., vfr=False, rotate=0, audio=False,
gop=...)`` writes a clip and returns a :class:`SynthClip` (a list of the displayed RGB frames,
with ``.pts``, ``.time_base``, ``.times`` and ``.path``). Every frame carries its index in a row of
black/white blocks along the top edge, which :func:`frame_id` reads back even after lossy coding,
so a test can tell which frame a decoder returned. The container follows the extension
(.mp4, .mkv, .webm, .mov).
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np

TIME_BASE = Fraction(1, 90000)
MPEG4_TIME_BASE = Fraction(1, 12000)  # MPEG-4 Part 2 needs a time base below 1/65535
ID_BITS = 10
VFR_PATTERN = (1.0, 0.5, 1.5, 1.0, 2.0, 0.75)  # frame durations in units of 1/fps


def synth_frame(i: int, width: int, height: int) -> np.ndarray:
    """Frame ``i`` of the synthetic pattern: RGB uint8 (height, width, 3).

    A smooth colour gradient that drifts with i, a bright square moving across, and ``i`` coded in
    ``ID_BITS`` black/white blocks in the top band (see :func:`frame_id`).
    """
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    r = 128 + 90 * np.sin((x + 3 * i) / max(8.0, width / 6))
    g = 128 + 90 * np.cos((y - 2 * i) / max(8.0, height / 5))
    b = 60 + 120 * (x + y) / (width + height)
    img = np.stack([r, g, b], axis=-1).clip(0, 255).astype(np.uint8)
    s = max(4, min(width, height) // 5)
    cx = int((i * 7) % max(1, width - s))
    cy = int(height // 2 - s // 2 + (height // 4) * np.sin(i / 5.0))
    cy = min(max(cy, 0), height - s)
    img[cy:cy + s, cx:cx + s] = (250, 240, 40)
    bw, bh = _block(width, height)
    img[:bh] = 128
    for k in range(ID_BITS):
        if (i >> k) & 1:
            img[:bh, k * bw:(k + 1) * bw] = 255
        else:
            img[:bh, k * bw:(k + 1) * bw] = 0
    return img


def _block(width: int, height: int) -> tuple[int, int]:
    bw = max(2, width // ID_BITS)
    bh = max(4, height // 8)
    return bw, bh


def frame_id(rgb: np.ndarray) -> int:
    """The frame index coded in a synthetic frame (works after lossy compression)."""
    h, w = rgb.shape[:2]
    bw, bh = _block(w, h)
    v = 0
    for k in range(ID_BITS):
        patch = rgb[1:bh - 1, k * bw + 1:(k + 1) * bw - 1].astype(np.float32)
        if patch.mean() > 128:
            v |= 1 << k
    return v


def synth_pts(n: int, fps: float, vfr: bool = False, time_base: Fraction = TIME_BASE) -> list[int]:
    """Presentation timestamps (in ``time_base``) of ``n`` frames; irregular when ``vfr``."""
    step = 1 / (float(fps) * float(time_base))
    pts, t = [], 0.0
    for i in range(n):
        pts.append(int(round(t)))
        t += step * (VFR_PATTERN[i % len(VFR_PATTERN)] if vfr else 1.0)
    return pts


class SynthClip(list):
    """The displayed frames of a synthetic clip (RGB uint8, rotation applied) and their timing."""

    path: Path
    pts: list[int]
    time_base: Fraction
    times: list[float]
    rotate: int
    duration: float  # seconds from the first frame to the end of the last
    audio_duration: float | None


_CODEC_DEFAULTS = {
    ".mp4": "libx264", ".mov": "libx264", ".mkv": "libx264", ".webm": "libvpx-vp9",
}


def make_video(
    path: str | Path,
    n: int = 30,
    size: tuple[int, int] = (96, 64),
    fps: float = 25,
    codec: str | None = None,
    vfr: bool = False,
    rotate: int = 0,
    audio: bool = False,
    gop: int | None = None,
    bframes: int = 2,
    crf: int = 12,
    rotate_tag: bool = False,
    audio_codec: str | None = None,
) -> SynthClip:
    """Write a synthetic clip and return its displayed frames (see :class:`SynthClip`).

    ``size`` is the displayed (width, height); with ``rotate`` (clockwise degrees: 90, 180, 270)
    the stored pictures are turned the other way and a display matrix is written (or, with
    ``rotate_tag``, a ``rotate`` metadata tag, .mkv only) so that a correct reader shows ``size`` again.
    ``codec``: libx264 (default for mp4/mkv/mov), mpeg4 (MPEG-4 Part 2), libvpx-vp9 (webm), ffv1.
    ``audio`` adds a stereo 44.1 kHz AAC track (Opus at 48 kHz for webm; ``audio_codec`` picks
    another encoder, e.g. ``pcm_s16le`` in .mkv/.mov) as long as the video.
    ``gop`` is the keyframe interval (default: 12).
    """
    path = Path(path)
    if rotate_tag and path.suffix.lower() != ".mkv":
        raise ValueError("a 'rotate' tag only survives in .mkv; MP4/MOV store rotation as a display matrix")
    codec = codec or _CODEC_DEFAULTS.get(path.suffix.lower(), "libx264")
    w, h = size
    shown = [synth_frame(i, w, h) for i in range(n)]
    k = (rotate // 90) % 4
    stored = [np.ascontiguousarray(np.rot90(f, k=k)) for f in shown]  # undo a clockwise turn
    sh, sw = stored[0].shape[:2]
    tb = MPEG4_TIME_BASE if codec == "mpeg4" else TIME_BASE
    pts = synth_pts(n + 1, fps, vfr, tb)
    end, pts = pts[-1], pts[:-1]
    rate = Fraction(fps).limit_denominator(1001)
    out = av.open(str(path), mode="w")
    try:
        vs = _video_stream(out, codec, sw, sh, rate, gop or 12, bframes, crf, tb)
        if rotate:
            if rotate_tag:
                vs.metadata["rotate"] = str(rotate % 360)
            else:
                vs.set_display_rotation(-(rotate % 360))
        aud = None
        if audio:
            acodec = audio_codec or ("libopus" if path.suffix.lower() == ".webm" else "aac")
            aud = out.add_stream(acodec, rate=48000 if acodec == "libopus" else 44100)
            aud.layout = "stereo"
        for img, p, q in zip(stored, pts, pts[1:] + [end]):
            frame = av.VideoFrame.from_ndarray(img, format="rgb24")
            frame = frame.reformat(format=vs.codec_context.pix_fmt)
            frame.pts = p
            frame.duration = q - p
            frame.time_base = tb
            for pkt in vs.encode(frame):
                out.mux(pkt)
        for pkt in vs.encode(None):
            out.mux(pkt)
        duration = float((end - pts[0]) * tb)
        if aud is not None:
            _write_tone(out, aud, duration)
    finally:
        out.close()
    clip = SynthClip(shown)
    clip.path = path
    clip.pts = pts
    clip.time_base = tb
    clip.times = [float((p - pts[0]) * tb) for p in pts]
    clip.rotate = rotate % 360
    clip.duration = duration
    clip.audio_duration = duration if audio else None
    return clip


def _video_stream(out, codec, w, h, rate, gop, bframes, crf, tb):
    opts: dict[str, str] = {}
    pix = "yuv420p"
    if codec == "libx264":
        opts = {"crf": str(crf), "preset": "veryfast",
                "x264-params": f"keyint={gop}:min-keyint={gop}:scenecut=0:bframes={bframes}"}
    elif codec == "mpeg4":
        opts = {"bf": str(bframes)}
    elif codec == "libvpx-vp9":
        opts = {"crf": "20", "b": "0", "deadline": "realtime", "cpu-used": "8"}
    elif codec == "ffv1":
        pix = "bgr0"
    vs = out.add_stream(codec, rate=rate, options=opts)
    vs.width, vs.height, vs.pix_fmt = w, h, pix
    vs.time_base = tb
    vs.codec_context.time_base = tb
    vs.codec_context.gop_size = gop
    if codec == "mpeg4":
        vs.codec_context.bit_rate = 40 * w * h * int(round(float(rate)))
    return vs


def _write_tone(out, stream, seconds: float) -> None:
    rate = stream.codec_context.sample_rate
    fs = stream.codec_context.frame_size or 1024  # PCM encoders report 0: any chunk size works
    total = int(round(seconds * rate))
    t = np.arange(total) / rate
    wave = np.stack([0.3 * np.sin(2 * np.pi * 440 * t), 0.3 * np.sin(2 * np.pi * 660 * t)]).astype(np.float32)
    fmt = stream.codec_context.codec.audio_formats[0].name
    for start in range(0, total, fs):
        chunk = np.ascontiguousarray(wave[:, start:start + fs])
        frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="stereo")
        frame.sample_rate = rate
        if fmt != "fltp":
            frame = av.AudioResampler(format=fmt, layout="stereo", rate=rate).resample(frame)[0]
        frame.pts = start
        frame.time_base = Fraction(1, rate)
        for pkt in stream.encode(frame):
            out.mux(pkt)
    for pkt in stream.encode(None):
        out.mux(pkt)


def make_audio(path: str | Path, seconds: float = 1.0) -> Path:
    """Write an audio-only file (AAC in .m4a/.mp4, or the extension's default codec)."""
    path = Path(path)
    out = av.open(str(path), mode="w")
    try:
        st = out.add_stream("aac", rate=44100)
        st.layout = "stereo"
        _write_tone(out, st, seconds)
    finally:
        out.close()
    return path
