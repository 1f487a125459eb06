"""What the command line sets up around one command: SIGTERM handled like SIGINT (the job unwinds
through its cleanup, so no temporary file is left), and notices printed as ``note: ...``."""

from __future__ import annotations

import contextlib
import logging
import signal
import sys
import threading


class Terminated(KeyboardInterrupt):
    """Raised in the main thread by SIGTERM, so it unwinds (and cleans up) like Ctrl-C."""


def _on_sigterm(signum, frame) -> None:
    raise Terminated()


class _NoteHandler(logging.Handler):
    """Prints notices as ``note: ...`` on the current ``sys.stderr``."""

    def emit(self, record: logging.LogRecord) -> None:
        print(f"note: {record.getMessage()}", file=sys.stderr)


@contextlib.contextmanager
def cli_context():
    """SIGTERM handled like SIGINT and notices printed, for the duration of one command."""
    from ..notices import LOGGER

    handler = _NoteHandler()
    LOGGER.addHandler(handler)
    LOGGER.propagate = False
    old = None
    if threading.current_thread() is threading.main_thread():
        old = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        yield
    finally:
        if old is not None:
            signal.signal(signal.SIGTERM, old)
        LOGGER.removeHandler(handler)
        LOGGER.propagate = True
