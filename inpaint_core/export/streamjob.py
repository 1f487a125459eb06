"""The export's frame loop as pipelined stages (see :mod:`.stages` for the threads and queues).

:func:`pipelined_frames` is called by :func:`~.job.export_video` once the reader, store, writer and
resume state exist (``job``: a namespace of them, see there). It yields Progress and leaves every
frame of the range written; it returns the frames written.
"""

from __future__ import annotations

import os
import queue
import threading
from contextlib import contextmanager

import cv2
import numpy as np

from ..engines.base import Filled, FlowCorrespondence
from ..jobs import Progress
from ..sysmem import trim_heap
from .media import apply_native_patches, native_patches
from .pipeline import fill_rgba, restore_frame, restore_layers, restore_native
from .resume import apply_patch, os_error, patch_of
from .stages import Stages, run_stages, stage_error
from .temporal import FlowCache

END = object()
#: frames in flight beyond what the restore window and the engine's look-ahead need
SLACK = 4
#: OpenCV's own worker threads during a pipelined export: the stages already fill the cores, and
#: nested pools fight over them (``VANISH_CV_THREADS`` overrides; 0 leaves OpenCV's default)
CV_THREADS = int(os.environ.get("VANISH_CV_THREADS", "1"))
#: threads restoring frames: one by default, so frames are restored in order and each frame's
#: reference search can start from the previous frame's choice (``TemporalOptions.reuse_refs``);
#: with more (``VANISH_RESTORE_WORKERS``) frames are restored side by side and that reuse is off,
#: so the output never depends on which worker finished first
RESTORE_WORKERS = max(1, int(os.environ.get("VANISH_RESTORE_WORKERS", "1")))
#: how far a restore worker may run ahead of the oldest frame still in work
RESTORE_SPREAD = 2


class WindowView:
    """The store as the restore stage of frame ``t`` sees it: references only within ``reach``
    frames of ``t`` (in its shot), so the output never depends on how far decoding has run."""

    def __init__(self, store, reach: int) -> None:
        self._store, self._reach = store, reach
        self.geom, self.grow, self.shots = store.geom, store.grow, store.shots

    def __getitem__(self, i):
        return self._store[i]

    def __contains__(self, i) -> bool:
        return i in self._store

    def shot(self, i):
        return self._store.shot(i)

    def available(self, i):
        a, b = self._store.shot(i)
        lo, hi = max(a, i - self._reach), min(b, i + self._reach + 1)
        return lambda k: lo <= k < hi and k in self._store


class LockedFlows(FlowCache):
    """The restore stage's flow cache, shared by its workers (its LRU bookkeeping is not
    thread-safe; the flows it computes are small next to the rest of a frame's restore)."""

    def __init__(self, *a, **k) -> None:
        super().__init__(*a, **k)
        self._lock = threading.RLock()

    def reduced(self, i):
        with self._lock:
            return super().reduced(i)

    def __call__(self, a, b, *args, **kw):
        with self._lock:
            return super().__call__(a, b, *args, **kw)

    def at_work(self, a, b, delta):
        with self._lock:
            return super().at_work(a, b, delta)


_NO_XY = np.zeros((0, 0, 2), np.float32)


def _slim(f: Filled) -> Filled:
    """``f`` as the restore stage reads it: a flow correspondence keeps its source frames (the
    reference priors) but not its source positions ((h, w, 2) float32, 4 MB a frame at 960x540,
    never read after the engine), so a chunk's fills waiting in the queue hold less."""
    corr = f.correspondence
    if isinstance(corr, FlowCorrespondence) and corr.source_xy.size:
        return Filled(f.index, f.rgb, FlowCorrespondence(corr.source_frame, _NO_XY))
    return f


def few_arenas(n: int = 2) -> None:
    """Let the stage threads share ``n`` glibc malloc arenas instead of one each: a thread's own
    arena keeps the freed frame-sized arrays it allocated, which adds up with four threads."""
    import ctypes
    import sys

    if sys.platform.startswith("linux"):
        fn = getattr(ctypes.CDLL(None), "mallopt", None)
        if fn is not None:
            fn(-8, int(n))  # M_ARENA_MAX


@contextmanager
def cv_threads(n: int):
    old = cv2.getNumThreads()
    if n > 0:
        cv2.setNumThreads(n)
    try:
        yield
    finally:
        cv2.setNumThreads(old)


def pipelined_frames(job):
    """Run decode, fill, restore and encode on threads for ``job`` (see :func:`~.job.export_video`);
    yields Progress, returns (frames written, chunks resumed)."""
    st = Stages(job.cancel)
    store, view = job.store, WindowView(job.store, job.reach)
    if RESTORE_WORKERS > 1 and job.opts.temporal.reuse_refs:
        from dataclasses import replace

        job.opts = replace(job.opts, temporal=replace(job.opts.temporal, reuse_refs=False))
    flows = LockedFlows(view, job.opts.temporal)
    lock = threading.Lock()
    raw_mask = job.mask_fn

    def mask_fn(i):  # the mask document is read from several stages
        with lock:
            return raw_mask(i)

    job.smart._mask = mask_fn
    resumed = {c for c in job.chunks if job.partial.has(c)}
    chunk_of = {i: c for c in job.chunks for i in range(*c)}
    wanted = [i for i in range(job.start, job.end) if chunk_of.get(i) not in resumed]
    stream = job.engine.stream(job.work, job.shots, job.lo, job.hi, wanted, job.cancel,
                               windows=job.chunks)
    ahead = max(job.reach, stream.lookahead) + SLACK + RESTORE_SPREAD
    pos = {"restore": job.start, "decoded": job.lo, "done": 0}
    # decode is held to ``ahead`` frames before restore, which bounds what the first two queues hold
    fill_q, restore_q = queue.Queue(), queue.Queue()
    encode_q = queue.Queue(maxsize=4)
    secs = st.seconds
    #: frames decoded this far beyond the restore are parked (see FrameData.park) until needed
    park_beyond = job.reach + RESTORE_SPREAD + RESTORE_WORKERS + 2

    def decode() -> None:
        it = job.frames_iter
        for i in range(job.lo, job.hi):
            st.wait_for(lambda i=i: i < pos["restore"] + ahead)
            with st.timed("decode"):
                try:
                    k, rgb, *deep = next(it)
                except StopIteration:
                    raise stage_error("decode", RuntimeError(f"the file ended at frame {i}"), None) from None
                except Exception as exc:
                    raise stage_error("decode", exc, None) from None
                data = store.make(rgb, mask_fn(k), *deep)
                if k >= pos["restore"] + park_beyond:
                    data.park()  # only the engine reads it for now: its RGB is made again later
            store.put(k, data)
            store.evict_below(max(job.lo, pos["restore"] - job.reach))
            with st.cond:
                pos["decoded"] = k + 1
                st.cond.notify_all()
            st.put(fill_q, (k, data))
        st.put(fill_q, END)

    def fill() -> None:
        while True:
            item = st.get(fill_q)
            with st.timed("fill"):
                outs = stream.finish() if item is END else stream.push(item[0], item[1].small, item[1].hole_small)
            for f in outs:
                st.put(restore_q, _slim(f))
            if outs:
                with st.timed("trim"):
                    trim_heap()  # the engine's chunk arrays are free now: give them back
            if item is END:
                break
        st.put(restore_q, END)

    order = iter(range(job.start, job.end))
    active: set[int] = set()
    take = threading.Lock()
    loaded: dict = {}

    def next_frame():
        """The next frame to restore and its fill (taken together, so fills match frames)."""
        with take:
            i = next(order, None)
            if i is None:
                return None, None
            with st.cond:
                active.add(i)
                pos["restore"] = min(active)
                st.cond.notify_all()
            chunk = chunk_of[i]
            if chunk in resumed:
                if chunk not in loaded:
                    loaded.clear()
                    loaded[chunk] = job.partial.load(chunk)
                return i, loaded[chunk]
            ev = st.get(restore_q)
            assert isinstance(ev, Filled) and ev.index == i, (ev, i)
            if job.fills is not None:
                job.fills(i, ev.rgb)
            return i, ev

    def restore() -> None:
        while True:
            i, ev = next_frame()
            if i is None:
                break
            a, b = store.shot(i)
            need = min(b, job.hi, i + job.reach + 1)
            # at most RESTORE_SPREAD frames beyond the oldest one in work: outputs wait in order
            st.wait_for(lambda i=i, need=need: pos["decoded"] >= need and i <= min(active) + RESTORE_SPREAD)
            d = store[i]
            may = job.native and job.smart.may_copy(i, d.hole)
            if not isinstance(ev, Filled):  # a resumed chunk: its patches
                with st.timed("restore"):
                    o = apply_native_patches(d.native, ev, i) if job.native else apply_patch(d.full, *ev[i])
                item = (i, d, o, may, None, None)
            else:
                with st.timed("restore"):
                    layers, patch = None, {}
                    if job.fill_writer is not None or (job.native and not may):
                        layers = restore_layers(i, ev.rgb, view, flows, job.opts, ev.correspondence,
                                                align=d.native.sub if job.native else (0, 0))
                    if job.native:
                        o = d.native
                        if not may:
                            o = restore_native(i, ev.rgb, view, flows, job.opts, ev.correspondence, layers)
                            patch = native_patches(o, d.native, i)
                    else:
                        o = restore_frame(i, ev.rgb, view, flows, job.opts, ev.correspondence, layers)
                        patch = {i: patch_of(o, d.full)}
                    rgba = fill_rgba(layers, (job.W, job.H)) if job.fill_writer is not None else None
                item = (i, d, o, may, rgba, patch)
            st.put(encode_q, item)
            with st.cond:
                active.discard(i)
                if active:
                    pos["restore"] = min(active)
                st.cond.notify_all()

    def encode() -> None:
        patches: dict = {}
        waiting: dict = {}
        ended = 0
        for i in range(job.start, job.end):
            while i not in waiting:  # restore workers finish out of order: write in order
                item = st.get(encode_q)
                if item is END:
                    ended += 1
                    continue
                waiting[item[0]] = item
            _, d, o, may, rgba, patch = waiting.pop(i)
            with st.timed("encode"):
                try:
                    copied = may and job.smart.copy(i, d.hole, job.writer, job.pts0)
                    job.write(i, None if copied else o)
                    if rgba is not None:
                        job.fill_writer.write(rgba, job.reader.pts[i] - job.pts0)
                except OSError as exc:
                    raise os_error(exc, job.out) from None
                chunk = chunk_of[i]
                if patch is not None:
                    patches.update(patch)
                if i == chunk[1] - 1:
                    if chunk not in resumed:
                        job.partial.save(chunk, patches)
                    patches = {}
            pos["done"] += 1
            st.events.put("frame")
        st.events.put("end")

    few_arenas()
    with cv_threads(CV_THREADS):
        st.spawn("decode", decode)
        st.spawn("fill", fill)
        for k in range(RESTORE_WORKERS):
            st.spawn(f"restore{k if k else ''}", restore)
        st.spawn("encode", encode)
        # until the first frame is out, the engine's first chunk is what the user waits for
        fill_label = f"fill ({job.engine.name})"
        yield Progress(0, job.total, fill_label)
        yield from run_stages(st, job.total, lambda: pos["done"],
                              lambda: "export" if pos["done"] else fill_label)
    for k, v in secs.items():
        job.secs[k] = job.secs.get(k, 0.0) + v
    return pos["done"], len(resumed)
