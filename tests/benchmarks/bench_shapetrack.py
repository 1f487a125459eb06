"""Shape tracking drift and speed: a textured square moves on a known path (translation, a slow
rotation and growth, a sine bob) over a noisy textured background for 120 frames at 640x360; the
tracker starts from the true corners on frame 0 (and, backwards, on the last frame).

Prints the centroid and corner errors against the truth, the lowest confidence and the frame rate,
and writes tests/benchmarks/results/shapetrack.json. Run: python -m tests.benchmarks.bench_shapetrack
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import cv2
import numpy as np

from inpaint_core.segment.shapetrack import TrackedShape, track_shape

ROOT = Path(__file__).resolve().parents[2]
W, H, S, N = 640, 360, 80, 120


def clip(seed: int = 1):
    """``N`` frames (H, W, 3) uint8 and the true corners (4, 2) of the square on each."""
    rng = np.random.default_rng(seed)
    tex = cv2.GaussianBlur(rng.integers(0, 256, (S, S, 3), dtype=np.uint8), (5, 5), 0)
    bg = cv2.GaussianBlur(rng.integers(60, 140, (H, W, 3), dtype=np.uint8), (9, 9), 0)
    corners = np.array([[0, 0], [S, 0], [S, S], [0, S]], np.float64)
    frames, truth = [], []
    for t in range(N):
        cx, cy = 120 + 3.5 * t, 120 + 1.0 * t + 20 * np.sin(t / 15)
        M = cv2.getRotationMatrix2D((S / 2, S / 2), 0.3 * t, 1 + 0.003 * t) + \
            np.array([[0, 0, cx - S / 2], [0, 0, cy - S / 2]])
        f = bg.copy()
        cover = cv2.warpAffine(np.full((S, S), 255, np.uint8), M, (W, H)) > 127
        f[cover] = cv2.warpAffine(tex, M, (W, H))[cover]
        f = np.clip(f.astype(np.int16) + rng.integers(-4, 5, f.shape), 0, 255).astype(np.uint8)
        frames.append(f)
        truth.append(corners @ M[:, :2].T + M[:, 2])
    return frames, truth


def run(frames, truth, start: int, stop: int) -> dict:
    t0 = time.perf_counter()
    got = {e.frame: e for e in track_shape(lambda i: frames[i], truth[start], start, stop)
           if isinstance(e, TrackedShape)}
    secs = time.perf_counter() - t0
    cen = [float(np.linalg.norm(got[t].points.mean(0) - truth[t].mean(0))) for t in range(N)]
    cor = [float(np.abs(got[t].points - truth[t]).max()) for t in range(N)]
    return {"frames": N, "seconds": round(secs, 3), "fps": round(N / secs, 1),
            "centroid_error_max_px": round(max(cen), 3), "centroid_error_mean_px": round(float(np.mean(cen)), 3),
            "corner_error_max_px": round(max(cor), 3),
            "confidence_min": round(min(got[t].confidence for t in range(N)), 3)}


def main() -> None:
    frames, truth = clip()
    res = {"size": [W, H], "forward": run(frames, truth, 0, N - 1), "backward": run(frames, truth, N - 1, 0)}
    for k in ("forward", "backward"):
        r = res[k]
        print(f"{k:9s}: {r['frames']} frames {W}x{H} in {r['seconds']:.2f} s ({r['fps']} fps); centroid error "
              f"max {r['centroid_error_max_px']:.2f} px, mean {r['centroid_error_mean_px']:.2f}; corners max "
              f"{r['corner_error_max_px']:.2f} px; confidence min {r['confidence_min']:.2f}")
    out = ROOT / "tests" / "benchmarks" / "results" / "shapetrack.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=1) + "\n")
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
