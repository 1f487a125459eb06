"""Where does the export lose in-hole PSNR on a logo mask at full resolution? One run, one clip.

    PYTHONPATH=$PWD python tests/benchmarks/bench_logo_loss.py [--clip running_car] [--frames 60]

The truth is the clip itself (no logo in it); every method gets the same input: the truth with the
hole painted white (a burned-in logo), so no method can read the truth under the mask. Scored over
the same pixels (the user's mask, all frames), in-hole PSNR, also split by stroke half-width
(thin: distance to the mask's edge <= 4 px at the pixel's part, i.e. strokes about 9 px wide).

Rows: the working-size fill upscaled with no residuals / temporal / spatial / both (the export's
default), other growths (0, uniform), other working sizes, per-frame Telea at full resolution,
ffmpeg removelogo, and the blends that split the hole by stroke width.
Writes tests/benchmarks/results/logo_loss.json.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from inpaint_core import metrics  # noqa: E402
from inpaint_core import prefill as prefill_switch  # noqa: E402 (PREFILL, the one prefill switch)
from inpaint_core.bench.report import write_json  # noqa: E402
from inpaint_core.engines import create_engine  # noqa: E402
from inpaint_core.export.pipeline import fill_full_res  # noqa: E402
from inpaint_core.settings import working_size  # noqa: E402
from inpaint_core.video.shots import detect_shots  # noqa: E402
from tests.benchmarks.bench_peers import WORK, burn, clip_mask, ffmpeg, read_all, write_ffv1  # noqa: E402
from tests.benchmarks.bench_propagate import CLIPS, SHARED, read_frames  # noqa: E402

OUT = ROOT / "tests" / "benchmarks" / "results" / "logo_loss.json"


def psnr(outs, truth, sel) -> float:
    se = sum(float(((o.astype(np.float64) - t) ** 2)[sel].sum()) for o, t in zip(outs, truth))
    return metrics.psnr_from_mse(se / (int(sel.sum()) * 3 * len(truth)))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clip", default="running_car")
    ap.add_argument("--frames", type=int, default=60)
    ap.add_argument("--also", default="", help="comma-separated extra row groups: grow,sizes")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    also = set(args.also.split(","))
    path, start = CLIPS[args.clip]
    truth = read_frames(SHARED / path, start, args.frames, size=None)
    h, w = truth[0].shape[:2]
    mask = clip_mask(args.clip, (w, h))
    hole = mask > 0
    dt = cv2.distanceTransform(hole.astype(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    # a pixel is "thin" when no point of the mask within 5 px of it is deeper than 4 px
    deep = cv2.dilate((dt > 4).astype(np.uint8), np.ones((11, 11), np.uint8)) > 0
    thin = hole & ~deep
    sels = {"all": hole, "thin": thin, "wide": hole & ~thin}
    burned = burn(truth, mask)
    shots = detect_shots(burned)
    rows: dict[str, dict] = {}
    outs_keep: dict[str, list[np.ndarray]] = {}

    def add(name: str, outs: list[np.ndarray], secs: float, keep: bool = False) -> None:
        r = {k: psnr(outs, truth, s) for k, s in sels.items()}
        r["s"] = secs
        rows[name] = r
        if keep:
            outs_keep[name] = outs
        print(f"{name:34s} all {r['all']:6.2f}  thin {r['thin']:6.2f}  wide {r['wide']:6.2f}  ({secs:.0f} s)", flush=True)
        write_json({"clip": args.clip, "size": [w, h], "frames": len(truth), "thin_share": float(thin.sum() / hole.sum()),
                    "rows": rows}, args.out)

    print(f"{args.clip} {w}x{h}, {len(truth)} frames, hole {100 * hole.mean():.1f} %, thin share "
          f"{100 * thin.sum() / hole.sum():.0f} % of the hole", flush=True)
    t0 = time.perf_counter()
    tel = [cv2.inpaint(f, mask, 5, cv2.INPAINT_TELEA) for f in burned]
    add("telea (full res, per frame)", tel, time.perf_counter() - t0, keep=True)
    WORK.mkdir(exist_ok=True)
    src, mpath = WORK / f"loss_{args.clip}.mkv", WORK / f"loss_{args.clip}_mask.png"
    write_ffv1(burned, src)
    cv2.imwrite(str(mpath), mask)
    t0 = time.perf_counter()
    ffmpeg("-i", str(src), "-vf", f"removelogo=f={mpath}", "-c:v", "ffv1", str(WORK / f"loss_{args.clip}_rl.mkv"))
    add("removelogo", read_all(WORK / f"loss_{args.clip}_rl.mkv"), time.perf_counter() - t0, keep=True)

    masks = [mask] * len(truth)
    work = working_size((w, h))
    tag = f"{work[0]}x{work[1]}"
    for prefill in (False, True):
        prefill_switch.PREFILL = prefill
        eng = create_engine("propagate")
        fills: dict = {}
        t0 = time.perf_counter()
        fill_full_res(burned, masks, eng, work, "none", fills=fills, targets=[], shots=shots)
        fill_s = time.perf_counter() - t0
        for mode in ("none", "temporal", "spatial", "both"):
            t0 = time.perf_counter()
            outs = fill_full_res(burned, masks, eng, work, mode, fills=fills, shots=shots)
            add(f"vanish {tag} {mode}{', prefill' if prefill else ''}", outs,
                fill_s + time.perf_counter() - t0, keep=mode == "both")
    base = outs_keep[f"vanish {tag} both, prefill"]
    for a in (0.3, 0.5):
        a32 = np.float32(a)
        add(f"blend {a:.1f} telea + vanish prefill", [np.rint(a32 * t + (1 - a32) * v).astype(np.uint8)
                                                 for v, t in zip(base, tel)], 0)
    tm = thin[..., None]
    add("vanish prefill wide + telea thin", [np.where(tm, t, v) for v, t in zip(base, tel)], 0)
    if "grow" in also:
        for label, g in (("grow 0", 0), ("grow uniform 2", 2)):
            t0 = time.perf_counter()
            outs = fill_full_res(burned, masks, create_engine("propagate"), work, "both", grow=g, shots=shots)
            add(f"vanish {work[0]}x{work[1]} both, {label}", outs, time.perf_counter() - t0)
    if "sizes" in also:
        for ws in ((432, 240), (640, 356), (w, h)):
            if tuple(ws) == tuple(work):
                continue
            f2: dict = {}
            t0 = time.perf_counter()
            outs = fill_full_res(burned, masks, create_engine("propagate"), ws, "both", fills=f2, shots=shots)
            add(f"vanish {ws[0]}x{ws[1]} both", outs, time.perf_counter() - t0)
            outs = fill_full_res(burned, masks, create_engine("propagate"), ws, "none", fills=f2, shots=shots)
            add(f"vanish {ws[0]}x{ws[1]} none", outs, 0)
    print("wrote", args.out)


if __name__ == "__main__":
    main()
