"""Sharp full-resolution test clips for the full-resolution benchmark and tests: a virtual camera
moving over a still photograph by sub-pixel steps, and a stationary watermark-like mask.

Frames are sampled from the photograph with an affine map per frame (Lanczos interpolation); the
camera never magnifies the photograph by more than it must to fill the frame, so small photographs
give softer clips.
"""

from __future__ import annotations

from collections.abc import Iterator

import cv2
import numpy as np


def pan_frames(photo: np.ndarray, size: tuple[int, int], n: int, velocity=(2.63, 0.91),
               seed: int = 0) -> Iterator[np.ndarray]:
    """Yield ``n`` frames (H, W, 3) uint8 RGB of ``size`` = (W, H) from ``photo`` (RGB uint8).

    The camera moves by ``velocity`` (dx, dy) pixels of the output per frame, with a small
    seeded wobble so that the motion is not a constant integer shift.
    """
    W, H = size
    ph, pw = photo.shape[:2]
    vx, vy = velocity
    travel_x, travel_y = abs(vx) * n + 8, abs(vy) * n + 8
    # photo pixels per output pixel; > 1 is a (sharp) reduction, < 1 magnifies
    z = min(pw / (W + travel_x), ph / (H + travel_y), 1.25)
    rng = np.random.default_rng(seed)
    wob = rng.uniform(-0.15, 0.15, size=(n, 2))
    src = photo
    if z > 1.0:
        # pre-reduce with area averaging so the final warp does not alias
        src = cv2.resize(photo, (round(pw / z), round(ph / z)), interpolation=cv2.INTER_AREA)
        z = 1.0
    sh, sw = src.shape[:2]
    ox = (sw - z * (W + travel_x)) / 2 + (0 if vx >= 0 else z * travel_x)
    oy = (sh - z * (H + travel_y)) / 2 + (0 if vy >= 0 else z * travel_y)
    for i in range(n):
        tx = ox + z * (4 + vx * i + wob[i, 0])
        ty = oy + z * (4 + vy * i + wob[i, 1])
        m = np.array([[z, 0, tx], [0, z, ty]], np.float32)
        yield cv2.warpAffine(src, m, (W, H), flags=cv2.INTER_LANCZOS4 | cv2.WARP_INVERSE_MAP,
                             borderMode=cv2.BORDER_REFLECT)


def watermark_mask(size: tuple[int, int], seed: int = 0) -> np.ndarray:
    """(H, W) uint8 0/255: a stationary watermark-like mask (a word in thick strokes, a box and a
    curved stroke), scaled to ``size`` = (W, H)."""
    W, H = size
    s = W / 1920
    rng = np.random.default_rng(seed)
    m = np.zeros((H, W), np.uint8)
    cx, cy = int(W * rng.uniform(0.35, 0.5)), int(H * rng.uniform(0.45, 0.6))
    cv2.putText(m, "VANISH", (cx - int(420 * s), cy), cv2.FONT_HERSHEY_SIMPLEX, 4.0 * s, 255,
                max(2, int(round(14 * s))), cv2.LINE_AA)
    bx, by = int(W * 0.72), int(H * 0.2)
    cv2.rectangle(m, (bx, by), (bx + int(70 * s), by + int(46 * s)), 255, -1)
    pts = np.array([[W * 0.15, H * 0.8], [W * 0.3, H * 0.7], [W * 0.45, H * 0.85], [W * 0.6, H * 0.75]])
    pts = (pts + rng.uniform(-20, 20, pts.shape) * s).astype(np.int32)
    cv2.polylines(m, [pts], False, 255, max(2, int(round(22 * s))), cv2.LINE_AA)
    return np.where(m > 0, 255, 0).astype(np.uint8)


def load_photo(path) -> np.ndarray:
    """RGB uint8 photograph from ``path``."""
    img = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if img is None:
        raise FileNotFoundError(path)
    return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
