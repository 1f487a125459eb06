"""Small file-system helpers shared by the writers of masks, projects and models."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
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


def place(tmp: str | os.PathLike, target: str | os.PathLike) -> None:
    """Move the finished ``tmp`` (a file or a folder beside ``target``) onto ``target``. An
    existing target folder is moved aside first and deleted only once ``tmp`` is in place, so the
    target is never half-written."""
    tmp, target = Path(tmp), Path(target)
    if tmp.is_dir() and target.is_dir():
        old = target.parent / f".{target.name}.{uuid.uuid4().hex[:8]}.old"
        os.replace(target, old)
        os.replace(tmp, target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, target)


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


# -- output safety: never write over an input, one writer per target ---------------------------


def _same(a: Path, b: Path) -> bool:
    """Whether ``a`` and ``b`` are one file or folder (through symlinks and hard links)."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _resolved(p: Path) -> Path:
    return Path(os.path.realpath(p))


def _contains(folder: Path, p: Path) -> bool:
    """Whether ``p`` (resolved) lies inside the folder ``folder`` (resolved), or is it."""
    f, q = _resolved(folder), _resolved(p)
    return q == f or f in q.parents


_FOLDER_READ_SUFFIXES = ("", ".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")


def check_not_input(target: str | os.PathLike, inputs, what: str = "output") -> None:
    """Raise :class:`OutputError` when writing ``target`` could destroy one of ``inputs``.

    ``inputs`` holds paths (None entries are skipped) of files or folders that are read. The target
    may not be an input (compared by device and inode, so another relative path, a symlink or a hard
    link to the input counts), lie inside an input folder (a project's own files, a mask folder), or
    be a folder that holds an input (a PNG-sequence or mask folder target is replaced whole).
    """
    t = Path(target)
    for src in inputs:
        if src is None or not isinstance(src, (str, os.PathLike)):
            continue
        s = Path(src)
        if not s.exists():
            continue
        clash = (t.exists() and _same(t, s)) or _resolved(t) == _resolved(s)
        if not clash and s.is_dir() and _contains(s, t):
            # a project's own files, or a folder (or image) a mask folder reader would pick up
            clash = (s / "project.json").is_file() or t.suffix.lower() in _FOLDER_READ_SUFFIXES
        if not clash and (t.is_dir() or not t.exists()):
            clash = _contains(t, s)
        if clash:
            raise OutputError(
                f"The {what} {t} would overwrite the input {s} (the same file or folder, or one inside "
                "the other). Nothing was written; choose an output path outside the inputs.")


try:  # POSIX advisory locks; elsewhere exports are not locked
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


def lock_path(target: str | os.PathLike) -> Path:
    """The lock file of an output target: ``.<name>.lock`` beside it."""
    t = Path(target)
    return t.parent / f".{t.name}.lock"


@contextlib.contextmanager
def target_lock(target: str | os.PathLike, what: str = "export"):
    """Hold the per-target lock while writing ``target``; a second writer of the same target (in
    this or another process) gets :class:`OutputError` at once instead of colliding. The lock file
    is removed on release (a killed process's lock is released by the system and the next writer
    takes over and removes the file)."""
    if fcntl is None:  # pragma: no cover
        yield
        return
    path = lock_path(target)
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as exc:
            raise OutputError(f"Cannot write beside {target}: {exc.strerror or exc}. "
                              "Choose a folder you can write to.") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise OutputError(f"Another {what} is writing {target} right now. Wait for it to finish, "
                              "or choose another output name.") from None
        try:  # the file may have been removed by the writer before us between open and lock
            same = os.stat(path).st_ino == os.fstat(fd).st_ino
        except OSError:
            same = False
        if same:
            break
        os.close(fd)
    with contextlib.suppress(OSError):  # the pid is a courtesy for a person reading the lock
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)
        os.close(fd)
