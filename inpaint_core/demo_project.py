"""The demo project the editor's welcome screen offers ("Try the demo"): no download needed.

A short clip made here — a camera panning over the procedural landscape of :mod:`.demo`, a red
ball rolling across it and a semi-transparent logo in the corner — and a project with two layers:
``Logo`` (a stationary shape over the whole clip) and ``Ball`` (a painted mask on every frame).
Both are written to a per-user data folder (``VANISH_DEMO_DIR`` overrides it) and reused while
they load cleanly.
"""

from __future__ import annotations

import os
from collections.abc import Generator
from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np

from .jobs import CancelToken, Progress, run_job

CLIP_NAME = "demo_clip.mp4"
PROJECT_NAME = "Vanish demo.vanish"
SIZE = (640, 360)
FRAMES = 36
BALL_LAYER, LOGO_LAYER = "Ball", "Logo"


def demo_dir() -> Path:
    """Where the demo is kept: ``VANISH_DEMO_DIR`` or the user data folder's ``demo``."""
    env = os.environ.get("VANISH_DEMO_DIR")
    if env:
        return Path(env)
    from platformdirs import user_data_dir

    return Path(user_data_dir("vanish", appauthor=False)) / "demo"


def ball_center(i: int, n: int, size: tuple[int, int]) -> tuple[float, float, float]:
    """(x, y, radius) in pixels of the ball at frame ``i`` of ``n``: it rolls left to right along
    the lower third with a small bounce."""
    w, h = size
    t = i / max(1, n - 1)
    r = 0.05 * h
    x = w * (0.12 + 0.55 * t)
    y = h * 0.62 - abs(np.sin(t * 3 * np.pi)) * 0.08 * h
    return float(x), float(y), float(r)


def _ball(frame: np.ndarray, x: float, y: float, r: float) -> tuple[np.ndarray, np.ndarray]:
    """Draw a shaded red ball into ``frame`` (H, W, 3) uint8; returns (frame, mask (H, W) uint8)."""
    h, w = frame.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    d = np.sqrt((xx - x) ** 2 + (yy - y) ** 2) / r
    cover = np.clip((1.0 - d) * r, 0, 1)[..., None]  # anti-aliased edge, one pixel wide
    light = np.clip(1.15 - 0.6 * np.sqrt((xx - x + 0.35 * r) ** 2 + (yy - y + 0.35 * r) ** 2) / r, 0.35, 1.15)
    colour = np.stack([225 * light, 40 * light, 35 * light], -1)
    out = frame.astype(np.float32) * (1 - cover) + colour * cover
    mask = np.where(d <= 1.0 + 1.5 / r, 255, 0).astype(np.uint8)
    return np.clip(out + 0.5, 0, 255).astype(np.uint8), mask


def make_demo(folder: Path | None = None, frames: int = FRAMES, size: tuple[int, int] = SIZE,
              cancel: CancelToken | None = None) -> Generator[Progress, None, Path]:
    """Write the demo clip and project into ``folder`` (default :func:`demo_dir`); returns the
    project folder. An existing demo that loads cleanly is reused. Yields Progress."""
    from .demo import landscape, logo_alpha
    from .export.synthetic import pan_frames
    from .masks.layers import PaintedLayer, ShapeLayer
    from .project import Project, check_project
    from .video import VideoWriter

    folder = Path(folder) if folder is not None else demo_dir()
    proj_dir = folder / PROJECT_NAME
    if (proj_dir / "project.json").is_file() and not check_project(proj_dir):
        return proj_dir
    cancel = cancel or CancelToken()
    folder.mkdir(parents=True, exist_ok=True)
    for old in (proj_dir, folder / CLIP_NAME):  # a broken or outdated demo is remade
        if old.is_dir():
            import shutil

            shutil.rmtree(old)
        elif old.exists():
            old.unlink()
    w, h = size
    photo = landscape((int(w * 1.5), int(h * 1.3)), seed=11)
    alpha = logo_alpha(size)[..., None]
    ball = PaintedLayer(size, name=BALL_LAYER, dilation=2)
    clip = folder / CLIP_NAME
    tmp = folder / f".{CLIP_NAME}.part.mp4"
    yield Progress(0, frames, "making the demo clip")
    with VideoWriter(tmp, width=w, height=h, time_base=Fraction(1, 24), rate=Fraction(24), crf=16) as wr:
        for i, frame in enumerate(pan_frames(photo, size, frames, velocity=(1.5, 0.3), seed=5)):
            cancel.raise_if_cancelled()
            frame, m = _ball(frame, *ball_center(i, frames, size))
            ball.set(i, m)
            marked = frame.astype(np.float32) * (1 - alpha) + 255.0 * alpha
            wr.write(np.clip(marked + 0.5, 0, 255).astype(np.uint8), i)
            yield Progress(i + 1, frames, "making the demo clip")
    os.replace(tmp, clip)
    logo = np.where(alpha[..., 0] > 0.02, 255, 0).astype(np.uint8)
    logo = cv2.dilate(logo, np.ones((3, 3), np.uint8), iterations=2)
    proj = Project.create(proj_dir, clip, width=w, height=h, frame_count=frames, save=False)
    proj.layers.add(ShapeLayer.from_bitmap(logo, name=LOGO_LAYER))
    proj.layers.add(ball)
    proj.save()
    return proj_dir


def ensure_demo(folder: Path | None = None) -> Path:
    """:func:`make_demo` run to the end; the project folder."""
    return run_job(make_demo(folder))
