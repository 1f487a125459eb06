"""Small file-system helpers shared by the writers of masks, projects and models."""

from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path

_lock = threading.Lock()
_umask: int | None = None


def umask() -> int:
    """The process umask (read once, from /proc where possible: ``os.umask`` can only be read by
    setting it, which would race with other threads creating files)."""
    global _umask
    with _lock:
        if _umask is None:
            _umask = _proc_umask()
        if _umask is None:  # not Linux: read it by setting it (briefly), then restore it
            _umask = os.umask(0o022)
            os.umask(_umask)
        return _umask


def _proc_umask() -> int | None:
    with contextlib.suppress(OSError, ValueError):
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    return None


def normal_permissions(path: str | os.PathLike) -> None:
    """Give a file made by ``tempfile.mkstemp`` (0600) or a folder made by ``mkdtemp`` (0700) the
    permissions an ordinary ``open``/``mkdir`` would have given it (0666/0777 minus the umask)."""
    p = Path(path)
    base = 0o777 if p.is_dir() else 0o666
    with contextlib.suppress(OSError):
        os.chmod(p, base & ~umask())
