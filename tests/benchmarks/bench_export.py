"""Export benchmark: the pipelined streaming export against the earlier one-thread export, in one run.

A synthetic 1920x1080 clip (a virtual camera panning over a photograph, H.264) is exported with a
stationary watermark mask by the new export (``pipelined=True``: stages on threads, the engine fed
as a stream) and by the earlier path (``pipelined=False``: one thread, each 48-frame chunk filled on
its own with 16 frames of context). Each run is a fresh child process, so its peak resident memory
(``ru_maxrss``) is its own. Beside them, in the same run: the engine alone at its working size, the
new export on a clip three times longer (memory must not grow with the length), and quality:

* in-hole PSNR against the truth (the clip itself: the mask hides nothing burned in) of both
  exports, on the 1080p photo pans and on running_car (its square mask over clean pixels);
* the border step: mean absolute difference between consecutive output frames inside the hole at
  the old chunk borders (47|48, 95|96, ...) and away from them, for both exports.

    python tests/benchmarks/bench_export.py                  # 300/900 frames (the targets)
    python tests/benchmarks/bench_export.py --frames 120     # shorter (120/360), same measurements
    python tests/benchmarks/bench_export.py --device cuda    # restore on the GPU, where there is one
    python tests/benchmarks/bench_export.py --old-rev b29cd5e  # "old" = the export before issue 18's work

Targets (issue 18): end-to-end >= 2x the earlier path; peak memory at 3x the length within 10 % and
under 3 GB; end-to-end >= 60 % of the engine-alone throughput. Writes
``tests/benchmarks/results/export.json`` (key ``--tag``).
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

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
#: the tree a child imports: this one, or an earlier revision's for the ``--old-rev`` runs
sys.path.insert(0, os.environ.get("VANISH_BENCH_TREE", str(ROOT)))

SIZE = (1920, 1080)
OLD_CHUNK = 48  # the earlier export's chunk length: its fills restarted at these borders


def make_clip(path: Path, n: int, photo: Path, velocity=(1.7, 0.4)) -> None:
    from fractions import Fraction

    from inpaint_core.export.synthetic import load_photo, pan_frames
    from inpaint_core.video import VideoWriter

    with VideoWriter(path, width=SIZE[0], height=SIZE[1], time_base=Fraction(1, 12800), rate=Fraction(25),
                     crf=18, preset="veryfast") as w:
        for i, f in enumerate(pan_frames(load_photo(photo), SIZE, n, velocity=velocity)):
            w.write(f, i * 512)


def _mask(kind: str, size):
    from inpaint_core.export.synthetic import watermark_mask
    from inpaint_core.masks import read_mask_image

    if kind == "watermark":
        return watermark_mask(tuple(size), 0)
    return read_mask_image(Path(kind), size=tuple(size))


def child(args) -> None:
    """One measurement in this process; prints its JSON on the last line."""
    from inpaint_core.export import export_video
    from inpaint_core.jobs import run_job
    from inpaint_core.video import VideoReader

    with VideoReader(args.clip) as r:
        size, n = (r.info.width, r.info.height), len(r)
    mask = _mask(args.mask, size)
    out: dict = {"frames": min(n, args.end or n), "mode": args.mode, "clip": Path(args.clip).name}
    t0 = time.perf_counter()
    if args.mode in ("new", "old"):
        kw = {"engine_options": {"device": args.device}} if args.engine == "sttn" else {}
        if args.device != "cpu":
            kw["restore_device"] = args.device
        n = min(n, args.end or n)
        import inspect

        if "pipelined" in inspect.signature(export_video).parameters:  # an earlier tree has no such choice
            kw["pipelined"] = args.mode == "new"
        res = run_job(export_video(args.clip, mask, args.target, engine=args.engine, residuals="both",
                                   shots=None if args.scan else [(0, n)], end=n, **kw))
        wall = time.perf_counter() - t0
        per = res.per_frame() if hasattr(res, "per_frame") else \
            {k: v / max(1, res.frames) for k, v in res.seconds.items()}
        out.update(fps=res.frames / wall, wall_s=wall, stage_s_per_frame=per, work_size=list(res.work_size))
    else:  # the engine alone at its working size, fed by the same reader (decode and downsize included)
        from inpaint_core.engines import create_engine
        from inpaint_core.export.lowres import LowResSource, lowres_plan
        from inpaint_core.settings import ExportSettings

        eng = create_engine(args.engine)
        with VideoReader(args.clip, cache_bytes=64 * 2**20) as r:
            plan = lowres_plan(size, eng, ExportSettings())
            src = LowResSource(n, plan, eng.default_grow, r.frame, lambda i: mask, shots=[(0, n)])
            stream = eng.stream(plan.work, [(0, n)], 0, n)
            got = 0
            for i in range(n):
                got += len(stream.push(i, src.frame(i), src.mask(i)))
            got += len(stream.finish())
        wall = time.perf_counter() - t0
        out.update(fps=got / wall, wall_s=wall, work_size=list(plan.work))
    ru = resource.getrusage(resource.RUSAGE_SELF)
    out["peak_rss_mb"] = ru.ru_maxrss / 1024
    out["cpu_s_per_frame"] = (ru.ru_utime + ru.ru_stime) / max(1, out["frames"])
    print(json.dumps(out))


def run_child(mode: str, clip: Path, mask: str, target: Path, args, end: int = 0) -> dict:
    cmd = [sys.executable, __file__, "--child", "--mode", mode, "--clip", str(clip), "--mask", mask,
           "--target", str(target), "--engine", args.engine, "--device", args.device, "--end", str(end)]
    if "running_car" in str(clip):  # a real clip with a cut: the export finds its shots
        cmd.append("--scan")
    tree = str(ROOT)
    if mode == "old" and args.old_tree:  # the earlier export as that revision's tree ran it
        tree = args.old_tree
    print(f"  {mode:<6} {clip.name} ...", flush=True)
    res = subprocess.run(cmd, capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": tree, "VANISH_BENCH_TREE": tree})
    if res.returncode != 0:
        raise SystemExit(res.stderr[-4000:])
    return json.loads(res.stdout.strip().splitlines()[-1])


def unpack_tree(rev: str, folder: Path) -> str:
    """The package ``inpaint_core`` of git revision ``rev`` unpacked under ``folder``; its path."""
    import shutil

    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", rev, "inpaint_core"], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return str(folder)


def quality(src: Path, new: Path, old: Path, mask: np.ndarray) -> dict:
    """In-hole PSNR of both outputs against the source (pooled over every frame) and the border
    step of each (mean |out[t+1] - out[t]| in the hole at the old chunk borders and elsewhere)."""
    from inpaint_core.video import VideoReader

    hole = mask > 0
    sq = {"new": 0.0, "old": 0.0}
    steps = {k: {"border": [], "away": []} for k in sq}
    prev = {}
    count = 0
    with VideoReader(src) as a, VideoReader(new) as b, VideoReader(old) as c:
        for (i, t), (_, fn), (_, fo) in zip(a.iter_frames(), b.iter_frames(), c.iter_frames()):
            truth = t[hole].astype(np.float64)
            for k, f in (("new", fn), ("old", fo)):
                v = f[hole].astype(np.float64)
                sq[k] += float(((v - truth) ** 2).mean())
                if k in prev:
                    where = "border" if i % OLD_CHUNK == 0 else "away"
                    steps[k][where].append(float(np.abs(v - prev[k]).mean()))
                prev[k] = v
            count += 1
    out = {}
    for k in sq:
        mse = sq[k] / max(1, count)
        out[f"psnr_{k}"] = 99.0 if mse == 0 else 10 * np.log10(255.0 ** 2 / mse)
        out[f"step_border_{k}"] = float(np.mean(steps[k]["border"])) if steps[k]["border"] else None
        out[f"step_away_{k}"] = float(np.mean(steps[k]["away"])) if steps[k]["away"] else None
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=300, help="the speed clip's length (memory: also 3x)")
    ap.add_argument("--quality-frames", type=int, default=96, help="length of the further photo pans")
    ap.add_argument("--engine", default="propagate")
    ap.add_argument("--device", default="cpu", help="cpu or cuda (restore on the GPU where present)")
    ap.add_argument("--photos", nargs="*", default=["Garden.jpg", "Dune.jpg"])
    ap.add_argument("--no-running-car", action="store_true")
    ap.add_argument("--shared", default=os.environ.get("VANISH_SHARED", str(ROOT.parent / "shared")))
    ap.add_argument("--tmp", default="/tmp/vanish_bench_export")
    ap.add_argument("--out", default=str(ROOT / "tests/benchmarks/results/export.json"))
    ap.add_argument("--tag", default="run", help="key under which this run is stored in the JSON")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--mode", default="new", help=argparse.SUPPRESS)
    ap.add_argument("--clip", default="", help=argparse.SUPPRESS)
    ap.add_argument("--mask", default="watermark", help=argparse.SUPPRESS)
    ap.add_argument("--target", default="", help=argparse.SUPPRESS)
    ap.add_argument("--end", type=int, default=0, help=argparse.SUPPRESS)
    ap.add_argument("--scan", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--car-frames", type=int, default=0, help="running_car frames (default: all 292)")
    ap.add_argument("--old-rev", default="",
                    help="run the earlier export (the 'old' rows) from this git revision's tree instead of "
                         "this tree's one-thread path, e.g. the commit before the streaming export")
    args = ap.parse_args()
    args.old_tree = ""
    if args.child:
        child(args)
        return
    if args.old_rev:
        args.old_tree = unpack_tree(args.old_rev, Path(args.tmp) / "old_tree")
    tmp = Path(args.tmp)
    tmp.mkdir(parents=True, exist_ok=True)
    photos = Path(args.shared) / "data" / "photos"
    load_start = os.getloadavg()[0]
    n, n_long = args.frames, 3 * args.frames
    clips = {}
    for name, length in (("Wood.jpg", n), ("Wood.jpg", n_long), *((p, args.quality_frames) for p in args.photos)):
        clip = tmp / f"{Path(name).stem}_{length}.mp4"
        if not clip.exists():
            print(f"making a {SIZE[0]}x{SIZE[1]} pan over {name}, {length} frames ...", flush=True)
            make_clip(clip, length, photos / name)
        clips[(name, length)] = clip
    print("speed and memory (each run a fresh process):")
    speed_clip = clips[("Wood.jpg", n)]
    rows = {"new": run_child("new", speed_clip, "watermark", tmp / "new.mp4", args),
            "old": run_child("old", speed_clip, "watermark", tmp / "old.mp4", args),
            "engine": run_child("engine", speed_clip, "watermark", tmp / "none.mp4", args),
            "new_long": run_child("new", clips[("Wood.jpg", n_long)], "watermark", tmp / "new_long.mp4", args)}
    from inpaint_core.export.synthetic import watermark_mask

    qual = {f"Wood.jpg ({n} frames)": quality(speed_clip, tmp / "new.mp4", tmp / "old.mp4", watermark_mask(SIZE, 0))}
    for p in args.photos:
        c = clips[(p, args.quality_frames)]
        q = {m: run_child(m, c, "watermark", tmp / f"{m}_q.mp4", args) for m in ("new", "old")}
        qual[f"{p} ({args.quality_frames} frames)"] = {**quality(c, tmp / "new_q.mp4", tmp / "old_q.mp4",
                                                                 watermark_mask(SIZE, 0)),
                                                       "fps_new": q["new"]["fps"], "fps_old": q["old"]["fps"]}
    car = Path(args.shared) / "data" / "clips" / "running_car"
    if not args.no_running_car and car.is_dir():
        m = str(car / "square_mask_432x240.png")
        q = {k: run_child(k, car / "video.mp4", m, tmp / f"car_{k}.mp4", args, args.car_frames)
             for k in ("new", "old")}
        qual["running_car (square mask, 972x540)"] = {
            **quality(car / "video.mp4", tmp / "car_new.mp4", tmp / "car_old.mp4", _mask(m, (972, 540))),
            "fps_new": q["new"]["fps"], "fps_old": q["old"]["fps"]}
    report(rows, qual, args, load_start)


def report(rows: dict, qual: dict, args, load_start: float) -> None:
    new, old, eng, long_ = rows["new"], rows["old"], rows["engine"], rows["new_long"]
    speedup = new["fps"] / old["fps"]
    of_engine = new["fps"] / eng["fps"]
    mem_ratio = long_["peak_rss_mb"] / new["peak_rss_mb"]
    print(f"\nExport benchmark, {SIZE[0]}x{SIZE[1]}, engine {args.engine}, residuals both, device {args.device}, "
          f"{os.cpu_count()} CPUs, load {load_start:.1f} -> {os.getloadavg()[0]:.1f}")
    if args.frames != 300:
        print(f"NOTE: a shorter configuration than the target's 300/900 frames: {args.frames}/{3 * args.frames}")
    print(f"{'run':<10} {'frames':>6} {'fps':>6} {'cpu s/f':>7} {'peak MB':>8}  seconds per frame by stage "
          "(busy time; the new export's stages overlap)")
    for k, r in rows.items():
        st = ", ".join(f"{s} {v:.3f}" for s, v in r.get("stage_s_per_frame", {}).items())
        print(f"{k:<10} {r['frames']:>6} {r['fps']:>6.2f} {r['cpu_s_per_frame']:>7.2f} {r['peak_rss_mb']:>8.0f}  {st}")
    earlier = f"revision {args.old_rev}" if args.old_rev else "this tree's one-thread path"
    print(f"end to end, new / earlier ({earlier}): {speedup:.2f}x (target >= 2)")
    print(f"end to end / engine alone: {of_engine:.0%} (target >= 60 %)")
    print(f"peak memory {3 * args.frames} / {args.frames} frames: {mem_ratio:.3f} (target <= 1.10), "
          f"{long_['peak_rss_mb']:.0f} MB (target < 3072)")
    print(f"\n{'clip':<38} {'PSNR new':>9} {'PSNR old':>9} {'diff':>6}  step at borders / away: new | old")
    for name, q in qual.items():
        d = q["psnr_new"] - q["psnr_old"]

        def f(v):
            return "-" if v is None else f"{v:.2f}"

        print(f"{name:<38} {q['psnr_new']:>9.2f} {q['psnr_old']:>9.2f} {d:>+6.2f}  "
              f"{f(q['step_border_new'])} / {f(q['step_away_new'])} | {f(q['step_border_old'])} / {f(q['step_away_old'])}")
    data = {"size": list(SIZE), "engine": args.engine, "device": args.device, "frames": args.frames,
            "old": args.old_rev or "one-thread path of this tree",
            "rows": rows, "quality": qual, "speedup": speedup, "of_engine": of_engine, "mem_ratio": mem_ratio,
            "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                        "load_avg_1m_at_start_and_end": [load_start, os.getloadavg()[0]],
                        "note": "a shared machine: the runs are side by side in one invocation"}}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    old_doc = json.loads(out.read_text()) if out.exists() else {}
    old_doc[args.tag] = data
    out.write_text(json.dumps(old_doc, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
