"""How recent files are named in menus, and which paths are the editor's own autosaves (never
shown to the user as a project name or a recent file)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path


def recent_labels(paths: list[str]) -> list[str]:
    """A label per path: its file name, with its folder where two paths share the name
    ("clip.mp4 - holiday/day1" and "clip.mp4 - holiday/day2")."""
    names = Counter(Path(p).name for p in paths)
    out = []
    for p in paths:
        path = Path(p)
        if names[path.name] > 1:
            out.append(f"{path.name} \u2014 {_folder(path, [Path(q) for q in paths if Path(q).name == path.name])}")
        else:
            out.append(path.name)
    return out


def _folder(path: Path, same: list[Path]) -> str:
    """The shortest tail of ``path``'s folder that tells it apart from the others in ``same``."""
    parts = path.parent.parts
    for n in range(1, len(parts) + 1):
        tail = parts[-n:]
        if all(q == path or q.parent.parts[-n:] != tail for q in same):
            return str(Path(*tail))
    return str(path.parent)


def is_autosave(path: str | Path | None) -> bool:
    """True for a path inside the autosave folder (a recovery copy, not the user's project)."""
    if path is None:
        return False
    from .project_io import autosave_root

    try:
        Path(path).resolve().relative_to(autosave_root().resolve())
    except (ValueError, OSError):
        return False
    return True
