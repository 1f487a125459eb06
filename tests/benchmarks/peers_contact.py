"""Contact sheet of bench_peers.py's outputs: per clip, the middle frame cropped to the logo mask,
truth | Vanish (default) | Vanish variants run (before, noblend, uniform) | removelogo | delogo | Telea,
the mask outlined; a column whose output file is missing is left out.

    PYTHONPATH=$PWD python tests/benchmarks/peers_contact.py [--clips a,b]   (after bench_peers.py)

Writes tests/benchmarks/results/peers_contact.png.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.benchmarks.bench_peers import WORK, read_all  # noqa: E402
from tests.benchmarks.bench_propagate import CLIPS  # noqa: E402

OUT = ROOT / "tests" / "benchmarks" / "results" / "peers_contact.png"
METHODS = ("vanish", "vanish-before", "vanish-noblend", "vanish-uniform", "removelogo", "delogo", "telea")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clips", default=",".join(CLIPS))
    ap.add_argument("--width", type=int, default=1200)
    args = ap.parse_args()
    rows = []
    for name in args.clips.split(","):
        mask = cv2.imread(str(WORK / f"{name}_mask.png"), cv2.IMREAD_GRAYSCALE)
        if mask is None:
            continue
        ys, xs = np.nonzero(mask)
        pad = 6
        y0, y1 = max(0, ys.min() - pad), min(mask.shape[0], ys.max() + pad)
        x0, x1 = max(0, xs.min() - pad), min(mask.shape[1], xs.max() + pad)
        hole = mask > 0
        edge = (cv2.dilate(hole.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0) & ~hole
        tiles = []
        shown = [m for m in METHODS if (WORK / f"{name}_{m}.mkv").exists()]
        for m in ("", *shown):
            path = WORK / (f"{name}_truth.mkv" if not m else f"{name}_{m}.mkv")
            frames = read_all(path)
            img = frames[len(frames) // 2].copy()
            if not m:
                img[edge] = (255, 0, 255)
            tiles.append(img[y0:y1, x0:x1])
        row = np.concatenate(tiles, 1)
        s = args.width / row.shape[1]
        rows.append(cv2.resize(row, (args.width, max(1, int(row.shape[0] * s))), interpolation=cv2.INTER_AREA))
    sheet = np.concatenate(rows, 0)
    cv2.imwrite(str(OUT), cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR))
    print("wrote", OUT, "columns: truth (mask outlined) |", " | ".join(shown))


if __name__ == "__main__":
    main()
