"""The project document: a folder ``<name>.vanish/`` holding ``project.json`` and ``masks/``.

``project.json`` (``"version": 1``) records the source video (path relative to the project folder
when possible, plus the absolute path, its size in pixels, frame count and a cheap fingerprint), the
mask layers (see :mod:`inpaint_core.masks.store`) and the settings (engine, grow, feather, export).

Saving is atomic: mask PNGs are written first under content-derived names, then ``project.json`` is
written to a temporary file and renamed over the old one (the previous version is kept as
``project.json.bak``); unreferenced PNGs are removed last. Loading validates everything and raises
:class:`ProjectError` listing what is wrong (missing or changed video, corrupt JSON, unknown
version, missing mask files, mask size mismatch).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from . import __version__
from .errors import MaskError, ProjectError
from .fsutil import normal_permissions
from .masks.io import DEFAULT_THRESHOLD, MaskSource, StackMaskSource, open_masks
from .masks.layers import MaskSettings, MaskStack, PaintedLayer, ShapeLayer
from .masks.store import (
    layer_from_json,
    layer_to_json,
    refinement_from_json,
    refinement_to_json,
    remove_unreferenced,
)
from .settings import DEFAULT_FEATHER

VERSION = 1
FORMAT = "vanish-project"
SUFFIX = ".vanish"
DOC = "project.json"
_CHUNK = 1 << 20


def fingerprint(path: str | os.PathLike) -> dict[str, Any]:
    """Cheap identity of a video file: byte size, mtime, and sha256 of its first and last MiB.

    Only ``size`` and ``sha256`` are compared (:func:`same_file`); ``mtime`` changes when a file is
    copied and is informative only.
    """
    p = Path(path)
    st = p.stat()
    h = hashlib.sha256(str(st.st_size).encode())
    with p.open("rb") as fh:
        h.update(fh.read(_CHUNK))
        if st.st_size > _CHUNK:
            fh.seek(max(_CHUNK, st.st_size - _CHUNK))
            h.update(fh.read(_CHUNK))
    return {"size": st.st_size, "mtime": st.st_mtime, "sha256": h.hexdigest()}


def same_file(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return a.get("size") == b.get("size") and a.get("sha256") == b.get("sha256")


def video_geometry(video: Path) -> tuple[int, int, int]:
    """(width, height, frame_count) of ``video`` via :func:`inpaint_core.video.probe`."""
    from . import video as video_mod

    info = video_mod.probe(video)
    return int(info.width), int(info.height), int(info.frame_count)


@dataclass
class ProjectSettings:
    """Per-project settings. ``engine``: name of the fill engine; ``grow``: mask dilation in source
    pixels (None = the engine's default); ``feather``: soft-edge radius of the final composite in
    pixels; ``engine_options`` and ``export``: JSON objects owned by the engine and export code."""

    engine: str = "propagate"
    grow: int | None = None
    feather: float = DEFAULT_FEATHER
    engine_options: dict[str, Any] = field(default_factory=dict)
    export: dict[str, Any] = field(default_factory=dict)

    @property
    def masks(self) -> MaskSettings:
        return MaskSettings(grow=self.grow, feather=self.feather)

    @classmethod
    def from_json(cls, d: Any) -> ProjectSettings:
        if not isinstance(d, dict):
            raise ValueError("'settings' is not an object")
        s = cls()
        if not isinstance(d.get("engine", s.engine), str):
            raise ValueError("settings.engine must be a name")
        grow = d.get("grow")
        if grow is not None and (not isinstance(grow, int) or isinstance(grow, bool) or grow < 0):
            raise ValueError("settings.grow must be a number of pixels >= 0 or null")
        feather = d.get("feather", s.feather)
        if (not isinstance(feather, (int, float)) or isinstance(feather, bool) or not math.isfinite(feather)
                or feather < 0):
            raise ValueError(f"settings.feather must be a finite number of pixels >= 0, not {feather!r}")
        for key in ("engine_options", "export"):
            if not isinstance(d.get(key, {}), dict):
                raise ValueError(f"settings.{key} must be an object")
        return cls(engine=d.get("engine", s.engine), grow=grow, feather=float(feather),
                   engine_options=dict(d.get("engine_options", {})), export=dict(d.get("export", {})))

    def problems(self) -> list[str]:
        """What export would refuse in these settings (an engine this Vanish does not have), as
        sentences; checked by ``project check`` and by loading, so both agree with export."""
        from .settings import ENGINE_NAMES

        if self.engine not in ENGINE_NAMES:
            return [f"settings.engine {self.engine!r} is not an engine of this Vanish (known: "
                    f"{', '.join(ENGINE_NAMES)}). Choose one of them in project.json or the editor."]
        return []


def check_settings(**values: Any) -> None:
    """Raise :class:`~inpaint_core.errors.VanishError` when ``values`` (``engine``, ``grow``,
    ``feather``; None = not given) break the rules of :class:`ProjectSettings`: the command line's
    options are held to the same schema as a project's settings."""
    from .errors import VanishError

    given = {k: v for k, v in values.items() if v is not None}
    try:
        parsed = ProjectSettings.from_json(given)
        bad = parsed.problems() if "engine" in given else []
    except ValueError as exc:
        bad = [str(exc)]
    if bad:
        raise VanishError(" ".join(b.replace("settings.", "--", 1) for b in bad))


def _leftover(p: Path) -> bool:
    """Whether ``p`` inside a folder without project.json is left from an unfinished save (so the
    folder may still become a project) rather than someone else's file."""
    return p.name.startswith(".") or p.name in ("masks", DOC + ".bak", "recovery.json")


def _write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        normal_permissions(tmp)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _copy_atomic(src: Path, dst: Path) -> None:
    tmp = dst.with_name(f".{dst.name}.{os.getpid()}.tmp")
    try:
        shutil.copyfile(src, tmp)
        os.replace(tmp, dst)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


class Project:
    """An open project. ``folder`` is the ``.vanish`` folder; ``layers`` a :class:`MaskStack` at
    the video size; ``settings`` a :class:`ProjectSettings`; ``size`` = (w, h) and
    ``frame_count`` of the video; ``video_problem`` says what is wrong with the video when it was
    loaded with ``verify_video=False`` (None when it is fine)."""

    def __init__(self, folder: Path, video_path: Path, size: tuple[int, int], frame_count: int,
                 video_fingerprint: dict[str, Any], layers: MaskStack | None = None,
                 settings: ProjectSettings | None = None) -> None:
        self.folder = Path(folder)
        self.video_path = Path(video_path)
        self.size = (int(size[0]), int(size[1]))
        self.frame_count = int(frame_count)
        self.video_fingerprint = dict(video_fingerprint)
        self.layers = layers if layers is not None else MaskStack(self.size)
        self.settings = settings or ProjectSettings()
        self.video_problem: str | None = None

    @property
    def name(self) -> str:
        n = self.folder.name
        return n[: -len(SUFFIX)] if n.endswith(SUFFIX) else n

    # -- creation -------------------------------------------------------------------------------

    @classmethod
    def create(cls, folder: str | os.PathLike, video: str | os.PathLike, *,
               masks: str | os.PathLike | None = None, threshold: int = DEFAULT_THRESHOLD,
               width: int | None = None, height: int | None = None,
               frame_count: int | None = None, save: bool = True) -> Project:
        """New project for ``video`` in ``folder`` (``.vanish`` is appended when missing).

        The video's size and frame count come from ``width``/``height``/``frame_count`` when all are
        given, otherwise from probing it. ``masks`` (folder of per-frame images, folder with one
        image, or one image) becomes the first layer: a painted layer, or a bitmap shape for a
        stationary mask. Refuses to overwrite an existing project.
        """
        folder = Path(folder)
        if not folder.name.endswith(SUFFIX):
            folder = folder.with_name(folder.name + SUFFIX)
        if (folder / DOC).exists() or (folder.exists() and not folder.is_dir()):
            raise ProjectError(f"{folder} already exists; choose another project name or delete it.")
        if folder.is_dir() and any(not _leftover(p) for p in folder.iterdir()):
            raise ProjectError(f"{folder} is a folder with other files in it; choose a new project name.")
        video = Path(video).absolute()
        if not video.is_file():
            raise ProjectError(f"Video not found: {video}.")
        if width is None or height is None or frame_count is None:
            width, height, frame_count = video_geometry(video)
        proj = cls(folder, video, (width, height), frame_count, fingerprint(video))
        if masks is not None:
            src = open_masks(masks, frame_count, proj.size, threshold)
            if src.stationary:
                proj.layers.add(ShapeLayer.from_bitmap(src.mask(0), name=Path(masks).stem))
            else:
                layer = PaintedLayer(proj.size, name=Path(masks).name)
                for i in range(frame_count):
                    layer.set(i, src.mask(i))
                proj.layers.add(layer)
        if save:
            proj.save()
        return proj

    # -- saving ---------------------------------------------------------------------------------

    def to_json(self, masks_dir: Path) -> dict[str, Any]:
        """The document as a JSON-able dict; writes layer bitmaps into ``masks_dir``."""
        try:
            rel = os.path.relpath(self.video_path, self.folder)
        except ValueError:  # another drive on Windows
            rel = None
        layers = [layer_to_json(layer, masks_dir) for layer in self.layers]
        refinement_to_json(list(self.layers), layers)
        return {
            "format": FORMAT,
            "version": VERSION,
            "written_by": f"vanish {__version__}",
            "video": {
                "path": Path(rel).as_posix() if rel else str(self.video_path),
                "absolute": str(self.video_path),
                "width": self.size[0], "height": self.size[1], "frame_count": self.frame_count,
                "fingerprint": self.video_fingerprint,
            },
            "layers": layers,
            "settings": asdict(self.settings),
        }

    def save(self) -> None:
        """Write the project atomically (see the module docstring)."""
        masks_dir = self.folder / "masks"
        try:
            masks_dir.mkdir(parents=True, exist_ok=True)
            doc = self.to_json(masks_dir)
            text = json.dumps(doc, indent=1, sort_keys=False) + "\n"
            target = self.folder / DOC
            if target.exists():
                _copy_atomic(target, self.folder / (DOC + ".bak"))
            _write_atomic(target, text)
        except OSError as exc:
            raise ProjectError(f"Cannot save the project in {self.folder}: {exc.strerror or exc}. "
                               "Nothing was lost; free some space or choose another folder.") from exc
        keep = set()
        for layer in doc["layers"]:
            keep.update(Path(r).name for r in layer.get("frames", {}).values())
            if "file" in layer:
                keep.add(Path(layer["file"]).name)
        remove_unreferenced(masks_dir, keep)
        # decoded-on-demand painted frames now point at this folder's files
        for layer, d in zip(self.layers, doc["layers"]):
            if isinstance(layer, PaintedLayer):
                for key, rel in d["frames"].items():
                    if layer.source_file(int(key)) is not None:
                        layer.set_file(int(key), self.folder / rel)

    # -- loading --------------------------------------------------------------------------------

    def relink(self, video: str | os.PathLike, *, check_size: bool = True) -> None:
        """Point the project at ``video`` (moved or re-exported source). The new file must have the
        project's size and frame count (probed) unless ``check_size`` is False. Call :meth:`save`."""
        video = Path(video).absolute()
        if not video.is_file():
            raise ProjectError(f"Video not found: {video}.")
        if check_size:
            w, h, n = video_geometry(video)
            if (w, h) != self.size or n != self.frame_count:
                raise ProjectError(
                    f"{video} is {w}x{h} with {n} frames but the project's video was "
                    f"{self.size[0]}x{self.size[1]} with {self.frame_count} frames; its masks "
                    "would not line up. Choose the original video.")
        self.video_path = video
        self.video_fingerprint = fingerprint(video)
        self.video_problem = None

    @classmethod
    def load(cls, folder: str | os.PathLike, *, verify_video: bool = True) -> Project:
        """Open the project in ``folder``. Raises :class:`ProjectError` naming every problem.

        With ``verify_video=False`` a missing or changed video does not raise: it is described in
        ``video_problem`` (the editor then offers to relink) while the masks stay usable.
        """
        proj, problems, video_problem = _read(Path(folder))
        if problems or (verify_video and video_problem):
            all_problems = problems + ([video_problem] if video_problem else [])
            raise ProjectError(_explain(Path(folder), all_problems))
        proj.video_problem = video_problem
        return proj


def open_mask_input(path: str | os.PathLike, frame_count: int, size: tuple[int, int],
                    threshold: int = DEFAULT_THRESHOLD) -> MaskSource | StackMaskSource:
    """:func:`inpaint_core.masks.open_masks`, plus a project folder (``NAME.vanish``), which gives
    its composed visible layers (MaskError when its frame count differs from ``frame_count``)."""
    p = Path(path)
    if p.is_dir() and (p / DOC).is_file():
        proj = Project.load(p, verify_video=False)
        if proj.frame_count != frame_count:
            raise MaskError(f"The project {p} has masks for {proj.frame_count} frames but the video "
                            f"has {frame_count} frames.")
        return StackMaskSource(proj.layers, frame_count, size)
    return open_masks(p, frame_count, size, threshold)


def _explain(folder: Path, problems: list[str]) -> str:
    if len(problems) == 1:
        return f"Project {folder}: {problems[0]}"
    return f"Project {folder} has {len(problems)} problems:\n" + "\n".join(f"  - {p}" for p in problems)


def check_project(folder: str | os.PathLike) -> list[str]:
    """Every problem of the project in ``folder`` as a sentence; empty when it is fine."""
    try:
        _, problems, video_problem = _read(Path(folder))
    except ProjectError as exc:
        return [str(exc)]
    return problems + ([video_problem] if video_problem else [])


def _read(folder: Path) -> tuple[Project, list[str], str | None]:
    """Parse ``folder``. Fatal problems (not a project, corrupt JSON, unknown version, invalid
    structure) raise; mask problems and the video problem are returned."""
    doc_path = folder / DOC
    if not folder.is_dir() or not doc_path.is_file():
        raise ProjectError(f"{folder} is not a Vanish project (no {DOC} inside). "
                           f"Create one with: vanish project new VIDEO --out NAME{SUFFIX}")
    backup = folder / (DOC + ".bak")
    hint = f" The previous version is in {backup}; copy it over {DOC} to go back." if backup.is_file() else ""
    try:
        doc = json.loads(doc_path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise ProjectError(f"{doc_path} is corrupt (not UTF-8 text: {exc}).{hint}") from exc
    except json.JSONDecodeError as exc:
        raise ProjectError(f"{doc_path} is corrupt (invalid JSON at line {exc.lineno}, column "
                           f"{exc.colno}: {exc.msg}).{hint}") from exc
    except OSError as exc:
        raise ProjectError(f"Cannot read {doc_path}: {exc.strerror or exc}.") from exc
    if not isinstance(doc, dict) or doc.get("format", FORMAT) != FORMAT:
        raise ProjectError(f"{doc_path} is not a Vanish project document.{hint}")
    version = doc.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise ProjectError(f"{doc_path} has no valid version number; it is corrupt.{hint}")
    if version != VERSION:
        newer = " It was written by a newer Vanish; update Vanish to open it." if version > VERSION else ""
        raise ProjectError(f"{doc_path} has version {version}, which this Vanish (reads version "
                           f"{VERSION}) does not know.{newer}")
    try:
        v = doc["video"]
        w, h, n = int(v["width"]), int(v["height"]), int(v["frame_count"])
        if w <= 0 or h <= 0 or n <= 0:
            raise ValueError("the video size and frame count must be positive")
        fp = v["fingerprint"]
        if not isinstance(fp, dict):
            raise ValueError("video.fingerprint is not an object")
        settings = ProjectSettings.from_json(doc.get("settings", {}))
        layer_docs = doc.get("layers", [])
        if not isinstance(layer_docs, list):
            raise ValueError("'layers' is not a list")
        problems: list[str] = settings.problems()
        stack = MaskStack((w, h))
        colors: list[int | None] = []
        for ld in layer_docs:
            layer = layer_from_json(ld, (w, h), folder, n, problems)
            if layer is not None:
                refinement_from_json(layer, ld, colors)
                stack.add(layer)
    except (KeyError, TypeError, ValueError, MaskError) as exc:
        what = f"missing field {exc}" if isinstance(exc, KeyError) else str(exc)
        raise ProjectError(f"{doc_path} is invalid ({what}).{hint}") from exc
    video_path, video_problem = _locate_video(folder, v, fp)
    proj = Project(folder, video_path, (w, h), n, fp, stack, settings)
    return proj, problems, video_problem


def _locate_video(folder: Path, v: dict, fp: dict) -> tuple[Path, str | None]:
    """Find the video: the relative path first, then the absolute one; a file whose fingerprint
    matches wins, otherwise the first existing file is reported as changed."""
    candidates = []
    for key in ("path", "absolute"):
        if isinstance(v.get(key), str) and v[key]:
            p = Path(v[key])
            p = Path(os.path.normpath((p if p.is_absolute() else folder / p).absolute()))
            if p not in candidates:
                candidates.append(p)
    if not candidates:
        raise ProjectError(f"{folder / DOC} is invalid (no video path).")
    first_problem: tuple[Path, str] | None = None
    for p in candidates:
        if not p.is_file():
            continue
        try:
            now = fingerprint(p)
        except OSError as exc:
            first_problem = first_problem or (p, f"The video {p} cannot be read ({exc.strerror or exc}).")
            continue
        if same_file(now, fp):
            return p, None
        first_problem = first_problem or (p, (
            f"The video {p} has changed since the project was saved (its size or content differs), "
            "so the masks may no longer line up. Restore the original file, or relink: "
            "vanish project relink PROJECT VIDEO."))
    if first_problem:
        return first_problem
    tried = " or ".join(str(c) for c in candidates)
    return candidates[0], (f"The video was not found (looked for {tried}). Move it back, or relink: "
                           "vanish project relink PROJECT VIDEO.")


__all__ = ["Project", "ProjectSettings", "check_project", "check_settings", "fingerprint", "same_file", "VERSION"]
