"""STTN engine benchmark: exact vs fast path, time to first preview frame, peak memory.

Uses the fixture weights (random, NOT a trained model: the PSNR of fast vs exact only proves the
arithmetic of the fast path, not the quality of a fill) and the shared schoolgirls clip (432x240)
with its object masks grown by the released 3x3-cross x4. The engine is given the frames as every
engine path gives them (:func:`inpaint_core.bench.runner.engine_frames`: the object under the
ungrown mask painted over by the prefill).

    PYTHONPATH=$PWD python tests/benchmarks/bench_sttn.py [--frames 60] [--rss 150 300] [--device cpu]

Prints a table and writes ``tests/benchmarks/results/sttn.json``. Peak memory is the peak resident
set size of a fresh child process that runs the fast path over a clip made by looping the clip.
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

import av
import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from inpaint_core.bench.runner import engine_frames  # noqa: E402
from inpaint_core.clipsource import ArrayClipSource  # noqa: E402
from inpaint_core.engines.base import Filled  # noqa: E402
from inpaint_core.engines.sttn.engine import STTNEngine  # noqa: E402
from inpaint_core.engines.sttn.windows import plan_windows  # noqa: E402
from inpaint_core.masks.ops import grow_mask  # noqa: E402

SHARED = Path(os.environ.get("VANISH_SHARED", ROOT.parent / "shared"))
CLIP = SHARED / "data" / "clips" / "schoolgirls"
WEIGHTS = SHARED / "fixtures" / "sttn_reference" / "sttn_random_weights.pth"
OUT = ROOT / "tests" / "benchmarks" / "results" / "sttn.json"


def load_clip(n: int) -> tuple[np.ndarray, np.ndarray]:
    """n frames (n, 240, 432, 3) uint8 as the engine is given them and grown masks (n, 240, 432) uint8
    0/255, looping the clip."""
    frames = []
    with av.open(str(CLIP / "video.mp4")) as c:
        for fr in c.decode(video=0):
            img = fr.to_ndarray(format="rgb24")
            if img.shape[:2] != (240, 432):
                img = cv2.resize(img, (432, 240), interpolation=cv2.INTER_AREA)
            frames.append(img)
    names = sorted(p for p in (CLIP / "masks").iterdir() if p.suffix == ".png")
    masks, users = [], []
    for p in names[: len(frames)]:
        from PIL import Image

        m = (np.array(Image.open(p)) > 0).astype(np.uint8) * 255
        m = cv2.resize(m, (432, 240), interpolation=cv2.INTER_NEAREST)
        users.append(m)
        masks.append(grow_mask(m, 4))
    k = min(len(frames), len(masks))
    seen = engine_frames(np.stack(frames[:k]), np.stack(users[:k]))
    idx = [i % k for i in range(n)]
    return np.stack([seen[i] for i in idx]), np.stack([masks[i] for i in idx])


class LoopedClip(ArrayClipSource):
    """The clip looped to ``n`` frames, read on demand (the input costs no memory per frame)."""

    def __init__(self, frames: np.ndarray, masks: np.ndarray, n: int) -> None:
        super().__init__(frames, masks)
        self._n = n
        self._shots = [(0, n)]

    @property
    def frame_count(self) -> int:
        return self._n

    def frame(self, i: int) -> np.ndarray:
        return super().frame(i % len(self._frames))

    def mask(self, i: int) -> np.ndarray:
        return super().mask(i % len(self._masks))


def run_engine(eng: STTNEngine, clip, keep: bool = True) -> dict:
    out: dict[int, np.ndarray] = {}
    t0 = time.perf_counter()
    first = None
    for ev in eng.run(clip):
        if isinstance(ev, Filled):
            if keep:
                out[ev.index] = ev.rgb
            if first is None:
                first = time.perf_counter() - t0
    total = time.perf_counter() - t0
    n = clip.frame_count
    n_windows = len(plan_windows(clip.shots, range(n), None, eng.neighbor_stride, eng.ref_stride, eng.ref_window,
                                 eng.full_refs_up_to, eng.overlap))
    return {
        "seconds": total,
        "windows": n_windows,
        "seconds_per_window": total / n_windows,
        "fps": n / total,
        "first_frame_s": first,
        "frames": np.stack([out[i] for i in range(n)]) if keep else None,
    }


def psnr(a: np.ndarray, b: np.ndarray, where: np.ndarray | None = None) -> float:
    d = (a.astype(np.float64) - b.astype(np.float64)) ** 2
    mse = d[where].mean() if where is not None else d.mean()
    return float("inf") if mse == 0 else float(10 * np.log10(255.0**2 / mse))


def child_rss(n: int, device: str, engine_opts: dict) -> None:
    frames, masks = load_clip(80)
    eng = STTNEngine(checkpoint=WEIGHTS, device=device, fast=True, **engine_opts)
    res = run_engine(eng, LoopedClip(frames, masks, n), keep=False)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"frames": n, "peak_rss_mb": peak_mb, "seconds": res["seconds"], "fps": res["fps"]}))


def measure_rss(n: int, device: str, engine_opts: dict) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    cmd = [sys.executable, __file__, "--child-rss", str(n), "--device", device]
    cmd += ["--engine-opts", json.dumps(engine_opts)]
    res = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True)
    return json.loads(res.stdout.strip().splitlines()[-1])


def measure_variants(frames: np.ndarray, masks: np.ndarray, device: str) -> dict:
    """Seconds for one 7-frame window (6 neighbours + 1 reference) per fast-path variant."""
    import torch

    from inpaint_core.engines.sttn.checkpoint import load_checkpoint
    from inpaint_core.engines.sttn.runner import NetworkRunner, fast_dtype

    state = load_checkpoint(WEIGHTS)
    ids = list(range(0, 6)) + [10]
    rgbs = [frames[i] for i in ids]
    ms = [(masks[i] > 0).astype(np.uint8) for i in ids]
    low = fast_dtype(torch.device(device))
    variants = {
        "exact float32": dict(fast=False),
        "float32 fused channels-last": dict(fast=True, dtype=torch.float32, channels_last=True),
        f"{low} fused": dict(fast=True, dtype=low, channels_last=False),
        f"{low} fused channels-last": dict(fast=True, dtype=low, channels_last=True),
    }
    out = {}
    for name, kw in variants.items():
        r = NetworkRunner(state, device=device, **kw)
        r.complete(r.encode(rgbs[:2], ms[:2]), 1)  # warm-up (kernel selection)
        t0 = time.perf_counter()
        r.complete(r.encode(rgbs, ms), 6)
        out[name] = time.perf_counter() - t0
        print(f"  variant {name:<40} {out[name]:7.2f} s/window")
    return out


def measure_interleaved(rounds: int, device: str) -> dict:
    """Exact and fast path alternately on one 7-frame window (6 neighbours + 1 reference), ``rounds``
    times each; the best time per path. Alternating cancels most of a shared machine's load drift."""
    import torch  # noqa: F401

    from inpaint_core.engines.sttn.checkpoint import load_checkpoint
    from inpaint_core.engines.sttn.runner import NetworkRunner

    frames, masks = load_clip(11)
    ids = list(range(0, 6)) + [10]
    rgbs = [frames[i] for i in ids]
    ms = [(masks[i] > 0).astype(np.uint8) for i in ids]
    state = load_checkpoint(WEIGHTS)
    runners = {
        "exact": NetworkRunner(state, device, fast=False),
        "fast": NetworkRunner(state, device, fast=True),
    }
    times: dict[str, list[float]] = {k: [] for k in runners}
    preds = {}
    for r in runners.values():
        r.complete(r.encode(rgbs[:2], ms[:2]), 1)  # warm-up
    for _ in range(rounds):
        for name, r in runners.items():
            t0 = time.perf_counter()
            preds[name], _ = r.complete(r.encode(rgbs, ms), 6, want_attention=True)
            times[name].append(time.perf_counter() - t0)
            print(f"  {name}: {times[name][-1]:.2f} s", flush=True)
    hole = np.broadcast_to(np.stack(ms[:6])[..., None] > 0, preds["exact"].shape)
    return {
        "window_frames": len(ids),
        "seconds": times,
        "best_exact_s": min(times["exact"]),
        "best_fast_s": min(times["fast"]),
        "speedup_best": min(times["exact"]) / min(times["fast"]),
        "psnr_raw_output_in_hole_db": psnr(preds["fast"], preds["exact"], hole),
        "load_avg_1m_after": os.getloadavg()[0],
    }


def save(result: dict) -> None:
    """Write what is measured so far (a long run that is stopped still leaves its numbers)."""
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=2) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=60)
    ap.add_argument("--rss", type=int, nargs="*", default=[150, 300])
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--child-rss", type=int)
    ap.add_argument("--no-variants", action="store_true")
    ap.add_argument(
        "--engine-opts",
        default="{}",
        help='STTNEngine options for the memory runs, JSON (e.g. {"ref_window": 30, "full_refs_up_to": 0})',
    )
    ap.add_argument("--interleaved", type=int, default=0, help="only the interleaved window test, N rounds")
    args = ap.parse_args()
    if args.interleaved:
        res = measure_interleaved(args.interleaved, args.device)
        print(json.dumps(res, indent=1))
        result = json.loads(OUT.read_text()) if OUT.exists() else {}
        result["interleaved_window"] = res
        save(result)
        return
    if args.child_rss:
        child_rss(args.child_rss, args.device, json.loads(args.engine_opts))
        return
    import torch

    frames, masks = load_clip(args.frames)
    hole = np.broadcast_to(masks[..., None] > 0, frames.shape)
    variants = {} if args.no_variants else measure_variants(frames, masks, args.device)
    exact_eng = STTNEngine(checkpoint=WEIGHTS, device=args.device, fast=False)
    fast_eng = STTNEngine(checkpoint=WEIGHTS, device=args.device, fast=True)
    load_before = os.getloadavg()[0]
    fast = run_engine(fast_eng, ArrayClipSource(frames, masks))
    exact = run_engine(exact_eng, ArrayClipSource(frames, masks))
    result = {
        "clip": f"schoolgirls 432x240, first {args.frames} frames, object masks grown 4",
        "weights": "fixture sttn_random_weights.pth (random, NOT trained: PSNR proves arithmetic only)",
        "machine": {
            "cpu": platform.processor() or platform.machine(),
            "threads": torch.get_num_threads(),
            "cores": os.cpu_count(),
            "load_avg_1m_before_and_after": [load_before, os.getloadavg()[0]],
            "torch": torch.__version__,
        },
        "exact": {"path": exact_eng.description} | {k: v for k, v in exact.items() if k != "frames"},
        "fast": {"path": fast_eng.description} | {k: v for k, v in fast.items() if k != "frames"},
    }
    result["fast_path_variants_seconds_per_window"] = variants
    result["speedup_fast_vs_exact"] = exact["seconds"] / fast["seconds"]
    result["psnr_fast_vs_exact_db"] = psnr(fast["frames"], exact["frames"])
    result["psnr_fast_vs_exact_in_hole_db"] = psnr(fast["frames"], exact["frames"], hole)
    print(f"{'path':<8}{'s/window':>10}{'fps':>8}{'first frame s':>15}  description")
    for name in ("exact", "fast"):
        r = result[name]
        print(
            f"{name:<8}{r['seconds_per_window']:>10.2f}{r['fps']:>8.2f}{r['first_frame_s']:>15.2f}  {r['path']}"
        )
    print(f"speed-up fast/exact: {result['speedup_fast_vs_exact']:.2f}x")
    print(
        f"PSNR fast vs exact: {result['psnr_fast_vs_exact_db']:.2f} dB whole frame, "
        f"{result['psnr_fast_vs_exact_in_hole_db']:.2f} dB in the hole (random weights: arithmetic only)"
    )
    save(result)
    print("measuring peak memory ...", flush=True)
    opts = json.loads(args.engine_opts)
    result["peak_rss_engine_options"] = opts
    rss = {}
    for n in args.rss:
        rss[str(n)] = measure_rss(n, args.device, opts)
        result["peak_rss"] = rss
        save(result)
    if len(args.rss) == 2:
        a, b = (rss[str(n)]["peak_rss_mb"] for n in args.rss)
        result["peak_rss_growth"] = b / a - 1
    result["targets"] = {
        "speedup>=2": result["speedup_fast_vs_exact"] >= 2,
        "psnr>=35dB": result["psnr_fast_vs_exact_in_hole_db"] >= 35,
        "rss_growth<=20%": result.get("peak_rss_growth", 0) <= 0.2,
    }
    for n, r in rss.items():
        print(f"peak RSS fast path, {n} frames: {r['peak_rss_mb']:.0f} MB ({r['fps']:.2f} fps)")
    if "peak_rss_growth" in result:
        print(f"peak RSS growth {args.rss[0]}->{args.rss[1]} frames: {100 * result['peak_rss_growth']:.1f} %")
    save(result)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
