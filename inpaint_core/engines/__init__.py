"""Low-resolution fill engines behind one interface (see :mod:`.base`), found by name.

Engines are imported lazily so that, for example, asking for the classical engine never imports
torch.
"""

from __future__ import annotations

import importlib
import importlib.util

from ..errors import EngineUnavailable, VanishError
from ..settings import ENGINE_NAMES
from .base import Availability, Engine

#: name -> "module:Class"; the first is the default engine
ENGINE_PATHS: dict[str, str] = {
    "propagate": "inpaint_core.engines.propagate:PropagateEngine",
    "sttn": "inpaint_core.engines.sttn.engine:STTNEngine",
    "telea": "inpaint_core.engines.telea:TeleaEngine",
}
DEFAULT_ENGINE = "propagate"
#: the classical engine's fill methods (see :mod:`.fillmethods`); the first is the default
FILL_METHODS = ("auto", "propagate", "clean-plate", "surface", "edge-blend")


def engine_class(name: str) -> type[Engine]:
    """The engine class registered as ``name``; VanishError if unknown or not installed."""
    path = ENGINE_PATHS.get(name)
    if path is None:
        raise VanishError(f"Unknown engine '{name}'. Known engines: {', '.join(known_engines())}.")
    mod_name, cls_name = path.split(":")
    try:
        mod = importlib.import_module(mod_name)
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.startswith("inpaint_core"):
            raise EngineUnavailable(f"The '{name}' engine is not part of this build of Vanish.") from None
        raise
    return getattr(mod, cls_name)


def known_engines() -> list[str]:
    """Names of engines whose code is present in this build (available or not)."""
    out = []
    for name, path in ENGINE_PATHS.items():
        if importlib.util.find_spec(path.split(":")[0]) is not None:
            out.append(name)
    return out


def availability(name: str) -> Availability:
    try:
        return engine_class(name).available()
    except VanishError as exc:
        return Availability(False, str(exc))


def engine_option_names(name: str) -> list[str]:
    """The options engine ``name`` accepts (its constructor's named parameters)."""
    import inspect

    params = inspect.signature(engine_class(name).__init__).parameters.values()
    return [p.name for p in params if p.name != "self" and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]


def check_engine_options(name: str, options: dict) -> None:
    """VanishError naming every unknown option of engine ``name`` and listing the valid ones."""
    valid = engine_option_names(name)
    unknown = sorted(k for k in options if k not in valid)
    if unknown:
        s = "s" if len(unknown) > 1 else ""
        raise VanishError(f"Unknown option{s} {', '.join(map(repr, unknown))} for the {name} engine. "
                          f"Valid options: {', '.join(valid) or 'none'}.")


def create_engine(name: str, **options) -> Engine:
    """Build engine ``name`` with ``options`` (unknown ones are refused, listing the valid ones);
    raises EngineUnavailable (with what to do) if it cannot run here."""
    cls = engine_class(name)
    check_engine_options(name, options)
    avail = cls.available() if not options.get("checkpoint") else Availability(True)
    if not avail.ok:
        raise EngineUnavailable(avail.reason)
    return cls(**options)

assert tuple(ENGINE_PATHS) == ENGINE_NAMES, "the settings schema lists every engine, in the same order"
