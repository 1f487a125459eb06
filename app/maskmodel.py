"""The editor's mask document: layers the user paints or draws, composed to one mask per frame.

Qt-free and numpy-only so that workers can compose masks from a snapshot. Conventions (DESIGN.md):
a mask is (H, W) uint8, 0 = keep, 255 = remove. Painted layers keep per-frame *coverage* (H, W)
uint8 0..255 so that a soft brush leaves soft edges while painting; :meth:`MaskDocument.compose`
binarises coverage at 128, so engines and exports always see 0/255.
"""

from __future__ import annotations

import copy
import itertools
from dataclasses import dataclass, field

import cv2
import numpy as np

from inpaint_core.masks.ops import grow_mask

SHAPE_KINDS = ("rect", "polygon", "lasso", "bitmap")
_ids = itertools.count(1)


@dataclass(eq=False)
class Layer:
    """Common layer state: ``dilation`` is extra growth in source pixels (3x3 cross iterations)."""

    name: str
    visible: bool = True
    dilation: int = 0
    id: int = field(default_factory=lambda: next(_ids))

    def coverage(self, i: int) -> np.ndarray | None:  # pragma: no cover - overridden
        raise RuntimeError("abstract")

    def key_frames(self) -> set[int]:
        return set()


@dataclass(eq=False)
class PaintedLayer(Layer):
    """Sparse per-frame coverage: ``frames[i]`` is (H, W) uint8 0..255 (absent = empty)."""

    frames: dict[int, np.ndarray] = field(default_factory=dict)

    def coverage(self, i: int) -> np.ndarray | None:
        return self.frames.get(i)

    def key_frames(self) -> set[int]:
        return set(self.frames)


@dataclass(eq=False)
class ShapeLayer(Layer):
    """A stationary shape over frames ``start`` .. ``stop - 1``.

    ``kind``: "rect" (``points`` = two corners), "polygon" or "lasso" (``points`` = vertices), all in
    source pixel coordinates (x, y) floats, or "bitmap" (``bitmap`` = (H, W) uint8 0/255, e.g. an
    imported watermark mask). The raster is computed once and cached.
    """

    kind: str = "rect"
    points: list[tuple[float, float]] = field(default_factory=list)
    start: int = 0
    stop: int = 0
    size: tuple[int, int] = (0, 0)
    bitmap: np.ndarray | None = field(default=None, repr=False)
    _raster: np.ndarray | None = field(default=None, repr=False)

    def raster(self) -> np.ndarray:
        """(H, W) uint8 0/255 of the shape at ``size``."""
        if self._raster is None and self.bitmap is not None:
            self._raster = np.where(self.bitmap > 0, 255, 0).astype(np.uint8)
        if self._raster is None:
            w, h = self.size
            m = np.zeros((h, w), np.uint8)
            pts = np.asarray(self.points, np.float64)
            if self.kind == "rect" and len(pts) >= 2:
                x0, y0 = np.floor(pts.min(axis=0)).astype(int)
                x1, y1 = np.ceil(pts.max(axis=0)).astype(int)
                m[max(0, y0) : max(0, y1), max(0, x0) : max(0, x1)] = 255
            elif len(pts) >= 3:
                cv2.fillPoly(m, [np.round(pts).astype(np.int32)], 255, lineType=cv2.LINE_8)
            self._raster = m
        return self._raster

    def coverage(self, i: int) -> np.ndarray | None:
        if self.start <= i < self.stop:
            return self.raster()
        return None

    def key_frames(self) -> set[int]:
        return {self.start, max(self.start, self.stop - 1)}


class MaskDocument:
    """All mask layers of one clip of ``size`` = (width, height) and ``frame_count`` frames."""

    def __init__(self, size: tuple[int, int], frame_count: int) -> None:
        self.size = size
        self.frame_count = frame_count
        self.layers: list[Layer] = []
        self.revision = 0

    # -- queries -------------------------------------------------------------------------------
    def layer(self, layer_id: int) -> Layer:
        for lay in self.layers:
            if lay.id == layer_id:
                return lay
        raise KeyError(layer_id)

    def index_of(self, layer_id: int) -> int:
        return self.layers.index(self.layer(layer_id))

    def empty(self) -> np.ndarray:
        w, h = self.size
        return np.zeros((h, w), np.uint8)

    def compose(self, i: int) -> np.ndarray:
        """(H, W) uint8 0/255: the union of every visible layer at frame ``i``, each grown by its
        dilation."""
        out = self.empty()
        for lay in self.layers:
            if not lay.visible:
                continue
            cov = lay.coverage(i)
            if cov is None:
                continue
            m = np.where(cov >= 128, 255, 0).astype(np.uint8)
            if lay.dilation > 0:
                m = grow_mask(m, lay.dilation)
            np.maximum(out, m, out=out)
        return out

    def coverage(self, i: int) -> np.ndarray:
        """(H, W) uint8 0..255 soft union of visible layers (for display while painting)."""
        out = self.empty()
        for lay in self.layers:
            if not lay.visible:
                continue
            cov = lay.coverage(i)
            if cov is None:
                continue
            if lay.dilation > 0:
                cov = cv2.dilate(cov, cv2.getStructuringElement(cv2.MORPH_CROSS, (3, 3)),
                                 iterations=lay.dilation)
            np.maximum(out, cov, out=out)
        return out

    def key_frames(self) -> list[int]:
        """Sorted frames that carry painted masks or start/end a shape layer."""
        keys: set[int] = set()
        for lay in self.layers:
            keys |= lay.key_frames()
        return sorted(k for k in keys if 0 <= k < self.frame_count)

    def painted_frames(self) -> list[int]:
        keys: set[int] = set()
        for lay in self.layers:
            if isinstance(lay, PaintedLayer):
                keys |= {i for i, m in lay.frames.items() if m.any()}
        return sorted(keys)

    def has_mask(self) -> bool:
        return any(lay.visible and (not isinstance(lay, PaintedLayer) or lay.frames) for lay in self.layers)

    def snapshot(self) -> MaskDocument:
        """An independent deep copy for a worker thread (later edits do not affect it)."""
        snap = MaskDocument(self.size, self.frame_count)
        snap.layers = [copy.deepcopy(lay) for lay in self.layers]
        snap.revision = self.revision
        return snap

    def touch(self) -> None:
        self.revision += 1


def unique_name(doc: MaskDocument, base: str) -> str:
    names = {lay.name for lay in doc.layers}
    for k in itertools.count(1):
        cand = f"{base} {k}"
        if cand not in names:
            return cand
    return base  # pragma: no cover
