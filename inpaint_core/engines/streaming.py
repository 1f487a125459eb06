"""Streaming fills: an engine fed frames in order that delivers filled frames in order.

The export reads a clip once, front to back, and must not hold it: a :class:`FillStream` is pushed
frame ``i`` (working-size RGB and hole) for ``i = lo, lo + 1, ... hi - 1`` and returns, as they are
ready, the :class:`~.base.Filled` frames in index order. What an engine needs across chunk borders
stays inside the stream, so every frame is filled exactly once and the fill continues over the
borders instead of restarting at each. The one-shot :meth:`~.base.Engine.run` stays for random
access (the editor's preview).

Two implementations:

* :class:`PropagateStream`, the classical engine's own (see :mod:`.propagate`). It walks the
  engine's chunk plan (the one :meth:`~.propagate.PropagateEngine.run` uses on the whole range, so
  both give the same frames): a chunk ``[a, b)`` runs once frames up to ``b + overlap`` have arrived
  (a bounded look-ahead for the backward pass), its core frames are delivered, and the delivered
  frames of its tail seed the next chunk (the propagated sources and key fills carry over). Flows
  are cached by frame pair, so the pairs of the overlap are computed once, not once per chunk.
  Only the ``overlap`` frames of context are propagated twice (cheap index arithmetic); flows and
  fills are computed once per frame.
* :class:`WindowStream`, an adapter for any engine (STTN, Telea, the classical engine's per-frame
  methods and references): tiled windows with context frames on each side; the context is read,
  never delivered, so each frame is still filled once. STTN's windowed schedule maps onto it (its
  reference window bounds the context).

Arrays: frames (h, w, 3) uint8, holes (h, w) uint8 0/255, at the working size.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Callable, Sequence

import numpy as np

from ..jobs import CancelToken
from .base import AttentionCorrespondence, Engine, Filled, FlowCorrespondence, in_order

#: context frames on each side of a window for engines without a stream of their own
WINDOW_CONTEXT = 16
#: frames per window for those engines
WINDOW_FRAMES = 48


class FillStream(ABC):
    """Frames ``lo .. hi - 1`` pushed in order; filled frames returned in order.

    ``wanted``: the frames to deliver (default all pushed); the others are context only.
    ``filled``: per frame index, how many times the engine filled it (a frame is filled once).
    ``lookahead``: at most this many frames are pushed after frame ``i`` before ``i`` comes out.
    """

    lookahead: int = 0

    def __init__(self, shots: Sequence[tuple[int, int]], lo: int, hi: int,
                 wanted: Sequence[int] | None = None, cancel: CancelToken | None = None) -> None:
        self.lo, self.hi = int(lo), int(hi)
        self.shots = [(max(a, self.lo), min(b, self.hi)) for a, b in shots if min(b, self.hi) > max(a, self.lo)]
        self.wanted = set(range(self.lo, self.hi)) if wanted is None else set(wanted)
        self.cancel = cancel or CancelToken()
        self.frames: dict[int, np.ndarray] = {}
        self.masks: dict[int, np.ndarray] = {}
        self.filled: dict[int, int] = {}
        self._next = self.lo

    def push(self, i: int, frame: np.ndarray, mask: np.ndarray) -> list[Filled]:
        """Add frame ``i`` (the next index); returns the frames now complete, in order."""
        if i != self._next:
            raise ValueError(f"frames must be pushed in order: expected {self._next}, got {i}")
        self.frames[i], self.masks[i] = frame, mask
        self._next = i + 1
        return self._advance(final=False)

    def finish(self) -> list[Filled]:
        """Everything still held back (call once the last frame was pushed)."""
        return self._advance(final=True)

    def shot_of(self, i: int) -> tuple[int, int]:
        return next(((a, b) for a, b in self.shots if a <= i < b), (i, i + 1))

    def _count(self, i: int) -> None:
        self.filled[i] = self.filled.get(i, 0) + 1

    def _forget_below(self, i: int) -> None:
        for k in [k for k in self.frames if k < i]:
            del self.frames[k], self.masks[k]

    @abstractmethod
    def _advance(self, final: bool) -> list[Filled]:
        """Run every unit of work whose input has arrived (all of them when ``final``)."""


def plan_windows(shots: Sequence[tuple[int, int]], size: int) -> list[tuple[int, int]]:
    """Consecutive (a, b) windows of ``size`` frames from each shot's start, never crossing one."""
    out = []
    for a, b in shots:
        out += [(s, min(b, s + size)) for s in range(a, b, max(1, size))]
    return out


class WindowStream(FillStream):
    """Any engine as a stream: ``windows`` (default :func:`plan_windows` with ``window`` frames),
    each run through :meth:`Engine.run` with ``context`` frames on each side (within the shot)."""

    def __init__(self, engine: Engine, shots, lo: int, hi: int, wanted=None, cancel=None,
                 windows: Sequence[tuple[int, int]] | None = None, window: int = WINDOW_FRAMES,
                 context: int | None = None) -> None:
        super().__init__(shots, lo, hi, wanted, cancel)
        self.engine = engine
        if context is None:  # STTN: its reference window bounds what a window reads
            ref = getattr(engine, "ref_window", None)
            context = WINDOW_CONTEXT if not ref else max(WINDOW_CONTEXT, int(ref) // 2)
        self.context = int(context)
        plan = plan_windows(self.shots, window) if windows is None else [tuple(w) for w in windows]
        self._plan = [(a, b) for a, b in plan if any(a <= i < b for i in self.wanted)]
        self._k = 0
        self.lookahead = max((b - a for a, b in self._plan), default=0) + self.context

    def _advance(self, final: bool) -> list[Filled]:
        from ..clipsource import ArrayClipSource

        out: list[Filled] = []
        while self._k < len(self._plan):
            a, b = self._plan[self._k]
            sa, sb = self.shot_of(a)
            lo, hi = max(sa, a - self.context), min(sb, b + self.context)
            self._forget_below(lo)  # frames of skipped windows (nothing wanted there) are not kept
            if self._next < hi and not final:
                break
            self.cancel.raise_if_cancelled()
            ctx = list(range(lo, hi))
            core = [i for i in range(a, b) if i in self.wanted]
            clip = ArrayClipSource([self.frames[i] for i in ctx], [self.masks[i] for i in ctx],
                                   grow=0, cancel=self.cancel)
            local = [i - lo for i in core]
            for ev in in_order(self.engine.run(clip, frames=local), local, max_buffer=len(ctx) + 8):
                if isinstance(ev, Filled):
                    i = ctx[ev.index]
                    self._count(i)
                    out.append(Filled(i, ev.rgb, shift_correspondence(ev.correspondence, ctx)))
            self._k += 1
            nxt = self._plan[self._k][0] if self._k < len(self._plan) else self.hi
            self._forget_below(max(self.shot_of(nxt)[0], nxt - self.context))
        return out


class PairFlowCache:
    """``flow_fn(a, b)`` cached by the identity of the two frame arrays (the stream hands the same
    arrays to consecutive chunks), the last ``capacity`` flows kept. Entries hold their arrays, so
    an id is never reused while it is a key."""

    def __init__(self, flow_fn: Callable[[np.ndarray, np.ndarray], np.ndarray], capacity: int) -> None:
        self.fn = flow_fn
        self.capacity = max(2, int(capacity))
        self._cache: OrderedDict[tuple[int, int], tuple[np.ndarray, np.ndarray, np.ndarray]] = OrderedDict()
        self.computed = 0

    def __call__(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        key = (id(a), id(b))
        hit = self._cache.get(key)
        if hit is not None and hit[0] is a and hit[1] is b:
            self._cache.move_to_end(key)
            return hit[2]
        flow = self.fn(a, b)
        self.computed += 1
        self._cache[key] = (a, b, flow)
        while len(self._cache) > self.capacity:
            self._cache.popitem(last=False)
        return flow


class PropagateStream(FillStream):
    """The classical engine's stream (see the module docstring). ``engine``: a
    :class:`~.propagate.PropagateEngine` using flow propagation (``auto``/``propagate``, no
    references); ``size``: the working (w, h)."""

    def __init__(self, engine, size: tuple[int, int], shots, lo: int, hi: int, wanted=None,
                 cancel=None) -> None:
        super().__init__(shots, lo, hi, wanted, cancel)
        self.engine = engine
        self.chunk, self.overlap = engine._chunking(size)
        self.flow_fn = PairFlowCache(engine._flow_fn(size), 4 * self.overlap + 4)
        self.spatial_fn = engine._spatial_fn()
        self._plan = plan_windows(self.shots, self.chunk)
        self._k = 0
        self.lookahead = self.chunk + self.overlap
        self._delivered: dict = {}
        from .chunkcache import ChunkCache

        self._cache = ChunkCache()

    def _advance(self, final: bool) -> list[Filled]:
        out: list[Filled] = []
        ov = self.overlap
        while self._k < len(self._plan):
            a, b = self._plan[self._k]
            shot = self.shot_of(a)
            if self._next < min(shot[1], b + ov) and not final:
                break
            self.cancel.raise_if_cancelled()
            core = list(range(a, b))
            done = self.engine._fill_chunk(self.frames.__getitem__, self.masks.__getitem__, a, b, core,
                                           shot, ov, self._delivered, {}, self.flow_fn,
                                           self.spatial_fn, self.cancel, self._cache)
            pending = {tuple(p) for p in self._plan[self._k + 1:]}
            seeds = {}
            for i, filled, seed in done:
                self._count(i)
                if seed is not None:
                    seeds[i] = seed
                if i in self.wanted:
                    out.append(filled)
            self.engine._keep(self._delivered, seeds, a, b, ov, pending)
            self._k += 1
            nxt = self._plan[self._k][0] if self._k < len(self._plan) else self.hi
            self._forget_below(max(self.shot_of(nxt)[0], nxt - ov))
        return out


def shift_correspondence(corr, ctx: list[int]):
    """Map an engine correspondence's frame indices from a sub-clip (``ctx``: its frames' clip
    indices) back to clip indices."""
    if isinstance(corr, FlowCorrespondence):
        sf = corr.source_frame
        lut = np.asarray(list(ctx) + [-1], np.int32)
        mapped = np.where(sf >= 0, lut[np.clip(sf, 0, len(ctx) - 1)], -1).astype(np.int32)
        return FlowCorrespondence(mapped, corr.source_xy)
    if isinstance(corr, AttentionCorrespondence):
        return AttentionCorrespondence([ctx[k] for k in corr.frames], corr.weights)
    return corr
