"""The export's low-resolution stage, shared with the editor's preview.

:func:`lowres_plan` is the one rule for the working canvas (size, stretch or pad) and the mask
growth at full resolution; :class:`LowResSource` serves an engine the frames and holes exactly as
the export's :class:`~.frames.FrameStore` builds them, with random access. So a preview frame at
the working size is the export's low-resolution fill of that frame.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..clipsource import _ClipBase
from ..engines.base import Engine
from ..jobs import CancelToken
from ..settings import ExportSettings, canvas_mode, working_size
from .frames import FrameData, FrameStore
from .pipeline import default_grow
from .residuals import Geometry


@dataclass(frozen=True)
class LowResPlan:
    """``geom``: source -> working canvas; ``grow``: full-resolution mask growth (pixels)."""

    geom: Geometry
    grow: int

    @property
    def work(self) -> tuple[int, int]:
        return self.geom.work


def lowres_plan(src: tuple[int, int], engine: Engine, settings: ExportSettings,
                work_size: tuple[int, int] | None = None) -> LowResPlan:
    """The working canvas and growth for ``engine`` on a ``src`` = (W, H) clip: the engine's fixed
    size, else ``work_size``, else :func:`~inpaint_core.settings.working_size` with the settings'
    ``long_side``; growth: the settings', else the engine's own at its working size."""
    work = tuple(engine.fixed_size or work_size or working_size(src, None, settings.long_side))
    geom = Geometry(tuple(src), work, canvas_mode(src, work))
    grow = default_grow(engine, geom) if settings.grow is None else int(settings.grow)
    return LowResPlan(geom, grow)


class LowResSource(_ClipBase):
    """A random-access clip source at the working canvas, built like the export's frames.

    ``frame_fn(i)`` -> (H, W, 3) uint8 and ``mask_fn(i)`` -> (H, W) uint8 0/255 at the source size.
    ``frame(i)`` -> (h, w, 3) uint8 and ``mask(i)`` -> (h, w) uint8 0/255 (the engine's hole);
    ``data(i)`` the whole :class:`FrameData`. ``inner`` = (x0, y0, w, h) of the picture on the
    canvas. Keeps the last ``cache_frames`` frames."""

    def __init__(self, frame_count: int, plan: LowResPlan, engine_grow: int,
                 frame_fn: Callable[[int], np.ndarray], mask_fn: Callable[[int], np.ndarray],
                 shots: list[tuple[int, int]] | None = None, cancel: CancelToken | None = None,
                 cache_frames: int = 64) -> None:
        self._n = int(frame_count)
        self._size = plan.work
        self._shots = shots or [(0, self._n)]
        self._cancel = cancel or CancelToken()
        self.plan = plan
        self.inner = plan.geom.inner
        self._store = FrameStore(plan.geom, plan.grow, engine_grow, self._shots)
        self._frame_fn, self._mask_fn = frame_fn, mask_fn
        self._cache: OrderedDict[int, FrameData] = OrderedDict()
        self._max = cache_frames

    def data(self, i: int) -> FrameData:
        d = self._cache.get(i)
        if d is None:
            self._cancel.raise_if_cancelled()
            d = self._store.make(self._frame_fn(i), self._mask_fn(i))
            self._cache[i] = d
            while len(self._cache) > self._max:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(i)
        return d

    def frame(self, i: int) -> np.ndarray:
        return self.data(i).small

    def mask(self, i: int) -> np.ndarray:
        return self.data(i).hole_small
