"""The open document's settings (one schema: :mod:`inpaint_core.settings`): the engine comes from
the engine box, the range from the in/out marks, everything else from the project or the export
dialog's last choices."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from inpaint_core.settings import ExportSettings

from ..document.media import MediaClip
from ..settings import EditorSettings
from ..views.timeline import Timeline
from ..views.toolbars import PreviewBar


class DocumentSettings:
    """Holds the document's :class:`ExportSettings`. ``clip()`` gives the open clip (or None);
    ``set_in_out(a, b)`` moves the in/out marks (inclusive frame indices)."""

    def __init__(self, prefs: EditorSettings, preview_bar: PreviewBar, timeline: Timeline,
                 clip: Callable[[], MediaClip | None], set_in_out: Callable[[int, int], None]) -> None:
        self.prefs, self.preview_bar, self.timeline = prefs, preview_bar, timeline
        self.clip, self.set_in_out = clip, set_in_out
        self.stored = ExportSettings(long_side=prefs.preview_long_side)

    def reset(self) -> None:
        """A new document: the schema's defaults with the editor's working-size preference."""
        self.stored = ExportSettings(long_side=self.prefs.preview_long_side)

    def current(self) -> ExportSettings:
        """The settings as they stand: engine from the engine box, range from the in/out marks."""
        engine = self.preview_bar.current_engine() or self.stored.engine
        s = self.stored
        if engine != s.engine:
            s = replace(s, engine=engine, engine_options={})
        clip = self.clip()
        if clip is not None:
            a, b = self.timeline.in_frame, self.timeline.out_frame + 1
            s = replace(s, start=a, end=None if b >= clip.frame_count else b)
        return s

    def choose(self, **choices) -> None:
        """Keep choices made in a dialog (the document saves them)."""
        self.stored = replace(self.stored, **choices)

    def adopt(self, settings: ExportSettings) -> None:
        """Settings read from a project: kept, and the in/out marks restored from its range."""
        self.stored = settings
        clip = self.clip()
        if clip is not None:
            end = clip.frame_count if settings.end is None else min(settings.end, clip.frame_count)
            if 0 <= settings.start < end:
                self.set_in_out(settings.start, end - 1)
