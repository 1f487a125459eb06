"""``vanish masks import|export|track-shape``: normalise mask inputs to one 0/255 PNG per frame;
follow a shape through the video (:mod:`.cmd_trackshape`)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from ..errors import MaskError
from ..fsutil import check_not_input
from ..jobs import Progress
from ..masks import DEFAULT_THRESHOLD, write_masks
from ..project import open_mask_input
from .progress import ProgressPrinter


def parse_size(text: str) -> tuple[int, int]:
    """``"WxH"`` -> (w, h)."""
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"size must look like 1920x1080, not {text!r}") from None
    if w <= 0 or h <= 0:
        raise argparse.ArgumentTypeError(f"size must be positive, not {text!r}")
    return w, h


def _with_progress(masks, total: int, stage: str) -> Iterator[np.ndarray]:
    with ProgressPrinter() as show:
        for i, m in enumerate(masks):
            yield m
            show(Progress(i + 1, total, stage))


def _import(args) -> int:
    if args.video is not None:
        from ..project import video_geometry

        w, h, n = video_geometry(Path(args.video))
    elif args.size is not None and args.frames is not None:
        (w, h), n = args.size, args.frames
    else:
        raise MaskError("Say which video the masks are for: --video VIDEO "
                        "(or --size WxH --frames N).")
    check_not_input(args.out, [args.src, args.video], "mask folder")
    src = open_mask_input(args.src, n, (w, h), args.threshold)
    masks = (src.mask(i) for i in range(n))
    count = write_masks(args.out, _with_progress(masks, n, "masks"), overwrite=args.overwrite)
    kind = "stationary mask" if src.stationary else (f"{len(src.files)} mask images" if src.files else "the project")
    print(f"{args.out}: {count} masks at {w}x{h} (from {kind} in {args.src})")
    return 0


def _export(args) -> int:
    from ..project import Project

    check_not_input(args.out, [args.project], "mask folder")
    proj = Project.load(args.project, verify_video=False)
    if proj.video_problem:
        print(f"warning: {proj.video_problem}", file=sys.stderr)
    masks = (proj.layers.compose(i) for i in range(proj.frame_count))
    count = write_masks(args.out, _with_progress(masks, proj.frame_count, "masks"),
                        overwrite=args.overwrite)
    print(f"{args.out}: {count} masks at {proj.size[0]}x{proj.size[1]} "
          f"(composed from the visible layers of {proj.folder.name})")
    return 0


def register(sub) -> None:
    p = sub.add_parser("masks", help="import or export mask sequences",
                       description="Normalise mask images to one 0/255 PNG per frame.")
    msub = p.add_subparsers(dest="masks_command", metavar="ACTION", required=True)

    imp = msub.add_parser(
        "import", help="convert masks to one 0/255 PNG per frame at the video size",
        description="SRC is a folder with one image per frame, a folder with one image, or one "
                    "image (stationary). Palette PNGs: masked where the index is not 0; greyscale "
                    "or RGB: where luminance >= the threshold. Other sizes are resized "
                    "(nearest neighbour).")
    imp.add_argument("src", help="mask image or folder")
    imp.add_argument("--video", help="the video the masks belong to (for its size and frame count)")
    imp.add_argument("--size", type=parse_size, help="WxH instead of --video")
    imp.add_argument("--frames", type=int, help="frame count instead of --video")
    imp.add_argument("--threshold", type=int, default=DEFAULT_THRESHOLD,
                     help="luminance threshold for greyscale/RGB masks (default %(default)s)")
    imp.add_argument("--out", required=True, help="output folder (created; must not exist or be empty)")
    imp.add_argument("--overwrite", action="store_true", help="replace a non-empty output folder")
    imp.set_defaults(func=_import)

    exp = msub.add_parser("export", help="write a project's composed masks, one PNG per frame")
    exp.add_argument("project", help="the NAME.vanish project folder")
    exp.add_argument("--out", required=True, help="output folder")
    exp.add_argument("--overwrite", action="store_true", help="replace a non-empty output folder")
    exp.set_defaults(func=_export)

    from .cmd_trackshape import register as register_track_shape

    register_track_shape(msub)
