"""``VideoWriter``: encode RGB frames with their timestamps, atomically.

Output goes to a hidden temporary file (or folder) beside the target and is renamed over it by
:meth:`VideoWriter.close`; :meth:`VideoWriter.abort`, an exception inside a ``with`` block, or a
cancellation removes it, so the target is either complete or untouched.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import uuid
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from ..errors import Cancelled, OutputError, VanishError
from ..fsutil import check_output_folder, is_disk_full, place
from ..jobs import CancelToken
from .colors import default_space
from .formats import OutputFormat, output_format
from .info import ColorInfo, VideoInfo
from .sinks import EncodedSink, PngSink


def _resolve_color(color, height: int) -> ColorInfo:
    """Colour tags for the output: the source's where known, else the player default for the size."""
    if isinstance(color, VideoInfo):
        src_h = color.height
        color = color.color
    else:
        src_h = height
    if color is None:
        color = ColorInfo()
    if isinstance(color, dict):
        color = ColorInfo(**{k: color.get(k) for k in ("color_range", "color_space", "color_primaries",
                                                         "color_trc")})
    space = color.color_space if color.color_space not in (None, "gbr") else default_space(src_h)
    prim = color.color_primaries or ("bt709" if space == "bt709" else "smpte170m")
    trc = color.color_trc or ("bt709" if space == "bt709" else "smpte170m")
    return ColorInfo(color.color_range or "tv", space, prim, trc)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists but belongs to someone else
        return True
    return True


def _sweep_stale_temps(folder: Path, name: str) -> None:
    """Remove the temporary outputs for ``name`` that a killed process left in ``folder``: their
    names carry the writing process's id, so a file whose process is gone is litter, while a live
    writer's file (another export to the same target) is left alone."""
    pattern = re.compile(rf"^\.{re.escape(name)}\.(\d+)-[0-9a-f]{{8}}\.tmp")
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            m = pattern.match(entry.name)
            if m and int(m.group(1)) != os.getpid() and not _pid_alive(int(m.group(1))):
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path, ignore_errors=True)
                else:
                    with contextlib.suppress(OSError):
                        os.unlink(entry.path)


class VideoWriter:
    """Writes RGB uint8 (height, width, 3) frames; frame i carries ``pts`` in ``time_base`` units.

    ``format``/``path`` choose the container and codec (see :mod:`.formats`); ``codec`` overrides
    the codec; ``crf`` the quality of H.264/H.265/VP9; ``preset`` the x264/x265 speed preset
    (default: the encoder's, ``medium``). ``color`` (a :class:`VideoInfo`, a
    :class:`ColorInfo` or a dict) gives the colour tags and YUV matrix. ``audio_from`` (a media
    path) adds its audio streams, cut to ``audio_start``..``audio_end`` seconds of the source and
    aligned with the first written frame (a PNG sequence holds no audio). ``cancel`` is checked on
    every write. ``plan`` (an :class:`~inpaint_core.video.match.EncodePlan`) overrides format, codec,
    pixel format and encoder options (the export's "match source"); ``timecode`` (``"HH:MM:SS:FF"``)
    is written as the start timecode, ``metadata`` as container tags, ``rotation`` (clockwise
    degrees) as the display rotation of frames given in coded orientation.

    Besides RGB frames (:meth:`write`) the writer takes frames in the source's own samples
    (:meth:`write_native`) and, for smart render, source packets (:meth:`copy_packet`,
    :meth:`copy_packets`); ``copied`` and ``encoded`` count them.

    Raises :class:`OutputError` (unwritable folder, disk full, bad format or size),
    :class:`VideoError` (unreadable audio source) and :class:`Cancelled`.
    """

    def __init__(self, path: str | os.PathLike, *, format: str | None = None, width: int, height: int,
                 time_base: Fraction, rate: Fraction, crf: int | None = None, codec: str | None = None,
                 color=None, audio_from: str | os.PathLike | None = None, audio_start: float | None = None,
                 audio_end: float | None = None, cancel: CancelToken | None = None,
                 preset: str | None = None, plan=None, timecode: str | None = None,
                 metadata: dict | None = None, rotation: int = 0) -> None:
        self.path = Path(path)
        self.plan = plan
        self.format: OutputFormat = plan.format if plan is not None else output_format(self.path, format)
        if width <= 0 or height <= 0:
            raise OutputError(f"Invalid output size {width}x{height}.")
        self.width, self.height = int(width), int(height)
        self.time_base = Fraction(time_base)
        self.rate = Fraction(rate)
        self.color = _resolve_color(color, self.height)
        self.cancel = cancel
        self.frames_written = 0
        self._last_pts: int | None = None
        self._closed = False
        parent = self.path.parent if str(self.path.parent) else Path(".")
        check_output_folder(parent)
        if self.format.is_folder and self.path.exists() and not self.path.is_dir():
            raise OutputError(f"{self.path} exists and is a file; a PNG sequence needs a folder name.")
        if not self.format.is_folder and self.path.is_dir():
            raise OutputError(f"{self.path} is a folder; give a file name for the video.")
        _sweep_stale_temps(parent, self.path.name)
        tag = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._tmp = parent / f".{self.path.name}.{tag}.tmp{'' if self.format.is_folder else self.path.suffix}"
        try:
            if self.format.is_folder:
                self._sink = PngSink(self._tmp, self.width, self.height, self.time_base, self.rate, self.color)
            else:
                self._sink = EncodedSink(self._tmp, self.format, self.width, self.height, self.time_base,
                                         self.rate, crf, codec, self.color, audio_from, audio_start, audio_end,
                                         preset, plan, timecode, metadata, rotation)
        except VanishError:
            self._remove_tmp()
            raise
        except (OSError, av.error.FFmpegError) as exc:
            self._remove_tmp()
            raise self._output_error(exc, "create") from exc

    def _output_error(self, exc: BaseException, what: str) -> OutputError:
        if is_disk_full(exc):
            return OutputError(f"The disk is full while writing {self.path}. Free some space and try again; "
                               "nothing was left at the target.")
        if isinstance(exc, PermissionError):
            return OutputError(f"Permission denied writing {self.path}. Choose a folder you can write to.")
        return OutputError(f"Cannot {what} {self.path}: {exc}.")

    # -- writing -------------------------------------------------------------------------------

    def write(self, rgb: np.ndarray, pts: int) -> None:
        """Encode one frame. ``rgb`` uint8 (height, width, 3); ``pts`` > the previous frame's."""
        rgb = np.asarray(rgb)
        if rgb.dtype != np.uint8 or rgb.shape != (self.height, self.width, 3):
            raise ValueError(f"expected uint8 ({self.height}, {self.width}, 3), got {rgb.dtype} {rgb.shape}")
        self._put(np.ascontiguousarray(rgb), pts, "rgb")

    def write_native(self, frame, pts: int, key: bool = False) -> None:
        """Encode one :class:`~inpaint_core.video.native.NativeFrame` (the source's own samples);
        a PNG sequence gets it as RGB. ``key``: make it a keyframe (IDR)."""
        self._put(frame, pts, "key" if key else "native")

    def copy_packets(self, packets, frames: int, last_pts: int, pts0: int, prefix: bytes | None = None) -> None:
        """Write the packets of a whole copied GOP (``frames`` frames, decode order; their pts are
        the source's minus ``pts0``; ``last_pts`` the largest). See ``EncodedSink.copy_packets``."""
        self._put((packets, frames, pts0, prefix), last_pts, "gop")

    def restamp(self, frame_pts: list[int], depth: int) -> None:
        """Decode timestamps of a spliced stream on one scheme (see ``EncodedSink.restamp``)."""
        self._sink.restamp(frame_pts, depth)

    def copy_packet(self, packet, pts: int) -> None:
        """Write a source packet unchanged as the next frame (smart render; the caller checked that
        the encoder's codec and parameters match the source's)."""
        self._put(packet, pts, "copy")

    @property
    def copied(self) -> int:
        return getattr(self._sink, "copied", 0)

    @property
    def encoded(self) -> int:
        return getattr(self._sink, "encoded", self.frames_written)

    def _put(self, item, pts: int, kind: str) -> None:
        if self._closed:
            raise OutputError(f"{self.path}: the writer is already closed.")
        if self.cancel is not None and self.cancel.cancelled:
            self.abort()
            raise Cancelled()
        pts = int(pts)
        if self._last_pts is not None and pts <= self._last_pts:
            raise ValueError(f"pts must increase: {pts} after {self._last_pts}")
        try:
            if kind == "rgb":
                self._sink.write(item, pts)
            elif isinstance(self._sink, PngSink):
                from .native import to_av

                rgb = to_av(item).to_ndarray(format="rgb24") if kind in ("native", "key") else None
                if rgb is None:
                    raise OutputError("A PNG sequence cannot take copied packets.")
                self._sink.write(rgb, pts)
            elif kind in ("native", "key"):
                self._sink.write_native(item, pts, key=kind == "key")
            elif kind == "gop":
                pkts, frames, pts0, prefix = item
                self._sink.copy_packets(pkts, frames, pts, pts0, prefix)
                self.frames_written += frames - 1
            else:
                self._sink.copy_packet(item, pts)
        except VanishError:
            self.abort()
            raise
        except (OSError, av.error.FFmpegError) as exc:
            self.abort()
            raise self._output_error(exc, "write") from exc
        self._last_pts = pts
        self.frames_written += 1

    def close(self) -> Path:
        """Finish encoding and move the result onto the target path. Returns the target."""
        if self._closed:
            return self.path
        if self.frames_written == 0:
            self.abort()
            raise OutputError(f"No frames were written to {self.path}; nothing was saved.")
        try:
            self._sink.finish()
            self._commit()
        except VanishError:
            self.abort()
            raise
        except (OSError, av.error.FFmpegError) as exc:
            self.abort()
            raise self._output_error(exc, "finish") from exc
        self._closed = True
        return self.path

    def _commit(self) -> None:
        place(self._tmp, self.path)

    def abort(self) -> None:
        """Stop and delete the temporary output; the target is left as it was."""
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(OSError, av.error.FFmpegError):
            self._sink.close()
        self._remove_tmp()

    def _remove_tmp(self) -> None:
        if self._tmp.is_dir():
            shutil.rmtree(self._tmp, ignore_errors=True)
        elif self._tmp.exists():
            self._tmp.unlink(missing_ok=True)

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()
