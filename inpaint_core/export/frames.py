"""Per-frame data the residual aggregation reads: the full frame, its working-size version and the
holes at both sizes. :class:`FrameStore` keeps them for a window of frames and is filled either from
memory (:func:`inpaint_core.export.pipeline.fill_full_res`) or by a streaming decoder (the export
job), which evicts frames it no longer needs so memory does not grow with the clip."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .. import prefill as _prefill
from ..masks.ops import feather
from ..masks.strokes import AdaptiveGrow, grow_for
from .residuals import Geometry


@dataclass
class FrameData:
    """One frame. ``full``: (H, W, 3) uint8 source; ``small``: (h, w, 3) uint8 = ``down(full)``;
    ``hole``: (H, W) uint8 0/255, the user's mask grown by the export's grow setting (what the
    composite replaces); ``hole_small``: (h, w) uint8 0/255, the engine's hole at working size
    (covers ``hole``, then grown by the engine's ``default_grow``). The default growth (an
    :class:`~inpaint_core.masks.strokes.AdaptiveGrow`) is stroke-adaptive at both sizes. For a native-sample export also
    ``native``: the decoded picture in its own format (a :class:`~inpaint_core.video.native.NativeFrame`)
    and, for 9-16-bit sources, ``full16``: (H, W, 3) uint16 RGB (65535 = white) from which the
    residuals are taken without an 8-bit step.

    Soft layers (a layer's feather, a feathered cut): ``soft`` (H, W) uint8 0..255 is the composed
    alpha with the layers' feathers (:meth:`~inpaint_core.masks.layers.MaskStack.compose_alpha`) and
    ``core`` (H, W) uint8 0/255 its fully masked part grown by the export's grow; both None for a
    hard (0/255) mask. The final blend's alpha is :meth:`blend_alpha`."""

    _full: np.ndarray | None
    small: np.ndarray
    hole: np.ndarray
    hole_small: np.ndarray
    native: object = None
    full16: np.ndarray | None = None
    soft: np.ndarray | None = None
    core: np.ndarray | None = None
    #: (H, W) uint8 0/255, the user's mask before growth (its fully masked part): where the
    #: diffusion blend mixes in (:mod:`.diffusionblend`); None: ``hole``
    user: np.ndarray | None = None
    #: native -> ``full`` again, exactly as decoded (see :meth:`park`); None where not possible
    _again: Callable | None = field(default=None, repr=False)

    @property
    def full(self) -> np.ndarray:
        f = self._full
        if f is None:  # parked: made again from the native samples (the same conversion)
            again, native = self._again, self.native
            if again is None or native is None:
                raise RuntimeError("a parked frame lost its native samples")
            f = self._full = again(native)
        return f

    def park(self) -> bool:
        """Drop ``full`` while the native samples (held anyway until the frame is written) can
        make it again bit for bit: frames decoded far ahead of the restore, for the engine's
        look-ahead, hold 6 MB less each at 1080p. Returns whether it was dropped."""
        again = self._again or (self.native.meta.get("rgb_again") if self.native is not None else None)
        if again is None or self._full is None:
            return False
        self._again = again
        self._full = None
        return True

    def unpark(self) -> None:
        """Make ``full`` again now if it was parked (before the native samples are let go)."""
        if self._full is None:
            self.full  # noqa: B018 (the property makes it)

    def blend_alpha(self, rect: tuple[int, int, int, int], radius: float) -> np.ndarray:
        """The final composite's alpha over ``rect`` = (x0, y0, x1, y1): (h, w) float32 in [0, 1].
        See :func:`blend_alpha`."""
        return blend_alpha(self.hole, self.soft, self.core, rect, radius)

    def fullf(self, rect: tuple[int, int, int, int]) -> np.ndarray:
        """Float32 (h, w, 3) RGB on the 0-255 scale over ``rect`` = (x0, y0, x1, y1), from ``full16``
        when the source is deeper than 8 bits."""
        x0, y0, x1, y1 = rect
        if self.full16 is not None:
            return self.full16[y0:y1, x0:x1].astype(np.float32) * np.float32(1.0 / 257.0)
        return self.full[y0:y1, x0:x1].astype(np.float32)


def is_soft(mask: np.ndarray) -> bool:
    """Whether an (H, W) uint8 mask holds values other than 0 and 255 (a feathered layer's ramp)."""
    return bool(mask.any() and np.any((mask != 0) & (mask != 255)))


def blend_alpha(hole: np.ndarray, soft: np.ndarray | None, core: np.ndarray | None,
                rect: tuple[int, int, int, int], radius: float) -> np.ndarray:
    """The final composite's alpha over ``rect`` = (x0, y0, x1, y1) of a frame: (h, w) float32 in
    [0, 1] that is 1 on the grown hole's fully masked part and ramps to 0 over ``radius`` (the
    project's feather) outside it; a soft layer's edge (``soft``, its composed alpha) keeps its own
    ramp where that is higher. For a hard mask (``soft`` None) this is the feathered grown ``hole``;
    every pixel outside ``hole`` grown by ``radius`` gets exactly 0. ``rect`` must reach ``radius``
    + 1 pixels beyond the hole (as :func:`~inpaint_core.export.pipeline.regions` makes it)."""
    x0, y0, x1, y1 = rect
    if soft is None or core is None:
        return feather(hole[y0:y1, x0:x1], radius)
    alpha = feather(core[y0:y1, x0:x1], radius)
    np.maximum(alpha, soft[y0:y1, x0:x1].astype(np.float32) * np.float32(1.0 / 255.0), out=alpha)
    return alpha


class FrameStore:
    """Frames by index for a window of the clip, with their shot ranges.

    ``shots``: sorted (start, stop) ranges covering the clip; no pixel is borrowed across them.
    """

    def __init__(self, geom: Geometry, grow: int, engine_grow: int,
                 shots: list[tuple[int, int]], prefill: bool | None = None) -> None:
        self.geom = geom
        #: paint the working-size frame's hole over from its surroundings (what the engine and the
        #: residuals' low band read): :func:`.prefill.engine_input`, default :data:`.prefill.PREFILL`
        self.prefill = _prefill.PREFILL if prefill is None else bool(prefill)
        self._cover_memo: tuple[np.ndarray, np.ndarray] | None = None
        self.grow = grow
        self.engine_grow = engine_grow
        self.shots = shots
        self._data: dict[int, FrameData] = {}
        self._last: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    def make(self, full: np.ndarray, mask: np.ndarray, native=None, full16=None) -> FrameData:
        """Build the :class:`FrameData` of a (H, W, 3) uint8 frame and its (H, W) uint8 user mask.

        A stationary mask (the same array again, or equal to the last one) shares its holes with the
        previous frame instead of holding a copy per frame."""
        small = self.geom.down(full)
        last = self._last
        if last is not None and np.array_equal(last[0], mask):
            if self.prefill:
                small = _prefill.engine_input(small, self._cover(last[1]), True)
            return FrameData(full, small, last[1], last[2], native, full16, last[3], last[4], last[5])
        hole = grow_for(mask, self.grow)
        # the export's default growth adapts to stroke width at both sizes; an explicit one is uniform
        eg = AdaptiveGrow(self.engine_grow) if isinstance(self.grow, AdaptiveGrow) else self.engine_grow
        hole_small = grow_for(self.geom.down_mask(hole), eg)
        soft = core = None
        if is_soft(mask):  # a layer's feather: its ramp is blended, the hard part grown as usual
            soft = mask.copy()
            core = grow_for(np.where(mask == 255, 255, 0).astype(np.uint8), self.grow)
        user = np.where(mask == 255, 255, 0).astype(np.uint8)
        self._last = (mask.copy(), hole, hole_small, soft, core, user)
        if self.prefill:
            small = _prefill.engine_input(small, self._cover(hole), True)
        return FrameData(full, small, hole, hole_small, native, full16, soft, core, user)

    def _cover(self, hole: np.ndarray) -> np.ndarray:
        """The working-size pixels the full-resolution ``hole`` touches (what the prefill paints
        over: every other working pixel is ``down(full)`` of known pixels only, so the residuals
        outside the hole stay the source's own detail), held while the same hole array comes back."""
        memo = self._cover_memo
        if memo is not None and memo[0] is hole:
            return memo[1]
        cover = self.geom.down_mask(hole)
        self._cover_memo = (hole, cover)
        return cover

    def add(self, i: int, full: np.ndarray, mask: np.ndarray, native=None, full16=None) -> None:
        self._data[i] = self.make(full, mask, native, full16)

    def put(self, i: int, data: FrameData) -> None:
        self._data[i] = data

    def __contains__(self, i: int) -> bool:
        return i in self._data

    def __getitem__(self, i: int) -> FrameData:
        return self._data[i]

    def indices(self) -> list[int]:
        return sorted(self._data)

    def evict_below(self, i: int) -> None:
        """Forget every frame with index < ``i``."""
        for k in [k for k in self._data if k < i]:
            del self._data[k]

    def shot(self, i: int) -> tuple[int, int]:
        for a, b in self.shots:
            if a <= i < b:
                return a, b
        return (i, i + 1)

    def available(self, i: int) -> Callable[[int], bool]:
        """Predicate: may frame ``k`` serve frame ``i`` (same shot and held in the store)?"""
        a, b = self.shot(i)
        return lambda k: a <= k < b and k in self._data
