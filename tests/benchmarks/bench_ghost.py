"""A moving object under a stationary mask, honest input: does the fill keep it on its own track?

    PYTHONPATH=$PWD python tests/benchmarks/bench_ghost.py [--frames 60] [--variants today,layers,telea]
        [--out results/ghost.json]

Two cases at 432x240, in-hole PSNR over the user's mask, all frames:

- ``synthetic_pan_object``: a pan over Dune.jpg (2 px per frame) with a textured block (Garden.jpg,
  70x50) moving 6 px per frame across a stationary 80x70 box hole;
- ``running_car_32``: running_car frames 32-91 (a second car passes under the logo), its logo mask.

Every method is given what a real clip gives it: the hole painted white (a burned-in logo) and, as
the export does (:mod:`inpaint_core.prefill`), that white painted over from the surroundings
before the engine reads the frame; the engine's hole grows stroke-adaptively by 2 (the export's
default growth). ``today``: the engine's defaults; ``layers``: the engine option ``layers`` (motion
layers, :mod:`inpaint_core.engines.motionlayers`); ``telea``: OpenCV Telea per frame. All in one run.
Writes tests/benchmarks/results/ghost.json and the contact sheet ghost_contact.png (per case, the
frame where the object is under the hole, cropped around it: truth with the mask outlined | each
variant).
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

from inpaint_core.bench.report import write_json  # noqa: E402
from inpaint_core.clipsource import ArrayClipSource  # noqa: E402
from inpaint_core.engines.base import Filled  # noqa: E402
from inpaint_core.engines.propagate import PropagateEngine  # noqa: E402
from inpaint_core.export.synthetic import load_photo  # noqa: E402
from inpaint_core.masks.strokes import adaptive_grow  # noqa: E402
from inpaint_core.prefill import pull_push  # noqa: E402
from tests.benchmarks.bench_peers import burn, score  # noqa: E402
from tests.benchmarks.bench_propagate import CLIPS, SHARED, read_frames  # noqa: E402

OUT = ROOT / "tests" / "benchmarks" / "results" / "ghost.json"
SIZE = (432, 240)
#: variant -> engine options (None: Telea)
VARIANTS = {"today": {}, "layers": {"layers": True}, "telea": None}


def synthetic_pan(n: int) -> tuple[list[np.ndarray], np.ndarray, int]:
    """(frames, hole mask, a frame with the object under the hole)."""
    w, h = SIZE
    bg = cv2.resize(load_photo(SHARED / "data/photos/Dune.jpg"), (w + 2 * n + 10, h), interpolation=cv2.INTER_AREA)
    obj = cv2.resize(load_photo(SHARED / "data/photos/Garden.jpg"), (70, 50), interpolation=cv2.INTER_AREA)
    frames = []
    for t in range(n):
        f = np.ascontiguousarray(bg[:, 2 * t:2 * t + w]).copy()
        x = 60 + 6 * t
        if x + 70 < w:
            f[100:150, x:x + 70] = obj
        frames.append(f)
    mask = np.zeros((h, w), np.uint8)
    mask[90:160, 180:260] = 255
    return frames, mask, min(n - 1, 22)


def running_car(n: int) -> tuple[list[np.ndarray], np.ndarray, int]:
    frames = read_frames(SHARED / CLIPS["running_car"][0], 32, n, size=SIZE)
    m = cv2.imread(str(SHARED / "data/clips/running_car/watermark_mask.png"), cv2.IMREAD_GRAYSCALE)
    mask = np.where(cv2.resize(m, SIZE, interpolation=cv2.INTER_NEAREST) > 127, 255, 0).astype(np.uint8)
    return frames, mask, min(len(frames) - 1, 30)


def honest_input(frames: list[np.ndarray], mask: np.ndarray, hole: np.ndarray) -> list[np.ndarray]:
    """The frames with ``mask`` burned in white, then the engine's ``hole`` painted over as the
    export's prefill does."""
    return [pull_push(f, hole) for f in burn(frames, mask)]


def run(opts, frames: list[np.ndarray], mask: np.ndarray) -> tuple[list[np.ndarray], float]:
    grown = adaptive_grow(mask, 2)
    t0 = time.perf_counter()
    if opts is None:
        src = burn(frames, mask)
        out = [cv2.inpaint(f, grown, 3, cv2.INPAINT_TELEA) for f in src]
        return out, time.perf_counter() - t0
    src = honest_input(frames, mask, grown)
    got = {}
    for ev in PropagateEngine(**opts).run(ArrayClipSource(src, [grown] * len(src), grow=0)):
        if isinstance(ev, Filled):
            got[ev.index] = ev.rgb
    return [got[i] for i in range(len(src))], time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=60)
    ap.add_argument("--variants", default=",".join(VARIANTS))
    ap.add_argument("--cases", default="synthetic_pan_object,running_car_32")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    labels = args.variants.split(",")
    bad = set(labels) - set(VARIANTS)
    if bad:
        ap.error(f"unknown variants {sorted(bad)}; known: {', '.join(VARIANTS)}")
    builders = {"synthetic_pan_object": synthetic_pan, "running_car_32": running_car}
    res, sheet = {}, []
    for key in args.cases.split(","):
        frames, mask, t = builders[key](args.frames)
        hole = mask > 0
        res[key] = {}
        ys, xs = np.nonzero(hole)
        y0, y1 = max(0, ys.min() - 12), min(hole.shape[0], ys.max() + 13)
        x0, x1 = max(0, xs.min() - 12), min(hole.shape[1], xs.max() + 13)
        edge = (cv2.dilate(hole.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0) & ~hole
        truth_tile = frames[t].copy()
        truth_tile[edge] = (255, 0, 255)
        tiles = [truth_tile[y0:y1, x0:x1]]
        for label in labels:
            out, secs = run(VARIANTS[label], frames, mask)
            res[key][label] = {"psnr_hole": score(out, frames, hole), "seconds": secs}
            print(f"ghost: {key:22s} {label:8s} in-hole PSNR {res[key][label]['psnr_hole']:.2f} dB ({secs:.1f} s)",
                  flush=True)
            tiles.append(out[t][y0:y1, x0:x1])
            write_json(res, args.out)
        row = np.concatenate(tiles, 1)
        sheet.append(cv2.resize(row, (1200, max(1, round(row.shape[0] * 1200 / row.shape[1]))),
                                interpolation=cv2.INTER_AREA))
    cv2.imwrite(str(args.out.with_name("ghost_contact.png")), cv2.cvtColor(np.concatenate(sheet, 0), cv2.COLOR_RGB2BGR))
    print("wrote", args.out, "and ghost_contact.png; columns: truth (mask outlined) |", " | ".join(labels))


if __name__ == "__main__":
    main()
