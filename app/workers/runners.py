"""Background work: generator jobs on a QThread, and a frame decoder where the newest request wins.

The UI thread never waits on these: results come back as queued signals.
"""

from __future__ import annotations

import contextlib
import os
import threading
import traceback
from collections.abc import Callable, Generator
from typing import Any

from PySide6.QtCore import QThread, Signal

from inpaint_core.engines.base import Filled
from inpaint_core.errors import Cancelled
from inpaint_core.jobs import CancelToken, Progress, release_thread_state, run_job


def lower_priority(nice: int) -> None:
    """Raise this thread's nice value (Linux: per-thread) so the UI thread wins the CPU."""
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), nice)


class JobRunner(QThread):
    """Runs ``make_job(token)`` (a generator of Progress/Filled events) on its own thread.

    Signals: ``progress(Progress)``, ``filled(Filled)``, ``event(object)`` for anything else,
    ``succeeded(result)``, ``failed(exc, traceback_text)``, ``cancelledJob()``, and ``ended()``
    after any of the last three. Progress events are throttled to about 20 per second.
    """

    progress = Signal(object)
    filled = Signal(object)
    event = Signal(object)
    succeeded = Signal(object)
    failed = Signal(object, str)
    cancelledJob = Signal()
    ended = Signal()

    def __init__(self, make_job: Callable[[CancelToken], Generator[Any, None, Any]], name: str = "job",
                 parent=None) -> None:
        super().__init__(parent)
        self.make_job = make_job
        self.token = CancelToken()
        self.name = name
        self.outcome: str | None = None  # "ok" | "failed" | "cancelled"
        self.setObjectName(name)
        #: True once ``ended`` has been delivered on the UI thread, after every slot connected to it
        #: before :meth:`start` (connected there, so it runs last)
        self.delivered = False
        # delete only once the thread has really stopped (``ended`` fires just before that)
        self.finished.connect(self.deleteLater)

    def _mark_delivered(self) -> None:
        self.delivered = True

    def start(self, *args) -> None:
        self.ended.connect(self._mark_delivered)
        super().start(*args)

    def cancel(self) -> None:
        self.token.cancel()

    def run(self) -> None:  # worker thread
        import time

        lower_priority(3)
        last = [0.0]

        def deliver(ev) -> None:  # each event as a signal; Progress throttled
            if isinstance(ev, Filled):
                self.filled.emit(ev)
            elif isinstance(ev, Progress):
                now = time.monotonic()
                if now - last[0] > 0.05 or ev.done >= ev.total:
                    last[0] = now
                    self.progress.emit(ev)
            else:
                self.event.emit(ev)

        try:
            # the one job driver (inpaint_core.jobs.run_job): cancel checked between events, the
            # generator closed at the end whatever happens
            result = run_job(self.make_job(self.token), deliver, self.token)
            if self.token.cancelled:
                raise Cancelled()
            self.outcome = "ok"
            self.succeeded.emit(result)
        except Cancelled:
            self.outcome = "cancelled"
            self.cancelledJob.emit()
        except Exception as exc:  # delivered to the UI as a dialog, never a crash
            self.outcome = "failed"
            self.failed.emit(exc, traceback.format_exc())
        finally:
            release_thread_state()  # before Qt tears the thread down (see that function)
            self.ended.emit()


class _KeyWorker(QThread):
    """A thread that waits for keys and emits ``ready(key, fn(key))``; subclasses decide which key
    is served next (``_has_work``/``_take``, called under ``_cond``) and how a failure is reported."""

    ready = Signal(object, object)

    def __init__(self, fn: Callable[[Any], Any], parent, nice: int) -> None:
        super().__init__(parent)
        self.fn = fn
        self.nice = nice
        self._cond = threading.Condition()
        self._stop = False

    def _has_work(self) -> bool:
        raise AssertionError("subclass must override")

    def _take(self) -> Any:
        raise AssertionError("subclass must override")

    def _failed(self, key: Any, exc: Exception) -> None:
        """A failed key is skipped; subclasses may report it."""

    def run(self) -> None:
        lower_priority(self.nice)
        try:
            while True:
                with self._cond:
                    while not self._has_work() and not self._stop:
                        self._cond.wait()
                    if self._stop:
                        return
                    key = self._take()
                try:
                    value = self.fn(key)
                except Exception as exc:
                    self._failed(key, exc)
                    continue
                self.ready.emit(key, value)
        finally:
            release_thread_state()  # before Qt tears the thread down (see that function)


class LatestRequestWorker(_KeyWorker):
    """Serves ``fn(key)`` for the newest requested key only; stale requests are dropped.

    ``request(key)`` replaces any pending key. Results arrive as ``ready(key, value)``; errors as
    ``error(key, exc)``. ``fn`` runs on this thread, so it must not be shared with other threads
    without its own lock.
    """

    error = Signal(object, object)

    def __init__(self, fn: Callable[[Any], Any], parent=None, nice: int = 2) -> None:
        super().__init__(fn, parent, nice)
        self._pending: Any = None
        self._has = False

    def _has_work(self) -> bool:
        return self._has

    def _take(self) -> Any:
        self._has = False
        return self._pending

    def _failed(self, key: Any, exc: Exception) -> None:
        self.error.emit(key, exc)

    def request(self, key: Any) -> None:
        with self._cond:
            self._pending, self._has = key, True
            self._cond.notify()
        if not self.isRunning():
            self.start()

    def stop(self) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify()
        self.wait(5000)

class QueueWorker(_KeyWorker):
    """Serves a LIFO queue of keys (newest first, duplicates ignored): used for thumbnails."""

    def __init__(self, fn: Callable[[Any], Any], parent=None, nice: int = 8) -> None:
        super().__init__(fn, parent, nice)
        self._queue: list[Any] = []

    def _has_work(self) -> bool:
        return bool(self._queue)

    def _take(self) -> Any:
        return self._queue.pop()

    def request(self, key: Any) -> None:
        with self._cond:
            if key in self._queue:
                return
            self._queue.append(key)
            self._cond.notify()
        if not self.isRunning():
            self.start()

    def clear(self) -> None:
        with self._cond:
            self._queue.clear()

    def stop(self) -> None:
        with self._cond:
            self._stop = True
            self._queue.clear()
            self._cond.notify()
        self.wait(5000)
