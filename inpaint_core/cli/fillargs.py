"""The classical engine's fill options on ``vanish inpaint`` and ``vanish export``:
``--fill-method`` and ``--reference FRAME=IMAGE`` (repeatable)."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..engines import FILL_METHODS
from ..errors import VanishError


def add_fill_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--fill-method", choices=FILL_METHODS, metavar="M",
                   help="classical engine: auto (default), propagate (copy from other frames), clean-plate "
                   "(still camera: the shot's background), surface (patch fill of each frame, no temporal "
                   "borrowing), edge-blend (smooth, for small marks)")
    p.add_argument("--reference", action="append", default=[], metavar="FRAME=IMAGE",
                   help="a clean version of frame FRAME (an image at the video's size): its pixels in the "
                   "hole are trusted and carried through the shot (repeatable; classical engine)")


def fill_options(args: argparse.Namespace, video: Path | str) -> dict:
    """Engine options from the fill arguments; each reference image is checked (exists, readable,
    the video's size) before any work starts."""
    from ..engines.fillmethods import parse_reference

    out: dict = {}
    if getattr(args, "fill_method", None):
        out["fill_method"] = args.fill_method
    refs = {}
    for text in getattr(args, "reference", None) or []:
        frame, path = parse_reference(text)
        refs[frame] = str(Path(path).resolve())
    if refs:
        import cv2

        from ..video import VideoReader

        with VideoReader(video) as reader:
            size, n = (reader.info.width, reader.info.height), len(reader)
        for frame, path in refs.items():
            if frame >= n:
                raise VanishError(f"--reference frame {frame} is outside the clip (frames 0-{n - 1}).")
            if not Path(path).is_file():
                raise VanishError(f"Reference image not found: {path}.")
            img = cv2.imread(path, cv2.IMREAD_UNCHANGED)
            if img is None:
                raise VanishError(f"Cannot read reference image {path}; is it a PNG or JPEG file?")
            if (img.shape[1], img.shape[0]) != tuple(size):
                raise VanishError(f"Reference image {path} is {img.shape[1]}x{img.shape[0]}; it must be the "
                                  f"video's size, {size[0]}x{size[1]}.")
        out["references"] = {str(k): v for k, v in refs.items()}
    return out
