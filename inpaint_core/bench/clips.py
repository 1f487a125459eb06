"""Loading benchmark clips: video files (through :class:`inpaint_core.video.VideoReader`) or folders
of image frames, cut to the first ``frames`` frames and resized to a working size.

The resized clip is the ground truth of the benchmark. ``load_clip(..., size=None)`` keeps the
clip's own size (the full-resolution benchmark builds on that).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from ..errors import VideoError

IMAGE_EXTS = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")
VIDEO_EXTS = (".mp4", ".mov", ".mkv", ".webm", ".avi", ".m4v", ".mpg", ".mpeg", ".ts")


@dataclass
class Clip:
    """A benchmark clip in memory.

    ``frames``: (N, H, W, 3) uint8 RGB at ``size`` = (W, H); ``source_size``: (W, H) before resizing;
    ``fps``: the source frame rate when known (for information only).
    """

    name: str
    path: str
    frames: np.ndarray
    source_size: tuple[int, int]
    fps: float | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def size(self) -> tuple[int, int]:
        return (int(self.frames.shape[2]), int(self.frames.shape[1]))

    def __len__(self) -> int:
        return int(self.frames.shape[0])


def _image_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_EXTS)


def _video_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in VIDEO_EXTS)


def expand_clip_paths(paths: Sequence[str | Path]) -> list[Path]:
    """Resolve ``--clips`` arguments into clip paths.

    A video file is a clip; a folder holding image files is one clip (its frames, sorted by name);
    a folder holding no images but video files stands for each of those videos.
    Raises :class:`VideoError` for a path that is missing or holds neither.
    """
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if not p.exists():
            raise VideoError(f"Clip not found: {p}. Give a video file or a folder of image frames.")
        if p.is_file():
            out.append(p)
        elif _image_files(p):
            out.append(p)
        elif _video_files(p):
            out.extend(_video_files(p))
        else:
            raise VideoError(f"{p} holds neither image frames nor video files; give a video file or a "
                             "folder of frames (PNG/JPEG).")
    return out


def clip_name(path: Path) -> str:
    """A short display name: the folder's name for ``<folder>/video.mp4``-style clips, else the stem."""
    if path.is_file() and path.stem.lower() in ("video", "input", "clip") and path.parent.name:
        return path.parent.name
    return path.stem if path.is_file() else path.name


def resize_frame(img: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Resize (H, W, 3) uint8 to ``size`` = (W, H): area filter when shrinking, cubic when enlarging."""
    w, h = size
    if img.shape[:2] == (h, w):
        return np.ascontiguousarray(img)
    interp = cv2.INTER_AREA if w * h < img.shape[0] * img.shape[1] else cv2.INTER_CUBIC
    return np.ascontiguousarray(cv2.resize(img, (w, h), interpolation=interp))


def _read_image(path: Path) -> np.ndarray:
    img = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if img is None:
        raise VideoError(f"Cannot read image frame {path}; is it a valid image file?")
    return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)


def _load_folder(folder: Path, frames: int | None, size: tuple[int, int] | None) -> Clip:
    files = _image_files(folder)
    if frames is not None:
        files = files[:frames]
    first = _read_image(files[0])
    src = (first.shape[1], first.shape[0])
    out_size = size or src
    arr = np.empty((len(files), out_size[1], out_size[0], 3), np.uint8)
    for k, f in enumerate(files):
        img = first if k == 0 else _read_image(f)
        if (img.shape[1], img.shape[0]) != src:
            raise VideoError(f"Frame {f.name} is {img.shape[1]}x{img.shape[0]}, the first frame of "
                             f"{folder} is {src[0]}x{src[1]}; all frames of a clip must have one size.")
        arr[k] = resize_frame(img, out_size)
    return Clip(clip_name(folder), str(folder), arr, src)


def _load_video(path: Path, frames: int | None, size: tuple[int, int] | None) -> Clip:
    try:
        from ..video import VideoReader
    except ImportError:
        raise VideoError("Reading video files needs inpaint_core.video, which is not part of this build; "
                         "give a folder of image frames instead.") from None

    with VideoReader(path) as reader:
        info = reader.info
        n = len(reader) if frames is None else min(frames, len(reader))
        src = (int(info.width), int(info.height))
        out_size = size or src
        arr = np.empty((n, out_size[1], out_size[0], 3), np.uint8)
        got = 0
        for i, rgb in reader.iter_frames(0, n):
            arr[i] = resize_frame(rgb, out_size)
            got = i + 1
        fps = float(info.fps) if getattr(info, "fps", None) else None
    if got < n:
        arr = arr[:got]
    if got == 0:
        raise VideoError(f"No frames could be decoded from {path}.")
    return Clip(clip_name(path), str(path), arr, src, fps)


def load_clip(path: str | Path, frames: int | None = None, size: tuple[int, int] | None = None) -> Clip:
    """Load the first ``frames`` frames (all when None) of a video file or image folder, resized to
    ``size`` = (W, H) (the clip's own size when None). Raises :class:`VideoError` on bad input."""
    p = Path(path)
    if frames is not None and frames < 1:
        raise VideoError("--frames must be at least 1.")
    if p.is_dir():
        if not _image_files(p):
            raise VideoError(f"{p} holds no image frames (PNG/JPEG/BMP/TIFF/WebP).")
        clip = _load_folder(p, frames, size)
    elif p.is_file():
        clip = _load_video(p, frames, size)
    else:
        raise VideoError(f"Clip not found: {p}.")
    if frames is not None and len(clip) < frames:
        clip.notes.append(f"the clip has only {len(clip)} frames (asked for {frames})")
    return clip
