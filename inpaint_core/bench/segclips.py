"""Composite clips with exact ground truth for the segmentation benchmark.

Real objects are cut out of clips that have per-frame object masks (each palette index of a mask
PNG is one object) and moved over other footage (a clip, or a virtual camera panning over a photo)
along a path with scale changes; foreground layers occlude them partly or fully, fast motion blurs
them, paths leave the frame and come back, and look-alike distractors (other objects of the same
kind, hue-matched) clutter the background. The ground truth of each frame is the object's visible
alpha (after occluders) above one half, so it is exact by construction.

Everything is decided by :class:`ClipSpec` and a seed; :func:`standard_specs` is the fixed set the
benchmark reports on. Frames are (H, W, 3) uint8 RGB, masks (H, W) uint8 0/255.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

SIZE = (320, 180)


@dataclass(frozen=True)
class Occluder:
    """A foreground layer: a textured bar ``width`` px wide (a trunk, a post), its centre moving
    linearly from ``x0`` to ``x1`` (fractions of the frame width) over the clip. ``tilt`` in degrees."""

    x0: float
    x1: float
    width: int
    tilt: float = 0.0
    texture: str = "Wood.jpg"


@dataclass(frozen=True)
class ClipSpec:
    """One composite clip. ``obj``: (source clip, palette index); ``background``: ``"clip:NAME"``
    (frames of a shared clip) or ``"pan:PHOTO"`` (a virtual camera pan). ``path``: waypoints
    (t in [0, 1], x, y) with x, y fractions of the frame (outside [0, 1] = out of frame).
    ``scale``: (start, end) object height as a fraction of the frame height. ``blur``: motion-blur
    length per pixel of motion. ``distractors``: look-alike objects (source clip, palette index,
    x, y, dx) behind the object; ``hard`` lists what the clip tests."""

    name: str
    obj: tuple[str, int]
    background: str
    path: tuple[tuple[float, float, float], ...]
    scale: tuple[float, float] = (0.45, 0.45)
    frames: int = 48
    occluders: tuple[Occluder, ...] = ()
    blur: float = 0.0
    distractors: tuple[tuple[str, int, float, float, float], ...] = ()
    seed: int = 0
    hard: tuple[str, ...] = field(default_factory=tuple)


@dataclass
class CompositeClip:
    """Frames (list of (H, W, 3) uint8), ground truth (list of (H, W) uint8 0/255), the unoccluded
    object area per frame (pixels, in or out of the frame) and the spec that made it."""

    spec: ClipSpec
    frames: list[np.ndarray]
    truth: list[np.ndarray]
    full_area: list[float]

    @property
    def visible_fraction(self) -> np.ndarray:
        """(N,) float: visible ground-truth area / unoccluded object area per frame."""
        a = np.array([np.count_nonzero(t) for t in self.truth], np.float64)
        return a / np.maximum(1.0, np.array(self.full_area))


class Sources:
    """Reads and caches the shared material under ``data`` (the folder with clips/ and photos/)."""

    def __init__(self, data: Path) -> None:
        self.data = Path(data)
        self._clips: dict[str, list[np.ndarray]] = {}
        self._palettes: dict[str, list[np.ndarray]] = {}
        self._photos: dict[str, np.ndarray] = {}

    def clip(self, name: str) -> list[np.ndarray]:
        if name not in self._clips:
            from ..video import VideoReader

            with VideoReader(self.data / "clips" / name / "video.mp4") as r:
                self._clips[name] = [r.frame(i) for i in range(r.frame_count)]
        return self._clips[name]

    def palette(self, name: str) -> list[np.ndarray]:
        """Per-frame (H, W) uint8 palette-index masks of a clip (0 = background)."""
        if name not in self._palettes:
            from PIL import Image

            from ..masks import list_mask_images

            self._palettes[name] = [np.array(Image.open(f)) for f in
                                    list_mask_images(self.data / "clips" / name / "masks")]
        return self._palettes[name]

    def photo(self, name: str) -> np.ndarray:
        if name not in self._photos:
            img = cv2.imread(str(self.data / "photos" / name), cv2.IMREAD_COLOR)
            if img is None:
                raise FileNotFoundError(self.data / "photos" / name)
            self._photos[name] = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
        return self._photos[name]

    def ref_height(self, clip: str, index: int) -> float:
        """Median box height (px) of object ``index`` over its clip: sprites are scaled by one
        factor per object, so a source frame where it is partly hidden does not stretch it."""
        hs = []
        for p in self.palette(clip):
            ys = np.nonzero((p == index).any(axis=1))[0]
            if len(ys) >= 2:
                hs.append(ys[-1] - ys[0] + 1)
        return float(np.median(hs)) if hs else 1.0

    def whole_frames(self, clip: str, index: int) -> list[int]:
        """Source frames where object ``index`` shows at least 60 % of its median area (where it
        is not itself half hidden in the source clip): the sprite's frames, in order."""
        pal = self.palette(clip)[:len(self.clip(clip))]
        areas = np.array([np.count_nonzero(p == index) for p in pal])
        good = [i for i, a in enumerate(areas) if a >= 0.6 * np.median(areas) and a >= 20]
        return good or [int(np.argmax(areas))]

    def sprite(self, clip: str, index: int, t: int) -> tuple[np.ndarray, np.ndarray] | None:
        """(rgb (h, w, 3) float32, alpha (h, w) float32) of object ``index`` on source frame ``t``
        (ping-pong over the clip), cropped to its box; ``None`` if absent on that frame."""
        frames, pal = self.clip(clip), self.palette(clip)
        good = self.whole_frames(clip, index)
        n = len(good)
        period = max(1, 2 * (n - 1))
        t = t % period
        t = good[t if t < n else period - t]
        m = pal[t] == index
        ys, xs = np.nonzero(m)
        if len(xs) < 20:
            return None
        y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
        a = cv2.GaussianBlur(m[y0:y1, x0:x1].astype(np.float32), (3, 3), 0.7)
        return frames[t][y0:y1, x0:x1].astype(np.float32), a


def _interp(path: Sequence[tuple[float, float, float]], t: float) -> tuple[float, float]:
    ts = [p[0] for p in path]
    if t <= ts[0]:
        return path[0][1], path[0][2]
    for (ta, xa, ya), (tb, xb, yb) in zip(path, path[1:]):
        if t <= tb:
            u = (t - ta) / max(1e-9, tb - ta)
            u = u * u * (3 - 2 * u)  # smoothstep: no kinks at the waypoints
            return xa + (xb - xa) * u, ya + (yb - ya) * u
    return path[-1][1], path[-1][2]


def _background(src: Sources, spec: ClipSpec, i: int, rng_off: tuple[float, float]) -> np.ndarray:
    w, h = SIZE
    kind, name = spec.background.split(":", 1)
    if kind == "clip":
        frames = src.clip(name)
        f = frames[min(i, len(frames) - 1)]
        return cv2.resize(f, (w, h), interpolation=cv2.INTER_AREA).astype(np.float32)
    photo = src.photo(name)
    ph, pw = photo.shape[:2]
    t = i / max(1, spec.frames - 1)
    zoom = 1.0 + 0.25 * t  # the camera also zooms in a little
    cw = min(pw, ph * w / h) * 0.6 / zoom
    ch = cw * h / w
    cx = pw * (0.3 + rng_off[0] + 0.3 * t)
    cy = ph * (0.5 + rng_off[1] * np.sin(np.pi * t))
    cx = float(np.clip(cx, cw / 2, pw - cw / 2))
    cy = float(np.clip(cy, ch / 2, ph - ch / 2))
    m = np.array([[w / cw, 0, w / 2 - cx * w / cw], [0, h / ch, h / 2 - cy * h / ch]], np.float32)
    return cv2.warpAffine(photo, m, (w, h), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REFLECT).astype(np.float32)


def _motion_kernel(vx: float, vy: float, length: float) -> np.ndarray | None:
    n = int(round(length))
    if n < 2:
        return None
    k = np.zeros((2 * n + 1, 2 * n + 1), np.float32)
    d = np.hypot(vx, vy) or 1.0
    ux, uy = vx / d, vy / d
    for s in np.linspace(-n / 2, n / 2, 2 * n + 1):
        k[int(round(n + s * uy)), int(round(n + s * ux))] = 1.0
    return k / k.sum()


def _paste(canvas: np.ndarray, layer_alpha: np.ndarray, rgb: np.ndarray, alpha: np.ndarray,
           cx: float, cy: float, s: float, kernel: np.ndarray | None = None) -> np.ndarray:
    """Paste a sprite scaled by ``s`` centred at (cx, cy) px onto ``canvas`` (float32 RGB, in
    place). Returns the (H, W) float32 alpha it covered (motion blurred with ``kernel``)."""
    h, w = canvas.shape[:2]
    sw, sh = max(2, int(round(rgb.shape[1] * s))), max(2, int(round(rgb.shape[0] * s)))
    rgb = cv2.resize(rgb, (sw, sh), interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR)
    a = cv2.resize(alpha, (sw, sh), interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR)
    pad = 0 if kernel is None else kernel.shape[0] // 2
    full_a = np.zeros((h + 2 * sh + 2 * pad, w + 2 * sw + 2 * pad), np.float32)
    full_c = np.zeros(full_a.shape + (3,), np.float32)
    x0, y0 = int(round(cx - sw / 2)) + sw + pad, int(round(cy - sh / 2)) + sh + pad
    # far out of the frame: pinned just outside it (it is invisible either way)
    x0 = min(max(0, x0), full_a.shape[1] - sw)
    y0 = min(max(0, y0), full_a.shape[0] - sh)
    full_a[y0:y0 + sh, x0:x0 + sw] = a
    full_c[y0:y0 + sh, x0:x0 + sw] = rgb * a[..., None]
    if kernel is not None:
        full_a = cv2.filter2D(full_a, -1, kernel)
        full_c = cv2.filter2D(full_c, -1, kernel)
    oy, ox = sh + pad, sw + pad
    a = full_a[oy:oy + h, ox:ox + w]
    c = full_c[oy:oy + h, ox:ox + w]
    canvas *= (1 - a[..., None])
    canvas += c
    layer_alpha[:] = np.maximum(layer_alpha, a)
    return a


def _occluder_layer(src: Sources, occ: Occluder, t: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(rgb (H, W, 3) float32, alpha (H, W) float32) of a bar with slightly ragged edges."""
    w, h = SIZE
    tex = src.photo(occ.texture)
    rng = np.random.default_rng(seed)
    ty, tx = rng.integers(0, max(1, tex.shape[0] - h * 2)), rng.integers(0, max(1, tex.shape[1] - w * 2))
    rgb = cv2.resize(tex[ty:ty + h * 2, tx:tx + w * 2], (w, h), interpolation=cv2.INTER_AREA).astype(np.float32)
    rgb *= 0.55  # a trunk in the shade
    cx = (occ.x0 + (occ.x1 - occ.x0) * t) * w
    wobble = 3 * np.sin(np.linspace(0, 6 * np.pi, h) + seed)
    xs = np.arange(w)[None, :]
    ys = np.arange(h)[:, None]
    centre = cx + np.tan(np.radians(occ.tilt)) * (ys - h / 2) + wobble[:, None]
    alpha = np.clip(occ.width / 2 - np.abs(xs - centre) + 0.5, 0, 1).astype(np.float32)
    return rgb, alpha


def render(spec: ClipSpec, src: Sources) -> CompositeClip:
    """Render one composite clip (deterministic for a spec)."""
    w, h = SIZE
    rng = np.random.default_rng(spec.seed)
    off = (float(rng.uniform(-0.1, 0.1)), float(rng.uniform(-0.1, 0.1)))
    t_src = int(rng.integers(0, 30))
    frames, truth, full_area = [], [], []
    n = spec.frames
    pos = [_interp(spec.path, i / max(1, n - 1)) for i in range(n + 1)]
    for i in range(n):
        t = i / max(1, n - 1)
        canvas = _background(src, spec, i, off)
        scratch = np.zeros((h, w), np.float32)
        for k, (dclip, dindex, dx, dy, ddx) in enumerate(spec.distractors):
            sp = src.sprite(dclip, dindex, t_src + 7 * k + i)
            if sp is not None:
                ds = spec.scale[0] * h * 0.95 / src.ref_height(dclip, dindex)
                _paste(canvas, scratch, *sp, (dx + ddx * t) * w, dy * h, ds)
        sp = src.sprite(spec.obj[0], spec.obj[1], t_src + i)
        (x, y), (xn, yn) = pos[i], pos[i + 1]
        height = (spec.scale[0] + (spec.scale[1] - spec.scale[0]) * t) * h
        vx, vy = (xn - x) * w, (yn - y) * h
        kernel = _motion_kernel(vx, vy, spec.blur * np.hypot(vx, vy)) if spec.blur else None
        obj_alpha = np.zeros((h, w), np.float32)
        area = 0.0
        if sp is not None:
            s = height / src.ref_height(*spec.obj)
            _paste(canvas, obj_alpha, *sp, x * w, y * h, s, kernel)
            area = float((sp[1] > 0.5).sum()) * s * s
        cover = np.zeros((h, w), np.float32)
        for k, occ in enumerate(spec.occluders):
            orgb, oa = _occluder_layer(src, occ, t, spec.seed * 31 + k)
            canvas *= (1 - oa[..., None])
            canvas += orgb * oa[..., None]
            cover = np.maximum(cover, oa)
        frames.append(np.clip(canvas + 0.5, 0, 255).astype(np.uint8))
        truth.append(np.where(obj_alpha * (1 - cover) > 0.5, 255, 0).astype(np.uint8))
        full_area.append(area)
    return CompositeClip(spec, frames, truth, full_area)


SG, DJ = "schoolgirls", "dogs_jump"


def standard_specs() -> list[ClipSpec]:
    """The fixed benchmark set: 14 clips, each naming the hard cases it covers."""
    o = Occluder
    across = ((0.0, 0.15, 0.55), (1.0, 0.85, 0.55))
    return [
        ClipSpec("walk_garden", (SG, 1), "pan:Garden.jpg", across, (0.5, 0.5), seed=1,
                 hard=("camera pan",)),
        ClipSpec("dog_car_scale", (DJ, 2), "clip:running_car", ((0, 0.3, 0.6), (1, 0.7, 0.5)),
                 (0.22, 0.45), seed=2, hard=("scale change", "moving background")),
        ClipSpec("girl_trunk", (SG, 3), "pan:GreenMeadow.jpg", across, (0.5, 0.5),
                 occluders=(o(0.5, 0.5, 46),), seed=3, hard=("full occlusion",)),
        ClipSpec("dog_posts", (DJ, 2), "pan:Garden.jpg", ((0, 0.2, 0.6), (1, 0.8, 0.6)), (0.3, 0.3),
                 occluders=(o(0.4, 0.4, 22), o(0.65, 0.65, 22, tilt=6)), seed=4,
                 hard=("partial occlusion",)),
        ClipSpec("girl_exit", (SG, 5), "pan:Dune.jpg",
                 ((0, 0.6, 0.55), (0.35, 1.25, 0.55), (0.55, 1.25, 0.55), (1, 0.7, 0.55)), (0.5, 0.5),
                 seed=5, hard=("exit", "re-entry")),
        ClipSpec("girl_blur", (SG, 1), "clip:running_car",
                 ((0, 0.15, 0.5), (0.25, 0.85, 0.45), (0.5, 0.2, 0.6), (0.75, 0.8, 0.5), (1, 0.3, 0.5)),
                 (0.45, 0.45), blur=0.6, seed=6, hard=("fast motion", "motion blur")),
        ClipSpec("girl_crowd", (SG, 3), "clip:schoolgirls", ((0, 0.1, 0.6), (1, 0.9, 0.55)), (0.45, 0.5),
                 seed=7, hard=("similar-colour clutter",)),
        ClipSpec("dog_lookalike", (DJ, 2), "pan:GreenMeadow.jpg", ((0, 0.2, 0.45), (1, 0.75, 0.5)),
                 (0.28, 0.28), distractors=((DJ, 1, 0.8, 0.75, -0.5),), seed=8,
                 hard=("look-alike distractor",)),
        ClipSpec("girl_two_trunks", (SG, 5), "pan:Garden.jpg", across, (0.5, 0.5), frames=60,
                 occluders=(o(0.35, 0.35, 40), o(0.7, 0.7, 40, tilt=-5)), seed=9,
                 hard=("two full occlusions",)),
        ClipSpec("girl_sweep", (SG, 1), "pan:RainDrops.jpg", ((0, 0.45, 0.55), (1, 0.55, 0.55)),
                 (0.5, 0.5), occluders=(o(1.15, -0.15, 72),), seed=10,
                 hard=("moving occluder", "full occlusion")),
        ClipSpec("person_zoom", (DJ, 3), "pan:RainDrops.jpg", ((0, 0.3, 0.45), (1, 0.7, 0.6)),
                 (0.6, 0.3), seed=11, hard=("shrinking", "camera zoom")),
        ClipSpec("dog_post_blur", (DJ, 2), "clip:running_car",
                 ((0, 0.15, 0.6), (0.5, 0.85, 0.55), (1, 0.2, 0.6)), (0.3, 0.3), blur=0.5,
                 occluders=(o(0.5, 0.5, 26),), seed=12, hard=("motion blur", "partial occlusion")),
        ClipSpec("girl_return_left", (SG, 3), "clip:dogs_jump",
                 ((0, 0.35, 0.55), (0.3, -0.25, 0.55), (0.5, -0.25, 0.55), (1, 0.4, 0.5)), (0.5, 0.5),
                 distractors=((SG, 5, 0.75, 0.55, 0.0),), seed=13,
                 hard=("exit", "re-entry", "look-alike distractor")),
        ClipSpec("girl_trunk_exit", (SG, 1), "pan:GreenMeadow.jpg",
                 ((0, 0.2, 0.55), (0.45, 0.7, 0.55), (0.6, 1.25, 0.55), (0.75, 1.25, 0.55), (1, 0.8, 0.5)),
                 (0.5, 0.5), frames=60, occluders=(o(0.45, 0.45, 48),), seed=14,
                 hard=("full occlusion", "exit", "re-entry")),
    ]
