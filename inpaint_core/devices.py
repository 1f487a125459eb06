"""One scheduler for the inference devices (STTN windows, SAM encodes and decodes).

One inference runs at a time per device. Engines take the device's *slot* around each unit of work
(a window of STTN, one SAM encode or prompt): a job holds the slot for one unit, then queues again,
so concurrent jobs interleave unit by unit. Waiters are served by priority, then first come first
served: :data:`SEGMENT` (a click in the editor, short) before :data:`PREVIEW` (the frames the user is
looking at) before :data:`EXPORT`. So a preview started during an export gets the device at the
export's next unit boundary, and both stay in flight.

A device also keeps one model resident at a time: a slot names its ``model`` (a hashable key) with
``load``/``unload`` callbacks; when another model last used the device, its ``unload`` runs first
(for example moving weights back to host memory), then this model's ``load``.

A job that does not pass its priority and cancel token to :meth:`DeviceScheduler.slot` gives them
once for the thread it runs on with :func:`job_context`; the default is :data:`EXPORT` and no token.
This module is free of Qt and of torch (devices are named by strings such as ``"cpu"``, ``"cuda:0"``
or a ``torch.device``).
"""

from __future__ import annotations

import heapq
import itertools
import threading
import weakref
from collections.abc import Callable, Hashable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TypeVar

from .errors import Cancelled
from .jobs import CancelToken

SEGMENT, PREVIEW, EXPORT = 0, 1, 2  # lower is served first
PRIORITY_NAMES = {SEGMENT: "segment", PREVIEW: "preview", EXPORT: "export"}
POLL_S = 0.02  # how often a waiter looks at its cancel token

T = TypeVar("T")


def device_key(device) -> str:
    """The scheduler's name of a device: ``str(device)``, with a bare ``"cuda"`` as ``"cuda:0"``."""
    key = str(device)
    return "cuda:0" if key == "cuda" else key


@dataclass(order=True)
class _Waiter:
    priority: int
    seq: int
    thread: int = field(compare=False)
    granted: bool = field(default=False, compare=False)


@dataclass
class _Resident:
    key: Hashable
    unload: Callable[[], Callable[[], None] | None]  # gives the unload callback (None: its owner is gone)

    @classmethod
    def of(cls, key: Hashable, unload: Callable[[], None] | None) -> _Resident:
        """A bound method is held weakly: the registry never keeps a finished engine (and its
        weights) alive; other callables are held as they are."""
        if unload is None:
            return cls(key, lambda: None)
        if hasattr(unload, "__self__") and hasattr(unload, "__func__"):
            return cls(key, weakref.WeakMethod(unload))
        return cls(key, lambda: unload)


class _Device:
    """The slot of one device: the holder (thread id and depth), the queue of waiters and the
    resident model."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.cond = threading.Condition()
        self.holder: int | None = None
        self.depth = 0
        self.queue: list[_Waiter] = []
        self.resident: _Resident | None = None
        self.served: list[int] = []  # priorities in the order they got the slot (last 256)

    def _grant_next(self) -> None:
        """With the slot free: hand it to the first waiter (called with ``cond`` held)."""
        if self.holder is None and self.queue:
            w = heapq.heappop(self.queue)
            w.granted = True
            self.holder, self.depth = w.thread, 1
            self._note(w.priority)
            self.cond.notify_all()

    def _note(self, priority: int) -> None:
        self.served.append(priority)
        del self.served[:-256]

    def acquire(self, priority: int, cancel: CancelToken | None, seq: int) -> None:
        me = threading.get_ident()
        with self.cond:
            if self.holder == me:  # the same thread again (nested call): already ours
                self.depth += 1
                return
            if self.holder is None and not self.queue:
                self.holder, self.depth = me, 1
                self._note(priority)
                return
            w = _Waiter(int(priority), seq, me)
            heapq.heappush(self.queue, w)
            while not w.granted:
                if cancel is not None and cancel.cancelled:
                    self.queue.remove(w)
                    heapq.heapify(self.queue)
                    raise Cancelled()
                self.cond.wait(POLL_S if cancel is not None else None)

    def release(self) -> None:
        with self.cond:
            self.depth -= 1
            if self.depth > 0:
                return
            self.holder = None
            self._grant_next()


class DeviceScheduler:
    """Per-device priority slots and the one resident model per device (thread-safe)."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._devices: dict[str, _Device] = {}
        self._seq = itertools.count()

    def _device(self, device) -> _Device:
        key = device_key(device)
        with self._guard:
            d = self._devices.get(key)
            if d is None:
                d = self._devices[key] = _Device(key)
            return d

    @contextmanager
    def slot(self, device, priority: int | None = None, model: Hashable | None = None,
             cancel: CancelToken | None = None, load: Callable[[], None] | None = None,
             unload: Callable[[], None] | None = None) -> Iterator[None]:
        """Hold ``device`` for one unit of inference. ``priority`` and ``cancel`` default to the
        thread's :func:`job_context`. Raises :class:`~inpaint_core.errors.Cancelled` when ``cancel``
        fires while waiting (within :data:`POLL_S` seconds). With ``model``, that model is made the
        device's resident one first (see the module)."""
        ctx_priority, ctx_cancel = current_job()
        priority = ctx_priority if priority is None else priority
        cancel = ctx_cancel if cancel is None else cancel
        d = self._device(device)
        d.acquire(priority, cancel, next(self._seq))
        try:
            if model is not None:
                self._make_resident(d, model, load, unload)
            yield
        finally:
            d.release()

    @staticmethod
    def _make_resident(d: _Device, model: Hashable, load, unload) -> None:
        """Called with the slot held: evict another resident model, then load ``model``."""
        if d.resident is not None and d.resident.key == model:
            return
        old, d.resident = d.resident, None
        unload_old = old.unload() if old is not None else None
        if unload_old is not None:
            unload_old()
        if load is not None:
            load()
        d.resident = _Resident.of(model, unload)

    def iterate(self, device, items: Iterable[T], priority: int | None = None, model: Hashable | None = None,
                cancel: CancelToken | None = None, load=None, unload=None) -> Iterator[T]:
        """The items of ``items`` (an iterator that computes on the device, such as a predictor's
        propagation), each computed while holding the slot; the slot is free between items."""
        it = iter(items)
        while True:
            with self.slot(device, priority, model, cancel, load, unload):
                try:
                    item = next(it)
                except StopIteration:
                    return
            yield item

    def resident(self, device) -> Hashable | None:
        """The key of the model resident on ``device`` (None: none)."""
        r = self._device(device).resident
        return None if r is None else r.key

    def forget(self, device, model: Hashable) -> None:
        """``model`` is gone (its owner released it): it is no longer resident; nothing is called."""
        d = self._device(device)
        with d.cond:
            if d.resident is not None and d.resident.key == model:
                d.resident = None

    def waiting(self, device) -> int:
        """How many waiters are queued for ``device``."""
        d = self._device(device)
        with d.cond:
            return len(d.queue)

    def served(self, device) -> list[int]:
        """The priorities of the last slots granted on ``device``, oldest first (diagnostics, tests)."""
        d = self._device(device)
        with d.cond:
            return list(d.served)


_local = threading.local()


def current_job(default: int = EXPORT) -> tuple[int, CancelToken | None]:
    """The (priority, cancel token) given by :func:`job_context` on this thread (without one:
    ``default`` and no token)."""
    return getattr(_local, "job", (default, None))


@contextmanager
def job_context(priority: int, cancel: CancelToken | None = None) -> Iterator[None]:
    """Device work on this thread, until the block ends, is of ``priority`` and waits cancellably on
    ``cancel``. Nests (the previous context comes back at the end)."""
    before = getattr(_local, "job", None)
    _local.job = (int(priority), cancel)
    try:
        yield
    finally:
        if before is None:
            _local.__dict__.pop("job", None)
        else:
            _local.job = before


#: the process's scheduler (engines and segmenters use this one)
scheduler = DeviceScheduler()

__all__ = ["EXPORT", "PREVIEW", "PRIORITY_NAMES", "SEGMENT", "DeviceScheduler", "current_job",
           "device_key", "job_context", "scheduler"]
