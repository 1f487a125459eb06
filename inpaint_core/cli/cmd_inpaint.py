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


def work_size(source: tuple[int, int], fixed: tuple[int, int] | None,
              asked: tuple[int, int] | None) -> tuple[int, int]:
    """The working size: ``asked``, else ``fixed``, else ``source`` capped at 960 px (even sides)."""
    from ..export.settings import default_work_size

    if asked:
        return tuple(asked)
    return tuple(default_work_size(source, fixed))


def inpaint_job(video, masks, out, engine: str | None = None, options: dict | None = None,
                size=None, fmt=None, pad: bool = False, grow: int | None = None, crf=None,
                audio: bool = True, find_shots: bool = True, cancel=None):
    """Generator job: fill ``video`` with ``engine`` and write ``out`` at working size. Yields
    Progress; returns (path, frame_count, working size)."""
    from ..clipsource import ResizedClipSource
    from ..engines import DEFAULT_ENGINE, create_engine
    from ..engines.base import Filled, in_order
    from ..jobs import CancelToken, Progress
    from ..video import VideoReader, VideoWriter
    from ..video.shots import detect_shots

    cancel = cancel or CancelToken()
    eng = create_engine(engine or DEFAULT_ENGINE, **(options or {}))
    with VideoReader(video) as reader:
        info = reader.info
        n = len(reader)
        src = (info.width, info.height)
        work = work_size(src, eng.fixed_size, size)
        if eng.fixed_size and tuple(work) != tuple(eng.fixed_size):
            raise VanishError(f"The {eng.name} engine works at {eng.fixed_size[0]}x{eng.fixed_size[1]} "
                              f"only; leave out --size.")
        from ..export.settings import mask_reader

        mask_fn = mask_reader(str(masks) if isinstance(masks, Path) else masks, n, src)
        shots = None
        if find_shots and n > 1:
            import cv2

            thumbs = []
            for i, rgb in reader.iter_frames():
                cancel.raise_if_cancelled()
                thumbs.append(cv2.resize(rgb, (64, 36), interpolation=cv2.INTER_AREA))
                if i % 16 == 0:
                    yield Progress(i, n, "finding shots")
            shots = detect_shots(thumbs)
        clip = ResizedClipSource(n, src, work, reader.frame, mask_fn,
                                 grow=eng.default_grow if grow is None else grow, shots=shots,
                                 cancel=cancel, mode="pad" if pad else "stretch")
        with VideoWriter(out, format=fmt, width=work[0], height=work[1], time_base=info.time_base,
                         rate=info.rate, crf=crf, color=info,
                         audio_from=video if (audio and info.audio) else None, cancel=cancel) as writer:
            for ev in in_order(eng.run(clip, range(n)), range(n), max_buffer=max(64, n)):
                if isinstance(ev, Filled):
                    writer.write(ev.rgb, reader.pts[ev.index])
                else:
                    yield ev
    return Path(out), n, work


def run(args: argparse.Namespace) -> int:
    from ..jobs import run_job

    video = Path(args.input)
    if not video.is_file():
        raise VanishError(f"{video} does not exist. Give a video file.")
    options = {"checkpoint": args.checkpoint} if args.checkpoint else {}
    options.update(fill_options(args, video))
    job = inpaint_job(video, args.masks, args.out, args.engine, options, args.size, args.fmt, args.pad,
                      args.grow, args.crf, not args.no_audio, not args.no_shots)
    with ProgressPrinter() as bar:
        path, n, work = run_job(job, bar)
    print(f"wrote {path}: {n} frames at {work[0]}x{work[1]}", file=sys.stderr)
    return 0
