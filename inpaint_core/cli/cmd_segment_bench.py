"""``vanish segment-bench``: object trackers side by side on composite clips with exact truth.

Example::

    vanish segment-bench --data /path/to/shared/data --out segment_bench.json

Renders the fixed composite clips (:mod:`inpaint_core.bench.segclips`), runs each ``--method``
from a box on frame 0 and prints per clip mean/worst IoU, boundary F, the frame where the track is
first lost and the frames it took to find the object again after each full occlusion or exit; then
the shared clips with object masks and the speed at 640x360.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from ..errors import VanishError


def register(sub) -> None:
    p = sub.add_parser("segment-bench", help="benchmark object tracking on composite clips with exact truth",
                       description="Track an object from a box on frame 0 with each --method on the "
                       "composite benchmark clips (and the shared clips with object masks); print and "
                       "write IoU, boundary F, lost frames and re-find delays per clip.")
    p.add_argument("--data", default=os.environ.get("VANISH_SHARED_DATA"),
                   help="folder holding clips/ (with masks) and photos/ (default $VANISH_SHARED_DATA)")
    p.add_argument("--method", action="append", choices=("today", "vos", "vos_s5", "vos_s6"), default=None,
                   help="tracker to run (repeatable; default both: today and vos; vos_s5: the "
                   "ObjectTracker's settings before session 6; vos_s6: the box prompt before "
                   "session 7)")
    p.add_argument("--clip", action="append", default=None, metavar="NAME",
                   help="only this composite clip (repeatable)")
    p.add_argument("--no-shared", action="store_true", help="skip the shared clips")
    p.add_argument("--no-speed", action="store_true", help="skip the 640x360 speed run")
    p.add_argument("--out", required=True, metavar="results.json", help="JSON results file")
    p.set_defaults(func=run)


def _refind(r: dict) -> str:
    if not r["refind"]:
        return "-"
    return ",".join("never" if d["delay"] is None else str(d["delay"]) for d in r["refind"])


def _row(name: str, m: str, r: dict) -> str:
    lost = "-" if r["lost_at"] is None else str(r["lost_at"])
    return (f"{name:18s} {m:6s} {r['first_iou']:6.3f} {r['mean_iou']:6.3f} {r['worst_iou']:6.3f} "
            f"{r['boundary_f']:6.3f} {lost:>5s} {_refind(r):>10s} {r['frames_flagged']:5d} {r['track_fps']:6.1f}")


HEADER = (f"{'clip':18s} {'method':6s} {'first':>6s} {'mean':>6s} {'worst':>6s} {'bndF':>6s} "
          f"{'lost@':>5s} {'refind':>10s} {'flag':>5s} {'fps':>6s}")


def run(args) -> int:
    from ..bench import segbench
    from ..bench.segclips import Sources

    if not args.data or not (Path(args.data) / "clips").is_dir() or not (Path(args.data) / "photos").is_dir():
        raise VanishError("--data must name a folder with clips/ (with object masks) and photos/ "
                          f"(got {args.data!r})")
    methods = args.method or ["today", "vos"]
    src = Sources(Path(args.data))
    print(HEADER)

    def show(name, r):
        for m in methods:
            print(_row(name, m, r[m]), flush=True)

    composite = segbench.run_composite(src, methods, args.clip, show)
    summary = segbench.summarise(composite, methods)
    for m in methods:
        s = summary[m]
        print(f"composite {m:6s}: mean IoU {s['mean_iou']:.3f}, worst clip {s['worst_clip_mean_iou']:.3f}, "
              f"boundary F {s['boundary_f']:.3f}, re-found within 10 frames {s['refound_within_10']}/"
              f"{s['reappearances']} (never {s['never_refound']})")
    doc = {"composite": composite, "summary": summary}
    if not args.no_shared:
        def show_shared(name, r):
            for kind in ("seeded", "box"):
                for m in methods:
                    print(_row(f"{name}/{kind}", m, r[kind][m]), flush=True)
            for k, v in r["box_first_iou_per_object"].items():
                print(f"{name} object {k}: box first-frame IoU " + ", ".join(f"{m} {v[m]:.3f}" for m in methods))

        doc["shared"] = segbench.run_shared(src, methods, show_shared)
    if not args.no_speed:
        before = os.getloadavg()
        doc["speed_640x360"] = sp = segbench.speed_640(src, methods)
        # the machine may be shared: the load around the timing and this process's niceness
        sp["load_average"] = {"before": [round(v, 2) for v in before],
                              "after": [round(v, 2) for v in os.getloadavg()]}
        sp["niceness"] = os.nice(0)
        print(f"load average {sp['load_average']['before'][0]:.1f} -> {sp['load_average']['after'][0]:.1f}, "
              f"niceness {sp['niceness']}")
        for m in methods:
            print(f"640x360 {m:6s}: box -> first mask {sp[m]['prompt_seconds']:.3f} s, "
                  f"tracking {sp[m]['track_fps']:.1f} frames/s (IoU {sp[m]['mean_iou']:.3f})")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(doc, indent=2) + "\n")
    print(f"wrote {out}", file=sys.stderr)
    return 0
