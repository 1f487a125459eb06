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
from ..settings import SCHEMA, ExportSettings, SettingsError
from .argtypes import size_arg
from .fillargs import add_fill_arguments, fill_options
from .progress import ProgressPrinter

RESIDUALS = SCHEMA["residuals"].choices


def _help(name: str) -> str:
    """A flag's help from the settings schema (description, default)."""
    s = SCHEMA[name]
    default = s.none_means if s.default is None else s.default
    return f"{s.description} (default: {default})"


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
    p.add_argument("--long-side", type=int, metavar="PX", help=_help("long_side"))
    p.add_argument("--checkpoint", metavar="PATH", help="checkpoint file for the sttn engine")
    p.add_argument("--out", required=True, metavar="OUT", help="output file (or folder for png)")
    p.add_argument("--format", dest="fmt", metavar="F",
                   help="mp4, mov, mkv, webm, h265 or png (default: from the extension, matching the "
                   "source's codec, profile, bit depth, chroma and colour tags where the container can)")
    p.add_argument("--crf", type=int, metavar="N", help=_help("crf"))
    p.add_argument("--start", type=int, metavar="FRAME", help=_help("start") + "; a project's own range first")
    p.add_argument("--end", type=int, metavar="FRAME", help=_help("end"))
    p.add_argument("--no-audio", action="store_true", help="leave the audio out")
    p.add_argument("--write-masks", metavar="DIR", help="also write the masks used, one PNG per frame")
    p.add_argument("--residuals", choices=RESIDUALS, help=_help("residuals"))
    p.add_argument("--blend", choices=SCHEMA["blend"].choices, help=_help("blend"))
    p.add_argument("--work-size", type=size_arg, metavar="WxH",
                   help="engine working size (default: the engine's, else the source capped at 960 px)")
    p.add_argument("--grow", type=int, metavar="PX", help=_help("grow"))
    p.add_argument("--feather", type=float, metavar="PX", help=_help("feather"))
    p.add_argument("--fill-layer", metavar="PATH",
                   help="also write the fill alone, alpha = the feathered mask, for compositing over the "
                   "original: a folder (16-bit PNG RGBA sequence) or a .mov (ProRes 4444 with alpha)")
    p.add_argument("--no-smart-render", action="store_true",
                   help="re-encode every frame, even those whose mask is empty and that could be copied")
    p.add_argument("--resume", action="store_true", help="continue an interrupted export of the same settings")
    p.add_argument("--verbose", action="store_true", help="print the seconds per frame of each stage")
    p.add_argument("--json", metavar="FILE", help="also write the result (frames, stage timings) as JSON")
    add_fill_arguments(p)
    p.set_defaults(func=run)


def _inputs(args: argparse.Namespace):
    """(video path, masks, ExportSettings) from a project (its saved settings, then the flags) or a
    video (the schema's defaults, then the flags)."""
    src = Path(args.input)
    given = {"engine": args.engine, "long_side": args.long_side, "grow": args.grow, "feather": args.feather,
             "residuals": args.residuals, "blend": args.blend, "format": args.fmt, "crf": args.crf, "start": args.start,
             "end": args.end, "audio": False if args.no_audio else None}
    _check_flags(given)
    if src.is_dir():
        from ..project import Project

        proj = Project.load(src)
        base = ExportSettings.from_project(proj.settings)
        if args.engine and args.engine != base.engine:
            base.engine_options = {}  # the saved options belong to the saved engine
        settings = base.with_(**given)
        masks = args.masks if args.masks else proj.layers
        video = proj.video_path
    else:
        if not src.is_file():
            raise VanishError(f"{src} does not exist. Give a video file or a .vanish project folder.")
        if not args.masks:
            raise VanishError("A video needs --masks (a mask image or a folder of per-frame masks).")
        settings, masks, video = ExportSettings().with_(**given), args.masks, src
    if args.checkpoint:
        settings.engine_options = {**settings.engine_options, "checkpoint": args.checkpoint}
    return video, masks, settings.validated()


def _check_flags(given: dict) -> None:
    """The flags alone against the schema, so that an error names the flag (``--feather``) rather
    than the setting."""
    try:
        ExportSettings().with_(**given).validated()
    except SettingsError as exc:
        msg = str(exc)
        for name, value in given.items():
            if value is not None and msg.startswith(name + " "):
                flag = {"audio": "no-audio"}.get(name, name.replace("_", "-"))
                raise SettingsError(f"--{flag}{msg[len(name):]}") from None
        raise


def run(args: argparse.Namespace) -> int:
    from ..export import export_video
    from ..jobs import run_job

    video, masks, settings = _inputs(args)
    fill = fill_options(args, video)  # --fill-method, --reference: the classical engine's options
    if fill:
        settings.engine_options = {**settings.engine_options, **fill}
    _warn_losses(video, args.out, settings.format)
    job = export_video(video, masks, args.out, work_size=args.work_size, write_masks=args.write_masks,
                       resume=args.resume, protect=[args.input, *fill.get("references", {}).values()],
                       fill_layer=args.fill_layer, smart_render=not args.no_smart_render,
                       **settings.export_kwargs())
    with ProgressPrinter() as bar:
        result = run_job(job, bar)
    fps = result.frames / max(1e-9, result.wall or sum(result.seconds.values()))
    resumed = f", {result.resumed_chunks} chunk(s) reused" if result.resumed_chunks else ""
    if result.stale_chunks:
        resumed += f", {result.stale_chunks} made again because their masks changed"
    print(f"wrote {result.path}: {result.frames} frames, engine {result.engine} at "
          f"{result.work_size[0]}x{result.work_size[1]}, residuals {settings.residuals}, "
          f"{fps:.2f} frames/s{resumed}", file=sys.stderr)
    print(f"encoded as {result.encoding}: {result.copied} frame(s) copied from the source unchanged, "
          f"{result.encoded} re-encoded", file=sys.stderr)
    if result.note:
        print(f"note: {result.note}", file=sys.stderr)
    if args.verbose:
        per = result.per_frame()
        print("seconds per frame: " + ", ".join(f"{k} {v:.3f}" for k, v in per.items()), file=sys.stderr)
    if args.json:
        _write_json(Path(args.json), result, fps)
    return 0


def _write_json(path: Path, result, fps: float) -> None:
    import json

    doc = {"path": str(result.path), "frames": result.frames, "engine": result.engine,
           "work_size": list(result.work_size), "frames_per_s": fps, "wall_s": result.wall,
           "seconds": result.seconds, "seconds_per_frame": result.per_frame(),
           "copied": result.copied, "encoded": result.encoded, "encoding": result.encoding}
    try:
        path.write_text(json.dumps(doc, indent=1) + "\n")
    except OSError as exc:
        raise VanishError(f"Could not write {path}: {exc.strerror or exc}.") from None


def _warn_losses(video, out, fmt) -> None:
    """Say before encoding what the chosen output cannot keep of the source, and the faithful choice."""
    from ..video import probe
    from ..video.match import plan_output

    for line in plan_output(probe(video), out, fmt).losses:
        print(f"warning: {line}", file=sys.stderr)
