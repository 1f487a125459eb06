"""Restore stage (full-resolution residual aggregation) speed and quality: the previous
implementation against today's, in the same run, on the same engine fills.

The previous implementation is the tree as it was before the restore work (the parent of the commit
that added ``inpaint_core/export/roi.py``, or ``--base REV``), unpacked into a temporary folder as
the package ``inpaint_core_base`` and imported beside today's. Both restore the same frames from the
same fills; each is timed twice, alternating, and the faster pass counts (the machine is shared).

Clips: 1920x1080 virtual-camera pans over ``shared/data/photos`` (engine at 960x540, the export's
default) with a stationary logo-sized hole and with a larger object hole, and running_car at its own
size with its watermark mask (engine at 432x240). Printed per clip: restore s/frame old and new, the
speed-up, the same in CPU seconds of the process (steadier on a shared machine), today's per-step
seconds/frame, in-hole PSNR (user's ungrown mask, against the truth)
old and new; with ``--torch`` also torch-on-CPU (the CUDA code path) s/frame, PSNR and its largest
difference from the numpy output. JSON: ``tests/benchmarks/results/restore.json``.

    nice -n 10 python tests/benchmarks/bench_restore.py [--frames 40] [--targets 6] [--torch]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from inpaint_core import metrics  # noqa: E402
from inpaint_core.engines import create_engine  # noqa: E402
from inpaint_core.export import pipeline as new_pipeline  # noqa: E402
from inpaint_core.export.synthetic import load_photo, pan_frames  # noqa: E402


def base_revision() -> str:
    added = subprocess.run(["git", "log", "--diff-filter=A", "--format=%H", "--", "inpaint_core/export/roi.py"],
                           cwd=ROOT, capture_output=True, text=True).stdout.split()
    return f"{added[-1]}^" if added else "HEAD"


def import_base(rev: str, folder: Path):
    """Today's tree at ``rev`` as the package ``inpaint_core_base``; returns its export pipeline."""
    archive = subprocess.run(["git", "archive", rev, "inpaint_core"], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    (folder / "inpaint_core").rename(folder / "inpaint_core_base")
    sys.path.insert(0, str(folder))
    import inpaint_core_base.export.pipeline as old

    return old


def logo_mask(size):
    W, H = size
    m = np.zeros((H, W), np.uint8)
    cv2.rectangle(m, (W - 330, 60), (W - 70, 170), 255, -1)  # a broadcaster's logo, 260x110
    return m


def object_mask(size):
    W, H = size
    m = np.zeros((H, W), np.uint8)
    cv2.ellipse(m, (W // 2 - 60, H // 2 + 60), (220, 160), 0, 0, 360, 255, -1)  # a person-sized object
    return m


def clips(shared: Path, n: int):
    photo = load_photo(shared / "data/photos/Garden.jpg")
    pan = np.stack(list(pan_frames(photo, (1920, 1080), n)))
    yield "pan1080_logo", pan, logo_mask((1920, 1080)), (960, 540)
    yield "pan1080_object", pan, object_mask((1920, 1080)), (960, 540)
    del pan
    wood = np.stack(list(pan_frames(load_photo(shared / "data/photos/Wood.jpg"), (1920, 1080), n, seed=1)))
    yield "pan1080_wood_object", wood, object_mask((1920, 1080)), (960, 540)
    del wood
    car = shared / "data/clips/running_car/video.mp4"
    if car.is_file():
        from inpaint_core.bench.clips import load_clip
        from inpaint_core.masks import read_mask_image

        frames = load_clip(car, frames=n).frames
        H, W = frames.shape[1:3]
        yield "running_car", frames, read_mask_image(car.parent / "watermark_mask.png", size=(W, H)), (432, 240)


def psnr(outs, truth, mask):
    return metrics.psnr_from_mse(float(np.mean([metrics.mse(o, t, mask) for o, t in zip(outs, truth)])))


def run_clip(name, frames, mask, work, old, engine, n_targets, use_torch):
    n = len(frames)
    # consecutive frames from the middle, as the export restores them (each reuses its neighbour's work)
    targets = list(range(max(0, n // 2 - n_targets // 2), min(n, n // 2 - n_targets // 2 + n_targets)))
    fills: dict = {}
    t0 = time.perf_counter()
    new_pipeline.fill_full_res(frames, [mask] * n, engine, work, "none", fills=fills, targets=[])
    fill_s = time.perf_counter() - t0
    masks = [mask] * n
    best = {"old": float("inf"), "new": float("inf")}
    cpu = {"old": float("inf"), "new": float("inf")}
    outs, steps = {}, {}
    for _ in range(2):
        for kind in ("old", "new"):
            t0, c0 = time.perf_counter(), time.process_time()
            if kind == "old":
                o = old.fill_full_res(frames, masks, engine, work, "both", fills=fills, targets=targets)
            else:
                tm: dict = {}
                o = new_pipeline.fill_full_res(frames, masks, engine, work, "both", fills=fills, targets=targets,
                                               timings=tm, device="cpu")
            s = (time.perf_counter() - t0) / len(targets)
            cpu[kind] = min(cpu[kind], (time.process_time() - c0) / len(targets))
            if s < best[kind]:
                best[kind] = s
                outs[kind] = o
                if kind == "new":
                    steps = {k: v / len(targets) for k, v in tm.items()}
    truth = [frames[i] for i in targets]
    row = {"clip": name, "size": [frames.shape[2], frames.shape[1]], "work_size": list(work), "frames": n,
           "targets": targets, "hole_area": float((mask > 0).mean()), "engine_fill_s_per_frame": fill_s / n,
           "restore_s_per_frame": {"old": best["old"], "new": best["new"]},
           "speedup": best["old"] / best["new"],
           # CPU seconds of this process (all its threads): what the restore costs a busy export,
           # less sensitive than the wall time to the other work on a shared machine
           "restore_cpu_s_per_frame": cpu, "cpu_speedup": cpu["old"] / cpu["new"],
           "new_steps_s_per_frame": steps,
           "psnr_hole": {"old": psnr(outs["old"], truth, mask), "new": psnr(outs["new"], truth, mask)}}
    row["psnr_delta_db"] = row["psnr_hole"]["new"] - row["psnr_hole"]["old"]
    grown = cv2.dilate(mask, np.ones((3, 3), np.uint8), iterations=32) > 0
    row["new_equals_source_far_outside"] = bool(all(np.array_equal(o[~grown], frames[i][~grown])
                                                   for o, i in zip(outs["new"], targets)))
    if use_torch:
        from inpaint_core.export.torch_restore import up  # import torch and warm its kernels up first

        up(new_pipeline.Geometry((64, 64), (32, 32)), np.zeros((32, 32, 3), np.uint8), (0, 0, 64, 64), "torch")
        t0 = time.perf_counter()
        ot = new_pipeline.fill_full_res(frames, masks, engine, work, "both", fills=fills, targets=targets,
                                        device="torch")
        row["restore_s_per_frame"]["torch_cpu"] = (time.perf_counter() - t0) / len(targets)
        row["psnr_hole"]["torch_cpu"] = psnr(ot, truth, mask)
        row["torch_vs_numpy_max_abs"] = int(max(np.abs(a.astype(int) - b.astype(int)).max()
                                                for a, b in zip(ot, outs["new"])))
    return row


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=40)
    ap.add_argument("--targets", type=int, default=6)
    ap.add_argument("--base", default=None, help="revision of the previous implementation")
    ap.add_argument("--clips", default=None, help="comma-separated subset of clip names")
    ap.add_argument("--torch", action="store_true", help="also time the torch path on the CPU")
    ap.add_argument("--engine", default="propagate")
    ap.add_argument("--out", default=str(ROOT / "tests/benchmarks/results/restore.json"))
    args = ap.parse_args()
    shared = ROOT.parent / "shared"
    rev = args.base or base_revision()
    rev_hash = subprocess.run(["git", "rev-parse", "--short", rev], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    engine = create_engine(args.engine)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        old = import_base(rev, Path(tmp))
        want = set(args.clips.split(",")) if args.clips else None
        for name, frames, mask, work in clips(shared, args.frames):
            if want and name not in want:
                continue
            row = run_clip(name, frames, mask, work, old, engine, args.targets, args.torch)
            rows.append(row)
            r, p = row["restore_s_per_frame"], row["psnr_hole"]
            c = row["restore_cpu_s_per_frame"]
            print(f"{name:<22} restore s/frame old {r['old']:.3f} new {r['new']:.3f} ({row['speedup']:.2f}x)"
                  f"  CPU s/frame old {c['old']:.3f} new {c['new']:.3f} ({row['cpu_speedup']:.2f}x)"
                  f"  PSNR in hole old {p['old']:.2f} new {p['new']:.2f} dB ({row['psnr_delta_db']:+.2f})"
                  + (f"  torch-cpu {r['torch_cpu']:.3f} s, {p['torch_cpu']:.2f} dB, max |torch-numpy| "
                     f"{row['torch_vs_numpy_max_abs']}" if args.torch else ""), flush=True)
            print("    new steps s/frame: " + ", ".join(f"{k.removeprefix('restore.')} {v:.3f}"
                                                      for k, v in sorted(row["new_steps_s_per_frame"].items())))
    result = {"base": rev_hash, "engine": args.engine, "frames": args.frames, "targets_per_clip": args.targets,
              "cpu_count": os.cpu_count(), "load_avg": os.getloadavg(), "nice": os.nice(0), "clips": rows}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=1))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
