"""Key frames of vector shapes: a shape's points per frame, interpolated linearly between keys.

A shape's *points* are its geometry as a list of (x, y) floats in pixels:

- a rectangle: two corners, top-left and bottom-right ``[(x0, y0), (x1, y1)]`` (any longer list,
  such as a tracked quadrilateral, is reduced to its bounding box);
- a polygon: its vertices (at least 3; every key of one polygon has the same number).

``keys`` maps a frame index to such points. Between two keys every coordinate moves linearly;
before the first key the first is held, after the last the last (as After Effects and Resolve do).
A shape with no keys is stationary (its ``rect`` / ``points``).

The ``*_fields`` helpers compute the new geometry fields of an edit (for
:class:`~.document.SetShape`) without changing the layer: editing a keyed shape on a frame sets a
key there, editing a shape without keys moves it on every frame.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence

import cv2
import numpy as np

from ..errors import MaskError

Points = tuple[tuple[float, float], ...]
Keys = dict[int, Points]


def norm_points(shape: str, points: Sequence[Sequence[float]]) -> Points:
    """``points`` as a tuple of (x, y) floats in ``shape``'s convention (see the module)."""
    try:
        pts = tuple((float(p[0]), float(p[1])) for p in points)
    except (TypeError, ValueError, IndexError) as exc:
        raise MaskError(f"Shape points must be (x, y) pairs of numbers ({exc}).") from exc
    if not all(np.isfinite(v) for p in pts for v in p):
        raise MaskError("Shape points must be finite numbers.")
    if shape == "rect":
        if len(pts) < 2:
            raise MaskError("A rectangle key needs two corners.")
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        return (min(xs), min(ys)), (max(xs), max(ys))
    if shape == "polygon":
        if len(pts) < 3:
            raise MaskError("A polygon key needs at least 3 points.")
        return pts
    raise MaskError(f"A {shape} shape has no points to key.")


def norm_keys(shape: str, keys: Mapping[int, Sequence[Sequence[float]]] | None) -> Keys:
    """Validated keys, sorted by frame: {frame: points}. Polygon keys must agree in length."""
    if not keys:
        return {}
    out: Keys = {}
    for f in sorted(keys, key=int):
        if int(f) < 0:
            raise MaskError(f"A key frame must be 0 or later, not {f}.")
        out[int(f)] = norm_points(shape, keys[f])
    counts = {len(p) for p in out.values()}
    if len(counts) > 1:
        raise MaskError(f"Every key of a polygon needs the same number of points, not {sorted(counts)}.")
    return out


def interpolate(keys: Keys, i: int) -> Points:
    """The points at frame ``i``: linear between the keys around it, held outside them."""
    frames = list(keys)
    if i <= frames[0]:
        return keys[frames[0]]
    if i >= frames[-1]:
        return keys[frames[-1]]
    k = bisect.bisect_right(frames, i)
    a, b = frames[k - 1], frames[k]
    if a == i:
        return keys[a]
    t = (i - a) / (b - a)
    return tuple((xa + t * (xb - xa), ya + t * (yb - ya))
                 for (xa, ya), (xb, yb) in zip(keys[a], keys[b], strict=True))


def rect_points(rect: Sequence[float]) -> Points:
    x, y, w, h = rect
    return (x, y), (x + w, y + h)


def rasterize(shape: str, points: Points, size: tuple[int, int]) -> np.ndarray:
    """(H, W) uint8 0/255 of a rectangle (two corners) or a filled polygon at ``size`` = (w, h)."""
    w, h = size
    m = np.zeros((h, w), np.uint8)
    if shape == "rect":
        (x0, y0), (x1, y1) = points
        c0, r0 = max(0, int(round(x0))), max(0, int(round(y0)))
        c1, r1 = min(w, int(round(x1))), min(h, int(round(y1)))
        m[r0:r1, c0:c1] = 255
    else:
        pts = np.round(np.asarray(points, np.float64)).astype(np.int32)
        cv2.fillPoly(m, [pts.reshape(-1, 1, 2)], 255)
    return m


def base_fields(shape: str, points: Points) -> dict:
    """The stationary geometry fields (``rect`` or ``points``) for ``points``."""
    if shape == "rect":
        (x0, y0), (x1, y1) = points
        if x1 - x0 <= 0 or y1 - y0 <= 0:
            raise MaskError("A rectangle needs a positive width and height.")
        return {"rect": (x0, y0, x1 - x0, y1 - y0)}
    return {"points": [tuple(p) for p in points]}


def edit_fields(layer, frame: int, points: Sequence[Sequence[float]]) -> dict:
    """Fields that give ``layer`` the shape ``points`` at ``frame``: a key at ``frame`` when the
    layer has keys, else its stationary geometry."""
    pts = norm_points(layer.shape, points)
    if layer.keys:
        keys = dict(layer.keys)
        keys[int(frame)] = pts
        return {"keys": norm_keys(layer.shape, keys)}
    return base_fields(layer.shape, pts)


def toggle_key_fields(layer, frame: int) -> dict:
    """Add a key at ``frame`` with the shape as it is there, or remove the key at ``frame``
    (removing the last key leaves the shape stationary where that key had it)."""
    frame = int(frame)
    keys = dict(layer.keys)
    if frame in keys:
        pts = keys.pop(frame)
        return {"keys": keys} if keys else {"keys": {}, **base_fields(layer.shape, pts)}
    keys[frame] = layer.points_at(frame)
    return {"keys": norm_keys(layer.shape, keys)}


def range_fields(layer, start: int, stop: int | None, move: bool) -> dict:
    """Fields for a new frame range ``[start, stop)``; ``move`` shifts the keys with it."""
    out: dict = {"start": int(start), "stop": None if stop is None else int(stop)}
    delta = int(start) - layer.start
    if move and delta and layer.keys:
        out["keys"] = {f + delta: p for f, p in layer.keys.items() if f + delta >= 0} or {
            0: layer.points_at(min(layer.keys))}
    return out
