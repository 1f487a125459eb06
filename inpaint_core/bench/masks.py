"""Seeded synthetic hole masks for benchmarks.

Four families, each returning ``(N, H, W) uint8`` masks (0 keep / 255 hole) whose area ratio (hole
pixels / frame pixels) lies inside the requested ``area = (min, max)`` range on every frame:

- ``stationary``: one shape for the whole clip, made as in STTN's Algorithm 1: control points at
  random radii around a circle, joined by cubic Bezier curves into a closed contour, filled.
- ``curve``: LGTSM-style free-form curves: a few thick random-walk strokes that move together
  across the frame (bouncing off the borders).
- ``object``: LGTSM/TSAM-style object-like masks: a Bezier blob that drifts across the frame and
  slowly changes its outline, rescaled each frame to keep its target area.
- ``box``: a moving rectangle of the target area.

The same ``seed`` always gives the same masks; the target ratio of a clip is drawn uniformly from
the middle of the range, so rasterisation never pushes a frame out of it.
"""

from __future__ import annotations

import cv2
import numpy as np

MASK_TYPES = ("stationary", "curve", "object", "box")


def area_ratio(mask: np.ndarray) -> float:
    """Share of hole pixels in one (H, W) mask, in [0, 1]."""
    return float((np.asarray(mask) > 0).mean())


def _check(size: tuple[int, int], area: tuple[float, float], n: int) -> None:
    w, h = size
    lo, hi = area
    if w < 8 or h < 8:
        raise ValueError(f"mask size {size} is too small (at least 8x8)")
    if not (0 < lo <= hi < 1):
        raise ValueError(f"area range {area} must satisfy 0 < min <= max < 1")
    if n < 1:
        raise ValueError("need at least one frame")


def _target(rng: np.random.Generator, area: tuple[float, float]) -> float:
    lo, hi = area
    pad = 0.15 * (hi - lo)
    return float(rng.uniform(lo + pad, hi - pad)) if hi > lo else lo


def bezier_contour(rng: np.random.Generator, edges: int = 9, ratio: float = 0.7, samples: int = 12) -> np.ndarray:
    """A closed random contour around the unit circle: (M, 2) float64 points (x, y) in about [-2, 2].

    ``3 * edges + 1`` control points at equally spaced angles and radii drawn from
    ``[1 - ratio, 1 + ratio]`` are joined by ``edges`` cubic Bezier segments (start, two control
    points, end), the last point equal to the first; each segment is sampled ``samples`` times.
    """
    k = 3 * edges + 1
    ang = np.linspace(0.0, 2 * np.pi, k)
    rad = 2 * ratio * rng.random(k) + 1 - ratio
    pts = np.stack([np.cos(ang), np.sin(ang)], axis=1) * rad[:, None]
    pts[-1] = pts[0]
    t = np.linspace(0.0, 1.0, samples, endpoint=False)[:, None]
    basis = [(1 - t) ** 3, 3 * (1 - t) ** 2 * t, 3 * (1 - t) * t**2, t**3]
    segs = []
    for s in range(edges):
        p0, p1, p2, p3 = pts[3 * s: 3 * s + 4]
        segs.append(basis[0] * p0 + basis[1] * p1 + basis[2] * p2 + basis[3] * p3)
    return np.concatenate(segs, axis=0)


def _poly_area(pts: np.ndarray) -> float:
    x, y = pts[:, 0], pts[:, 1]
    return 0.5 * abs(float(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1))))


def _fill(pts: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    w, h = size
    m = np.zeros((h, w), np.uint8)
    cv2.fillPoly(m, [np.round(pts * 16).astype(np.int32)], 255, lineType=cv2.LINE_8, shift=4)
    return m


def _place_shape(contour: np.ndarray, target: float, size: tuple[int, int], centre: np.ndarray,
                 aspect: float) -> tuple[np.ndarray, np.ndarray]:
    """Scale ``contour`` (unit units) to ``target`` area ratio, stretched by ``aspect`` (x/y), and
    centred as near ``centre`` as keeps it inside the frame. Returns (mask, centre used)."""
    w, h = size
    want = target * w * h
    base = contour * np.array([aspect, 1.0])
    s = np.sqrt(want / max(_poly_area(base), 1e-9))
    c = centre.astype(np.float64)
    m = None
    for _ in range(4):  # rasterised area differs slightly from the polygon's: correct it
        pts = base * s
        lo, hi = pts.min(axis=0), pts.max(axis=0)
        span = hi - lo
        if span[0] > w - 2 or span[1] > h - 2:  # too big to fit: shrink to fit (area checked by caller)
            s *= 0.98 * min((w - 2) / span[0], (h - 2) / span[1])
            continue
        c = np.clip(c, 1 - lo, np.array([w - 2, h - 2]) - hi)
        m = _fill(pts + c, size)
        got = float((m > 0).sum())
        if got <= 0:
            break
        if abs(got - want) <= 0.01 * want:
            break
        s *= np.sqrt(want / got)
    if m is None:
        m = _fill(base * s + c, size)
    return m, c


def _shape_aspect(rng: np.random.Generator, size: tuple[int, int], target: float) -> float:
    w, h = size
    # large holes follow the frame's aspect so that they fit; small ones are free
    frame_aspect = w / h
    a = float(np.exp(rng.uniform(np.log(0.6), np.log(1.6))))
    if target > 0.2:
        a = frame_aspect * float(rng.uniform(0.85, 1.1))
    return a


def _checked(masks: np.ndarray, area: tuple[float, float], kind: str) -> np.ndarray:
    ratios = (masks > 0).mean(axis=(1, 2))
    if ratios.min() < area[0] or ratios.max() > area[1]:
        raise ValueError(
            f"cannot make {kind} masks with area ratio in [{area[0]:.3f}, {area[1]:.3f}] at this size "
            f"(got {ratios.min():.3f}-{ratios.max():.3f}); choose a smaller or wider range")
    return masks


def stationary_masks(n: int, size: tuple[int, int], seed: int = 0,
                     area: tuple[float, float] = (0.05, 0.15)) -> np.ndarray:
    """One STTN Algorithm-1 shape repeated over ``n`` frames: (n, H, W) uint8."""
    _check(size, area, n)
    rng = np.random.default_rng([seed, 1])
    w, h = size
    target = _target(rng, area)
    for _ in range(20):
        contour = bezier_contour(rng)
        centre = rng.uniform([0.2 * w, 0.2 * h], [0.8 * w, 0.8 * h])
        m, _ = _place_shape(contour, target, size, centre, _shape_aspect(rng, size, target))
        if area[0] <= area_ratio(m) <= area[1]:
            break
    return _checked(np.repeat(m[None], n, axis=0), area, "stationary")


def _bounce(rng: np.random.Generator, n: int, lo: np.ndarray, hi: np.ndarray, speed: float) -> np.ndarray:
    """(n, 2) integer positions of a point moving between ``lo`` and ``hi`` (inclusive), reflecting
    at the bounds, with a slowly turning random velocity of about ``speed`` px/frame."""
    span = np.maximum(hi - lo, 0).astype(np.float64)
    p = lo + rng.random(2) * span
    ang = rng.uniform(0, 2 * np.pi)
    out = np.zeros((n, 2), np.int64)
    for i in range(n):
        out[i] = np.round(p)
        ang += rng.normal(0, 0.15)
        p = p + speed * np.array([np.cos(ang), np.sin(ang)])
        for d in range(2):
            if span[d] <= 0:
                p[d] = lo[d]
                continue
            if p[d] < lo[d]:
                p[d] = 2 * lo[d] - p[d]
                ang = np.pi - ang if d == 0 else -ang
            if p[d] > hi[d]:
                p[d] = 2 * hi[d] - p[d]
                ang = np.pi - ang if d == 0 else -ang
            p[d] = min(max(p[d], lo[d]), hi[d])
    return out


def _move_sprite(sprite: np.ndarray, n: int, size: tuple[int, int], rng: np.random.Generator,
                 speed: float) -> np.ndarray:
    """Paste a (h, w) sprite into ``n`` frames along a bouncing path, never leaving the frame."""
    w, h = size
    sh, sw = sprite.shape
    pos = _bounce(rng, n, np.array([0, 0]), np.array([w - sw, h - sh]), speed)
    out = np.zeros((n, h, w), np.uint8)
    for i, (x, y) in enumerate(pos):
        out[i, y:y + sh, x:x + sw] = sprite
    return out


def box_masks(n: int, size: tuple[int, int], seed: int = 0,
              area: tuple[float, float] = (0.05, 0.15)) -> np.ndarray:
    """A rectangle of the target area moving across the frame: (n, H, W) uint8."""
    _check(size, area, n)
    rng = np.random.default_rng([seed, 4])
    w, h = size
    target = _target(rng, area) * w * h
    aspect = float(np.exp(rng.uniform(np.log(0.5), np.log(2.0)))) * w / h
    bw = int(np.clip(round(np.sqrt(target * aspect)), 1, w))
    bh = int(np.clip(round(target / bw), 1, h))
    if bh == h:
        bw = int(np.clip(round(target / h), 1, w))
    sprite = np.full((bh, bw), 255, np.uint8)
    speed = 0.01 * (w + h) * float(rng.uniform(0.5, 1.5))
    return _checked(_move_sprite(sprite, n, size, rng, speed), area, "box")


def curve_masks(n: int, size: tuple[int, int], seed: int = 0,
                area: tuple[float, float] = (0.05, 0.15)) -> np.ndarray:
    """LGTSM-style free-form curves (random-walk brush strokes) moving together: (n, H, W) uint8."""
    _check(size, area, n)
    rng = np.random.default_rng([seed, 2])
    w, h = size
    target = _target(rng, area) * w * h
    # the strokes live in a box that moves; it must be large enough to hold the target area loosely
    frac = min(1.0, max(float(rng.uniform(0.55, 0.8)), float(np.sqrt(target / (0.45 * w * h)))))
    bw, bh = max(4, int(w * frac)), max(4, int(h * frac))
    base_width = max(2, int(round(min(bw, bh) * float(rng.uniform(0.04, 0.08)))))
    strokes: list[np.ndarray] = []

    def draw(width: int) -> np.ndarray:
        s = np.zeros((bh, bw), np.uint8)
        for pts in strokes:
            cv2.polylines(s, [pts], False, 255, thickness=width, lineType=cv2.LINE_8)
        return s

    margin = base_width / 2
    limit = np.array([bw - 1, bh - 1]) - margin
    # add random-walk strokes of a natural width until they cover the target area
    while len(strokes) < 40 and (len(strokes) == 0 or (draw(base_width) > 0).sum() < target):
        p = rng.uniform([margin, margin], limit)
        pts = [p.copy()]
        ang = rng.uniform(0, 2 * np.pi)
        for _ in range(int(rng.integers(4, 10))):
            ang += rng.normal(0, 0.7)
            step = rng.uniform(0.1, 0.25) * min(bw, bh)
            for _ in range(8):  # turn away from the box's border instead of sliding along it
                q = p + step * np.array([np.cos(ang), np.sin(ang)])
                if (q >= margin).all() and (q <= limit).all():
                    break
                ang += rng.uniform(0.5 * np.pi, 1.5 * np.pi)
            else:
                break
            p = q
            pts.append(p.copy())
        strokes.append(np.round(np.array(pts)).astype(np.int32))

    lo, hi = 1, max(2, min(bw, bh))
    while lo < hi:  # smallest stroke width whose area reaches the target
        mid = (lo + hi) // 2
        if (draw(mid) > 0).sum() < target:
            lo = mid + 1
        else:
            hi = mid
    sprite = draw(lo)
    prev = draw(max(1, lo - 1))
    if abs(int((prev > 0).sum()) - target) < abs(int((sprite > 0).sum()) - target):
        sprite = prev
    speed = 0.01 * (w + h) * float(rng.uniform(0.5, 1.5))
    return _checked(_move_sprite(sprite, n, size, rng, speed), area, "curve")


def object_masks(n: int, size: tuple[int, int], seed: int = 0,
                 area: tuple[float, float] = (0.05, 0.15)) -> np.ndarray:
    """An object-like blob that drifts and slowly changes shape, area kept in range: (n, H, W)."""
    _check(size, area, n)
    rng = np.random.default_rng([seed, 3])
    w, h = size
    lo, hi = area
    t0, t1 = _target(rng, area), _target(rng, area)
    aspect = _shape_aspect(rng, size, max(t0, t1))
    c_a, c_b = bezier_contour(rng, ratio=0.5), bezier_contour(rng, ratio=0.5)
    m_a = min(len(c_a), len(c_b))
    c_a, c_b = c_a[:m_a], c_b[:m_a]
    speed = 0.01 * (w + h) * float(rng.uniform(0.5, 1.5))
    path = _bounce(rng, n, np.array([0.25 * w, 0.25 * h]), np.array([0.75 * w, 0.75 * h]), speed)
    out = np.zeros((n, h, w), np.uint8)
    for i in range(n):
        u = 0.5 - 0.5 * np.cos(np.pi * i / max(1, n - 1))  # smooth morph from shape a to shape b
        contour = (1 - u) * c_a + u * c_b
        target = (1 - u) * t0 + u * t1
        out[i], _ = _place_shape(contour, target, size, path[i].astype(np.float64), aspect)
    return _checked(out, (lo, hi), "object")


_GENERATORS = {
    "stationary": stationary_masks,
    "curve": curve_masks,
    "object": object_masks,
    "box": box_masks,
}


def generate_masks(kind: str, n: int, size: tuple[int, int], seed: int = 0,
                   area: tuple[float, float] = (0.05, 0.15)) -> np.ndarray:
    """Masks of family ``kind`` (one of :data:`MASK_TYPES`) for ``n`` frames of ``size`` = (W, H).

    Returns (n, H, W) uint8 0/255; raises ValueError for an unknown kind or an unreachable range.
    """
    gen = _GENERATORS.get(kind)
    if gen is None:
        raise ValueError(f"unknown mask type {kind!r}; choose from {', '.join(MASK_TYPES)}")
    return gen(n, size, seed, area)
