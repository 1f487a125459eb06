"""Between the editor's mask document and the project file (:mod:`inpaint_core.project`), plus the
autosave location used for crash recovery. Qt-free."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Generator
from pathlib import Path

import numpy as np

from inpaint_core.jobs import Progress
from inpaint_core.masks import MaskStack
from inpaint_core.masks import PaintedLayer as CorePainted
from inpaint_core.masks import ShapeLayer as CoreShape
from inpaint_core.project import SUFFIX, Project

from .maskmodel import MaskDocument, PaintedLayer, ShapeLayer


def doc_to_stack(doc: MaskDocument) -> MaskStack:
    """The document's layers as a core :class:`MaskStack` (painted coverage binarised at 128)."""
    stack = MaskStack(doc.size)
    for lay in doc.layers:
        common = {"name": lay.name, "visible": lay.visible, "dilation": lay.dilation}
        if isinstance(lay, PaintedLayer):
            out = CorePainted(doc.size, **common)
            for i, cov in sorted(lay.frames.items()):
                m = np.where(cov >= 128, 255, 0).astype(np.uint8)
                if m.any():
                    out.set(i, m)
            stack.add(out)
        elif isinstance(lay, ShapeLayer):
            rng = {"start": lay.start, "stop": lay.stop if lay.stop < doc.frame_count else None}
            if lay.kind == "rect":
                (x0, y0), (x1, y1) = np.min(lay.points, axis=0), np.max(lay.points, axis=0)
                if x1 - x0 <= 0 or y1 - y0 <= 0:
                    continue
                stack.add(CoreShape.rectangle(doc.size, x0, y0, x1 - x0, y1 - y0, **rng, **common))
            elif lay.kind in ("polygon", "lasso"):
                stack.add(CoreShape.polygon(doc.size, lay.points, **rng, **common))
            else:
                stack.add(CoreShape.from_bitmap(lay.raster(), **rng, **common))
    return stack


def stack_to_doc(stack: MaskStack, frame_count: int) -> MaskDocument:
    """A core :class:`MaskStack` as an editable document (painted frames decoded to bitmaps)."""
    doc = MaskDocument(stack.size, frame_count)
    for lay in stack:
        common = {"name": lay.name, "visible": lay.visible, "dilation": lay.dilation}
        if isinstance(lay, CorePainted):
            doc.layers.append(PaintedLayer(frames={i: lay.mask(i) for i in lay.frames}, **common))
        elif isinstance(lay, CoreShape):
            stop = frame_count if lay.stop is None else min(lay.stop, frame_count)
            if lay.shape == "rect":
                x, y, w, h = lay.rect
                doc.layers.append(ShapeLayer(kind="rect", points=[(x, y), (x + w, y + h)], start=lay.start,
                                             stop=stop, size=stack.size, **common))
            elif lay.shape == "polygon":
                doc.layers.append(ShapeLayer(kind="polygon", points=list(lay.points), start=lay.start,
                                             stop=stop, size=stack.size, **common))
            else:
                doc.layers.append(ShapeLayer(kind="bitmap", bitmap=np.array(lay.bitmap), start=lay.start,
                                             stop=stop, size=stack.size, **common))
    return doc


def is_project(path: str | os.PathLike) -> bool:
    p = Path(path)
    if p.name == "project.json":
        return True
    return p.is_dir() and ((p / "project.json").is_file() or p.name.endswith(SUFFIX))


def project_folder(path: str | os.PathLike) -> Path:
    p = Path(path)
    return p.parent if p.name == "project.json" else p


def save_job(project: Project, doc: MaskDocument, engine: str, token=None) -> Generator[Progress, None, Path]:
    """Job: store ``doc`` (a snapshot) into ``project`` and save it atomically."""
    yield Progress(0, 1, "Saving project")
    project.layers = doc_to_stack(doc)
    project.settings.engine = engine
    project.save()
    yield Progress(1, 1, "Saving project")
    return project.folder


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


def autosave_folder(video: Path) -> Path:
    key = hashlib.sha1(str(Path(video).absolute()).encode()).hexdigest()[:12]
    return autosave_root() / f"{Path(video).stem}-{key}{SUFFIX}"


def write_autosave(video: Path, size, frame_count: int, doc: MaskDocument, project_path: Path | None,
                   engine: str) -> Path:
    """Save ``doc`` as a recovery project beside a note naming the user's own project (if any)."""
    folder = autosave_folder(video)
    if (folder / "project.json").is_file():
        proj = Project.load(folder, verify_video=False)
        proj.video_path = Path(video).absolute()
    else:
        folder.parent.mkdir(parents=True, exist_ok=True)
        proj = Project.create(folder, video, width=size[0], height=size[1], frame_count=frame_count,
                              save=False)
    proj.layers = doc_to_stack(doc)
    proj.settings.engine = engine
    proj.save()
    note = {"video": str(Path(video).absolute()), "project": str(project_path) if project_path else None}
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
                    out.append((folder, json.loads(note.read_text(encoding="utf-8"))))
                except (OSError, ValueError):
                    continue
    return out


def discard_autosave(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
