"""Mask layers and their composition.

All masks are (H, W) uint8, 0 = keep, 255 = remove, at the stack's ``size`` = (w, h).

- :class:`PaintedLayer`: sparse per-frame bitmaps (brush strokes, tracked segmentations). Each
  frame's mask is kept as its bounding box, bit-packed (1 bit per pixel): an empty frame costs
  nothing and a small object on a 4K frame costs a few hundred bytes.
- :class:`ShapeLayer`: one shape (rectangle, polygon or bitmap) over a frame range
  ``[start, stop)`` (watermarks, logos); stationary, or key-framed (see :mod:`.keys`).
- :class:`MaskStack`: ordered layers with a name, visibility and per-layer refinement (signed
  expansion, feather, temporal smoothing) and mode (add or subtract); ``compose(i)`` is the union
  of the visible adding layers at frame ``i``, each cut by the subtracting layers above it.
- :class:`MaskSettings` (in :mod:`.growth`, re-exported here): the grow (dilation of the composed mask for the engine) and feather
  (soft edge of the final composite) settings.
"""

from __future__ import annotations

import hashlib
import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import MaskError
from . import keys as _keys
from .growth import MaskSettings
from .ops import expand_mask, feather_alpha8, temporal_majority
from .refine import LAYER_MODES, check_refinement, layer_alphas, next_color

Size = tuple[int, int]  # (width, height)
__all__ = ["LAYER_MODES", "Layer", "MaskSettings", "MaskStack", "PaintedLayer", "ShapeLayer", "check_refinement",
           "mask_digest", "next_color"]


def _new_id() -> str:
    return uuid.uuid4().hex[:12]


def _check_mask(mask: np.ndarray, size: Size, what: str) -> None:
    w, h = size
    if mask.ndim != 2 or mask.shape != (h, w):
        raise MaskError(f"{what} has shape {mask.shape}; expected ({h}, {w}) for a {w}x{h} video.")


def mask_digest(mask: np.ndarray) -> str:
    """Content hash of a mask (shape and which pixels are set): 20 hex digits."""
    return _digest(mask.shape, _Packed.pack(mask))


def _digest(shape: tuple[int, ...], packed: _Packed | None) -> str:
    # hashes the packed bounding box, which is determined by the content: cheap for small masks
    h = hashlib.sha1(f"{shape[0]}x{shape[1]}:".encode())
    if packed is not None:
        h.update(repr(packed.box).encode())
        h.update(packed.bits)
    return h.hexdigest()[:20]


@dataclass(frozen=True)
class _Packed:
    """A mask stored as its bounding box, bit-packed. ``box`` = (y0, x0, y1, x1)."""

    box: tuple[int, int, int, int]
    bits: bytes

    @classmethod
    def pack(cls, mask: np.ndarray) -> _Packed | None:
        on = mask > 0
        rows = np.flatnonzero(on.any(axis=1))
        if rows.size == 0:
            return None
        cols = np.flatnonzero(on.any(axis=0))
        y0, y1, x0, x1 = int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
        return cls((y0, x0, y1, x1), np.packbits(on[y0:y1, x0:x1]).tobytes())

    def unpack(self, size: Size) -> np.ndarray:
        w, h = size
        y0, x0, y1, x1 = self.box
        n = (y1 - y0) * (x1 - x0)
        crop = np.unpackbits(np.frombuffer(self.bits, np.uint8), count=n).reshape(y1 - y0, x1 - x0)
        out = np.zeros((h, w), np.uint8)
        out[y0:y1, x0:x1] = crop * np.uint8(255)
        return out


class Layer(ABC):
    """Common state of a layer: ``id``, ``name``, ``visible``, ``size`` = (w, h) and its
    refinement, applied to this layer alone before composition:

    - ``dilation``: signed expansion in pixels (3x3 cross iterations; negative = erode);
    - ``smooth``: temporal smoothing, a per-pixel majority over the frames ``i - smooth .. i +
      smooth`` that the layer covers (stops tracked masks flickering);
    - ``feather``: soft edge in pixels, a ramp from 1 on the mask to 0 outside it;
    - ``mode``: ``"add"`` or ``"subtract"`` (cuts every layer below it in the stack);
    - ``color``: palette index for display (assigned by :meth:`MaskStack.add` when None).
    """

    kind = "layer"

    def __init__(self, size: Size, name: str, visible: bool = True, dilation: int = 0,
                 id: str | None = None) -> None:
        self.size = (int(size[0]), int(size[1]))
        self.name = name
        self.visible = bool(visible)
        check_refinement("dilation", int(dilation))
        self.dilation = int(dilation)
        self.id = id or _new_id()
        self.feather = 0.0
        self.smooth = 0
        self.mode = "add"
        self.color: int | None = None

    @property
    def expansion(self) -> int:
        """The signed expansion in pixels (stored as ``dilation``, its name in older projects)."""
        return self.dilation

    @property
    def refined_default(self) -> bool:
        """Whether the layer has no feather, smoothing or subtract mode (what older versions knew)."""
        return not self.feather and not self.smooth and self.mode == "add"

    @abstractmethod
    def mask(self, i: int) -> np.ndarray:
        """(H, W) uint8 0/255 of frame ``i`` before this layer's dilation."""

    @abstractmethod
    def covers(self, i: int) -> bool:
        """Whether this layer may have content at frame ``i`` (cheap)."""

    def window(self, i: int) -> list[int]:
        """Frames the temporal smoothing of frame ``i`` votes over (those the layer covers)."""
        return [j for j in range(i - self.smooth, i + self.smooth + 1) if j == i or (j >= 0 and self.covers(j))]

    def dilated(self, i: int) -> np.ndarray:
        """(H, W) uint8 0/255: frame ``i``'s mask smoothed over time, then expanded (or shrunk)."""
        if self.smooth > 0:
            frames = self.window(i)
            m = temporal_majority([self.mask(j) for j in frames], frames.index(i))
        else:
            m = self.mask(i)
        return expand_mask(m, self.dilation) if self.dilation != 0 and m.any() else m

    def alpha8(self, i: int) -> np.ndarray:
        """(H, W) uint8 0..255: :meth:`dilated` with this layer's feather (255 = fully masked)."""
        m = self.dilated(i)
        return feather_alpha8(m, self.feather) if self.feather > 0 and m.any() else m


class PaintedLayer(Layer):
    """Sparse per-frame bitmaps. Frames never painted are empty.

    Masks may also be given lazily as PNG files (``set_file``; used by project loading): a file is
    decoded on first access and then kept packed.
    """

    kind = "painted"

    def __init__(self, size: Size, name: str = "Painted", visible: bool = True,
                 dilation: int = 0, id: str | None = None) -> None:
        super().__init__(size, name, visible, dilation, id)
        self._frames: dict[int, _Packed | Path] = {}

    def __contains__(self, i: int) -> bool:
        return i in self._frames

    @property
    def frames(self) -> list[int]:
        """Sorted frame indices that hold a (non-empty) mask."""
        return sorted(self._frames)

    def covers(self, i: int) -> bool:
        return i in self._frames

    def mask(self, i: int) -> np.ndarray:
        entry = self._frames.get(i)
        if entry is None:
            return np.zeros((self.size[1], self.size[0]), np.uint8)
        if isinstance(entry, Path):
            from .io import read_mask_image

            m = read_mask_image(entry)
            _check_mask(m, self.size, f"Mask file {entry}")
            packed = _Packed.pack(m)
            if packed is None:
                del self._frames[i]
                return m
            self._frames[i] = packed
            return packed.unpack(self.size)
        return entry.unpack(self.size)

    def set(self, i: int, mask: np.ndarray) -> None:
        """Replace frame ``i``'s mask with ``mask`` (H, W) (non-zero = masked); empty clears it."""
        _check_mask(mask, self.size, "The painted mask")
        packed = _Packed.pack(mask)
        if packed is None:
            self._frames.pop(int(i), None)
        else:
            self._frames[int(i)] = packed

    def digest(self, i: int) -> str:
        """:func:`mask_digest` of frame ``i``'s mask, without unpacking it."""
        entry = self._frames.get(i)
        if isinstance(entry, Path):
            self.mask(i)  # decode once
            entry = self._frames.get(i)
        return _digest((self.size[1], self.size[0]), entry)

    def set_file(self, i: int, path: Path) -> None:
        """Use the 0/255 PNG at ``path`` as frame ``i``'s mask, read on first access."""
        self._frames[int(i)] = Path(path)

    def source_file(self, i: int) -> Path | None:
        """The PNG file frame ``i`` still comes from (not yet decoded), else None."""
        entry = self._frames.get(i)
        return entry if isinstance(entry, Path) else None

    def paint(self, i: int, mask: np.ndarray, erase: bool = False) -> None:
        """Add ``mask`` to frame ``i`` (union), or remove it with ``erase``."""
        _check_mask(mask, self.size, "The painted mask")
        cur = self.mask(i)
        self.set(i, np.where(mask > 0, 0, cur) if erase else np.maximum(cur, np.where(mask > 0, 255, 0)))

    def clear(self, i: int | None = None) -> None:
        """Clear frame ``i``, or every frame when ``i`` is None."""
        if i is None:
            self._frames.clear()
        else:
            self._frames.pop(int(i), None)

    @property
    def nbytes(self) -> int:
        """Bytes of packed mask data held in memory."""
        return sum(len(e.bits) for e in self._frames.values() if isinstance(e, _Packed))


class ShapeLayer(Layer):
    """A shape over frames ``[start, stop)`` (``stop`` None = to the end of the clip).

    ``shape`` is ``"rect"`` (``rect`` = (x, y, w, h) in pixels), ``"polygon"`` (``points`` =
    [(x, y), ...], filled) or ``"bitmap"`` (``bitmap`` = (H, W) mask). Build with
    :meth:`rectangle`, :meth:`polygon` or :meth:`from_bitmap`. ``keys`` ({frame: points}, see
    :mod:`.keys`; rectangles and polygons only) animates the shape; without keys it is stationary.
    ``keys`` is replaced, never changed in place (document snapshots share it).
    """

    kind = "shape"
    SHAPES = ("rect", "polygon", "bitmap")

    def __init__(self, size: Size, shape: str, *, rect: Sequence[float] | None = None,
                 points: Sequence[Sequence[float]] | None = None, bitmap: np.ndarray | None = None,
                 start: int = 0, stop: int | None = None, name: str = "Shape", visible: bool = True,
                 dilation: int = 0, id: str | None = None, keys=None) -> None:
        super().__init__(size, name, visible, dilation, id)
        if shape not in self.SHAPES:
            raise MaskError(f"Unknown shape {shape!r}; use one of {', '.join(self.SHAPES)}.")
        if start < 0 or (stop is not None and stop <= start):
            raise MaskError(f"Invalid frame range [{start}, {stop}) for layer {name!r}.")
        self.shape = shape
        self.start, self.stop = int(start), (None if stop is None else int(stop))
        self.rect = tuple(float(v) for v in rect) if rect is not None else None
        self.points = [(float(x), float(y)) for x, y in points] if points is not None else None
        self._bitmap: np.ndarray | None = None
        if shape == "rect" and (self.rect is None or len(self.rect) != 4 or min(self.rect[2:]) <= 0):
            raise MaskError("A rectangle needs (x, y, width, height) with positive width and height.")
        if shape == "polygon" and (self.points is None or len(self.points) < 3):
            raise MaskError("A polygon needs at least 3 points.")
        if shape == "bitmap":
            if bitmap is None:
                raise MaskError("A bitmap shape needs a mask image.")
            _check_mask(bitmap, self.size, "The shape bitmap")
            self._bitmap = np.where(bitmap > 0, 255, 0).astype(np.uint8)
        self.keys: _keys.Keys = _keys.norm_keys(shape, keys)
        self._cached: np.ndarray | None = None
        self._keyed: tuple[_keys.Points, np.ndarray] | None = None

    @classmethod
    def rectangle(cls, size: Size, x: float, y: float, w: float, h: float, **kw) -> ShapeLayer:
        kw.setdefault("name", "Rectangle")
        return cls(size, "rect", rect=(x, y, w, h), **kw)

    @classmethod
    def polygon(cls, size: Size, points: Sequence[Sequence[float]], **kw) -> ShapeLayer:
        kw.setdefault("name", "Polygon")
        return cls(size, "polygon", points=points, **kw)

    @classmethod
    def from_bitmap(cls, mask: np.ndarray, **kw) -> ShapeLayer:
        kw.setdefault("name", "Bitmap")
        return cls((mask.shape[1], mask.shape[0]), "bitmap", bitmap=mask, **kw)

    def covers(self, i: int) -> bool:
        return i >= self.start and (self.stop is None or i < self.stop)

    @property
    def bitmap(self) -> np.ndarray:
        """The shape rasterised at ``size``: (H, W) uint8 0/255 (read-only; cached)."""
        if self._cached is None:
            if self.shape == "bitmap":
                m = self._bitmap
            elif self.shape == "rect":
                m = _keys.rasterize("rect", _keys.rect_points(self.rect), self.size)
            else:
                m = _keys.rasterize("polygon", tuple(self.points), self.size)
            m.setflags(write=False)
            self._cached = m
        return self._cached

    def points_at(self, i: int) -> _keys.Points:
        """The shape's points at frame ``i`` (rect: two corners), interpolated between keys."""
        if self.keys:
            return _keys.interpolate(self.keys, i)
        if self.shape == "rect":
            return _keys.rect_points(self.rect)
        return _keys.norm_points(self.shape, self.points)

    def mask(self, i: int) -> np.ndarray:
        if not self.covers(i):
            return np.zeros((self.size[1], self.size[0]), np.uint8)
        if not self.keys:
            return self.bitmap.copy()
        pts = self.points_at(i)
        if self._keyed is None or self._keyed[0] != pts:
            self._keyed = (pts, _keys.rasterize(self.shape, pts, self.size))
        return self._keyed[1].copy()

    def geometry_key(self, i: int) -> str:
        """A string that changes whenever the shape's geometry at frame ``i`` does."""
        if self.keys:
            return f"k:{self.points_at(i)!r}"
        return f"{self.rect!r}:{self.points!r}"

    def invalidate(self) -> None:
        """Forget the rasterised shape after ``rect``, ``points`` or ``keys`` were replaced."""
        self._cached = None
        self._keyed = None


class MaskStack:
    """Ordered mask layers of one clip at ``size`` = (w, h); the first layer is the bottom one.

    ``compose(i)`` -> (H, W) uint8 0/255: the union of every visible adding layer's refined mask at
    frame ``i``, each cut by the subtracting layers above it; ``compose_alpha(i)`` is the same with
    the layers' feathers kept (0..255). Order matters only for subtracting layers.
    """

    def __init__(self, size: Size, layers: Iterable[Layer] = ()) -> None:
        self.size = (int(size[0]), int(size[1]))
        self.layers: list[Layer] = []
        for layer in layers:
            self.add(layer)

    def __len__(self) -> int:
        return len(self.layers)

    def __iter__(self) -> Iterator[Layer]:
        return iter(self.layers)

    def add(self, layer: Layer, index: int | None = None) -> Layer:
        """Insert ``layer`` (on top, or at ``index``); its size must match the stack's."""
        if layer.size != self.size:
            raise MaskError(f"Layer {layer.name!r} is {layer.size[0]}x{layer.size[1]}; "
                            f"this clip is {self.size[0]}x{self.size[1]}.")
        if any(other.id == layer.id for other in self.layers):
            raise MaskError(f"A layer with id {layer.id} is already in the stack.")
        if layer.color is None:
            layer.color = next_color(lay.color for lay in self.layers)
        self.layers.insert(len(self.layers) if index is None else index, layer)
        return layer

    def get(self, layer_id: str) -> Layer:
        for layer in self.layers:
            if layer.id == layer_id:
                return layer
        raise KeyError(layer_id)

    def remove(self, layer: Layer | str) -> Layer:
        found = self.get(layer if isinstance(layer, str) else layer.id)
        self.layers.remove(found)
        return found

    def move(self, layer: Layer | str, index: int) -> None:
        found = self.remove(layer)
        self.layers.insert(index, found)

    def covers(self, i: int) -> bool:
        """Whether any visible layer may have content at frame ``i``."""
        return any(layer.visible and layer.covers(i) for layer in self.layers)

    def layer_alphas(self, i: int) -> list[tuple[Layer, np.ndarray]]:
        """What each visible adding layer contributes at frame ``i``: (layer, (H, W) uint8 0..255
        alpha after the cuts of the subtracting layers above it), bottom first."""
        return layer_alphas(self.layers, i)

    def composed(self, i: int) -> tuple[np.ndarray, np.ndarray, list[tuple[Layer, np.ndarray]]]:
        """(mask, alpha, parts) of frame ``i`` in one pass: :meth:`compose`, :meth:`compose_alpha`
        and :meth:`layer_alphas` (what an overlay that colours each layer needs)."""
        parts = self.layer_alphas(i)
        alpha = np.zeros((self.size[1], self.size[0]), np.uint8)
        for _, a in parts:
            np.maximum(alpha, a, out=alpha)
        mask = alpha
        if any(lay.feather > 0 or lay.mode == "subtract" for lay in self.layers):
            mask = np.where(alpha > 0, 255, 0).astype(np.uint8)
        return mask, alpha, parts

    def compose_alpha(self, i: int) -> np.ndarray:
        """(H, W) uint8 0..255: the composed mask at frame ``i`` with per-layer feathers kept."""
        return self.composed(i)[1]

    def compose(self, i: int) -> np.ndarray:
        """(H, W) uint8 0/255: every pixel with any composed alpha at frame ``i`` (see
        :meth:`compose_alpha`): the hole the fill must cover."""
        return self.composed(i)[0]

    def mask(self, i: int) -> np.ndarray:
        """Alias of :meth:`compose` so a stack can serve as a mask source."""
        return self.compose(i)

    def frame_digest(self, i: int) -> str:
        """A digest that changes whenever :meth:`compose` of frame ``i`` may change: the visible
        layers covering it, each by its dilation and content (packed masks, shape parameters), with
        no pixels composed. Equal digests give equal composed masks."""
        h = hashlib.sha1(f"{self.size}:".encode())
        for layer in self.layers:
            if not (layer.visible and layer.covers(i)):
                continue
            part = _content_digest(layer, i)
            if not layer.refined_default:  # (older projects keep their digests)
                part += f"|{layer.mode}|f{layer.feather!r}|s{layer.smooth}"
                if layer.smooth > 0:
                    part += "|" + ",".join(f"{j}:{_content_digest(layer, j)}" for j in layer.window(i))
            h.update(part.encode() + b";")
        return h.hexdigest()[:20]


def _content_digest(layer: Layer, i: int) -> str:
    """The part of :meth:`MaskStack.frame_digest` that names ``layer``'s content at frame ``i``."""
    if isinstance(layer, PaintedLayer):
        return f"p{layer.dilation}:{layer.digest(i)}"
    if layer.shape == "bitmap":
        if getattr(layer, "_bitmap_digest", None) is None:
            layer._bitmap_digest = mask_digest(layer.bitmap)
        return f"b{layer.dilation}:{layer._bitmap_digest}"
    return f"s{layer.dilation}:{layer.shape}:{layer.geometry_key(i)}"
