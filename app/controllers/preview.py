"""Preview: run a fill engine at low resolution on a worker thread, frames around the playhead
first, and cache the results until the masks change."""

from __future__ import annotations

import cv2
import numpy as np
from PySide6.QtCore import QObject, Signal

from inpaint_core.masks.document import MaskDocument
from inpaint_core.settings import ExportSettings

from ..document.media import MediaClip
from ..workers.jobfns import ClipFacts, PreviewFrame, preview_job
from ..workers.runners import JobRunner

__all__ = ["PreviewController", "PreviewFrame"]


class PreviewController(QObject):
    """Owns the preview runner and the result cache (index -> :class:`PreviewFrame`)."""

    frameFilled = Signal(int)
    progress = Signal(object)
    started = Signal()
    ended = Signal(str)  # "ok" | "cancelled" | "failed"
    failed = Signal(object, str)
    invalidated = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.results: dict[int, PreviewFrame] = {}
        self.runner: JobRunner | None = None
        self.revision = -1
        self.wanted: list[int] = []  # the frames the running (or last) preview fills
        self._old: list[JobRunner] = []

    @property
    def running(self) -> bool:
        """A preview runs or its last frames are still on their way: true until its ``ended``
        arrived on the UI thread (after every frame it sent), so no frame is missed."""
        return self.runner is not None

    def start(self, clip: MediaClip, doc: MaskDocument, settings: ExportSettings, frames: range, priority: int,
              device: str = "auto") -> JobRunner:
        """Preview ``frames`` of ``doc``'s masks: the export's low-resolution stage with ``settings``."""
        self.cancel()
        snap = doc.snapshot()
        key = (snap.revision, repr(settings))
        if key != self.revision:
            self.results.clear()
            self.invalidated.emit()
        self.revision = key
        self.wanted = list(frames)
        todo = [i for i in frames if i not in self.results]
        facts = ClipFacts(clip.path, clip.frame_count, clip.size, getattr(clip.info, "shots", None) or None)
        args = (facts, snap, settings, todo, priority, device)
        runner = JobRunner(lambda tok, a=args: preview_job(*a, tok), "preview", self)
        runner.event.connect(lambda ev, r=runner: self._on_event(r, ev))
        runner.progress.connect(lambda p, r=runner: r is self.runner and self.progress.emit(p))
        runner.failed.connect(lambda e, tb, r=runner: r is self.runner and self.failed.emit(e, tb))
        runner.ended.connect(lambda r=runner: self._on_end(r))
        self.runner = runner
        runner.start()
        self.started.emit()
        return runner

    def _on_event(self, runner: JobRunner, ev) -> None:
        if runner is not self.runner or not isinstance(ev, PreviewFrame):
            return
        self.results[ev.index] = ev
        self.frameFilled.emit(ev.index)

    def _on_end(self, runner: JobRunner) -> None:
        if runner in self._old:
            self._old.remove(runner)
        if runner is self.runner:
            self.runner = None
            self.ended.emit(runner.outcome or "failed")

    def shown_count(self) -> tuple[int, int]:
        """(frames filled and ready to show, frames wanted) of the running or last preview."""
        return sum(1 for i in self.wanted if i in self.results), len(self.wanted)

    def cancel(self) -> None:
        r = self.runner
        if r is not None:
            r.cancel()
            self._old.append(r)
            self.runner = None
            self.ended.emit("cancelled")

    def invalidate(self) -> None:
        """Masks changed: drop every cached result (and stop a preview of the old masks)."""
        self.cancel()
        if self.results:
            self.results.clear()
        self.invalidated.emit()

    def wait_all(self, ms: int = 10000) -> None:
        """Block until every runner has stopped (used when closing the window)."""
        for r in [*self._old, *([self.runner] if self.runner else [])]:
            r.cancel()
            r.wait(ms)

    def result_full(self, i: int, frame: np.ndarray) -> np.ndarray | None:
        """The preview of frame ``i`` at the frame's size: the fill upscaled and blended in as the
        export's final composite does it (the project's feather and each layer's own soft edge,
        :attr:`PreviewFrame.blend`); every pixel where that alpha is 0 is exactly ``frame``."""
        pf = self.results.get(i)
        if pf is None:
            return None
        H, W = frame.shape[:2]
        up = cv2.resize(pf.rgb, (W, H), interpolation=cv2.INTER_CUBIC)
        out = frame.copy()
        if pf.blend is None:  # nothing masked on this frame
            return out
        (x0, y0, x1, y1), alpha = pf.blend.rect, pf.blend.alpha()
        a = alpha[..., None]
        src = frame[y0:y1, x0:x1]
        # the export's blend (inpaint_core.export.pipeline): rint(a * fill + (1 - a) * source)
        blended = np.clip(np.rint(a * up[y0:y1, x0:x1].astype(np.float32) + (1.0 - a) * src.astype(np.float32)),
                          0, 255).astype(np.uint8)
        on = alpha > 0
        out[y0:y1, x0:x1][on] = blended[on]
        return out
