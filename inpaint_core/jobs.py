"""The one way to run long work.

Every long operation is a generator that yields :class:`Progress` events (and, for engines,
``Filled`` events), checks a :class:`CancelToken` between steps, and returns its result through
``StopIteration.value``. The CLI drives it with :func:`run_job` and a progress bar; the editor drives
it on a worker thread and forwards each event as a signal.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from .errors import Cancelled

T = TypeVar("T")


@dataclass(frozen=True)
class Progress:
    """``done`` of ``total`` units finished in ``stage`` (a short human-readable name)."""

    done: int
    total: int
    stage: str = ""
    message: str = ""

    @property
    def fraction(self) -> float:
        return 0.0 if self.total <= 0 else min(1.0, max(0.0, self.done / self.total))


class CancelToken:
    """Thread-safe cancellation flag shared between a job and whoever started it."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        """Raise :class:`Cancelled` if cancellation was requested."""
        if self._event.is_set():
            raise Cancelled()


NEVER_CANCELLED = CancelToken()


@dataclass
class EtaEstimator:
    """Estimates the remaining seconds of a job from its progress events.

    :meth:`update` returns None ("estimating") until an estimate means something: at least
    ``min_seconds`` since the stage began and at least ``min_fraction`` of it done. The rate is
    measured over the later half of the work done so far (from the event at which half of the
    current fraction was done), so start-up costs (a model load, a first chunk) fade out and, at
    a steady pace, the estimate converges to the real remaining time. A fraction that goes back
    (a new stage counting from 0, or a new total) starts over. :meth:`remaining` counts the last
    estimate down between events. ``clock`` gives seconds (a fake one in tests)."""

    min_seconds: float = 2.0
    min_fraction: float = 0.02
    clock: Callable[[], float] = time.monotonic
    _points: list[tuple[float, float]] = field(default_factory=list)  # (time, fraction) of this stage
    _total: int = -1
    _estimate: tuple[float, float] | None = None  # (time, seconds remaining)

    def update(self, p: Progress, now: float | None = None) -> float | None:
        now = self.clock() if now is None else now
        frac = p.fraction
        pts = self._points
        if not pts or frac < pts[-1][1] or p.total != self._total:
            pts.clear()
            self._total = p.total
        pts.append((now, frac))
        if len(pts) > 512:  # keep the history small: every other point, the first and last kept
            self._points = pts = pts[:-1:2] + [pts[-1]]
        self._estimate = None
        t0, f0 = pts[0]
        if now - t0 < self.min_seconds or frac - f0 < self.min_fraction:
            return None
        half = f0 + (frac - f0) / 2
        tb, fb = next((t, f) for t, f in pts if f >= half)
        if frac - fb <= 0 or now - tb <= 0:
            tb, fb = t0, f0
        left = max(0.0, (1.0 - frac) * (now - tb) / (frac - fb))
        self._estimate = (now, left)
        return left

    def remaining(self, now: float | None = None) -> float | None:
        """The last estimate, less the time since it was made (None while estimating)."""
        if self._estimate is None:
            return None
        now = self.clock() if now is None else now
        t, left = self._estimate
        return max(0.0, left - (now - t))


def run_job(
    job: Generator[Any, None, T] | Iterator[Any],
    on_event: Callable[[Any], None] | None = None,
    cancel: CancelToken | None = None,
) -> T | None:
    """Drive a job generator to the end, passing each yielded event to ``on_event``.

    Returns the generator's return value. Raises :class:`Cancelled` if ``cancel`` fires between
    events (the generator is closed so it can clean up).
    """
    gen = iter(job)
    try:
        while True:
            if cancel is not None and cancel.cancelled:
                raise Cancelled()
            try:
                event = next(gen)
            except StopIteration as stop:
                return stop.value
            if on_event is not None:
                on_event(event)
    finally:
        close = getattr(gen, "close", None)
        if close is not None:
            close()


_thread_cleanups: list[Callable[[], None]] = []


def on_thread_exit(fn: Callable[[], None]) -> Callable[[], None]:
    """Register ``fn`` to free per-thread caches (``threading.local`` state) of a module; called
    by :func:`release_thread_state`. Returns ``fn`` (usable as a decorator)."""
    _thread_cleanups.append(fn)
    return fn


def release_thread_state() -> None:
    """Free this thread's per-thread caches. A worker thread that was not started by Python (a Qt
    ``QThread``) must call this before it ends: CPython 3.11 crashes when such a thread's
    thread-local objects (for example a SciPy sparse factorisation) are freed during the thread's
    own teardown, after its Python state is gone."""
    for fn in _thread_cleanups:
        fn()


@dataclass(frozen=True)
class Availability:
    """Whether a job's worker (an engine, a segmenter) can run here; ``reason`` tells a user what to
    do when it cannot. Defined here, low in the layers, so every package can answer with it."""

    ok: bool
    reason: str = ""
