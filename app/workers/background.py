"""A generator run on a Python thread of its own, its items handed over through a queue (Qt-free).

The preview runs the export's fill stream on one of these while its worker thread makes the quick
fill of the playhead's frame, so the quick fill costs the full preview no time where a core is free.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator

from inpaint_core import devices
from inpaint_core.jobs import Cancelled, CancelToken, release_thread_state


class EitherCancel(CancelToken):
    """A token that is cancelled when it is, or when any of ``others`` is."""

    def __init__(self, *others: CancelToken) -> None:
        super().__init__()
        self._others = others

    @property
    def cancelled(self) -> bool:
        return self._event.is_set() or any(t.cancelled for t in self._others)

    def raise_if_cancelled(self) -> None:
        if self.cancelled:
            raise Cancelled()


class Background:
    """Runs ``make(stop)`` (an iterable) on a daemon thread under ``devices.job_context(priority,
    stop)``; iterate the object to get its items in order, blocking until each arrives. An error
    in the thread is raised by the iteration. ``stop`` (an :class:`EitherCancel` of ``token``) is
    what ``make`` must check; :meth:`close` cancels it and waits for the thread. ``produced``: the
    items put so far (read from any thread)."""

    _END, _ERROR = object(), object()

    def __init__(self, make: Callable[[CancelToken], Iterable], token: CancelToken, priority: int,
                 name: str = "background", stop: EitherCancel | None = None) -> None:
        self.stop = stop or EitherCancel(token)
        self.produced: list = []
        self._q: queue.Queue = queue.Queue()
        self._thread = threading.Thread(target=self._run, args=(make, priority), name=name, daemon=True)
        self._thread.start()

    def _run(self, make, priority: int) -> None:
        try:
            with devices.job_context(priority, self.stop):
                for item in make(self.stop):
                    self.produced.append(item)
                    self._q.put(item)
            self._q.put(self._END)
        except BaseException as exc:  # handed to the consumer, raised there
            self._q.put((self._ERROR, exc))
        finally:
            release_thread_state()

    def __iter__(self) -> Iterator:
        while True:
            item = self._q.get()
            if item is self._END:
                return
            if isinstance(item, tuple) and len(item) == 2 and item[0] is self._ERROR:
                raise item[1]
            yield item

    def close(self, timeout: float | None = None) -> None:
        """Stop the thread (its ``stop`` token is cancelled) and wait for it to end."""
        self.stop.cancel()
        self._thread.join(timeout)
