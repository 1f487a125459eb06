"""Saving and loading the editor's document as a project (:mod:`inpaint_core.project`) on worker
threads, and the autosave used for crash recovery. Qt-free. The document is the core's
:class:`~inpaint_core.masks.document.MaskDocument`: layers (with their ids) go to the file as they
are, with no conversion."""

from __future__ import annotations

import copy
import hashlib
import json
import os
import shutil
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path

from inpaint_core.jobs import Progress
from inpaint_core.masks.document import MaskDocument
from inpaint_core.project import SUFFIX, Project, ProjectSettings
from inpaint_core.settings import ExportSettings


def is_project(path: str | os.PathLike) -> bool:
    p = Path(path)
    if p.name == "project.json":
        return True
    return p.is_dir() and ((p / "project.json").is_file() or p.name.endswith(SUFFIX))


def project_folder(path: str | os.PathLike) -> Path:
    p = Path(path)
    return p.parent if p.name == "project.json" else p


@dataclass(frozen=True)
class SaveTarget:
    """Where and what to save, as plain values taken on the UI thread: the worker builds its own
    :class:`Project` from them, so a save never touches the window's objects."""

    folder: Path
    video_path: Path
    size: tuple[int, int]
    frame_count: int
    fingerprint: dict
    settings: ProjectSettings

    @classmethod
    def of(cls, project: Project, doc_settings: ExportSettings | None = None) -> SaveTarget:
        """From ``project`` with ``doc_settings`` (the document's output settings) stored in it."""
        settings = copy_settings(project.settings)
        if doc_settings is not None:
            doc_settings.store_in(settings)
        return cls(project.folder, project.video_path, project.size, project.frame_count,
                   copy.deepcopy(project.video_fingerprint), settings)


def copy_settings(settings: ProjectSettings) -> ProjectSettings:
    return copy.deepcopy(settings)


def save_job(target: SaveTarget, doc: MaskDocument, token=None) -> Generator[Progress, None, Project]:
    """Job: write ``doc`` (a snapshot) as the project ``target`` atomically; returns the new
    :class:`Project` (the window adopts it on success)."""
    yield Progress(0, 1, "Saving project")
    proj = Project(target.folder, target.video_path, target.size, target.frame_count, target.fingerprint,
                   layers=doc.to_stack(), settings=copy_settings(target.settings))
    proj.save()
    yield Progress(1, 1, "Saving project")
    return proj


def load_job(folder: str | os.PathLike, token=None) -> Generator[Progress, None, Project]:
    """Job: load and validate a project (ProjectError explains any problem)."""
    yield Progress(0, 1, "Opening project")
    proj = Project.load(project_folder(folder))
    yield Progress(1, 1, "Opening project")
    return proj


# -- autosave / recovery ---------------------------------------------------------------------------
def autosave_root() -> Path:
    """Where autosaves live (``VANISH_AUTOSAVE_DIR`` overrides; tests use it)."""
    env = os.environ.get("VANISH_AUTOSAVE_DIR")
    if env:
        return Path(env)
    from platformdirs import user_data_dir

    return Path(user_data_dir("vanish", appauthor=False)) / "autosave"


def in_autosave_area(folder: str | os.PathLike) -> bool:
    """Whether ``folder`` lies inside the autosave folder (never a place for the user's project)."""
    root = Path(os.path.abspath(autosave_root()))
    p = Path(os.path.abspath(folder))
    return p == root or root in p.parents


def _alive_elsewhere(pid) -> bool:
    """Whether ``pid`` is another process that is still running (its autosave is not a crash)."""
    if not isinstance(pid, int) or pid == os.getpid() or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def autosave_folder(video: Path) -> Path:
    key = hashlib.sha1(str(Path(video).absolute()).encode()).hexdigest()[:12]
    return autosave_root() / f"{Path(video).stem}-{key}{SUFFIX}"


def write_autosave(video: Path, size, frame_count: int, doc: MaskDocument, project_path: Path | None,
                   settings: ExportSettings | str) -> Path:
    """Save ``doc`` as a recovery project beside a note naming the user's own project (if any)."""
    folder = autosave_folder(video)
    if (folder / "project.json").is_file():
        proj = Project.load(folder, verify_video=False)
        proj.video_path = Path(video).absolute()
    else:
        folder.parent.mkdir(parents=True, exist_ok=True)
        proj = Project.create(folder, video, width=size[0], height=size[1], frame_count=frame_count,
                              save=False)
    proj.layers = doc.to_stack()
    if isinstance(settings, str):
        proj.settings.engine = settings
    else:
        settings.store_in(proj.settings)
    proj.save()
    note = {"video": str(Path(video).absolute()), "project": str(project_path) if project_path else None,
            "pid": os.getpid()}
    (folder / "recovery.json").write_text(json.dumps(note), encoding="utf-8")
    return folder


def pending_recoveries() -> list[tuple[Path, dict]]:
    """Autosaves left by a session that did not close cleanly: (folder, note)."""
    root = autosave_root()
    out = []
    if root.is_dir():
        for folder in sorted(root.glob(f"*{SUFFIX}")):
            note = folder / "recovery.json"
            if note.is_file() and (folder / "project.json").is_file():
                try:
                    data = json.loads(note.read_text(encoding="utf-8"))
                except (OSError, ValueError):
                    continue
                if isinstance(data, dict) and not _alive_elsewhere(data.get("pid")):
                    out.append((folder, data))
    return out


def discard_autosave(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
