"""``vanish masks track-shape``: follow a shape's points through a video (see
:mod:`inpaint_core.segment.shapetrack`) and write them, with each frame's confidence, as JSON."""

from __future__ import annotations

import json
import os
from pathlib import Path

from ..errors import MaskError
from ..jobs import Progress
from .progress import ProgressPrinter

LOW = 0.5  # frames below this confidence are listed for a new key


def _points(text: str) -> list[tuple[float, float]]:
    try:
        pts = [tuple(float(v) for v in p.split(",")) for p in text.replace(";", " ").split()]
    except ValueError:
        raise MaskError(f"--points must look like 'x,y x,y x,y', not {text!r}") from None
    if len(pts) < 3 or any(len(p) != 2 for p in pts):
        raise MaskError(f"--points needs at least 3 x,y pairs, not {text!r}")
    return pts


def _run(args) -> int:
    from ..fsutil import check_not_input, place
    from ..segment.shapetrack import TrackedShape, track_shape
    from ..video import VideoReader

    pts = _points(args.points)
    out = Path(args.out)
    check_not_input(out, [args.video], "track file")
    frames: dict[str, dict] = {}
    with VideoReader(args.video) as reader:
        n = reader.frame_count
        w, h = reader.size
        start = args.start
        stop = n - 1 if args.stop is None else args.stop
        for name, f in (("--from", start), ("--to", stop)):
            if not 0 <= f < n:
                raise MaskError(f"{name} {f} is outside the video (frames 0..{n - 1})")
        if not any(0 <= x < w and 0 <= y < h for x, y in pts):
            raise MaskError(f"the shape's points are all outside the {w}x{h} frame")
        with ProgressPrinter() as show:
            for ev in track_shape(reader.frame, pts, start, stop):
                if isinstance(ev, Progress):
                    show(ev)
                elif isinstance(ev, TrackedShape):
                    frames[str(ev.frame)] = {"points": [[round(float(x), 3), round(float(y), 3)] for x, y in ev.points],
                                             "confidence": round(ev.confidence, 4)}
    doc = {"video": Path(args.video).name, "size": [w, h], "from": start, "to": stop, "frames": frames}
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(json.dumps(doc, indent=1) + "\n")
    os.chmod(tmp, 0o644)
    place(tmp, out)
    conf = [f["confidence"] for f in frames.values()]
    low = [int(k) for k, f in frames.items() if f["confidence"] < LOW]
    print(f"{out}: {len(frames)} frames, confidence min {min(conf):.2f} mean {sum(conf) / len(conf):.2f}"
          + (f"; low on {len(low)} frames (first {sorted(low)[0]}): add a key there" if low else ""))
    return 0


def register(msub) -> None:
    p = msub.add_parser(
        "track-shape", help="follow a shape's points through the video (JSON out)",
        description="Follow a shape (polygon points on frame --from) to frame --to, either direction, "
                    "by the motion of the pixels under it (a homography per frame), and write each "
                    "frame's points and confidence (0..1; low = too few points followed) as JSON.")
    p.add_argument("video", help="the video")
    p.add_argument("--points", required=True, help="the shape on frame --from: 'x,y x,y x,y ...' in pixels")
    p.add_argument("--from", dest="start", type=int, default=0, help="the frame the points are on (default 0)")
    p.add_argument("--to", dest="stop", type=int, help="the last frame to track to (default the last frame)")
    p.add_argument("--out", required=True, help="the JSON file to write")
    p.set_defaults(func=_run)
