"""Benchmark of mask layers and the project document (not collected by pytest).

A painted layer over a long 1080p clip (a moving ellipse covering about 4 % of the frame, as a
tracked object would) and a stationary watermark shape: memory held by the packed layer versus raw
masks, time to store / compose a frame, project save (first and unchanged re-save), load (header
checks only), and the first compose of a lazily loaded frame.

    PYTHONPATH=. python tests/benchmarks/bench_masks.py [--frames 600]

Prints a table and writes tests/benchmarks/results/masks.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from inpaint_core.masks import MaskStack, PaintedLayer, ShapeLayer  # noqa: E402
from inpaint_core.project import Project  # noqa: E402

W, H = 1920, 1080


def blob(i: int, n: int) -> np.ndarray:
    m = np.zeros((H, W), np.uint8)
    cx = int(200 + (W - 400) * i / max(1, n - 1))
    cy = int(H / 2 + 200 * np.sin(i / 15))
    cv2.ellipse(m, (cx, cy), (160, 260), (i * 3) % 180, 0, 360, 255, -1)
    return m


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=600)
    args = ap.parse_args()
    n = args.frames
    masks = [blob(i, n) for i in range(n)]
    area = statistics.mean(float((m > 0).mean()) for m in masks)

    layer = PaintedLayer((W, H), name="tracked")
    t = time.perf_counter()
    for i, m in enumerate(masks):
        layer.set(i, m)
    t_set = (time.perf_counter() - t) / n
    raw_bytes = n * W * H
    stack = MaskStack((W, H), [layer, ShapeLayer.rectangle((W, H), 1700, 40, 180, 90, name="logo")])
    t = time.perf_counter()
    for i in range(0, n, 10):
        stack.compose(i)
    t_compose = (time.perf_counter() - t) / len(range(0, n, 10))

    with tempfile.TemporaryDirectory() as tmp:
        video = Path(tmp) / "clip.mp4"
        video.write_bytes(np.random.default_rng(0).integers(0, 256, 4 << 20, np.uint8).tobytes())
        proj = Project.create(Path(tmp) / "bench", video, width=W, height=H, frame_count=n)
        proj.layers = stack
        t = time.perf_counter()
        proj.save()
        t_save = time.perf_counter() - t
        disk = sum(p.stat().st_size for p in (proj.folder / "masks").iterdir())
        t = time.perf_counter()
        proj.save()
        t_resave = time.perf_counter() - t
        t = time.perf_counter()
        back = Project.load(proj.folder)
        t_load = time.perf_counter() - t
        t = time.perf_counter()
        first = back.layers.compose(n // 2)
        t_lazy = time.perf_counter() - t
        assert np.array_equal(first, stack.compose(n // 2))
        t = time.perf_counter()
        back.settings.feather = 1.0
        back.save()
        t_resave_loaded = time.perf_counter() - t

    res = {
        "frames": n, "size": [W, H], "mean_mask_area": round(area, 4),
        "raw_mask_bytes": raw_bytes, "packed_layer_bytes": layer.nbytes,
        "packed_ratio": round(layer.nbytes / raw_bytes, 5),
        "set_ms_per_frame": round(t_set * 1e3, 2), "compose_ms_per_frame": round(t_compose * 1e3, 2),
        "project_first_save_s": round(t_save, 2), "project_resave_s": round(t_resave, 2),
        "project_mask_files_bytes": disk, "project_load_s": round(t_load, 3),
        "lazy_first_compose_ms": round(t_lazy * 1e3, 2),
        "resave_after_load_s": round(t_resave_loaded, 3),
    }
    width = max(len(k) for k in res)
    for k, v in res.items():
        print(f"{k:<{width}}  {v}")
    out = ROOT / "tests" / "benchmarks" / "results" / "masks.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=1) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
