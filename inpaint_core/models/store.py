"""The model store: a per-user folder of verified checkpoints.

Location: ``$VANISH_MODELS_DIR`` when set, else ``<platformdirs user data dir>/vanish/models``.
Under tests (``VANISH_TESTING`` set, as ``tests/conftest.py`` does) without ``VANISH_MODELS_DIR``
it is a folder in the temporary directory, never the user's real store.

A model is installed when its file is in the store together with a hidden marker
``.<file>.verified.json`` written after it passed verification; the marker records the file's size
and mtime so that a file replaced or truncated behind our back no longer counts as installed
(without re-hashing gigabytes at every start). Downloads in progress live in ``.<file>.part``.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ModelError
from ..fsutil import normal_permissions
from ..jobs import NEVER_CANCELLED, CancelToken, Progress
from .registry import ModelSpec, get_spec
from .verify import verify_job

_COPY_CHUNK = 4 << 20


def models_dir() -> Path:
    """The store folder (not created here)."""
    env = os.environ.get("VANISH_MODELS_DIR")
    if env:
        return Path(env).expanduser()
    if os.environ.get("VANISH_TESTING"):
        return Path(tempfile.gettempdir()) / f"vanish-test-models-{os.getpid()}"
    from platformdirs import user_data_dir

    return Path(user_data_dir("vanish", appauthor=False)) / "models"


def model_path(name: str) -> Path:
    """Where model ``name``'s file lives once installed (it may not exist)."""
    return models_dir() / get_spec(name).file_name


def marker_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.verified.json")


def part_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.part")


def part_meta_path(path: Path) -> Path:
    """Sidecar of a partial download: URL and validators (ETag, Last-Modified, total size)."""
    return path.with_name(f".{path.name}.part.json")


def _read_marker(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(marker_path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def installed_path(name: str) -> Path | None:
    """Path of model ``name``'s verified file in the store, or None when it is not installed."""
    path = model_path(name)
    marker = _read_marker(path)
    try:
        st = path.stat()
    except OSError:
        return None
    if marker is None or marker.get("size") != st.st_size or marker.get("mtime_ns") != st.st_mtime_ns:
        return None
    return path


def is_installed(name: str) -> bool:
    return installed_path(name) is not None


@dataclass(frozen=True)
class ModelStatus:
    """``state`` is "installed", "partial" (a resumable download), "unverified" (a file without a
    valid marker) or "missing"; ``size`` bytes of what is there."""

    spec: ModelSpec
    state: str
    path: Path
    size: int | None


def status(name: str) -> ModelStatus:
    spec = get_spec(name)
    path = models_dir() / spec.file_name
    if installed_path(name) is not None:
        return ModelStatus(spec, "installed", path, path.stat().st_size)
    if path.exists():
        return ModelStatus(spec, "unverified", path, path.stat().st_size)
    part = part_path(path)
    if part.exists():
        return ModelStatus(spec, "partial", path, part.stat().st_size)
    return ModelStatus(spec, "missing", path, None)


def write_marker(path: Path, info: dict[str, Any], source: str) -> None:
    st = path.stat()
    data = {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": info.get("sha256"),
            "source": source, "verified_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    m = marker_path(path)
    tmp = m.with_name(m.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
    os.replace(tmp, m)


def place(spec: ModelSpec, tmp: Path, info: dict[str, Any], source: str) -> Path:
    """Move a verified temporary file into the store under its final name and mark it verified."""
    dest = tmp.parent / spec.file_name
    marker_path(dest).unlink(missing_ok=True)
    os.replace(tmp, dest)
    write_marker(dest, info, source)
    return dest


def remove(name: str) -> bool:
    """Delete model ``name`` (file, marker, partial download). True if anything was removed."""
    path = model_path(name)
    removed = False
    for p in (path, marker_path(path), part_path(path), part_meta_path(path)):
        if p.exists():
            p.unlink()
            removed = True
    return removed


def _find_in_folder(spec: ModelSpec, folder: Path) -> Path:
    exact = [p for p in folder.rglob(spec.file_name) if p.is_file()]
    if exact:
        return exact[0]
    cands = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in (".pth", ".pt"))
    if len(cands) == 1:
        return cands[0]
    listed = ", ".join(p.name for p in cands[:8]) or "none"
    raise ModelError(f"Cannot tell which file in {folder} is {spec.file_name} (checkpoint files "
                     f"found: {listed}). Give the file itself: vanish models import {spec.name} FILE")


def import_job(name: str, source: str | os.PathLike, cancel: CancelToken = NEVER_CANCELLED
               ) -> Generator[Progress, None, Path]:
    """Copy ``source`` (a checkpoint file, or a folder holding it) into the store, verify it (hash
    and structure) and install it. The source is never modified. On failure nothing is installed,
    the temporary copy is removed and :class:`ModelError` says why. Returns the installed path."""
    spec = get_spec(name)
    src = Path(source).expanduser()
    if src.is_dir():
        src = _find_in_folder(spec, src)
    if not src.is_file():
        raise ModelError(f"{src} does not exist. {spec.import_hint()}")
    store = models_dir()
    try:
        store.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ModelError(f"Cannot create the model folder {store}: {exc.strerror or exc}. "
                         "Set VANISH_MODELS_DIR to a writable folder.") from exc
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{spec.file_name}.", suffix=".import", dir=store)
    except OSError as exc:  # an existing folder that is read-only (or on a read-only disk)
        raise ModelError(f"Cannot write to the model folder {store}: {exc.strerror or exc}. "
                         "Set VANISH_MODELS_DIR to a folder you can write to.") from exc
    tmp = Path(tmp_name)
    normal_permissions(tmp)
    try:
        total = src.stat().st_size
        done = 0
        with src.open("rb") as fin, os.fdopen(fd, "wb") as fout:
            while chunk := fin.read(_COPY_CHUNK):
                cancel.raise_if_cancelled()
                fout.write(chunk)
                done += len(chunk)
                yield Progress(done, total, f"copying {spec.name}")
        try:
            info = yield from verify_job(spec, tmp, cancel)
        except ModelError as exc:  # name the user's file, not the hidden copy that was checked
            why = str(exc).replace(str(tmp), str(src)).replace(tmp.name, src.name)
            raise ModelError(f"{src} was not imported as {name}: {why}") from exc
        return place(spec, tmp, info, f"imported from {src}")
    except OSError as exc:
        raise ModelError(f"Cannot import {src}: {exc.strerror or exc}.") from exc
    finally:
        tmp.unlink(missing_ok=True)
