"""The fill layer: only the restored fill, with the feathered mask as alpha, one frame per source
frame with the source's timestamps, for compositing over the untouched original in an editor.

Two forms, chosen by the path: a folder (no extension) gets a 16-bit RGBA PNG sequence
``fill_000000.png``... with ``timestamps.json``; a ``.mov`` file gets ProRes 4444 with a 16-bit
alpha channel (yuva444p10le, tagged with the source's colours). Written beside the target under a
temporary name and renamed when complete, like :class:`~inpaint_core.video.VideoWriter`.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import uuid
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
from av.video.reformatter import ColorRange

from ..errors import OutputError
from ..fsutil import place
from .colors import PRIMARIES, SPACES, TRCS, sws_matrix, value_of


class FillLayerWriter:
    """``write(rgba, pts)`` with ``rgba`` (H, W, 4) uint16; ``close()`` commits, ``abort()`` removes."""

    def __init__(self, path, width: int, height: int, time_base: Fraction, rate: Fraction, color=None) -> None:
        self.path = Path(path)
        ext = self.path.suffix.lower()
        if ext not in ("", ".mov"):
            raise OutputError(f"The fill layer is a folder (PNG RGBA sequence) or a .mov file (ProRes 4444 "
                              f"with alpha), not {ext!r}.")
        if self.path.exists() and (ext == "" and not self.path.is_dir() or ext and self.path.is_dir()):
            raise OutputError(f"{self.path} exists and is not a {'folder' if ext == '' else 'file'}.")
        self.width, self.height = width, height
        self.time_base, self.rate = Fraction(time_base), Fraction(rate)
        self.color = color
        parent = self.path.parent if str(self.path.parent) else Path(".")
        self._tmp = parent / f".{self.path.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp{ext}"
        self.pts: list[int] = []
        self._out = None
        if ext == "":
            self._tmp.mkdir()
        else:
            self._open_mov()

    def _open_mov(self) -> None:
        self._out = av.open(str(self._tmp), "w", format="mov")
        s = self._out.add_stream("prores_ks", rate=self.rate, options={"profile": "4", "alpha_bits": "16"})
        s.width, s.height, s.pix_fmt = self.width, self.height, "yuva444p10le"
        s.time_base = self.time_base
        cc = s.codec_context
        cc.time_base = self.time_base
        c = self.color
        self._space = getattr(c, "color_space", None) if c is not None else None
        if self._space in (None, "gbr"):
            self._space = "bt709" if self.height >= 720 else "smpte170m"
        cc.colorspace = value_of(SPACES, self._space) or 2
        cc.color_range = 1
        cc.color_primaries = value_of(PRIMARIES, getattr(c, "color_primaries", None)) or 2
        cc.color_trc = value_of(TRCS, getattr(c, "color_trc", None)) or 2
        self._stream = s

    def write(self, rgba: np.ndarray, pts: int) -> None:
        if self._out is None:
            name = self._tmp / f"fill_{len(self.pts):06d}.png"
            bgra = cv2.cvtColor(rgba, cv2.COLOR_RGBA2BGRA)
            if not cv2.imwrite(str(name), bgra, [cv2.IMWRITE_PNG_COMPRESSION, 1]):
                raise OutputError(f"Cannot write {name}.")
        else:
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgba), format="rgba64le")
            frame = frame.reformat(format="yuva444p10le", dst_colorspace=sws_matrix(self._space, self.height),
                                   dst_color_range=ColorRange.MPEG)
            frame.pts = int(pts)
            frame.time_base = self.time_base
            for p in self._stream.encode(frame):
                self._out.mux(p)
        self.pts.append(int(pts))

    def close(self) -> Path:
        if self._out is not None:
            for p in self._stream.encode(None):
                self._out.mux(p)
            self._out.close()
            self._out = None
            os.replace(self._tmp, self.path)
            return self.path
        p0 = self.pts[0] if self.pts else 0
        doc = {"format": "vanish-fill-layer", "version": 1, "width": self.width, "height": self.height,
               "frame_count": len(self.pts), "pattern": "fill_%06d.png", "bit_depth": 16,
               "time_base": f"{self.time_base.numerator}/{self.time_base.denominator}",
               "rate": f"{self.rate.numerator}/{self.rate.denominator}", "pts": self.pts,
               "times": [float((p - p0) * self.time_base) for p in self.pts]}
        (self._tmp / "timestamps.json").write_text(json.dumps(doc, indent=1), encoding="utf-8")
        place(self._tmp, self.path)
        return self.path

    def abort(self) -> None:
        if self._out is not None:
            with contextlib.suppress(av.error.FFmpegError, OSError):
                self._out.close()
            self._out = None
        if self._tmp.is_dir():
            shutil.rmtree(self._tmp, ignore_errors=True)
        else:
            self._tmp.unlink(missing_ok=True)
