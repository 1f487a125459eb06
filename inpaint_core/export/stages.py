"""The pipelined export: decode, fill, restore and encode as stages on threads.

Each stage runs on its own thread; the heavy work in them (PyAV decoding and encoding, OpenCV,
numpy, torch) releases the GIL, so the stages overlap on several cores.

* ``decode`` reads frames ``lo .. hi - 1`` once, builds their :class:`~.frames.FrameData` into the
  store and hands them to the fill stage. It runs at most :attr:`Stages.ahead` frames ahead of the
  restore stage (that bound, not the clip length, sets the memory) and forgets frames the restore
  stage no longer reads.
* ``fill`` pushes each frame into the engine's :class:`~inpaint_core.engines.streaming.FillStream`
  (each frame filled once, state carried over chunk borders) and passes the filled frames on.
* ``restore`` brings each fill to full resolution (:mod:`.pipeline`); frame ``t`` sees exactly the
  frames ``t - reach .. t + reach`` of its shot as references, whatever the timing of the threads,
  so the output does not depend on it.
* ``encode`` writes frames in order (or copies source packets: smart render) and saves each
  finished chunk's patches for ``--resume``.

The first error of any stage stops all of them (every blocking wait polls a stop flag) and is
raised once, on the job's own thread; cancellation is the same path. :func:`run_stages` joins every
thread before it returns or raises. ``seconds``: busy time per stage (summed over frames), the one
timing record the export reports (more keys may be added by a stage), and beside each ``<stage>``
its thread's CPU time as ``<stage>.cpu``. Busy time is wall time: with more stages than cores it
includes the time a stage waited for a core, so only the CPU time compares with a stage run alone.
The CPU time is the stage thread's own: OpenCV's work is in it (the export runs OpenCV on the
calling thread), the codecs' worker threads (PyAV decoding, x264) are not.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from ..errors import VanishError
from ..jobs import Progress

POLL = 0.05  # seconds between checks of the stop flag while a stage waits


class _Stopped(Exception):
    """A stage was told to stop (another stage failed, or the job was cancelled or closed)."""


class Stages:
    """Threads connected by bounded queues, with one stop flag and the first error."""

    def __init__(self, cancel) -> None:
        self.cancel = cancel
        self.stop = threading.Event()
        self.error: BaseException | None = None
        self._lock = threading.Lock()
        self.threads: list[threading.Thread] = []
        self.events: queue.Queue = queue.Queue()
        self.seconds: dict[str, float] = {}
        self.cond = threading.Condition()

    def fail(self, exc: BaseException) -> None:
        with self._lock:
            if self.error is None and not isinstance(exc, _Stopped):
                self.error = exc
        self.stop.set()
        with self.cond:
            self.cond.notify_all()

    def check(self) -> None:
        if self.stop.is_set():
            raise _Stopped()
        if self.cancel.cancelled:
            self.cancel.raise_if_cancelled()

    def put(self, q: queue.Queue, item) -> None:
        while True:
            self.check()
            try:
                q.put(item, timeout=POLL)
                return
            except queue.Full:
                continue

    def get(self, q: queue.Queue):
        while True:
            self.check()
            try:
                return q.get(timeout=POLL)
            except queue.Empty:
                continue

    def wait_for(self, ready: Callable[[], bool]) -> None:
        """Block until ``ready()`` (checked under :attr:`cond`, notified by :meth:`notify`)."""
        with self.cond:
            while not ready():
                self.check()
                self.cond.wait(POLL)

    def notify(self) -> None:
        with self.cond:
            self.cond.notify_all()

    @contextmanager
    def timed(self, stage: str):
        t, c = time.perf_counter(), time.thread_time()
        try:
            yield
        finally:
            sec, cpu = time.perf_counter() - t, time.thread_time() - c
            self.seconds[stage] = self.seconds.get(stage, 0.0) + sec
            self.seconds[f"{stage}.cpu"] = self.seconds.get(f"{stage}.cpu", 0.0) + cpu

    def spawn(self, name: str, fn: Callable[[], None]) -> None:
        def body() -> None:
            try:
                fn()
            except BaseException as exc:  # every failure reaches the job's thread as the one error
                self.fail(exc)

        t = threading.Thread(target=body, name=f"vanish-export-{name}", daemon=True)
        self.threads.append(t)
        t.start()

    def join(self) -> None:
        for t in self.threads:
            t.join()


def run_stages(stages: Stages, total: int, done_of: Callable[[], int], label: Callable[[], str]
               ) -> Iterator[Progress]:
    """Drive started ``stages`` from the job's thread: yield Progress as frames are written; on
    the end, an error, a cancel or the generator being closed, stop and join every thread, then
    raise the first error (if any)."""
    try:
        while True:
            try:
                ev = stages.events.get(timeout=POLL)
            except queue.Empty:
                ev = None
            if stages.error is not None:
                break
            if stages.cancel.cancelled:
                stages.fail(_Stopped())
                stages.cancel.raise_if_cancelled()
            if ev == "end":
                break
            if ev is not None:
                yield Progress(done_of(), total, label())
    finally:
        stages.stop.set()
        stages.notify()
        stages.join()
    if stages.error is not None:
        raise stages.error


def stage_error(stage: str, exc: BaseException, where) -> BaseException:
    """One clear message for a failure inside a stage: VanishErrors (and Cancelled) as they are, an
    OSError of the encoder through ``where`` (the output), anything else as a VanishError naming the
    stage."""
    if isinstance(exc, (VanishError, _Stopped)) or not isinstance(exc, Exception):
        return exc
    if isinstance(exc, OSError) and stage == "encode":
        from .resume import os_error

        return os_error(exc, where)
    if stage == "decode":
        return VanishError(f"Reading the source failed mid-clip: {exc}. The file may be damaged; "
                           "nothing was written.")
    return exc
