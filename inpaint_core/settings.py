"""The one settings schema: every setting that changes an export's output, with its default, range
and description, read by the CLI, the editor's dialogs, the preview and the export.

A project keeps them in ``project.json`` (``settings.engine``, ``settings.grow``,
``settings.feather``, ``settings.engine_options`` and the rest under ``settings.export``);
:class:`ExportSettings` is the resolved, validated set. The preview is the export's low-resolution
stage: :func:`working_size` and :func:`canvas_mode` are the only rules for the working canvas.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, replace
from typing import Any

from .errors import VanishError

RESIDUAL_MODES = ("both", "temporal", "spatial", "none")
OUTPUT_FORMATS = ("mp4", "h265", "mov", "mkv", "webm", "png")
DEFAULT_ENGINE = "propagate"
#: the fill engines this Vanish has (``inpaint_core.engines.ENGINE_PATHS`` maps each to its class)
ENGINE_NAMES = ("propagate", "sttn", "telea")
#: the classical engine's default working size: the source capped at this many pixels on its long side
DEFAULT_LONG_SIDE = 960
DEFAULT_FEATHER = 3.0


@dataclass(frozen=True)
class Setting:
    """One setting: ``name`` (the :class:`ExportSettings` field), ``default``, ``kind`` (int, float,
    str, bool), inclusive ``minimum``/``maximum``, allowed ``choices``, whether None is allowed
    (``optional``, with ``none_means`` saying what None does), a one-line ``description``."""

    name: str
    default: Any
    kind: type
    description: str
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple | None = None
    optional: bool = False
    none_means: str = ""

    def check(self, value: Any) -> Any:
        """``value`` converted to ``kind``; SettingsError naming the setting and what is allowed."""
        if value is None:
            if self.optional:
                return None
            raise SettingsError(f"{self.name} needs a value ({self.description}).")
        if self.kind is bool:
            if not isinstance(value, bool):
                raise SettingsError(f"{self.name} must be true or false, not {value!r}.")
            return value
        if self.kind in (int, float):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise SettingsError(f"{self.name} must be a number ({self.description}), not {value!r}.")
            if self.kind is int and value != int(value):
                raise SettingsError(f"{self.name} must be a whole number, not {value!r}.")
            value = self.kind(value)
            lo, hi = self.minimum, self.maximum
            if (lo is not None and value < lo) or (hi is not None and value > hi):
                raise SettingsError(f"{self.name} must be between {lo} and {hi}, not {value}.")
            return value
        if not isinstance(value, str):
            raise SettingsError(f"{self.name} must be a name, not {value!r}.")
        if self.choices is not None and value not in self.choices:
            raise SettingsError(f"Unknown {self.name} {value!r}; choose one of: {', '.join(self.choices)}.")
        return value


class SettingsError(VanishError):
    """A setting outside its schema."""


SCHEMA: dict[str, Setting] = {s.name: s for s in (
    Setting("engine", DEFAULT_ENGINE, str, "fill engine", choices=ENGINE_NAMES),
    Setting("long_side", DEFAULT_LONG_SIDE, int, "working size: the source scaled so its long side is at "
            "most this many pixels (engines with a fixed size use theirs)", 16, 8192),
    Setting("grow", None, int, "mask growth in source pixels (3x3 cross iterations)", 0, 512, optional=True,
            none_means="the engine's own growth at its working size, in source pixels, adapted to stroke "
            "width: strokes up to about 9 px wide do not grow"),
    Setting("feather", DEFAULT_FEATHER, float, "soft-edge radius of the final composite in source pixels",
            0, 512),
    Setting("residuals", "both", str, "full-resolution detail: temporal + spatial residuals, one of them, "
            "or none (plain upsizing)", choices=RESIDUAL_MODES),
    Setting("blend", "auto", str, "full-resolution Telea fill mixed into the hole with both residuals: "
            "auto (its share per frame from how much of the hole the restore's references back, "
            "0.25-0.75; the mask's thin strokes wholly) or off", choices=("auto", "off")),
    Setting("format", None, str, "output format", choices=OUTPUT_FORMATS, optional=True,
            none_means="from the output's extension"),
    Setting("crf", None, int, "quality of lossy formats (lower is better)", 0, 63, optional=True,
            none_means="matched to the source's bit rate"),
    Setting("start", 0, int, "first frame to export", 0, None),
    Setting("end", None, int, "frame to stop before", 1, None, optional=True, none_means="the end of the clip"),
    Setting("audio", True, bool, "keep the audio (cut to the range)"),
)}

#: settings stored under ``settings.export`` of a project (the others have their own keys)
EXPORT_KEYS = ("long_side", "residuals", "blend", "format", "crf", "start", "end", "audio")


def working_size(src: tuple[int, int], fixed: tuple[int, int] | None = None,
                 long_side: int = DEFAULT_LONG_SIDE) -> tuple[int, int]:
    """The engine's working size (w, h): its ``fixed`` size, else the source capped at
    ``long_side`` on its long side (even dimensions, at least 16)."""
    if fixed:
        return int(fixed[0]), int(fixed[1])
    w, h = src
    s = min(1.0, long_side / max(w, h))
    return max(16, 2 * round(w * s / 2)), max(16, 2 * round(h * s / 2))


def canvas_mode(src: tuple[int, int], work: tuple[int, int]) -> str:
    """``stretch`` when the aspect ratios agree within 2 % (16:9 onto STTN's 432x240), else ``pad``."""
    a, b = src[0] / src[1], work[0] / work[1]
    return "stretch" if abs(a - b) / a <= 0.02 else "pad"


@dataclass
class ExportSettings:
    """Every setting that affects an export's output (see :data:`SCHEMA` for each field)."""

    engine: str = DEFAULT_ENGINE
    engine_options: dict[str, Any] = field(default_factory=dict)
    long_side: int = DEFAULT_LONG_SIDE
    grow: int | None = None
    feather: float = DEFAULT_FEATHER
    residuals: str = "both"
    blend: str = "auto"
    format: str | None = None
    crf: int | None = None
    start: int = 0
    end: int | None = None
    audio: bool = True

    def validated(self) -> ExportSettings:
        """A checked copy; SettingsError names the first bad setting."""
        vals = {f.name: getattr(self, f.name) for f in fields(self)}
        for name, spec in SCHEMA.items():
            vals[name] = spec.check(vals[name])
        if not isinstance(vals["engine_options"], dict):
            raise SettingsError("engine_options must be an object of option names and values.")
        if vals["end"] is not None and vals["end"] <= vals["start"]:
            raise SettingsError(f"end ({vals['end']}) must be after start ({vals['start']}).")
        return ExportSettings(**vals)

    def with_(self, **changes) -> ExportSettings:
        """A copy with ``changes`` (None values are ignored: "not given")."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    @classmethod
    def from_project(cls, ps) -> ExportSettings:
        """From a :class:`~inpaint_core.project.ProjectSettings` (missing keys get the defaults)."""
        ex = dict(getattr(ps, "export", {}) or {})
        vals = {k: ex[k] for k in EXPORT_KEYS if k in ex}
        return cls(engine=ps.engine, engine_options=dict(ps.engine_options), grow=ps.grow,
                   feather=DEFAULT_FEATHER if ps.feather is None else ps.feather, **vals).validated()

    def store_in(self, ps) -> None:
        """Write these settings into a ProjectSettings ``ps`` (what ``vanish export PROJECT`` reads)."""
        ps.engine, ps.engine_options = self.engine, dict(self.engine_options)
        ps.grow, ps.feather = self.grow, self.feather
        ps.export = {**dict(ps.export or {}), **{k: getattr(self, k) for k in EXPORT_KEYS}}

    def export_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of :func:`inpaint_core.export.export_video` for these settings."""
        return {"engine": self.engine, "engine_options": dict(self.engine_options), "long_side": self.long_side,
                "grow": self.grow, "feather": self.feather, "residuals": self.residuals, "blend": self.blend, "fmt": self.format,
                "crf": self.crf, "start": self.start, "end": self.end, "audio": self.audio}


def describe() -> str:
    """The schema as text (one line per setting: name, default, range, description)."""
    lines = []
    for s in SCHEMA.values():
        rng = f" one of {', '.join(s.choices)}" if s.choices else (
            f" {s.minimum}..{'' if s.maximum is None else s.maximum}" if s.minimum is not None else "")
        none = f"; none: {s.none_means}" if s.optional and s.none_means else ""
        lines.append(f"{s.name} = {s.default!r}{rng}: {s.description}{none}")
    return "\n".join(lines)
