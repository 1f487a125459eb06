"""Track a vector shape through a clip: its points follow the motion of the pixels under it.

Corners are picked inside the shape (``cv2.goodFeaturesToTrack`` restricted to the shape's
polygon) and followed frame by frame with pyramidal Lucas-Kanade optical flow, each kept only
while its backward track returns within ``fb_max`` pixels. A homography from every corner's
position on the start frame to its position now is fitted with RANSAC (outliers are dropped) and
moves the shape's points: fitting from the start frame each time keeps per-step errors from
compounding. Corners that are lost are replaced by new ones inside the shape (their start-frame
position mapped back through the current homography). A rectangle therefore becomes a general quadrilateral (perspective, rotation,
scale), which a polygon layer can hold.

The confidence of a frame (0..1) is the fraction of the corners followed into it that are RANSAC
inliers, scaled down when fewer than ``min_inliers`` points support the fit. Where too few points can be tracked (a flat shape, the object left the
frame) the shape keeps its last position and the confidence drops to 0 for that step, so an
editor can mark the frame for a new key.

Frames are (H, W, 3) uint8 RGB; points (N, 2) float32 pixel coordinates (x, y).
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from ..errors import MaskError
from ..jobs import NEVER_CANCELLED, CancelToken, Progress

STAGE = "tracking shape"


@dataclass(frozen=True)
class TrackedShape:
    """One frame of a shape track: ``points`` (N, 2) float32 (x, y), ``confidence`` in [0, 1]."""

    frame: int
    points: np.ndarray
    confidence: float


def _gray(rgb: np.ndarray) -> np.ndarray:
    if rgb.ndim == 2:
        return rgb
    return cv2.cvtColor(np.ascontiguousarray(rgb[..., :3]), cv2.COLOR_RGB2GRAY)


def shape_mask(points: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """(H, W) uint8 0/255: the filled polygon ``points`` (N, 2) on an image of ``shape`` = (H, W)."""
    m = np.zeros(shape, np.uint8)
    cv2.fillPoly(m, [np.round(points).astype(np.int32).reshape(-1, 1, 2)], 255)
    return m


_LK = dict(winSize=(21, 21), maxLevel=3, criteria=(cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 30, 0.01))


def detect(gray: np.ndarray, points: np.ndarray, max_features: int, avoid: np.ndarray | None = None
           ) -> np.ndarray:
    """Up to ``max_features`` corners (M, 2) float32 inside the polygon ``points`` of the grey
    frame ``gray``, at least a few pixels from the points in ``avoid`` (K, 2)."""
    mask = shape_mask(points, gray.shape)
    area = int(np.count_nonzero(mask))
    if area < 16 or max_features <= 0:
        return np.zeros((0, 2), np.float32)
    spacing = max(3, int(np.sqrt(area / max(1, max_features))))
    if avoid is not None and len(avoid):
        for x, y in np.round(avoid).astype(int):
            cv2.circle(mask, (int(x), int(y)), spacing, 0, -1)
    p = cv2.goodFeaturesToTrack(gray, max_features, 0.005, spacing, mask=mask, blockSize=5)
    return np.zeros((0, 2), np.float32) if p is None else p.reshape(-1, 2).astype(np.float32)


def follow(g0: np.ndarray, g1: np.ndarray, p0: np.ndarray, fb_max: float = 1.0
           ) -> tuple[np.ndarray, np.ndarray]:
    """Pyramidal LK of the points ``p0`` (M, 2) from ``g0`` to ``g1``: (positions (M, 2) float32,
    ok (M,) bool: found both ways and back within ``fb_max`` pixels)."""
    if len(p0) == 0:
        return p0, np.zeros(0, bool)
    a = p0.reshape(-1, 1, 2)
    p1, st, _ = cv2.calcOpticalFlowPyrLK(g0, g1, a, None, **_LK)
    back, st_b, _ = cv2.calcOpticalFlowPyrLK(g1, g0, p1, None, **_LK)
    fb = np.linalg.norm((back - a).reshape(-1, 2), axis=1)
    ok = (st.ravel() == 1) & (st_b.ravel() == 1) & (fb < fb_max)
    return p1.reshape(-1, 2), ok


def track_shape(read_frame: Callable[[int], np.ndarray], points: Sequence[Sequence[float]] | np.ndarray,
                start: int, stop: int, *, cancel: CancelToken | None = None, max_features: int = 400,
                min_inliers: int = 12, fb_max: float = 1.0
                ) -> Generator[Progress | TrackedShape, None, None]:
    """Follow the shape ``points`` (N >= 3 (x, y) pairs, on frame ``start``) frame by frame to
    ``stop`` (inclusive; below ``start`` tracks backwards).

    ``read_frame(i)`` -> (H, W, 3) uint8 RGB. Yields a :class:`TrackedShape` for every frame from
    ``start`` (the given points, confidence 1) to ``stop``, each followed by a :class:`Progress`
    (stage ``"tracking shape"``); raises :class:`~inpaint_core.errors.Cancelled` when ``cancel``
    fires. Low confidence (see the module docstring) marks frames to re-key."""
    cancel = cancel or NEVER_CANCELLED
    shape0 = np.asarray(points, np.float32).reshape(-1, 2)
    if len(shape0) < 3 or not np.isfinite(shape0).all():
        raise MaskError("A shape to track needs at least 3 finite points.")
    start, stop = int(start), int(stop)
    if start < 0 or stop < 0:
        raise MaskError(f"Cannot track a shape from frame {start} to frame {stop}.")
    step = 1 if stop >= start else -1
    total = abs(stop - start) + 1
    yield Progress(0, total, STAGE)
    prev = _gray(read_frame(start))
    # features as (position on the start frame, position now): the homography is always fitted from
    # the start frame to the current one, so step errors do not compound into the shape
    cur = detect(prev, shape0, max_features)
    origin = cur.copy()
    H_total = np.eye(3)
    pts = shape0.copy()
    yield TrackedShape(start, pts.copy(), 1.0)
    yield Progress(1, total, STAGE)
    for k, i in enumerate(range(start + step, stop + step, step), 2):
        cancel.raise_if_cancelled()
        gray = _gray(read_frame(i))
        if gray.shape != prev.shape:
            raise MaskError(f"Frame {i} is {gray.shape[1]}x{gray.shape[0]}; the clip is "
                            f"{prev.shape[1]}x{prev.shape[0]}.")
        tried = len(cur)
        moved, ok = follow(prev, gray, cur, fb_max)
        origin, cur = origin[ok], moved[ok]
        conf = 0.0
        if len(cur) >= 4:
            H, inl = cv2.findHomography(origin, cur, cv2.RANSAC, 1.5, maxIters=2000, confidence=0.995)
            if H is not None and np.isfinite(H).all():
                inl = inl.ravel().astype(bool)
                new = cv2.perspectiveTransform(shape0.reshape(-1, 1, 2), H).reshape(-1, 2)
                if np.isfinite(new).all() and _plausible(pts, new):
                    n_in = int(inl.sum())
                    conf = (n_in / max(1, tried)) * min(1.0, n_in / float(min_inliers))
                    if n_in < min_inliers:
                        conf *= 0.5  # too few points to trust the fit
                    pts, H_total = new.astype(np.float32), H
                    origin, cur = origin[inl], cur[inl]
        if conf == 0.0:  # lost: start again from here, keeping the last position
            cur = np.zeros((0, 2), np.float32)
            origin = cur
        if len(cur) < max_features // 2:  # top up with new corners inside the shape
            extra = detect(gray, pts, max_features - len(cur), cur)
            if len(extra):
                back = cv2.perspectiveTransform(extra.reshape(-1, 1, 2), np.linalg.inv(H_total)).reshape(-1, 2)
                cur = np.concatenate([cur, extra])
                origin = np.concatenate([origin, back.astype(np.float32)])
        yield TrackedShape(i, pts.copy(), float(np.clip(conf, 0.0, 1.0)))
        yield Progress(k, total, STAGE)
        prev = gray


def _plausible(before: np.ndarray, after: np.ndarray) -> bool:
    """A step may not flip the shape or change its area more than 2x (a degenerate fit)."""
    a0, a1 = _area(before), _area(after)
    return a0 != 0 and a1 / a0 > 0.5 and a1 / a0 < 2.0


def _area(p: np.ndarray) -> float:
    x, y = p[:, 0].astype(np.float64), p[:, 1].astype(np.float64)
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))
