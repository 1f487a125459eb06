"""Reference frames and clean plates on synthetic clips made from the shared photographs.

    PYTHONPATH=$PWD python tests/benchmarks/bench_fill_cases.py [--reference] [--plate] [--frames N]

``--reference``: a 1920x1080 pan over a photograph with a stationary hole most of which no frame
reveals; the engine runs with and without the true middle frame as reference; in-hole PSNR of
every frame is printed. ``--plate``: a still camera over a photograph (432x240), slow textured discs
crossing (the objects removed, their masks the holes), and a still disc-shaped distractor moving
beside them unmasked; clean-plate, propagate (auto) and Telea, in-hole PSNR. Results:
tests/benchmarks/results/fill_cases.json.
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
from inpaint_core.bench.regions import revealed_masks  # noqa: E402
from inpaint_core.bench.report import write_json  # noqa: E402
from inpaint_core.clipsource import ArrayClipSource  # noqa: E402
from inpaint_core.engines.base import Filled  # noqa: E402
from inpaint_core.engines.propagate import PropagateEngine  # noqa: E402
from inpaint_core.engines.telea import TeleaEngine  # noqa: E402
from inpaint_core.export.synthetic import load_photo, pan_frames  # noqa: E402
from tests.benchmarks.bench_propagate import SHARED  # noqa: E402

OUT = ROOT / "tests" / "benchmarks" / "results" / "fill_cases.json"


def fill(engine, frames, masks, grow=0):
    out = {}
    t0 = time.perf_counter()
    for ev in engine.run(ArrayClipSource(frames, masks, grow=grow)):
        if isinstance(ev, Filled):
            out[ev.index] = ev.rgb
    return [out[i] for i in range(len(frames))], time.perf_counter() - t0


def reference_case(n: int) -> dict:
    photo = load_photo(SHARED / "data/photos/Garden.jpg")
    frames = list(pan_frames(photo, (1920, 1080), n, velocity=(4.0, 1.3)))
    mask = np.zeros((1080, 1920), np.uint8)
    cv2.ellipse(mask, (960, 540), (260, 170), 0, 0, 360, 255, -1)
    masks = [mask] * n
    flows = metrics.reference_flows([cv2.resize(f, (480, 270), interpolation=cv2.INTER_AREA) for f in frames])
    small = [cv2.resize(m, (480, 270), interpolation=cv2.INTER_NEAREST) for m in masks]
    rev = revealed_masks(small, flows)
    share = 1 - float(np.mean([r[m > 0].mean() for r, m in zip(rev, small)]))
    mid = n // 2
    res = {"size": [1920, 1080], "frames": n, "reference_frame": mid, "never_revealed_share": share}
    hole = mask > 0
    for label, eng in (("propagate", PropagateEngine()),
                       ("propagate+reference", PropagateEngine(references={mid: frames[mid]}))):
        out, secs = fill(eng, frames, masks)
        res[label] = {"psnr_hole_per_frame": [metrics.psnr(o, f, hole) for o, f in zip(out, frames)],
                      "seconds": secs}
        p = res[label]["psnr_hole_per_frame"]
        print(f"reference: {label:20s} min {min(p):.2f} mean {np.mean([x for x in p if np.isfinite(x)]):.2f} dB "
              f"per frame {[round(x, 1) for x in p]}  ({secs:.1f} s)", flush=True)
    print(f"reference: never-revealed share of the hole {share:.2f}")
    return res


def plate_case(n: int) -> dict:
    photo = load_photo(SHARED / "data/photos/RainDrops.jpg")
    bg = cv2.resize(photo, (432, 240), interpolation=cv2.INTER_AREA)
    tex = cv2.resize(load_photo(SHARED / "data/photos/Wood.jpg"), (432, 240), interpolation=cv2.INTER_AREA)
    frames, masks, truth = [], [], []
    for t in range(n):
        f = bg.copy()
        g = bg.copy()
        m = np.zeros((240, 432), np.uint8)
        for y, r, v in ((80, 34, 1.2), (170, 28, -1.0)):
            cx = int(60 + v * t * 2.5) if v > 0 else int(380 + v * t * 2.5)
            disc = np.zeros_like(m)
            cv2.circle(disc, (cx, y), r, 255, -1)
            f[disc > 0] = tex[disc > 0]  # a textured object crossing slowly: removed
            m |= cv2.dilate(disc, np.ones((5, 5), np.uint8))
        # an unmasked distractor moving fast beside them (part of the truth)
        dx = int(20 + 6 * t) % 432
        cv2.rectangle(f, (dx, 120), (dx + 30, 140), (250, 240, 30), -1)
        cv2.rectangle(g, (dx, 120), (dx + 30, 140), (250, 240, 30), -1)
        g = np.where(m[..., None] > 0, g, f)
        frames.append(f)
        masks.append(m)
        truth.append(g)
    res = {"size": [432, 240], "frames": n}
    for label, eng in (("clean-plate", PropagateEngine(fill_method="clean-plate")),
                       ("propagate", PropagateEngine()), ("telea", TeleaEngine())):
        out, secs = fill(eng, frames, masks)
        hole_se = sum(float(((o.astype(float) - g) ** 2)[m > 0].sum()) for o, g, m in zip(out, truth, masks))
        hole_n = sum(int((m > 0).sum()) * 3 for m in masks)
        res[label] = {"psnr_hole": metrics.psnr_from_mse(hole_se / hole_n), "seconds": secs}
        print(f"plate: {label:12s} in-hole PSNR {res[label]['psnr_hole']:.2f} dB ({secs:.1f} s)", flush=True)
        if label == "clean-plate":
            sheet = [truth[n // 2], frames[n // 2], out[n // 2]]
        else:
            sheet.append(out[n // 2])
    cv2.imwrite(str(OUT.with_name("fill_plate_contact.png")), cv2.cvtColor(np.concatenate(sheet, 1), cv2.COLOR_RGB2BGR))
    return res


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reference", action="store_true")
    ap.add_argument("--plate", action="store_true")
    ap.add_argument("--frames", type=int, default=0, help="frames (default: 16 for --reference, 60 for --plate)")
    args = ap.parse_args()
    import json

    data = json.loads(OUT.read_text()) if OUT.is_file() else {}  # keep the other case's results
    if args.plate:
        data["plate"] = plate_case(args.frames or 60)
    if args.reference:
        data["reference"] = reference_case(args.frames or 16)
    write_json(data, OUT)
    print("wrote", OUT)


if __name__ == "__main__":
    main()
