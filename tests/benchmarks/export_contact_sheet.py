"""Contact sheet of a real export: running_car with its watermark mask (input | mask | output).

    python tests/benchmarks/export_contact_sheet.py [--start 40 --end 70] [--engine propagate]

Exports the range with ``vanish export``'s job (residuals ``both``), then writes
``docs/export_running_car.png`` with three sample frames, each as input, mask overlay and output.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def main() -> None:
    from inpaint_core.export import export_video
    from inpaint_core.jobs import run_job
    from inpaint_core.masks import read_mask_image
    from inpaint_core.video import VideoReader

    ap = argparse.ArgumentParser()
    ap.add_argument("--start", type=int, default=40)
    ap.add_argument("--end", type=int, default=70)
    ap.add_argument("--engine", default="propagate")
    ap.add_argument("--out", default="/tmp/vanish_export_running_car.mp4")
    args = ap.parse_args()
    shared = Path(os.environ.get("VANISH_SHARED", ROOT.parent / "shared"))
    clip = shared / "data/clips/running_car"
    mask = read_mask_image(clip / "watermark_mask.png", size=(972, 540))
    res = run_job(export_video(clip / "video.mp4", mask, args.out, engine=args.engine, start=args.start,
                               end=args.end))
    print(f"exported {res.frames} frames, stages {res.seconds}")
    picks = [args.start + 2, (args.start + args.end) // 2, args.end - 3]
    rows = []
    with VideoReader(clip / "video.mp4") as src, VideoReader(args.out) as out:
        for i in picks:
            a = src.frame(i)
            b = out.frame(i - args.start)
            over = a.copy()
            over[mask > 0] = (0.5 * over[mask > 0] + 0.5 * np.array([255, 0, 0])).astype(np.uint8)
            rows.append(np.concatenate([a, over, b], axis=1))
    sheet = np.concatenate(rows, axis=0)
    sheet = cv2.resize(sheet, (sheet.shape[1] // 2, sheet.shape[0] // 2), interpolation=cv2.INTER_AREA)
    target = ROOT / "docs" / "export_running_car.png"
    target.parent.mkdir(exist_ok=True)
    cv2.imwrite(str(target), cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR))
    # a full-size crop around the logo of the middle frame: input | output
    ys, xs = np.nonzero(mask)
    y0, y1, x0, x1 = max(0, ys.min() - 20), ys.max() + 20, max(0, xs.min() - 20), xs.max() + 20
    with VideoReader(clip / "video.mp4") as src, VideoReader(args.out) as out:
        i = picks[1]
        crop = np.concatenate([src.frame(i)[y0:y1, x0:x1], out.frame(i - args.start)[y0:y1, x0:x1]], axis=1)
    cv2.imwrite(str(ROOT / "docs" / "export_running_car_crop.png"), cv2.cvtColor(crop, cv2.COLOR_RGB2BGR))
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
