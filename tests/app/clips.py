"""Small synthetic clips for the editor's tests (made with PyAV; no shared data needed)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np


def make_clip(path: Path, frames: int = 24, size: tuple[int, int] = (192, 108), fps: int = 24,
              audio: bool = True) -> Path:
    """Write an H.264 mp4 of a textured pattern moving right 2 px per frame (+ a 440 Hz AAC tone).

    Every frame is (h, w, 3) uint8; the texture makes inpainting outputs differ from the source."""
    w, h = size
    rng = np.random.default_rng(7)
    base = rng.integers(0, 255, (h, w * 2, 3), dtype=np.uint8)
    yy, xx = np.mgrid[0:h, 0 : w * 2]
    base[..., 0] = (xx * 3) % 256
    base[..., 1] = (yy * 5) % 256
    with av.open(str(path), "w") as c:
        vs = c.add_stream("libx264", rate=fps)
        vs.width, vs.height, vs.pix_fmt = w, h, "yuv420p"
        vs.options = {"crf": "12", "preset": "ultrafast", "g": "6"}
        ast = None
        if audio:
            ast = c.add_stream("aac", rate=48000)
            ast.layout = "mono"
        for i in range(frames):
            img = np.ascontiguousarray(base[:, 2 * i : 2 * i + w])
            for pkt in vs.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                c.mux(pkt)
        for pkt in vs.encode():
            c.mux(pkt)
        if ast is not None:
            n = int(48000 * frames / fps)
            t = np.arange(n) / 48000.0
            samples = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)[None, :]
            step = 1024
            for k in range(0, n, step):
                fr = av.AudioFrame.from_ndarray(np.ascontiguousarray(samples[:, k : k + step]), format="fltp",
                                                layout="mono")
                fr.sample_rate = 48000
                fr.pts = k
                fr.time_base = Fraction(1, 48000)
                for pkt in ast.encode(fr):
                    c.mux(pkt)
            for pkt in ast.encode():
                c.mux(pkt)
    return path
