"""Export benchmark: end-to-end speed per stage and peak memory for two clip lengths.

A synthetic 1920x1080 clip (a virtual camera panning over a photograph, H.264) of each length is
exported with a stationary watermark mask through :func:`inpaint_core.export.export_video`
(streaming, chunked). Each export runs in a fresh child process so its peak resident memory is its
own. Beside it, the low-resolution engine alone runs on the same clip at its working size.

    python tests/benchmarks/bench_export.py                    # 300 and 900 frames (the targets)
    python tests/benchmarks/bench_export.py --lengths 60 180   # a shorter configuration

Peak memory is the child process's peak resident set size (``ru_maxrss``: interpreter, libraries
and data). Targets (issue 9): peak memory at the long length within 10 % of the short one and under 3 GB.
Writes ``tests/benchmarks/results/export.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

SIZE = (1920, 1080)


def cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def make_clip(path: Path, n: int, photo: Path) -> None:
    from fractions import Fraction

    from inpaint_core.export.synthetic import load_photo, pan_frames
    from inpaint_core.video import VideoWriter

    with VideoWriter(path, width=SIZE[0], height=SIZE[1], time_base=Fraction(1, 12800), rate=Fraction(25),
                     crf=20, preset="veryfast") as w:
        for i, f in enumerate(pan_frames(load_photo(photo), SIZE, n, velocity=(1.7, 0.4))):
            w.write(f, i * 512)


def child(args) -> None:
    """Run one measurement in this process and print its JSON on the last line."""
    from inpaint_core.bench.memory import PeakMemory
    from inpaint_core.export import export_video
    from inpaint_core.export.synthetic import watermark_mask
    from inpaint_core.jobs import run_job

    mask = watermark_mask(SIZE, 0)
    out: dict = {"frames": args.frames, "mode": args.mode}
    if args.mode == "export":
        target = Path(args.tmp) / f"out_{args.frames}.mp4"
        with PeakMemory() as mem:
            t0, c0 = time.perf_counter(), cpu_s()
            res = run_job(export_video(args.clip, mask, target, engine=args.engine, residuals=args.residuals,
                                       shots=[(0, args.frames)]))
            wall, cpu = time.perf_counter() - t0, cpu_s() - c0
        out.update(wall_s=wall, cpu_s=cpu, fps=res.frames / wall, fps_cpu=res.frames / cpu,
                   stage_s=res.seconds, work_size=list(res.work_size), growth_mb=mem.rss_delta / 2**20,
                   peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        target.unlink(missing_ok=True)
    else:  # the engine alone at its working size, frames read through the same reader
        from inpaint_core.clipsource import ResizedClipSource
        from inpaint_core.engines import create_engine
        from inpaint_core.engines.base import Filled
        from inpaint_core.export.settings import default_work_size
        from inpaint_core.video import VideoReader

        eng = create_engine(args.engine)
        work = default_work_size(SIZE, eng.fixed_size)
        with VideoReader(args.clip, cache_bytes=64 * 2**20) as r, PeakMemory() as mem:
            src = ResizedClipSource(len(r), SIZE, work, r.frame, lambda i: mask, grow=eng.default_grow,
                                    shots=[(0, len(r))])
            t0, c0 = time.perf_counter(), cpu_s()
            n = sum(1 for ev in eng.run(src) if isinstance(ev, Filled))
            wall, cpu = time.perf_counter() - t0, cpu_s() - c0
        out.update(wall_s=wall, cpu_s=cpu, fps=n / wall, fps_cpu=n / cpu, work_size=list(work),
                   growth_mb=mem.rss_delta / 2**20,
                   peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(json.dumps(out))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lengths", type=int, nargs=2, default=[300, 900])
    ap.add_argument("--engine", default="propagate")
    ap.add_argument("--residuals", default="both")
    ap.add_argument("--photo", default=os.environ.get("VANISH_SHARED", str(ROOT.parent / "shared"))
                    + "/data/photos/Wood.jpg")
    ap.add_argument("--tmp", default="/tmp/vanish_bench_export")
    ap.add_argument("--out", default=str(ROOT / "tests/benchmarks/results/export.json"))
    ap.add_argument("--tag", default="run", help="key under which this run is stored in the JSON")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--mode", default="export", help=argparse.SUPPRESS)
    ap.add_argument("--frames", type=int, default=0, help=argparse.SUPPRESS)
    ap.add_argument("--clip", default="", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args)
        return
    tmp = Path(args.tmp)
    tmp.mkdir(parents=True, exist_ok=True)
    rows = []
    load_start = os.getloadavg()[0]
    for n in args.lengths:
        clip = tmp / f"clip_{n}.mp4"
        if not clip.exists():
            print(f"making a {SIZE[0]}x{SIZE[1]} clip of {n} frames ...", flush=True)
            make_clip(clip, n, Path(args.photo))
        for mode in ("engine", "export"):
            cmd = [sys.executable, __file__, "--child", "--mode", mode, "--frames", str(n), "--clip", str(clip),
                   "--engine", args.engine, "--residuals", args.residuals, "--tmp", str(tmp)]
            print(f"running {mode} on {n} frames ...", flush=True)
            res = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
            if res.returncode != 0:
                raise SystemExit(res.stderr)
            rows.append(json.loads(res.stdout.strip().splitlines()[-1]))
    short = [r for r in rows if r["mode"] == "export" and r["frames"] == args.lengths[0]][0]
    long_ = [r for r in rows if r["mode"] == "export" and r["frames"] == args.lengths[1]][0]
    ratio = long_["peak_rss_mb"] / max(1e-9, short["peak_rss_mb"])
    print(f"\nExport benchmark, {SIZE[0]}x{SIZE[1]}, engine {args.engine}, residuals {args.residuals}, "
          f"lengths {args.lengths[0]} and {args.lengths[1]} frames")
    if args.lengths != [300, 900]:
        print(f"NOTE: shorter configuration than the target's 300/900 frames: {args.lengths}")
    print(f"{'frames':>7} {'what':<8} {'fps wall':>9} {'fps cpu':>8} {'peak MB':>8}  stages (s)")
    for r in rows:
        st = ", ".join(f"{k} {v:.0f}" for k, v in r.get("stage_s", {}).items())
        print(f"{r['frames']:>7} {r['mode']:<8} {r['fps']:>9.2f} {r['fps_cpu']:>8.2f} {r['peak_rss_mb']:>8.0f}  {st}")
    print(f"peak memory long/short: {ratio:.3f} (target <= 1.10); long peak {long_['peak_rss_mb']:.0f} MB "
          f"(target < 3072 MB)")
    data = {"size": list(SIZE), "engine": args.engine, "residuals": args.residuals, "lengths": args.lengths,
            "target_lengths": [300, 900], "rows": rows, "peak_ratio": ratio,
            "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                        "load_avg_1m_at_start_and_end": [load_start, os.getloadavg()[0]],
                        "note": "a shared machine: wall fps is noisy; cpu fps counts this process's own "
                                "CPU time"}}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    old = json.loads(Path(args.out).read_text()) if Path(args.out).exists() else {}
    old[args.tag] = data
    Path(args.out).write_text(json.dumps(old, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
