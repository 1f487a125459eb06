"""``vanish segment``: a click or a box on one frame -> a mask, optionally tracked through the clip.

Writes one 0/255 greyscale PNG per frame of the video into ``--out`` (frames without the object are
empty), ready for ``vanish inpaint --masks``.
"""

from __future__ import annotations

import contextlib
import sys

import numpy as np

from ..errors import MaskError, VanishError
from ..jobs import Progress
from .progress import ProgressPrinter

MODELS = ("sam_vit_b", "sam_vit_l", "sam_vit_h", "grabcut")
FLAG_BELOW = 0.5


def _point(text: str) -> tuple[float, float, int]:
    parts = text.split(",")
    with contextlib.suppress(ValueError):
        if len(parts) == 2:
            return float(parts[0]), float(parts[1]), 1
        if len(parts) == 3 and parts[2].strip() in ("0", "1"):
            return float(parts[0]), float(parts[1]), int(parts[2])
    raise MaskError(f"--point {text!r}: write x,y or x,y,label (label 1 = object, 0 = background)")


def _box(text: str) -> tuple[float, float, float, float]:
    parts = text.split(",")
    with contextlib.suppress(ValueError):
        if len(parts) == 4:
            x0, y0, x1, y1 = (float(p) for p in parts)
            return x0, y0, x1, y1
    raise MaskError(f"--box {text!r}: write x0,y0,x1,y1 (pixels)")


def register(sub) -> None:
    p = sub.add_parser("segment", help="Mask an object from a click or a box; optionally track it.",
                       description="Mask the object under clicks (or inside a box) on one frame with "
                                   "Segment Anything (or the GrabCut fallback without a SAM "
                                   "checkpoint) and optionally track it through the clip.")
    p.add_argument("video", help="the video file")
    p.add_argument("--frame", type=int, default=0, help="frame index (0-based) the prompt is on")
    p.add_argument("--point", action="append", default=[], metavar="X,Y[,LABEL]",
                   help="a click (label 1 object, default; 0 background); repeatable")
    p.add_argument("--box", metavar="X0,Y0,X1,Y1", help="a box around the object")
    p.add_argument("--track", action="store_true", help="carry the mask through the whole clip")
    p.add_argument("--model", choices=MODELS, default=None,
                   help="segmentation method (default: sam_vit_b if installed, else grabcut)")
    p.add_argument("--checkpoint", help="a SAM checkpoint file to use instead of the model store's")
    p.add_argument("--device", default="auto", help="auto, cpu or cuda (SAM only)")
    p.add_argument("--out", required=True, help="folder for the mask PNGs (one per frame)")
    p.add_argument("--overwrite", action="store_true", help="replace a non-empty output folder")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def _open_session(args, frames):
    """A SAM session, or ``None`` for the GrabCut fallback (with a note on stderr)."""
    from ..segment.sam import DEFAULT_MODEL, SamSession, available

    model = args.model
    if model == "grabcut":
        return None
    mt = (model or f"sam_{DEFAULT_MODEL}").removeprefix("sam_")
    av = available(mt, args.checkpoint)
    if not av.ok:
        if model is not None or args.checkpoint:
            raise VanishError(av.reason)
        print(f"note: {av.reason}", file=sys.stderr)
        return None
    return SamSession.open(mt, args.checkpoint, args.device, frame_fn=frames.frame, cache_items=4)


def run(args) -> int:
    from ..masks import write_masks
    from ..segment.prompts import SamRefiner, segment_prompt
    from ..segment.track import MaskTracker, TrackedFrame
    from ..segment.vos import ObjectTracker
    from ..video import VideoReader

    points = [_point(t) for t in args.point]
    box = _box(args.box) if args.box else None
    if not points and box is None:
        raise MaskError("give the object: --point x,y (repeatable) or --box x0,y0,x1,y1")
    from ..fsutil import check_not_input

    check_not_input(args.out, [args.video], "mask folder")
    with VideoReader(args.video) as frames:
        n = frames.frame_count
        if not 0 <= args.frame < n:
            raise MaskError(f"--frame {args.frame} is outside the video (frames 0..{n - 1})")
        w, h = frames.size
        for x, y, _ in points:
            if not (0 <= x < w and 0 <= y < h):
                raise MaskError(f"--point {x:g},{y:g} is outside the {w}x{h} frame")
        session = _open_session(args, frames)
        try:
            image = frames.frame(args.frame)
            res = segment_prompt(image, [(x, y) for x, y, _ in points] or None,
                                 [lb for _, _, lb in points] or None, box, session, args.frame)
            print(f"frame {args.frame}: {res.area} pixels masked by {res.method} "
                  f"(score {res.score:.2f})")
            if res.warning:
                print(f"warning: {res.warning}", file=sys.stderr)
            if not res.area:
                raise MaskError("the prompt gave an empty mask; click on the object or draw a "
                                "tighter box")
            if not args.track:
                empty = np.zeros((h, w), np.uint8)
                count = write_masks(args.out, (res.mask if i == args.frame else empty for i in range(n)),
                                    overwrite=args.overwrite)
                print(f"wrote {count} masks to {args.out}")
                return 0
            if session is not None:
                tracker = MaskTracker(frames, SamRefiner(session), work_long_side=None)
            else:  # classical: marks lost frames and re-finds the object after occlusions
                tracker = ObjectTracker(frames)
            flagged: list[int] = []
            printer = ProgressPrinter(enabled=None if not args.quiet else False)

            def masks():
                for ev in tracker.track({args.frame: res.mask}):
                    if isinstance(ev, Progress):
                        printer(ev)
                    elif isinstance(ev, TrackedFrame):
                        if not ev.keyframe and ev.confidence < FLAG_BELOW and not ev.lost:
                            flagged.append(ev.index)
                        yield ev.mask

            with printer:
                count = write_masks(args.out, masks(), overwrite=args.overwrite)
        finally:
            if session is not None:
                session.close()
    method = "sam" if session is not None else "grabcut (fallback)"
    print(f"tracked with {method}: wrote {count} masks to {args.out}")
    if flagged:
        shown = ", ".join(str(i) for i in flagged[:20]) + (" ..." if len(flagged) > 20 else "")
        print(f"{len(flagged)} frames have low confidence, check them: {shown}")
    return 0
