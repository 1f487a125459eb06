"""Persistent editor settings (QSettings): engine, device, cache size, recent files, overlay."""

from __future__ import annotations

import os

from PySide6.QtCore import QSettings

from inpaint_core.settings import DEFAULT_LONG_SIDE

RECENT_MAX = 10


def settings() -> QSettings:
    """The settings store; under tests (VANISH_TESTING) an isolated store is used."""
    if os.environ.get("VANISH_TESTING"):
        return QSettings("Vanish-tests", "editor-tests")
    return QSettings("Vanish", "editor")


class EditorSettings:
    """Typed accessors over QSettings."""

    def __init__(self, store: QSettings | None = None) -> None:
        self.s = store or settings()

    def _get(self, key: str, default, typ):
        v = self.s.value(key, default)
        try:
            if typ is bool:
                return v if isinstance(v, bool) else str(v).lower() in ("1", "true", "yes")
            return typ(v)
        except (TypeError, ValueError):
            return default

    @property
    def engine(self) -> str:
        from inpaint_core.engines import DEFAULT_ENGINE, known_engines

        name = self._get("preview/engine", "", str)
        known = known_engines()
        if name in known:
            return name
        return DEFAULT_ENGINE if DEFAULT_ENGINE in known else (known[-1] if known else "telea")

    @engine.setter
    def engine(self, name: str) -> None:
        self.s.setValue("preview/engine", name)

    @property
    def device(self) -> str:
        return self._get("general/device", "auto", str)

    @device.setter
    def device(self, v: str) -> None:
        self.s.setValue("general/device", v)

    @property
    def cache_mb(self) -> int:
        return max(64, self._get("general/cache_mb", 512, int))

    @cache_mb.setter
    def cache_mb(self, v: int) -> None:
        self.s.setValue("general/cache_mb", int(v))

    @property
    def preview_long_side(self) -> int:
        return max(128, self._get("preview/long_side", DEFAULT_LONG_SIDE, int))  # the schema's default

    @preview_long_side.setter
    def preview_long_side(self, v: int) -> None:
        self.s.setValue("preview/long_side", int(v))

    @property
    def models_dir(self) -> str:
        """The model folder chosen in the settings ("" = the default per-user folder)."""
        return self._get("models/dir", "", str)

    @models_dir.setter
    def models_dir(self, v: str) -> None:
        self.s.setValue("models/dir", v)

    @property
    def export_dir(self) -> str:
        """The folder of the last export ("" before the first)."""
        return self._get("export/dir", "", str)

    @export_dir.setter
    def export_dir(self, v: str) -> None:
        self.s.setValue("export/dir", str(v))

    def recent(self) -> list[str]:
        v = self.s.value("recent/files", [])
        if isinstance(v, str):
            v = [v]
        return [p for p in (v or []) if p]

    def add_recent(self, path: str) -> None:
        items = [p for p in self.recent() if p != path]
        self.s.setValue("recent/files", [path, *items][:RECENT_MAX])

    def clear_recent(self) -> None:
        self.s.setValue("recent/files", [])
