"""``vanish inpaint``: fill the masked region with an engine and write its output at working size.

Examples::

    vanish inpaint clip.mp4 --masks logo.png --out filled.mp4                 # classical engine
    vanish inpaint clip.mp4 --masks masks/ --engine sttn --checkpoint sttn.pth --out filled.mp4
    vanish inpaint clip.mp4 --masks masks/ --engine telea --size 640x360 --out filled.mkv

Working size: ``--size`` if given; else the engine's fixed size (STTN: 432x240, the source
stretched to it as in the STTN release, or letterboxed with ``--pad``); else the source capped at
960 px on its long side. Output frame i carries input frame i's timestamp; audio is copied. This is
the engine's raw output (for the full-resolution result use ``vanish export``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import VanishError
from .argtypes import size_arg
from .fillargs import add_fill_arguments, fill_options
from .progress import ProgressPrinter


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "inpaint",
        help="fill the masked region with an engine and write the result at the engine's working size",
        description="Fill the masked region of a video with a fill engine (propagate: classical "
        "flow propagation, the default; sttn: the STTN network, needs a checkpoint; telea: "
        "per-frame OpenCV inpainting) and write the engine's output at its working size, with "
        "the source's timestamps and audio.",
    )
    p.add_argument("input", metavar="VIDEO", help="the video file")
    p.add_argument("--masks", required=True, metavar="PATH",
                   help="mask image (stationary), folder of per-frame mask images, or a .vanish project")
    p.add_argument("--engine", default=None, metavar="E", help="propagate (default), sttn or telea")
    p.add_argument("--checkpoint", metavar="PATH", help="checkpoint file for the sttn engine")
    p.add_argument("--out", required=True, metavar="OUT", help="output file (or folder for png)")
    p.add_argument("--size", type=size_arg, metavar="WxH",
                   help="working size (default: the engine's fixed size, else the source capped at 960 px)")
    p.add_argument("--format", dest="fmt", metavar="F",
                   help="mp4, mov, mkv, webm, h265 or png (default: from the extension)")
    p.add_argument("--pad", action="store_true",
                   help="keep the aspect ratio at a different-shaped working size (letterbox) instead of stretching")
    p.add_argument("--grow", type=int, metavar="N",
                   help="mask growth, iterations of a 3x3 cross at working size (default: the engine's)")
    p.add_argument("--crf", type=int, metavar="N", help="quality for mp4/webm/h265")
    p.add_argument("--no-audio", action="store_true", help="leave the audio out")
    p.add_argument("--no-shots", action="store_true", help="treat the clip as one shot (skip the cut scan)")
    add_fill_arguments(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..export.inpaint import inpaint_job
    from ..jobs import run_job

    video = Path(args.input)
    if not video.is_file():
        raise VanishError(f"{video} does not exist. Give a video file.")
    options = {"checkpoint": args.checkpoint} if args.checkpoint else {}
    from ..fsutil import check_not_input, check_output_folder, target_lock

    out = Path(args.out)
    check_output_folder(out.parent if str(out.parent) else Path("."))
    options.update(fill_options(args, video))
    check_not_input(out, [video, args.masks, *options.get("references", {}).values()])
    job = inpaint_job(video, args.masks, args.out, args.engine, options, args.size, args.fmt, args.pad,
                      args.grow, args.crf, not args.no_audio, not args.no_shots)
    with target_lock(out, "inpaint"), ProgressPrinter() as bar:
        path, n, work = run_job(job, bar)
    print(f"wrote {path}: {n} frames at {work[0]}x{work[1]}", file=sys.stderr)
    return 0
