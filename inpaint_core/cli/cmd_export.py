"""``vanish export``: fill the masked region at full resolution and write the finished clip.

Examples::

    vanish export clip.mp4 --masks logo.png --out clean.mp4
    vanish export holiday.vanish --out clean.mov --start 100 --end 400 --no-audio
    vanish export clip.mp4 --masks masks/ --out clean.mp4 --resume   # continue an interrupted export
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import VanishError
from .argtypes import size_arg
from .fillargs import add_fill_arguments, fill_options
from .progress import ProgressPrinter

RESIDUALS = ("both", "temporal", "spatial", "none")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "export",
        help="export the clip at full resolution with the masked region filled",
        description="Fill the masked region with an engine at its working size, restore the "
        "full-resolution detail by spatial-temporal residual aggregation (STRA-Net), and encode "
        "with the source's timing and audio. Pixels outside the (grown, feathered) mask are the "
        "source's own. An interrupted export can be continued with --resume.",
    )
    p.add_argument("input", metavar="PROJECT|VIDEO", help="a .vanish project folder or a video file")
    p.add_argument("--masks", metavar="PATH", help="mask image or folder (required with a video)")
    p.add_argument("--engine", metavar="E", help="fill engine (default: the project's, else propagate)")
    p.add_argument("--checkpoint", metavar="PATH", help="checkpoint file for the sttn engine")
    p.add_argument("--out", required=True, metavar="OUT", help="output file (or folder for png)")
    p.add_argument("--format", dest="fmt", metavar="F",
                   help="mp4, mov, mkv, webm, h265 or png (default: from the extension)")
    p.add_argument("--crf", type=int, metavar="N", help="quality (default: matched to the source bit rate)")
    p.add_argument("--start", type=int, default=0, metavar="FRAME", help="first frame to export (0)")
    p.add_argument("--end", type=int, metavar="FRAME", help="frame to stop before (default: the end)")
    p.add_argument("--no-audio", action="store_true", help="leave the audio out")
    p.add_argument("--write-masks", metavar="DIR", help="also write the masks used, one PNG per frame")
    p.add_argument("--residuals", choices=RESIDUALS, default="both",
                   help="full-resolution detail: both (default), temporal, spatial, or none (plain upsizing)")
    p.add_argument("--work-size", type=size_arg, metavar="WxH",
                   help="engine working size (default: the engine's, else the source capped at 960 px)")
    p.add_argument("--grow", type=int, metavar="PX", help="mask growth in source pixels")
    p.add_argument("--feather", type=float, metavar="PX", help="soft-edge radius in source pixels")
    p.add_argument("--resume", action="store_true", help="continue an interrupted export of the same settings")
    add_fill_arguments(p)
    p.set_defaults(func=run)


def _inputs(args: argparse.Namespace):
    """(video path, masks, engine name, engine options, grow, feather) from a project or a video."""
    src = Path(args.input)
    options = {"checkpoint": args.checkpoint} if args.checkpoint else {}
    if src.is_dir():
        from ..project import Project

        proj = Project.load(src)
        s = proj.settings
        masks = args.masks if args.masks else proj.layers
        engine = args.engine or s.engine
        if engine == s.engine:
            options = {**s.engine_options, **options}
        grow = args.grow if args.grow is not None else s.grow
        feather = args.feather if args.feather is not None else s.feather
        return proj.video_path, masks, engine, options, grow, feather
    if not src.is_file():
        raise VanishError(f"{src} does not exist. Give a video file or a .vanish project folder.")
    if not args.masks:
        raise VanishError("A video needs --masks (a mask image or a folder of per-frame masks).")
    return src, args.masks, args.engine, options, args.grow, args.feather


def run(args: argparse.Namespace) -> int:
    from ..export import export_video
    from ..jobs import run_job

    video, masks, engine, options, grow, feather = _inputs(args)
    options = {**options, **fill_options(args, video)}
    job = export_video(
        video, masks, args.out, engine=engine, engine_options=options, work_size=args.work_size,
        residuals=args.residuals, fmt=args.fmt, crf=args.crf, start=args.start, end=args.end,
        audio=not args.no_audio, write_masks=args.write_masks, resume=args.resume, grow=grow,
        feather=feather,
    )
    with ProgressPrinter() as bar:
        result = run_job(job, bar)
    fps = result.frames / max(1e-9, sum(result.seconds.values()))
    resumed = f", {result.resumed_chunks} chunk(s) reused" if result.resumed_chunks else ""
    print(f"wrote {result.path}: {result.frames} frames, engine {result.engine} at "
          f"{result.work_size[0]}x{result.work_size[1]}, residuals {args.residuals}, "
          f"{fps:.2f} frames/s{resumed}", file=sys.stderr)
    return 0
