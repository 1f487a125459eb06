"""Long jobs (preview, export) in a child process, so that their number crunching never competes
with the UI thread for Python's interpreter lock. The child runs ``target(*args, token)`` (a
module-level generator function; arguments are pickled) and sends each event back through a
queue; a thread here turns them into the same signals as :class:`~app.workers.JobRunner`.
Cancelling sets an event the child forwards to the job's CancelToken."""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import queue
import threading
import time
import traceback
from collections.abc import Callable

from inpaint_core.errors import Cancelled, VanishError

from .workers import JobRunner

#: niceness of worker processes: enough for the UI to win a contested core, small enough that a
#: busy machine does not starve the job
NICE = 3
#: seconds a cancelled child gets to stop by itself before it is terminated
CANCEL_GRACE_S = 3.0


def _child(target: Callable, args: tuple, q, cancel_ev) -> None:  # runs in the child process
    from inpaint_core.jobs import CancelToken

    with contextlib.suppress(AttributeError, OSError):
        os.nice(NICE)  # the editor's own process keeps a little priority
    token = CancelToken()

    def watch() -> None:
        cancel_ev.wait()
        token.cancel()

    threading.Thread(target=watch, daemon=True).start()
    try:
        gen = target(*args, token)
        while True:
            try:
                ev = next(gen)
            except StopIteration as stop:
                q.put(("ok", stop.value))
                break
            q.put(("event", ev))
    except Cancelled:
        q.put(("cancelled", None))
    except BaseException as exc:  # sent back; the editor shows it
        tb = traceback.format_exc()
        try:
            q.put(("error", (exc, tb)))
        except Exception:
            q.put(("error", (VanishError(f"{type(exc).__name__}: {exc}"), tb)))
    finally:
        q.close()
        q.join_thread()


class ProcessJobRunner(JobRunner):
    """A :class:`JobRunner` whose job runs in a spawned child process."""

    def __init__(self, target: Callable, args: tuple, name: str = "job", parent=None) -> None:
        super().__init__(None, name, parent)
        self.target, self.args = target, args
        self.pid: int | None = None

    def _source(self):
        ctx = mp.get_context("spawn")
        q = ctx.Queue(maxsize=32)
        cancel_ev = ctx.Event()
        proc = ctx.Process(target=_child, args=(self.target, self.args, q, cancel_ev), daemon=True,
                           name=f"vanish-{self.name}")
        proc.start()
        self.pid = proc.pid
        cancelled_at = None
        try:
            while True:
                if self.token.cancelled:
                    cancel_ev.set()
                    cancelled_at = cancelled_at or time.monotonic()
                    if time.monotonic() - cancelled_at > CANCEL_GRACE_S:
                        raise Cancelled()  # the child is slow to notice (e.g. still starting)
                try:
                    kind, payload = q.get(timeout=0.2)
                except queue.Empty:
                    if not proc.is_alive() and q.empty():
                        raise VanishError(f"The {self.name} worker stopped unexpectedly "
                                          f"(exit code {proc.exitcode}); try again.") from None
                    continue
                if kind == "event":
                    yield payload
                elif kind == "ok":
                    return payload
                elif kind == "cancelled":
                    raise Cancelled()
                else:
                    exc, tb = payload
                    self.child_traceback = tb
                    raise exc
        finally:
            cancel_ev.set()
            proc.join(CANCEL_GRACE_S)
            if proc.is_alive():
                proc.terminate()  # its outputs are written to temporary names: nothing half-done stays
                proc.join(5)
            if proc.is_alive():
                proc.kill()
