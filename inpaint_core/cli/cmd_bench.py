"""``vanish bench``: score fill engines on clips with synthetic holes (quality, speed, memory).

Example::

    vanish bench --engine propagate --engine telea --clips clip.mp4 frames_folder/ \\
        --mask-type stationary --frames 60 --size 432x240 --out results.json

Prints a table, writes ``results.json`` and, beside it, ``results_chart.png`` (quality against
speed) and ``results_contact.png`` (sample frames per engine).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ..bench.masks import MASK_TYPES
from ..bench.occlude import DEFAULT_HOLE_CONTENT, HOLE_CONTENTS
from ..errors import VanishError
from .progress import ProgressPrinter

if TYPE_CHECKING:  # the harness (scipy, matplotlib) loads only when the command runs
    from ..bench.runner import BenchConfig, BenchResult


def parse_size(text: str) -> tuple[int, int]:
    """``"432x240"`` -> (432, 240)."""
    try:
        w, h = (int(x) for x in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"size must look like 432x240, not {text!r}") from None
    if w < 16 or h < 16:
        raise argparse.ArgumentTypeError("size must be at least 16x16")
    return w, h


def parse_area(text: str) -> tuple[float, float]:
    """``"0.05,0.15"`` or ``"5,15"`` (percent) -> (0.05, 0.15)."""
    try:
        lo, hi = (float(x) for x in text.replace("%", "").split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"area must look like 0.05,0.15 (or 5,15 in percent), not {text!r}") from None
    if hi > 1:
        lo, hi = lo / 100, hi / 100
    if not (0 < lo <= hi < 1):
        raise argparse.ArgumentTypeError("area range must satisfy 0 < MIN <= MAX < 1 (or 100 %)")
    return lo, hi


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "bench",
        help="benchmark fill engines on clips with synthetic holes",
        description="Run every --engine on the same clips (resized to --size; the resized clip is the "
        "ground truth) with the same synthetic holes; print PSNR, SSIM (whole frame and in the hole), "
        "flow warping error, flicker, speed and peak memory; write JSON at --out with a chart and a "
        "contact sheet beside it. VFID is not computed (it needs I3D weights Vanish does not have).",
    )
    p.add_argument("--engine", action="append", required=True, metavar="E",
                   help="engine to run (repeat for several), e.g. propagate, sttn, telea")
    p.add_argument("--clips", nargs="+", required=True, metavar="PATH",
                   help="video files, folders of image frames, or folders of videos")
    p.add_argument("--mask-type", choices=MASK_TYPES, default="stationary", help="synthetic hole family")
    p.add_argument("--frames", type=int, default=60, metavar="N", help="first N frames of each clip (60)")
    p.add_argument("--size", type=parse_size, default=None, metavar="WxH",
                   help="working size the clips are resized to (432x240; with --full-res: the engine's "
                   "working size, default the clip capped at 960 px)")
    p.add_argument("--out", required=True, metavar="results.json", help="JSON results file")
    p.add_argument("--seed", type=int, default=0, help="seed of the synthetic masks (0)")
    p.add_argument("--area", type=parse_area, default=(0.05, 0.15), metavar="MIN,MAX",
                   help="hole area ratio range, e.g. 0.05,0.15 or 5,15 (percent)")
    p.add_argument("--checkpoint", metavar="PATH", help="checkpoint file for the sttn engine")
    p.add_argument("--samples", type=int, default=2, metavar="K", help="contact-sheet frames per clip (2)")
    p.add_argument("--no-warp", action="store_true", help="skip the flow warping error (faster)")
    p.add_argument("--note", default="", help="a note about the machine, stored in the JSON")
    p.add_argument("--hole-content", choices=HOLE_CONTENTS, default=DEFAULT_HOLE_CONTENT,
                   help="what the engines see inside the hole: 'logo' (a burned-in striped overlay, the "
                   "default), 'flat' (grey) or 'truth' (the true pixels: optimistic, for comparing with old "
                   "results only); scores always use the truth")
    fr = p.add_argument_group("full resolution (--full-res)")
    fr.add_argument("--full-res", action="store_true",
                    help="score the export's residual modes (none, temporal, spatial, both) at each clip's own "
                    "size; image files in --clips become virtual-camera pans; --size is the engine's working size")
    fr.add_argument("--photo-size", type=parse_size, default=(1920, 1080), metavar="WxH",
                    help="size of the clips made from photographs (1920x1080)")
    fr.add_argument("--eval-frames", type=int, default=8, metavar="K", help="frames scored per clip (8)")
    p.set_defaults(func=run)


def config_from_args(args: argparse.Namespace) -> BenchConfig:
    from ..bench.runner import BenchConfig

    if args.frames < 1:
        raise VanishError("--frames must be at least 1.")
    options = {}
    if args.checkpoint:
        if not Path(args.checkpoint).is_file():
            raise VanishError(f"Checkpoint not found: {args.checkpoint}.")
        options["sttn"] = {"checkpoint": args.checkpoint}
    return BenchConfig(
        engines=list(dict.fromkeys(args.engine)), clips=list(args.clips), mask_type=args.mask_type,
        frames=args.frames, size=args.size or (432, 240), seed=args.seed, area=args.area, engine_options=options,
        samples=max(0, args.samples), warp=not args.no_warp, note=args.note,
        hole_content=getattr(args, "hole_content", DEFAULT_HOLE_CONTENT),
    )


def write_outputs(result: BenchResult, out: str | Path) -> dict[str, Path]:
    """Write the JSON, chart and contact sheet for ``out``; returns their paths."""
    from ..bench.figures import write_figures
    from ..bench.report import output_paths, write_json

    paths = output_paths(out)
    write_json(result.data, paths["json"])
    write_figures(result.data, result.samples, paths["chart"], paths["contact"])
    return paths


def run(args: argparse.Namespace) -> int:
    from ..bench.report import format_table
    from ..bench.runner import run_bench

    out = Path(args.out)
    if not out.parent.is_dir() and str(out.parent):
        raise VanishError(f"Folder {out.parent} does not exist; create it or choose another --out.")
    if args.full_res:
        return _run_full_res(args)
    config = config_from_args(args)
    with ProgressPrinter() as bar:
        result = run_bench(config, bar)
    print(format_table(result.data))
    paths = write_outputs(result, out)
    print(f"\nwrote {paths['json']}, {paths['chart'].name}, {paths['contact'].name}")
    print("VFID: not computed (needs I3D weights, which Vanish does not ship).")
    failed = [e for c in result.data["clips"] for e in c["engines"] if e["status"] == "failed"]
    if failed:
        print(f"{len(failed)} engine run(s) failed; see the table.", file=sys.stderr)
        return 1
    return 0


def _run_full_res(args) -> int:
    """``vanish bench --full-res``: run, print the table, write the JSON at ``args.out``."""
    from ..bench.fullres import FullResConfig, format_table, fullres_job
    from ..bench.report import write_json
    from ..jobs import run_job

    if len(args.engine) != 1:
        raise VanishError("--full-res compares residual modes of one engine; give a single --engine.")
    options = {"checkpoint": args.checkpoint} if args.checkpoint else {}
    config = FullResConfig(engine=args.engine[0], clips=list(args.clips), frames=args.frames,
                           photo_size=args.photo_size, work_size=args.size, eval_frames=args.eval_frames,
                           seed=args.seed, engine_options=options,
                           hole_content=getattr(args, "hole_content", DEFAULT_HOLE_CONTENT))
    with ProgressPrinter(unit="step") as bar:
        result = run_job(fullres_job(config), bar)
    if args.note:
        result["note"] = args.note
    print(format_table(result))
    write_json(result, args.out)
    print(f"\nwrote {args.out}")
    return 0
