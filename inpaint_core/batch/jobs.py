"""Batch job files: what to export, read from a folder of projects, a text file or a TOML file.

- a folder holding ``NAME.vanish`` projects: one job per project, output ``OUT_DIR/NAME_clean.mp4``;
- a text file, one job per line ``VIDEO MASKS OUTPUT`` (shell quoting; ``#`` starts a comment;
  ``VIDEO`` may be a project, with ``-`` for its masks);
- a ``.toml`` file: an optional ``[defaults]`` table of settings and one ``[[job]]`` table per job
  with ``source`` and ``masks``, or ``project``, plus ``output`` and any settings.

Relative paths are relative to the job file's folder. Settings: ``engine``, ``checkpoint``,
``work_size`` ("WxH"), ``residuals``, ``grow``, ``feather``, ``crf``, ``format``, ``audio``.
"""

from __future__ import annotations

import json
import os
import shlex
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..errors import VanishError

SETTINGS = ("engine", "checkpoint", "work_size", "residuals", "grow", "feather", "crf", "format", "audio")


@dataclass
class JobSpec:
    """One clip of a batch. ``source`` and ``masks``, or ``project`` (a ``.vanish`` folder), give
    the input; ``output`` the file to write; ``settings`` the export settings (see module doc)."""

    name: str
    output: Path
    source: Path | None = None
    masks: Path | None = None
    project: Path | None = None
    settings: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        d = asdict(self)
        return {k: (str(v) if isinstance(v, Path) else v) for k, v in d.items()}


def _settings(d: dict, where: str) -> dict:
    out = {}
    for key, value in d.items():
        if key not in SETTINGS:
            raise VanishError(f"{where}: unknown setting {key!r}; known settings: {', '.join(SETTINGS)}.")
        if key == "work_size":
            from ..export.settings import parse_size

            try:
                value = list(parse_size(str(value)))
            except ValueError as exc:
                raise VanishError(f"{where}: {exc}.") from None
        elif key in ("grow", "crf") and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
            raise VanishError(f"{where}: {key} must be a whole number >= 0, not {value!r}.")
        elif key == "feather" and (not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0):
            raise VanishError(f"{where}: feather must be a number >= 0, not {value!r}.")
        elif key == "audio" and not isinstance(value, bool):
            raise VanishError(f"{where}: audio must be true or false, not {value!r}.")
        elif key == "residuals":
            from ..export.pipeline import RESIDUAL_MODES

            if value not in RESIDUAL_MODES:
                raise VanishError(f"{where}: residuals must be one of {', '.join(RESIDUAL_MODES)}.")
        out[key] = value
    return out


def _abs(base: Path, p) -> Path:
    p = Path(os.path.expanduser(str(p)))
    return p if p.is_absolute() else (base / p)


def _unique(jobs: list[JobSpec]) -> list[JobSpec]:
    seen: dict[Path, str] = {}
    for j in jobs:
        key = Path(os.path.abspath(j.output))
        if key in seen:
            raise VanishError(f"Jobs {seen[key]!r} and {j.name!r} write the same output {j.output}.")
        seen[key] = j.name
    if not jobs:
        raise VanishError("The job file lists no jobs.")
    return jobs


def parse_jobs(path: str | os.PathLike, out_dir: str | os.PathLike | None = None,
               defaults: dict | None = None) -> list[JobSpec]:
    """The jobs of ``path`` (see the module doc). ``out_dir``: where a folder of projects writes
    (default: that folder); ``defaults``: settings for every job (a TOML job's own settings win).
    Raises :class:`VanishError` naming the line or table of a malformed entry."""
    p = Path(path).absolute()
    defaults = _settings(dict(defaults or {}), "command line")
    if p.is_dir():
        if (p / "project.json").is_file():
            projects = [p]
            base = p.parent
        else:
            projects = sorted(q for q in p.iterdir() if q.is_dir() and q.suffix == ".vanish")
            base = p
            if not projects:
                raise VanishError(f"{p} holds no NAME.vanish projects; give a project folder, a text "
                                  "file of 'VIDEO MASKS OUTPUT' lines or a .toml job file.")
        dest = Path(out_dir) if out_dir else base
        return _unique([JobSpec(q.stem, dest / f"{q.stem}_clean.mp4", project=q, settings=dict(defaults))
                        for q in projects])
    if not p.is_file():
        raise VanishError(f"The job file {p} does not exist.")
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise VanishError(f"Cannot read the job file {p}: {exc}.") from None
    if p.suffix.lower() == ".toml":
        return _unique(_parse_toml(text, p, defaults))
    return _unique(_parse_lines(text, p, defaults))


def _parse_lines(text: str, p: Path, defaults: dict) -> list[JobSpec]:
    base = p.parent
    jobs = []
    for n, line in enumerate(text.splitlines(), 1):
        try:
            parts = shlex.split(line, comments=True)
        except ValueError as exc:
            raise VanishError(f"{p}, line {n}: {exc}.") from None
        if not parts:
            continue
        if len(parts) != 3:
            raise VanishError(f"{p}, line {n}: expected 'VIDEO MASKS OUTPUT' (3 paths), found {len(parts)}.")
        video, masks, out = parts
        src = _abs(base, video)
        is_project = src.suffix == ".vanish" or (src / "project.json").is_file()
        jobs.append(JobSpec(
            f"{Path(video).stem} (line {n})", _abs(base, out),
            source=None if is_project else src, project=src if is_project else None,
            masks=None if masks == "-" else _abs(base, masks), settings=dict(defaults)))
        if jobs[-1].masks is None and not is_project:
            raise VanishError(f"{p}, line {n}: a video needs a mask path ('-' only for a project).")
    return jobs


def _parse_toml(text: str, p: Path, defaults: dict) -> list[JobSpec]:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise VanishError(f"{p} is not valid TOML: {exc}.") from None
    unknown = set(doc) - {"defaults", "job"}
    if unknown:
        raise VanishError(f"{p}: unknown table(s) {', '.join(sorted(unknown))}; use [defaults] and [[job]].")
    base = p.parent
    common = {**defaults, **_settings(doc.get("defaults", {}), f"{p} [defaults]")}
    jobs = []
    for k, t in enumerate(doc.get("job", []), 1):
        where = f"{p} job {k}"
        t = dict(t)
        name = str(t.pop("name", "") or f"job {k}")
        out = t.pop("output", None)
        src, masks, proj = t.pop("source", None), t.pop("masks", None), t.pop("project", None)
        if not out:
            raise VanishError(f"{where}: 'output' is missing.")
        if proj is None and (src is None or masks is None):
            raise VanishError(f"{where}: give 'source' and 'masks', or 'project'.")
        jobs.append(JobSpec(name, _abs(base, out), source=_abs(base, src) if src else None,
                            masks=_abs(base, masks) if masks else None,
                            project=_abs(base, proj) if proj else None,
                            settings={**common, **_settings(t, where)}))
    return jobs


def add_to_job_file(job_file: str | os.PathLike, project: str | os.PathLike, output: str | os.PathLike,
                    settings: dict | None = None) -> int:
    """Append a ``[[job]]`` for ``project`` (a saved ``.vanish`` folder) writing ``output`` to the
    TOML ``job_file`` (created if missing). Paths are stored absolute. Returns the number of jobs
    the file then holds; raises :class:`VanishError` if it would not parse afterwards."""
    jf = Path(job_file)
    if jf.suffix.lower() != ".toml":
        raise VanishError(f"A job file to add to must be a .toml file, not {jf.name}.")
    entry = {"project": str(Path(project).resolve()), "output": str(Path(output).resolve()),
             **_settings(dict(settings or {}), "settings")}
    lines = ["", "[[job]]", f"name = {json.dumps(Path(project).stem)}"]
    for k, v in entry.items():
        if k == "work_size":
            v = f"{v[0]}x{v[1]}"
        lines.append(f"{k} = {json.dumps(v)}")  # JSON strings/numbers/booleans are valid TOML
    old = jf.read_text(encoding="utf-8") if jf.exists() else "# Vanish batch jobs: vanish batch THIS_FILE\n"
    new = old.rstrip("\n") + "\n" + "\n".join(lines) + "\n"
    count = len(_unique(_parse_toml(new, jf, {})))
    tmp = jf.with_name(f".{jf.name}.tmp")
    try:
        tmp.write_text(new, encoding="utf-8")
        os.replace(tmp, jf)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise VanishError(f"Cannot write the job file {jf}: {exc.strerror or exc}.") from None
    return count
