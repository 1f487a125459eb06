"""``vanish demo``: make a clip with a burned-in logo, remove it, and score the result."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..jobs import run_job
from .progress import ProgressPrinter

VIDEO_SUFFIXES = (".mp4", ".mov", ".mkv", ".webm")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="headless demo: remove a logo from a generated clip and score it",
                       description="Make a 960x540 clip with a semi-transparent logo, remove the logo "
                                   "with a full-resolution export, and report the in-logo PSNR against "
                                   "the clean clip before and after.")
    p.add_argument("--out", type=Path, default=Path("vanish-demo"),
                   help="folder for the demo files, or a video file (.mp4/.mov/.mkv/.webm) for the "
                        "result (the other files then go to a folder beside it)")
    p.add_argument("--frames", type=int, default=48)
    p.add_argument("--engine", default=None, help="fill engine (default: the classical engine)")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from ..demo import run_demo

    folder, output = args.out, None
    if args.out.suffix.lower() in VIDEO_SUFFIXES:
        folder, output = args.out.with_name(args.out.stem + "_files"), args.out
    with ProgressPrinter() as bar:
        res = run_job(run_demo(folder, frames=args.frames, engine=args.engine, output=output), on_event=bar)
    print(f"Demo clip with a logo:   {res.input}")
    print(f"Logo mask:               {res.mask}")
    print(f"Logo removed:            {res.output}")
    print(f"Side by side (input | Vanish | clean): {res.contact_sheet}")
    print(f"PSNR inside the logo against the clean clip: {res.psnr_before:.1f} dB before, "
          f"{res.psnr_after:.1f} dB after ({res.frames} frames).")
    return 0
