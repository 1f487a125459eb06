"""Seconds per frame of the classical engine alone (its stream, as the export and the preview drive
it), today's tree against another tree, side by side in one run.

    PYTHONPATH=$PWD python tests/benchmarks/bench_engine_stream.py --base-tree ../engine-base \
        [--frames 40] [--sizes 640,960] [--rounds 2] [--profile]

Each measurement runs in a child process with ``PYTHONPATH`` set to the tree measured; the trees
alternate, and the best of ``--rounds`` counts (the machine is shared). The clip is ../shared's
running_car with its watermark mask (grown as the clip source grows it), resized to each working
size (long side 640: the editor's preview; 960: the export's working size at 1080p). The children
also print a digest of the filled frames, so a change that alters pixels shows. ``--profile``:
one cProfile run of today's tree per size instead. ``--quality``: in-hole PSNR against the truth
of both trees on the quality benchmark's clips (432x240, the bench's stationary and object holes,
``--frames`` frames each; ``--sizes 0`` is the bench's 432x240, other sizes use the clips at least
that large), printed side by side. Writes tests/benchmarks/results/engine_stream.json
(engine_quality.json).
``--border``: the step in the fill at the engine's own chunk borders against away from them, with
in-hole PSNR and CPU seconds per frame, on 1080p photo pans at 960x540 with a burned-in logo
(:func:`border`; writes engine_border.json):

    PYTHONPATH=$PWD python tests/benchmarks/bench_engine_stream.py --border --base-tree /tmp/base \
        --frames 150 --rounds 1 [--photos Garden.jpg,Wood.jpg] [--variant ahead8='{"ahead": 8}']
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "tests" / "benchmarks" / "results" / "engine_stream.json"

CHILD = r"""
import hashlib, json, os, sys, time
import av, cv2, numpy as np
from inpaint_core.engines import create_engine
from inpaint_core.masks.ops import grow_mask
from inpaint_core.settings import working_size

shared, long_side, n, start, prof = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
clip = os.path.join(shared, "data", "clips", "running_car")
frames = []
with av.open(os.path.join(clip, "video.mp4")) as c:
    for i, f in enumerate(c.decode(video=0)):
        if i < start:
            continue
        if len(frames) == n:
            break
        frames.append(f.to_ndarray(format="rgb24"))
h0, w0 = frames[0].shape[:2]
w, h = working_size((w0, h0), long_side=long_side)
frames = [cv2.resize(f, (w, h), interpolation=cv2.INTER_AREA) for f in frames]
m = cv2.imread(os.path.join(clip, "watermark_mask.png"), cv2.IMREAD_GRAYSCALE)
m = np.where(cv2.resize(m, (w, h), interpolation=cv2.INTER_NEAREST) > 127, 255, 0).astype(np.uint8)
engine = create_engine("propagate")
m = grow_mask(m, engine.default_grow)

def go():
    s = engine.stream((w, h), [(0, n)], 0, n)
    out = []
    for i, f in enumerate(frames):
        out += s.push(i, f, m)
    out += s.finish()
    return out

if prof:
    import cProfile, pstats
    pr = cProfile.Profile()
    t0 = time.perf_counter(); pr.enable(); out = go(); pr.disable(); dt = time.perf_counter() - t0
    pstats.Stats(pr).sort_stats("tottime").print_stats(25)
else:
    t0 = time.perf_counter(); out = go(); dt = time.perf_counter() - t0
dig = hashlib.sha1(b"".join(o.rgb.tobytes() for o in out)).hexdigest()[:12]
print("RESULT " + json.dumps({"size": [w, h], "frames": len(out), "s_per_frame": dt / n, "digest": dig}))
"""


QUALITY = r"""
import json, sys
import cv2, numpy as np
from inpaint_core.bench.runner import clip_seed, make_masks
from inpaint_core.engines import create_engine
from inpaint_core.metrics import psnr_from_mse
from inpaint_core.settings import working_size
from tests.benchmarks.bench_propagate import CLIPS, SHARED, read_frames

n, long_side = int(sys.argv[1]), int(sys.argv[2])
rows = {}
for name, (path, start) in CLIPS.items():
    frames = read_frames(SHARED / path, start, n, size=None)
    src = frames[0].shape[1::-1]
    if long_side and max(src) < long_side:
        continue  # not upsized
    size = working_size(src, long_side=long_side) if long_side else (432, 240)
    frames = [cv2.resize(f, size, interpolation=cv2.INTER_AREA) for f in frames]
    for kind in ("stationary", "object"):
        masks = list(make_masks(kind, len(frames), size, clip_seed(0, name), (0.05, 0.15)))
        s = create_engine("propagate").stream(size, [(0, len(frames))], 0, len(frames))
        out = []
        for i, (f, m) in enumerate(zip(frames, masks)):
            out += s.push(i, f, m)
        out += s.finish()
        err = [((o.rgb.astype(np.float64) - f)[m > 0] ** 2) for o, f, m in zip(out, frames, masks)]
        rows[f"{name}/{kind}"] = psnr_from_mse(float(np.concatenate(err).mean()))
print("RESULT " + json.dumps(rows))
"""


BORDER = r"""
import json, sys, time
import cv2, numpy as np
from inpaint_core.bench.occlude import occlude
from inpaint_core.engines import create_engine
from inpaint_core.export.synthetic import load_photo, pan_frames, watermark_mask
from inpaint_core.masks.ops import grow_mask

photo, n, opts = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3])
work = (960, 540)  # the export's working size for a 1920x1080 clip
truth = np.stack([cv2.resize(f, work, interpolation=cv2.INTER_AREA)
                  for f in pan_frames(load_photo(photo), (1920, 1080), n, velocity=(1.7, 0.4))])
logo = np.where(cv2.resize(watermark_mask((1920, 1080), 0), work, interpolation=cv2.INTER_AREA) > 0, 255, 0)
logo = logo.astype(np.uint8)
seen = occlude(truth, np.repeat(logo[None], n, 0), "logo")  # the engine sees the burned-in logo
engine = create_engine("propagate", **opts)
hole = grow_mask(logo, engine.default_grow)
c0, t0 = time.process_time(), time.perf_counter()
s = engine.stream(work, [(0, n)], 0, n)
out = []
for i in range(n):
    out += s.push(i, seen[i], hole)
out += s.finish()
cpu, wall = time.process_time() - c0, time.perf_counter() - t0
h = hole > 0
err = np.concatenate([(o.rgb[h].astype(np.float64) - t[h]) ** 2 for o, t in zip(out, truth)])
steps = [float(np.abs(out[i].rgb[h].astype(np.float32) - out[i - 1].rgb[h]).mean()) for i in range(1, n)]
print("RESULT " + json.dumps({"psnr": float(10 * np.log10(255 ** 2 / err.mean())), "steps": steps,
                              "chunk": int(engine._chunking(work)[0]), "cpu_s_per_frame": cpu / n,
                              "wall_s_per_frame": wall / n, "filled_once": set(s.filled.values()) == {1}}))
"""


def border(trees: dict[str, Path], photos: list[str], n: int, rounds: int, shared: str) -> None:
    """The border step of the engine alone (its own chunk borders) on 1080p photo pans at the
    export's 960x540 working size, a burned-in logo in the hole: per tree, in-hole PSNR, CPU s/frame
    (best of ``rounds``) and the step statistics of tests/benchmarks/bench_export.py."""
    from tests.benchmarks.bench_export import step_stats

    res: dict[str, dict] = {}
    for photo in photos:
        path = str(Path(shared) / "data" / "photos" / photo)
        for _ in range(rounds):
            for name, (tree, opts) in trees.items():
                env = dict(os.environ, PYTHONPATH=str(tree))
                p = subprocess.run([sys.executable, "-c", BORDER, path, str(n), json.dumps(opts)], env=env,
                                   capture_output=True, text=True, cwd=str(tree))
                if p.returncode:
                    raise SystemExit(p.stderr[-3000:])
                r = json.loads(next(x for x in p.stdout.splitlines() if x.startswith("RESULT "))[7:])
                key = f"{photo}/{name}"
                if key not in res or r["cpu_s_per_frame"] < res[key]["cpu_s_per_frame"]:
                    r["stats"] = step_stats(np.asarray(r["steps"]), r["chunk"])
                    res[key] = r
    print(f"engine alone, 960x540, {n} frames, burned-in logo; step = mean |out[i] - out[i-1]| in the hole; "
          "border - away: the engine's chunk borders' mean step minus the away frames' (95 % bootstrap interval); "
          "rel: each step minus the mean of the 2 steps on either side, border minus away")
    print(f"{'clip/tree':<22} {'PSNR':>6} {'cpu s/f':>7} {'away':>6} {'border':>6} {'border-away [95 %]':>22} "
          f"{'rel [95 %]':>22} {'p':>5} once")
    rng = np.random.default_rng(0)
    for key, r in res.items():
        st = r["stats"]
        steps, chunk = np.asarray(r["steps"]), r["chunk"]
        b = st["engine"]
        frame = np.arange(1, len(steps) + 1)
        bm, am = steps[frame % chunk == 0], steps[_away(len(steps), chunk)]
        diffs = [rng.choice(bm, len(bm)).mean() - rng.choice(am, len(am)).mean() for _ in range(2000)]
        r["border_minus_away"] = [float(bm.mean() - am.mean()), *np.percentile(diffs, [2.5, 97.5]).tolist()]
        d = r["border_minus_away"]
        print(f"{key:<22} {r['psnr']:6.2f} {r['cpu_s_per_frame']:7.3f} {st['away']['mean']:6.2f} {b['mean']:6.2f} "
              f"{d[0]:+6.2f} [{d[1]:+.2f}, {d[2]:+.2f}]   {b['rel']:+6.2f} [{b['rel_ci'][0]:+.2f}, "
              f"{b['rel_ci'][1]:+.2f}] {b['p_random']:5.2f} {r['filled_once']}")
    names = list(trees)
    if len(names) > 1:
        for photo in photos:
            a, z = res[f"{photo}/{names[0]}"], res[f"{photo}/{names[-1]}"]
            print(f"{photo}: {names[-1]} - {names[0]}: PSNR {z['psnr'] - a['psnr']:+.2f} dB, CPU "
                  f"{z['cpu_s_per_frame'] / a['cpu_s_per_frame'] - 1:+.1%}")
    out = RESULTS.with_name("engine_border.json")
    out.write_text(json.dumps({"frames": n, "trees": {k: [str(t), o] for k, (t, o) in trees.items()},
                               "rows": {k: {x: v for x, v in r.items() if x != "steps"} | {"steps": r["steps"]}
                                        for k, r in res.items()}, "load": os.getloadavg()}, indent=1) + "\n")
    print(f"wrote {out}")


def _away(m: int, chunk: int) -> np.ndarray:
    """The steps with no engine chunk border within 2 steps (as step_stats counts them)."""
    frame = np.arange(1, m + 1)
    return np.min([(frame + d) % chunk for d in range(-2, 3)], axis=0) > 0


def quality(trees: dict[str, Path], n: int, long_side: int) -> None:
    res = {}
    for name, tree in trees.items():
        env = dict(os.environ, PYTHONPATH=str(tree))
        p = subprocess.run([sys.executable, "-c", QUALITY, str(n), str(long_side)], env=env, capture_output=True,
                           text=True, cwd=str(tree))
        if p.returncode:
            raise SystemExit(p.stderr[-3000:])
        res[name] = json.loads(next(x for x in p.stdout.splitlines() if x.startswith("RESULT "))[7:])
    names = list(res)
    print("in-hole PSNR (dB): " + "  ".join(names))
    for key in res[names[-1]]:
        vals = [res[k][key] for k in names]
        print(f"{key:28s} " + "  ".join(f"{v:6.2f}" for v in vals)
              + (f"  diff {vals[-1] - vals[0]:+.2f}" if len(vals) > 1 else ""))
    out = RESULTS.with_name("engine_quality.json")
    old = json.loads(out.read_text()) if out.exists() else {}
    old[str(long_side or 432)] = {"frames": n, "psnr": res}
    out.write_text(json.dumps(old, indent=1) + "\n")


def child(tree: Path, shared: str, long_side: int, n: int, start: int, profile: bool) -> dict:
    env = dict(os.environ, PYTHONPATH=str(tree))
    p = subprocess.run([sys.executable, "-c", CHILD, shared, str(long_side), str(n), str(start),
                        "1" if profile else ""], env=env, capture_output=True, text=True, cwd=str(tree))
    if p.returncode:
        raise SystemExit(p.stderr[-3000:])
    if profile:
        print(p.stdout[:6000])
    line = next(x for x in p.stdout.splitlines() if x.startswith("RESULT "))
    return json.loads(line[7:])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--base-tree", type=Path, default=None)
    ap.add_argument("--frames", type=int, default=40)
    ap.add_argument("--start", type=int, default=32, help="first frame (running_car's cut is at 31)")
    ap.add_argument("--sizes", default="640,960")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--quality", action="store_true")
    ap.add_argument("--border", action="store_true", help="the border step on 1080p photo pans (see border())")
    ap.add_argument("--photos", default="Garden.jpg,Wood.jpg")
    ap.add_argument("--variant", action="append", default=[],
                    help="NAME=JSON: one more row of today's tree with these engine options (--border)")
    ap.add_argument("--no-now", action="store_true", help="--border: leave out today's tree's default row")
    args = ap.parse_args()
    shared = os.environ.get("VANISH_SHARED", str(ROOT.parent / "shared"))
    sizes = [int(s) for s in args.sizes.split(",")]
    trees = {"now": ROOT}
    if args.base_tree is not None and not args.profile:
        trees = {"base": args.base_tree.resolve(), "now": ROOT}
    if args.border:
        rows = {k: (t, {}) for k, t in trees.items() if not (args.no_now and k == "now")}
        for v in args.variant:
            name, opts = v.split("=", 1)
            rows[name] = (ROOT, json.loads(opts))
        border(rows, args.photos.split(","), args.frames, args.rounds, shared)
        return
    if args.quality:
        for ls in sizes:
            print(f"long side {ls or '432x240'}:")
            quality(trees, args.frames, ls)
        return
    rows = []
    for ls in sizes:
        best: dict[str, dict] = {}
        for _ in range(1 if args.profile else args.rounds):
            for name, tree in trees.items():
                r = child(tree, shared, ls, args.frames, args.start, args.profile)
                if name not in best or r["s_per_frame"] < best[name]["s_per_frame"]:
                    best[name] = r
        row = {"long_side": ls, "size": best["now"]["size"], "frames": args.frames}
        for name, r in best.items():
            row[f"{name}_s_per_frame"] = round(r["s_per_frame"], 4)
            row[f"{name}_digest"] = r["digest"]
        if "base" in best:
            row["speedup"] = round(best["base"]["s_per_frame"] / best["now"]["s_per_frame"], 2)
            row["identical"] = best["base"]["digest"] == best["now"]["digest"]
        rows.append(row)
        print(json.dumps(row), flush=True)
    if not args.profile:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps({"clip": "running_car + watermark_mask", "rows": rows,
                                       "load": os.getloadavg()}, indent=1) + "\n")


if __name__ == "__main__":
    main()
