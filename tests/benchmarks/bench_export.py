"""Export benchmark: the pipelined streaming export against the earlier one-thread export, in one run.

A synthetic 1920x1080 clip (a virtual camera panning over a photograph, H.264) is exported with a
stationary watermark mask by the new export (``pipelined=True``: stages on threads, the engine fed
as a stream) and by the earlier path (``pipelined=False``: one thread, each 48-frame chunk filled on
its own with 16 frames of context). Each run is a fresh child process, so its peak resident memory
(``ru_maxrss``) is its own. Beside them, in the same run: the engine alone at its working size, the
new export on a clip three times longer (memory must not grow with the length), and quality:

* in-hole PSNR against the truth of both exports, on the 1080p photo pans and on running_car (its
  square mask): the exports are given the clips with a logo burned into the hole
  (:func:`inpaint_core.bench.occlude.occlude`, ``--hole-content``, default ``logo``) and scored
  against the clean clips, so no method sees the answer through the hole;
* the border step: mean absolute difference between consecutive output frames inside the hole at
  the old chunk borders (47|48, 95|96, ...), at the classical engine's own chunk borders (its
  stream still runs in chunks, 15 frames at 960x540) and away from both, with 95 % bootstrap
  intervals, the step relative to its neighbours, and the share of random away frames with a
  step as large (see :func:`step_stats`).

    python tests/benchmarks/bench_export.py                  # 300/900 frames (the targets)
    python tests/benchmarks/bench_export.py --frames 120     # shorter (120/360), same measurements
    python tests/benchmarks/bench_export.py --device cuda    # restore on the GPU, where there is one
    python tests/benchmarks/bench_export.py --old-rev b29cd5e  # "old" = the export before issue 18's work
    python tests/benchmarks/bench_export.py --today-rev 4ebc4dc  # one more row, 'today': the pipelined
        # export of that revision (the restore before session 7's work), beside this tree's
    python tests/benchmarks/bench_export.py --frames 120 --skip old long --alt-options '{"ahead": 8}'
        # one more row, 'alt': the new export with other engine options, beside the default

The stage table gives busy seconds per frame (wall time inside a stage: with four stages on two
cores it includes waiting for a core) and the CPU seconds of the stage's own thread, the figure that
compares with the engine alone (the engine row: decoding, downsizing and mask growth included).

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

from export_inputs import burned, unpack_tree  # noqa: E402 (beside this script)

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
    opts = json.loads(args.engine_options or "{}")
    if args.mode in ("new", "old"):
        kw = {"engine_options": {"device": args.device}} if args.engine == "sttn" else {}
        if opts:
            kw["engine_options"] = {**kw.get("engine_options", {}), **opts}
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
        out.update(fps=res.frames / wall, wall_s=wall, stage_s_per_frame=per, work_size=list(res.work_size),
                   engine_chunk=_engine_chunk(args.engine, opts, res.work_size))
    else:  # the engine alone at its working size, fed by the same reader (decode and downsize included)
        from inpaint_core.engines import create_engine
        from inpaint_core.export.lowres import LowResSource, lowres_plan
        from inpaint_core.settings import ExportSettings

        eng = create_engine(args.engine, **opts)
        with VideoReader(args.clip, cache_bytes=64 * 2**20) as r:
            plan = lowres_plan(size, eng, ExportSettings())
            src = LowResSource(n, plan, eng.default_grow, r.frame, lambda i: mask, shots=[(0, n)])
            stream = eng.stream(plan.work, [(0, n)], 0, n)
            got = 0
            for i in range(n):
                got += len(stream.push(i, src.frame(i), src.mask(i)))
            got += len(stream.finish())
        wall = time.perf_counter() - t0
        out.update(fps=got / wall, wall_s=wall, work_size=list(plan.work),
                   engine_chunk=_engine_chunk(args.engine, opts, plan.work))
    ru = resource.getrusage(resource.RUSAGE_SELF)
    out["peak_rss_mb"] = ru.ru_maxrss / 1024
    out["cpu_s_per_frame"] = (ru.ru_utime + ru.ru_stime) / max(1, out["frames"])
    print(json.dumps(out))


def _engine_chunk(engine: str, opts: dict, work) -> int:
    """The classical engine's own chunk length at ``work`` (its stream's internal borders), else 0."""
    from inpaint_core.engines import create_engine

    eng = create_engine(engine, **opts)
    return int(eng._chunking(tuple(work))[0]) if hasattr(eng, "_chunking") else 0


def run_child(mode: str, clip: Path, mask: str, target: Path, args, end: int = 0, options: str | None = None) -> dict:
    cmd = [sys.executable, __file__, "--child", "--mode", mode, "--clip", str(clip), "--mask", mask,
           "--target", str(target), "--engine", args.engine, "--device", args.device, "--end", str(end),
           "--engine-options", args.engine_options if options is None else options]
    if "running_car" in str(clip):  # a real clip with a cut: the export finds its shots
        cmd.append("--scan")
    tree = str(ROOT)
    if mode == "old" and args.old_tree:  # the earlier export as that revision's tree ran it
        tree = args.old_tree
    if mode == "today":  # the pipelined export of --today-rev
        tree, cmd[cmd.index("--mode") + 1] = args.today_tree, "new"
    print(f"  {mode:<6} {clip.name} {options or ''}...", flush=True)
    res = subprocess.run(cmd, capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": tree, "VANISH_BENCH_TREE": tree})
    if res.returncode != 0:
        raise SystemExit(res.stderr[-4000:])
    return json.loads(res.stdout.strip().splitlines()[-1])


def quality(src: Path, outs: dict[str, Path], mask: np.ndarray, chunks: dict[str, int]) -> dict:
    """In-hole PSNR of each output against the source (pooled over every frame) and its border
    step: per frame ``i >= 1``, mean |out[i] - out[i-1]| in the hole, summarised by
    :func:`step_stats` at the old chunk borders (``i % 48 == 0``), at the output's own engine chunk
    borders (``chunks[name]``, 0: none) and away from both."""
    from inpaint_core.video import VideoReader

    hole = mask > 0
    names = list(outs)
    sq = dict.fromkeys(names, 0.0)
    steps: dict[str, list[float]] = {k: [] for k in names}
    truth_steps: list[float] = []
    prev: dict = {}
    count = 0
    readers = [VideoReader(src)] + [VideoReader(outs[k]) for k in names]
    try:
        for items in zip(*(r.iter_frames() for r in readers)):
            truth = items[0][1][hole].astype(np.float64)
            if "truth" in prev:
                truth_steps.append(float(np.abs(truth - prev["truth"]).mean()))
            prev["truth"] = truth
            for k, (_, f) in zip(names, items[1:]):
                v = f[hole].astype(np.float64)
                sq[k] += float(((v - truth) ** 2).mean())
                if k in prev:
                    steps[k].append(float(np.abs(v - prev[k]).mean()))
                prev[k] = v
            count += 1
    finally:
        for r in readers:
            r.close()
    out: dict = {"truth_steps": truth_steps}
    for k in names:
        mse = sq[k] / max(1, count)
        out[f"psnr_{k}"] = 99.0 if mse == 0 else 10 * np.log10(255.0 ** 2 / mse)
        st = step_stats(np.asarray(steps[k]), chunks.get(k, 0))
        out[f"steps_{k}"] = st
        out[f"step_border_{k}"], out[f"step_away_{k}"] = st["old"]["mean"], st["away"]["mean"]
    return out


def _ci(values: np.ndarray, rng, n_boot: int = 4000) -> list[float]:
    """95 % bootstrap interval of the mean of ``values``."""
    if len(values) < 2:
        return [float("nan"), float("nan")]
    means = rng.choice(values, size=(n_boot, len(values)), replace=True).mean(axis=1)
    return [float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))]


def step_stats(steps: np.ndarray, engine_chunk: int, seed: int = 0) -> dict:
    """``steps[k]``: the step into frame ``k + 1``. For the frames at the old borders (every
    :data:`OLD_CHUNK`), at the engine's own chunk borders (every ``engine_chunk``; none if 0) and
    away from both: mean, 95 % bootstrap interval, count; for each border set, the same on each
    border step minus the mean of the two steps on either side (``rel``, against the same for
    frames away from any border: it removes the clip's own changes of motion), and ``p_random``:
    the share of as many randomly drawn away frames whose mean step is at least the border mean
    (a step at the borders shows as a small share; noise of few samples as a middling one)."""
    rng = np.random.default_rng(seed)
    frame = np.arange(1, len(steps) + 1)
    sets = {"old": frame % OLD_CHUNK == 0,
            "engine": (frame % engine_chunk == 0) if engine_chunk else np.zeros(len(steps), bool)}
    near = np.zeros(len(steps), bool)  # a border within 2 steps: not a clean "away" neighbourhood
    for m in sets.values():
        for d in range(-2, 3):
            near |= np.roll(m, d) & (np.arange(len(steps)) + d >= 0) & (np.arange(len(steps)) + d < len(steps))
    away = ~(sets["old"] | sets["engine"])

    def rel(idx):
        out = []
        for k in idx:
            nb = [j for j in (k - 2, k - 1, k + 1, k + 2) if 0 <= j < len(steps)]
            out.append(steps[k] - steps[nb].mean())
        return np.asarray(out)

    rel_away = rel(np.nonzero(~near)[0])
    res = {"away": {"mean": float(steps[away].mean()) if away.any() else None,
                    "ci": _ci(steps[away], rng), "n": int(away.sum()),
                    "rel": float(rel_away.mean()) if len(rel_away) else None, "rel_ci": _ci(rel_away, rng)}}
    pool = steps[away]
    for name, m in sets.items():
        if not m.any():
            res[name] = {"mean": None, "n": 0}
            continue
        r = rel(np.nonzero(m)[0])
        draws = rng.choice(pool, size=(4000, int(m.sum())), replace=True).mean(axis=1) if len(pool) else np.zeros(1)
        res[name] = {"mean": float(steps[m].mean()), "ci": _ci(steps[m], rng), "n": int(m.sum()),
                     "rel": float(r.mean()), "rel_ci": _ci(r, rng),
                     "p_random": float((draws >= steps[m].mean()).mean())}
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=300, help="the speed clip's length (memory: also 3x)")
    ap.add_argument("--quality-frames", type=int, default=96, help="length of the further photo pans")
    ap.add_argument("--engine", default="propagate")
    ap.add_argument("--engine-options", default="", help="JSON of engine options for every run")
    ap.add_argument("--alt-options", default="",
                    help="JSON of engine options for one more run of the new export (row 'alt'), beside the others")
    ap.add_argument("--skip", nargs="*", default=[], choices=["old", "long", "engine"],
                    help="rows left out (shorter runs; the targets need them all)")
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
    ap.add_argument("--today-rev", default="",
                    help="one more row, 'today': the pipelined export of this git revision's tree")
    ap.add_argument("--hole-content", default="logo", choices=["logo", "flat", "truth"],
                    help="what the exports' input holds under the mask (truth: the clean clip, optimistic)")
    ap.add_argument("--old-rev", default="",
                    help="run the earlier export (the 'old' rows) from this git revision's tree instead of "
                         "this tree's one-thread path, e.g. the commit before the streaming export")
    args = ap.parse_args()
    args.old_tree = args.today_tree = ""
    if args.child:
        child(args)
        return
    if args.old_rev:
        args.old_tree = unpack_tree(args.old_rev, Path(args.tmp) / "old_tree")
    if args.today_rev:
        args.today_tree = unpack_tree(args.today_rev, Path(args.tmp) / "today_tree")
    tmp = Path(args.tmp)
    tmp.mkdir(parents=True, exist_ok=True)
    photos = Path(args.shared) / "data" / "photos"
    load_start = os.getloadavg()[0]
    n, n_long = args.frames, 3 * args.frames
    lengths = [n] + ([] if "long" in args.skip else [n_long])
    clips = {}
    for name, length in (*(("Wood.jpg", k) for k in lengths), *((p, args.quality_frames) for p in args.photos)):
        clip = tmp / f"{Path(name).stem}_{length}.mp4"
        if not clip.exists():
            print(f"making a {SIZE[0]}x{SIZE[1]} pan over {name}, {length} frames ...", flush=True)
            make_clip(clip, length, photos / name)
        clips[(name, length)] = clip
    # the exports compared for quality: mode, engine options (None: --engine-options)
    variants = {"new": ("new", None)}
    if args.today_rev:
        variants["today"] = ("today", None)
    if args.alt_options:
        variants["alt"] = ("new", args.alt_options)
    if "old" not in args.skip:
        variants["old"] = ("old", None)
    from inpaint_core.export.synthetic import watermark_mask

    hc = args.hole_content
    fed = {key: burned(c, watermark_mask(SIZE, 0), c.with_name(f"{c.stem}_{hc}.mp4"), hc) for key, c in clips.items()}
    print(f"speed and memory (each run a fresh process; input: hole content '{hc}'):")
    speed_clip = clips[("Wood.jpg", n)]
    speed_in = fed[("Wood.jpg", n)]
    rows = {k: run_child(m, speed_in, "watermark", tmp / f"{k}.mp4", args, options=o) for k, (m, o) in variants.items()}
    if "engine" not in args.skip:
        rows["engine"] = run_child("engine", speed_in, "watermark", tmp / "none.mp4", args)
    if "long" not in args.skip:
        rows["new_long"] = run_child("new", fed[("Wood.jpg", n_long)], "watermark", tmp / "new_long.mp4", args)

    def chunks_of(rs):  # the old export restarted at its own 48-frame chunks, not the engine's
        return {k: (rs[k].get("engine_chunk", 0) if k != "old" else 0) for k in variants}

    qual = {f"Wood.jpg ({n} frames)": quality(speed_clip, {k: tmp / f"{k}.mp4" for k in variants},
                                              watermark_mask(SIZE, 0), chunks_of(rows))}
    for p in args.photos:
        c = clips[(p, args.quality_frames)]
        q = {k: run_child(m, fed[(p, args.quality_frames)], "watermark", tmp / f"{k}_q.mp4", args, options=o)
             for k, (m, o) in variants.items()}
        qual[f"{p} ({args.quality_frames} frames)"] = {
            **quality(c, {k: tmp / f"{k}_q.mp4" for k in variants}, watermark_mask(SIZE, 0), chunks_of(q)),
            **{f"fps_{k}": v["fps"] for k, v in q.items()}}
    car = Path(args.shared) / "data" / "clips" / "running_car"
    if not args.no_running_car and car.is_dir():
        m = str(car / "square_mask_432x240.png")
        car_in = burned(car / "video.mp4", _mask(m, (972, 540)), tmp / f"running_car_{hc}.mp4", hc)
        q = {k: run_child(mm, car_in, m, tmp / f"car_{k}.mp4", args, args.car_frames, options=o)
             for k, (mm, o) in variants.items()}
        qual["running_car (square mask, 972x540)"] = {
            **quality(car / "video.mp4", {k: tmp / f"car_{k}.mp4" for k in variants}, _mask(m, (972, 540)),
                      chunks_of(q)),
            **{f"fps_{k}": v["fps"] for k, v in q.items()}}
    report(rows, qual, args, load_start)


def _f(v, fmt="{:.2f}"):
    return "-" if v is None or (isinstance(v, float) and np.isnan(v)) else fmt.format(v)


def report(rows: dict, qual: dict, args, load_start: float) -> None:
    new = rows["new"]
    old, eng, long_ = rows.get("old"), rows.get("engine"), rows.get("new_long")
    speedup = new["fps"] / old["fps"] if old else None
    of_engine = new["fps"] / eng["fps"] if eng else None
    mem_ratio = long_["peak_rss_mb"] / new["peak_rss_mb"] if long_ else None
    print(f"\nExport benchmark, {SIZE[0]}x{SIZE[1]}, engine {args.engine} {args.engine_options}, residuals both, "
          f"device {args.device}, {os.cpu_count()} CPUs, load {load_start:.1f} -> {os.getloadavg()[0]:.1f}")
    if args.alt_options:
        print(f"row 'alt': the new export with engine options {args.alt_options}")
    if args.frames != 300:
        print(f"NOTE: a shorter configuration than the target's 300/900 frames: {args.frames}/{3 * args.frames}")
    print(f"{'run':<10} {'frames':>6} {'fps':>6} {'cpu s/f':>7} {'peak MB':>8}  seconds per frame by stage: busy "
          "(wall time in the stage; the new export's stages overlap and share the cores) / CPU of the stage's thread")
    for k, r in rows.items():
        per = r.get("stage_s_per_frame", {})
        st = ", ".join(f"{s} {v:.3f}" + (f"/{per[s + '.cpu']:.3f}" if s + ".cpu" in per else "")
                       for s, v in per.items() if not s.endswith(".cpu"))
        print(f"{k:<10} {r['frames']:>6} {r['fps']:>6.2f} {r['cpu_s_per_frame']:>7.2f} {r['peak_rss_mb']:>8.0f}  {st}")
    if eng:
        print("  engine: the classical engine's stream alone at the same working size on the same frames, fed by the "
              "same reader: decoding at full size, downsizing and the mask's growth included; no restore, no encode; "
              "OpenCV with its default threads (the whole machine, as the export has)")
    if old:
        earlier = f"revision {args.old_rev}" if args.old_rev else "this tree's one-thread path"
        print(f"end to end, new / earlier ({earlier}): {speedup:.2f}x (target >= 2)")
    if eng:
        print(f"end to end / engine alone: {of_engine:.0%} (target >= 60 %)")
    if long_:
        print(f"peak memory {3 * args.frames} / {args.frames} frames: {mem_ratio:.3f} (target <= 1.10), "
              f"{long_['peak_rss_mb']:.0f} MB (target < 3072)")
    if "today" in rows:
        t = rows["today"]
        print(f"end to end, new / today (revision {args.today_rev}): {new['fps'] / t['fps']:.2f}x; restore CPU "
              f"s/frame new {new['stage_s_per_frame'].get('restore.cpu', float('nan')):.3f} / today "
              f"{t['stage_s_per_frame'].get('restore.cpu', float('nan')):.3f}"
              + (f"; today / engine alone {t['fps'] / eng['fps']:.0%}" if eng else ""))
    names = [k for k in rows if k in ("new", "today", "alt", "old")]
    print(f"\nin-hole PSNR against the clean clip (input: hole content '{args.hole_content}')")
    print(f"{'clip':<38} " + " ".join(f"{'PSNR ' + k:>9}" for k in names) + ("  new-today" if "today" in names else "") +
          ("  new-old" if "old" in names else "") + ("  alt-new" if "alt" in names else ""))
    for name, q in qual.items():
        line = f"{name:<38} " + " ".join(f"{q['psnr_' + k]:>9.2f}" for k in names)
        if "today" in names:
            line += f"  {q['psnr_new'] - q['psnr_today']:>+9.2f}"
        if "old" in names:
            line += f"  {q['psnr_new'] - q['psnr_old']:>+7.2f}"
        if "alt" in names:
            line += f"  {q['psnr_alt'] - q['psnr_new']:>+7.2f}"
        print(line)
    print("\nstep in the hole (mean |out[i] - out[i-1]|): mean [95 % interval] (frames); 'rel': the step minus the "
          "mean of the 2 steps on each side; p: share of as many random away frames with a mean step >= it")
    for name, q in qual.items():
        print(f"{name}")
        for k in names:
            st = q[f"steps_{k}"]
            a = st["away"]
            line = f"  {k:<4} away {_f(a['mean'])} [{_f(a['ci'][0])}, {_f(a['ci'][1])}] ({a['n']}), rel {_f(a['rel'], '{:+.2f}')}"
            for b in ("old", "engine"):
                s = st[b]
                if s["n"]:
                    line += (f" | {b} borders {_f(s['mean'])} [{_f(s['ci'][0])}, {_f(s['ci'][1])}] ({s['n']}), "
                             f"rel {_f(s['rel'], '{:+.2f}')} [{_f(s['rel_ci'][0], '{:+.2f}')}, "
                             f"{_f(s['rel_ci'][1], '{:+.2f}')}], p {s['p_random']:.2f}")
            print(line)
    data = {"size": list(SIZE), "engine": args.engine, "engine_options": args.engine_options,
            "alt_options": args.alt_options, "device": args.device, "frames": args.frames,
            "old": args.old_rev or "one-thread path of this tree", "today": args.today_rev,
            "hole_content": args.hole_content,
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
