"""Does the engine read what lies under its hole? running_car frames 32-61 at 432x240 with its logo
mask, the engine in memory (as the fill benchmarks run it), grow 0: in-hole PSNR with the clean clip
under the hole (what the in-memory benchmarks give it), with the logo painted white (a burned-in
logo, as in real use), and with that white logo painted over by the export's prefill
(:func:`inpaint_core.prefill.pull_push`); per-frame Telea beside.

    PYTHONPATH=$PWD python tests/benchmarks/logo_leak_engine.py [--frames 30]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from inpaint_core.clipsource import ArrayClipSource  # noqa: E402
from inpaint_core.engines import create_engine  # noqa: E402
from inpaint_core.engines.base import Filled  # noqa: E402
from inpaint_core.prefill import pull_push  # noqa: E402
from tests.benchmarks.bench_peers import burn, score  # noqa: E402
from tests.benchmarks.bench_propagate import SHARED, read_frames  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=30)
    n = ap.parse_args().frames
    truth = read_frames(SHARED / "data/clips/running_car/video.mp4", 32, n, size=(432, 240))
    m = cv2.imread(str(SHARED / "data/clips/running_car/watermark_mask.png"), cv2.IMREAD_GRAYSCALE)
    mask = np.where(cv2.resize(m, (432, 240), interpolation=cv2.INTER_NEAREST) > 127, 255, 0).astype(np.uint8)
    hole = mask > 0

    def run(frames: list[np.ndarray]) -> float:
        out = {}
        for ev in create_engine("propagate").run(ArrayClipSource(frames, [mask] * n, grow=0)):
            if isinstance(ev, Filled):
                out[ev.index] = ev.rgb
        return score([out[i] for i in range(n)], truth, hole)

    burned = burn(truth, mask)
    tel = [cv2.inpaint(f, mask, 5, cv2.INPAINT_TELEA) for f in burned]
    print(f"engine 432x240, running_car 32-{31 + n}, grow 0, in-hole PSNR: clean clip under the hole "
          f"{run(truth):.2f}, white logo {run(burned):.2f}, white logo prefilled "
          f"{run([pull_push(f, mask) for f in burned]):.2f}, Telea {score(tel, truth, hole):.2f}")


if __name__ == "__main__":
    main()
