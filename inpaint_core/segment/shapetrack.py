"""Track a vector shape through a clip: its points follow the motion of the pixels under it.

For each step from frame ``f`` to the next one, corners are picked inside the shape on ``f``
(``cv2.goodFeaturesToTrack`` restricted to the shape's polygon), followed into the next frame with
pyramidal Lucas-Kanade optical flow, kept only when the backward track returns within
``fb_max`` pixels, and a homography is fitted to them with RANSAC. The shape's points are moved
by that homography. A rectangle therefore becomes a general quadrilateral (perspective, rotation,
scale), which a polygon layer can hold.

The confidence of a frame (0..1) is that of the step into it: the fraction of the corners found
that end up RANSAC inliers, scaled down when fewer than ``min_inliers`` points support the fit. Where too few points can be tracked (a flat shape, the object left the
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


def step_homography(g0: np.ndarray, g1: np.ndarray, points: np.ndarray, *, max_features: int = 400,
                    min_inliers: int = 12, fb_max: float = 1.0) -> tuple[np.ndarray | None, float]:
    """The homography (3x3 float64) that carries the pixels under the shape ``points`` from the
    grey frame ``g0`` to ``g1`` ((H, W) uint8), and the step's confidence in [0, 1]; (None, 0.0)
    when too few points could be followed."""
    mask = shape_mask(points, g0.shape)
    area = int(np.count_nonzero(mask))
    if area < 16:
        return None, 0.0
    spacing = max(3, int(np.sqrt(area / max_features)))
    p0 = cv2.goodFeaturesToTrack(g0, max_features, 0.005, spacing, mask=mask, blockSize=5)
    if p0 is None or len(p0) < 4:
        return None, 0.0
    lk = dict(winSize=(21, 21), maxLevel=3,
              criteria=(cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 30, 0.01))
    p1, st, _ = cv2.calcOpticalFlowPyrLK(g0, g1, p0, None, **lk)
    back, st_b, _ = cv2.calcOpticalFlowPyrLK(g1, g0, p1, None, **lk)
    fb = np.linalg.norm((back - p0).reshape(-1, 2), axis=1)
    good = (st.ravel() == 1) & (st_b.ravel() == 1) & (fb < fb_max)
    a, b = p0[good].reshape(-1, 2), p1[good].reshape(-1, 2)
    if len(a) < 4:
        return None, 0.0
    H, inl = cv2.findHomography(a, b, cv2.RANSAC, 1.5, maxIters=2000, confidence=0.995)
    if H is None or not np.isfinite(H).all():
        return None, 0.0
    n_in = int(inl.sum())
    conf = (n_in / len(p0)) * min(1.0, n_in / float(min_inliers))
    if n_in < min_inliers:
        conf *= 0.5  # too few points to trust the fit
    return H, float(np.clip(conf, 0.0, 1.0))


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
    pts = np.asarray(points, np.float32).reshape(-1, 2)
    if len(pts) < 3 or not np.isfinite(pts).all():
        raise MaskError("A shape to track needs at least 3 finite points.")
    start, stop = int(start), int(stop)
    if start < 0 or stop < 0:
        raise MaskError(f"Cannot track a shape from frame {start} to frame {stop}.")
    step = 1 if stop >= start else -1
    total = abs(stop - start) + 1
    yield Progress(0, total, STAGE)
    prev = _gray(read_frame(start))
    yield TrackedShape(start, pts.copy(), 1.0)
    yield Progress(1, total, STAGE)
    for k, i in enumerate(range(start + step, stop + step, step), 2):
        cancel.raise_if_cancelled()
        cur = _gray(read_frame(i))
        if cur.shape != prev.shape:
            raise MaskError(f"Frame {i} is {cur.shape[1]}x{cur.shape[0]}; the clip is "
                            f"{prev.shape[1]}x{prev.shape[0]}.")
        H, conf = step_homography(prev, cur, pts, max_features=max_features, min_inliers=min_inliers,
                                  fb_max=fb_max)
        if H is not None:
            moved = cv2.perspectiveTransform(pts.reshape(-1, 1, 2), H).reshape(-1, 2)
            if np.isfinite(moved).all() and _plausible(pts, moved):
                pts = moved.astype(np.float32)
            else:
                conf = 0.0
        yield TrackedShape(i, pts.copy(), float(conf))
        yield Progress(k, total, STAGE)
        prev = cur


def _plausible(before: np.ndarray, after: np.ndarray) -> bool:
    """A step may not flip the shape or change its area more than 2x (a degenerate fit)."""
    a0, a1 = _area(before), _area(after)
    return a0 != 0 and a1 / a0 > 0.5 and a1 / a0 < 2.0


def _area(p: np.ndarray) -> float:
    x, y = p[:, 0].astype(np.float64), p[:, 1].astype(np.float64)
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))
