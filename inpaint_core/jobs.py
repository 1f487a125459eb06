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
    """Estimates the remaining seconds of a job from its progress events (moving average rate)."""

    started: float = field(default_factory=time.monotonic)
    _last: tuple[float, float] | None = None
    _rate: float | None = None

    def update(self, p: Progress) -> float | None:
        now = time.monotonic()
        frac = p.fraction
        if self._last is not None:
            dt, df = now - self._last[0], frac - self._last[1]
            if dt > 0 and df > 0:
                rate = df / dt
                self._rate = rate if self._rate is None else 0.7 * self._rate + 0.3 * rate
        elif frac > 0:
            self._rate = frac / max(1e-6, now - self.started)
        self._last = (now, frac)
        if not self._rate:
            return None
        return max(0.0, (1.0 - frac) / self._rate)


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
