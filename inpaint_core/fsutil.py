"""Small file-system helpers shared by the writers of masks, projects and models."""

from __future__ import annotations

import contextlib
import errno
import os
import threading
import uuid
from pathlib import Path

from .errors import OutputError

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


def is_disk_full(exc: BaseException) -> bool:
    """Whether ``exc`` is an OSError for a full disk or an exhausted quota."""
    return getattr(exc, "errno", None) in (errno.ENOSPC, errno.EDQUOT)


def check_output_folder(folder: str | os.PathLike) -> None:
    """Raise :class:`OutputError` with what to do when no file can be created in ``folder``
    (missing, not a folder, not writable, full): checked before a long job starts writing."""
    folder = Path(folder)
    if not folder.exists():
        raise OutputError(f"The output folder {folder} does not exist. Create it or choose another output path.")
    if not folder.is_dir():
        raise OutputError(f"{folder} is not a folder. Choose a folder for the output.")
    why = "permission denied"
    if os.access(folder, os.W_OK | os.X_OK):
        probe = folder / f".vanish-write-test-{uuid.uuid4().hex[:8]}"
        try:
            probe.open("xb").close()
            probe.unlink()
            return
        except OSError as exc:
            if is_disk_full(exc):
                raise OutputError(f"The disk holding {folder} is full. Free some space and try again.") from None
            why = exc.strerror or str(exc)
    raise OutputError(f"Cannot write to {folder}: the folder is not writable ({why}). "
                      "Choose a folder you can write to.")
