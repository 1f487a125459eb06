"""The engine interface shared by every low-resolution fill engine.

An engine fills holes at its working size. It is given a :class:`ClipSource` (frames and masks at
that size, random access, shot boundaries, a cancel token) and its :meth:`Engine.run` generator
yields :class:`~inpaint_core.jobs.Progress` and :class:`Filled` events. ``Filled`` events may arrive
in any order; consumers that need order wrap the stream in :func:`in_order`. :meth:`Engine.stream`
is the in-order, fill-each-frame-once form the export uses (see :mod:`.streaming`).
"""

from __future__ import annotations

import heapq
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from ..jobs import Availability, CancelToken, Progress  # noqa: F401 (Availability re-exported)


@dataclass
class FlowCorrespondence:
    """Where each filled pixel of a frame came from, for flow-based engines.

    ``source_frame``: (H, W) int32, the frame index each hole pixel was copied from, -1 where the
    pixel was not a hole or was filled spatially (no other frame showed it).
    ``source_xy``: (H, W, 2) float32, the (x, y) position in that source frame, at working size;
    undefined where ``source_frame`` is -1.
    """

    source_frame: np.ndarray
    source_xy: np.ndarray


@dataclass
class AttentionCorrespondence:
    """Attention of each low-resolution hole cell over other frames, for attention engines (STTN).

    ``frames``: the frame indices attended to (length F).
    ``weights``: (h, w, F) float32, per feature cell (1/4 of the working size for STTN) the share of
    attention given to each frame; rows sum to 1 where defined, 0 outside the hole.
    """

    frames: list[int]
    weights: np.ndarray


Correspondence = FlowCorrespondence | AttentionCorrespondence


@dataclass
class Filled:
    """A completed frame: ``rgb`` is (H, W, 3) uint8 at the working size, ``index`` 0-based."""

    index: int
    rgb: np.ndarray
    correspondence: Correspondence | None = None


@runtime_checkable
class ClipSource(Protocol):
    """What an engine sees of a clip, all at the working size.

    ``frame(i)``: (H, W, 3) uint8 RGB. ``mask(i)``: (H, W) uint8, 0 keep / 255 fill, already grown
    by the project's grow setting. ``shots``: sorted list of (start, stop) index ranges covering the
    clip; engines never borrow pixels across them. ``cancel``: checked between steps.
    """

    @property
    def frame_count(self) -> int: ...

    @property
    def size(self) -> tuple[int, int]: ...  # (width, height)

    @property
    def shots(self) -> list[tuple[int, int]]: ...

    @property
    def cancel(self) -> CancelToken: ...

    def frame(self, i: int) -> np.ndarray: ...

    def mask(self, i: int) -> np.ndarray: ...


class Engine(ABC):
    """Base class of fill engines. Subclasses set ``name``/``label`` and implement :meth:`run`."""

    name: str = ""
    label: str = ""
    #: the mask growth this engine expects by default: iterations of a 3x3 cross at working size
    default_grow: int = 0
    #: the fixed working size (width, height), or None if the engine works at any size
    fixed_size: tuple[int, int] | None = None

    @classmethod
    def available(cls) -> Availability:
        return Availability(True)

    @abstractmethod
    def run(
        self,
        clip: ClipSource,
        frames: Sequence[int] | range | None = None,
        priority: int | None = None,
    ) -> Iterator[Progress | Filled]:
        """Fill ``frames`` (default: all) of ``clip``; the window around ``priority`` comes first."""

    def stream(self, size: tuple[int, int], shots: Sequence[tuple[int, int]], lo: int, hi: int,
               wanted: Sequence[int] | None = None, cancel: CancelToken | None = None,
               windows: Sequence[tuple[int, int]] | None = None):
        """A :class:`~.streaming.FillStream` over frames ``lo .. hi - 1`` at working ``size`` (w, h):
        pushed in order, filled frames returned in order, each filled once. This default runs
        :meth:`run` on tiled ``windows`` with context frames (:class:`~.streaming.WindowStream`);
        engines that carry state across chunks override it."""
        from .streaming import WindowStream

        return WindowStream(self, shots, lo, hi, wanted, cancel, windows=windows)


def in_order(
    events: Iterable[Progress | Filled], frames: Sequence[int] | range, max_buffer: int | None = None
) -> Iterator[Progress | Filled]:
    """Reorder ``Filled`` events into the order of ``frames``; ``Progress`` passes straight through.

    Holds at most the out-of-order frames in a heap; raises RuntimeError if more than
    ``max_buffer`` frames wait (an engine that strays that far from order is a bug).
    """
    order = {f: k for k, f in enumerate(frames)}
    want = 0
    heap: list[tuple[int, int, Filled]] = []
    for ev in events:
        if not isinstance(ev, Filled):
            yield ev
            continue
        k = order.get(ev.index)
        if k is None or k < want:
            continue  # not asked for, or a duplicate of an already delivered frame
        heapq.heappush(heap, (k, id(ev), ev))
        if max_buffer is not None and len(heap) > max_buffer:
            raise RuntimeError(f"reorder buffer exceeded {max_buffer} frames")
        while heap and heap[0][0] == want:
            yield heapq.heappop(heap)[2]
            want += 1
        while heap and heap[0][0] < want:
            heapq.heappop(heap)


def shot_of(shots: Sequence[tuple[int, int]], i: int) -> tuple[int, int]:
    """The (start, stop) shot range containing frame ``i``."""
    for a, b in shots:
        if a <= i < b:
            return a, b
    raise IndexError(f"frame {i} is in no shot {list(shots)}")


def composite(filled: np.ndarray, original: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Take ``filled`` where ``mask`` > 0 and ``original`` elsewhere (all uint8, same H, W)."""
    m = mask > 0
    out = original.copy()
    out[m] = filled[m]
    return out
