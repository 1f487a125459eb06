"""Clip sources: what an engine reads (see :class:`inpaint_core.engines.base.ClipSource`)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence

import cv2
import numpy as np

from .jobs import CancelToken
from .masks.ops import grow_mask, resize_mask_cover
from .prefill import engine_input


class _ClipBase:
    """The read-only properties every clip source shares; subclasses set ``_n``, ``_size``,
    ``_shots`` and ``_cancel``."""

    _n: int
    _size: tuple[int, int]
    _shots: list[tuple[int, int]]
    _cancel: CancelToken

    @property
    def frame_count(self) -> int:
        return self._n

    @property
    def size(self) -> tuple[int, int]:
        return self._size

    @property
    def shots(self) -> list[tuple[int, int]]:
        return self._shots

    @property
    def cancel(self) -> CancelToken:
        return self._cancel


class ArrayClipSource(_ClipBase):
    """A clip held in memory: ``frames`` (N, H, W, 3) uint8 and ``masks`` (N, H, W) uint8.

    Masks are grown by ``grow`` iterations of a 3x3 cross when read. ``shots`` defaults to one shot.
    """

    def __init__(
        self,
        frames: Sequence[np.ndarray] | np.ndarray,
        masks: Sequence[np.ndarray] | np.ndarray,
        grow: int = 0,
        shots: list[tuple[int, int]] | None = None,
        cancel: CancelToken | None = None,
    ) -> None:
        if len(frames) != len(masks):
            raise ValueError(f"{len(frames)} frames but {len(masks)} masks")
        self._frames = frames
        self._masks = masks
        self._n = len(frames)
        self._grow = grow
        self._shots = shots or [(0, len(frames))]
        self._cancel = cancel or CancelToken()
        h, w = frames[0].shape[:2]
        self._size = (w, h)

    def frame(self, i: int) -> np.ndarray:
        return np.ascontiguousarray(self._frames[i])

    def mask(self, i: int) -> np.ndarray:
        return grow_mask(self._masks[i], self._grow)


def fit_size(src: tuple[int, int], dst: tuple[int, int]) -> tuple[int, int, int, int]:
    """Letterbox geometry: fit ``src`` (w, h) inside ``dst`` (w, h) keeping the aspect ratio.

    Returns (x0, y0, w, h) of the image inside the ``dst`` canvas.
    """
    sw, sh = src
    dw, dh = dst
    scale = min(dw / sw, dh / sh)
    w = max(1, min(dw, round(sw * scale)))
    h = max(1, min(dh, round(sh * scale)))
    return (dw - w) // 2, (dh - h) // 2, w, h


class ResizedClipSource(_ClipBase):
    """A clip read through callables at source size and served at a working size.

    ``frame_fn(i)`` -> (H, W, 3) uint8 and ``mask_fn(i)`` -> (H, W) uint8 at the source size.
    ``mode``: ``"stretch"`` resizes to the working size; ``"pad"`` keeps the aspect ratio and pads
    with edge pixels (the padding is never a hole). Frames use area interpolation when shrinking;
    masks keep every touched pixel (:func:`resize_mask_cover`) and are then grown by ``grow``.
    ``prefill``: paint the working frame's hole (the pixels the source mask touches, before the
    growth) over from its surroundings, as every engine path does
    (:func:`inpaint_core.prefill.engine_input`; None = its ``PREFILL`` default).
    A small LRU cache (``cache_frames`` entries) keeps recent frames and masks.
    """

    def __init__(
        self,
        frame_count: int,
        source_size: tuple[int, int],
        working_size: tuple[int, int],
        frame_fn: Callable[[int], np.ndarray],
        mask_fn: Callable[[int], np.ndarray],
        grow: int = 0,
        shots: list[tuple[int, int]] | None = None,
        cancel: CancelToken | None = None,
        mode: str = "stretch",
        cache_frames: int = 64,
        prefill: bool | None = None,
    ) -> None:
        self._n = frame_count
        self._prefill = prefill
        self._src = source_size
        self._size = working_size
        self._frame_fn = frame_fn
        self._mask_fn = mask_fn
        self._grow = grow
        self._shots = shots or [(0, frame_count)]
        self._cancel = cancel or CancelToken()
        self.mode = mode
        self._cache: OrderedDict[tuple[str, int], np.ndarray] = OrderedDict()
        self._cache_max = cache_frames * 3 // 2  # frames, masks and their covers
        if mode == "pad":
            self.inner = fit_size(source_size, working_size)
        else:
            self.inner = (0, 0, working_size[0], working_size[1])

    def _cached(self, kind: str, i: int, make: Callable[[], np.ndarray]) -> np.ndarray:
        key = (kind, i)
        hit = self._cache.get(key)
        if hit is not None:
            self._cache.move_to_end(key)
            return hit
        val = make()
        self._cache[key] = val
        while len(self._cache) > self._cache_max:
            self._cache.popitem(last=False)
        return val

    def _place(self, small: np.ndarray, border_mode: int) -> np.ndarray:
        x0, y0, w, h = self.inner
        W, H = self._size
        if (x0, y0, w, h) == (0, 0, W, H):
            return small
        return cv2.copyMakeBorder(small, y0, H - h - y0, x0, W - w - x0, border_mode, value=0)

    def frame(self, i: int) -> np.ndarray:
        def make() -> np.ndarray:
            f = self._frame_fn(i)
            _, _, w, h = self.inner
            interp = cv2.INTER_AREA if w * h < f.shape[0] * f.shape[1] else cv2.INTER_CUBIC
            small = cv2.resize(f, (w, h), interpolation=interp) if f.shape[:2] != (h, w) else f
            small = np.ascontiguousarray(self._place(small, cv2.BORDER_REPLICATE))
            return engine_input(small, self.cover(i), self._prefill)

        return self._cached("f", i, make)

    def cover(self, i: int) -> np.ndarray:
        """(h, w) uint8: the working pixels the source mask of frame ``i`` touches, before ``grow``."""
        def make() -> np.ndarray:
            _, _, w, h = self.inner
            return self._place(resize_mask_cover(self._mask_fn(i), (w, h)), cv2.BORDER_CONSTANT)

        return self._cached("c", i, make)

    def mask(self, i: int) -> np.ndarray:
        return self._cached("m", i, lambda: grow_mask(self.cover(i), self._grow))
