"""Which fill engines this build offers (the engine box and the settings dialog read this)."""

from __future__ import annotations

from inpaint_core.engines import availability, engine_class, known_engines


def engine_choices() -> list[tuple[str, str, bool, str]]:
    """(name, label, available, reason) of every engine present in this build."""
    out = []
    for name in known_engines():
        try:
            label = engine_class(name).label or name
        except Exception as exc:  # engine code present but broken: say so, never crash
            out.append((name, name, False, str(exc)))
            continue
        av = availability(name)
        out.append((name, label, av.ok, av.reason))
    return out
