"""In-hole and revealed-pixel PSNR of the classical engine against Telea, quickly (no warping error).

    PYTHONPATH=$PWD python tests/benchmarks/fill_quick.py ['{"filler_options": {"land": 1.0}}']
        [--pairs running_car:object,...]

The bench's clips and mask families (60 frames at 432x240, running_car from frame 32), the engine
run in memory as ``bench_fill.py`` runs it (mask grown by its default growth, scores inside the
ungrown mask, PSNR pooled over the clip's hole / revealed pixels). One line per pair.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from inpaint_core import metrics  # noqa: E402
from inpaint_core.bench.regions import revealed_masks  # noqa: E402
from inpaint_core.bench.runner import clip_seed, make_masks, run_engine  # noqa: E402
from inpaint_core.jobs import run_job  # noqa: E402
from inpaint_core.masks import grow_mask  # noqa: E402
from tests.benchmarks.bench_propagate import CLIPS, SHARED, read_frames  # noqa: E402

FAMILIES = ("stationary", "object", "curve", "box")


def ps(img: np.ndarray, truth: np.ndarray, sel: np.ndarray) -> float:
    """PSNR pooled over the ``sel`` pixels of a clip."""
    return metrics.psnr_from_mse(float(((img[sel].astype(np.float64) - truth[sel]) ** 2).mean()))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("options", nargs="?", default="{}", help="engine options as JSON")
    ap.add_argument("--pairs", default=",".join(f"{c}:{f}" for c in CLIPS for f in FAMILIES))
    args = ap.parse_args()
    opts = json.loads(args.options)
    for pair in args.pairs.split(","):
        cname, fam = pair.split(":")
        path, start = CLIPS[cname]
        frames = np.stack(read_frames(SHARED / path, start, 60))
        masks = make_masks(fam, len(frames), (frames.shape[2], frames.shape[1]), clip_seed(0, cname), (0.05, 0.15))
        holes = masks > 0
        rev = np.stack(revealed_masks(list(masks), metrics.reference_flows(list(frames)))) & holes
        tel = np.stack([cv2.inpaint(f, grow_mask(m, 2), 5, cv2.INPAINT_TELEA) for f, m in zip(frames, masks)])
        t0 = time.perf_counter()
        run = run_job(run_engine("propagate", frames, masks, opts))
        secs = time.perf_counter() - t0
        out = run.frames

        print(f"{cname:15s} {fam:10s} {secs:5.1f}s hole {ps(out, frames, holes):.2f}/{ps(tel, frames, holes):.2f} "
              f"rev {ps(out, frames, rev):.2f}/{ps(tel, frames, rev):.2f} "
              f"d {ps(out, frames, rev) - ps(tel, frames, rev):+.2f}", flush=True)


if __name__ == "__main__":
    main()
