"""Benchmark of the classical propagation engine against per-frame Telea (run by hand, not by pytest).

    PYTHONPATH=$PWD python tests/benchmarks/bench_propagate.py [--quick] [--presets] [--hd] [--objects]

Quality: the real shared clips, 60 frames at 432x240 (running_car from frame 32, i.e. within one
shot after its cut), stationary STTN Algorithm-1 masks of 5-15 % of the frame (fixed seeds), the
originals as ground truth; whole-frame PSNR, in-hole PSNR, SSIM, flow warping error and flicker
(``inpaint_core.metrics``), propagate and Telea side by side in one run. Throughput: propagate's
frames per second at 432x240 over the same clips (the machine is shared: timings are noisy).
``--presets``: quality and speed for each DIS preset. ``--hd``: frames per second and peak memory
on a 1920x1080 clip (a virtual camera panning over a shared photograph) filled at full size.
``--objects``: object removal on schoolgirls and dogs_jump with their own masks; writes the
results and a contact sheet into docs/. Results: tests/benchmarks/results/propagate.json.

Honest input: every engine is given :func:`inpaint_core.bench.runner.engine_frames` (the hole's
pixels replaced by a striped logo, then prefilled as on every engine path), never the truth under
the hole; the scores use the truth. (With ``--objects`` the hole holds the real person or dog.)
"""

from __future__ import annotations

import argparse
import json
import os
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

from inpaint_core import metrics  # noqa: E402
from inpaint_core.bench.masks import stationary_masks  # noqa: E402
from inpaint_core.bench.runner import engine_frames  # noqa: E402
from inpaint_core.clipsource import ArrayClipSource  # noqa: E402
from inpaint_core.engines.base import Filled  # noqa: E402
from inpaint_core.engines.propagate import PropagateEngine  # noqa: E402
from inpaint_core.engines.telea import TeleaEngine  # noqa: E402

SHARED = Path(os.environ.get("VANISH_SHARED", ROOT.parent / "shared"))
CLIPS = {  # name: (path, first frame)
    "schoolgirls": ("data/clips/schoolgirls/video.mp4", 0),
    "dogs_jump": ("data/clips/dogs_jump/video.mp4", 0),
    "running_car": ("data/clips/running_car/video.mp4", 32),
    "sample_640x360": ("data/clips/vfr_samples/sample_640x360_aac.mp4", 0),
    "sample_576x324": ("data/clips/vfr_samples/sample_576x324_aac.mp4", 0),
}
SIZE = (432, 240)
N = 60
RESULTS = ROOT / "tests" / "benchmarks" / "results" / "propagate.json"


def read_frames(path: Path, start: int = 0, count: int = N, size=SIZE) -> list[np.ndarray]:
    out = []
    with av.open(str(path)) as c:
        for i, f in enumerate(c.decode(video=0)):
            if i < start:
                continue
            img = f.to_ndarray(format="rgb24")
            if size is not None and img.shape[:2] != (size[1], size[0]):
                img = cv2.resize(img, size, interpolation=cv2.INTER_AREA)
            out.append(np.ascontiguousarray(img))
            if len(out) == count:
                break
    return out


def fill(engine, frames, masks) -> tuple[list[np.ndarray], float]:
    """``engine`` on ``frames`` with the user's holes ``masks`` (ungrown), given the honest input."""
    clip = ArrayClipSource(engine_frames(np.stack(frames), np.stack(masks)), masks, grow=0)
    out: dict[int, np.ndarray] = {}
    t0, c0 = time.perf_counter(), time.process_time()
    for ev in engine.run(clip):
        if isinstance(ev, Filled):
            out[ev.index] = ev.rgb
    fill.cpu = time.process_time() - c0
    return [out[i] for i in range(len(frames))], time.perf_counter() - t0


def quality(names, engines) -> dict:
    rows = {}
    for name in names:
        path, start = CLIPS[name]
        frames = read_frames(SHARED / path, start)
        masks = list(stationary_masks(len(frames), SIZE, seed=100 + list(CLIPS).index(name)))
        flows = metrics.reference_flows(frames)  # the true motion every result is warped along
        gt_all, gt_hole = metrics.warping_errors(frames, masks, flows=flows)
        rows[name] = {"frames": len(frames), "hole_ratio": float(np.mean(masks[0] > 0)),
                      # on the truth its own flow is the reference flow: self == whole
                      "ground_truth": {"warp_error": gt_all, "warp_error_hole": gt_hole,
                                       "warp_error_self": gt_all}}
        print(f"{name:15s} {'truth':10s} warp {gt_all * 1e3:7.3f}e-3 (hole {gt_hole * 1e3:6.3f}, self "
              f"{rows[name]['ground_truth']['warp_error_self'] * 1e3:6.3f})", flush=True)
        for ename, eng in engines.items():
            res, secs = fill(eng, frames, masks)
            sc = metrics.clip_scores(res, frames, masks, flows=flows)
            sc["fps"] = len(frames) / secs
            # CPU seconds of this process (all threads): less disturbed by the other jobs
            sc["fps_cpu"] = len(frames) / max(1e-9, fill.cpu)
            rows[name][ename] = sc
            print(f"{name:15s} {ename:10s} psnr {sc['psnr']:6.2f} hole {sc['psnr_hole']:6.2f} "
                  f"ssim {sc['ssim']:.4f} warp {sc['warp_error'] * 1e3:7.3f}e-3 (hole {sc['warp_error_hole'] * 1e3:6.3f}, "
                  f"self {sc['warp_error_self'] * 1e3:6.3f}) "
                  f"flicker {sc['flicker']:5.2f} fps {sc['fps']:6.1f} (cpu {sc['fps_cpu']:6.1f})", flush=True)
    return rows


def hd_clip(n: int = 24, size=(1920, 1080)) -> tuple[list[np.ndarray], list[np.ndarray]]:
    photo = cv2.cvtColor(cv2.imread(str(SHARED / "data/photos/Wood.jpg")
                                    if (SHARED / "data/photos/Wood.jpg").exists()
                                    else str(sorted((SHARED / "data/photos").glob("*.*g"))[0])),
                         cv2.COLOR_BGR2RGB)
    w, h = size
    scale = max((w + 4 * n) / photo.shape[1], h / photo.shape[0])
    if scale > 1:
        photo = cv2.resize(photo, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    frames = [np.ascontiguousarray(photo[:h, 3 * t:3 * t + w]) for t in range(n)]
    masks = list(stationary_masks(n, size, seed=7))
    return frames, masks


def hd_run() -> dict:
    """Child process: fill a 1920x1080 clip, report fps and peak RSS."""
    frames, masks = hd_clip()
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    _, secs = fill(PropagateEngine(), frames, masks)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"size": "1920x1080", "frames": len(frames), "fps": len(frames) / secs,
            "fps_cpu": len(frames) / max(1e-9, fill.cpu),
            "peak_rss_mb": peak / 1024, "input_frames_mb": sum(f.nbytes for f in frames) / 2**20,
            "rss_before_run_mb": base / 1024}


def objects() -> dict:
    from inpaint_core.masks.ops import binarize

    docs = ROOT / "docs"
    docs.mkdir(exist_ok=True)
    rows, tiles = {}, []
    for name in ("schoolgirls", "dogs_jump"):
        folder = SHARED / "data" / "clips" / name
        frames = read_frames(folder / "video.mp4", 0, 10_000)
        files = sorted((folder / "masks").glob("*.png"))
        masks = [binarize(np.array(_read_png(p)) > 0) for p in files][: len(frames)]
        eng = PropagateEngine()
        # the hole holds the real person or dog; prefilled as every engine path does
        clip = ArrayClipSource(engine_frames(np.stack(frames[:len(masks)]), np.stack(masks)), masks,
                               grow=eng.default_grow + 2)
        out = {}
        t0 = time.perf_counter()
        for ev in eng.run(clip):
            if isinstance(ev, Filled):
                out[ev.index] = ev.rgb
        secs = time.perf_counter() - t0
        res = [out[i] for i in range(len(frames))]
        rows[name] = {"frames": len(frames), "fps": len(frames) / secs,
                      "flicker_in_hole": metrics.flicker(res, [clip.mask(i) for i in range(len(frames))])}
        _write_mp4(docs / f"propagate_{name}.mp4", res)
        for i in np.linspace(5, len(frames) - 6, 4).astype(int):
            m = clip.mask(i)
            shown = frames[i].copy()
            shown[m > 0] = (0.5 * shown[m > 0] + [0, 0, 127]).astype(np.uint8)
            tiles.append(np.concatenate([frames[i], shown, res[i]], 1))
    sheet = np.concatenate(tiles, 0)
    sheet = cv2.resize(sheet, (sheet.shape[1] // 2, sheet.shape[0] // 2), interpolation=cv2.INTER_AREA)
    from PIL import Image  # a 256-colour palette keeps the PNG small for the repository

    Image.fromarray(sheet).quantize(256, dither=Image.Dither.NONE).save(docs / "propagate_objects.png",
                                                                        optimize=True)
    return rows


def _read_png(path: Path) -> np.ndarray:
    from PIL import Image

    return np.array(Image.open(path))


def _write_mp4(path: Path, frames: list[np.ndarray]) -> None:
    with av.open(str(path), "w") as c:
        s = c.add_stream("h264", rate=24)
        s.width, s.height, s.pix_fmt = frames[0].shape[1], frames[0].shape[0], "yuv420p"
        s.options = {"crf": "20"}
        for f in frames:
            c.mux(s.encode(av.VideoFrame.from_ndarray(f, format="rgb24")))
        c.mux(s.encode(None))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="two clips only")
    ap.add_argument("--presets", action="store_true", help="compare DIS presets")
    ap.add_argument("--hd", action="store_true", help="1920x1080 fps and peak memory")
    ap.add_argument("--hd-child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--objects", action="store_true", help="object removal, contact sheet in docs/")
    ap.add_argument("--clips", nargs="*", default=None)
    ap.add_argument("--no-quality", action="store_true", help="skip the quality table")
    args = ap.parse_args()
    if args.hd_child:
        print(json.dumps(hd_run()))
        return
    names = args.clips or (["running_car", "schoolgirls"] if args.quick else list(CLIPS))
    report = {}  # this run's keys, merged into the results file at the end
    report["machine"] = (f"{os.cpu_count()} CPU cores, load average {os.getloadavg()[0]:.2f} at the start "
                         f"(the machine is shared: timings are noisy); cv2 threads {cv2.getNumThreads()}")
    engines = {"propagate": PropagateEngine(), "telea": TeleaEngine()}
    if args.no_quality:
        pass
    elif args.presets:
        engines = {f"propagate_{p}": PropagateEngine(preset=p) for p in ("ultrafast", "fast", "medium")}
        report["presets"] = quality(names, engines)
    else:
        rows = quality(names, engines)
        report["quality"] = rows
        fps = [rows[n]["propagate"]["fps"] for n in names]
        report["throughput_432x240_fps"] = float(len(fps) / sum(1 / f for f in fps))
        cpu = [rows[n]["propagate"]["fps_cpu"] for n in names]
        report["throughput_432x240_fps_per_cpu_second"] = float(len(cpu) / sum(1 / f for f in cpu))
        print(f"propagate throughput at 432x240: {report['throughput_432x240_fps']:.1f} fps wall "
              f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores), "
              f"{report['throughput_432x240_fps_per_cpu_second']:.1f} frames per CPU second")
        for n in names:
            d = rows[n]["propagate"]["psnr"] - rows[n]["telea"]["psnr"]
            print(f"  {n:15s} psnr gain over telea {d:+.2f} dB, warp error ratio "
                  f"{rows[n]['propagate']['warp_error'] / rows[n]['telea']['warp_error']:.2f}")
    if args.hd:
        out = subprocess.run([sys.executable, __file__, "--hd-child"], capture_output=True, text=True,
                             check=True)
        report["hd"] = json.loads(out.stdout.strip().splitlines()[-1])
        print("1920x1080:", report["hd"])
    if args.objects:
        report["objects"] = objects()
        print("objects:", report["objects"])
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    merged = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    merged.update(report)
    RESULTS.write_text(json.dumps(merged, indent=1, sort_keys=True))


if __name__ == "__main__":
    main()
