"""The headless demo (``vanish demo``; ``make run`` without a display).

Everything it uses is made here: a procedural landscape texture, a virtual camera panning over it,
and a semi-transparent logo burned into a corner of every frame. Vanish then removes the logo with a
full-resolution export and scores the result against the clean clip, which it knows.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np

from .jobs import CancelToken, Progress


def landscape(size: tuple[int, int], seed: int = 7) -> np.ndarray:
    """A sharp procedural landscape, (H, W, 3) uint8 RGB at ``size`` = (W, H): sky gradient,
    layered noisy hills, and fine multi-octave texture so that detail restoration is visible."""
    w, h = size
    rng = np.random.default_rng(seed)
    ys = np.linspace(0, 1, h, dtype=np.float32)[:, None]
    xs = np.linspace(0, 1, w, dtype=np.float32)[None, :]
    img = np.zeros((h, w, 3), np.float32)
    sky_top, sky_bot = np.array([70, 120, 200], np.float32), np.array([200, 220, 240], np.float32)
    img[:] = sky_top + (sky_bot - sky_top) * ys[..., None]
    palettes = [(92, 120, 70), (60, 96, 52), (120, 100, 64), (44, 70, 40)]
    for k, col in enumerate(palettes):
        base = 0.35 + 0.15 * k
        ridge = base + 0.06 * np.sin(xs * (6 + 3 * k) + rng.uniform(0, 6)) \
            + 0.03 * np.sin(xs * (23 + 5 * k) + rng.uniform(0, 6))
        land = ys > ridge
        shade = 1.0 - 0.35 * (ys - ridge).clip(0, 1)
        img = np.where(land[..., None], np.array(col, np.float32) * shade[..., None], img)
    # fine texture: octaves of smoothed noise, strongest on the ground
    tex = np.zeros((h, w), np.float32)
    for octave in range(5):
        step = 2 ** (octave + 1)
        small = rng.standard_normal((h // step + 2, w // step + 2)).astype(np.float32)
        tex += cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC) * (0.6 ** octave)
    ground = (img[..., 2] < 150)[..., None]
    img += np.where(ground, 14.0, 4.0) * tex[..., None]
    # a few houses: hard edges for the export's detail restoration to keep
    for _ in range(18):
        x0, y0 = int(rng.uniform(0, w - 40)), int(rng.uniform(h * 0.55, h - 40))
        bw, bh = int(rng.uniform(14, 40)), int(rng.uniform(10, 26))
        col = rng.uniform(150, 240, 3)
        cv2.rectangle(img, (x0, y0), (x0 + bw, y0 + bh), col.tolist(), -1)
        cv2.rectangle(img, (x0, y0), (x0 + bw, y0 + bh), (40, 30, 30), 1)
    return np.clip(img, 0, 255).astype(np.uint8)


def logo_alpha(size: tuple[int, int]) -> np.ndarray:
    """(H, W) float32 alpha in [0, 1] of the demo's corner logo at frame size (W, H)."""
    w, h = size
    a = np.zeros((h, w), np.uint8)
    s = w / 960
    x0, y0 = int(w * 0.70), int(h * 0.80)
    cv2.circle(a, (x0 + int(22 * s), y0 + int(18 * s)), int(16 * s), 255, -1, cv2.LINE_AA)
    cv2.putText(a, "DEMO TV", (x0 + int(44 * s), y0 + int(30 * s)), cv2.FONT_HERSHEY_DUPLEX,
                1.1 * s, 255, max(1, int(round(2 * s))), cv2.LINE_AA)
    return a.astype(np.float32) / 255.0 * 0.75


@dataclass
class DemoResult:
    folder: Path
    input: Path
    mask: Path
    output: Path
    contact_sheet: Path
    psnr_before: float
    psnr_after: float
    frames: int


def run_demo(folder: Path, frames: int = 48, size: tuple[int, int] = (960, 540),
             engine: str | None = None, cancel: CancelToken | None = None,
             output: Path | None = None) -> Generator[Progress, None, DemoResult]:
    """Make the demo clip in ``folder``, remove its logo, score it. Yields Progress. The result
    goes to ``output`` when given, else ``folder/demo_output.mp4``."""
    from .export import export_video
    from .export.synthetic import pan_frames
    from .masks.io import write_mask_image
    from .metrics import psnr
    from .video import VideoReader, VideoWriter

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    cancel = cancel or CancelToken()
    w, h = size
    photo = landscape((int(w * 1.6), int(h * 1.4)))
    alpha = logo_alpha(size)[..., None]
    clean = []
    src = folder / "demo_input.mp4"
    yield Progress(0, frames, "making the demo clip")
    with VideoWriter(src, width=w, height=h, time_base=Fraction(1, 24), rate=Fraction(24), crf=14) as wr:
        for i, frame in enumerate(pan_frames(photo, size, frames, velocity=(1.7, 0.4), seed=3)):
            cancel.raise_if_cancelled()
            clean.append(frame)
            marked = frame.astype(np.float32) * (1 - alpha) + 255.0 * alpha
            wr.write(np.clip(marked + 0.5, 0, 255).astype(np.uint8), i)
            yield Progress(i + 1, frames, "making the demo clip")
    mask = np.where(alpha[..., 0] > 0.02, 255, 0).astype(np.uint8)
    mask = cv2.dilate(mask, np.ones((3, 3), np.uint8), iterations=2)
    mask_path = folder / "demo_mask.png"
    write_mask_image(mask_path, mask)
    out = Path(output) if output is not None else folder / "demo_output.mp4"
    yield from export_video(src, mask_path, out, engine=engine, crf=16, cancel=cancel)
    before, after, sheet_rows = [], [], []
    with VideoReader(src) as r_in, VideoReader(out) as r_out:
        for i in range(frames):
            a, b = r_in.frame(i), r_out.frame(i)
            before.append(psnr(a, clean[i], mask))
            after.append(psnr(b, clean[i], mask))
            if i in (0, frames // 2, frames - 1):
                sheet_rows.append(np.hstack([a, b, clean[i]]))
    sheet = np.vstack(sheet_rows)
    sheet = cv2.resize(sheet, (sheet.shape[1] // 2, sheet.shape[0] // 2), interpolation=cv2.INTER_AREA)
    sheet_path = folder / "demo_contact_sheet.png"
    cv2.imwrite(str(sheet_path), cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR))

    def mean_db(vals: list[float]) -> float:
        finite = [v for v in vals if math.isfinite(v)]
        return float(np.mean(finite)) if finite else float("inf")

    return DemoResult(folder, src, mask_path, out, sheet_path, mean_db(before), mean_db(after), frames)
