"""Windowed completion: the released STTN inference procedure, streamed.

Within each shot (local indices 0..n-1), for window centres f = 0, s, 2s, ... (s = neighbour stride,
5): the neighbours are f-s .. f+s (clipped to the shot) and the references are every
``ref_stride``-th frame of the shot (0, 10, 20, ...) that is not a neighbour. The transformer runs on
the features of the neighbours followed by the references; each neighbour's output
``(tanh + 1) / 2 * 255`` is truncated to uint8 and composited into the hole. A frame covered by
several windows keeps a running value: the first window's composite, then
``previous * 0.5 + new * 0.5`` in float32 for each later window in order; the final value is
truncated to uint8 and composited again.

Streaming and memory: a frame is read from the clip source and encoded the first time a window
needs it, and its features are dropped after the last window that uses it; a finished frame is
yielded as soon as its last covering window has run. Shots of up to ``full_refs_up_to`` frames
(default 100) use every reference, exactly as released; in longer shots the references of a window
are limited to those within ``ref_window`` frames of its centre (default 50; ``None`` never limits
them, as released, which makes memory and time per window grow with the shot). So memory holds at
most ``2 * s + 1`` neighbours and ``max(full_refs_up_to, 2 * ref_window) / ref_stride + 1``
references, whatever the length of the clip.

Tiled windows (``overlap=False``, the CPU fast path's choice): window centres are ``2s + 1`` apart
(s, 3s + 1, ...), so the neighbour ranges tile the shot and every frame is completed by exactly one
window: half the windows of the released schedule, and no running average (the references are
chosen as above). On the 2-core benchmark machine this halves the transformer work per frame; the
result differs from the released schedule where the two windows would have disagreed
(``tests/benchmarks/bench_sttn.py`` measures by how much).

Order: windows run in order, so frames come out in ascending order. With ``priority`` p, the shot
holding p runs first, starting from the last window centre before p, so p is finished after two or
three windows; the windows before it run afterwards, and every frame still receives exactly the
same contributions, combined in window order (the result does not depend on ``priority``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from ...jobs import Progress
from ..base import AttentionCorrespondence, ClipSource, Filled, composite

NEIGHBOR_STRIDE = 5
REF_STRIDE = 10
#: in shots longer than FULL_REFS_UP_TO frames, references are limited to this many frames either
#: side of a window's centre (None: never limited)
DEFAULT_REF_WINDOW: int | None = 50
#: shots up to this many frames use every reference, exactly as the released procedure
FULL_REFS_UP_TO = 100


class WindowRunner(Protocol):
    """What windowed completion needs from a network (see :class:`.runner.NetworkRunner`)."""

    def encode(self, frames: list[np.ndarray], masks: list[np.ndarray]) -> list[Any]: ...

    def complete(
        self, items: list[Any], n_out: int, want_attention: bool = False
    ) -> tuple[np.ndarray, np.ndarray | None]: ...


@dataclass(frozen=True)
class Window:
    """One transformer pass: absolute frame indices of its centre, neighbours and references."""

    centre: int
    neighbours: tuple[int, ...]
    refs: tuple[int, ...]

    @property
    def frames(self) -> tuple[int, ...]:
        return self.neighbours + self.refs


def make_window(
    shot: tuple[int, int], lf: int, stride: int, ref_stride: int, ref_window: int | None
) -> Window:
    """The window with local centre ``lf`` in ``shot`` = (start, stop)."""
    a, b = shot
    n = b - a
    nb = range(max(0, lf - stride), min(n, lf + stride + 1))
    if ref_window is None:
        lo, hi = 0, n - 1
    else:
        lo, hi = max(0, lf - ref_window), min(n - 1, lf + ref_window)
    first = -(-lo // ref_stride) * ref_stride
    refs = tuple(a + r for r in range(first, hi + 1, ref_stride) if not (nb.start <= r < nb.stop))
    return Window(a + lf, tuple(a + j for j in nb), refs)


def _covering_centres(j: int, n: int, stride: int, overlap: bool = True) -> range:
    """Local centres of the windows whose neighbours include local frame ``j`` (shot length n)."""
    if not overlap:  # tiles of 2 * stride + 1 frames, centred
        span = 2 * stride + 1
        c = j // span * span + stride
        return range(c, c + 1)
    last = (n - 1) // stride * stride
    lo = max(0, -(-(j - stride) // stride) * stride)
    hi = min(last, (j + stride) // stride * stride)
    return range(lo, hi + 1, stride)


def plan_windows(
    shots: list[tuple[int, int]],
    wanted: Iterable[int],
    priority: int | None = None,
    stride: int = NEIGHBOR_STRIDE,
    ref_stride: int = REF_STRIDE,
    ref_window: int | None = DEFAULT_REF_WINDOW,
    full_refs_up_to: int = FULL_REFS_UP_TO,
    overlap: bool = True,
) -> list[Window]:
    """The windows needed to finish the ``wanted`` frames, in the order they should run
    (``overlap=False``: tiled windows, see the module docstring)."""
    per_shot: dict[tuple[int, int], set[int]] = {}
    shot_list = sorted(shots)
    for i in wanted:
        shot = next((s for s in shot_list if s[0] <= i < s[1]), None)
        if shot is None:
            raise ValueError(f"frame {i} is in no shot {shot_list}")
        per_shot.setdefault(shot, set()).update(_covering_centres(i - shot[0], shot[1] - shot[0], stride, overlap))
    order = sorted(per_shot)
    pshot = next((s for s in order if priority is not None and s[0] <= priority < s[1]), None)
    if pshot is not None:
        order.remove(pshot)
        order.insert(0, pshot)
    plan: list[Window] = []
    for shot in order:
        centres = sorted(per_shot[shot])
        if shot == pshot:
            p = priority - shot[0]
            # overlapping: the last centre before p; tiled: the tile holding p (or the last before)
            lead = [c for c in centres if (c < p if overlap else c - stride <= p)]
            start = lead[-1] if lead else centres[0]
            centres = [c for c in centres if c >= start] + [c for c in centres if c < start]
        rw = None if shot[1] - shot[0] <= full_refs_up_to else ref_window
        plan.extend(make_window(shot, lf, stride, ref_stride, rw) for lf in centres)
    return plan


def combine(
    contribs: list[tuple[np.ndarray, np.ndarray | None, tuple[int, ...]]],
) -> tuple[np.ndarray, AttentionCorrespondence | None]:
    """Running average of one frame's window composites, given in window order.

    Each entry: (composite (H, W, 3) uint8, attention weights (h, w, T) float32 or None, the T window
    frames). Returns the truncated uint8 value and the attention merged with the same weights.
    """
    value: np.ndarray = contribs[0][0]
    for img, _, _ in contribs[1:]:
        value = value.astype(np.float32) * 0.5 + img.astype(np.float32) * 0.5
    value = value.astype(np.uint8)
    if any(w is None for _, w, _ in contribs):
        return value, None
    coefs = [1.0]
    for _ in contribs[1:]:
        coefs = [c * 0.5 for c in coefs] + [0.5]
    frames = sorted({f for _, _, fr in contribs for f in fr})
    col = {f: k for k, f in enumerate(frames)}
    h, w = contribs[0][1].shape[:2]
    merged = np.zeros((h, w, len(frames)), np.float32)
    for c, (_, wts, fr) in zip(coefs, contribs):
        for t, f in enumerate(fr):
            merged[..., col[f]] += c * wts[..., t]
    return value, AttentionCorrespondence(frames, merged)


@dataclass
class _Cached:
    rgb: np.ndarray
    mask: np.ndarray  # (H, W) uint8 0/1
    enc: Any


def complete_windows(
    runner: WindowRunner,
    clip: ClipSource,
    frames: Iterable[int] | None = None,
    priority: int | None = None,
    stride: int = NEIGHBOR_STRIDE,
    ref_stride: int = REF_STRIDE,
    ref_window: int | None = DEFAULT_REF_WINDOW,
    full_refs_up_to: int = FULL_REFS_UP_TO,
    correspondence: bool = True,
    stage: str = "sttn",
    overlap: bool = True,
) -> Iterator[Progress | Filled]:
    """Fill ``frames`` (default all) of ``clip``; yields Progress and Filled (see module docstring).

    ``clip.frame(i)``: (H, W, 3) uint8; ``clip.mask(i)``: (H, W) uint8, > 0 = hole (already grown).
    Each frame is read and encoded once. Raises Cancelled between windows when the clip's token fires.
    """
    n = clip.frame_count
    wanted = sorted(set(range(n) if frames is None else frames))
    bad = [i for i in wanted if not 0 <= i < n]
    if bad:
        raise ValueError(f"frames {bad[:3]} are outside the clip (0..{n - 1})")
    wanted_set = set(wanted)
    plan = plan_windows(clip.shots, wanted, priority, stride, ref_stride, ref_window, full_refs_up_to, overlap)
    last_use: dict[int, int] = {}
    need: Counter[int] = Counter()
    for k, w in enumerate(plan):
        for j in w.frames:
            last_use[j] = k
        need.update(j for j in w.neighbours if j in wanted_set)
    cache: dict[int, _Cached] = {}
    pending: dict[int, dict[int, tuple[np.ndarray, np.ndarray | None, tuple[int, ...]]]] = {}
    total, done = len(wanted), 0
    yield Progress(0, total, stage)
    for k, w in enumerate(plan):
        clip.cancel.raise_if_cancelled()
        new = [j for j in w.frames if j not in cache]
        if new:
            rgbs = [clip.frame(j) for j in new]
            masks = [(clip.mask(j) > 0).astype(np.uint8) for j in new]
            for j, rgb, m, enc in zip(new, rgbs, masks, runner.encode(rgbs, masks)):
                cache[j] = _Cached(rgb, m, enc)
        pred, weights = runner.complete([cache[j].enc for j in w.frames], len(w.neighbours), correspondence)
        finished = []
        for t, j in enumerate(w.neighbours):
            if j not in wanted_set:
                continue
            c = cache[j]
            wts = weights[t] if weights is not None else None
            pending.setdefault(j, {})[w.centre] = (composite(pred[t], c.rgb, c.mask), wts, w.frames)
            if len(pending[j]) == need[j]:
                finished.append(j)
        for j in sorted(finished):
            parts = pending.pop(j)
            value, corr = combine([parts[c] for c in sorted(parts)])
            yield Filled(j, composite(value, cache[j].rgb, cache[j].mask), corr)
            done += 1
        for j in w.frames:
            if last_use[j] == k:
                del cache[j]
        yield Progress(done, total, stage)
